"""SES's SMTP dialect: its reply texts, what each refusal of the account becomes, and the
deciding of a message after the final dot of DATA.

The SMTP interface answers a refused message after the final dot, with the API's texts
behind its own prefixes (the AWS guide's "SMTP response codes" and captured
transcripts): ``454 Throttling failure: Maximum sending rate exceeded.``,
``554 Message rejected: Email address is not verified. ...``. Every reply that ends a
transaction or refuses a command before it is logged through the answering step
(``wire/answer.py``), so that the SES conversation shows it. The server and its
lifecycle are the SMTP door's (``doors/smtp.py``).
"""

from __future__ import annotations

__all__ = [
    "AUTH_INVALID",
    "AUTH_OK",
    "AUTH_REQUIRED",
    "BAD_MAIL_FROM",
    "HOSTNAME",
    "IDLE_TIMEOUT",
    "OPERATION",
    "SMTP",
    "SMTP_WIRE",
    "STARTTLS_FIRST",
    "TEMPORARY_FAILURE",
    "TOO_LONG",
    "TOO_MANY_CONNECTIONS",
    "TOO_MANY_MESSAGES",
    "TRANSIENT_FAILURE",
    "SmtpDialect",
    "SmtpWire",
    "bad_recipient",
    "command_refused",
    "data_refused",
    "decide_data",
    "greeting_ident",
    "invalid_message",
    "is_address",
    "new_credentials",
]

import base64
import secrets
import string
from collections.abc import Mapping, Sequence
from typing import Any

from ..account.account import Account
from ..account.ledger import RefusalKind, SendRefused, address_of
from ..account.unsubscribe import OPTIONS_HEADER, options_from_header
from ..ses.arn_headers import ARN_HEADERS, arn_headers
from ..ses.mail import (
    CONFIGURATION_SET_HEADER,
    MESSAGE_TAGS_HEADER,
    ApiError,
    check_address,
    check_recipients,
    header_addresses,
    header_values,
    parse_raw,
    ses_headers,
    without_headers,
)
from .answer import Exchange, answer

#: What SES's SMTP endpoints call themselves, in every region (captured greetings).
HOSTNAME = "email-smtp.amazonaws.com"

AUTH_OK = "235 Authentication successful."
AUTH_INVALID = "535 Authentication Credentials Invalid"
AUTH_REQUIRED = "530 Authentication required"
STARTTLS_FIRST = "530 Must issue a STARTTLS command first"
BAD_MAIL_FROM = "501 Invalid MAIL FROM address provided"
TOO_LONG = "552 Message is too long."
TOO_MANY_CONNECTIONS = "421 Too many concurrent SMTP connections"
TOO_MANY_MESSAGES = "421 Maximum message count per session reached"
IDLE_TIMEOUT = "451 4.4.2 Timeout waiting for data from client."
TEMPORARY_FAILURE = "451 Temporary service failure"
#: SES's SMTP answer to a transient failure (a seeded fault: the marker's transient_failures).
TRANSIENT_FAILURE = "454 Temporary service failure"


_ACCESS_KEY_CHARS = string.ascii_uppercase + "234567"  # the base32 alphabet of AWS key ids
_GREETING_CHARS = string.ascii_letters + string.digits


def new_credentials() -> tuple[str, str]:
    """SMTP credentials shaped like SES's: an access key id (``AKIA`` + 16) and a
    44-character password (base64 of a version byte 0x04 and a 32-byte signature)."""
    username = "AKIA" + "".join(secrets.choice(_ACCESS_KEY_CHARS) for _ in range(16))
    password = base64.b64encode(b"\x04" + secrets.token_bytes(32)).decode("ascii")
    return username, password


def greeting_ident() -> str:
    """What follows the host name in the greeting, as in captured ones:
    ``ESMTP SimpleEmailService-d-B1D75AM90 83qp4IzaerfvF0CNuJJJ``."""
    node = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(9))
    session = "".join(secrets.choice(_GREETING_CHARS) for _ in range(20))
    return f"ESMTP SimpleEmailService-d-{node} {session}"


def bad_recipient(shown: str) -> str:
    """The reply to a RCPT TO whose address SES cannot read (``<user>``)."""
    return f"553 {shown} Invalid email address"


def invalid_message(text: str) -> str:
    """SES's SMTP wrapping of the API's ``InvalidParameterValue`` texts."""
    return f"554 Transaction failed: {text}"


class SmtpDialect:
    """SMTP's words for the account's refusals: one reply per kind (``{message}`` is the
    account's text), and the reply's code as the ledger records it."""

    api = "smtp"

    def __init__(self, replies: Mapping[RefusalKind, str]) -> None:
        self.replies = dict(replies)

    def reply(self, refused: SendRefused) -> str:
        return self.replies[refused.kind].format(message=refused.message)

    def code(self, kind: RefusalKind, *, bulk: bool = False) -> str:
        return self.replies[kind][:3]


