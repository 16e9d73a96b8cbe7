"""The SMTP conversation as aiosmtpd holds it: SES's EHLO, credentials and words on
aiosmtpd's protocol, each completed DATA and each refusal before it handed to SES's SMTP
dialect (``wire/smtp.py``), which decides and logs. The server that runs it is
``doors/smtp.py``.

aiosmtpd has no public hook for some of what SES does differently (its idle-timeout
reply, a connection refused over the limit instead of a greeting, its address parser
read once per argument): those few private members are overridden, each saying why.
"""

from __future__ import annotations

__all__ = ["SesSmtpHandler", "SesSmtpProtocol", "SmtpServing"]

import asyncio
import functools
import hmac
import ssl
import traceback
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, AnyStr, Protocol

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
from ..wire.smtp import (
    AUTH_INVALID,
    AUTH_OK,
    AUTH_REQUIRED,
    BAD_MAIL_FROM,
    HOSTNAME,
    IDLE_TIMEOUT,
    STARTTLS_FIRST,
    TEMPORARY_FAILURE,
    TOO_LONG,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_MESSAGES,
    bad_recipient,
    command_refused,
    data_refused,
    decide_data,
    is_address,
)


class SmtpServing(Protocol):
    """What a connection needs of the server that accepted it (``doors/smtp.py``'s
    ``SesSmtpServer``): its account and region, credentials and limits, and the set of
    open connections it closes when it stops."""

    account: Account
    region: str
    gate: Callable[[Sequence[str]], AbstractContextManager[object]] | None
    username: str
    password: str
    max_connections: int | None
    max_messages_per_connection: int | None
    active_connections: int
    connections: set[SesSmtpProtocol]


#: aiosmtpd's own words where SES's differ. The two DATA replies end a DATA
#: transaction without reaching the handler, so they are also recorded in the ledger.
_REWRITES = {
    "552 Error: message size exceeds fixed maximum message size": TOO_LONG,
    "504 5.5.4 Unrecognized authentication type": "504 Unrecognized authentication type",
}
#: Refusals before DATA that aiosmtpd itself sends, and the command each refuses
#: (STARTTLS: the command refused for want of it; aiosmtpd does not say which).
_REFUSED_BY_AIOSMTPD = {STARTTLS_FIRST: "STARTTLS", AUTH_INVALID: "AUTH"}
_DATA_ABORTS = {
    "552 Error: Too much mail data": TOO_LONG,
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 Line too long",
}


# -- the conversation ---------------------------------------------------------
class SesSmtpHandler:
    """aiosmtpd hooks: SES's EHLO and credentials; DATA and refusals go to the dialect."""

    def __init__(self, server: SmtpServing) -> None:
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
        source, recipients = envelope.mail_from or "", list(envelope.rcpt_tos)
        raw = envelope.original_content or b""
        try:
            with self._turn():
                return decide_data(self.account, self.server.region, source, recipients, raw)
        except Exception:
            # The server's gate could not keep the message (a state file that cannot be
            # written): nothing of it counted, and SES's transient failure says so.
            return TEMPORARY_FAILURE

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

    # what the dialect logs ----------------------------------------------------
    def data_refused(self, envelope: Envelope, reply: str) -> None:
        """Log a DATA transaction that aiosmtpd ended before the handler (too large)."""
        source, recipients = envelope.mail_from or "", list(envelope.rcpt_tos)
        try:
            with self._turn():
                data_refused(self.account, self.server.region, source, recipients, reply)
        except Exception:  # not kept: the reply stands, nothing counted
            pass

    def command_refused(self, command: str, reply: str) -> str:
        """Log a command refused before DATA; the reply, whatever becomes of the log."""
        try:
            with self._turn():
                command_refused(self.account, self.server.region, command, reply)
        except Exception:  # not kept (a state file that cannot be written): it stands
            pass
        return reply

    def _turn(self) -> AbstractContextManager[object]:
        gate = self.server.gate
        return nullcontext() if gate is None else gate([self.server.region])


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


class SesSmtpProtocol(SMTP):
    """aiosmtpd's SMTP protocol with SES's words, connection limit and idle timeout."""

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        # Every MAIL and RCPT argument is read twice (SES's checks, then aiosmtpd's),
        # and the same few addresses come again and again: parse each once.
        return _parse_address(arg, self.local_part_limit)

    # Sent base64-encoded: "334 VXNlcm5hbWU6" and "334 UGFzc3dvcmQ6", as SES does.
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, server: SmtpServing, handler: SesSmtpHandler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._ses_server = server
        self._ses_handler = handler
        self._counted = False
        self._refused = False
        self._in_data = False
        # DATA transactions this connection has completed (smtp_max_messages_per_connection).
        self._messages = 0

    def _create_session(self) -> Session:
        # Private, but aiosmtpd's only way to choose the session class (see _Session).
        return _Session(self.loop)

    # connections ----------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None  # STARTTLS calls this again with the TLS transport
        super().connection_made(transport)
        if first:
            self._ses_server.connections.add(self)
            limit = self._ses_server.max_connections
            if limit is not None and self._ses_server.active_connections >= limit:
                self._refused = True
            else:
                self._counted = True
                self._ses_server.active_connections += 1

    def connection_lost(self, error: Exception | None) -> None:
        self._ses_server.connections.discard(self)
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
        # Private: aiosmtpd's idle timeout has no hook for its words; SES's are these.
        if self.transport is not None:
            self.transport.write(IDLE_TIMEOUT.encode("ascii") + b"\r\n")  # type: ignore[attr-defined]
            self.transport.close()

    async def _handle_client(self) -> None:
        # Private: the greeting is sent here, and a connection over the limit gets SES's
        # 421 instead of it (aiosmtpd has no connection limit of its own).
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
                self._ses_handler.data_refused(self.envelope, text)
        text = _REWRITES.get(text, text)
        if text in _REFUSED_BY_AIOSMTPD:  # SES's words already; logged as SES logs them
            self._ses_handler.command_refused(_REFUSED_BY_AIOSMTPD[text], text)
        await super().push(text)

    async def check_auth_needed(self, caller_method: str) -> bool:
        assert self.session is not None
        if not self.session.authenticated:
            await self.push(self._ses_handler.command_refused(caller_method, AUTH_REQUIRED))
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
        return is_address(address), shown or "<>"

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
            await self.push(self._ses_handler.command_refused("MAIL", BAD_MAIL_FROM))
            return
        await super().smtp_MAIL(arg)

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        assert self.envelope is not None
        ok, shown = self._address_argument("TO:", arg)
        if not ok and self.envelope.mail_from:
            if not shown.startswith("<"):
                shown = f"<{shown}>"
            await self.push(self._ses_handler.command_refused("RCPT", bad_recipient(shown)))
            return
        await super().smtp_RCPT(arg)
