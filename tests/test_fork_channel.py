"""The forked child's private channel: a forwarded request names its region in a header.

A process forked from a faked test's holds a copy of the account; its doors skip
signing and forward every SES request to the loopback server that serves the test's
account, with the region in ``X-Sesquota-Fork-Region`` (no signature, so no scope to
read it from). The server takes the header instead of a signature, refuses a made-up
region as it refuses a made-up scope, and answers only loopback names and pages.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import boto3
import pytest

import pytest_sesquota.serve.server as server_module
from pytest_sesquota import SesAccount
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.server import FORK_REGION, SesHttpServer

QUOTA = b"Action=GetSendQuota&Version=2010-12-01"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def call(endpoint, method, path, body=None, headers=None):
    request = urllib.request.Request(endpoint + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def detached():
    """A server for an account with its own virtual clock, no fake active in this process."""
    account = SesAccount(profile="sandbox", clock=DetachedClock())
    with SesHttpServer(account) as server:
        yield account, server.endpoint_url


def test_the_header_names_the_region_of_an_unsigned_request(detached):
    account, endpoint = detached
    status, _headers, body = call(endpoint, "POST", "/", QUOTA, {**FORM, FORK_REGION: "eu-west-1"})
    assert status == 200
    assert b"<Max24HourSend>200.0</Max24HourSend>" in body
    # Any case, as every header name.
    status, _headers, body = call(
        endpoint, "GET", "/v2/email/account", headers={FORK_REGION.lower(): "ap-south-1"}
    )
    assert (status, json.loads(body)["SendQuota"]["MaxSendRate"]) == (200, 1.0)
    assert [(r.region, r.operation, r.status) for r in account.requests] == [
        ("eu-west-1", "GetSendQuota", 200),
        ("ap-south-1", "GetAccount", 200),
    ]


def test_a_made_up_region_in_the_header_is_refused_as_a_made_up_scope_is(detached):
    account, endpoint = detached
    status, _headers, body = call(endpoint, "POST", "/", QUOTA, {**FORM, FORK_REGION: "moon-1"})
    assert status == 403
    assert (
        b"<Code>SignatureDoesNotMatch</Code>"
        b"<Message>X-Sesquota-Fork-Region should name a valid region, not 'moon-1'.</Message>"
    ) in body
    status, headers, body = call(
        endpoint, "GET", "/v2/email/account", headers={FORK_REGION: "eu-west-1x"}
    )
    assert (status, headers["x-amzn-ErrorType"], json.loads(body)) == (
        403,
        "InvalidSignatureException",
        {"message": "X-Sesquota-Fork-Region should name a valid region, not 'eu-west-1x'."},
    )
    # The account grew no region for them.
    assert account.regions() == ["us-east-1"]
    assert account.sent == [] and account.internal_errors == []


def test_the_header_opens_nothing_to_other_hosts_or_pages(detached):
    account, endpoint = detached
    # A name that rebinds to 127.0.0.1, or a page of another origin: refused before the
    # header is read, as any request from them is.
    status, _headers, body = call(
        endpoint, "POST", "/", QUOTA, {**FORM, FORK_REGION: "eu-west-1", "Host": "evil.example"}
    )
    assert (status, json.loads(body)["error"]) == (421, "MisdirectedRequest")
    status, _headers, body = call(
        endpoint,
        "POST",
        "/",
        QUOTA,
        {**FORM, FORK_REGION: "eu-west-1", "Origin": "https://evil.example"},
    )
    assert (status, json.loads(body)["error"]) == (403, "Forbidden")
    assert account.requests == []


def test_the_server_cannot_listen_off_loopback():
    """What makes the header private: only this machine can reach the server."""
    account = SesAccount(clock=DetachedClock())
    with pytest.raises(ValueError, match="loopback addresses only"):
        SesHttpServer(account, host="0.0.0.0")


@pytest.mark.ses_quota(profile="production")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_names_its_region_in_the_header_not_a_signature(ses_account, monkeypatch):
    scopes_read: list[object] = []
    signed_region = server_module.signed_region

    def reading(*args, **kwargs):
        scopes_read.append(args)
        return signed_region(*args, **kwargs)

    # The server runs in this process: it would read a signature through this.
    monkeypatch.setattr(server_module, "signed_region", reading)
    client = boto3.client("sesv2", region_name="eu-west-1")
    pid = os.fork()
    if pid == 0:  # the child: its doors forward to this process's server
        code = 1
        try:
            code = 0 if client.get_account()["ProductionAccessEnabled"] else 2
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [(r.region, r.operation, r.status) for r in ses_account.requests] == [
        ("eu-west-1", "GetAccount", 200)
    ]
    assert scopes_read == []
