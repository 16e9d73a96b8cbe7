"""SES's events: what SES publishes about each message after accepting (or refusing) it.

An event is a record of what happened (its type, the message, the recipients) and SES's
own JSON document for it; it happens at a virtual time, often after the send (a delivery,
a bounce, a complaint). Where events go (a configuration set's event destinations, an
identity's notification topics) is read from the parts that keep them.
"""

from __future__ import annotations

__all__ = ["EVENT_TYPES", "EventDestination", "EventType", "Events", "SesEvent"]

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from .part import Context, Part

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
    #: SES's whole JSON document for it (``eventType``, ``mail`` and the detail).
    document: Mapping[str, Any] = field(default_factory=dict)


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


class Events(Part):
    """Every event the account produced, in the order of their virtual times.

    ``emit`` records an event; the account's ``events`` shows those whose time has come.
    Listeners (publishing to a destination) are called with each event as it is emitted.
    """

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._events: list[SesEvent] = []
        self._listeners: list[Callable[[SesEvent], object]] = []

    def emit(self, event: SesEvent) -> None:
        """Record an event (its time may be in the virtual future)."""
        with self.lock:
            self._events.append(event)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)

    def on_event(self, listener: Callable[[SesEvent], object]) -> None:
        """Call ``listener(event)`` for every event emitted from now on."""
        self._listeners.append(listener)

    def events(self, region: str | None = None) -> list[SesEvent]:
        """The events that have happened by now (virtual time), oldest first; with
        ``region``, that region's only."""
        now = self.clock.now()
        with self.lock:
            happened = [e for e in self._events if e.time <= now]
        happened.sort(key=lambda e: e.time)
        return [e for e in happened if region is None or e.region == region]
