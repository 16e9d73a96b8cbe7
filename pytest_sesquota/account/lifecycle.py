"""What SES publishes about an accepted message, and when: a Send at once, then, per
recipient, a Delivery, a Bounce, a Complaint, a DeliveryDelay... at the virtual times
they happen (the delays below, docs/choices.md), each with SES's own object for it.

Read from the ledger's record of the message (its suppressed recipients, its rendering
failure, what other parts kept from delivery) and the recipients' mailboxes
(``account/mailboxes.py``: SES's simulator, and what the test said).
"""

from __future__ import annotations

__all__ = [
    "AUTO_REPLY_AFTER",
    "COMPLAINT_AFTER",
    "DELAY_NOTICE_AFTER",
    "FEEDBACK_LOOP_USER_AGENT",
    "READER_IP",
    "SIMULATOR_USER_AGENT",
    "click_event",
    "feedback_id",
    "message_events",
    "open_event",
    "reporting_mta",
    "sending_identity",
]

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from .event_records import (
    DELIVERY_AFTER,
    VIRUS,
    EventOrigin,
    EventType,
    SesEvent,
    iso,
)
from .identities import Identities
from .ledger import SentMessage, address_of
from .mailboxes import MAX_DELIVERY, Mailbox

#: An automatic answer, and a complaint, come a second after the delivery (the
#: simulator's, captured, within about a second).
AUTO_REPLY_AFTER = DELIVERY_AFTER + timedelta(seconds=1)
COMPLAINT_AFTER = DELIVERY_AFTER + timedelta(seconds=1)
#: The first failed attempt of a delayed message.
DELAY_NOTICE_AFTER = DELIVERY_AFTER
_EMPTY: Mapping[str, Any] = MappingProxyType({})

#: The delivery status of each bounce the recipient's side gives (DSN status, SMTP reply):
#: the simulator's ``bounce@`` is captured; the others are the status codes of RFC 3463.
_DSN: dict[str, tuple[str, str]] = {
    "General": ("5.1.1", "smtp; 550 5.1.1 user unknown"),
    "NoEmail": ("5.1.1", "smtp; 550 5.1.1 user unknown"),
    "MailboxFull": ("5.2.2", "smtp; 552 5.2.2 Mailbox full"),
    "MessageTooLarge": ("5.3.4", "smtp; 552 5.3.4 Message size exceeds fixed maximum message size"),
    "ContentRejected": ("5.7.1", "smtp; 550 5.7.1 Message rejected due to content"),
    "AttachmentRejected": ("5.7.1", "smtp; 550 5.7.1 Message rejected due to attachment"),
}
_TRANSIENT_DSN: dict[str, tuple[str, str]] = {
    "General": ("4.0.0", "smtp; 451 4.0.0 Temporary failure"),
    "MailboxFull": ("4.2.2", "smtp; 452 4.2.2 Mailbox full"),
}
#: SES's own bounces for suppressed addresses (captured, with their trailing texts).
_GLOBAL_SUPPRESSION = (
    "Amazon SES has suppressed sending to this address because it has a recent history of "
    "bouncing as an invalid address. For more information about how to remove an address "
    "from the suppression list, see the Amazon SES Developer Guide: "
    "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html "
)
_ACCOUNT_SUPPRESSION = (
    "Amazon SES did not send the message to this address because it is on the suppression "
    "list for your account. For more information about removing addresses from the "
    "suppression list, see the Amazon SES Developer Guide at "
    "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html"
)
SIMULATOR_USER_AGENT = "Amazon SES Mailbox Simulator"
#: A reader's complaint that is not the simulator's: the feedback loop's name is a choice.
FEEDBACK_LOOP_USER_AGENT = "pytest-sesquota Feedback Loop (V0.01)"
#: The address a recipient's click or open comes from, and its client (choices: SES
#: reports the reader's).
READER_IP = "192.0.2.1"


def feedback_id(moment: datetime) -> str:
    """An id shaped like SES's feedback ids (its message ids' shape)."""
    return f"0100{int(moment.timestamp() * 1000):012x}-{uuid.uuid4()}-000000"


