from __future__ import annotations

import boto3
import pytest
from botocore.config import Config

MESSAGE = {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi there"}}}
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def ses(ses_account):
    """An SES v1 client in us-east-1 with botocore's retries turned off."""
    return boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)


def send(client, *to, source="app@example.com", cc=(), bcc=()):
    return client.send_email(
        Source=source,
        Destination={"ToAddresses": list(to), "CcAddresses": list(cc), "BccAddresses": list(bcc)},
        Message=MESSAGE,
    )
