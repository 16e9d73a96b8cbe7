"""What contact lists do to sending (SES v2's ``ListManagementOptions``, SMTP's
``X-SES-LIST-MANAGEMENT-OPTIONS``): a missing list refused, unsubscribed contacts not
delivered, new recipients made contacts, the unsubscribe headers and links SES adds, and
a recipient's click on the link (``ses_account.unsubscribe``) with its Subscription event."""

from __future__ import annotations

import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage

import pytest

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOPICS = [
    {"TopicName": "weekly", "DisplayName": "Weekly news", "DefaultSubscriptionStatus": "OPT_IN"},
    {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_OUT"},
]
BODY = "Read more. Unsubscribe: {{amazonSESUnsubscribeUrl}}"
LINK = "https://unsubscribe.sesquota.invalid/us-east-1/{}"

pytestmark = pytest.mark.ses_quota(profile="production")


@pytest.fixture
def news(sesv2):
    sesv2.create_contact_list(ContactListName="news", Topics=TOPICS)
    return sesv2


def newsletter(client, *to, topic="weekly", text=BODY, html=None, **more):
    body = {"Text": {"Data": text}}
    if html is not None:
        body["Html"] = {"Data": html}
    options = {"ContactListName": "news"}
    if topic is not None:
        options["TopicName"] = topic
    return client.send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": list(to)},
        Content={"Simple": {"Subject": {"Data": "This week"}, "Body": body}},
        ListManagementOptions=options,
        **more,
    )["MessageId"]


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_a_send_naming_a_missing_list_or_topic_is_refused(ses_account, sesv2):
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        newsletter(sesv2, "ann@example.com")
    assert error_of(err) == ("NotFoundException", 404, "List with name: news doesn't exist.")
    sesv2.create_contact_list(ContactListName="news", Topics=TOPICS)
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        newsletter(sesv2, "ann@example.com", topic="daily")
    assert error_of(err) == ("BadRequestException", 400, "List: news doesn't contain Topic: daily")
    assert [(r.reason, r.code) for r in ses_account.rejected] == [
        ("contact_list_missing", "NotFoundException"),
        ("invalid", "BadRequestException"),
    ]
    assert ses_account.sent == [] and ses_account.quota()[2] == 0


def test_a_new_recipient_becomes_a_contact(ses_account, news):
    ses_account.clock.advance(minutes=3)
    newsletter(news, "Ann@Example.com", "bob@example.com")
    contacts = news.list_contacts(ContactListName="news")["Contacts"]
    assert [(c["EmailAddress"], c["TopicPreferences"], c["UnsubscribeAll"]) for c in contacts] == [
        ("Ann@Example.com", [], False),
        ("bob@example.com", [], False),
    ]
    got = news.get_contact(ContactListName="news", EmailAddress="ann@example.com")
    assert got["CreatedTimestamp"] == ses_account.sent[0].time


def test_an_unsubscribed_contact_is_not_delivered(ses_account, news):
    news.create_contact(
        ContactListName="news",
        EmailAddress="weekly-out@example.com",
        TopicPreferences=[{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}],
    )
    news.create_contact(
        ContactListName="news", EmailAddress="all-out@example.com", UnsubscribeAll=True
    )
    news.create_contact(
        ContactListName="news",
        EmailAddress="offers-in@example.com",
        TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
    )
    everyone = ("weekly-out@example.com", "all-out@example.com", "offers-in@example.com")
    newsletter(news, *everyone, topic="weekly")
    newsletter(news, *everyone, "new@example.com", topic="offers")  # OPT_OUT by default
    newsletter(news, *everyone, topic=None)  # the list as a whole
    weekly, offers, whole = ses_account.sent
    assert weekly.undelivered == {
        "weekly-out@example.com": "unsubscribed",
        "all-out@example.com": "unsubscribed",
    }
    assert weekly.delivered == ("offers-in@example.com",)
    assert offers.delivered == ("offers-in@example.com",)
    assert set(offers.undelivered) == {
        "weekly-out@example.com",
        "all-out@example.com",
        "new@example.com",
    }
    assert whole.undelivered == {"all-out@example.com": "unsubscribed"}
    # Accepted and counted, as SES counts them.
    assert ses_account.quota()[2] == 10


