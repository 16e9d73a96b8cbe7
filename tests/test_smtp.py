"""The SMTP interface through smtplib and at the line level: SES's conversation,
its replies after DATA, the ledger, and the clock."""

from __future__ import annotations

import base64
import os
import re
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage

import pytest
from smtp_wire import Wire, message

from pytest_sesquota import SesAccount, SesSmtpServer

RATE = (454, b"Throttling failure: Maximum sending rate exceeded.")
DAILY = (454, b"Throttling failure: Daily message quota exceeded.")


def email(to: str = "a@example.com", sender: str = "app@example.com", **headers: str):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Hello"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("Hello there.")
    return msg


def wrong_password(password: str) -> str:
    """The password with its last character changed (to one it surely is not)."""
    return password[:-1] + ("B" if password.endswith("A") else "A")


def starttls_client(server: SesSmtpServer) -> smtplib.SMTP:
    client = smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=15)
    client.starttls(context=server.ssl_context())
    client.login(server.username, server.password)
    return client


def tls_client(server: SesSmtpServer) -> smtplib.SMTP_SSL:
    client = smtplib.SMTP_SSL(
        server.host,
        server.tls_port,
        local_hostname="client.test",
        context=server.ssl_context(),
        timeout=15,
    )
    client.login(server.username, server.password)
    return client


# -- the conversation ---------------------------------------------------------
def test_greeting_and_ehlo_before_and_after_starttls(ses_smtp):
    with Wire(ses_smtp) as wire:
        (greeting,) = wire.greeting
        assert greeting.startswith("220 email-smtp.amazonaws.com ESMTP SimpleEmailService-d-")
        assert wire.command("EHLO client.test") == [
            "250-email-smtp.amazonaws.com",
            "250-8BITMIME",
            "250-STARTTLS",
            "250-AUTH PLAIN LOGIN",
            "250 Ok",
        ]
        assert wire.last("AUTH LOGIN") == "530 Must issue a STARTTLS command first"
        assert wire.last("MAIL FROM:<app@example.com>") == "530 Must issue a STARTTLS command first"
        wire.starttls()
        assert wire.command("EHLO client.test") == [
            "250-email-smtp.amazonaws.com",
            "250-8BITMIME",
            "250-AUTH PLAIN LOGIN",
            "250 Ok",
        ]
        assert wire.last("NOOP") == "250 Ok"
        assert wire.last("QUIT") == "221 Bye"


def test_implicit_tls_port_offers_no_starttls(ses_smtp):
    with Wire(ses_smtp, port=ses_smtp.tls_port, tls=True) as wire:
        assert wire.greeting[0].startswith("220 email-smtp.amazonaws.com ESMTP ")
        assert "250-STARTTLS" not in wire.command("EHLO client.test")
        wire.login()


def test_auth_login_prompts_as_ses(ses_smtp):
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    with Wire(ses_smtp) as wire:
        wire.command("EHLO client.test")
        wire.starttls()
        wire.command("EHLO client.test")
        assert wire.last("MAIL FROM:<app@example.com>") == "530 Authentication required"
        assert wire.last("AUTH LOGIN") == "334 VXNlcm5hbWU6"  # "Username:"
        assert wire.last(b64(ses_smtp.username)) == "334 UGFzc3dvcmQ6"  # "Password:"
        assert wire.last(b64("not the password")) == "535 Authentication Credentials Invalid"
        assert wire.last("AUTH LOGIN") == "334 VXNlcm5hbWU6"
        assert wire.last(b64(ses_smtp.username)) == "334 UGFzc3dvcmQ6"
        assert wire.last(b64(ses_smtp.password)) == "235 Authentication successful."
        assert wire.last("MAIL FROM:<app@example.com>") == "250 Ok"
        assert wire.last("RCPT TO:<a@example.com>") == "250 Ok"
        assert wire.last("RSET") == "250 Ok"
        assert wire.last("AUTH CRAM-MD5") == "503 Already authenticated"


