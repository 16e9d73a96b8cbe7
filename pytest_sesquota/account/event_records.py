"""SES's events as records: an event (:class:`SesEvent`), where a configuration set sends
events (:class:`EventDestination`), and one event published to one target
(:class:`Publication`); SES's names for their types. ``account/events.py`` keeps them.
"""

from __future__ import annotations

__all__ = [
    "DELIVERY_AFTER",
    "DESTINATION_KINDS",
    "EICAR",
    "EICAR_BYTES",
    "EVENT_TYPES",
    "NOTIFICATION_TYPES",
    "READER_AGENT",
    "V2_EVENT_TYPES",
    "VIRUS",
    "BounceType",
    "DestinationKind",
    "EventDestination",
    "EventOrigin",
    "EventType",
    "Publication",
    "SesEvent",
]

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from .ledger import SentMessage

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
            from .event_documents import event_document

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
            from .event_documents import notification_document

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
        from .event_documents import notification_message

        return notification_message(self.event, headers=self.headers)
