"""Isolation: whatever a test does with the fake — pass, fail, error in setup or in
teardown — the next test finds time, datetime, asyncio and botocore exactly as
before; a test without the fake sees SES untouched, unless the suite blocks it.
"""

from __future__ import annotations

import socket

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint
from botocore.signers import RequestSigner

from pytest_sesquota.active import ACTIVE
from pytest_sesquota.doors import botocore as _botocore

REAL_CREATE_CONNECTION = socket.create_connection
OUTER_GETADDRINFO = socket.getaddrinfo  # this session's guard's

# Each inner test's state before and after it runs, compared by identity and by
# behaviour (time-machine patches C functions in place: `time.time is time.time`
# holds even while it travels, so real time is checked against the file system's).
CONFTEST = """
import asyncio.base_events
import datetime
import os
import socket
import tempfile
import threading
import time
import uuid

import botocore.endpoint
import botocore.handlers
import botocore.retries.bucket
import botocore.signers
import pytest
import requests.adapters
import urllib3.util.connection

TIME_NAMES = (
    "sleep", "time", "time_ns", "monotonic", "monotonic_ns", "perf_counter",
    "perf_counter_ns", "gmtime", "localtime", "strftime",
)


def kernel_now():
    with tempfile.NamedTemporaryFile() as stamp:
        return os.fstat(stamp.fileno()).st_mtime


def snapshot():
    import test_cases  # the test module's own `from time import ...` bindings

    now = kernel_now()
    return {
        "time": {name: getattr(time, name) for name in TIME_NAMES},
        "aliases": (test_cases.sleep, test_cases.monotonic),
        "datetime": (datetime.datetime, datetime.date, datetime.datetime.now),
        "real time": (
            abs(time.time() - now) < 600,
            abs(datetime.datetime.now(datetime.timezone.utc).timestamp() - now) < 600,
            datetime.date.today() == datetime.date.fromtimestamp(now),
            abs(time.monotonic() - time.perf_counter()) < 10**6 or "process clocks",
        ),
        "asyncio": loop_times(),
        "uuid": (uuid.__dict__.get("_generate_time_safe"), uuid.__dict__.get("_UuidCreate")),
        "botocore": (
            list(botocore.handlers.BUILTIN_HANDLERS),
            botocore.endpoint.Endpoint._send,
            botocore.signers.RequestSigner.sign,
            botocore.retries.bucket.TokenBucket._acquire,
            botocore.retries.bucket.Clock.current_time,
        ),
        "environ": {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
        # The servers (SMTP, HTTP) are gone, the guard and the requests door are undone.
        "servers": sorted(t.name for t in threading.enumerate() if "sesquota" in t.name),
        "connections": (
            socket.create_connection,
            urllib3.util.connection.create_connection,
            requests.adapters.HTTPAdapter.send,
        ),
    }


def loop_times():
    found, pending = {}, [asyncio.base_events.BaseEventLoop]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        found[cls] = cls.__dict__.get("time")
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    before = snapshot()
    yield
    after = snapshot()
    changed = sorted(k for k in before if before[k] != after[k])
    if "environ" in changed:
        a, b = before["environ"], after["environ"]
        changed.append(sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)))
    with open(os.path.join(str(item.config.rootpath), "leaks.txt"), "a") as out:
        out.write(f"{item.name}: {changed}\\n")
"""