def test_credentials_look_like_ses_and_differ_per_server(ses_account):
    with SesSmtpServer(ses_account) as one, SesSmtpServer(ses_account) as two:
        for server in (one, two):
            assert re.fullmatch(r"AKIA[A-Z2-7]{16}", server.username)
            assert re.fullmatch(r"B[A-Za-z0-9+/]{43}", server.password)
        assert one.username != two.username and one.password != two.password
        assert {one.port, one.tls_port}.isdisjoint({two.port, two.tls_port})


@pytest.mark.ses_quota(profile="production")
@pytest.mark.parametrize("connect", [starttls_client, tls_client], ids=["starttls", "tls"])
def test_smtplib_sends_and_the_ledger_has_the_parsed_message(ses_smtp, ses_account, connect):
    with connect(ses_smtp) as client:
        assert client.noop() == (250, b"Ok")
        refused = client.send_message(
            email(to="Ann <a@example.com>", Cc="b@example.com"), to_addrs=None
        )
        assert refused == {}
        client.sendmail("app@example.com", ["hidden@example.com"], email().as_bytes())
    (first, second) = ses_account.sent
    assert first.transport == "smtp" and first.operation == "DATA"
    assert first.source == "app@example.com"
    assert first.recipients == ("a@example.com", "b@example.com")
    assert first.to == ("Ann <a@example.com>",) and first.cc == ("b@example.com",)
    assert first.bcc == () and first.subject == "Hello"
    assert first.message["Subject"] == "Hello"
    assert first.message.get_content().rstrip() == "Hello there."  # as sent: CRLF
    assert second.recipients == ("hidden@example.com",) and second.bcc == ("hidden@example.com",)
    assert [r.status for r in ses_account.requests] == [250, 250]
    assert [r.message_ids for r in ses_account.requests] == [
        (first.message_id,),
        (second.message_id,),
    ]
    assert ses_account.quota() == (50000.0, 14.0, 3.0)


def test_250_reply_carries_the_message_id(ses_smtp, ses_account):
    with Wire(ses_smtp).ready() as wire:
        reply = wire.transaction("app@example.com", ["a@example.com"], message())
    assert reply == f"250 Ok {ses_account.sent[0].message_id}"


def test_bad_credentials_over_smtplib(ses_smtp):
    for connect in (
        lambda: smtplib.SMTP(ses_smtp.host, ses_smtp.port, local_hostname="c.test", timeout=15),
        lambda: smtplib.SMTP_SSL(
            ses_smtp.host,
            ses_smtp.tls_port,
            local_hostname="c.test",
            context=ses_smtp.ssl_context(),
            timeout=15,
        ),
    ):
        with connect() as client:
            if isinstance(client, smtplib.SMTP) and not isinstance(client, smtplib.SMTP_SSL):
                client.starttls(context=ses_smtp.ssl_context())
            with pytest.raises(smtplib.SMTPAuthenticationError) as err:
                client.login(ses_smtp.username, wrong_password(ses_smtp.password))
            assert (err.value.smtp_code, err.value.smtp_error) == (
                535,
                b"Authentication Credentials Invalid",
            )
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                client.send_message(email())
            assert (refused.value.smtp_code, refused.value.smtp_error) == (
                530,
                b"Authentication required",
            )


def test_auth_before_starttls_is_refused_as_ses_does(ses_smtp):
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port, local_hostname="c.test", timeout=15) as c:
        with pytest.raises(smtplib.SMTPAuthenticationError) as err:
            c.login(ses_smtp.username, ses_smtp.password)
        assert err.value.smtp_code == 530
        assert err.value.smtp_error == b"Must issue a STARTTLS command first"


@pytest.mark.ses_quota(smtp_require_starttls=False)
def test_starttls_can_be_made_optional(ses_smtp, ses_account):
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port, local_hostname="c.test", timeout=15) as c:
        c.login(ses_smtp.username, ses_smtp.password)
        c.send_message(email())
        assert c.has_extn("starttls")  # still offered
    assert len(ses_account.sent) == 1