def reporting_mta(region: str) -> str:
    """The SES mail server that reported a delivery (the region's, as captured)."""
    if region == "us-east-1":
        return "a8-70.smtp-out.amazonses.com"
    return f"a8-70.smtp-out.{region}.amazonses.com"


def sending_identity(message: SentMessage, identities: Identities) -> str:
    """The identity a message was sent as: the sending authorization's, else its address
    if that is an identity, else its domain."""
    if message.source_arn:
        return message.source_arn.rpartition("identity/")[2] or message.source_arn
    bare = address_of(message.source)
    if identities.identity(bare, message.region) is not None:
        return bare
    domain = bare.rpartition("@")[2]
    return domain if identities.identity(domain, message.region) is not None else bare


def message_events(
    message: SentMessage,
    mailbox_of: Callable[[str], Mailbox | None],
    identity: str | None = None,
) -> list[SesEvent]:
    """Every event SES publishes about an accepted message, in the order they happen;
    ``mailbox_of(recipient)``: what the recipient's mailbox does (``None``: it takes it)."""
    made = _Made(message, identity)
    made.add("Send", timedelta(), message.recipients, _EMPTY, "ses")
    if message.rendering_failure is not None:
        failure = {"errorMessage": message.rendering_failure, "templateName": message.template}
        made.add("Rendering Failure", timedelta(), message.recipients, failure, "ses")
        return made.events
    kept = message.undelivered
    if kept and len(kept) == len(message.recipients) and set(kept.values()) == {VIRUS}:
        made.add("Reject", timedelta(), message.recipients, {"reason": "Bad content"}, "ses")
        return made.events
    if message.suppressed:
        made.bounce(
            timedelta(),
            "Permanent",
            "OnAccountSuppressionList",
            message.suppressed,
            "suppression_list",
            _ACCOUNT_SUPPRESSION,
        )
    skipped = {*message.suppressed, *kept}
    bounces: dict[tuple[Any, ...], list[str]] = {}
    for recipient in message.recipients:
        if recipient in skipped:
            continue
        box = mailbox_of(recipient)
        origin: EventOrigin = "recipient" if box is None else box.origin
        outcome = "delivery" if box is None else box.outcome
        if outcome in ("delivery", "ooto", "complaint"):
            made.add("Delivery", DELIVERY_AFTER, [recipient], made.delivery(recipient), origin)
        if box is None or outcome == "delivery":
            continue
        if outcome == "bounce":
            # The global list's bounce is SES's own, at once; a mail server's comes later.
            after = timedelta() if box.bounce_sub_type == "Suppressed" else DELIVERY_AFTER
            key = (after, box.bounce_type, box.bounce_sub_type, origin)
            bounces.setdefault(key, []).append(recipient)
        elif outcome == "ooto":
            # An automatic answer: a bounce notification no rate counts (the SES guide).
            at = made.t + AUTO_REPLY_AFTER
            detail = {
                "feedbackId": feedback_id(at),
                "bounceType": "Transient",
                "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": recipient}],
                "timestamp": iso(at),
            }
            made.add("Bounce", AUTO_REPLY_AFTER, [recipient], detail, origin)
        elif outcome == "complaint":
            at = made.t + COMPLAINT_AFTER
            detail = _complaint(at, recipient, simulator=origin == "simulator")
            made.add("Complaint", COMPLAINT_AFTER, [recipient], detail, origin)
        else:
            made.delayed(recipient, box)
    # The simulator's bounces of one send come as one (the SES guide); so do a server's.
    for (after, kind, sub, origin), recipients in bounces.items():
        text = _GLOBAL_SUPPRESSION if sub == "Suppressed" else None
        made.bounce(after, kind, sub, recipients, origin, text)
    made.events.sort(key=lambda e: e.time)
    return made.events


