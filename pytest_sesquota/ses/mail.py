"""Message rules every front door shares: addresses, recipients, sizes, raw MIME, templates.

Errors are raised as :class:`ApiError` in SES v1's vocabulary (``InvalidParameterValue``,
``TemplateDoesNotExist``, ...), the lingua franca of the fake; each API maps them to its
own codes at its boundary (SES v2 answers ``BadRequestException``, ``NotFoundException``).
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ID",
    "CONFIGURATION_SET_HEADER",
    "FEEDBACK_TAGS",
    "MAX_MESSAGE_BYTES",
    "MAX_MESSAGE_BYTES_SMTP",
    "MAX_MESSAGE_BYTES_V2",
    "MAX_NAME",
    "MAX_TAG_TEXT",
    "MESSAGE_TAGS_HEADER",
    "ApiError",
    "addressed",
    "bad_request",
    "check_address",
    "check_configuration_set_name",
    "check_name",
    "check_recipients",
    "check_size",
    "header_addresses",
    "header_values",
    "invalid",
    "message_tags",
    "parse_raw",
    "raw_addressing",
    "ses_headers",
    "template_data",
    "without_headers",
]

import email.utils
import json
import re
from collections.abc import Mapping, Sequence
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.policy import default as default_policy
from typing import Any

from ..account.ledger import ACCOUNT_ID, MAX_RECIPIENTS, address_of
from .arn_headers import ARN_HEADERS, arn_headers

#: Through the v1 API (captured text); SES v2 and SMTP take 40 MB (the AWS quotas page).
MAX_MESSAGE_BYTES = 10_485_760
MAX_MESSAGE_BYTES_V2 = 41_943_040
MAX_MESSAGE_BYTES_SMTP = MAX_MESSAGE_BYTES_V2


class ApiError(Exception):
    """An SES error answer: code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValue", message)


def bad_request(message: str) -> ApiError:
    """SES v2's refusal of a parameter (v1 says ``InvalidParameterValue``)."""
    return ApiError("BadRequestException", message)


# -- addresses and recipients ---------------------------------------------------
#: A bare ``local@domain`` with nothing to parse: most addresses, checked fast.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def check_address(text: str) -> None:
    """Refuse an address as SES does (JavaMail's wording, no final period)."""
    if _PLAIN_ADDRESS.fullmatch(text):
        return
    addr = email.utils.parseaddr(text)[1] or text.strip()
    if not addr:
        raise invalid("Illegal address")
    local, at, domain = addr.rpartition("@")
    if not at:
        raise invalid("Missing final '@domain'")
    if not domain:
        raise invalid("Missing domain")
    if not local:
        raise invalid("Illegal address")
    if any(c.isspace() or ord(c) < 32 for c in local):
        raise invalid("Local address contains control or whitespace")
    if any(c.isspace() or ord(c) < 32 for c in domain):
        raise invalid("Domain contains control or whitespace")


def addressed(destination: Mapping[str, Any] | None) -> tuple[list[str], dict[str, Any]]:
    """Every recipient of a Destination, and its To/Cc/Bcc as ledger fields."""
    d = destination or {}
    to, cc, bcc = (list(d.get(k, [])) for k in ("ToAddresses", "CcAddresses", "BccAddresses"))
    return to + cc + bcc, {"to": tuple(to), "cc": tuple(cc), "bcc": tuple(bcc)}


def check_recipients(recipients: Sequence[str]) -> None:
    if not recipients:
        raise invalid("Missing required header 'To'.")
    if len(recipients) > MAX_RECIPIENTS:
        raise invalid(f"Recipient count exceeds {MAX_RECIPIENTS}.")
    for recipient in recipients:
        check_address(recipient)


def check_size(size: int, limit: int = MAX_MESSAGE_BYTES) -> None:
    if size > limit:
        raise invalid(f"Message length is more than {limit} bytes long: '{size}'.")


