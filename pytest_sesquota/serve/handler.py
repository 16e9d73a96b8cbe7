"""The server's HTTP/1.1 connections: reading bodies, writing replies, stopping gracefully.

``Server`` is a threading HTTP server tuned for SDK clients on loopback: keep-alive
connections with ``TCP_NODELAY`` (with Nagle's algorithm, a reply written in two parts
meets the client's delayed ACK and waits some 40 ms) and each reply written in one
``send``; a listen backlog that takes a burst of clients connecting at once. On stop, it
takes no new connections, lets the requests in flight finish their replies, and closes
idle keep-alive connections at once.
"""

from __future__ import annotations

__all__ = ["BACKLOG", "MAX_BODY", "STOP_GRACE", "Handler", "Headers", "Reply", "Route", "Server"]

import json
import re
import select
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .origin import refusal

#: Larger bodies are refused unread (SES v2 takes 40 MB messages, base64-encoded).
MAX_BODY = 64 * 1024 * 1024
#: Connections waiting to be accepted (the default, 5, stalls a burst of clients).
BACKLOG = 128
#: Real seconds a stop waits for the requests in flight.
STOP_GRACE = 10.0
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
_VERSION = re.compile(r"HTTP/(\d)\.(\d)")
Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[str, str, dict[str, str], bytes], Reply]


