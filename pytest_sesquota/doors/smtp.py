"""The SMTP front door: a loopback server that talks like SES's SMTP interface.

:class:`SesSmtpServer` runs aiosmtpd on its own event loop thread, serving a
STARTTLS port and an implicit-TLS port on 127.0.0.1. What SES says and decides is
SES's SMTP dialect (``wire/smtp.py``): each completed DATA is decided there, and each
command refused before DATA is logged there; this module is the server and its life.

The server thread never calls ``time.sleep`` (virtual while an account is active:
it would move the test's clock) and waits only on the event loop's clock, which
keeps real monotonic time under freezegun's ``real_asyncio``; quota decisions
read the account's virtual clock.
"""

from __future__ import annotations

__all__ = ["THREAD_TIMEOUT", "SesSmtpServer"]

import asyncio
import os
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from ..account.account import Account
from ..account.options import Checker
from ..ses.mail import MAX_MESSAGE_BYTES_SMTP
from ..wire.smtp import HOSTNAME, greeting_ident, new_credentials
from . import certs as _certs
from .guard import check_loopback
from .smtp_session import SesSmtpHandler, SesSmtpProtocol

#: Seconds ``start``/``stop`` wait for the server thread before giving up (real time).
THREAD_TIMEOUT = 30.0


# -- the server ---------------------------------------------------------------
_TMP_PREFIX = "sesquota-smtp-"


