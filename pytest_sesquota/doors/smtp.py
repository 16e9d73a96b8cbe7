"""The SMTP front door: a loopback server that talks like SES's SMTP interface.

:class:`SesSmtpServer` runs aiosmtpd on its own event loop thread, serving a
STARTTLS port and an implicit-TLS port on 127.0.0.1. Each completed DATA is handed
to :meth:`Account.send`; its decision becomes SES's reply (REFERENCE.md §5).

The server thread never calls ``time.sleep`` (virtual while an account is active:
it would move the test's clock) and waits only on the event loop's clock, which
keeps real monotonic time under freezegun's ``real_asyncio``; quota decisions
read the account's virtual clock.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hmac
import os
import secrets
import shutil
import ssl
import string
import tempfile
import threading
import traceback
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, AnyStr

from aiosmtpd.smtp import (
    SMTP,
    AuthResult,
    Envelope,
    LoginPassword,
    Session,
    TLSSetupException,
    syntax,
)

from ..account.account import Account
from ..account.ledger import SendRefused, SesRequest, address_of
from ..account.options import Checker
from ..ses.mail import (
    MAX_MESSAGE_BYTES_SMTP,
    ApiError,
    check_address,
    check_recipients,
    header_addresses,
    header_values,
    parse_raw,
)
from ..wire.smtp import (
    AUTH_INVALID,
    AUTH_OK,
    AUTH_REQUIRED,
    BAD_MAIL_FROM,
    HOSTNAME,
    IDLE_TIMEOUT,
    TEMPORARY_FAILURE,
    TOO_LONG,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_MESSAGES,
    bad_recipient,
    invalid_message,
)
from ..wire.smtp import (
    SMTP as SMTP_DIALECT,
)
from . import certs as _certs
from .guard import check_loopback

#: Seconds ``start``/``stop`` wait for the server thread before giving up (real time).
THREAD_TIMEOUT = 30.0
OPERATION = "DATA"

#: aiosmtpd's own words where SES's differ. The two DATA replies end a DATA
#: transaction without reaching the handler, so they are also recorded in the ledger.
_REWRITES = {
    "552 Error: message size exceeds fixed maximum message size": TOO_LONG,
    "504 5.5.4 Unrecognized authentication type": "504 Unrecognized authentication type",
}
_DATA_ABORTS = {
    "552 Error: Too much mail data": TOO_LONG,
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 Line too long",
}

_ACCESS_KEY_CHARS = string.ascii_uppercase + "234567"  # the base32 alphabet of AWS key ids
_GREETING_CHARS = string.ascii_letters + string.digits


def new_credentials() -> tuple[str, str]:
    """SMTP credentials shaped like SES's: an access key id (``AKIA`` + 16) and a
    44-character password (base64 of a version byte 0x04 and a 32-byte signature)."""
    username = "AKIA" + "".join(secrets.choice(_ACCESS_KEY_CHARS) for _ in range(16))
    password = base64.b64encode(b"\x04" + secrets.token_bytes(32)).decode("ascii")
    return username, password


def _ident() -> str:
    # As in captured greetings: "ESMTP SimpleEmailService-d-B1D75AM90 83qp4IzaerfvF0CNuJJJ".
    node = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(9))
    session = "".join(secrets.choice(_GREETING_CHARS) for _ in range(20))
    return f"ESMTP SimpleEmailService-d-{node} {session}"


def _is_address(address: str | None) -> bool:
    if not address:
        return False
    try:
        check_address(address)
    except ApiError:
        return False
    return True


# -- the conversation ---------------------------------------------------------
class SesSmtpHandler:
    """aiosmtpd hooks: SES's EHLO, credentials, and the decision after DATA."""

    def __init__(self, server: SesSmtpServer) -> None:
        self.server = server
        self.account = server.account

    # hooks called by aiosmtpd ------------------------------------------------
    async def handle_EHLO(
        self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> list[str]:
        session.host_name = hostname
        # No SIZE line: SES's EHLO has had none since 2023 (captures); it takes 40 MB.
        lines = [f"250-{HOSTNAME}", "250-8BITMIME"]
        if smtp.tls_context is not None and session.ssl is None:  # not yet upgraded
            lines.append("250-STARTTLS")
        return [*lines, "250-AUTH PLAIN LOGIN", "250 Ok"]

    async def handle_MAIL(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 Ok"

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        # Every RCPT counts against the quotas, duplicates included; more than 50
        # are refused after DATA, as SES does ("Recipient count exceeds 50.").
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 Ok"

    async def handle_RSET(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 Ok"

    async def handle_NOOP(self, smtp: SMTP, session: Session, envelope: Envelope, arg: str) -> str:
        return "250 Ok"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        return self.decide(envelope)

    async def handle_exception(self, error: Exception) -> str:
        # Client trouble (a failed TLS handshake, a reset) is not a bug of ours.
        if not isinstance(error, (OSError, ssl.SSLError, TLSSetupException)):
            self.account.internal_errors.append(
                "".join(traceback.format_exception(type(error), error, error.__traceback__))
            )
        return TEMPORARY_FAILURE

    def authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and hmac.compare_digest(data.login, self.server.username.encode())
            and hmac.compare_digest(data.password, self.server.password.encode())
        )
        if ok:
            return AuthResult(success=True, message=AUTH_OK)
        return AuthResult(success=False, handled=False, message=AUTH_INVALID)

    # the decision ---------------------------------------------------------
    def decide(self, envelope: Envelope) -> str:
        """Decide one message after the final dot; log it; return the reply.

        Runs without an ``await``: the ledger entries collected by ``recording``
        (per thread) are this transaction's alone.
        """
        try:
            with self._turn():
                at = self.account.clock.now()
                with self.account.recording() as outcomes:
                    try:
                        reply = self._deliver(envelope)
                    except Exception:  # a bug of ours: answer as SES does a local failure, loudly
                        self.account.internal_errors.append(traceback.format_exc())
                        reply = TEMPORARY_FAILURE
                self._log(at, reply, outcomes)
        except Exception:
            # The server's gate could not keep the message (a state file that cannot be
            # written): nothing of it counted, and SES's transient failure says so.
            return TEMPORARY_FAILURE
        return reply

    def refuse(self, envelope: Envelope, reply: str) -> None:
        """Record a DATA transaction that aiosmtpd ended before the handler (too large)."""
        try:
            with self._turn():
                at = self.account.clock.now()
                with self.account.recording() as outcomes:
                    self._reject(envelope, reply)
                self._log(at, reply, outcomes)
        except Exception:  # not kept: the reply stands, nothing counted
            pass

    def _turn(self) -> AbstractContextManager[object]:
        gate = self.server.gate
        return nullcontext() if gate is None else gate([self.server.region])

    def _log(self, at: datetime, reply: str, outcomes: list[Any]) -> None:
        code = int(reply[:3])
        failed = code >= 400
        self.account.log_request(
            SesRequest(
                time=at,
                region=self.server.region,
                api="smtp",
                operation=OPERATION,
                status=code,
                error_code=reply[:3] if failed else None,
                error_message=reply[4:] if failed else None,
                outcomes=tuple(outcomes),
            )
        )

    def _reject(self, envelope: Envelope, reply: str) -> None:
        self.account.reject(
            region=self.server.region,
            operation=OPERATION,
            reason="invalid",
            code=reply[:3],
            message=reply[4:],
            source=envelope.mail_from or "",
            recipients=envelope.rcpt_tos,
            transport="smtp",
        )

    def _deliver(self, envelope: Envelope) -> str:
        source = envelope.mail_from or ""
        recipients = list(envelope.rcpt_tos)
        raw = envelope.original_content or b""
        try:
            check_recipients(recipients)
            message = parse_raw(raw)
        except ApiError as error:
            # SES's SMTP interface wraps the API's InvalidParameterValue texts.
            reply = invalid_message(error.message)
            self._reject(envelope, reply)
            return reply
        to = header_addresses(message, "To")
        cc = header_addresses(message, "Cc")
        shown = {address_of(a) for a in to + cc}
        subject = next(iter(header_values(message, "Subject")), None)
        try:
            sent = self.account.send(
                region=self.server.region,
                operation=OPERATION,
                dialect=SMTP_DIALECT,
                source=source,
                recipients=recipients,
                to=tuple(to),
                cc=tuple(cc),
                bcc=tuple(r for r in recipients if address_of(r) not in shown),
                subject=None if subject is None else str(subject),
                raw=raw,
            )
        except SendRefused as refused:
            return SMTP_DIALECT.reply(refused)
        return f"250 Ok {sent.message_id}"


class _Session(Session):
    # aiosmtpd sets the deprecated ``login_data`` on every AUTH and logs a warning
    # each time; nothing here reads it.
    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


@dataclass(frozen=True)
class _Limits:
    local_part_limit: int


@functools.lru_cache(maxsize=4096)
def _parse_address(arg: str, local_part_limit: int) -> tuple[str | None, str | None]:
    # aiosmtpd's own parser, which only reads the limit from its instance.
    parsed: tuple[str | None, str | None] = SMTP._getaddr(_Limits(local_part_limit), arg)  # type: ignore[arg-type]
    return parsed


class _SesSMTP(SMTP):
    """aiosmtpd's SMTP protocol with SES's words, connection limit and idle timeout."""

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        # Every MAIL and RCPT argument is read twice (SES's checks, then aiosmtpd's),
        # and the same few addresses come again and again: parse each once.
        return _parse_address(arg, self.local_part_limit)

    # Sent base64-encoded: "334 VXNlcm5hbWU6" and "334 UGFzc3dvcmQ6", as SES does.
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, server: SesSmtpServer, handler: SesSmtpHandler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._ses_server = server
        self._ses_handler = handler
        self._counted = False
        self._refused = False
        self._in_data = False
        # DATA transactions this connection has completed (smtp_max_messages_per_connection).
        self._messages = 0

    def _create_session(self) -> Session:
        return _Session(self.loop)

    # connections ----------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None  # STARTTLS calls this again with the TLS transport
        super().connection_made(transport)
        if first:
            self._ses_server._connections.add(self)
            limit = self._ses_server.max_connections
            if limit is not None and self._ses_server.active_connections >= limit:
                self._refused = True
            else:
                self._counted = True
                self._ses_server.active_connections += 1

    def connection_lost(self, error: Exception | None) -> None:
        self._ses_server._connections.discard(self)
        if self._counted:
            self._counted = False
            self._ses_server.active_connections -= 1
        super().connection_lost(error)
        # asyncio keeps a client's reset in a future nobody awaits; read it, or
        # "Future exception was never retrieved" is logged when it is collected.
        closed = getattr(self, "_closed", None)
        if closed is not None and closed.done() and not closed.cancelled():
            closed.exception()

    def data_received(self, data: bytes) -> None:
        # Any bytes from the client are activity (aiosmtpd only counts whole
        # commands, so a long DATA would otherwise time out half-way).
        if self.transport is not None:
            self._reset_timeout()
        super().data_received(data)

    def _timeout_cb(self) -> None:
        if self.transport is not None:
            self.transport.write(IDLE_TIMEOUT.encode("ascii") + b"\r\n")  # type: ignore[attr-defined]
            self.transport.close()

    async def _handle_client(self) -> None:
        if self._refused:
            await self.push(TOO_MANY_CONNECTIONS)
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()

    # SES's words ------------------------------------------------------------
    async def push(self, status: AnyStr) -> None:
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else str(status)
        if text.startswith("354"):
            self._in_data = True
        elif self._in_data:
            self._in_data = False
            self._messages += 1
            if text in _DATA_ABORTS:
                text = _DATA_ABORTS[text]
                assert self.envelope is not None
                self._ses_handler.refuse(self.envelope, text)
        text = _REWRITES.get(text, text)
        await super().push(text)

    async def check_auth_needed(self, caller_method: str) -> bool:
        assert self.session is not None
        if not self.session.authenticated:
            await self.push(AUTH_REQUIRED)
            return True
        return False

    def _address_argument(self, keyword: str, arg: str | None) -> tuple[bool, str]:
        """Whether ``arg`` names a usable address (``<>`` and ``user`` do not)."""
        assert self.session is not None
        if not self.session.host_name or not self.session.authenticated or arg is None:
            return True, ""  # aiosmtpd answers these (EHLO first, AUTH first, syntax)
        stripped = self._strip_command_keyword(keyword, arg)
        if stripped is None:
            return True, ""
        address, params = self._getaddr(stripped)
        shown = stripped[: len(stripped) - len(params or "")].strip() if params else stripped
        return _is_address(address), shown or "<>"

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        limit = self._ses_server.max_messages_per_connection
        if limit is not None and self._messages >= limit:
            # As SES's users report it; then the connection closes, as after QUIT.
            await self.push(TOO_MANY_MESSAGES)
            assert self._handler_coroutine is not None and self.transport is not None
            self._handler_coroutine.cancel()
            self.transport.close()
            return
        ok, _shown = self._address_argument("FROM:", arg)
        if not ok:
            # Captured from SES for "MAIL FROM:<>" and for addresses without a domain.
            await self.push(BAD_MAIL_FROM)
            return
        await super().smtp_MAIL(arg)

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        assert self.envelope is not None
        ok, shown = self._address_argument("TO:", arg)
        if not ok and self.envelope.mail_from:
            if not shown.startswith("<"):
                shown = f"<{shown}>"
            await self.push(bad_recipient(shown))
            return
        await super().smtp_RCPT(arg)


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
        self._connections: set[_SesSMTP] = set()
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
    def _protocol(self, implicit_tls: bool) -> _SesSMTP:
        plain = not implicit_tls
        return _SesSMTP(
            self,
            self._handler,
            loop=self._loop,
            hostname=HOSTNAME,
            ident=_ident(),
            data_size_limit=MAX_MESSAGE_BYTES_SMTP,
            tls_context=self._server_tls if plain else None,
            require_starttls=plain and self.require_starttls,
            # AUTH is refused before STARTTLS by require_starttls ("530 Must issue a
            # STARTTLS command first", as SES says), not by aiosmtpd's 538.
            auth_require_tls=False,
            auth_required=False,  # checked by _SesSMTP.check_auth_needed, in SES's words
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
        for protocol in list(self._connections):
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
