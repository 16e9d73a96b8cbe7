from __future__ import annotations

import contextlib

import boto3
import pytest
from botocore.config import Config

# The plugin loads its front doors (and requests, responses, aiosmtpd) on first use.
# pytester's in-process runs drop the modules first imported during a run, which would
# leave two copies of them in play (a door patching the copy the next run does not use):
# loaded here once, before any inner run.
import pytest_sesquota.doors.activation
import pytest_sesquota.doors.smtp
import pytest_sesquota.report.reporting
import pytest_sesquota.serve.server  # noqa: F401

# pytester's in-process runs drop the modules first imported during a run. The plugin
# imports matplotlib lazily (for pictures); imported here once, no inner run can leave the
# process holding two halves of it (classes failing isinstance against their own kind).
with contextlib.suppress(ImportError):
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import matplotlib.lines
    import matplotlib.ticker  # noqa: F401

MESSAGE = {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi there"}}}
# The mode is pinned too: in adaptive mode (AWS_RETRY_MODE=adaptive) botocore's
# client-side limiter would wait before a send even with retries off.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


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


@pytest.fixture
def sesv2(ses_account):
    """An SES v2 client in us-east-1 with botocore's retries turned off."""
    return boto3.client("sesv2", region_name="us-east-1", config=NO_RETRIES)


SIMPLE = {"Simple": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi there"}}}}


def send_v2(client, *to, source="app@example.com", cc=(), bcc=(), content=SIMPLE):
    return client.send_email(
        FromEmailAddress=source,
        Destination={"ToAddresses": list(to), "CcAddresses": list(cc), "BccAddresses": list(bcc)},
        Content=content,
    )


@pytest.fixture(autouse=True)
def _inner_runs_use_this_time_backend(request):
    """pytester's inner pytest runs use the time backend this run was given
    (``-o ses_quota_time_backend=freezegun``): CI runs the suite with each."""
    backend = request.config.getini("ses_quota_time_backend")
    if backend and "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")  # it clears PYTEST_ADDOPTS: set it after
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("PYTEST_ADDOPTS", f"-o ses_quota_time_backend={backend}")
