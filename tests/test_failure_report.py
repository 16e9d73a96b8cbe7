"""The failure report of an SES refusal: the traceback ends in the code that made the call,
the short summary line (and JUnit's message) says what SES answered; a misspelled marker
fails the test at setup."""

from __future__ import annotations

import smtplib
import xml.etree.ElementTree as ET

import aiosmtplib
import pytest

from pytest_sesquota.account.ledger import SesRequest
from pytest_sesquota.report.failure import library_tail, short_line

APP = """
import boto3
from botocore.config import Config

MESSAGE = {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}


def welcome(user, api="ses", attempts=1):
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
    client = boto3.client(api, region_name="us-east-1", config=config)
    if api == "ses":
        return client.send_email(
            Source="app@example.com", Destination={"ToAddresses": [user]}, Message=MESSAGE
        )
    return client.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": [user]},
        Content={"Simple": MESSAGE},
    )
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("CI", "true")  # whole short lines (pytest 7 cuts them otherwise, even -vv)

    def run(source: str, *args: str) -> pytest.RunResult:
        pytester.makepyfile(app=APP, test_app=source)
        return pytester.runpytest_inprocess(
            "-p", "no:hypothesispytest", "-p", "no:cacheprovider", "-vv", *args
        )

    return run


def library_lines(result: pytest.RunResult) -> list[str]:
    """Traceback lines naming a file of botocore, smtplib, requests or the plugin."""
    names = ("botocore/", "smtplib.py", "requests/", "urllib3/", "pytest_sesquota/")
    return [line for line in result.stdout.lines if any(n in line for n in names)]


def test_an_unfaked_call_ends_in_the_application_and_says_so(run, pytester):
    result = run(
        """
        from app import welcome

        def test_welcome():
            welcome("a@example.com")
        """,
        "--junitxml=junit.xml",
    )
    result.assert_outcomes(failed=1)
    line = (
        "UnfakedSesCall: refused an SES call (ses SendEmail to "
        "https://email.us-east-1.amazonaws.com/): a call to real Amazon SES from a test "
        "without the fake SES account"
    )
    result.stdout.fnmatch_lines(
        [
            '    def welcome(user, api="ses", attempts=1):',
            "*",
            ">*return client.send_email(",
            "E*pytest_sesquota.doors.guard.UnfakedSesCall: pytest-sesquota refused an SES call*",
            "*app.py:*: UnfakedSesCall",
            f"FAILED test_app.py::test_welcome - {line}",
        ]
    )
    assert library_lines(result) == []
    (failure,) = ET.parse(pytester.path / "junit.xml").getroot().iter("failure")
    assert failure.get("message") == line


def test_fulltrace_keeps_every_frame(run):
    result = run(
        """
        from app import welcome

        def test_welcome():
            welcome("a@example.com")
        """,
        "--fulltrace",
    )
    assert any("botocore/hooks.py" in line for line in result.stdout.lines)
    assert any("pytest_sesquota/doors/botocore.py" in line for line in result.stdout.lines)
    result.stdout.fnmatch_lines(["FAILED test_app.py::test_welcome - UnfakedSesCall: refused*"])


def test_a_connection_refused_by_the_guard(run):
    result = run(
        """
        import requests

        def test_poll():
            requests.get("https://email.eu-west-1.amazonaws.com/v2/email/account")
        """
    )
    result.stdout.fnmatch_lines(
        [
            ">       requests.get(*",
            "E       pytest_sesquota.doors.guard.UnfakedSesCall: *",
            "FAILED test_app.py::test_poll - UnfakedSesCall: refused a connection to real "
            "Amazon SES (email.eu-west-1.amazonaws.com:443): a call to real Amazon SES from a "
            "test without the fake SES account",
        ]
    )
    assert library_lines(result) == []


def test_a_throttled_send_says_what_ses_answered(run):
    result = run(
        """
        import pytest
        from app import welcome

        @pytest.mark.ses_quota(profile="sandbox")
        def test_welcome_two():
            welcome("a@example.com")
            welcome("b@example.com")

        @pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=200)
        def test_welcome_tomorrow():
            welcome("a@example.com", api="sesv2", attempts=3)
        """
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            '>       welcome("b@example.com")',
            "",
            "test_app.py:7: ",
            "*",
            ">*return client.send_email(",
            "E*botocore.exceptions.ClientError: An error occurred (Throttling) when calling the "
            "SendEmail operation (reached max retries: 0): Maximum sending rate exceeded.",
            "",
            "app.py:11: ClientError",
            "*- SES conversation -*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "FAILED test_app.py::test_welcome_two - Throttling: Maximum sending rate exceeded. "
            "(ses SendEmail, 1 attempt)",
            "FAILED test_app.py::test_welcome_tomorrow - TooManyRequestsException: Daily "
            "message quota exceeded. (sesv2 SendEmail, 3 attempts)",
        ]
    )
    assert library_lines(result) == []


def test_other_failures_keep_pytests_report(run):
    result = run(
        """
        import pytest
        from botocore.exceptions import ClientError

        @pytest.mark.ses_quota
        def test_assertion(ses_account):
            assert ses_account.sent == [1]

        @pytest.mark.ses_quota
        def test_another_services_error(ses_account):
            raise ClientError({"Error": {"Code": "NoSuchBucket", "Message": "gone"}}, "GetObject")
        """
    )
    result.stdout.fnmatch_lines(
        [
            "FAILED test_app.py::test_assertion - assert [] == [1]*",
            "FAILED test_app.py::test_another_services_error - botocore.exceptions.ClientError: "
            "An error occurred (NoSuchBucket) when calling the GetObject operation: gone",
        ]
    )


def test_an_smtp_refusal_says_the_reply(run):
    result = run(
        """
        import smtplib
        import pytest

        @pytest.mark.ses_quota
        def test_plain_text(ses_smtp):
            with smtplib.SMTP(ses_smtp.host, ses_smtp.port) as client:
                client.sendmail("app@example.com", ["a@example.com"], "Subject: Hi\\r\\n\\r\\n")
        """
    )
    result.stdout.fnmatch_lines(
        [
            ">*client.sendmail(*",
            "E*smtplib.SMTPSenderRefused: (530, b'Must issue a STARTTLS command first', "
            "'app@example.com')",
            "FAILED test_app.py::test_plain_text - SMTPSenderRefused: 530 Must issue a STARTTLS "
            "command first (MAIL FROM app@example.com)",
        ]
    )
    assert library_lines(result) == []


def test_the_short_line_travels_from_xdist_workers(run):
    result = run(
        """
        import pytest
        from app import welcome

        @pytest.mark.ses_quota(profile="sandbox")
        def test_welcome_two():
            welcome("a@example.com")
            welcome("b@example.com")
        """,
        "-p",
        "xdist",
        "-n",
        "1",
    )
    result.stdout.fnmatch_lines(
        [
            "FAILED test_app.py::test_welcome_two - Throttling: Maximum sending rate exceeded. "
            "(ses SendEmail, 1 attempt)"
        ]
    )


# -- the short lines, one by one --------------------------------------------------------
def test_smtp_reply_errors_of_smtplib_and_aiosmtplib():
    requests: list[SesRequest] = []
    refused = smtplib.SMTPRecipientsRefused(
        {"a@x.org": (553, b"<a@x.org> Invalid email address"), "b@x.org": (553, b"...")}
    )
    assert short_line(refused, requests) == (
        "SMTPRecipientsRefused: a@x.org: 553 <a@x.org> Invalid email address (+1 more)"
    )
    data = smtplib.SMTPDataError(454, b"Throttling failure: Maximum sending rate exceeded.")
    assert short_line(data, requests) == (
        "SMTPDataError: 454 Throttling failure: Maximum sending rate exceeded."
    )
    sender = aiosmtplib.SMTPSenderRefused(530, "Authentication required", "app@x.org")
    assert short_line(sender, requests) == (
        "SMTPSenderRefused: 530 Authentication required (MAIL FROM app@x.org)"
    )
    # Without the fake, an SMTP error is not SES's: pytest's line stays.
    assert short_line(data, None) is None
    assert short_line(ValueError("x"), requests) is None


def test_library_frames_are_cut_from_the_end_only():
    modules = ["_pytest.runner", "test_app", "botocore.client", "app", "botocore.hooks",
               "pytest_sesquota.doors.botocore"]  # fmt: skip
    assert library_tail(modules) == 2
    assert library_tail([*modules[:4], None, "socket"]) == 1  # unknown frames stay
    assert library_tail(["botocore.client", "botocore.hooks"]) == 1  # the first stays


# -- a misspelled marker -----------------------------------------------------------------
def test_a_misspelled_marker_fails_the_test_at_setup(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ses_qouta(profile="production")
        def test_typo():
            pass

        @pytest.mark.SesQuota_Real
        class TestReal:
            def test_in_class(self):
                pass

        @pytest.mark.slow_ses  # not close: pytest's own warning only
        def test_other():
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-W", "ignore")
    result.assert_outcomes(errors=2, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_typo*",
            "@pytest.mark.ses_qouta is not a marker pytest knows: did you mean "
            "@pytest.mark.ses_quota (pytest-sesquota)? As written, the test would run without "
            "it. Run pytest with --strict-markers to make every unknown marker an error.",
            "*ERROR at setup of TestReal.test_in_class*",
            "@pytest.mark.SesQuota_Real is not a marker pytest knows: did you mean "
            "@pytest.mark.ses_quota_real (pytest-sesquota)?*",
        ]
    )


def test_a_registered_marker_is_never_questioned(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nmarkers =\n    ses_quotas: our own marker\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ses_quotas
        def test_ours():
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "--strict-markers")
    result.assert_outcomes(passed=1)
