"""No escape: while the fake is active, nothing connects anywhere but loopback.

A guard replaces the socket module's ways out (connect, connect_ex,
create_connection, getaddrinfo) for the test and refuses any address that is not
loopback; then every operation of every front door is driven, with no AWS
credentials anywhere. Each front door is one parametrized case in FRONT_DOORS:
boto3 (SES v1, v2), ``requests`` to SES's HTTPS endpoints, and SMTP.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from botocore import xform_name
from botocore.exceptions import ClientError
from test_every_operation import minimal_input

from pytest_sesquota import SesAccount, SesSmtpServer


class Escape(AssertionError):
    """A connection to somewhere other than loopback was attempted."""


def _is_loopback(host: Any) -> bool:
    if isinstance(host, (bytes, str)) and not str(host).strip():
        return False
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False  # a name to resolve: DNS is the network too


@pytest.fixture
def guard(monkeypatch) -> list[Any]:
    """Refuse every non-loopback connection and name lookup; the attempts, in order."""
    attempts: list[Any] = []

    def check(address: Any) -> None:
        attempts.append(address)
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise Escape(f"connection attempted to {address!r}")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            attempts.append(host)
            raise Escape(f"name lookup attempted for {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # No credentials anywhere: nothing may need any.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws/credentials")
    return attempts


def test_the_guard_refuses_the_network(guard):
    with pytest.raises(Escape, match=r"192\.0\.2\.1"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with pytest.raises(Escape, match=r"email\.us-east-1\.amazonaws\.com"):
        socket.create_connection(("email.us-east-1.amazonaws.com", 443), timeout=1)
    with socket.socket() as server, socket.socket() as client:  # loopback is allowed
        server.bind(("127.0.0.1", 0))
        server.listen()
        client.connect(server.getsockname())
        server.accept()[0].close()


MESSAGE = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
RAW = b"From: app@example.com\r\nTo: b@example.com\r\nSubject: s\r\n\r\nbody\r\n"


def call_the_rest(client: Any) -> set[str]:
    """Every other operation of the client's model, with its least parameters (answered or
    refused: either way on this machine)."""
    model = client.meta.service_model
    for name in model.operation_names:
        try:
            getattr(client, xform_name(name))(**minimal_input(model.operation_model(name)))
        except ClientError:
            pass
    return set(model.operation_names)


def drive_ses_v1(account: SesAccount, smtp: SesSmtpServer) -> set[str]:
    """Every SES v1 operation through boto3, and one the fake does not fake."""
    ses = boto3.client("ses", region_name="us-east-1")
    ses.verify_email_identity(EmailAddress="app@example.com")
    ses.verify_domain_identity(Domain="example.com")
    ses.list_identities()
    ses.get_identity_verification_attributes(Identities=["app@example.com"])
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi {{n}}"})
    ses.get_template(TemplateName="t")
    ses.list_templates()
    destination = {"ToAddresses": ["b@example.com"]}
    ses.send_email(Source="app@example.com", Destination=destination, Message=MESSAGE)
    account.clock.advance(seconds=1)
    ses.send_raw_email(RawMessage={"Data": RAW})
    account.clock.advance(seconds=1)
    ses.send_templated_email(
        Source="app@example.com", Destination=destination, Template="t", TemplateData="{}"
    )
    account.clock.advance(seconds=1)
    ses.send_bulk_templated_email(
        Source="app@example.com",
        Template="t",
        DefaultTemplateData='{"n": "x"}',
        Destinations=[{"Destination": destination}],
    )
    ses.get_send_quota()
    ses.get_send_statistics()
    ses.update_account_sending_enabled(Enabled=True)
    ses.get_account_sending_enabled()
    ses.delete_template(TemplateName="t")
    ses.delete_identity(Identity="example.com")
    # Every operation of the installed model: one newer than it (the oldest pins) has no
    # method to call, so the registry's names are not added.
    return call_the_rest(ses)


def drive_ses_v2(account: SesAccount, smtp: SesSmtpServer) -> set[str]:
    """Every SES v2 operation through boto3, and one the fake does not fake."""
    v2 = boto3.client("sesv2", region_name="us-east-1")
    v2.create_email_identity(EmailIdentity="example.com")
    v2.get_email_identity(EmailIdentity="example.com")
    v2.list_email_identities()
    content = {"Subject": "Hi {{n}}", "Text": "t"}
    v2.create_email_template(TemplateName="t", TemplateContent=content)
    v2.update_email_template(TemplateName="t", TemplateContent=content)
    v2.get_email_template(TemplateName="t")
    v2.list_email_templates()
    destination = {"ToAddresses": ["b@example.com"]}
    v2.send_email(
        FromEmailAddress="app@example.com", Destination=destination, Content={"Simple": MESSAGE}
    )
    account.clock.advance(seconds=1)
    v2.send_email(Content={"Raw": {"Data": RAW}})
    account.clock.advance(seconds=1)
    v2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": '{"n": "x"}'}},
        BulkEmailEntries=[{"Destination": destination}],
    )
    v2.get_account()
    v2.put_account_sending_attributes(SendingEnabled=True)
    v2.put_account_details(
        MailType="TRANSACTIONAL",
        WebsiteURL="https://example.com",
        UseCaseDescription="receipts",
        ProductionAccessEnabled=True,
    )
    v2.delete_email_template(TemplateName="t")
    v2.delete_email_identity(EmailIdentity="example.com")
    account.move_out_of_sandbox()  # (PutSuppressedDestination is refused in the sandbox)
    v2.put_suppressed_destination(EmailAddress="gone@example.com", Reason="BOUNCE")
    v2.get_suppressed_destination(EmailAddress="gone@example.com")
    v2.list_suppressed_destinations(Reasons=["BOUNCE"])
    v2.delete_suppressed_destination(EmailAddress="gone@example.com")
    # Every operation of the installed model: one newer than it (the oldest pins) has no
    # method to call, so the registry's names are not added.
    return call_the_rest(v2)


def drive_requests(account: SesAccount, smtp: SesSmtpServer) -> set[str]:
    """SES's HTTPS endpoints through ``requests``, as code that signs its own calls does."""
    v1 = "https://email.us-east-1.amazonaws.com/"
    v2 = "https://email.us-east-1.amazonaws.com/v2/email"
    form = {"Action": "GetSendQuota", "Version": "2010-12-01"}
    assert requests.post(v1, data=form, timeout=5).status_code == 200
    assert requests.get(f"{v2}/account", timeout=5).status_code == 200
    email = {
        "FromEmailAddress": "app@example.com",
        "Destination": {"ToAddresses": ["b@example.com"]},
        "Content": {"Simple": MESSAGE},
    }
    assert requests.post(f"{v2}/outbound-emails", json=email, timeout=5).status_code == 200
    assert requests.get(f"{v2}/no-such-thing", timeout=5).status_code == 404
    return {"GetSendQuota", "GetAccount", "SendEmail", "GET /v2/email/no-such-thing"}