# -- names and message tags ------------------------------------------------------
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_TAG_VALUE = re.compile(r"[A-Za-z0-9_.@-]+")
#: Message tags SES reads with a name outside the rule (the SES guide, "fine-grained
#: feedback": the values of the Feedback-ID header).
FEEDBACK_TAGS = frozenset({"ses:feedback-id-a", "ses:feedback-id-b"})
#: The longest tag name or value (captured: "Tag name cannot exceed 255 characters.").
MAX_TAG_TEXT = 255
#: The longest configuration set or event destination name (the SES quotas page).
MAX_NAME = 64


def check_name(kind: str, name: str, *, code: str = "InvalidParameterValue") -> None:
    """Refuse a configuration set's or an event destination's name (``kind``: "configuration
    set", "event destination") as SES does: given, at most 64 characters, and only letters,
    digits, ``_`` and ``-``."""
    if not name:
        raise ApiError(code, f"The {kind} name must be specified.")
    if len(name) > MAX_NAME:
        raise ApiError(code, f"{kind.capitalize()} name cannot exceed {MAX_NAME} characters.")
    if not _NAME.fullmatch(name):
        raise ApiError(
            code,
            f"Invalid {kind} name <{name}>: only alphanumeric ASCII characters, '_', and '-' "
            "are allowed.",
        )


def check_configuration_set_name(name: str) -> None:
    """The configuration set a send names (``ConfigurationSetName``, or the
    ``X-SES-CONFIGURATION-SET`` header)."""
    check_name("configuration set", name)


def message_tags(given: Sequence[tuple[str, str]]) -> dict[str, str]:
    """A message's tags (name, value) as name -> value, checked as SES checks them
    (captured texts: the name first, then the value; the spacing is SES's own)."""
    tags: dict[str, str] = {}
    for name, value in given:
        if not name:
            raise invalid("The tag name must be specified.")
        if len(name) > MAX_TAG_TEXT:
            raise invalid(f"Tag name cannot exceed {MAX_TAG_TEXT} characters.")
        if not _NAME.fullmatch(name) and name not in FEEDBACK_TAGS:
            raise invalid(
                f"Invalid tag name <{name}>: only alphanumeric ASCII characters, '_',  '-' "
                "are allowed."
            )
        if not value:
            raise invalid("The tag value must be specified.")
        if len(value) > MAX_TAG_TEXT:
            raise invalid(f"Tag value cannot exceed {MAX_TAG_TEXT} characters.")
        if not _TAG_VALUE.fullmatch(value):
            raise invalid(
                f"Invalid tag value <{value}>: only alphanumeric ASCII characters, '_',  '-' , "
                "'.', '@' are allowed."
            )
        tags[name] = value
    return tags


# -- raw MIME -------------------------------------------------------------------
def parse_raw(data: bytes) -> Message:
    """A raw message's headers (the body is not needed to decide a send: the ledger
    keeps the bytes, and ``SentMessage.message`` parses them all when asked).

    Parsed with the light ``compat32`` policy; :func:`header_values` decodes just the
    headers that are read, with the modern one."""
    try:
        message = BytesParser(policy=compat32).parsebytes(data, headersonly=True)
    except Exception:  # the email package raises many kinds on garbage
        raise invalid("Illegal content.") from None
    for key in message.keys():
        if not key.strip():
            raise invalid("Empty header names are illegal.")
    return message


def header_values(message: Message, name: str) -> list[str]:
    """Every value of a header, decoded, or as sent where the email package cannot
    parse it (some malformed addresses make it raise, e.g. ``From: a@``): the
    address checks then refuse them with SES's own texts."""
    values: list[str] = []
    for key, raw in message.raw_items():
        if key.lower() == name.lower():
            text = str(raw)
            if text.isascii() and "=?" not in text:
                # Nothing to decode: unfold it (line breaks out, the space after them kept).
                values.append(text.replace("\r", "").replace("\n", "").strip())
                continue
            try:
                values.append(str(default_policy.header_fetch_parse(key, raw)))
            except Exception:
                values.append(" ".join(text.split()))
    return values