def test_bad_addresses(ses_smtp, ses_account):
    with Wire(ses_smtp).ready() as wire:
        assert wire.last("MAIL FROM:<>") == "501 Invalid MAIL FROM address provided"
        assert wire.last("MAIL FROM:<AKIAEXAMPLE>") == "501 Invalid MAIL FROM address provided"
        assert wire.last("MAIL FROM:<a@@>") == "501 Invalid MAIL FROM address provided"
        assert wire.last("MAIL FROM:<app@example.com>") == "250 Ok"
        assert wire.last("RCPT TO:<nobody>") == "553 <nobody> Invalid email address"
        assert (
            wire.last("RCPT TO:<a b@example.com>") == "553 <a b@example.com> Invalid email address"
        )
        assert wire.last("RCPT TO:<>") == "553 <> Invalid email address"
        assert wire.last("RCPT TO:<a@example.com>") == "250 Ok"
    # Refused before DATA: requests of the conversation, with no message behind them.
    assert ses_account.sent == [] and ses_account.rejected == []
    assert [(r.operation, r.status, r.outcomes) for r in ses_account.requests] == [
        *[("MAIL", 501, ())] * 3,
        *[("RCPT", 553, ())] * 3,
    ]


# -- the decision after DATA ---------------------------------------------------
@pytest.mark.ses_quota(profile="sandbox")  # 1 recipient per second
def test_rate_counts_every_rcpt_and_time_sleep_refills_it(ses_smtp, ses_account, ses_clock):
    rcpts = [f"r{i}@example.com" for i in range(5)]
    with starttls_client(ses_smtp) as client:
        client.sendmail("app@example.com", rcpts, email().as_bytes())  # takes the bucket to -4
        for pause in (1, 1, 1):
            time.sleep(pause)
            with pytest.raises(smtplib.SMTPDataError) as err:
                client.sendmail("app@example.com", ["a@example.com"], email().as_bytes())
            assert (err.value.smtp_code, err.value.smtp_error) == RATE
        time.sleep(2)  # 5 virtual seconds after the 5-recipient message
        client.sendmail("app@example.com", ["a@example.com"], email().as_bytes())
    assert ses_clock.sleeps == [1.0, 1.0, 1.0, 2.0]  # the test's own: the server never slept
    assert [len(m.recipients) for m in ses_account.sent] == [5, 1]
    assert [t.reason for t in ses_account.throttled] == ["rate"] * 3
    assert ses_account.throttled[0].transport == "smtp"
    assert [r.status for r in ses_account.requests] == [250, 454, 454, 454, 250]
    assert ses_account.requests[1].error_code == "454"
    assert ses_account.requests[1].error_message == (
        "Throttling failure: Maximum sending rate exceeded."
    )
    assert ses_account.quota() == (200.0, 1.0, 6.0)


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=199)
def test_daily_quota_counts_every_rcpt(ses_smtp, ses_account):
    with tls_client(ses_smtp) as client:
        with pytest.raises(smtplib.SMTPDataError) as err:
            client.sendmail("app@example.com", ["a@example.com", "b@example.com"], b"Hi")
        assert (err.value.smtp_code, err.value.smtp_error) == DAILY
        client.sendmail("app@example.com", ["a@example.com"], email().as_bytes())
    assert ses_account.throttled[0].reason == "daily"
    assert ses_account.throttled[0].recipients == ("a@example.com", "b@example.com")
    assert ses_account.quota() == (200.0, 1.0, 200.0)


@pytest.mark.ses_quota(profile="sandbox", verified=["app@example.com", "example.com"])
def test_unverified_identities(ses_smtp, ses_account):
    with starttls_client(ses_smtp) as client:
        with pytest.raises(smtplib.SMTPDataError) as err:
            client.sendmail(
                "app@example.com", ["a@example.com", "b@example.org"], email().as_bytes()
            )
        assert err.value.smtp_code == 554
        assert err.value.smtp_error == (
            b"Message rejected: Email address is not verified. The following identities "
            b"failed the check in region US-EAST-1: b@example.org"
        )
    (rejected,) = ses_account.rejected
    assert (rejected.reason, rejected.code, rejected.transport) == ("unverified", "554", "smtp")
    assert ses_account.quota()[2] == 0.0


@pytest.mark.ses_quota(sending_enabled=False)
def test_sending_paused(ses_smtp, ses_account):
    with Wire(ses_smtp).ready() as wire:
        reply = wire.transaction("app@example.com", ["a@example.com"], message())
    assert (
        reply
        == "554 Message rejected: Email sending is disabled for your entire Amazon SES account."
    )
    assert [(r.reason, r.code) for r in ses_account.rejected] == [("paused", "554")]


