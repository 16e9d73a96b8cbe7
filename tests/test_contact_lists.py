"""Contact lists, topics and contacts (SES v2) through boto3: SES's shapes, limits and
errors, on the account's virtual clock, per region."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest
from conftest import NO_RETRIES
from test_server import client, serve

from pytest_sesquota.account.ledger import SentMessage

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOPICS = [
    {
        "TopicName": "weekly",
        "DisplayName": "Weekly news",
        "Description": "Every Monday",
        "DefaultSubscriptionStatus": "OPT_IN",
    },
    {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_OUT"},
]


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def refused(call, **params):
    """(code, HTTP status, message) of a call SES refuses."""
    with pytest.raises(Exception) as excinfo:
        call(**params)
    return error_of(excinfo)


@pytest.fixture
def news(sesv2):
    sesv2.create_contact_list(ContactListName="news", Description="Our news", Topics=TOPICS)
    return sesv2


def without_metadata(reply):
    return {k: v for k, v in reply.items() if k != "ResponseMetadata"}


# -- contact lists ------------------------------------------------------------------
def test_a_contact_list_as_get_and_list_show_it(ses_account, news):
    assert without_metadata(news.get_contact_list(ContactListName="news")) == {
        "ContactListName": "news",
        "Description": "Our news",
        "Topics": TOPICS,
        "CreatedTimestamp": START,
        "LastUpdatedTimestamp": START,
        "Tags": [],
    }
    ses_account.clock.advance(hours=2)
    news.update_contact_list(ContactListName="news", Topics=TOPICS[:1])
    got = news.get_contact_list(ContactListName="news")
    # A complete replacement: the description left out is gone, as is the topic.
    assert "Description" not in got
    assert got["Topics"] == TOPICS[:1]
    assert (got["CreatedTimestamp"], got["LastUpdatedTimestamp"]) == (
        START,
        START + timedelta(hours=2),
    )
    assert news.list_contact_lists()["ContactLists"] == [
        {"ContactListName": "news", "LastUpdatedTimestamp": START + timedelta(hours=2)}
    ]


def test_one_list_per_account_and_region(news):
    for name in ("other", "news"):
        assert refused(news.create_contact_list, ContactListName=name) == (
            "BadRequestException",
            400,
            "A maximum of 1 Lists allowed per account.",
        )
    elsewhere = boto3.client("sesv2", region_name="eu-west-1", config=NO_RETRIES)
    elsewhere.create_contact_list(ContactListName="other")
    assert [c["ContactListName"] for c in elsewhere.list_contact_lists()["ContactLists"]] == [
        "other"
    ]
    news.delete_contact_list(ContactListName="news")
    news.create_contact_list(ContactListName="other")


def test_a_missing_list_is_not_found(sesv2):
    missing = ("NotFoundException", 404, "List with name: nope doesn't exist.")
    assert refused(sesv2.get_contact_list, ContactListName="nope") == missing
    assert refused(sesv2.update_contact_list, ContactListName="nope") == missing
    assert refused(sesv2.delete_contact_list, ContactListName="nope") == missing
    assert refused(sesv2.list_contacts, ContactListName="nope") == missing
    assert refused(sesv2.create_contact, ContactListName="nope", EmailAddress="a@b.co") == missing
    assert sesv2.list_contact_lists()["ContactLists"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ContactListName": " "}, "ContactListName can't be blank."),
        (
            {"ContactListName": "my list"},
            "ContactListName can contain up to 64 characters. Only alphanumeric characters, "
            "underscores(_) and hyphens(-) are allowed.",
        ),
        ({"ContactListName": "n" * 65}, "ContactListName can contain up to 64 characters."),
        ({"Description": "d" * 501}, "List description can contain up to 500 characters."),
        (
            {"Topics": [{**TOPICS[1], "TopicName": f"t{n}"} for n in range(21)]},
            "Maximum of <20> topics allowed per ContactList",
        ),
        ({"Topics": [{**TOPICS[1], "TopicName": ""}]}, "TopicName can't be blank."),
        ({"Topics": [{**TOPICS[1], "TopicName": "a.b"}]}, "TopicName can contain up to 64"),
        (
            {"Topics": [{**TOPICS[1], "DisplayName": "d" * 129}]},
            "Topic DisplayName can contain up to <128> characters.",
        ),
        (
            {"Topics": [TOPICS[1], TOPICS[1]]},
            "Duplicate topic names are not allowed within a List.",
        ),
        (
            {"Topics": [{**TOPICS[1], "DefaultSubscriptionStatus": "OPTED_IN"}]},
            "1 validation error detected: Value 'OPTED_IN' at "
            "'topics[0].defaultSubscriptionStatus' failed to satisfy constraint: "
            "Member must satisfy enum value set: [OPT_IN, OPT_OUT]",
        ),
    ],
)
def test_what_a_list_may_be(sesv2, params, message):
    code, status, text = refused(sesv2.create_contact_list, **{"ContactListName": "n", **params})
    assert (code, status) == ("BadRequestException", 400)
    assert text.startswith(message)
    assert sesv2.list_contact_lists()["ContactLists"] == []


def test_a_list_is_tagged_by_arn(news, sesv2):
    sesv2.delete_contact_list(ContactListName="news")
    sesv2.create_contact_list(ContactListName="news", Tags=[{"Key": "team", "Value": "growth"}])
    arn = "arn:aws:ses:us-east-1:123456789012:contact-list/news"
    sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "ci"}])
    assert sesv2.get_contact_list(ContactListName="news")["Tags"] == [
        {"Key": "team", "Value": "growth"},
        {"Key": "env", "Value": "ci"},
    ]
    sesv2.delete_contact_list(ContactListName="news")
    assert refused(sesv2.list_tags_for_resource, ResourceArn=arn) == (
        "NotFoundException",
        404,
        f"Resource {arn} does not exist.",
    )


# -- contacts -------------------------------------------------------------------------
def test_a_contact_with_its_own_and_its_default_preferences(ses_account, news):
    news.create_contact(
        ContactListName="news",
        EmailAddress="Ann@example.com",
        TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
        AttributesData='{"name": "Ann"}',
    )
    assert without_metadata(
        news.get_contact(ContactListName="news", EmailAddress="ann@example.com")
    ) == {
        "ContactListName": "news",
        "EmailAddress": "Ann@example.com",
        "TopicPreferences": [{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
        "TopicDefaultPreferences": [{"TopicName": "weekly", "SubscriptionStatus": "OPT_IN"}],
        "UnsubscribeAll": False,
        "AttributesData": '{"name": "Ann"}',
        "CreatedTimestamp": START,
        "LastUpdatedTimestamp": START,
    }
    ses_account.clock.advance(minutes=5)
    # Everything is replaced: preferences, UnsubscribeAll, AttributesData left out is gone.
    news.update_contact(
        ContactListName="news",
        EmailAddress="ann@example.com",
        TopicPreferences=[{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}],
    )
    got = news.get_contact(ContactListName="news", EmailAddress="Ann@example.com")
    assert got["TopicPreferences"] == [{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}]
    assert got["TopicDefaultPreferences"] == [
        {"TopicName": "offers", "SubscriptionStatus": "OPT_OUT"}
    ]
    assert "AttributesData" not in got
    assert got["LastUpdatedTimestamp"] == START + timedelta(minutes=5)
    news.delete_contact(ContactListName="news", EmailAddress="ann@example.com")
    assert refused(news.get_contact, ContactListName="news", EmailAddress="ann@example.com") == (
        "NotFoundException",
        404,
        "ann@example.com doesn't exist in List.",
    )


def test_what_a_contact_may_be(news):
    create = news.create_contact
    news.create_contact(ContactListName="news", EmailAddress="ann@example.com")
    assert refused(create, ContactListName="news", EmailAddress="ann@example.com") == (
        "AlreadyExistsException",
        400,
        "ann@example.com already exists in List.",
    )
    assert refused(create, ContactListName="news", EmailAddress="ann") == (
        "BadRequestException",
        400,
        "EmailAddress <ann> is invalid",
    )
    assert refused(create, ContactListName="news", EmailAddress=" ")[2] == (
        "EmailAddress can't be blank."
    )
    topics = [{"TopicName": "daily", "SubscriptionStatus": "OPT_IN"}]
    assert refused(
        create, ContactListName="news", EmailAddress="bob@example.com", TopicPreferences=topics
    ) == ("BadRequestException", 400, "List: news doesn't contain Topic: daily")
    assert refused(
        create, ContactListName="news", EmailAddress="bob@example.com", AttributesData="[1, 2]"
    ) == ("BadRequestException", 400, "AttributesData must be a valid JSON object.")
    assert refused(news.update_contact, ContactListName="news", EmailAddress="bob@example.com") == (
        "NotFoundException",
        404,
        "bob@example.com doesn't exist in List.",
    )


def test_a_list_takes_its_contacts_with_it(news):
    news.create_contact(ContactListName="news", EmailAddress="ann@example.com")
    news.delete_contact_list(ContactListName="news")
    news.create_contact_list(ContactListName="news")
    assert news.list_contacts(ContactListName="news")["Contacts"] == []


def test_a_topic_taken_off_the_list_takes_the_preferences_with_it(news):
    news.create_contact(
        ContactListName="news",
        EmailAddress="ann@example.com",
        TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
    )
    news.update_contact_list(ContactListName="news", Topics=TOPICS[:1])
    got = news.get_contact(ContactListName="news", EmailAddress="ann@example.com")
    assert (got["TopicPreferences"], got["TopicDefaultPreferences"]) == (
        [],
        [{"TopicName": "weekly", "SubscriptionStatus": "OPT_IN"}],
    )


def listed(client, **filters):
    return [
        c["EmailAddress"]
        for c in client.list_contacts(ContactListName="news", **filters)["Contacts"]
    ]


def test_list_contacts_filters_by_status_and_topic(news):
    def add(email, unsubscribe_all=False, **preferences):
        news.create_contact(
            ContactListName="news",
            EmailAddress=email,
            UnsubscribeAll=unsubscribe_all,
            TopicPreferences=[
                {"TopicName": t, "SubscriptionStatus": s} for t, s in preferences.items()
            ],
        )

    add("d@example.com")
    add("c@example.com", weekly="OPT_OUT", offers="OPT_IN")
    add("b@example.com", offers="OPT_OUT")
    add("a@example.com", unsubscribe_all=True, weekly="OPT_IN")
    everyone = ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]
    assert listed(news) == everyone
    assert listed(news, Filter={"FilteredStatus": "OPT_OUT"}) == ["a@example.com"]
    assert listed(news, Filter={"FilteredStatus": "OPT_IN"}) == everyone[1:]

    def topic(status, name, default):
        return {
            "Filter": {
                "FilteredStatus": status,
                "TopicFilter": {"TopicName": name, "UseDefaultIfPreferenceUnavailable": default},
            }
        }

    # Only preferences the contacts gave; then the topic's default for the others.
    assert listed(news, **topic("OPT_IN", "offers", False)) == ["c@example.com"]
    assert listed(news, **topic("OPT_OUT", "offers", False)) == ["b@example.com"]
    assert listed(news, **topic("OPT_OUT", "offers", True)) == [
        "a@example.com",
        "b@example.com",
        "d@example.com",
    ]
    assert listed(news, **topic("OPT_IN", "weekly", True)) == ["b@example.com", "d@example.com"]
    # A contact unsubscribed from every topic is out of each, whatever it said of one.
    assert listed(news, **topic("OPT_OUT", "weekly", False)) == ["a@example.com", "c@example.com"]
    assert refused(
        news.list_contacts, ContactListName="news", **topic("OPT_IN", "daily", True)
    ) == (
        "BadRequestException",
        400,
        "List: news doesn't contain Topic: daily",
    )


def test_list_contacts_pages(news):
    for n in range(5):
        news.create_contact(ContactListName="news", EmailAddress=f"user{n}@example.com")
    first = news.list_contacts(ContactListName="news", PageSize=2)
    assert [c["EmailAddress"] for c in first["Contacts"]] == [
        "user0@example.com",
        "user1@example.com",
    ]
    seen = [c["EmailAddress"] for c in first["Contacts"]]
    token = first["NextToken"]
    while token:
        page = news.list_contacts(ContactListName="news", PageSize=2, NextToken=token)
        seen += [c["EmailAddress"] for c in page["Contacts"]]
        token = page.get("NextToken")
    assert seen == [f"user{n}@example.com" for n in range(5)]
    assert refused(news.list_contacts, ContactListName="news", PageSize=1001) == (
        "BadRequestException",
        400,
        "PageSize must be less than or equal to 1000.",
    )
    assert refused(news.list_contacts, ContactListName="news", NextToken="garbage!")[:2] == (
        "BadRequestException",
        400,
    )


@pytest.mark.ses_quota(api_rate_limit=1)
def test_list_operations_are_throttled_like_any_action(sesv2):
    sesv2.list_contact_lists()
    assert refused(sesv2.list_contact_lists) == ("TooManyRequestsException", 429, "Rate exceeded")


def test_served_contact_lists_survive_a_restart(tmp_path):
    state = tmp_path / "ses.sqlite"
    with serve(tmp_path, "--clock", "virtual", "--profile", "production", "--state", state) as (
        _process,
        endpoint,
        _info,
    ):
        v2 = client("sesv2", endpoint)
        v2.create_contact_list(ContactListName="news", Topics=TOPICS)
        v2.create_contact(
            ContactListName="news",
            EmailAddress="ann@example.com",
            UnsubscribeAll=True,
            AttributesData='{"name": "Ann"}',
        )
        v2.send_email(
            FromEmailAddress="news@example.com",
            Destination={"ToAddresses": ["bob@example.com"]},
            Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hi"}}}},
            ListManagementOptions={"ContactListName": "news"},
        )
    with serve(tmp_path, "--clock", "virtual", "--profile", "production", "--state", state) as (
        _process,
        endpoint,
        _info,
    ):
        v2 = client("sesv2", endpoint)
        assert v2.get_contact_list(ContactListName="news")["Topics"] == TOPICS
        ann = v2.get_contact(ContactListName="news", EmailAddress="ann@example.com")
        assert (ann["UnsubscribeAll"], ann["AttributesData"]) == (True, '{"name": "Ann"}')
        contacts = v2.list_contacts(ContactListName="news")["Contacts"]
        assert [c["EmailAddress"] for c in contacts] == ["ann@example.com", "bob@example.com"]


def test_the_ledger_record_says_when_a_link_exists():
    options = {"ContactListName": "news"}
    one = SentMessage("id-1", START, "eu-west-1", "SendEmail", "a@x.org", ("b@x.org",))
    assert one.unsubscribe_url is None
    listed = SentMessage(
        "id-1", START, "eu-west-1", "SendEmail", "a@x.org", ("b@x.org",), list_management=options
    )
    assert listed.unsubscribe_url == "https://unsubscribe.sesquota.invalid/eu-west-1/id-1"
