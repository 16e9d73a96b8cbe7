"""Every process a faked test starts meets the test's own account, with no code in the test.

Each start method sends from the child through boto3 (and SMTP from a subprocess);
the sends land in the parent's ledger, in order, between the parent's own. A test
that starts no process starts no server.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading

import boto3
import pytest
from conftest import send_v2

from pytest_sesquota import current_account
from pytest_sesquota.active import ACTIVE

CHILD = """
import boto3
ses = boto3.client("sesv2")  # endpoint, region and credentials from the environment
for n in range(2):
    ses.send_email(FromEmailAddress="app@example.com",
                   Destination={"ToAddresses": [f"sub{n}@example.com"]},
                   Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})
"""

SMTP_CHILD = """
import os, smtplib, ssl
context = ssl.create_default_context(cafile=os.environ["SESQUOTA_CA_FILE"])
with smtplib.SMTP(os.environ["SESQUOTA_SMTP_HOST"], int(os.environ["SESQUOTA_SMTP_PORT"])) as s:
    s.starttls(context=context)
    s.login(os.environ["SESQUOTA_SMTP_USERNAME"], os.environ["SESQUOTA_SMTP_PASSWORD"])
    message = b"From: app@example.com\\r\\nTo: smtp@example.com\\r\\nSubject: s\\r\\n\\r\\nb"
    s.sendmail("app@example.com", ["smtp@example.com"], message)
"""

PRODUCTION = pytest.mark.ses_quota(profile="production", max_send_rate=1000)


def recipients(account) -> list[str]:
    return [r for m in account.sent for r in m.recipients]


@PRODUCTION
def test_a_subprocess_reaches_the_account(ses_account):
    sesv2 = boto3.client("sesv2", region_name="us-east-1")
    send_v2(sesv2, "before@example.com")
    subprocess.run([sys.executable, "-c", CHILD], check=True)
    send_v2(sesv2, "after@example.com")
    assert recipients(ses_account) == [
        "before@example.com",
        "sub0@example.com",
        "sub1@example.com",
        "after@example.com",
    ]


@PRODUCTION
def test_a_subprocess_with_an_env_of_its_own_too(ses_account):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent"}
    subprocess.run([sys.executable, "-c", CHILD], check=True, env=env)
    assert recipients(ses_account) == ["sub0@example.com", "sub1@example.com"]


@PRODUCTION
def test_smtp_from_a_subprocess(ses_account):
    subprocess.run([sys.executable, "-c", SMTP_CHILD], check=True)
    assert recipients(ses_account) == ["smtp@example.com"]
    assert ses_account.requests[0].api == "smtp"


def _send_in_child(tag: str) -> None:
    client = boto3.client("sesv2")
    for n in range(2):
        send_v2(client, f"{tag}{n}@example.com")


@PRODUCTION
@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_multiprocessing_reaches_the_account(ses_account, method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    context = multiprocessing.get_context(method)
    send_v2(boto3.client("sesv2", region_name="us-east-1"), "before@example.com")
    process = context.Process(target=_send_in_child, args=(method,))
    process.start()
    process.join()
    assert process.exitcode == 0
    assert recipients(ses_account) == [
        "before@example.com",
        f"{method}0@example.com",
        f"{method}1@example.com",
    ]


@PRODUCTION
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_forwards_instead_of_answering_from_its_copy(ses_account):
    client = boto3.client("sesv2", region_name="us-east-1")  # made before the fork
    send_v2(client, "before@example.com")
    pid = os.fork()
    if pid == 0:  # the child: its copy of the account must not answer
        code = 1
        try:
            send_v2(client, "child@example.com")
            code = 0 if current_account().sent[-1].recipients == ("before@example.com",) else 2
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert recipients(ses_account) == ["before@example.com", "child@example.com"]


def test_a_test_that_starts_no_process_starts_no_server(ses_account):
    boto3.client("ses", region_name="us-east-1").get_send_quota()
    assert ACTIVE.served == {}
    assert "AWS_ENDPOINT_URL_SES" not in os.environ
    assert not [t for t in threading.enumerate() if t.name.startswith("sesquota-http")]


def test_the_server_and_its_environment_go_with_the_account():
    from pytest_sesquota import SesAccount

    before = dict(os.environ)
    with SesAccount(profile="production") as account:
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        assert os.environ["AWS_ENDPOINT_URL_SES"].startswith("http://127.0.0.1:")
        assert len(ACTIVE.served) == 1
    assert ACTIVE.served == {}
    assert dict(os.environ) == before
    assert account.sent == []


def test_current_account():
    assert current_account() is None
    from pytest_sesquota import SesAccount

    with SesAccount() as account:
        assert current_account() is account
    assert current_account() is None


def _send_one(tag: str) -> None:
    send_v2(boto3.client("sesv2"), f"{tag}@example.com")


def test_a_forkserver_started_for_one_account_serves_the_next_one_right():
    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no forkserver start method here")
    from pytest_sesquota import SesAccount

    context = multiprocessing.get_context("forkserver")
    for tag in ("first", "second"):  # the forkserver's own environment is the first's
        with SesAccount(profile="production") as account:
            process = context.Process(target=_send_one, args=(tag,))
            process.start()
            process.join()
            assert process.exitcode == 0
            assert recipients(account) == [f"{tag}@example.com"]