@pytest.mark.ses_quota(profile="production")
def test_an_account_aws_has_shut_down_gets_the_captured_554(ses_smtp, ses_account):
    ses_account.set_enforcement_status("SHUTDOWN")
    with Wire(ses_smtp).ready() as wire:
        reply = wire.transaction("app@example.com", ["a@example.com"], message())
    assert reply == (
        "554 Message rejected: Sending paused for this account. For more information, please "
        "check the inbox of the email address associated with your AWS account."
    )
    assert [(r.reason, r.code) for r in ses_account.rejected] == [("suspended", "554")]


@pytest.mark.ses_quota(profile="production")
def test_more_than_50_recipients_are_refused_after_data(ses_smtp, ses_account):
    rcpts = [f"r{i}@example.com" for i in range(51)]
    with starttls_client(ses_smtp) as client:
        with pytest.raises(smtplib.SMTPDataError) as err:
            client.sendmail("app@example.com", rcpts, email().as_bytes())
        assert (err.value.smtp_code, err.value.smtp_error) == (
            554,
            b"Transaction failed: Recipient count exceeds 50.",
        )
        client.sendmail("app@example.com", rcpts[:50], email().as_bytes())
    (rejected,) = ses_account.rejected
    assert (rejected.reason, rejected.code) == ("invalid", "554")
    assert rejected.message == "Transaction failed: Recipient count exceeds 50."
    assert ses_account.quota()[2] == 50.0


def test_other_regions(ses_account):
    ses_account.move_out_of_sandbox("eu-west-1")
    with SesSmtpServer(ses_account, region="eu-west-1") as server:
        with starttls_client(server) as client:
            for n in range(3):
                client.sendmail("app@example.com", [f"r{n}@example.com"], b"Hi")
    assert {m.region for m in ses_account.sent} == {"eu-west-1"}
    assert ses_account.quota("eu-west-1")[2] == 3.0 and ses_account.quota()[2] == 0.0


# -- bad input ----------------------------------------------------------------
@pytest.mark.ses_quota(profile="production")
def test_messages_up_to_40_mb_as_the_quotas_page_says(ses_smtp, ses_account):
    line = b"x" * 998 + b"\r\n"
    over_10 = b"Subject: big\r\n\r\n" + line * 10_600  # over v1's 10 MiB: SMTP takes it
    over_40 = b"Subject: bigger\r\n\r\n" + line * 41_944  # over 41,943,040 bytes
    with Wire(ses_smtp).ready() as wire:
        assert wire.last("MAIL FROM:<app@example.com> SIZE=41943041") == "552 Message is too long."
        assert wire.transaction("app@example.com", ["a@example.com"], over_10).startswith("250 Ok ")
        assert wire.transaction("app@example.com", ["a@example.com"], over_40) == (
            "552 Message is too long."
        )
        # The connection goes on.
        reply = wire.transaction("app@example.com", ["a@example.com"], message())
        assert reply.startswith("250 Ok ")
    (rejected,) = ses_account.rejected
    assert (rejected.reason, rejected.code, rejected.message) == (
        "invalid",
        "552",
        "Message is too long.",
    )
    assert [r.status for r in ses_account.requests] == [250, 552, 250]
    assert ses_account.requests[1].outcomes == (rejected,)
    assert len(ses_account.sent[0].raw) > 10_485_760


def test_a_line_over_1000_octets_refuses_the_message(ses_smtp, ses_account):
    with Wire(ses_smtp).ready() as wire:
        body = b"Subject: long\r\n\r\n" + b"y" * 1000
        assert wire.transaction("app@example.com", ["a@example.com"], body) == "500 Line too long"
    assert [(r.reason, r.code, r.message) for r in ses_account.rejected] == [
        ("invalid", "500", "Line too long")
    ]
    assert [r.status for r in ses_account.requests] == [500]


