"""An identity as SES keeps it: its verification, its DKIM signing, its custom MAIL FROM
domain and its default configuration set. Plain data; the ``Identities`` part changes it."""

from __future__ import annotations

__all__ = [
    "SIGNING_KEY_LENGTHS",
    "STATUSES",
    "Dkim",
    "Identity",
    "MailFrom",
    "Status",
    "identity_from",
]

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

#: SES v1's words for a verification state (v2 says them upper-case: ``TEMPORARY_FAILURE``).
Status = Literal["Pending", "Success", "Failed", "TemporaryFailure", "NotStarted"]
STATUSES: tuple[Status, ...] = get_args(Status)
SIGNING_KEY_LENGTHS = ("RSA_1024_BIT", "RSA_2048_BIT")


@dataclass
class Dkim:
    """How mail from a domain is DKIM-signed: Easy DKIM (``AWS_SES``, three CNAME tokens),
    Bring Your Own DKIM (``EXTERNAL``, a selector), or a parent's keys in another region
    (``AWS_SES_<REGION>``)."""

    origin: str
    status: Status
    #: Easy DKIM's three tokens, or BYODKIM's selector.
    tokens: list[str]
    #: Whether mail is signed (SetIdentityDkimEnabled, PutEmailIdentityDkimAttributes).
    enabled: bool = True
    #: When SES started looking for the DNS records (72 hours, then ``Failed``).
    started: datetime | None = None
    next_key_length: str | None = None
    current_key_length: str | None = None
    last_key_generation: datetime | None = None
    #: When the Easy DKIM key length was last changed (one change a day).
    key_length_changed: datetime | None = None


@dataclass
class MailFrom:
    """A custom MAIL FROM domain and what SES does while its MX record is not found."""

    domain: str
    #: ``UseDefaultValue`` (send from amazonses.com) or ``RejectMessage``.
    behavior: str
    status: Status
    #: When SES started looking for the MX record (72 hours, then ``Failed``).
    started: datetime | None = None


@dataclass
class Identity:
    name: str
    kind: Literal["EmailAddress", "Domain"]
    status: Status
    token: str | None = None
    #: When verification was asked for: an address's link expires after 24 hours, a
    #: domain's records are looked for during 72 hours.
    started: datetime | None = None
    dkim: Dkim | None = None
    mail_from: MailFrom | None = None
    #: The default configuration set of sends from this identity.
    configuration_set: str | None = None


def identity_from(data: dict[str, Any]) -> Identity:
    """An identity from its state-file form (``dataclasses.asdict``; older files lack the
    newer fields)."""
    data = dict(data)
    if data.get("dkim") is not None:
        data["dkim"] = Dkim(**data["dkim"])
    if data.get("mail_from") is not None:
        data["mail_from"] = MailFrom(**data["mail_from"])
    return Identity(**data)
