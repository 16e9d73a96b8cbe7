"""A line-level SMTP client for exact transcripts (smtplib hides some replies)."""

from __future__ import annotations

import base64
import socket
from typing import Any

#: Real-time bound on every read: a hung server fails the test instead of hanging it.
TIMEOUT = 15


class Wire:
    def __init__(self, server: Any, *, port: int | None = None, tls: bool = False) -> None:
        self.server = server
        self.sock = socket.create_connection((server.host, port or server.port), timeout=TIMEOUT)
        if tls:
            self.sock = server.ssl_context().wrap_socket(self.sock, server_hostname=server.host)
        self.file = self.sock.makefile("rb")
        self.greeting = self.reply()

    def reply(self) -> list[str]:
        """One reply, as its lines (``"250-8BITMIME"``, ``"250 Ok"``)."""
        lines = []
        while True:
            raw = self.file.readline()
            if not raw:
                raise ConnectionError(f"the server closed the connection after {lines!r}")
            line = raw.decode("ascii").rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode("ascii") if isinstance(data, str) else data)

    def command(self, line: str) -> list[str]:
        self.send(line + "\r\n")
        return self.reply()

    def last(self, line: str) -> str:
        """The last line of the reply to ``line``."""
        return self.command(line)[-1]

    def starttls(self) -> None:
        assert self.command("STARTTLS") == ["220 Ready to start TLS"]
        self.file.close()
        self.sock = self.server.ssl_context().wrap_socket(
            self.sock, server_hostname=self.server.host
        )
        self.file = self.sock.makefile("rb")

    def login(self) -> None:
        secret = f"\0{self.server.username}\0{self.server.password}".encode()
        plain = base64.b64encode(secret).decode()
        assert self.last(f"AUTH PLAIN {plain}") == "235 Authentication successful."

    def ready(self) -> Wire:
        """EHLO, STARTTLS, EHLO, AUTH: ready for MAIL FROM."""
        self.command("EHLO client.test")
        self.starttls()
        self.command("EHLO client.test")
        self.login()
        return self

    def transaction(self, sender: str, recipients: list[str], body: bytes) -> str:
        """MAIL, RCPTs, DATA; the reply after the final dot."""
        assert self.last(f"MAIL FROM:<{sender}>") == "250 Ok"
        for recipient in recipients:
            assert self.last(f"RCPT TO:<{recipient}>") == "250 Ok"
        assert self.last("DATA") == "354 End data with <CR><LF>.<CR><LF>"
        self.send(body + b"\r\n.\r\n")
        return self.reply()[-1]

    def closed_by_server(self) -> bool:
        try:
            return self.file.readline() == b""
        except OSError:
            return True

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def message(sender: str = "app@example.com", to: str = "a@example.com", **headers: str) -> bytes:
    lines = [f"From: {sender}", f"To: {to}", "Subject: Hello"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join([*lines, "", "Hello there."])).encode()
