"""An account's contact lists, their topics and contacts, per region (SES v2's list
management), and what they do to sending: a send naming a list (``ListManagementOptions``)
that does not exist is refused, a contact unsubscribed from the topic (or from every topic)
is not delivered, a recipient not yet on the list becomes a contact, and a recipient's
click on the unsubscribe link opts it out and publishes a Subscription event.
"""

from __future__ import annotations

__all__ = ["Contact", "ContactList", "ContactLists", "SubscriptionStatus", "Topic"]

import email.utils
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from .book import Ledger
from .events import Events, SesEvent
from .ledger import Outgoing, SendRefused, SentMessage, address_of
from .options import RegionSettings
from .part import Context, Part
from .unsubscribe import message_of_link

SubscriptionStatus = Literal["OPT_IN", "OPT_OUT"]
#: How Subscription events spell a status (``topicSubscriptionStatus``).
_EVENT_STATUS = {"OPT_IN": "OptIn", "OPT_OUT": "OptOut"}


@dataclass
class Topic:
    name: str
    display_name: str
    default_subscription_status: SubscriptionStatus
    description: str | None = None


@dataclass
class Contact:
    #: As first given (the list finds it by its bare, lower-cased address).
    email: str
    created: datetime
    last_updated: datetime
    #: Topic name -> the contact's own status, in the order given.
    topic_preferences: dict[str, SubscriptionStatus] = field(default_factory=dict)
    unsubscribe_all: bool = False
    attributes_data: str | None = None


@dataclass
class ContactList:
    name: str
    created: datetime
    last_updated: datetime
    description: str | None = None
    #: By name, in the order given.
    topics: dict[str, Topic] = field(default_factory=dict)
    #: By bare, lower-cased address.
    contacts: dict[str, Contact] = field(default_factory=dict)

    def status(self, contact: Contact | None, topic: str) -> SubscriptionStatus:
        """A contact's status for a topic: its own preference, else the topic's default
        (a recipient not yet on the list has no preference of its own)."""
        if contact is not None and topic in contact.topic_preferences:
            return contact.topic_preferences[topic]
        return self.topics[topic].default_subscription_status

    def opted_out(self, contact: Contact | None, topic: str | None) -> bool:
        """Whether SES keeps a list-managed send about ``topic`` (``None``: the list as a
        whole) from the contact: unsubscribed from every topic, or opted out of this one."""
        if contact is not None and contact.unsubscribe_all:
            return True
        return topic is not None and self.status(contact, topic) == "OPT_OUT"