def test_a_single_recipient_s_message_carries_the_unsubscribe_headers_and_links(ses_account, news):
    message_id = newsletter(
        news, "ann@example.com", html="<a href='{{amazonSESUnsubscribeUrl}}'>x</a> " * 3
    )
    [sent] = ses_account.sent
    link = LINK.format(message_id)
    assert sent.unsubscribe_url == link
    received = sent.message
    assert received["List-Unsubscribe"] == f"<{link}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"List-Unsubscribe: <{link}>\n" in received.as_string()
    text = received.get_body(("plain",)).get_content()
    assert text == f"Read more. Unsubscribe: {link}\n"
    html = received.get_body(("html",)).get_content()
    # "If used more than two times, only the first two occurrences are replaced."
    assert html.count(link) == 2 and html.count("{{amazonSESUnsubscribeUrl}}") == 1
    # What the caller sent is kept as sent.
    assert sent.text == BODY


def test_no_links_for_several_recipients_nor_without_list_management(ses_account, news):
    newsletter(news, "ann@example.com", "bob@example.com")
    news.send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": ["ann@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": BODY}}}},
    )
    for sent in ses_account.sent:
        assert sent.unsubscribe_url is None
        assert sent.message["List-Unsubscribe"] is None
        assert "{{amazonSESUnsubscribeUrl}}" in sent.message.get_content()


def test_ses_replaces_the_sender_s_own_unsubscribe_headers(ses_account, news):
    raw = EmailMessage()
    raw["From"] = "news@example.com"
    raw["To"] = "ann@example.com"
    raw["Subject"] = "This week"
    raw["List-Unsubscribe"] = "<mailto:leave@example.com>"
    raw.set_content(BODY)
    message_id = news.send_email(
        Content={"Raw": {"Data": raw.as_bytes()}},
        ListManagementOptions={"ContactListName": "news"},
    )["MessageId"]
    received = ses_account.sent[0].message
    assert received.get_all("List-Unsubscribe") == [f"<{LINK.format(message_id)}>"]
    assert received.get_content() == f"Read more. Unsubscribe: {LINK.format(message_id)}\n"


def test_a_template_keeps_the_placeholder_for_ses(ses_account, news):
    news.create_email_template(
        TemplateName="weekly",
        TemplateContent={"Subject": "Hi {{name}}", "Text": "Hello {{name}}. " + BODY},
    )
    message_id = news.send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": ["ann@example.com"]},
        Content={"Template": {"TemplateName": "weekly", "TemplateData": '{"name": "Ann"}'}},
        ListManagementOptions={"ContactListName": "news", "TopicName": "weekly"},
    )["MessageId"]
    [sent] = ses_account.sent
    assert sent.rendering_failure is None
    assert sent.message.get_content() == (
        f"Hello Ann. Read more. Unsubscribe: {LINK.format(message_id)}\n"
    )


def test_clicking_the_link_unsubscribes_from_the_topic_and_publishes_an_event(ses_account, news):
    message_id = newsletter(news, "ann@example.com", topic="weekly")
    ses_account.clock.advance(seconds=30)
    event = ses_account.unsubscribe(ses_account.sent[0].message["List-Unsubscribe"][1:-1])
    assert event in ses_account.events
    assert (event.event_type, event.message_id, event.recipients, event.region) == (
        "Subscription",
        message_id,
        ("ann@example.com",),
        "us-east-1",
    )
    assert event.detail == {
        "contactList": "news",
        "timestamp": "2026-01-01T00:00:30.000Z",
        "source": "UnsubscribeHeader",
        "newTopicPreferences": {
            "unsubscribeAll": False,
            "topicSubscriptionStatus": [
                {"topicName": "weekly", "subscriptionStatus": "OptOut"},
                {"topicName": "offers", "subscriptionStatus": "OptOut"},
            ],
        },
        "oldTopicPreferences": {
            "unsubscribeAll": False,
            "topicSubscriptionStatus": [
                {"topicName": "weekly", "subscriptionStatus": "OptIn"},
                {"topicName": "offers", "subscriptionStatus": "OptOut"},
            ],
        },
    }
    got = news.get_contact(ContactListName="news", EmailAddress="ann@example.com")
    assert got["TopicPreferences"] == [{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}]
    newsletter(news, "ann@example.com", topic="weekly")
    assert ses_account.sent[-1].undelivered == {"ann@example.com": "unsubscribed"}
    news.update_contact(
        ContactListName="news",
        EmailAddress="ann@example.com",
        TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
    )
    newsletter(news, "ann@example.com", topic="offers")
    assert ses_account.sent[-1].delivered == ("ann@example.com",)