@pytest.mark.ses_quota(profile="production")
def test_garbage_commands(ses_smtp, ses_account):
    with Wire(ses_smtp) as wire:
        assert wire.last("") == "500 Error: bad syntax"
        assert wire.last("EHLO " + "x" * 600) == "500 Command line too long"
        wire.send(b"\xff\xfe\r\n")
        assert wire.reply() == ["500 Error: bad syntax"]
        assert wire.last("HELLO?") == "530 Must issue a STARTTLS command first"
        wire.command("EHLO client.test")
        wire.starttls()
        assert wire.last("MAIL FROM:<app@example.com>") == "503 Error: send HELO first"
        assert wire.last("HELLO?") == '500 Error: command "HELLO?" not recognized'
        wire.command("EHLO client.test")
        assert wire.last("AUTH PLAIN !!!") == "501 5.5.2 Can't decode base64"
        assert wire.last("AUTH XOAUTH2 abc") == "504 Unrecognized authentication type"
        wire.login()
        assert wire.last("DATA") == "503 Error: need RCPT command"
        assert wire.last("RCPT TO:<a@example.com>") == "503 Error: need MAIL command"
        reply = wire.transaction("app@example.com", ["a@example.com"], message())
        assert reply.startswith("250 Ok ")
        for _ in range(3):
            assert wire.last("BOGUS").startswith("500 ")
        assert wire.last("BOGUS") == "502 5.5.1 Too many unrecognized commands, goodbye."
        assert wire.closed_by_server()
    with Wire(ses_smtp).ready() as wire:  # the server is still up
        assert wire.transaction("app@example.com", ["b@example.com"], message()).startswith("250")
    assert len(ses_account.sent) == 2 and ses_account.internal_errors == []


@pytest.mark.ses_quota(profile="production")
def test_client_disconnecting_mid_data_loses_nothing(ses_smtp, ses_account):
    for tls in (False, True):
        wire = (
            Wire(ses_smtp).ready() if not tls else Wire(ses_smtp, port=ses_smtp.tls_port, tls=True)
        )
        if tls:
            wire.command("EHLO client.test")
            wire.login()
        wire.last("MAIL FROM:<app@example.com>")
        wire.last("RCPT TO:<a@example.com>")
        assert wire.last("DATA").startswith("354")
        wire.send(b"Subject: half\r\n\r\nthe first half of a mess")
        wire.close()
    with Wire(ses_smtp).ready() as wire:
        assert wire.transaction("app@example.com", ["b@example.com"], message()).startswith("250")
    # Nothing was completed but the last message: it alone is in the ledger, once.
    assert [m.recipients for m in ses_account.sent] == [("b@example.com",)]
    assert len(ses_account.requests) == 1 and ses_account.rejected == []


def test_a_client_that_does_not_trust_the_certificate(ses_smtp, ses_account):
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port, local_hostname="c.test", timeout=15) as c:
        with pytest.raises(ssl.SSLCertVerificationError):
            c.starttls(context=ssl.create_default_context(cafile=None, cadata=None, capath="/"))
    with starttls_client(ses_smtp) as client:  # the server is still up
        client.sendmail("app@example.com", ["a@example.com"], b"Hi")
    assert ses_account.internal_errors == []


@pytest.mark.ses_quota(smtp_max_connections=3)
def test_connection_limit(ses_smtp, ses_account):
    held = [Wire(ses_smtp) for _ in range(3)]
    try:
        with Wire(ses_smtp) as refused:  # the 421 comes instead of the greeting
            assert refused.greeting == ["421 Too many concurrent SMTP connections"]
            assert refused.closed_by_server()
        assert ses_smtp.active_connections == 3
    finally:
        for wire in held:
            wire.close()
    with Wire(ses_smtp).ready() as wire:  # room again once they closed
        assert wire.transaction("app@example.com", ["a@example.com"], message()).startswith("250")


