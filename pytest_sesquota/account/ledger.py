"""The ledger's records and SES's refusal texts: what was sent, throttled, rejected and asked.

Plain data, shared by the account, the operations, the front doors and the reports.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ID",
    "DAILY_MESSAGE",
    "ENFORCEMENT_STATUSES",
    "MAX_RECIPIENTS",
    "PAUSED_MESSAGE",
    "RATE_MESSAGE",
    "REFUSAL_KINDS",
    "SIMULATOR_DOMAIN",
    "STATS_HORIZON",
    "STATS_PERIOD",
    "SUSPENDED_MESSAGE",
    "TRANSIENT_MESSAGE",
    "Dialect",
    "EnforcementStatus",
    "FaultedSend",
    "Identity",
    "LedgerEntry",
    "Outgoing",
    "ProductionAccessReview",
    "QuotaChange",
    "Refusal",
    "RefusalKind",
    "RejectedSend",
    "ReviewStatus",
    "SendRefused",
    "SentMessage",
    "SesRequest",
    "Template",
    "ThrottledSend",
    "Transport",
    "address_of",
]

import email.utils
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any, Literal, Protocol, get_args

from ..quota.engine import Decision
from . import unsubscribe
from .identity import Identity

#: The fake account's AWS account id, in its ARNs.
ACCOUNT_ID = "123456789012"
#: SES's mailbox simulator: always a valid recipient, even in the sandbox.
SIMULATOR_DOMAIN = "simulator.amazonses.com"
MAX_RECIPIENTS = 50
STATS_PERIOD = 15 * 60.0
STATS_HORIZON = 14 * 86_400.0

RATE_MESSAGE = "Maximum sending rate exceeded."
DAILY_MESSAGE = "Daily message quota exceeded."
#: No capture of real SES text exists; this is the model's own documentation wording.
PAUSED_MESSAGE = "Email sending is disabled for your entire Amazon SES account."
#: What real SES answers (captured, API and SMTP) while AWS has paused the account.
SUSPENDED_MESSAGE = (
    "Sending paused for this account. For more information, please check the inbox of the "
    "email address associated with your AWS account."
)

Transport = Literal["api", "smtp"]
#: What a refusal was, in the account's words; each API's dialect names it in its own
#: (``ses/v1.py``, ``ses/v2.py``, ``wire/smtp.py``): one entry there per kind here.
RefusalKind = Literal[
    # the quotas
    "rate",
    "daily",
    # the account and its identities
    "unverified",
    "paused",
    "suspended",
    "invalid",
    "transient",
    # a configuration set (ConfigurationSetName, or an identity's default set)
    "configuration_set_missing",
    "configuration_set_paused",
    # a configuration set's delivery options name a dedicated IP pool that does not exist
    "sending_pool_missing",
    # the MAIL FROM domain of the sending identity failed verification
    "mail_from_unverified",
    # sending authorization: SourceArn / FromArn / ReturnPathArn / FromEmailAddressIdentityArn
    "not_authorized",
    # ListManagementOptions name a contact list (or topic) that does not exist
    "contact_list_missing",
    # TenantName names a tenant that does not exist, or one whose sending is paused
    "tenant_missing",
    "tenant_paused",
    # EndpointId names a multi-region endpoint that does not exist
    "endpoint_missing",
]
#: Every refusal kind, in the order of ``RefusalKind``.
REFUSAL_KINDS: tuple[RefusalKind, ...] = get_args(RefusalKind)
#: SES's text for its transient server error (``ServiceUnavailable``, HTTP 503): the wording
#: of the Common Errors page of the SES API reference (no capture of a real answer known).
TRANSIENT_MESSAGE = "The request has failed due to a temporary failure of the server."


class Dialect(Protocol):
    """How a front door's API names a refusal: the code its caller receives, which the
    ledger records (``RejectedSend.code``, ``FaultedSend.code``). The account holds no
    table of codes: each API passes its own (``ses.dialect.ApiDialect``, SMTP's)."""

    #: ``"ses"``, ``"sesv2"`` or ``"smtp"``, as ``SesRequest.api`` says.
    api: str

    def code(self, kind: RefusalKind, *, bulk: bool = False) -> str:
        """The code of a refusal of ``kind``; ``bulk``: of one entry of a bulk send."""
        ...


# -- the ledger -------------------------------------------------------------
@dataclass(frozen=True)
class SentMessage:
    """A message the fake accepted."""

    message_id: str
    time: datetime
    region: str
    operation: str
    source: str
    #: Every recipient counted against the quotas (To + Cc + Bcc, or Destinations).
    recipients: tuple[str, ...]
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    #: The raw MIME bytes for raw sends.
    raw: bytes | None = None
    template: str | None = None
    template_data: dict[str, Any] | None = None
    #: SES's rendering-failure text when a template variable was missing.
    rendering_failure: str | None = None
    configuration_set: str | None = None
    transport: Transport = "api"
    #: The message's tags (v1 ``Tags``, v2 ``EmailTags``; a bulk entry's merged with the
    #: call's defaults): name -> value, as events and CloudWatch dimensions carry them.
    tags: Mapping[str, str] = field(default_factory=dict)
    reply_to: tuple[str, ...] = ()
    #: v1 ``ReturnPath``, v2 ``FeedbackForwardingEmailAddress``: where bounces go.
    return_path: str | None = None
    #: Sending authorization: v1 ``SourceArn`` (v2 ``FromEmailAddressIdentityArn``),
    #: ``FromArn``, ``ReturnPathArn`` (v2 ``FeedbackForwardingEmailAddressIdentityArn``).
    source_arn: str | None = None
    from_arn: str | None = None
    return_path_arn: str | None = None
    #: v2 ``TenantName``, ``EndpointId`` (a multi-region endpoint), ``ListManagementOptions``
    #: (``{"ContactListName": ..., "TopicName": ...}``).
    tenant_name: str | None = None
    endpoint_id: str | None = None
    list_management: Mapping[str, str] | None = None
    #: Recipients accepted but kept from delivery for a reason other than the account's
    #: suppression list: recipient -> reason (``"unsubscribed"``, ``"rendering_failure"``,
    #: a configuration set's suppression list, ...), as the parts that decided say.
    undelivered: Mapping[str, str] = field(default_factory=dict)
    #: Recipients on the account's suppression list: accepted and counted, not delivered.
    suppressed: tuple[str, ...] = ()
    #: Recipients whose mail bounced (the mailbox simulator's ``bounce@`` and
    #: ``suppressionlist@``): GetSendStatistics counts them as ``Bounces``.
    bounced: tuple[str, ...] = ()
    #: Recipients who complained (the simulator's ``complaint@``): ``Complaints``.
    complained: tuple[str, ...] = ()

    @property
    def delivered(self) -> tuple[str, ...]:
        """The recipients the message reached: neither suppressed, bounced nor kept from
        delivery (``undelivered``)."""
        missed = {*self.suppressed, *self.bounced, *self.undelivered}
        return tuple(r for r in self.recipients if r not in missed)

    @property
    def unsubscribe_url(self) -> str | None:
        """The one-click unsubscribe link SES puts in a message sent with
        ``ListManagementOptions`` to a single recipient (``None`` otherwise): its
        ``List-Unsubscribe`` header and ``{{amazonSESUnsubscribeUrl}}`` in its bodies."""
        if not self.list_management or len(self.recipients) != 1:
            return None
        return unsubscribe.link(self.region, self.message_id)

    @property
    def message(self) -> EmailMessage:
        """The message as an :class:`email.message.EmailMessage`, as its recipients receive
        it (with the unsubscribe headers and links of a list-managed send)."""
        if self.raw is not None:
            parsed = BytesParser(policy=default_policy).parsebytes(self.raw)
            assert isinstance(parsed, EmailMessage)
            return self._delivered(parsed)
        msg = EmailMessage()
        msg["From"] = self.source
        if self.to:
            msg["To"] = ", ".join(self.to)
        if self.cc:
            msg["Cc"] = ", ".join(self.cc)
        msg["Subject"] = self.subject or ""
        msg["Message-ID"] = f"<{self.message_id}@email.amazonses.com>"
        if self.text is not None:
            msg.set_content(self.text)
        if self.html is not None:
            if self.text is None:
                msg.set_content(self.html, subtype="html")
            else:
                msg.add_alternative(self.html, subtype="html")
        return self._delivered(msg)

    def _delivered(self, msg: EmailMessage) -> EmailMessage:
        if self.list_management:
            unsubscribe.as_delivered(msg, self.unsubscribe_url, from_smtp=self.transport == "smtp")
        return msg


@dataclass(frozen=True)
class ThrottledSend:
    """A send refused by a quota: the message was dropped, as SES drops it."""

    time: datetime
    region: str
    operation: str
    #: ``"rate"`` (MaxSendRate) or ``"daily"`` (Max24HourSend).
    reason: Literal["rate", "daily"]
    source: str
    recipients: tuple[str, ...]
    #: Rate allowance available at that instant (negative: the bucket was in debt).
    available: float
    sent_last_24_hours: int
    max_24_hour_send: float
    max_send_rate: float
    transport: Transport = "api"
    #: What the message said (subject, text, html, raw, template...), as a send was given
    #: it: how ``dropped`` and the retry count know a message sent again.
    content: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def message(self) -> str:
        return RATE_MESSAGE if self.reason == "rate" else DAILY_MESSAGE

    @property
    def subject(self) -> str | None:
        subject = self.content.get("subject")
        return None if subject is None else str(subject)


@dataclass(frozen=True)
class RejectedSend:
    """A send refused for anything but a quota (unverified identity, paused, bad input)."""

    time: datetime
    region: str
    operation: str
    #: ``"unverified"``, ``"paused"`` (sending disabled), ``"suspended"`` (AWS paused the
    #: account: enforcement status ``SHUTDOWN``) or ``"invalid"`` (SES refused the input).
    reason: RefusalKind
    #: The error code the caller received (``MessageRejected``, ``554``, ...).
    code: str
    message: str
    source: str
    recipients: tuple[str, ...]
    transport: Transport = "api"


@dataclass(frozen=True)
class FaultedSend:
    """A send that met a seeded transient fault (``transient_failures``): SES's 5xx
    error, SMTP's ``454 Temporary service failure``, a bulk entry's ``TransientFailure``.
    Nothing was sent and nothing counted against the quotas."""

    time: datetime
    region: str
    operation: str
    #: The error code the caller received (``ServiceUnavailable``, ``454``, ...).
    code: str
    message: str
    source: str
    recipients: tuple[str, ...]
    transport: Transport = "api"
    content: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def subject(self) -> str | None:
        subject = self.content.get("subject")
        return None if subject is None else str(subject)


@dataclass(frozen=True)
class Outgoing:
    """A message as the account's parts see it before the quotas decide it (see
    :meth:`account.part.Part.check_send`): what the caller asked, nothing decided yet."""

    region: str
    operation: str
    source: str
    recipients: tuple[str, ...]
    #: What the accepted message will carry (``SentMessage``'s fields): subject and bodies,
    #: ``configuration_set``, ``tags``, ``tenant_name``, ``list_management``, ``source_arn``...
    content: Mapping[str, Any]
    transport: Transport = "api"

    @property
    def configuration_set(self) -> str | None:
        value = self.content.get("configuration_set")
        return None if value is None else str(value)


#: One entry of the ledger: what became of one message.
LedgerEntry = SentMessage | ThrottledSend | RejectedSend | FaultedSend
#: A send refused by a quota or a transient fault: the message is lost unless sent again.
Refusal = ThrottledSend | FaultedSend


@dataclass(frozen=True)
class QuotaChange:
    """A region's quotas as first set up, or as changed by the test (``set_quota``,
    ``move_out_of_sandbox``): what the quota timeline picture draws its limits from."""

    time: datetime
    region: str
    max_24_hour_send: float
    max_send_rate: float
    #: The rolling usage was replaced by this many recipients sent at ``time``
    #: (``None``: the usage carried over).
    sent_last_24_hours: int | None


@dataclass(frozen=True)
class SesRequest:
    """One request as the fake saw it: every attempt, retries included."""

    time: datetime
    region: str
    #: ``"ses"`` (v1 API), ``"sesv2"`` or ``"smtp"``.
    api: str
    operation: str
    #: HTTP status (or SMTP reply code) of the answer.
    status: int
    error_code: str | None = None
    error_message: str | None = None
    #: What the request decided, in order: a message sent, throttled or rejected
    #: each (several for a bulk send, none for a read such as GetSendQuota).
    outcomes: tuple[LedgerEntry, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def message_ids(self) -> tuple[str, ...]:
        """Ids of the messages this request had accepted."""
        return tuple(o.message_id for o in self.outcomes if isinstance(o, SentMessage))


class SendRefused(Exception):
    """Why a send was refused; front doors turn it into their wire error."""

    def __init__(
        self,
        kind: RefusalKind,
        message: str,
        *,
        failed: Sequence[str] = (),
        decision: Decision | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.failed = tuple(failed)
        self.decision = decision


# -- per-region state ---------------------------------------------------------
@dataclass
class Template:
    name: str
    subject: str | None
    text: str | None
    html: str | None
    created: datetime


ReviewStatus = Literal["PENDING", "FAILED", "GRANTED", "DENIED"]
EnforcementStatus = Literal["HEALTHY", "PROBATION", "SHUTDOWN"]
ENFORCEMENT_STATUSES: tuple[EnforcementStatus, ...] = ("HEALTHY", "PROBATION", "SHUTDOWN")


@dataclass
class ProductionAccessReview:
    """A request to leave the sandbox (PutAccountDetails), as GetAccount reports it."""

    case_id: str
    status: ReviewStatus
    #: Virtual time the request was made (or the answer given without one).
    opened: datetime


def address_of(text: str) -> str:
    """The bare address of ``"Name <a@b>"`` or ``"a@b"``, lower-cased for comparison."""
    bare = text.strip()
    if not _NEEDS_PARSING.search(bare):  # a bare address: parseaddr's answer, ~50x faster
        return bare.lower()
    return email.utils.parseaddr(text)[1].lower() or bare.lower()


#: What makes an address more than a bare one for RFC 5322's parser: a display name, a
#: comment, quoting, a group or a list.
_NEEDS_PARSING = re.compile(r'[\s<>()",;:\\\[\]]')