def header_addresses(message: Message, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        values += header_values(message, name)
    return [_with_name(n, a) if n else a for n, a in email.utils.getaddresses(values) if a]


#: SES's own headers of a raw message (the SES guide, "Using Amazon SES-specific email
#: headers"): read for event publishing, removed before the message is sent.
CONFIGURATION_SET_HEADER = "X-SES-CONFIGURATION-SET"
MESSAGE_TAGS_HEADER = "X-SES-MESSAGE-TAGS"


def ses_headers(message: Message) -> dict[str, Any]:
    """The configuration set and message tags a raw message names in SES's headers
    (``X-SES-MESSAGE-TAGS: name1=value1, name2=value2``), as ``SentMessage`` fields."""
    found: dict[str, Any] = {}
    names = header_values(message, CONFIGURATION_SET_HEADER)
    if names:
        check_configuration_set_name(names[0])
        found["configuration_set"] = names[0]
    pairs = [
        (name.strip(), value.strip())
        for text in header_values(message, MESSAGE_TAGS_HEADER)
        for item in text.split(",")
        if item.strip()
        for name, _, value in [item.partition("=")]
    ]
    if pairs:
        found["tags"] = message_tags(pairs)
    return found


def without_headers(raw: bytes, *names: str) -> bytes:
    """``raw`` without the headers ``names`` (and their folded lines): SES removes its
    own headers before sending. The body and the other headers are kept byte for byte."""
    # The header block ends with the line before the first blank line.
    ends = [i + len(sep) // 2 for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) != -1]
    end = min(ends, default=len(raw))
    wanted = {name.lower().encode() for name in names}
    kept: list[bytes] = []
    dropping = False
    for line in raw[:end].splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):  # a folded line goes with its header
            if not dropping:
                kept.append(line)
            continue
        dropping = line.partition(b":")[0].strip().lower() in wanted
        if not dropping:
            kept.append(line)
    return b"".join(kept) + raw[end:]


def _with_name(name: str, address: str) -> str:
    try:
        return email.utils.formataddr((name, address))
    except UnicodeError:  # Python 3.10's formataddr refuses a non-ASCII address
        return f"{name} <{address}>"


def raw_addressing(
    data: bytes, source: str | None, destinations: Sequence[str], *, limit: int
) -> tuple[str, list[str], dict[str, Any]]:
    """Sender, recipients and ledger fields of a raw message, as SES reads them.

    ``source`` and ``destinations`` win over the From and To/Cc/Bcc headers.
    """
    check_size(len(data), limit)
    message = parse_raw(data)
    if not source:
        senders = header_addresses(message, "From")
        if not senders:
            raise invalid("Missing required header 'From'.")
        source = senders[0]
    check_address(source)
    recipients = list(destinations)
    if not recipients:
        if not any(k.lower() in ("to", "cc", "bcc") for k in message.keys()):
            raise invalid("Missing required header 'To'.")
        recipients = header_addresses(message, "To", "Cc", "Bcc")
        if not recipients:
            raise invalid("Empty required header 'To'.")
    check_recipients(recipients)
    arns, data = arn_headers(data, ARN_HEADERS)
    to = header_addresses(message, "To")
    cc = header_addresses(message, "Cc")
    # Whoever is not in a visible header was a Bcc (compared bare: "Ann <a@x>" is a@x).
    shown = {address_of(a) for a in to + cc}
    named = ses_headers(message)
    if named:
        data = without_headers(data, CONFIGURATION_SET_HEADER, MESSAGE_TAGS_HEADER)
    return (
        source,
        recipients,
        {
            "to": tuple(to),
            "cc": tuple(cc),
            "bcc": tuple(a for a in recipients if address_of(a) not in shown),
            "subject": next(iter(header_values(message, "Subject")), None),
            "raw": data,
            **arns,
            **named,
        },
    )


# -- templates ------------------------------------------------------------------
def template_data(text: str | None) -> dict[str, Any]:
    if text is None or text == "":
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to read
        raise invalid("The template data is invalid") from None
    if not isinstance(data, dict):
        raise invalid("The template data is invalid")
    return data
