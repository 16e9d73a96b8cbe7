"""SES's events: what SES publishes about each message after accepting it.

An event is a record of what happened (its type, the message, the recipients, SES's own
object for it) at a virtual time, often after the send (a delivery, a bounce). The part
keeps every event, and when one has somewhere to go (an event destination of the
message's configuration set, a notification topic of its identity, a listener) it is
*published* at its time: each target gets a :class:`Publication` (``account.published``),
which the publishers the doors register carry on (into moto, to HTTP endpoints).

Nothing here runs under the account's lock but the recording: what an event sets off
(a webhook that calls SES back) runs once the send that made it has returned.
"""

from __future__ import annotations

__all__ = [
    "EVENT_TYPES",
    "EventDestination",
    "EventType",
    "Events",
    "Publication",
    "Publisher",
    "SesEvent",
]

import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from .book import Ledger
from .event_records import (
    DELIVERY_AFTER,
    EICAR,
    EICAR_BYTES,
    EVENT_TYPES,
    NOTIFICATION_TYPES,
    READER_AGENT,
    VIRUS,
    DestinationKind,
    EventDestination,
    EventType,
    Publication,
    SesEvent,
)
from .identities import Identities
from .ledger import Outgoing, SentMessage
from .part import Context, Part

if TYPE_CHECKING:
    from .configuration_sets import ConfigurationSets
    from .mailboxes import Mailbox, Mailboxes
    from .notifications import IdentityNotifications


#: A publisher carries a publication on (into moto, to an HTTP endpoint); it answers
#: what went wrong (``None``: published, or nothing of its own to do).
Publisher = Callable[[Publication], "str | None"]
#: A kind of destination, the ARN it publishes to, the destination (``None``: a topic).
Target = tuple[DestinationKind, str, "EventDestination | None"]