@pytest.mark.ses_quota(profile="production", smtp_max_messages_per_connection=2)
def test_max_messages_per_connection(ses_smtp, ses_account):
    with Wire(ses_smtp).ready() as wire:
        for _ in range(2):
            reply = wire.transaction("app@example.com", ["a@example.com"], message())
            assert reply.startswith("250 Ok ")
        assert wire.last("MAIL FROM:<app@example.com>") == (
            "421 Maximum message count per session reached"
        )
        assert wire.closed_by_server()
    # smtplib sees the 421 on MAIL and closes; a new connection starts counting again.
    with starttls_client(ses_smtp) as client:
        client.sendmail("app@example.com", ["b@example.com"], email().as_bytes())
        client.sendmail("app@example.com", ["b@example.com"], email().as_bytes())
        with pytest.raises(smtplib.SMTPSenderRefused) as err:
            client.sendmail("app@example.com", ["b@example.com"], email().as_bytes())
        assert (err.value.smtp_code, err.value.smtp_error) == (
            421,
            b"Maximum message count per session reached",
        )
    with starttls_client(ses_smtp) as client:
        client.sendmail("app@example.com", ["c@example.com"], email().as_bytes())
    assert len(ses_account.sent) == 5
    # Refused before any message: no DATA transaction, nothing in the ledger.
    assert [r.status for r in ses_account.requests] == [250] * 5


def test_no_message_limit_per_connection_by_default(ses_smtp, ses_account):
    ses_account.set_quota(max_send_rate=-1)
    with Wire(ses_smtp).ready() as wire:
        for _ in range(60):
            reply = wire.transaction("app@example.com", ["a@example.com"], message())
            assert reply.startswith("250 Ok ")
    assert ses_smtp.max_messages_per_connection is None


# -- the clock ----------------------------------------------------------------
@pytest.mark.ses_quota(smtp_idle_timeout=0.2)
def test_idle_timeout_fires_on_real_time_while_the_clock_is_frozen(ses_smtp, ses_clock):
    with Wire(ses_smtp) as wire:
        wire.command("EHLO client.test")
        # No command, no sleep: only real time passes, and the virtual clock stands still.
        assert wire.reply() == ["451 4.4.2 Timeout waiting for data from client."]
        assert wire.closed_by_server()
    assert ses_clock.elapsed() == 0 and ses_clock.sleeps == []


@pytest.mark.ses_quota(start="2099-12-31T23:59:59Z", profile="production")
def test_a_far_virtual_start_and_a_frozen_clock_hang_nothing(ses_account, ses_clock):
    # Certificates are valid in real time whatever the virtual date; starting and
    # stopping servers under a frozen clock returns; the servers never sleep.
    for _ in range(3):
        with SesSmtpServer(ses_account) as server:
            with tls_client(server) as client:
                client.sendmail("app@example.com", ["a@example.com"], b"Hi")
            ses_clock.advance(days=400)
    assert [m.time.year for m in ses_account.sent] == [2099, 2101, 2102]
    assert ses_clock.sleeps == []


def test_the_server_stops_with_clients_still_connected(ses_account):
    server = SesSmtpServer(ses_account).start()
    waiting = Wire(server, port=server.tls_port, tls=True)
    half = socket.create_connection((server.host, server.tls_port), timeout=15)  # no handshake
    ca_file = server.ca_file
    server.stop()
    try:
        assert waiting.closed_by_server()
        with pytest.raises(OSError):
            socket.create_connection((server.host, server.port), timeout=15).close()
    finally:
        waiting.close()
        half.close()
    assert not os.path.exists(ca_file)
    server.stop()  # twice is fine


def test_server_outside_an_active_account():
    account = SesAccount(profile="production")
    with SesSmtpServer(account) as server, starttls_client(server) as client:
        client.sendmail("app@example.com", ["a@example.com"], b"Hi")
    assert len(account.sent) == 1


def test_server_arguments_are_checked_and_credentials_can_be_given(ses_account):
    from pytest_sesquota import OptionsError

    with pytest.raises(OptionsError, match=r"SesSmtpServer\(\): smtp_idle_timeout=0 is not valid"):
        SesSmtpServer(ses_account, idle_timeout=0)
    with pytest.raises(OptionsError, match="smtp_max_connections=-1 is not valid"):
        SesSmtpServer(ses_account, max_connections=-1)
    with SesSmtpServer(ses_account, username="AKIAEXAMPLE", password="secret") as server:
        with Wire(server) as wire:
            wire.command("EHLO client.test")
            wire.starttls()
            wire.command("EHLO client.test")
            wire.login()
    with pytest.raises(RuntimeError, match="not running"):
        server.ca_file  # noqa: B018