class _Made:
    """One message's events as they are made."""

    def __init__(self, message: SentMessage, identity: str | None) -> None:
        self.message = message
        self.t = message.time
        self.identity = identity
        self.mta = reporting_mta(message.region)
        self.events: list[SesEvent] = []

    def add(
        self,
        kind: EventType,
        after: timedelta,
        recipients: Sequence[str],
        detail: Mapping[str, Any],
        origin: EventOrigin,
    ) -> None:
        m = self.message
        self.events.append(
            SesEvent(
                kind,
                self.t + after,
                m.region,
                m.message_id,
                m.configuration_set,
                tuple(recipients),
                detail,
                origin,
                m,
                self.identity,
            )
        )

    def delivery(self, recipient: str, after: timedelta = DELIVERY_AFTER) -> dict[str, Any]:
        return {
            "timestamp": iso(self.t + after),
            "processingTimeMillis": int(after.total_seconds() * 1000),
            "recipients": [recipient],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": self.mta,
            "remoteMtaIp": "127.0.2.0",
        }

    def bounce(
        self,
        after: timedelta,
        kind: str,
        sub: str,
        recipients: Sequence[str],
        origin: EventOrigin,
        text: str | None = None,
    ) -> None:
        at = self.t + after
        bounced = []
        for recipient in recipients:
            if kind == "Undetermined":
                continue  # SES could not tell whose: no recipient (captured)
            if text is not None:
                status, diagnostic = "5.1.1", text
            else:
                table = _TRANSIENT_DSN if kind == "Transient" else _DSN
                status, diagnostic = table.get(sub) or _DSN.get(sub) or table["General"]
            bounced.append(
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": status,
                    "diagnosticCode": diagnostic,
                }
            )
        detail = {
            "feedbackId": feedback_id(at),
            "bounceType": kind,
            "bounceSubType": sub,
            "bouncedRecipients": bounced,
            "timestamp": iso(at),
            "reportingMTA": "dns; amazonses.com" if text is not None else "dns; " + self.mta,
        }
        self.add("Bounce", after, recipients, detail, origin)

    def delayed(self, recipient: str, box: Mailbox) -> None:
        """A DeliveryDelay at the first failed attempt; then the delivery, or, when SES
        stops trying, a soft bounce."""
        notice = {
            "timestamp": iso(self.t + DELAY_NOTICE_AFTER),
            "delayType": "TransientCommunicationFailure",
            "expirationTime": iso(self.t + MAX_DELIVERY),
            "delayedRecipients": [
                {
                    "emailAddress": recipient,
                    "status": "4.4.1",
                    "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host",
                }
            ],
            "reportingMTA": self.mta,
        }
        self.add("DeliveryDelay", DELAY_NOTICE_AFTER, [recipient], notice, box.origin)
        if box.bounces:
            self.bounce(MAX_DELIVERY, "Transient", "General", [recipient], box.origin)
        else:
            self.add(
                "Delivery", box.delay, [recipient], self.delivery(recipient, box.delay), box.origin
            )


def _complaint(at: datetime, recipient: str, *, simulator: bool) -> dict[str, Any]:
    return {
        "feedbackId": feedback_id(at),
        "complaintSubType": None,
        "complainedRecipients": [{"emailAddress": recipient}],
        "timestamp": iso(at),
        "userAgent": SIMULATOR_USER_AGENT if simulator else FEEDBACK_LOOP_USER_AGENT,
        "complaintFeedbackType": "abuse",
        "arrivalDate": iso(at),
    }


def open_event(message: SentMessage, recipient: str, at: datetime, user_agent: str) -> SesEvent:
    """A recipient opened the message (its tracking pixel loaded)."""
    detail = {"ipAddress": READER_IP, "timestamp": iso(at), "userAgent": user_agent}
    return SesEvent(
        "Open",
        at,
        message.region,
        message.message_id,
        message.configuration_set,
        (recipient,),
        detail,
        "recipient",
        message,
    )


def click_event(
    message: SentMessage,
    recipient: str,
    at: datetime,
    link: str,
    link_tags: Mapping[str, list[str]],
    user_agent: str,
) -> SesEvent:
    """A recipient clicked a link of the message (SES's tracked redirect)."""
    detail = {
        "ipAddress": READER_IP,
        "link": link,
        "linkTags": dict(link_tags),
        "timestamp": iso(at),
        "userAgent": user_agent,
    }
    return SesEvent(
        "Click",
        at,
        message.region,
        message.message_id,
        message.configuration_set,
        (recipient,),
        detail,
        "recipient",
        message,
    )