def _remove_stale_directories() -> None:
    """Remove the temporary directories of servers whose process is gone (killed)."""
    for directory in Path(tempfile.gettempdir()).glob(f"{_TMP_PREFIX}*-*"):
        pid = directory.name[len(_TMP_PREFIX) :].partition("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(directory, ignore_errors=True)
        except OSError:  # alive, another user's: not ours to touch
            pass


class SesSmtpServer:
    """A real SMTP server on 127.0.0.1 answering like SES's SMTP interface.

    Messages go to ``account`` (its quotas, ledger and clock) in ``region`` (the
    account's main region by default). Use it as a context manager, or call
    :meth:`start` and :meth:`stop`. Keyword arguments left ``None`` come from the
    account's options (the ``smtp_*`` keys of the ``ses_quota`` marker).
    """

    def __init__(
        self,
        account: Account,
        region: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_port: int = 0,
        username: str | None = None,
        password: str | None = None,
        require_starttls: bool | None = None,
        idle_timeout: float | None = None,
        max_connections: int | None = None,
        max_messages_per_connection: int | None = None,
        gate: Callable[[Sequence[str]], AbstractContextManager[object]] | None = None,
    ) -> None:
        options = account.options
        #: Each message is decided inside ``gate([region])`` (``sesquota serve``: one
        #: request at a time, saved before the reply).
        self.gate = gate
        self.account = account
        #: The region whose quotas and ledger the messages go to.
        self.region: str = region or account.region
        self.host = check_loopback(host)
        self._ports = (port, tls_port)
        #: The STARTTLS port (SES: 25, 587, 2587) and the implicit-TLS one (465, 2465).
        self.port = 0
        self.tls_port = 0
        generated = new_credentials()
        self.username: str = username if username is not None else generated[0]
        self.password: str = password if password is not None else generated[1]
        check = Checker("SesSmtpServer()")
        self.require_starttls: bool = check.value(
            "smtp_require_starttls",
            options.smtp_require_starttls if require_starttls is None else require_starttls,
        )
        #: Real seconds without data from a client before ``451`` and the close.
        self.idle_timeout: float = check.value(
            "smtp_idle_timeout", options.smtp_idle_timeout if idle_timeout is None else idle_timeout
        )
        self.max_connections: int | None = check.value(
            "smtp_max_connections",
            options.smtp_max_connections if max_connections is None else max_connections,
        )
        #: Messages (DATA transactions) one connection may send; the next MAIL gets ``421``.
        self.max_messages_per_connection: int | None = check.value(
            "smtp_max_messages_per_connection",
            options.smtp_max_messages_per_connection
            if max_messages_per_connection is None
            else max_messages_per_connection,
        )
        #: Connections open now (refused ones excluded).
        self.active_connections = 0
        #: The connections open now (closed by :meth:`stop`).
        self.connections: set[SesSmtpProtocol] = set()
        self._handler = SesSmtpHandler(self)
        self._tmp: Path | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._server_tls: ssl.SSLContext | None = None
        self._failure: BaseException | None = None

    # -- what clients need ------------------------------------------------------
    @property
    def ca_file(self) -> str:
        """Path of the PEM certificate of the CA that signed the server's certificate."""
        if self._tmp is None:
            raise RuntimeError("the SMTP server is not running: start() it first")
        return str(self._tmp / "ca.pem")

    def ssl_context(self) -> ssl.SSLContext:
        """A new client context that trusts the server's certificate (and only it)."""
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def running(self) -> bool:
        return self._thread is not None

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> SesSmtpServer:
        if self._thread is not None:
            raise RuntimeError("this SMTP server is already running")
        ca_pem, chain_pem = _certs.pems()
        _remove_stale_directories()
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-"))
        try:
            (self._tmp / "ca.pem").write_bytes(ca_pem)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            # The private key is on disk only while it is read (ssl reads files only):
            # a process killed later (kill -9) leaves just the CA certificate behind.
            key = self._tmp / "server.pem"
            key.write_bytes(chain_pem)  # in a 0700 directory of our own
            try:
                context.load_cert_chain(key)
            finally:
                key.unlink()
            self._server_tls = context
            ready = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(ready,), name="pytest-sesquota-smtp", daemon=True
            )
            self._thread.start()
            # Event.wait blocks on a lock with a real-time timeout, frozen clock or not.
            if not ready.wait(THREAD_TIMEOUT):
                raise RuntimeError(f"the SMTP server did not start within {THREAD_TIMEOUT} s")
            if self._failure is not None:
                raise RuntimeError(
                    f"the SMTP server could not start: {self._failure}"
                ) from self._failure
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every connection and the ports; wait for the thread. Safe to call twice."""
        thread, loop = self._thread, self._loop
        try:
            if thread is not None:
                if loop is not None and not loop.is_closed():
                    try:
                        loop.call_soon_threadsafe(loop.stop)
                    except RuntimeError:  # closed meanwhile
                        pass
                thread.join(THREAD_TIMEOUT)
                if thread.is_alive():
                    raise RuntimeError(f"the SMTP server did not stop within {THREAD_TIMEOUT} s")
        finally:
            self._thread = None
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None

    def __enter__(self) -> SesSmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"{self.host}:{self.port} (STARTTLS), :{self.tls_port} (TLS)"
        return f"<SesSmtpServer {self.region} {state if self.running else 'stopped'}>"

    # -- the server thread ------------------------------------------------------
    def _protocol(self, implicit_tls: bool) -> SesSmtpProtocol:
        plain = not implicit_tls
        return SesSmtpProtocol(
            self,
            self._handler,
            loop=self._loop,
            hostname=HOSTNAME,
            ident=greeting_ident(),
            data_size_limit=MAX_MESSAGE_BYTES_SMTP,
            tls_context=self._server_tls if plain else None,
            require_starttls=plain and self.require_starttls,
            # AUTH is refused before STARTTLS by require_starttls ("530 Must issue a
            # STARTTLS command first", as SES says), not by aiosmtpd's 538.
            auth_require_tls=False,
            auth_required=False,  # checked by SesSmtpProtocol.check_auth_needed, in SES's words
            authenticator=self._handler.authenticate,
            timeout=self.idle_timeout,
        )

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            try:
                loop.run_until_complete(self._listen())
            except BaseException as error:
                self._failure = error
                return
            finally:
                ready.set()
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(self._close())
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        port, tls_port = self._ports
        plain = await loop.create_server(
            lambda: self._protocol(False), self.host, port, backlog=256
        )
        self._servers.append(plain)
        secure = await loop.create_server(
            lambda: self._protocol(True),
            self.host,
            tls_port,
            backlog=256,
            ssl=self._server_tls,
            ssl_handshake_timeout=max(self.idle_timeout, 1.0),
        )
        self._servers.append(secure)
        self.port = plain.sockets[0].getsockname()[1]
        self.tls_port = secure.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
            abort_clients = getattr(server, "abort_clients", None)  # Python 3.13+
            if abort_clients is not None:
                abort_clients()
        # abort, not close: a TLS close waits for the client's close_notify.
        for protocol in list(self.connections):
            if protocol.transport is not None:
                protocol.transport.abort()  # type: ignore[attr-defined]
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:
            try:
                await asyncio.wait_for(server.wait_closed(), THREAD_TIMEOUT)
            except asyncio.TimeoutError:
                pass
        self._servers = []