SMTP = SmtpDialect(
    {
        "rate": "454 Throttling failure: {message}",
        "daily": "454 Throttling failure: {message}",
        "unverified": "554 Message rejected: {message}",
        "paused": "554 Message rejected: {message}",
        "suspended": "554 Message rejected: {message}",
        "invalid": invalid_message("{message}"),
        "transient": TRANSIENT_FAILURE,
        # SES's SMTP interface answers these after DATA (the texts come from the parts).
        "configuration_set_missing": "554 Transaction failed: {message}",
        "configuration_set_paused": "554 Message rejected: {message}",
        "sending_pool_missing": "554 Transaction failed: {message}",
        # No capture: as the unverified identity is refused after DATA.
        "mail_from_unverified": "554 Message rejected: {message}",
        # Captured (AWS's "554 Access denied" troubleshooting page).
        "not_authorized": "554 Access denied: {message}",
        # As the SMTP interface wraps the API's other errors about the input (the
        # X-SES-LIST-MANAGEMENT-OPTIONS header); no capture of this one is known.
        "contact_list_missing": "554 Transaction failed: {message}",
        "tenant_missing": "554 Transaction failed: {message}",
        "tenant_paused": "554 Message rejected: {message}",
        "endpoint_missing": "554 Transaction failed: {message}",
    }
)


class SmtpWire:
    """How SMTP answers, for the answering step: a reply line is the answer."""

    api = "smtp"

    def refused(self, error: ApiError, request_id: str) -> str:
        return invalid_message(error.message)

    def internal(self, message: str, request_id: str) -> str:
        # What SES answers a local failure with; the traceback fails the test.
        return TEMPORARY_FAILURE

    def outcome(self, reply: str) -> tuple[int, str | None, str | None]:
        code = int(reply[:3])
        if code < 400:
            return code, None, None
        return code, reply[:3], reply[4:]


SMTP_WIRE = SmtpWire()
#: What the ledger calls a message's transaction.
OPERATION = "DATA"


def is_address(address: str | None) -> bool:
    """Whether SES takes ``address`` in MAIL FROM or RCPT TO."""
    if not address:
        return False
    try:
        check_address(address)
    except ApiError:
        return False
    return True


def decide_data(
    account: Account, region: str, source: str, recipients: Sequence[str], raw: bytes
) -> str:
    """Decide one message after the final dot; log it; the reply.

    Runs without an ``await``: the ledger entries collected while answering (per
    thread) are this transaction's alone.
    """

    def run(exchange: Exchange) -> str:
        exchange.operation = OPERATION
        return _deliver(account, region, source, list(recipients), raw)

    return answer(account, SMTP_WIRE, region, run)


def data_refused(
    account: Account, region: str, source: str, recipients: Sequence[str], reply: str
) -> str:
    """Log a DATA transaction that the server ended before it was decided (too large,
    a line too long): a rejected send in the ledger."""

    def run(exchange: Exchange) -> str:
        exchange.operation = OPERATION
        _reject(account, region, source, recipients, reply)
        return reply

    return answer(account, SMTP_WIRE, region, run)


def command_refused(account: Account, region: str, command: str, reply: str) -> str:
    """Log a command refused before DATA (``530``, ``535``, ``553``, ``501``): a request
    of the conversation, with no message in the ledger."""

    def run(exchange: Exchange) -> str:
        exchange.operation = command
        return reply

    return answer(account, SMTP_WIRE, region, run)


def _reject(
    account: Account, region: str, source: str, recipients: Sequence[str], reply: str
) -> None:
    account.reject(
        region=region,
        operation=OPERATION,
        reason="invalid",
        code=reply[:3],
        message=reply[4:],
        source=source,
        recipients=recipients,
        transport="smtp",
    )


def _deliver(account: Account, region: str, source: str, recipients: list[str], raw: bytes) -> str:
    try:
        check_recipients(recipients)
        message = parse_raw(raw)
        # SES's own headers name the configuration set and the tags; SES removes them.
        named = ses_headers(message)
    except ApiError as error:
        # SES's SMTP interface wraps the API's InvalidParameterValue texts.
        reply = invalid_message(error.message)
        _reject(account, region, source, recipients, reply)
        return reply
    to = header_addresses(message, "To")
    cc = header_addresses(message, "Cc")
    shown = {address_of(a) for a in to + cc}
    subject = next(iter(header_values(message, "Subject")), None)
    # SES's SMTP interface reads ListManagementOptions from a header of its own.
    listed = options_from_header(next(iter(header_values(message, OPTIONS_HEADER)), None))
    listed_by: dict[str, Any] = {} if listed is None else {"list_management": listed}
    arns, raw = arn_headers(raw, ARN_HEADERS)  # sending authorization's, removed as SES does
    try:
        sent = account.send(
            region=region,
            operation=OPERATION,
            dialect=SMTP,
            source=source,
            recipients=recipients,
            to=tuple(to),
            cc=tuple(cc),
            bcc=tuple(r for r in recipients if address_of(r) not in shown),
            subject=None if subject is None else str(subject),
            raw=without_headers(raw, CONFIGURATION_SET_HEADER, MESSAGE_TAGS_HEADER)
            if named
            else raw,
            **arns,
            **named,
            **listed_by,
        )
    except SendRefused as refused:
        return SMTP.reply(refused)
    return f"250 Ok {sent.message_id}"