class Events(Part):
    """Every event the account produced, and their publication at their virtual times.

    ``accepted`` derives a message's events (``account/lifecycle.py``); ``emit`` records
    one made elsewhere (a contact's subscription change). An event with somewhere to go is
    published when the clock reaches its time, or, when that time has come already, once
    the call that made it has returned (:meth:`flush`).
    """

    def __init__(
        self,
        context: Context,
        *,
        ledger: Ledger,
        identities: Identities,
        mailboxes: Mailboxes,
        notifications: IdentityNotifications,
        configuration_sets: ConfigurationSets | None = None,
    ) -> None:
        super().__init__(context)
        # Bound here, not imported at the top: they make this module's records.
        from .lifecycle import click_event, message_events, open_event, sending_identity

        self._open_event = open_event
        self._click_event = click_event
        self._derive = message_events
        self._identity_of = sending_identity
        self.ledger = ledger
        self.identities = identities
        self.mailboxes = mailboxes
        self.notifications = notifications
        self.configuration_sets = configuration_sets
        self._events: list[SesEvent] = []
        self._unread: list[tuple[SentMessage, Mapping[str, Mailbox | None] | None]] = []
        self._listeners: list[Callable[[SesEvent], object]] = []
        self._publishers: list[Publisher] = []
        #: Every publication, in the order published.
        self.published: list[Publication] = []
        #: Events that had happened when they left with their message (``forget``).
        self.forgotten = 0
        # Events whose time has come, to publish once nothing is held (see `flush`).
        self._due: list[SesEvent] = []
        self._later: list[Callable[[], object]] = []
        self._holds: list[Callable[[], bool]] = [self.lock._is_owned]  # type: ignore[attr-defined]
        ledger.on_request(lambda _request: self.flush())

    # -- recording ----------------------------------------------------------------------
    def accepted(self, message: SentMessage) -> None:
        # The recipients' mailboxes as they are now (a test may change them later).
        boxes = self.mailboxes.snapshot(message.recipients)
        if self._listeners or message.configuration_set is not None or self.notifications.any():
            self._record(self._events_of(message, boxes))
        else:
            # Nowhere to publish: its events are made when first read, and a send
            # costs what it did before SES had events.
            self._unread.append((message, boxes))

    def _events_of(
        self, message: SentMessage, boxes: Mapping[str, Mailbox | None] | None
    ) -> list[SesEvent]:
        identity = self._identity_of(message, self.identities)
        mailbox_of = self.mailboxes.of if boxes is None else boxes.__getitem__
        return self._derive(message, mailbox_of, identity)

    def _read(self) -> None:
        """Make the events of the messages accepted with nowhere to publish them."""
        if self._unread:
            unread, self._unread = self._unread, []
            for message, boxes in unread:
                self._events.extend(self._events_of(message, boxes))

    def settle(self) -> None:
        self.flush()

    def emit(self, event: SesEvent) -> None:
        """Record an event made elsewhere (its time may be in the virtual future); SES's
        document is made for it from its ``detail`` and its message."""
        if event.message is None:
            found = self.message(event.message_id)
            if found is not None:
                event = replace(event, message=found)
        with self.lock, self.clock.still():
            self._read()
            self._record([event])
        self.flush()

    def _record(self, events: list[SesEvent]) -> None:
        # Under the account's lock and the clock held still (a send, or emit).
        self._events.extend(events)
        for event in events:
            if self._listeners or self._targets(event):
                if event.time > self.clock.now():
                    self.clock.call_at(event.time, partial(self._happen, event))
                else:
                    self._due.append(event)

    def undelivered(self, send: Outgoing) -> Mapping[str, str]:
        """A message carrying a virus (the EICAR test file, as the SES guide suggests for
        testing) is accepted, then rejected whole: no recipient gets it."""
        content = send.content
        for key in ("text", "html", "raw"):
            body = content.get(key)
            if body is None:
                continue
            if EICAR in body if isinstance(body, str) else EICAR_BYTES in body:
                return dict.fromkeys(send.recipients, VIRUS)
        return {}

    def forget(self, messages: Iterable[SentMessage]) -> None:
        """Let go of the events (and publications) of messages that left the ledger
        (``sesquota serve``'s retention, once the metrics have counted them): a server
        that runs for days keeps the events of the messages it keeps. What is scheduled
        to happen to them is still published at its time."""
        ids = {message.message_id for message in messages}
        if not ids:
            return
        now = self.clock.now()
        with self.lock:
            self._unread = [u for u in self._unread if u[0].message_id not in ids]
            kept = [e for e in self._events if e.message_id not in ids]
            self.forgotten += sum(1 for e in self._events if e.message_id in ids and e.time <= now)
            self._events = kept
            if self.published:
                self.published = [p for p in self.published if p.event.message_id not in ids]

    # -- reading --------------------------------------------------------------------------
    def message(self, message_id: str) -> SentMessage | None:
        """The accepted message of that id (the latest first: most lookups are recent)."""
        with self.lock:
            return next((m for m in reversed(self.ledger.sent) if m.message_id == message_id), None)

    def events(self, region: str | None = None) -> list[SesEvent]:
        """The events that have happened by now (virtual time), oldest first; with
        ``region``, that region's only."""
        now = self.clock.now()
        with self.lock:
            self._read()
            happened = [e for e in self._events if e.time <= now]
        happened.sort(key=lambda e: e.time)
        return [e for e in happened if region is None or e.region == region]

    def pending_events(self) -> list[SesEvent]:
        """Events that will happen later (virtual time), soonest first."""
        now = self.clock.now()
        with self.lock:
            self._read()
            later = [e for e in self._events if e.time > now]
        return sorted(later, key=lambda e: e.time)

    # -- what recipients do after the delivery ------------------------------------------
    def open(
        self, message_id: str, recipient: str | None = None, *, user_agent: str = READER_AGENT
    ) -> SesEvent | None:
        """The recipient (the first one unless given) opens the message, now or as soon
        as it is delivered. SES sees it (an Open event) when it tracks opens: the message
        has an HTML part and its configuration set an event destination for opens.
        Returns the event, or ``None`` when SES would not see it."""
        message, reader, at = self._reading(message_id, recipient)
        if self._html(message) is None or not self._tracked(message, "Open"):
            return None
        event = self._open_event(message, reader, at, user_agent)
        self.emit(event)
        return event

    def click(
        self,
        message_id: str,
        link: str,
        recipient: str | None = None,
        *,
        link_tags: Mapping[str, list[str]] | None = None,
        user_agent: str = READER_AGENT,
    ) -> SesEvent | None:
        """The recipient clicks ``link``, one of the HTML part's links, now or as soon as
        the message is delivered: a Click event where SES tracks clicks (as for opens)."""
        message, reader, at = self._reading(message_id, recipient)
        html = self._html(message)
        if html is not None and link not in html:
            raise ValueError(f"click({link!r}): the message's HTML has no such link")
        if html is None or not self._tracked(message, "Click"):
            return None
        event = self._click_event(message, reader, at, link, link_tags or {}, user_agent)
        self.emit(event)
        return event

    def _reading(self, message_id: str, recipient: str | None) -> tuple[SentMessage, str, datetime]:
        message = self.message(message_id)
        if message is None:
            raise ValueError(f"no accepted message has the id {message_id!r}")
        delivered = message.delivered
        reader = recipient if recipient is not None else (delivered or ("",))[0]
        if reader not in delivered:
            raise ValueError(
                f"{reader or 'no recipient'} did not receive message {message_id}; "
                f"it reached: {', '.join(delivered) or 'nobody'}"
            )
        return message, reader, max(self.clock.now(), message.time + DELIVERY_AFTER)

    @staticmethod
    def _html(message: SentMessage) -> str | None:
        if message.html is not None:
            return message.html
        if message.raw is None:
            return None
        for part in message.message.walk():
            if part.get_content_type() == "text/html":
                return str(part.get_content())
        return None

    def _tracked(self, message: SentMessage, event_type: EventType) -> bool:
        sets = self.configuration_sets
        if message.configuration_set is None or sets is None:
            return False
        found = sets.destinations(message.configuration_set, message.region)
        return any(d.takes(event_type) for d in found)

    # -- publishing -----------------------------------------------------------------------
    def on_event(self, listener: Callable[[SesEvent], object]) -> None:
        """Call ``listener(event)`` as each event happens from now on (at its virtual
        time; after the call that made it has returned)."""
        self._listeners.append(listener)

    def add_publisher(self, publisher: Publisher) -> None:
        """Have ``publisher`` carry every publication on (the doors register theirs)."""
        self._publishers.append(publisher)

    def remove_publisher(self, publisher: Publisher) -> None:
        if publisher in self._publishers:
            self._publishers.remove(publisher)

    def hold_while(self, held: Callable[[], bool]) -> None:
        """Publish nothing while ``held()`` (a server's turn, which a webhook calling
        back would wait for): what happens meanwhile waits for :meth:`flush`."""
        if held not in self._holds:
            self._holds.append(held)

    def flush(self) -> None:
        """Publish the events whose time has come, unless this thread holds the account
        (or what :meth:`hold_while` names): a webhook that calls SES back would wait."""
        if not (self._due or self._later) or any(held() for held in self._holds):
            return
        with self.lock:
            due, self._due = self._due, []
            later, self._later = self._later, []
        for event in due:
            self._publish(event)
        for action in later:
            action()

    def defer(self, action: Callable[[], object]) -> None:
        """Run ``action()`` as events are published: once nothing is held (a POST to an
        endpoint that may call back, such as SNS's subscription confirmation)."""
        with self.lock:
            self._later.append(action)
        self.flush()

    def _happen(self, event: SesEvent) -> None:
        """The clock reached the event's time."""
        with self.lock:
            self._due.append(event)
        self.flush()

    def _targets(self, event: SesEvent) -> list[Target]:
        """Where the event goes: its set's destinations that take it, its identity's topic."""
        found: list[Target] = []
        if event.configuration_set is not None:
            sets = self.configuration_sets
            if sets is not None:
                for destination in sets.destinations(event.configuration_set, event.region):
                    target = destination.target
                    if target is not None and destination.takes(event.event_type):
                        found.append((target[0], target[1], destination))
        if event.identity is not None and event.event_type in NOTIFICATION_TYPES:
            topic = self.notifications.topic(event.identity, event.event_type, event.region)
            if topic is not None:
                found.append(("sns", topic, None))
        return found

    def _publish(self, event: SesEvent) -> None:
        with self.lock:
            publications = []
            for kind, target, destination in self._targets(event):
                headers = destination is None and self.notifications.headers_included(
                    event.identity or "", event.event_type, event.region
                )
                publications.append(Publication(event, kind, target, destination, headers))
            publishers = list(self._publishers)
            listeners = list(self._listeners)
        for publication in publications:
            for publisher in publishers:
                try:
                    error = publisher(publication)
                except Exception as failure:  # never the send's: kept with the publication
                    error = f"{type(failure).__name__}: {failure}"
                if error is not None and publication.error is None:
                    publication.error = error
            if publication.error is not None and publication.notification:
                # The SES guide: a topic SES cannot publish to is removed from the
                # identity (bounce and complaint topics) and email forwarding comes back.
                self.notifications.publish_failed(
                    event.identity or "", event.event_type, event.region
                )
        with self.lock:
            self.published.extend(publications)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                # The test's own code: it fails the test at teardown, not the send that
                # happened to publish the event.
                self.clock.report(f"an on_event listener raised:\n{traceback.format_exc()}")