CASES = """
import asyncio
import smtplib
import time
import urllib.request
from time import monotonic, sleep

import boto3
import pytest
from botocore.config import Config

import pytest_sesquota.doors.botocore
from pytest_sesquota import SesAccount

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
SIMPLE = {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}


def use_servers(smtp=None, server=None):
    # Through the network doors too: SMTP, and the HTTP server (not intercepted in-process).
    if smtp is not None:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=15) as client:
            client.starttls(context=smtp.ssl_context())
            client.login(smtp.username, smtp.password)
            client.sendmail("a@example.com", ["b@example.com"], b"Subject: s\\r\\n\\r\\nb")
    if server is not None:
        request = urllib.request.Request(server.endpoint_url + "/_sesquota/quotas")
        with urllib.request.urlopen(request, timeout=15) as reply:
            assert reply.status == 200


def use_everything(account):
    assert time.time() == account.clock.time()
    v1 = boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)
    v2 = boto3.client("sesv2", region_name="eu-west-1")  # default retries: back-off sleeps
    v1.send_email(
        Source="a@example.com", Destination={"ToAddresses": ["b@example.com"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
    )
    for _ in range(3):
        v2.send_email(
            FromEmailAddress="a@example.com", Destination={"ToAddresses": ["b@example.com"]},
            Content=SIMPLE,
        )
    sleep(60)
    assert monotonic() - monotonic() == 0
    asyncio.run(asyncio.sleep(0.001))
    account.schedule(after=3600, action=lambda: None)
    account.clock.advance(hours=2)
    assert account.clock.elapsed() >= 7260


@pytest.fixture
def broken_setup(ses_account):
    use_everything(ses_account)
    raise RuntimeError("setup broke")


@pytest.fixture
def broken_teardown(ses_account, ses_smtp):
    use_everything(ses_account)
    use_servers(smtp=ses_smtp)
    yield
    raise RuntimeError("teardown broke")


@pytest.fixture
def activation_fails(monkeypatch):
    def refuse(account):
        raise RuntimeError("botocore door refused")

    monkeypatch.setattr(pytest_sesquota.doors.botocore, "activate", refuse)


def test_passes(ses_account, ses_smtp, ses_server):
    use_everything(ses_account)
    use_servers(smtp=ses_smtp, server=ses_server)


def test_fails(ses_account, ses_server):
    use_everything(ses_account)
    use_servers(smtp=ses_server.smtp, server=ses_server)
    assert False, "the test failed"


def test_raises_while_sleeping(ses_account):
    ses_account.schedule(after=1, action=lambda: None)
    use_everything(ses_account)
    raise KeyError("inside the test")


def test_errors_in_setup(broken_setup):
    pass


def test_errors_in_teardown(broken_teardown):
    pass


@pytest.mark.ses_quota(max_rate=1)
def test_marker_error_in_setup(ses_account):
    pass


def test_activation_fails_half_way(activation_fails, ses_account):
    pass


def test_scheduled_action_fails_the_teardown(ses_account):
    def broken():
        raise RuntimeError("scheduled action broke")

    ses_account.schedule(after=10, action=broken)
    use_everything(ses_account)


def test_internal_error_fails_the_teardown(ses_account, monkeypatch):
    from pytest_sesquota.ses.account_settings import AccountV1

    def crash(self, call, params):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(AccountV1, "GetSendQuota", crash)
    use_everything(ses_account)
    client = boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)
    with pytest.raises(client.exceptions.ClientError):
        client.get_send_quota()


def test_skips(ses_account):
    use_everything(ses_account)
    pytest.skip("skipped half-way")


def test_context_manager_outside_pytest_and_an_error():
    with pytest.raises(ValueError):
        with SesAccount(profile="production") as account:
            use_everything(account)
            raise ValueError("inside the with block")


def test_without_the_fake():
    assert abs(time.time() - time.time()) < 1
"""


@pytest.mark.parametrize("backend", ["freezegun", "time-machine"])
def test_everything_is_as_before_after_any_outcome(pytester: pytest.Pytester, monkeypatch, backend):
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)  # the backend is this test's parameter
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeini(
        f"[pytest]\nses_quota_time_backend = {backend}\nses_quota_profile = production\n"
    )
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_cases=CASES)
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-p", "no:randomly")
    result.assert_outcomes(passed=6, failed=2, errors=6, skipped=1)
    result.stdout.fnmatch_lines_random(
        [
            "*AssertionError: the test failed*",
            "*KeyError: 'inside the test'*",
            "*RuntimeError: setup broke*",
            "*RuntimeError: teardown broke*",
            "*ses_quota got an unexpected argument 'max_rate'*",
            "*RuntimeError: botocore door refused*",
            "*scheduled action broke*",
            "*pytest-sesquota hit an internal error*",
            "ZeroDivisionError: bug",
        ]
    )
    leaks = (pytester.path / "leaks.txt").read_text().splitlines()
    assert len(leaks) == 12
    assert all(line.endswith(": []") for line in leaks), leaks


