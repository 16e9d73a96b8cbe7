"""smtplib over loopback, STARTTLS + AUTH, then N messages on one connection: the fake's
SMTP interface against a bare aiosmtpd sink doing the same TLS and AUTH, no work."""

from __future__ import annotations

import logging
import smtplib
import ssl
import statistics
import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from pytest_sesquota import SesAccount, SesSmtpServer
from pytest_sesquota.doors import certs

from ..measure import Row, Size, clock, free_port, interleaved


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def smtp(size: Size) -> list[Row]:
    """SMTP: smtplib with STARTTLS + AUTH, the fake against a bare aiosmtpd sink."""
    # The bare sink's aiosmtpd warns on every AUTH (its deprecated login_data): not news.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    rounds, per_round = size.pick(full=(9, 200), quick=(3, 50), smoke=(1, 3))

    ca_pem, chain_pem = certs.pems()
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="sesquota-bench-") as workdir:
        (Path(workdir) / "server.pem").write_bytes(chain_pem)
        server_tls.load_cert_chain(Path(workdir) / "server.pem")
    client_tls = ssl.create_default_context(cadata=ca_pem.decode())

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", "a@example.com", "Hi"
    message.set_content("Hello\n" * 100)
    payload = message.as_bytes()

    sink = Controller(
        _Sink(),
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls,
        require_starttls=True,
        authenticator=lambda *args: AuthResult(success=True),
        auth_require_tls=True,
    )
    account = SesAccount(profile="production", max_24_hour_send=-1, max_send_rate=-1)
    fake = SesSmtpServer(account)

    def session(host: str, port: int, username: str, password: str) -> Callable[[], float]:
        def run() -> float:
            start = clock()
            with smtplib.SMTP(host, port, timeout=30) as client:
                client.starttls(context=client_tls)
                client.login(username, password)
                for _ in range(per_round):
                    client.sendmail("app@example.com", ["a@example.com"], payload)
            return per_round / (clock() - start)

        return run

    sink.start()
    fake.start()
    try:
        samples = interleaved(
            {
                "sink": session("127.0.0.1", sink.port, "any", "any"),
                "fake": session(fake.host, fake.port, fake.username, fake.password),
            },
            rounds,
        )
    finally:
        fake.stop()
        sink.stop()
    assert len(account.sent) == per_round * rounds
    sink_rate = statistics.median(samples["sink"])
    fake_rate = statistics.median(samples["fake"])
    group = f"SMTP: smtplib, STARTTLS + AUTH, {per_round} messages per connection"
    return [
        Row(group, "bare aiosmtpd sink (same TLS and AUTH)", sink_rate, "msg/s", 1.0),
        Row(
            group,
            "pytest-sesquota SMTP (quotas, MIME parsing, ledger)",
            fake_rate,
            "msg/s",
            fake_rate / sink_rate,
            note="target >= 0.8x the sink",
        ),
    ]
