"""SES's SMTP dialect: its reply texts, and what each refusal of the account becomes.

The SMTP interface answers a refused message after the final dot of DATA, with the
API's texts behind its own prefixes (the AWS guide's "SMTP response codes" and
captured transcripts): ``454 Throttling failure: Maximum sending rate exceeded.``,
``554 Message rejected: Email address is not verified. ...``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..account.ledger import RefusalKind, SendRefused

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
    }
)