@pytest.mark.ses_quota_real
def test_without_the_fake_ses_calls_pass_through_untouched():
    """No fixture, real SES asked for: the plugin's handlers stand aside and botocore
    signs and sends as usual."""
    assert _botocore.current() is None
    assert Endpoint._send is _botocore._original_send
    assert RequestSigner.sign is _botocore._original_sign
    seen = []

    def network(request, **_kwargs):  # stands in for the network, last in line
        seen.append(request)
        body = (
            b'<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
            b"<SendEmailResult><MessageId>real-ses-id</MessageId></SendEmailResult>"
            b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendEmailResponse>"
        )
        return AWSResponse(request.url, 200, {}, _Raw(body))

    client = boto3.client(
        "ses", region_name="eu-west-1", aws_access_key_id="AKID", aws_secret_access_key="secret"
    )
    client.meta.events.register("before-send.ses.SendEmail", network)
    reply = client.send_email(
        Source="a@example.com",
        Destination={"ToAddresses": ["b@example.com"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
    )
    assert reply["MessageId"] == "real-ses-id"
    [request] = seen
    assert request.url == "https://email.eu-west-1.amazonaws.com/"
    assert request.headers["Authorization"].startswith(b"AWS4-HMAC-SHA256 Credential=AKID/")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs):
        yield self.body


def test_ses_calls_outside_the_fake_are_refused_by_default(pytester: pytest.Pytester, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from botocore.awsrequest import AWSResponse

        from pytest_sesquota import UnfakedSesCall

        MESSAGE = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}


        def test_v1_is_refused_before_it_needs_credentials():
            client = boto3.client("ses", region_name="us-east-1")
            with pytest.raises(UnfakedSesCall) as err:
                client.send_email(
                    Source="a@example.com", Destination={"ToAddresses": ["b@example.com"]},
                    Message=MESSAGE,
                )
            assert str(err.value) == (
                "pytest-sesquota refused an SES call (ses SendEmail to "
                "https://email.us-east-1.amazonaws.com/): a call to real Amazon SES from a test "
                "without the fake SES account. Use the ses_account fixture or "
                "@pytest.mark.ses_quota in this test; a test that really means to reach AWS can "
                "say so with @pytest.mark.ses_quota_real, and ses_quota_block_unfaked = false "
                "lets every test's SES calls through."
            )


        def test_v2_too():
            client = boto3.client("sesv2", region_name="eu-west-1")
            with pytest.raises(UnfakedSesCall, match="sesv2 GetAccount to https://email.eu-west-1"):
                client.get_account()


        def test_with_the_fake_all_is_well(ses_account):
            boto3.client("ses", region_name="us-east-1").get_send_quota()
            assert len(ses_account.requests) == 1


        def test_after_the_fake_blocked_again():
            with pytest.raises(UnfakedSesCall):
                boto3.client("ses", region_name="us-east-1").get_send_quota()


        def test_requests_and_smtp_to_ses_hosts_are_refused_too():
            import smtplib
            import requests

            with pytest.raises(UnfakedSesCall, match="email.us-east-1.amazonaws.com:443"):
                requests.get("https://email.us-east-1.amazonaws.com/v2/email/account", timeout=5)
            with pytest.raises(UnfakedSesCall, match="ses_quota_block_unfaked = false lets"):
                smtplib.SMTP("email-smtp.us-east-1.amazonaws.com", 587, timeout=5)


        @pytest.mark.ses_quota_real
        def test_a_test_that_means_to_reach_aws_says_so():
            client = boto3.client(
                "ses", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
            )
            seen = []

            def network(request, **kwargs):  # stands in for the network
                seen.append(request.url)
                return AWSResponse(request.url, 500, {}, None)

            client.meta.events.register_last("before-send.ses", network)
            with pytest.raises(Exception):
                client.get_send_quota()
            assert seen[0] == "https://email.us-east-1.amazonaws.com/"


        def test_other_services_are_never_touched():
            client = boto3.client(
                "sqs", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
            )
            seen = []

            def network(request, **kwargs):
                seen.append(request.headers["Authorization"])
                return AWSResponse(request.url, 200, {}, None)

            client.meta.events.register("before-send.sqs", network)
            client.meta.events.register(
                "needs-retry.sqs", lambda **kwargs: None
            )
            try:
                client.list_queues()
            except Exception:
                pass  # the canned answer is empty; what counts is that it was signed and sent
            assert len(seen) == 1 and seen[0].startswith(b"AWS4-HMAC-SHA256")
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=7)
    # The in-process run's setting did not outlive it.
    assert socket.create_connection is REAL_CREATE_CONNECTION
    assert socket.getaddrinfo is OUTER_GETADDRINFO
    assert ACTIVE.blocking == "ses_quota_block_unfaked"  # this session's own setting
    assert Endpoint._send is _botocore._original_send
    assert RequestSigner.sign is _botocore._original_sign