def test_the_link_of_a_message_to_the_whole_list_unsubscribes_from_all(ses_account, news):
    newsletter(news, "ann@example.com", topic=None)
    event = ses_account.unsubscribe(ses_account.sent[0])
    assert event.detail["newTopicPreferences"]["unsubscribeAll"] is True
    assert event.detail["oldTopicPreferences"]["unsubscribeAll"] is False
    got = news.get_contact(ContactListName="news", EmailAddress="ann@example.com")
    assert (got["UnsubscribeAll"], got["TopicPreferences"]) == (True, [])
    newsletter(news, "ann@example.com", topic="weekly")
    assert ses_account.sent[-1].undelivered == {"ann@example.com": "unsubscribed"}


def test_unsubscribe_says_what_it_cannot_click(ses_account, news):
    newsletter(news, "ann@example.com", "bob@example.com")
    several = ses_account.sent[0]
    with pytest.raises(ValueError, match=r"has no unsubscribe link: SES adds one only to a "):
        ses_account.unsubscribe(several.message_id)
    with pytest.raises(LookupError, match=r"no accepted message of this account has that id"):
        ses_account.unsubscribe(LINK.format("0100-nope"))
    newsletter(news, "ann@example.com")
    news.delete_contact_list(ContactListName="news")
    with pytest.raises(LookupError, match=r"names contact list 'news', topic 'weekly', which no"):
        ses_account.unsubscribe(ses_account.sent[-1])
    assert [e for e in ses_account.events if e.event_type == "Subscription"] == []


def test_the_smtp_interface_reads_its_list_management_header(ses_account, ses_smtp, news):
    def submit(header, **more):
        message = EmailMessage()
        message["From"] = "news@example.com"
        message["To"] = "ann@example.com"
        message["Subject"] = "This week"
        message["X-SES-LIST-MANAGEMENT-OPTIONS"] = header
        for name, value in more.items():
            message[name.replace("_", "-")] = value
        message.set_content(BODY)
        with smtplib.SMTP(ses_smtp.host, ses_smtp.port, timeout=15) as smtp:
            smtp.starttls(context=ses_smtp.ssl_context())
            smtp.login(ses_smtp.username, ses_smtp.password)
            smtp.send_message(message)

    submit("news; topic=weekly")
    [sent] = ses_account.sent
    assert (sent.transport, dict(sent.list_management)) == (
        "smtp",
        {"ContactListName": "news", "TopicName": "weekly"},
    )
    received = sent.message
    assert received["X-SES-LIST-MANAGEMENT-OPTIONS"] is None  # SES takes it out
    assert received["List-Unsubscribe"] == f"<{LINK.format(sent.message_id)}>"
    with pytest.raises(smtplib.SMTPDataError) as err:
        submit("letters")
    assert (err.value.smtp_code, err.value.smtp_error) == (
        554,
        b"Transaction failed: List with name: letters doesn't exist.",
    )
    # Beside SES's other headers (a configuration set): each read, each taken out.
    news.create_configuration_set(ConfigurationSetName="letters")
    submit("news; topic=offers", X_SES_CONFIGURATION_SET="letters")
    sent = ses_account.sent[-1]
    assert (sent.configuration_set, dict(sent.list_management), sent.undelivered) == (
        "letters",
        {"ContactListName": "news", "TopicName": "offers"},
        {"ann@example.com": "unsubscribed"},
    )
    received = sent.message
    assert received["X-SES-CONFIGURATION-SET"] is None
    assert received["X-SES-LIST-MANAGEMENT-OPTIONS"] is None
