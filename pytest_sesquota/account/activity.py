"""What happened to each recipient of each accepted message, as SES's metrics count it:
sends, deliveries, bounces by type, complaints, opens and clicks, at the virtual times
they happened.

Read from the message's events when the account produced any (``account/events.py``);
derived from the ledger's record of the message otherwise (its ``suppressed``,
``bounced``, ``complained`` and ``undelivered`` recipients), so that the metrics hold
with or without event publishing.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_ISPS",
    "ISP_NAMES",
    "ON_SUPPRESSION_LIST",
    "Happening",
    "HappeningKind",
    "click_tracked",
    "excluded_from_vdm",
    "happenings",
    "identity_names",
    "isp_of",
    "on_suppression_list",
    "open_tracked",
]

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .events import SesEvent
from .ledger import SentMessage, address_of
from .recipients import is_simulator, simulator_scenario

#: What happened to one recipient, in the names of SES v2's metrics and insights.
HappeningKind = Literal[
    "SEND",
    "DELIVERY",
    "PERMANENT_BOUNCE",
    "TRANSIENT_BOUNCE",
    "UNDETERMINED_BOUNCE",
    "COMPLAINT",
    "OPEN",
    "CLICK",
    "REJECT",
    "RENDERING_FAILURE",
    "DELIVERY_DELAY",
    "SUBSCRIPTION",
]

#: SES's sub-type of a bounce (and of a complaint) for a recipient on the account's
#: suppression list: accepted, never attempted, and counted in no rate.
ON_SUPPRESSION_LIST = "OnAccountSuppressionList"


@dataclass(frozen=True)
class Happening:
    """One thing that happened to one recipient of one message."""

    time: datetime
    kind: HappeningKind
    recipient: str
    #: A bounce's ``bounceSubType``, a complaint's ``complaintSubType``.
    sub_type: str | None = None
    #: What GetMessageInsights shows beside it: ``DiagnosticCode``,
    #: ``ComplaintFeedbackType``.
    detail: Mapping[str, str] = field(default_factory=dict)


# -- the recipient's ISP ---------------------------------------------------------------
#: Mailbox providers by the domains they host: the ``ISP`` dimension of SES's metrics.
_ISP_DOMAINS = {
    "Gmail": ("gmail.com", "googlemail.com"),
    "Yahoo": ("yahoo.com", "ymail.com", "rocketmail.com"),
    "Hotmail": ("hotmail.com", "outlook.com", "live.com", "msn.com"),
    "AOL": ("aol.com", "aim.com"),
    "iCloud": ("icloud.com", "me.com", "mac.com"),
    "Comcast": ("comcast.net",),
}
#: Country domains of the providers that have them (``yahoo.co.uk``, ``hotmail.fr``).
_ISP_PREFIXES = {
    "yahoo.": "Yahoo",
    "hotmail.": "Hotmail",
    "outlook.": "Hotmail",
    "live.": "Hotmail",
}
_BY_DOMAIN = {domain: isp for isp, domains in _ISP_DOMAINS.items() for domain in domains}
#: Every ISP name the fake gives, ``Other`` last (any other domain).
ISP_NAMES: tuple[str, ...] = (*_ISP_DOMAINS, "Other")
#: The providers a deliverability test reports on, in its ``IspPlacements``.
DEFAULT_ISPS: tuple[str, ...] = ("Gmail", "Hotmail", "Yahoo", "AOL", "iCloud")


def isp_of(address: str) -> str:
    """The mailbox provider of an address (``Gmail`` for ``a@gmail.com``), ``Other``
    for a domain the fake does not know."""
    domain = address_of(address).rpartition("@")[2]
    isp = _BY_DOMAIN.get(domain)
    if isp is not None:
        return isp
    for prefix, name in _ISP_PREFIXES.items():
        if domain.startswith(prefix):
            return name
    return "Other"


def identity_names(source: str) -> tuple[str, str]:
    """The identities a message was sent from: its address and its domain (the
    ``EMAIL_IDENTITY`` dimension matches either), lower-cased."""
    bare = address_of(source)
    return bare, bare.rpartition("@")[2]


# -- engagement tracking ------------------------------------------------------------------
def open_tracked(message: SentMessage) -> bool:
    """Whether SES would put an open pixel in the message: it has an HTML part."""
    if message.html is not None:
        return True
    return message.raw is not None and b"text/html" in message.raw.lower()


def click_tracked(message: SentMessage) -> bool:
    """Whether SES would wrap links: an HTML part with a link in it."""
    if message.html is not None:
        return "href" in message.html.lower()
    return (
        message.raw is not None
        and b"text/html" in message.raw.lower()
        and (b"href" in message.raw.lower())
    )


def on_suppression_list(happening: Happening) -> bool:
    return happening.sub_type == ON_SUPPRESSION_LIST


# -- what happened -------------------------------------------------------------------------
def happenings(message: SentMessage, events: Iterable[SesEvent] = ()) -> list[Happening]:
    """What happened to the message's recipients, oldest first: from its events when
    there are any, from the ledger's record otherwise. Its sends are always the record's
    (every recipient of an accepted message, at the moment it was accepted)."""
    events = list(events)
    if not events:
        found = _from_record(message)
    else:
        found = [Happening(message.time, "SEND", r) for r in message.recipients]
        found += _from_events(message, [e for e in events if e.event_type != "Send"])
    found.sort(key=lambda h: h.time)
    return found


_EVENT_KINDS: dict[str, HappeningKind] = {
    "Delivery": "DELIVERY",
    "Complaint": "COMPLAINT",
    "Open": "OPEN",
    "Click": "CLICK",
    "Reject": "REJECT",
    "Rendering Failure": "RENDERING_FAILURE",
    "DeliveryDelay": "DELIVERY_DELAY",
    "Subscription": "SUBSCRIPTION",
}
_BOUNCE_KINDS: dict[str, HappeningKind] = {
    "Permanent": "PERMANENT_BOUNCE",
    "Transient": "TRANSIENT_BOUNCE",
    "Undetermined": "UNDETERMINED_BOUNCE",
}


def _from_events(message: SentMessage, events: list[SesEvent]) -> list[Happening]:
    found: list[Happening] = []
    for event in events:
        detail = event.detail
        recipients = event.recipients or message.recipients
        if event.event_type == "Bounce":
            kind = _BOUNCE_KINDS.get(str(detail.get("bounceType")), "UNDETERMINED_BOUNCE")
            sub_type = _text(detail.get("bounceSubType"))
            codes = _diagnostic_codes(detail.get("bouncedRecipients"))
            for recipient in recipients:
                code = codes.get(address_of(recipient))
                extra = {"DiagnosticCode": code} if code else {}
                found.append(Happening(event.time, kind, recipient, sub_type, extra))
            continue
        kind = _EVENT_KINDS[event.event_type]
        sub_type, extra = None, {}
        if event.event_type == "Complaint":
            sub_type = _text(detail.get("complaintSubType"))
            feedback = _text(detail.get("complaintFeedbackType"))
            extra = {"ComplaintFeedbackType": feedback} if feedback else {}
        for recipient in recipients:
            found.append(Happening(event.time, kind, recipient, sub_type, extra))
    return found


def _from_record(message: SentMessage) -> list[Happening]:
    """The events SES would have published, as the ledger's record tells them: every
    recipient sent at the moment of the send, and what became of each at that moment."""
    at = message.time
    found = [Happening(at, "SEND", r) for r in message.recipients]
    suppressed = set(message.suppressed)
    for recipient in message.suppressed:
        found.append(Happening(at, "PERMANENT_BOUNCE", recipient, ON_SUPPRESSION_LIST))
    for recipient in message.bounced:
        if recipient in suppressed:
            continue
        scenario = simulator_scenario(recipient)
        sub_type = "Suppressed" if scenario == "suppressionlist" else "General"
        found.append(Happening(at, "PERMANENT_BOUNCE", recipient, sub_type))
    for recipient, reason in message.undelivered.items():
        if reason == "rendering_failure" and recipient not in suppressed:
            found.append(Happening(at, "RENDERING_FAILURE", recipient))
    for recipient in message.delivered:
        found.append(Happening(at, "DELIVERY", recipient))
    for recipient in message.complained:
        found.append(
            Happening(at, "COMPLAINT", recipient, None, {"ComplaintFeedbackType": "abuse"})
        )
    return found


def excluded_from_vdm(message: SentMessage) -> bool:
    """SES's VDM metrics leave out every message addressed to more than one recipient."""
    return len(message.recipients) != 1 or is_simulator(message.recipients[0])


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _diagnostic_codes(recipients: Any) -> dict[str, str]:
    codes: dict[str, str] = {}
    if isinstance(recipients, list):
        for item in recipients:
            if isinstance(item, Mapping) and item.get("diagnosticCode"):
                codes[address_of(str(item.get("emailAddress", "")))] = str(item["diagnosticCode"])
    return codes