class Headers:
    """A request's headers, looked up without regard to case (the first of repeats wins,
    as with ``email.message.Message``)."""

    def __init__(self, lines: list[bytes]) -> None:
        pairs: list[tuple[str, str]] = []
        for raw in lines:
            line = raw.decode("iso-8859-1")
            if line[:1] in (" ", "\t") and pairs:  # an obsolete folded line
                name, value = pairs[-1]
                pairs[-1] = (name, f"{value} {line.strip()}")
                continue
            name, _colon, value = line.partition(":")
            pairs.append((name.strip(), value.strip()))
        self._pairs = pairs
        self._by_name: dict[str, str] = {}
        for name, value in pairs:
            self._by_name.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._by_name.get(name.lower(), default)

    def __getitem__(self, name: str) -> str | None:
        return self._by_name.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_name

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as SDKs expect
    # A garbled request line still gets a status line back (not an HTTP/0.9 bare body).
    default_request_version = "HTTP/1.1"
    error_content_type = "text/plain"
    error_message_format = "%(code)d %(message)s: %(explain)s\n"
    server_version = "pytest-sesquota"
    sys_version = ""
    timeout = 60  # an idle connection is dropped after a minute
    server: Server
    raw_requestline: bytes

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def parse_request(self) -> bool:
        """The request line and the headers. The standard library parses headers with the
        ``email`` package, some 100-300 µs a request: a third of a send's time here."""
        # From here to the reply, this connection has a request in flight.
        self.server.set_busy(self.connection, True)
        self.command = None  # type: ignore[assignment]
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3:
            self.send_error(400, f"Bad request syntax ({self.requestline!r})")
            return False
        command, path, version = words
        number = _VERSION.fullmatch(version)
        if number is None:
            self.send_error(400, f"Bad request version ({version!r})")
            return False
        if number.group(1) != "1":
            self.send_error(505, f"Invalid HTTP version ({version})")
            return False
        self.command, self.request_version = command, version
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path
        self.close_connection = number.group(2) == "0"
        lines: list[bytes] = []
        while True:
            line = self.rfile.readline(65537)
            if len(line) > 65536 or len(lines) > 100:
                self.send_error(431, "Request header fields too large")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            lines.append(line)
        self.headers = Headers(lines)  # type: ignore[assignment]
        connection = (self.headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if (self.headers.get("Expect") or "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        finally:
            self.server.set_busy(self.connection, False)
            if self.server.stopping:
                self.close_connection = True

    def _serve(self) -> None:
        refused = refusal(
            self.command,
            self.headers.get("Host"),
            self.headers.get("Origin"),
            self.path,
            self.server.names,
        )
        if refused is not None:
            status, error, message = refused
            self.close_connection = True
            body = f'{{"error": "{error}", "message": {json.dumps(message)}}}'.encode()
            self._reply(status, {"Content-Type": "application/json", "Connection": "close"}, body)
            return
        read = self._read_body()
        if read is None:
            return
        try:
            status, headers, payload = self.server.route(
                self.command, self.path, dict(self.headers.items()), read
            )
        except Exception:  # a bug of ours: say so rather than drop the connection
            self.server.bugs.append(traceback.format_exc())
            print(self.server.bugs[-1], file=sys.stderr, flush=True)
            self._reply_error(500, "pytest-sesquota internal error (see the server's log)")
            return
        self._reply(status, headers, payload)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunks()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            self._reply_error(400, "Bad Content-Length")
            return None
        size = int(length)
        if size > MAX_BODY:
            self._reply_error(413, "Request body too large")
            return None
        body = self.rfile.read(size)
        if len(body) < size:  # the client went away mid-body: nothing was asked
            self.close_connection = True
            return None
        return body

    def _read_chunks(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            size_text = line.split(b";")[0].strip()
            # Hex digits only: int() would also take "-1", "+1", "0x1" or "1_0".
            if not _CHUNK_SIZE.fullmatch(size_text):
                if not line:  # the client went away
                    self.close_connection = True
                    return None
                self._reply_error(400, "Bad chunked encoding")
                return None
            size = int(size_text, 16)
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
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                self._reply_error(400, "Bad chunked encoding")
                return None

    def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.server.stopping and not self.close_connection:
            self.send_header("Connection", "close")
        # Head and body in one send: two small writes would wait on a delayed ACK.
        self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
        if self.command != "HEAD":
            self._headers_buffer.append(payload)  # type: ignore[attr-defined]
        self.flush_headers()

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


class Server(ThreadingHTTPServer):
    # Handler threads are joined at close, after their connections are shut (see close).
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = BACKLOG
    route: Route
    log: Callable[[str], None] | None
    #: Host names it was started on (``--host NAME``): a ``Host`` naming one is served.
    names: frozenset[str] = frozenset()

    def server_activate(self) -> None:
        super().server_activate()
        self.connections: set[socket.socket] = set()
        self.busy: set[socket.socket] = set()
        self.connections_lock = threading.Condition()
        self.stopping = False
        #: Tracebacks of bugs in the server itself (answered 500).
        self.bugs: list[str] = []

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
            self.busy.discard(request)
            self.connections_lock.notify_all()
        super().shutdown_request(request)

    def set_busy(self, connection: socket.socket, busy: bool) -> None:
        with self.connections_lock:
            if busy:
                self.busy.add(connection)
            else:
                self.busy.discard(connection)
                self.connections_lock.notify_all()

    def close(self, grace: float = STOP_GRACE) -> None:
        """Stop accepting; let requests in flight (and requests already sent on an open
        connection) finish their replies, for up to ``grace`` real seconds; close idle
        keep-alive connections; wait for the handler threads."""
        self.shutdown()
        deadline = time.monotonic() + grace
        with self.connections_lock:
            self.stopping = True
            idle = [c for c in self.connections if c not in self.busy and not _pending(c)]
        for connection in idle:
            _shut(connection)
        with self.connections_lock:
            while (left := deadline - time.monotonic()) > 0:
                # Connections that finished their request are idle now: close them.
                waiting = False
                for connection in self.connections - self.busy:
                    if _pending(connection):
                        waiting = True
                    else:
                        _shut(connection)
                if not (self.busy or waiting):
                    break
                self.connections_lock.wait(min(left, 0.05))
            remaining = list(self.connections)
        for connection in remaining:
            _shut(connection)
        self.server_close()


def _pending(connection: socket.socket) -> bool:
    """Whether a request's first bytes wait unread on an idle connection."""
    try:
        readable, _w, _x = select.select([connection], [], [], 0)
        return bool(readable) and bool(connection.recv(1, socket.MSG_PEEK))
    except (OSError, ValueError):
        return False


def _shut(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
