"""SES's events as records: an event (:class:`SesEvent`), where a configuration set sends
events (:class:`EventDestination`), and one event published to one target
(:class:`Publication`); SES's names for their types. ``account/events.py`` keeps them.

And SES's JSON documents of an event, made when first read (most events are never read),
as the SES guide's "Examples of event data" and "Amazon SNS notification contents" show
them: event publishing's (``eventType``, a
``mail`` object with the headers and tags) and the identity notifications'
(``notificationType``, headers only where the identity asks for them, no tags); and
what the other destinations read of an event (EventBridge's detail-type, CloudWatch's
metric and dimensions).
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ID",
    "CALLER_IDENTITY",
    "DELIVERY_AFTER",
    "DESTINATION_KINDS",
    "DETAIL_KEYS",
    "DETAIL_TYPES",
    "EICAR",
    "EICAR_BYTES",
    "EVENT_TYPES",
    "METRIC_NAMES",
    "NOTIFICATION_TYPES",
    "READER_AGENT",
    "SOURCE_IP",
    "V2_EVENT_TYPES",
    "VIRUS",
    "BounceType",
    "DestinationKind",
    "EventDestination",
    "EventOrigin",
    "EventType",
    "Publication",
    "SesEvent",
    "cloudwatch_dimensions",
    "event_document",
    "iso",
    "mail_object",
    "notification_document",
    "notification_message",
]

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from typing import Any, Literal, get_args

from .ledger import SentMessage, address_of


def iso(moment: datetime) -> str:
    """SES's timestamps: ISO 8601 in UTC, milliseconds, ``Z``."""
    # isoformat's first 23 characters are strftime's fields (years 1000-9999), 3x faster:
    # a message through a configuration set stamps each of its events.
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


