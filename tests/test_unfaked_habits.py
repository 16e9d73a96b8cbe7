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


SWALLOW_TEST = '''
import logging
import smtplib

import boto3
import pytest

from pytest_sesquota import UnfakedSesCall


def notify(client):
    """An application's send, which logs and carries on whatever goes wrong."""
    try:
        client.send_email(
            Source="a@example.com",
            Destination={"ToAddresses": ["b@example.com"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
        )
    except Exception:
        logging.exception("could not notify")


def test_swallowed_api_call():
    notify(boto3.client("ses", region_name="us-east-1"))


def connect():
    try:
        return smtplib.SMTP("email-smtp.eu-west-1.amazonaws.com", 587, timeout=1)
    except Exception:
        return None


def test_swallowed_smtp_connection():
    assert connect() is None


def test_expected_by_the_test():
    with pytest.raises(UnfakedSesCall):
        boto3.client("ses", region_name="us-east-1").get_send_quota()


def test_caught_by_the_test_itself():
    try:
        boto3.client("sesv2", region_name="us-east-1").get_account()
    except UnfakedSesCall:
        pass


def test_raised_into_the_test_fails_once():
    boto3.client("ses", region_name="us-east-1").get_send_quota()


def test_swallowed_then_failed_fails_once():
    notify(boto3.client("ses", region_name="us-east-1"))
    assert False, "its own failure"


def test_the_next_test_starts_clean():
    pass


@pytest.fixture
def probe():
    # Set-up and tear-down code may probe and catch: only the test's call is checked.
    try:
        boto3.client("ses", region_name="us-east-1").get_send_quota()
    except Exception:
        pass
    yield
    try:
        boto3.client("ses", region_name="us-east-1").get_send_quota()
    except Exception:
        pass


def test_a_fixture_may_probe(probe):
    pass


def test_with_the_fake(ses_account):
    notify(boto3.client("ses", region_name="us-east-1"))
    assert len(ses_account.sent) == 1
'''


def test_a_refusal_the_code_under_test_swallows_fails_the_test_at_teardown(pytester, monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s")):
        monkeypatch.setenv(name, value)
    pytester.makepyfile(SWALLOW_TEST)
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7, failed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallowed_api_call*",
            "*pytest-sesquota refused an SES call and the code under test caught the error: "
            "the test passed, but nothing it sent reached SES, real or fake.",
            "UnfakedSesCall: pytest-sesquota refused an SES call (ses SendEmail to "
            "https://email.us-east-1.amazonaws.com/): a call to real Amazon SES from a test "
            "without the fake SES account*",
            "*ERROR at teardown of test_swallowed_smtp_connection*",
            "UnfakedSesCall: pytest-sesquota refused a connection to real Amazon SES "
            "(email-smtp.eu-west-1.amazonaws.com:587)*",
        ]
    )
    errors = [line for line in result.outlines if line.startswith("ERROR test_")]
    assert [line.split(" - ")[0] for line in errors] == [
        "ERROR test_a_refusal_the_code_under_test_swallows_fails_the_test_at_teardown.py"
        "::test_swallowed_api_call",
        "ERROR test_a_refusal_the_code_under_test_swallows_fails_the_test_at_teardown.py"
        "::test_swallowed_smtp_connection",
    ]