class ContactLists(Part):
    """Contact lists by name (SES allows one per account and region); the operations
    (``ses/contact_lists.py``) say SES's errors."""

    key = "contact_lists"

    def __init__(self, context: Context, events: Events, ledger: Ledger) -> None:
        super().__init__(context)
        self._events = events
        self._ledger = ledger
        self._lists: dict[str, dict[str, ContactList]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._lists[region] = {}

    # -- reading and changing (the operations' way in) --------------------------------
    def contact_list(self, name: str, region: str | None = None) -> ContactList | None:
        return self._lists[self.region(region)].get(name)

    def contact_lists(self, region: str | None = None) -> list[ContactList]:
        with self.lock:
            return list(self._lists[self.region(region)].values())

    @contextmanager
    def changing(self, region: str | None = None) -> Iterator[dict[str, ContactList]]:
        """The region's lists by name, to change under the account's lock (no send reads
        them meanwhile); the change is saved unless the block raised."""
        where = self.region(region)
        with self.lock:
            yield self._lists[where]
            self.changed(where)

    def delete(self, name: str, region: str | None = None) -> bool:
        """Remove a list and every contact on it; whether there was one."""
        where = self.region(region)
        with self.lock:
            found = self._lists[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    # -- sending --------------------------------------------------------------------
    def check_send(self, send: Outgoing) -> SendRefused | None:
        options = send.content.get("list_management")
        if not options:
            return None
        name = options.get("ContactListName")
        found = self._lists[send.region].get(name)
        if found is None:
            # GetContactList's text (docs/choices.md: SES's answer to a send is not known).
            return SendRefused("contact_list_missing", f"List with name: {name} doesn't exist.")
        topic = options.get("TopicName")
        if topic is not None and topic not in found.topics:
            return SendRefused("invalid", f"List: {name} doesn't contain Topic: {topic}")
        return None

    def undelivered(self, send: Outgoing) -> Mapping[str, str]:
        options = send.content.get("list_management")
        if not options:
            return {}
        found = self._lists[send.region][options["ContactListName"]]
        topic = options.get("TopicName")
        return {
            recipient: "unsubscribed"
            for recipient in send.recipients
            if found.opted_out(found.contacts.get(address_of(recipient)), topic)
        }

    def accepted(self, message: SentMessage) -> None:
        """A recipient of a list-managed send not yet on the list becomes a contact, with
        no preference of its own (the guide's list management page)."""
        options = message.list_management
        if not options:
            return
        found = self._lists[message.region].get(options["ContactListName"])
        if found is None:  # deleted since the check (another thread)
            return
        for recipient in message.recipients:
            key = address_of(recipient)
            if key not in found.contacts:
                address = email.utils.parseaddr(recipient)[1] or key
                found.contacts[key] = Contact(address, message.time, message.time)
                self.changed(message.region)

    # -- what a recipient does ----------------------------------------------------------
    def unsubscribe(self, message: SentMessage | str) -> SesEvent:
        """The recipient of a list-managed message clicks its one-click unsubscribe link
        (``List-Unsubscribe``, RFC 8058): SES opts the contact out of the message's topic,
        or out of every topic of the list when the message named none, and publishes a
        Subscription event (returned). ``message``: the :class:`SentMessage`, its id, or
        the link itself (``message.unsubscribe_url``)."""
        with self.lock:
            sent = self._message(message)
            url = sent.unsubscribe_url
            if url is None:
                raise ValueError(
                    f"message {sent.message_id} has no unsubscribe link: SES adds one only to "
                    "a message sent with ListManagementOptions to a single recipient (it had "
                    f"{len(sent.recipients)} recipient(s), ListManagementOptions "
                    f"{dict(sent.list_management or {})})"
                )
            options = sent.list_management or {}
            name, topic = options["ContactListName"], options.get("TopicName")
            found = self._lists[sent.region].get(name)
            if found is None or (topic is not None and topic not in found.topics):
                raise LookupError(
                    f"message {sent.message_id}'s unsubscribe link names contact list {name!r}"
                    + ("" if topic is None else f", topic {topic!r}")
                    + ", which no longer exists"
                )
            now = self.clock.now()
            key = address_of(sent.recipients[0])
            address = email.utils.parseaddr(sent.recipients[0])[1] or key
            contact = found.contacts.get(key) or Contact(address, now, now)
            before = self._preferences(found, contact)
            if topic is None:
                contact.unsubscribe_all = True
            else:
                contact.topic_preferences[topic] = "OPT_OUT"
            contact.last_updated = now
            found.contacts[key] = contact
            self.changed(sent.region)
            event = SesEvent(
                event_type="Subscription",
                time=now,
                region=sent.region,
                message_id=sent.message_id,
                configuration_set=sent.configuration_set,
                recipients=(sent.recipients[0],),
                detail={
                    "contactList": name,
                    "timestamp": _timestamp(now),
                    "source": "UnsubscribeHeader",
                    "newTopicPreferences": self._preferences(found, contact),
                    "oldTopicPreferences": before,
                },
            )
        self._events.emit(event)
        return event

    def _message(self, message: SentMessage | str) -> SentMessage:
        if isinstance(message, SentMessage):
            return message
        found = message_of_link(message)
        wanted = found[1] if found else message
        for sent in reversed(self._ledger.sent):
            if sent.message_id == wanted:
                return sent
        raise LookupError(
            f"unsubscribe({message!r}): no accepted message of this account has that id or "
            "unsubscribe link (ses_account.sent lists them)"
        )

    @staticmethod
    def _preferences(found: ContactList, contact: Contact) -> dict[str, Any]:
        """A contact's preferences as a Subscription event shows them: every topic of the
        list with the contact's status for it."""
        return {
            "unsubscribeAll": contact.unsubscribe_all,
            "topicSubscriptionStatus": [
                {"topicName": t, "subscriptionStatus": _EVENT_STATUS[found.status(contact, t)]}
                for t in found.topics
            ],
        }

    # -- the state file -------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "created": c.created,
                "last_updated": c.last_updated,
                "description": c.description,
                "topics": [vars(t) for t in c.topics.values()],
                "contacts": [vars(k) for k in c.contacts.values()],
            }
            for c in self._lists[region].values()
        ]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        lists = {}
        for item in data:
            topics = [Topic(**t) for t in item.pop("topics")]
            contacts = [Contact(**c) for c in item.pop("contacts")]
            made = ContactList(**item)
            made.topics = {t.name: t for t in topics}
            made.contacts = {address_of(c.email): c for c in contacts}
            lists[made.name] = made
        self._lists[region] = lists


def _timestamp(moment: datetime) -> str:
    """SES's event timestamps: ``2022-01-12T01:00:17.910Z``."""
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