def drive_smtp(account: SesAccount, smtp: SesSmtpServer) -> set[str]:
    """Both SMTP ports, both AUTH mechanisms, a message accepted and one throttled."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=15) as client:
        client.starttls(context=smtp.ssl_context())
        client.login(smtp.username, smtp.password)
        client.sendmail("app@example.com", ["b@example.com"], RAW)
    with smtplib.SMTP_SSL(smtp.host, smtp.tls_port, context=smtp.ssl_context(), timeout=15) as c:
        c.login(smtp.username, smtp.password)
        with pytest.raises(smtplib.SMTPDataError):
            c.sendmail("app@example.com", ["b@example.com"], RAW)  # the same second
    return {"DATA"}


FRONT_DOORS: list[Any] = [
    pytest.param(drive_ses_v1, "ses", id="boto3-ses"),
    pytest.param(drive_ses_v2, "sesv2", id="boto3-sesv2"),
    pytest.param(drive_requests, "ses+sesv2", id="requests"),
    pytest.param(drive_smtp, "smtp", id="smtp"),
]


@pytest.mark.parametrize(("drive", "api"), FRONT_DOORS)
def test_every_operation_stays_on_this_machine(
    ses_smtp: SesSmtpServer,
    guard: list[Any],
    ses_account: SesAccount,
    drive: Callable[[SesAccount, SesSmtpServer], set[str]],
    api: str,
):
    expected = drive(ses_account, ses_smtp)
    assert {r.operation for r in ses_account.requests} == expected  # a fresh account: all of it
    assert {r.api for r in ses_account.requests} <= set(api.split("+"))
    assert all(r.status < 500 or r.error_code == "NotImplemented" for r in ses_account.requests)
    assert ses_account.internal_errors == []
    assert all(_is_loopback(a[0]) for a in guard if isinstance(a, tuple)), guard
