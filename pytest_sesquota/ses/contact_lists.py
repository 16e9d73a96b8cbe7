"""Contact lists, topics and contacts: SES v2's CreateContactList, GetContactList,
ListContactLists, UpdateContactList, DeleteContactList, CreateContact, GetContact,
ListContacts, UpdateContact and DeleteContact, over the account's contact lists.

The texts are those a public capture of real SES v2 reports (docs/choices.md says which,
and what the fake chose where none is known).
"""

from __future__ import annotations

__all__ = ["MAX_CONTACTS_PAGE", "MAX_TOPICS", "ContactListsV2"]

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from ..account.contact_lists import Contact, ContactList, ContactLists, Topic
from ..account.ledger import address_of
from .api import Call, Operations, Params, Result, already_exists, does_not_exist, paginate
from .mail import bad_request
from .tags import checked_tags, tag_list, tag_new, untag_gone

#: The guide's list management page: "A list can have a maximum of 20 topics."
MAX_TOPICS = 20
MAX_DISPLAY_NAME = 128
MAX_DESCRIPTION = 500
MAX_CONTACTS_PAGE = 1000
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_RULE = (
    "can contain up to 64 characters. Only alphanumeric characters, underscores(_) and "
    "hyphens(-) are allowed."
)


def _checked_name(kind: str, name: str) -> str:
    if not name.strip():
        raise bad_request(f"{kind} can't be blank.")
    if not _NAME.fullmatch(name):
        raise bad_request(f"{kind} {_RULE}")
    return name


def _list(call: Call, name: str) -> ContactList:
    """The region's contact list ``name``, or SES's NotFoundException."""
    found = call.part(ContactLists).contact_list(
        _checked_name("ContactListName", name), call.region
    )
    if found is None:
        raise does_not_exist("ContactListDoesNotExist", f"List with name: {name} doesn't exist.")
    return found


def _topics(given: list[dict[str, Any]] | None) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    if given and len(given) > MAX_TOPICS:
        raise bad_request(f"Maximum of <{MAX_TOPICS}> topics allowed per ContactList")
    for item in given or ():
        name = _checked_name("TopicName", item["TopicName"])
        if len(item["DisplayName"]) > MAX_DISPLAY_NAME:
            raise bad_request(
                f"Topic DisplayName can contain up to <{MAX_DISPLAY_NAME}> characters."
            )
        if name in topics:
            raise bad_request("Duplicate topic names are not allowed within a List.")
        topics[name] = Topic(
            name, item["DisplayName"], item["DefaultSubscriptionStatus"], item.get("Description")
        )
    return topics


def _description(given: str | None) -> str | None:
    if given is not None and len(given) > MAX_DESCRIPTION:
        raise bad_request(f"List description can contain up to {MAX_DESCRIPTION} characters.")
    return given


def _email(given: str) -> str:
    if not given.strip():
        raise bad_request("EmailAddress can't be blank.")
    if not _EMAIL.fullmatch(given):
        raise bad_request(f"EmailAddress <{given}> is invalid")
    return given


def _contact(found: ContactList, email: str) -> Contact:
    contact = found.contacts.get(address_of(email))
    if contact is None:
        raise does_not_exist("ContactDoesNotExist", f"{email} doesn't exist in List.")
    return contact


def _preferences(found: ContactList, p: Params) -> dict[str, Any]:
    """A contact's ``TopicPreferences``, ``UnsubscribeAll`` and ``AttributesData`` as
    given (what is left out is cleared: SES replaces them all)."""
    preferences = {}
    for item in p.get("TopicPreferences") or ():
        topic = item["TopicName"]
        if topic not in found.topics:
            raise bad_request(f"List: {found.name} doesn't contain Topic: {topic}")
        preferences[topic] = item["SubscriptionStatus"]
    data = p.get("AttributesData")
    if data is not None:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            # The guide: "It must be a valid JSON object." (SES's text is not known.)
            raise bad_request("AttributesData must be a valid JSON object.")
    return {
        "topic_preferences": preferences,
        "unsubscribe_all": bool(p.get("UnsubscribeAll", False)),
        "attributes_data": data,
    }


def _topic_list(statuses: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"TopicName": t, "SubscriptionStatus": s} for t, s in statuses.items()]


def _contact_view(found: ContactList, contact: Contact) -> dict[str, Any]:
    """What GetContact and ListContacts share."""
    defaults = {
        name: topic.default_subscription_status
        for name, topic in found.topics.items()
        if name not in contact.topic_preferences
    }
    return {
        "EmailAddress": contact.email,
        "TopicPreferences": _topic_list(contact.topic_preferences),
        "TopicDefaultPreferences": _topic_list(defaults),
        "UnsubscribeAll": contact.unsubscribe_all,
        "LastUpdatedTimestamp": contact.last_updated,
    }


def _matches(found: ContactList, contact: Contact, wanted: str | None, topic: Any) -> bool:
    """ListContacts' filter (docs/choices.md): with a topic, the contact's status for it
    (its own preference, or the topic's default with UseDefaultIfPreferenceUnavailable;
    a contact unsubscribed from every topic is OPT_OUT); without, UnsubscribeAll."""
    if topic and topic.get("TopicName"):
        status = contact.topic_preferences.get(topic["TopicName"])
        if status is None and topic.get("UseDefaultIfPreferenceUnavailable"):
            status = found.topics[topic["TopicName"]].default_subscription_status
        if status is None:
            return False
        status = "OPT_OUT" if contact.unsubscribe_all else status
        return wanted is None or status == wanted
    if wanted is None:
        return True
    return contact.unsubscribe_all == (wanted == "OPT_OUT")