#: SES's event types as its JSON documents name them (``eventType``).
EventType = Literal[
    "Send",
    "Reject",
    "Bounce",
    "Complaint",
    "Delivery",
    "DeliveryDelay",
    "Rendering Failure",
    "Subscription",
    "Open",
    "Click",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
#: Each type in SES v2's words (an event destination's ``MatchingEventTypes``).
V2_EVENT_TYPES: dict[EventType, str] = {
    "Send": "SEND",
    "Reject": "REJECT",
    "Bounce": "BOUNCE",
    "Complaint": "COMPLAINT",
    "Delivery": "DELIVERY",
    "DeliveryDelay": "DELIVERY_DELAY",
    "Rendering Failure": "RENDERING_FAILURE",
    "Subscription": "SUBSCRIPTION",
    "Open": "OPEN",
    "Click": "CLICK",
}
BounceType = Literal["Undetermined", "Permanent", "Transient"]
#: Who produced an event: the recipient's side (its mail server, its reader), SES's
#: mailbox simulator, the account's suppression list, or SES itself (a send, a rendering
#: failure). SES's reputation metrics count only the recipients' hard bounces and
#: complaints: not the simulator's, not the suppression list's (the SES guide).
EventOrigin = Literal["recipient", "simulator", "suppression_list", "ses"]
DestinationKind = Literal["sns", "eventbridge", "firehose", "cloudwatch", "pinpoint"]
DESTINATION_KINDS: tuple[DestinationKind, ...] = get_args(DestinationKind)
#: The events an identity's notification topics take (SetIdentityNotificationTopic).
NOTIFICATION_TYPES: tuple[EventType, ...] = ("Bounce", "Complaint", "Delivery")
#: The EICAR test file's signature: SES accepts a message carrying it, then rejects it
#: as a virus (the SES guide's way to test Reject events).
EICAR = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
EICAR_BYTES = EICAR.encode()
#: ``SentMessage.undelivered``'s reason for a message SES rejected as a virus.
VIRUS = "virus"
#: When a recipient's mail server has the message (``processingTimeMillis`` 1000; captures
#: show 0.5 to 12 s): its delivery, or its refusal (a bounce).
DELIVERY_AFTER = timedelta(seconds=1)
#: The reader's client, for opens and clicks (a choice: SES reports the reader's).
READER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class SesEvent:
    """One event SES publishes about one message."""

    event_type: EventType
    #: The virtual time it happens.
    time: datetime
    region: str
    message_id: str
    #: The configuration set the message was sent through (its event destinations get it).
    configuration_set: str | None
    #: The recipients it is about (a bounce's bounced recipients, a delivery's, ...).
    recipients: tuple[str, ...]
    #: The event's own object in SES's document (``bounce``, ``delivery``, ...), as SES
    #: names its members: ``{"bounceType": "Permanent", ...}``.
    detail: Mapping[str, Any] = field(default_factory=dict)
    origin: EventOrigin = "recipient"
    #: The message it is about: SES's ``mail`` object is made from it.
    message: SentMessage | None = field(default=None, repr=False, compare=False)
    #: The identity the message was sent as (its notification topics get it).
    identity: str | None = field(default=None, repr=False, compare=False)
    # SES's documents, made when first read (most events are never read).
    _document: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    _notification: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def document(self) -> Mapping[str, Any]:
        """SES's whole JSON document for it, as event publishing sends it to a
        configuration set's destinations (``eventType``, ``mail``, the detail)."""
        if self._document is None:
            object.__setattr__(self, "_document", event_document(self))
        assert self._document is not None
        return self._document

    @property
    def notification(self) -> Mapping[str, Any] | None:
        """SES's notification for an identity's topic (``notificationType``, the mail
        object with its headers): bounces, complaints and deliveries only, else ``None``."""
        if self.event_type not in ("Bounce", "Complaint", "Delivery"):
            return None
        if self._notification is None:
            object.__setattr__(self, "_notification", notification_document(self))
        return self._notification

    # -- what reputation metrics read (issue 26: rates from events) --------------------
    @property
    def bounce_type(self) -> BounceType | None:
        """``Permanent`` (a hard bounce), ``Transient`` or ``Undetermined``; ``None``
        for an event that is no bounce."""
        if self.event_type != "Bounce":
            return None
        value: BounceType | None = self.detail.get("bounceType")
        return value

    @property
    def bounce_sub_type(self) -> str | None:
        """SES's ``bounceSubType`` (``General``, ``NoEmail``, ``OnAccountSuppressionList``...)."""
        value = self.detail.get("bounceSubType") if self.event_type == "Bounce" else None
        return None if value is None else str(value)

    @property
    def hard_bounce(self) -> bool:
        return self.bounce_type == "Permanent"

    @property
    def counts_toward_reputation(self) -> bool:
        """Whether SES's bounce or complaint rate counts it: a hard bounce or a
        complaint from a recipient (neither the mailbox simulator nor the suppression
        list)."""
        return self.origin == "recipient" and (self.hard_bounce or self.event_type == "Complaint")


@dataclass(frozen=True)
class EventDestination:
    """Where a configuration set sends its events (v1 and v2 event destinations)."""

    name: str
    enabled: bool
    #: The event types it takes, in SES v2's names (``"SEND"``, ``"BOUNCE"``, ...).
    matching_event_types: tuple[str, ...]
    sns_topic_arn: str | None = None
    event_bus_arn: str | None = None
    #: ``{"IamRoleArn": ..., "DeliveryStreamArn": ...}``
    firehose: Mapping[str, str] | None = None
    #: ``{"DimensionConfigurations": [...]}``
    cloudwatch: Mapping[str, Any] | None = None
    pinpoint_application_arn: str | None = None

    def takes(self, event_type: EventType) -> bool:
        return self.enabled and V2_EVENT_TYPES[event_type] in self.matching_event_types

    @property
    def target(self) -> tuple[DestinationKind, str] | None:
        """Its kind and the ARN it publishes to."""
        if self.sns_topic_arn:
            return "sns", self.sns_topic_arn
        if self.event_bus_arn:
            return "eventbridge", self.event_bus_arn
        if self.firehose:
            return "firehose", str(self.firehose.get("DeliveryStreamArn", ""))
        if self.cloudwatch is not None:
            return "cloudwatch", "AWS/SES"
        if self.pinpoint_application_arn:
            return "pinpoint", self.pinpoint_application_arn
        return None


@dataclass
class Publication:
    """An event published to one target: a configuration set's event destination, or
    an identity's notification topic (``destination`` ``None``)."""

    event: SesEvent
    kind: DestinationKind
    #: The ARN published to (a topic, an event bus, a delivery stream; ``AWS/SES`` for
    #: CloudWatch's namespace).
    target: str
    destination: EventDestination | None = None
    #: A notification's: whether it carries the original headers (the identity's
    #: ``HeadersIn...NotificationsEnabled``).
    headers: bool = False
    #: What a publisher answered when it could not publish (a topic moto does not have).
    error: str | None = None

    @property
    def notification(self) -> bool:
        """Whether it went to an identity's notification topic."""
        return self.destination is None

    @property
    def message(self) -> Mapping[str, Any]:
        """The JSON document published: the event's document, or its notification
        (made when first read: most publications go nowhere further than the record)."""
        if not self.notification:
            return self.event.document

        return notification_message(self.event, headers=self.headers)


# -- SES's documents of an event --------------------------------------------------
#: The fake account's AWS account id (ARNs, ``sendingAccountId``).
ACCOUNT_ID = "123456789012"
#: Who called SES, as SES says it (``ses:caller-identity``, ``callerIdentity``): a choice.
CALLER_IDENTITY = "pytest-sesquota"
#: Where the call came from: the loopback, where every front door of the fake is.
SOURCE_IP = "127.0.0.1"
#: The event's own object in SES's documents.
DETAIL_KEYS: dict[EventType, str] = {
    "Send": "send",
    "Reject": "reject",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Delivery": "delivery",
    "DeliveryDelay": "deliveryDelay",
    "Rendering Failure": "failure",
    "Subscription": "subscription",
    "Open": "open",
    "Click": "click",
}
#: EventBridge's ``detail-type`` for each (the EventBridge guide's list of SES events).
DETAIL_TYPES: dict[EventType, str] = {
    "Send": "Email Sent",
    "Reject": "Email Rejected",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Delivery": "Email Delivered",
    "DeliveryDelay": "Email Delivery Delayed",
    "Rendering Failure": "Email Rendering Failed",
    "Subscription": "Email Subscribed",
    "Open": "Email Opened",
    "Click": "Email Clicked",
}
#: CloudWatch's metric for each, in the ``AWS/SES`` namespace (the two-word types
#: without their space: a choice).
METRIC_NAMES: dict[EventType, str] = {kind: kind.replace(" ", "") for kind in DETAIL_KEYS}
#: SES truncates the headers it reports past 10 KB (the SES guide).
_HEADERS_LIMIT = 10 * 1024
#: commonHeaders' members (a Bcc header is never reported: SES removes it from the message).
_COMMON = {
    "from": "From",
    "to": "To",
    "cc": "Cc",
    "date": "Date",
    "returnPath": "Return-Path",
    "replyTo": "Reply-To",
}


def event_document(event: SesEvent) -> dict[str, Any]:
    """Event publishing's document (a configuration set's destinations get it)."""
    headers = event.event_type != "Rendering Failure"  # a message never rendered has none
    return {
        "eventType": event.event_type,
        "mail": mail_object(event, headers=headers, tags=True),
        DETAIL_KEYS[event.event_type]: dict(event.detail),
    }


def notification_document(event: SesEvent) -> dict[str, Any]:
    """An identity notification with the original headers."""
    return notification_message(event, headers=True)


def notification_message(event: SesEvent, *, headers: bool) -> dict[str, Any]:
    """An identity notification (bounce, complaint, delivery); ``headers`` as the
    identity's ``HeadersIn...NotificationsEnabled`` says."""
    return {
        "notificationType": event.event_type,
        DETAIL_KEYS[event.event_type]: dict(event.detail),
        "mail": mail_object(event, headers=headers, tags=False, notification=True),
    }


def mail_object(
    event: SesEvent, *, headers: bool, tags: bool, notification: bool = False
) -> dict[str, Any]:
    """SES's ``mail`` object: the message the event is about."""
    message = event.message
    if message is None:
        return {"messageId": event.message_id, "destination": list(event.recipients)}
    identity = event.identity or address_of(message.source)
    mail: dict[str, Any] = {
        "timestamp": iso(message.time),
        "source": message.source,
        "sourceArn": message.source_arn
        or f"arn:aws:ses:{message.region}:{ACCOUNT_ID}:identity/{identity}",
    }
    if notification:
        mail["sourceIp"] = SOURCE_IP
        mail["callerIdentity"] = CALLER_IDENTITY
    mail["sendingAccountId"] = ACCOUNT_ID
    mail["messageId"] = message.message_id
    mail["destination"] = list(message.recipients)
    if headers or tags:
        mail["headersTruncated"] = False
    if headers:
        parsed, raw = message.message, message.raw is not None
        listed, truncated = _headers(parsed, raw=raw)
        mail["headersTruncated"] = truncated
        mail["headers"] = listed
        mail["commonHeaders"] = _common_headers(parsed, message.message_id, raw=raw)
    if tags:
        mail["tags"] = _tags(event)
    return mail


def _headers(parsed: Message, *, raw: bool) -> tuple[list[dict[str, str]], bool]:
    if raw:
        items = [(k, str(v)) for k, v in parsed.items() if k.lower() != "bcc"]
    else:
        # What SES reports of a message it built from a Simple content: the headers of
        # its own making but the Message-ID and Date it adds on the way out (captured).
        items = [
            (k, str(v))
            for k, v in parsed.items()
            if k.lower() in ("from", "to", "cc", "reply-to", "subject")
        ]
        items.append(("MIME-Version", "1.0"))
        items += [(k, str(v)) for k, v in parsed.items() if k.lower().startswith("content-")]
    listed: list[dict[str, str]] = []
    size = 0
    for name, value in items:
        size += len(name) + len(value)
        if size > _HEADERS_LIMIT:
            return listed, True
        listed.append({"name": name, "value": value})
    return listed, False


def _common_headers(parsed: Message, message_id: str, *, raw: bool) -> dict[str, Any]:
    common: dict[str, Any] = {}
    for key, name in _COMMON.items():
        value = parsed.get(name)
        if value is None:
            continue
        common[key] = str(value) if key in ("date", "returnPath") else [str(value)]
    original = parsed.get("Message-ID") if raw else None
    common["messageId"] = str(original).strip().strip("<>") if original else message_id
    common["subject"] = str(parsed.get("Subject", ""))
    return common


def _tags(event: SesEvent) -> dict[str, list[str]]:
    message = event.message
    assert message is not None
    tags = {"ses:operation": [message.operation]}
    if message.configuration_set is not None:
        tags["ses:configuration-set"] = [message.configuration_set]
    tags["ses:source-ip"] = [SOURCE_IP]
    tags["ses:from-domain"] = [address_of(message.source).rpartition("@")[2]]
    tags["ses:caller-identity"] = [CALLER_IDENTITY]
    if event.event_type == "Delivery":
        tags["ses:outgoing-ip"] = ["127.0.2.1"]
    for name, value in message.tags.items():
        tags[name] = [value]
    return tags


def cloudwatch_dimensions(
    event: SesEvent, configurations: list[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """The dimensions of an event's metric, as a CloudWatch destination's
    ``DimensionConfigurations`` name them: from a message tag (SES's auto-tags too), an
    email header, or a link tag; the configuration's default where the event has none."""
    message = event.message
    tags = _tags(event) if message is not None else {}
    parsed = message.message if message is not None else None
    link_tags = event.detail.get("linkTags", {}) if event.event_type == "Click" else {}
    dimensions = []
    for configuration in configurations:
        name = configuration["DimensionName"]
        source = configuration.get("DimensionValueSource", "messageTag")
        value: Any = None
        if source == "messageTag":
            value = next(iter(tags.get(name, ())), None)
        elif source == "emailHeader" and parsed is not None:
            value = parsed.get(name)
        elif source == "linkTag":
            value = next(iter(link_tags.get(name, ())), None)
        dimensions.append(
            {"Name": name, "Value": str(value or configuration.get("DefaultDimensionValue", ""))}
        )
    return dimensions
