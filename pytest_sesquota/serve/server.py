"""The fake as a network service: SES's HTTP APIs and the control API on a loopback port.

``SesHttpServer(account)`` serves, on 127.0.0.1, SES v1 (``POST /``) and v2
(``/v2/email/...``) with the same implementation as the in-process doors
(``wire.http.answer``), after SES's own signature check, and the control API under
``/_sesquota/``. Any SDK pointed at it with ``endpoint_url`` works. It is a context
manager, usable without pytest; ``sesquota serve`` and the ``ses_server`` fixture use it.

A process forked from a faked test's forwards its SES requests here unsigned, naming
their region in :data:`FORK_REGION` instead (``serve.children``).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..account.account import Account
from ..doors.guard import check_loopback
from ..wire.http import answer, error_answer, refuse
from ..wire.sigv4 import REGION_NAME, AuthError, signed_region
from .control import PREFIX, Control
from .gate import Gate, SaveFailed
from .handler import MAX_BODY, Handler, Server

__all__ = ["FORK_REGION", "MAX_BODY", "SesHttpServer", "SesServer", "check_loopback"]

#: The forked child's private channel: the region of a request forwarded by a process
#: forked from a faked test's (its doors skip signing, so there is no credential scope
#: to read it from). A request carrying it needs no signature. That opens nothing: the
#: server listens on loopback only (``check_loopback``), refuses a ``Host`` that is not
#: a loopback name and a change from another origin's page (``origin``), a browser
#: sends no custom header to another origin without a preflight this server never
#: grants, and any process on the machine may sign with any keys for any region anyway
#: (signatures are not checked). The region must look like one, as a scope's must.
FORK_REGION = "X-Sesquota-Fork-Region"
_FORK_REGION_LOWER = FORK_REGION.lower()


class SesHttpServer:
    """SES's HTTP APIs and the control API for one account, in a thread of their own."""

    def __init__(
        self,
        account: Account,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], None] | None = None,
        info: Callable[[], dict[str, Any]] | None = None,
        gate: Gate | None = None,
    ) -> None:
        self.account = account
        #: Every request passes it, one at a time (and is saved there, with a state file).
        self.gate = gate or Gate(account)
        self.host = check_loopback(host)
        self._port = port
        self._log = log
        self._info = info or (lambda: {"endpoint_url": self.endpoint_url})
        self._control = Control(account, info=self._info, gate=self.gate)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._ticking = threading.Event()

    @property
    def port(self) -> int:
        if self._server is None:
            return self._port
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _route(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        if parts.path == PREFIX or parts.path.startswith(PREFIX + "/"):
            return self._control.handle(method, parts.path, parts.query, body)
        return self._ses(method, target, headers, body)

    def _ses(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        url = f"{self.endpoint_url}{target}"
        v2 = parts.path.startswith("/v2/")
        region: str | None = None
        refused: AuthError | None = None
        try:
            region = _region(headers, parts.query, v2=v2)
        except AuthError as error:
            refused = error
        try:
            with self.gate.request(None if region is None else [region]):
                if refused is not None:
                    reply = refuse(
                        self.account,
                        method,
                        url,
                        refused.code(v2),
                        refused.message,
                        refused.status,
                        body=body,
                    )
                else:
                    reply = answer(self.account, method, url, headers, body, region=region)
        except SaveFailed as failure:
            # SES's own answer to a failure on its side, logged nowhere: the account is as
            # it was before this attempt, and a retry (botocore retries a 500) finds it so.
            reply = error_answer(url, "InternalFailure", failure.message, 500)
        return reply.status, reply.headers, reply.body

    def start(self) -> SesHttpServer:
        if self._server is not None:
            raise RuntimeError("this server is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_class = type("_Bound", (Server,), {"address_family": family})
        server = server_class((self.host, self._port), Handler)
        server.route = self._route
        server.log = self._log
        # A loopback alias it was started on (/etc/hosts: "127.0.0.1 dev-ses") is its name.
        server.names = frozenset({self.host.strip("[]").lower().rstrip(".")})
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sesquota-http-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        if self.account.clock.real:
            # On real time nothing moves the clock past an event's time: look every tenth
            # of a second for the events whose time has come, and publish them.
            self._ticking = threading.Event()
            ticker = threading.Thread(target=self._tick, name="sesquota-events", daemon=True)
            ticker.start()
            self._ticker = ticker
        return self

    def _tick(self) -> None:
        while not self._ticking.wait(0.1):
            self.account.clock.advance(0)

    def stop(self) -> None:
        """Stop serving: no new connections, requests in flight finish their replies,
        idle connections are closed. Safe to call twice."""
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            self._ticking.set()
            ticker.join()
        if server is not None:
            self._port = int(server.server_address[1])
            server.close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> SesHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _region(headers: dict[str, str], query: str, *, v2: bool) -> str:
    """The region a request is for: the fork's header, or the signature's scope."""
    forked = next((v for k, v in headers.items() if k.lower() == _FORK_REGION_LOWER), None)
    if forked is None:
        return signed_region(headers, query, v2=v2)
    if not REGION_NAME.fullmatch(forked):
        raise AuthError("region", f"{FORK_REGION} should name a valid region, not '{forked}'.")
    return forked


class SesServer:
    """The fake's network front for one account: SES's HTTP APIs and the control API,
    SES's SMTP interface (STARTTLS and implicit-TLS ports), and what a process outside
    the test needs to reach them (:meth:`env`).

    The ``ses_server`` fixture makes one per test, on ``ses_account``'s state and clock;
    ``sesquota serve`` makes one for its own account.
    """

    #: Any credentials work: requests must be signed, but signatures are not checked.
    aws_access_key_id = "AKIAFAKESESQUOTA0000"
    aws_secret_access_key = "fake-secret-access-key-for-pytest-sesquota"

    def __init__(
        self,
        account: Account,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        smtp: bool = True,
        smtp_port: int = 0,
        smtp_tls_port: int = 0,
        smtp_username: str | None = None,
        smtp_password: str | None = None,
        gate: Gate | None = None,
    ) -> None:
        from ..doors.smtp import SesSmtpServer

        self.account = account
        self.gate = gate or Gate(account)
        self.http = SesHttpServer(account, host=host, port=port, info=self.info, gate=self.gate)
        self.smtp = (
            SesSmtpServer(
                account,
                host=host,
                port=smtp_port,
                tls_port=smtp_tls_port,
                username=smtp_username,
                password=smtp_password,
                gate=self.gate.request,
            )
            if smtp
            else None
        )

    @property
    def endpoint_url(self) -> str:
        return self.http.endpoint_url

    @property
    def region(self) -> str:
        return self.account.region

    def _smtp(self) -> Any:
        if self.smtp is None:
            raise RuntimeError("this server was made without SMTP (smtp=False)")
        return self.smtp

    @property
    def smtp_host(self) -> str:
        return str(self._smtp().host)

    @property
    def smtp_port(self) -> int:
        """The STARTTLS port."""
        return int(self._smtp().port)

    @property
    def smtp_tls_port(self) -> int:
        """The implicit-TLS ("TLS wrapper") port."""
        return int(self._smtp().tls_port)

    @property
    def smtp_username(self) -> str:
        return str(self._smtp().username)

    @property
    def smtp_password(self) -> str:
        return str(self._smtp().password)

    @property
    def ca_file(self) -> str:
        """The CA certificate an SMTP client must trust (PEM)."""
        return str(self._smtp().ca_file)

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"endpoint_url": self.endpoint_url, "region": self.region}
        if self.smtp is not None and self.smtp.running:
            info["smtp"] = {
                "host": self.smtp_host,
                "port": self.smtp_port,
                "tls_port": self.smtp_tls_port,
                "username": self.smtp_username,
                "password": self.smtp_password,
                "ca_file": self.ca_file,
            }
        return info

    def env(self) -> dict[str, str]:
        """Environment variables that point boto3, the AWS CLI and other SDKs in a
        subprocess at this server: ``subprocess.run(..., env={**os.environ, **server.env()})``.
        The ``SESQUOTA_SMTP_*`` ones describe the SMTP interface."""
        env = {
            "AWS_ENDPOINT_URL_SES": self.endpoint_url,
            "AWS_ENDPOINT_URL_SESV2": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.aws_access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.aws_secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "SESQUOTA_ENDPOINT_URL": self.endpoint_url,
        }
        if self.smtp is not None and self.smtp.running:
            env.update(
                {
                    "SESQUOTA_SMTP_HOST": self.smtp_host,
                    "SESQUOTA_SMTP_PORT": str(self.smtp_port),
                    "SESQUOTA_SMTP_TLS_PORT": str(self.smtp_tls_port),
                    "SESQUOTA_SMTP_USERNAME": self.smtp_username,
                    "SESQUOTA_SMTP_PASSWORD": self.smtp_password,
                    "SESQUOTA_CA_FILE": self.ca_file,
                }
            )
        return env

    def start(self) -> SesServer:
        self.http.start()
        try:
            if self.smtp is not None:
                self.smtp.start()
        except BaseException:
            self.http.stop()
            raise
        return self

    def stop(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.stop()
        finally:
            self.http.stop()

    def __enter__(self) -> SesServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
