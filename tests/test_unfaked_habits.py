"""Suites with habits of their own, without the fake: a hand-written botocore stub is
let answer (and runs no credential machinery); a refusal the application swallows
still fails the test, at teardown, naming the refused call."""

from __future__ import annotations

import sys

import pytest

#: A credential_process whose credentials expire in five minutes: botocore runs it when
#: the client is made, and again to refresh them if a request is signed.
PROCESS = """
import datetime, json, sys
open(sys.argv[1], "a").write("ran\\n")
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
print(json.dumps({"Version": 1, "AccessKeyId": "AKIAREAL", "SecretAccessKey": "real",
                  "SessionToken": "t", "Expiration": expires.isoformat()}))
"""


@pytest.fixture
def profile(tmp_path, monkeypatch):
    """A default profile with a credential_process; returns the file its runs are
    counted in."""
    ran = tmp_path / "ran"
    script = tmp_path / "process.py"
    script.write_text(PROCESS, encoding="utf-8")
    config = tmp_path / "config"
    config.write_text(
        f"[default]\ncredential_process = {sys.executable} {script} {ran}\n", encoding="utf-8"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return ran


STUB_TEST = """
import boto3
from botocore.awsrequest import AWSResponse

QUOTA = (b"<GetSendQuotaResponse><GetSendQuotaResult><Max24HourSend>7.0</Max24HourSend>"
         b"<MaxSendRate>1.0</MaxSendRate><SentLast24Hours>0.0</SentLast24Hours>"
         b"</GetSendQuotaResult></GetSendQuotaResponse>")
ACCOUNT = b'{"SendQuota": {"Max24HourSend": 9.0}}'


class Raw:
    def __init__(self, body):
        self.body = body

    def stream(self, **kwargs):
        yield self.body


def answer(body):
    def handler(request, **kwargs):
        assert "Authorization" not in request.headers  # nothing was signed
        return AWSResponse(request.url, 200, {}, Raw(body))
    return handler


def test_v1_stub():
    client = boto3.Session().client("ses", region_name="us-east-1")
    client.meta.events.register("before-send.ses.GetSendQuota", answer(QUOTA))
    assert client.get_send_quota()["Max24HourSend"] == 7.0


def test_v2_stub():
    client = boto3.Session().client("sesv2", region_name="eu-west-1")
    client.meta.events.register("before-send.sesv2", answer(ACCOUNT))
    assert client.get_account()["SendQuota"]["Max24HourSend"] == 9.0


def test_a_stub_for_another_operation_does_not_open_the_door():
    client = boto3.Session().client("ses", region_name="us-east-1")
    client.meta.events.register("before-send.ses.GetSendQuota", answer(QUOTA))
    client.list_identities()
"""


def test_a_hand_written_before_send_stub_answers_without_the_fake(pytester, profile):
    pytester.makepyfile(STUB_TEST)
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    # Once per session, as its client was made: never to refresh the five-minute
    # credentials for a request (a signed one would have).
    assert profile.read_text() == "ran\n" * 3
    # Without a stub for its operation, the call is refused before any lookup.
    result.stdout.fnmatch_lines(
        [
            "*test_a_stub_for_another_operation_does_not_open_the_door*",
            "*UnfakedSesCall: pytest-sesquota refused an SES call (ses ListIdentities to "
            "https://email.us-east-1.amazonaws.com/): a call to real Amazon SES from a test "
            "without the fake SES account*",
        ]
    )