class ContactListsV2(Operations):
    title = "contact lists"
    names = (
        "CreateContactList",
        "GetContactList",
        "ListContactLists",
        "UpdateContactList",
        "DeleteContactList",
        "CreateContact",
        "GetContact",
        "ListContacts",
        "UpdateContact",
        "DeleteContact",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "one list per account and region; sends with ListManagementOptions use them"
    }

    def CreateContactList(self, call: Call, p: Params) -> Result:
        name = _checked_name("ContactListName", p["ContactListName"])
        topics = _topics(p.get("Topics"))
        description = _description(p.get("Description"))
        checked_tags(p.get("Tags"))
        now = call.account.clock.now()
        with call.part(ContactLists).changing(call.region) as lists:
            if lists:
                # What SES answers, for a second list's name or the first's (a public
                # capture): not LimitExceededException, nor AlreadyExistsException.
                raise bad_request("A maximum of 1 Lists allowed per account.")
            lists[name] = ContactList(name, now, now, description, topics)
        tag_new(call, "contact-list", name, p.get("Tags"))
        return {}

    def GetContactList(self, call: Call, p: Params) -> Result:
        found = _list(call, p["ContactListName"])
        return {
            "ContactListName": found.name,
            "Topics": [
                {
                    "TopicName": t.name,
                    "DisplayName": t.display_name,
                    "Description": t.description,
                    "DefaultSubscriptionStatus": t.default_subscription_status,
                }
                for t in found.topics.values()
            ],
            "Description": found.description,
            "CreatedTimestamp": found.created,
            "LastUpdatedTimestamp": found.last_updated,
            "Tags": tag_list(call, "contact-list", found.name),
        }

    def ListContactLists(self, call: Call, p: Params) -> Result:
        items = [
            {"ContactListName": c.name, "LastUpdatedTimestamp": c.last_updated}
            for c in call.part(ContactLists).contact_lists(call.region)
        ]
        return paginate(
            items,
            "ContactLists",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=MAX_CONTACTS_PAGE,
            size_name="PageSize",
        )

    def UpdateContactList(self, call: Call, p: Params) -> Result:
        """A complete replacement (the API reference): what is left out is cleared."""
        topics = _topics(p.get("Topics"))
        description = _description(p.get("Description"))
        with call.part(ContactLists).changing(call.region):
            found = _list(call, p["ContactListName"])
            found.topics, found.description = topics, description
            found.last_updated = call.account.clock.now()
            for contact in found.contacts.values():
                # A preference for a topic the list no longer has goes with the topic.
                for gone in set(contact.topic_preferences) - set(topics):
                    del contact.topic_preferences[gone]
        return {}

    def DeleteContactList(self, call: Call, p: Params) -> Result:
        found = _list(call, p["ContactListName"])
        call.part(ContactLists).delete(found.name, call.region)
        untag_gone(call, "contact-list", found.name)
        return {}

    def CreateContact(self, call: Call, p: Params) -> Result:
        email = _email(p["EmailAddress"])
        with call.part(ContactLists).changing(call.region):
            found = _list(call, p["ContactListName"])
            fields = _preferences(found, p)
            if address_of(email) in found.contacts:
                raise already_exists(f"{email} already exists in List.")
            now = call.account.clock.now()
            found.contacts[address_of(email)] = Contact(email, now, now, **fields)
        return {}

    def GetContact(self, call: Call, p: Params) -> Result:
        email = _email(p["EmailAddress"])
        found = _list(call, p["ContactListName"])
        contact = _contact(found, email)
        return {
            "ContactListName": found.name,
            **_contact_view(found, contact),
            "AttributesData": contact.attributes_data,
            "CreatedTimestamp": contact.created,
        }

    def ListContacts(self, call: Call, p: Params) -> Result:
        found = _list(call, p["ContactListName"])
        given = p.get("Filter") or {}
        topic = given.get("TopicFilter")
        if topic and topic.get("TopicName") and topic["TopicName"] not in found.topics:
            raise bad_request(f"List: {found.name} doesn't contain Topic: {topic['TopicName']}")
        size = p.get("PageSize")
        if size is not None and size > MAX_CONTACTS_PAGE:
            raise bad_request(f"PageSize must be less than or equal to {MAX_CONTACTS_PAGE}.")
        contacts = sorted(found.contacts.items())
        items = [
            _contact_view(found, contact)
            for _key, contact in contacts
            if _matches(found, contact, given.get("FilteredStatus"), topic)
        ]
        return paginate(
            items,
            "Contacts",
            size=size,
            token=p.get("NextToken"),
            default=MAX_CONTACTS_PAGE,
            size_name="PageSize",
        )

    def UpdateContact(self, call: Call, p: Params) -> Result:
        """Every preference, UnsubscribeAll and AttributesData replaced (the API reference;
        an SDK issue shows AttributesData cleared when left out)."""
        email = _email(p["EmailAddress"])
        with call.part(ContactLists).changing(call.region):
            found = _list(call, p["ContactListName"])
            fields = _preferences(found, p)
            contact = _contact(found, email)
            contact.topic_preferences = fields["topic_preferences"]
            contact.unsubscribe_all = fields["unsubscribe_all"]
            contact.attributes_data = fields["attributes_data"]
            contact.last_updated = call.account.clock.now()
        return {}

    def DeleteContact(self, call: Call, p: Params) -> Result:
        email = _email(p["EmailAddress"])
        with call.part(ContactLists).changing(call.region):
            found = _list(call, p["ContactListName"])
            _contact(found, email)
            del found.contacts[address_of(email)]
        return {}
