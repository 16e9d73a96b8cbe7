"""The contact lists part alone, and through the account's sending without a front door:
who is kept from delivery, the refusals' kinds, the state file's round trip."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pytest_sesquota.account.account import Account, part_of
from pytest_sesquota.account.contact_lists import Contact, ContactList, ContactLists, Topic
from pytest_sesquota.account.ledger import SendRefused
from pytest_sesquota.account.unsubscribe import options_from_header

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def a_list() -> ContactList:
    found = ContactList("news", START, START, "Our news")
    found.topics = {
        "weekly": Topic("weekly", "Weekly", "OPT_IN"),
        "offers": Topic("offers", "Offers", "OPT_OUT", "Deals"),
    }
    return found


@pytest.mark.parametrize(
    ("contact", "topic", "out"),
    [
        (None, "weekly", False),  # not yet a contact: the topic's default
        (None, "offers", True),
        (None, None, False),
        (Contact("a@x.org", START, START, {"offers": "OPT_IN"}), "offers", False),
        (Contact("a@x.org", START, START, {"weekly": "OPT_OUT"}), "weekly", True),
        (Contact("a@x.org", START, START, {"weekly": "OPT_OUT"}), None, False),
        (Contact("a@x.org", START, START, {"weekly": "OPT_IN"}, True), "weekly", True),
        (Contact("a@x.org", START, START, unsubscribe_all=True), None, True),
    ],
)
def test_who_ses_keeps_from_a_list_managed_send(contact, topic, out):
    assert a_list().opted_out(contact, topic) is out


def send(account: Account, *recipients: str, **options: str):
    return account.send(
        region=None,
        operation="SendEmail",
        source="news@example.com",
        recipients=list(recipients),
        list_management=options,
    )


def test_sending_through_the_account_itself():
    account = Account(profile="production")
    lists = part_of(account, ContactLists)
    with pytest.raises(SendRefused) as refused:
        send(account, "a@x.org", ContactListName="news")
    assert (refused.value.kind, refused.value.message) == (
        "contact_list_missing",
        "List with name: news doesn't exist.",
    )
    with lists.changing() as by_name:
        by_name["news"] = a_list()
    with pytest.raises(SendRefused) as refused:
        send(account, "a@x.org", ContactListName="news", TopicName="daily")
    assert refused.value.kind == "invalid"
    sent = send(account, "a@x.org", "B <b@x.org>", ContactListName="news", TopicName="offers")
    assert sent.undelivered == {"a@x.org": "unsubscribed", "B <b@x.org>": "unsubscribed"}
    found = lists.contact_list("news")
    assert found is not None
    assert [(c.email, c.created) for c in found.contacts.values()] == [
        ("a@x.org", sent.time),
        ("b@x.org", sent.time),
    ]
    assert [r.code for r in account.rejected] == ["contact_list_missing", "invalid"]


def test_a_region_s_lists_survive_export_and_restore():
    account = Account(profile="production")
    lists = part_of(account, ContactLists)
    with lists.changing("eu-west-1") as by_name:
        made = a_list()
        made.contacts["a@x.org"] = Contact(
            "A@x.org", START, START, {"offers": "OPT_IN"}, True, "{}"
        )
        by_name["news"] = made
    again = part_of(Account(profile="production"), ContactLists)
    again.region("eu-west-1")
    again.restore("eu-west-1", lists.export("eu-west-1"))
    assert again.contact_list("news", "eu-west-1") == made
    assert again.contact_list("news") is None


def test_a_change_that_fails_is_not_saved():
    lists = part_of(Account(), ContactLists)
    before = lists.version("us-east-1")
    with pytest.raises(RuntimeError), lists.changing():
        raise RuntimeError("refused")
    assert lists.version("us-east-1") == before


@pytest.mark.parametrize(
    ("value", "options"),
    [
        ("news; topic=weekly", {"ContactListName": "news", "TopicName": "weekly"}),
        (" news ", {"ContactListName": "news"}),
        ("news;topic=", {"ContactListName": "news"}),
        ("contactListName=news;topicName=weekly", {"ContactListName": "contactListName=news"}),
        ("  ", None),
        (None, None),
    ],
)
def test_the_smtp_header_as_ses_reads_it(value, options):
    assert options_from_header(value) == options
