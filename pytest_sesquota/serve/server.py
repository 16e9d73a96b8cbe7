"""The fake as a network service: SES's HTTP APIs and the control API on a loopback port.

``SesHttpServer(account)`` serves, on 127.0.0.1, SES v1 (``POST /``) and v2
(``/v2/email/...``) with the same implementation as the in-process doors
(``_http.answer``), after SES's own signature check, and the control API under
``/_sesquota/``. Any SDK pointed at it with ``endpoint_url`` works. It is a context
manager, usable without pytest; ``sesquota serve`` and the ``ses_server`` fixture use it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ..account.account import Account
from ..doors.guard import check_loopback
from ..wire.http import answer, refuse
from ..wire.sigv4 import AuthError, signed_region
from .control import PREFIX, Control
from .store import Store

#: Larger bodies are refused unread (SES v2 takes 40 MB messages, base64-encoded).
MAX_BODY = 64 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as SDKs expect
    # A garbled request line still gets a status line back (not an HTTP/0.9 bare body).
    default_request_version = "HTTP/1.1"
    error_content_type = "text/plain"
    error_message_format = "%(code)d %(message)s: %(explain)s\n"
    server_version = "pytest-sesquota"
    sys_version = ""
    timeout = 60  # an idle connection is dropped after a minute
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        parts = urlsplit(self.path)
        if parts.path == PREFIX or parts.path.startswith(PREFIX + "/"):
            status, headers, payload = self.server.control.handle(
                self.command, parts.path, parts.query, body
            )
        else:
            status, headers, payload = self.server.ses(
                self.command, self.path, dict(self.headers.items()), body
            )
        self._reply(status, headers, payload)

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip() or b"x", 16)
                except ValueError:
                    self._reply_error(400, "Bad chunked encoding")
                    return None
                total += size
                if total > MAX_BODY:
                    self._reply_error(413, "Request body too large")
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunk = self.rfile.read(size)
                if len(chunk) < size:  # the client went away mid-body
                    self.close_connection = True
                    return None
                chunks.append(chunk)
                self.rfile.readline(3)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            size = int(length)
        except ValueError:
            self._reply_error(400, "Bad Content-Length")
            return None
        if size < 0 or size > MAX_BODY:
            self._reply_error(413 if size > 0 else 400, "Bad Content-Length")
            return None
        body = self.rfile.read(size)
        if len(body) < size:  # the client went away mid-body: nothing was asked
            self.close_connection = True
            return None
        return body

    def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _reply_error(self, status: int, message: str) -> None:
        self.close_connection = True
        self._reply(status, {"Content-Type": "text/plain", "Connection": "close"}, message.encode())

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError, OSError):
            # A client that went away mid-request: nothing to answer, nothing to keep.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")


class _Server(ThreadingHTTPServer):
    # Handler threads are joined at close, after their connections are shut (see close).
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    control: Control
    ses: Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]
    log: Callable[[str], None] | None

    def server_activate(self) -> None:
        super().server_activate()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close(self) -> None:
        """Stop accepting, end every open connection (idle keep-alives included), and
        wait for the handler threads: a graceful stop that leaves nothing behind."""
        self.shutdown()
        with self.connections_lock:
            open_connections = list(self.connections)
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()


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
        store: Store | None = None,
    ) -> None:
        self.account = account
        self.store = store
        self.host = check_loopback(host)
        self._port = port
        self._log = log
        self._info = info or (lambda: {"endpoint_url": self.endpoint_url})
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            return self._port
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _ses(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        url = f"{self.endpoint_url}{target}"
        try:
            region = signed_region(headers, parts.query, v2=parts.path.startswith("/v2/"))
        except AuthError as error:
            reply = refuse(
                self.account,
                method,
                url,
                error.code(parts.path.startswith("/v2/")),
                error.message,
                error.status,
                body=body,
            )
        else:
            reply = answer(self.account, method, url, headers, body, region=region)
        return reply.status, reply.headers, reply.body

    def start(self) -> SesHttpServer:
        if self._server is not None:
            raise RuntimeError("this server is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_class = type("_Bound", (_Server,), {"address_family": family})
        server = server_class((self.host, self._port), _Handler)
        server.control = Control(self.account, info=self._info, store=self.store)
        server.ses = self._ses
        server.log = self._log
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sesquota-http-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket. Safe to call twice."""
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        if server is not None:
            self._port = int(server.server_address[1])
            server.close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> SesHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


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
        store: Store | None = None,
    ) -> None:
        from ..doors.smtp import SesSmtpServer

        self.account = account
        self.http = SesHttpServer(account, host=host, port=port, info=self.info, store=store)
        self.smtp = (
            SesSmtpServer(
                account,
                host=host,
                port=smtp_port,
                tls_port=smtp_tls_port,
                username=smtp_username,
                password=smtp_password,
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
