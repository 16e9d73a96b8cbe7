"""The SMTP interface through aiosmtplib, and 100 concurrent connections."""

from __future__ import annotations

import asyncio
import socket
from email.message import EmailMessage

import aiosmtplib
import pytest

from pytest_sesquota import SesAccount, SesSmtpServer


def email(to: str = "a@example.com") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "app@example.com"
    msg["To"] = to
    msg["Subject"] = "Hello"
    msg.set_content("Hello there.")
    return msg


def connection(server: SesSmtpServer, *, implicit_tls: bool = False, **kwargs) -> dict:
    """aiosmtplib's arguments for the fake: STARTTLS on ``port`` or TLS on ``tls_port``.

    The test makes the socket itself, so that it can wait for aiosmtplib's TLS
    shutdown to really close it before ``asyncio.run`` closes the loop (else the
    socket is reported unclosed, whatever the server does).
    """
    sock = socket.create_connection(
        (server.host, server.tls_port if implicit_tls else server.port), timeout=15
    )
    return {
        "sock": sock,
        "hostname": server.host,
        "username": server.username,
        "password": server.password,
        "use_tls": implicit_tls,
        "start_tls": not implicit_tls,
        "tls_context": server.ssl_context(),
        "local_hostname": "client.test",
        "timeout": 15,
        **kwargs,
    }


async def closed(sock: socket.socket) -> None:
    """Wait (on the event loop's real clock, bounded) until the socket is closed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while sock.fileno() != -1:
        if loop.time() > deadline:
            sock.close()
            raise AssertionError("aiosmtplib never closed its socket")
        await asyncio.sleep(0.001)


async def send(message: EmailMessage, **kwargs):
    try:
        return await aiosmtplib.send(message, **kwargs)
    finally:
        await closed(kwargs["sock"])


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "tls"])
@pytest.mark.ses_quota(profile="sandbox")
def test_send_then_rate_throttle(ses_smtp, ses_account, implicit_tls):
    async def main():
        errors, response = await send(email(), **connection(ses_smtp, implicit_tls=implicit_tls))
        assert errors == {}
        assert response == f"Ok {ses_account.sent[0].message_id}"
        with pytest.raises(aiosmtplib.SMTPDataError) as err:
            await send(email(), **connection(ses_smtp, implicit_tls=implicit_tls))
        assert err.value.code == 454
        assert err.value.message == "Throttling failure: Maximum sending rate exceeded."

    asyncio.run(main())
    assert len(ses_account.sent) == 1 and ses_account.throttled[0].reason == "rate"


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=200)
def test_daily_quota(ses_smtp, ses_account):
    with pytest.raises(aiosmtplib.SMTPDataError) as err:
        asyncio.run(send(email(), **connection(ses_smtp)))
    assert (err.value.code, err.value.message) == (
        454,
        "Throttling failure: Daily message quota exceeded.",
    )


@pytest.mark.ses_quota(verified=["app@example.com"])
def test_unverified_recipient(ses_smtp, ses_account):
    with pytest.raises(aiosmtplib.SMTPDataError) as err:
        asyncio.run(send(email("Bob <b@example.org>"), **connection(ses_smtp)))
    assert err.value.code == 554
    assert err.value.message == (
        "Message rejected: Email address is not verified. The following identities failed "
        "the check in region US-EAST-1: b@example.org"
    )


def test_bad_credentials(ses_smtp):
    for implicit_tls in (False, True):
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as err:
            asyncio.run(
                send(
                    email(),
                    **connection(ses_smtp, implicit_tls=implicit_tls, password="wrong"),
                )
            )
        assert (err.value.code, err.value.message) == (535, "Authentication Credentials Invalid")


@pytest.mark.ses_quota(profile="production")  # 14 per second, a bucket of 14
def test_100_concurrent_connections_lose_nothing_and_count_nothing_twice(
    ses_smtp, ses_account: SesAccount
):
    clients = 100

    async def main() -> list[int]:
        everyone = asyncio.Event()
        connected = 0

        async def one(n: int) -> int:
            nonlocal connected
            arguments = connection(ses_smtp)
            client = aiosmtplib.SMTP(**arguments)
            await client.connect()  # EHLO, STARTTLS, EHLO, AUTH
            connected += 1
            if connected == clients:
                everyone.set()
            await everyone.wait()  # all 100 are open before anyone sends
            try:
                await client.send_message(email(f"r{n}@example.com"))
                return 250
            except aiosmtplib.SMTPDataError as error:
                assert error.message == "Throttling failure: Maximum sending rate exceeded."
                return error.code
            finally:
                await client.quit()
                await closed(arguments["sock"])

        return await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(clients))), 60)

    codes = asyncio.run(main())
    # The virtual clock stood still: the bucket's 14 went out, the other 86 were throttled.
    assert sorted(codes) == [250] * 14 + [454] * 86
    assert len(ses_account.sent) == 14 and len(ses_account.throttled) == 86
    assert len(ses_account.requests) == 100 and ses_account.rejected == []
    sent_to = {m.recipients[0] for m in ses_account.sent}
    throttled_to = {t.recipients[0] for t in ses_account.throttled}
    assert sent_to | throttled_to == {f"r{n}@example.com" for n in range(clients)}
    assert not sent_to & throttled_to
    assert ses_account.quota() == (50000.0, 14.0, 14.0)


@pytest.mark.ses_quota(smtp_max_connections=60)
def test_100_connections_over_the_limit_get_421(ses_smtp):
    async def greeting() -> tuple[str, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(ses_smtp.host, ses_smtp.port)
        return (await reader.readline()).decode(), writer

    async def main() -> list[str]:
        results = await asyncio.wait_for(asyncio.gather(*(greeting() for _ in range(100))), 60)
        for _line, writer in results:
            writer.close()
        for _line, writer in results:
            try:
                await writer.wait_closed()
            except OSError:
                pass
        return [line for line, _writer in results]

    lines = asyncio.run(main())
    assert sum(line.startswith("220 email-smtp.amazonaws.com ESMTP") for line in lines) == 60
    assert lines.count("421 Too many concurrent SMTP connections\r\n") == 40
