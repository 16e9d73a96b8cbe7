"""SES's events from the account: which, when, in SES's documents, published where."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.configuration_sets import ConfigurationSet, ConfigurationSets
from pytest_sesquota.account.event_records import iso
from pytest_sesquota.account.events import EventDestination, Events, SesEvent
from pytest_sesquota.account.notifications import IdentityNotifications

pytestmark = pytest.mark.ses_quota(profile="production")
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"
ALL = (
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "DELIVERY_DELAY",
    "RENDERING_FAILURE",
    "SUBSCRIPTION",
    "OPEN",
    "CLICK",
)


def send(account, *to, **content):
    content.setdefault("subject", "Hi")
    content.setdefault("text", "Hello")
    content.setdefault("to", to)
    return account.send(
        region=None, operation="SendEmail", source="app@example.com", recipients=list(to), **content
    )


def with_set(account, name="cs", types=ALL, **target):
    target = target or {"sns_topic_arn": TOPIC}
    destination = EventDestination("d", True, types, **target)
    part_of(account, ConfigurationSets).put(
        ConfigurationSet(name, account.clock.now(), event_destinations={"d": destination})
    )


def kinds(events):
    return [(e.event_type, e.recipients) for e in events]


# -- which events, and when --------------------------------------------------------------
def test_a_delivered_message_is_a_send_now_and_a_delivery_a_second_later(ses_account):
    message = send(ses_account, "reader@example.com")
    assert kinds(ses_account.events) == [("Send", ("reader@example.com",))]
    assert kinds(ses_account.pending_events()) == [("Delivery", ("reader@example.com",))]
    ses_account.clock.advance(seconds=1)
    send_event, delivery = ses_account.events
    assert send_event.time == message.time and send_event.origin == "ses"
    assert delivery.time == message.time + timedelta(seconds=1)
    assert delivery.detail == {
        "timestamp": iso(message.time + timedelta(seconds=1)),
        "processingTimeMillis": 1000,
        "recipients": ["reader@example.com"],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": "a8-70.smtp-out.amazonses.com",
        "remoteMtaIp": "127.0.2.0",
    }
    assert ses_account.pending_events() == []


def test_the_simulator_s_bounce_is_a_hard_bounce_not_counted_and_no_delivery(ses_account):
    send(ses_account, "bounce@simulator.amazonses.com", "bounce+x@simulator.amazonses.com")
    ses_account.clock.advance(seconds=5)
    _send, bounce = ses_account.events
    assert bounce.event_type == "Bounce" and bounce.hard_bounce
    assert (bounce.bounce_type, bounce.bounce_sub_type, bounce.origin) == (
        "Permanent",
        "General",
        "simulator",
    )
    # One send's simulated bounces come as one (the SES guide).
    assert bounce.detail["bouncedRecipients"] == [
        {
            "emailAddress": r,
            "action": "failed",
            "status": "5.1.1",
            "diagnosticCode": "smtp; 550 5.1.1 user unknown",
        }
        for r in ("bounce@simulator.amazonses.com", "bounce+x@simulator.amazonses.com")
    ]
    assert bounce.detail["reportingMTA"] == "dns; a8-70.smtp-out.amazonses.com"
    assert not bounce.counts_toward_reputation


def test_ooto_is_delivered_then_a_soft_bounce(ses_account):
    send(ses_account, "ooto@simulator.amazonses.com")
    ses_account.clock.advance(seconds=2)
    assert timeline(ses_account) == [
        ("Send", 0),
        ("Delivery", 1),
        ("Bounce", 2),
    ]
    bounce = ses_account.events[-1]
    assert bounce.detail["bouncedRecipients"] == [{"emailAddress": "ooto@simulator.amazonses.com"}]
    assert (bounce.bounce_type, bounce.bounce_sub_type) == ("Transient", "General")
    assert not bounce.counts_toward_reputation


def test_the_simulator_s_complaint_follows_its_delivery(ses_account):
    send(ses_account, "complaint@simulator.amazonses.com")
    ses_account.clock.advance(seconds=2)
    complaint = ses_account.events[-1]
    assert complaint.event_type == "Complaint" and complaint.origin == "simulator"
    detail = dict(complaint.detail)
    assert detail.pop("feedbackId").startswith("0100")
    at = iso(ses_account.sent[0].time + timedelta(seconds=2))
    assert detail == {
        "complaintSubType": None,
        "complainedRecipients": [{"emailAddress": "complaint@simulator.amazonses.com"}],
        "timestamp": at,
        "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse",
        "arrivalDate": at,
    }
    assert not complaint.counts_toward_reputation


def test_suppressionlist_at_the_simulator_is_the_global_list_s_bounce_at_once(ses_account):
    send(ses_account, "suppressionlist@simulator.amazonses.com")
    bounce = ses_account.events[-1]
    assert (bounce.event_type, bounce.bounce_sub_type, bounce.origin) == (
        "Bounce",
        "Suppressed",
        "simulator",
    )
    assert bounce.detail["reportingMTA"] == "dns; amazonses.com"
    assert bounce.detail["bouncedRecipients"][0]["diagnosticCode"].startswith(
        "Amazon SES has suppressed sending to this address because it has a recent history"
    )


def test_a_suppressed_recipient_is_ses_s_own_bounce_not_counted(ses_account):
    ses_account.suppress("gone@example.com")
    send(ses_account, "gone@example.com", "reader@example.com")
    ses_account.clock.advance(seconds=1)
    assert kinds(ses_account.events) == [
        ("Send", ("gone@example.com", "reader@example.com")),
        ("Bounce", ("gone@example.com",)),
        ("Delivery", ("reader@example.com",)),
    ]
    bounce = ses_account.events[1]
    assert (bounce.bounce_type, bounce.bounce_sub_type, bounce.origin) == (
        "Permanent",
        "OnAccountSuppressionList",
        "suppression_list",
    )
    assert bounce.time == ses_account.sent[0].time
    assert bounce.detail["bouncedRecipients"] == [
        {
            "emailAddress": "gone@example.com",
            "action": "failed",
            "status": "5.1.1",
            "diagnosticCode": "Amazon SES did not send the message to this address because it "
            "is on the suppression list for your account. For more information about removing "
            "addresses from the suppression list, see the Amazon SES Developer Guide at "
            "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html",
        }
    ]
    assert not bounce.counts_toward_reputation


def test_a_mistyped_address_bounces_hard_and_counts(ses_account):
    ses_account.mailbox("@gmial.com", outcome="bounce", bounce_sub_type="NoEmail")
    message = send(ses_account, "ann@gmial.com")
    assert message.bounced == ("ann@gmial.com",) and message.delivered == ()
    ses_account.clock.advance(seconds=1)
    bounce = ses_account.events[-1]
    assert (bounce.bounce_sub_type, bounce.origin, bounce.counts_toward_reputation) == (
        "NoEmail",
        "recipient",
        True,
    )
    assert ses_account.send_statistics()[0]["Bounces"] == 1


def test_a_full_mailbox_is_a_soft_bounce_a_reader_s_complaint_counts(ses_account):
    ses_account.mailbox(
        "full@example.com", outcome="bounce", bounce_type="Transient", bounce_sub_type="MailboxFull"
    )
    ses_account.mailbox("angry@example.com", outcome="complaint")
    send(ses_account, "full@example.com", "angry@example.com")
    ses_account.clock.advance(seconds=2)
    by_type = {e.event_type: e for e in ses_account.events}
    assert by_type["Bounce"].detail["bouncedRecipients"][0]["status"] == "4.2.2"
    assert not by_type["Bounce"].counts_toward_reputation
    complaint = by_type["Complaint"]
    assert complaint.counts_toward_reputation
    assert complaint.detail["userAgent"] == "pytest-sesquota Feedback Loop (V0.01)"


def test_an_undetermined_bounce_names_no_recipient(ses_account):
    ses_account.mailbox(
        "who@example.com",
        outcome="bounce",
        bounce_type="Undetermined",
        bounce_sub_type="Undetermined",
    )
    send(ses_account, "who@example.com")
    ses_account.clock.advance(seconds=1)
    assert ses_account.events[-1].detail["bouncedRecipients"] == []


def test_a_delayed_mailbox_gets_a_delivery_delay_then_its_delivery(ses_account):
    ses_account.mailbox("slow@example.com", outcome="delay", delay=timedelta(minutes=30))
    send(ses_account, "slow@example.com")
    ses_account.clock.advance(hours=1)
    assert timeline(ses_account) == [
        ("Send", 0),
        ("DeliveryDelay", 1),
        ("Delivery", 1800),
    ]
    notice = ses_account.events[1].detail
    assert notice["delayType"] == "TransientCommunicationFailure"
    assert notice["expirationTime"] == iso(ses_account.sent[0].time + timedelta(hours=14))


def test_a_delay_past_fourteen_hours_ends_in_a_soft_bounce(ses_account):
    ses_account.mailbox("never@example.com", outcome="delay", delay=timedelta(days=2))
    message = send(ses_account, "never@example.com")
    assert message.bounced == ("never@example.com",)
    ses_account.clock.advance(hours=14)
    assert [e.event_type for e in ses_account.events] == ["Send", "DeliveryDelay", "Bounce"]
    assert ses_account.events[-1].bounce_type == "Transient"


def test_a_mailbox_said_back_to_delivery_delivers_and_later_sends_see_it(ses_account):
    ses_account.mailbox("x@example.com", outcome="bounce")
    first = send(ses_account, "x@example.com")
    ses_account.mailbox("x@example.com", outcome="delivery")
    second = send(ses_account, "x@example.com")
    ses_account.clock.advance(seconds=1)
    assert (first.bounced, second.bounced) == (("x@example.com",), ())
    by_message = {(e.message_id, e.event_type) for e in ses_account.events}
    assert (first.message_id, "Bounce") in by_message
    assert (second.message_id, "Delivery") in by_message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"outcome": "bounced"}, r"mailbox\(outcome='bounced'\): valid outcomes: 'delivery'"),
        ({"outcome": "bounce", "bounce_type": "Hard"}, r"SES's bounce types are 'Undetermined'"),
        (
            {"outcome": "bounce", "bounce_sub_type": "OnAccountSuppressionList"},
            r"a Permanent bounce from a mail server is one of 'General', 'NoEmail' \(the "
            r"suppression lists' subtypes are SES's",
        ),
        ({"outcome": "delay", "delay": 0}, r"the delay must be positive"),
    ],
)
def test_a_wrong_mailbox_is_refused_naming_the_choices(ses_account, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ses_account.mailbox("x@example.com", **kwargs)


def test_a_rendering_failure_is_a_send_and_a_rendering_failure_nothing_else(ses_account):
    send(
        ses_account,
        "reader@example.com",
        template="welcome",
        rendering_failure="Attribute 'name' is not present in the rendering data.",
    )
    ses_account.clock.advance(seconds=5)
    assert [e.event_type for e in ses_account.events] == ["Send", "Rendering Failure"]
    failure = ses_account.events[1]
    assert failure.document["failure"] == {
        "errorMessage": "Attribute 'name' is not present in the rendering data.",
        "templateName": "welcome",
    }
    assert "headers" not in failure.document["mail"]


def test_a_virus_is_accepted_then_rejected_whole(ses_account):
    body = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    message = send(ses_account, "a@example.com", "b@example.com", text=body)
    assert message.delivered == ()
    ses_account.clock.advance(seconds=5)
    assert [e.event_type for e in ses_account.events] == ["Send", "Reject"]
    assert ses_account.events[1].detail == {"reason": "Bad content"}


# -- SES's documents ---------------------------------------------------------------------
def test_the_event_document_is_ses_s_with_the_headers_and_tags(ses_account):
    with_set(ses_account)  # a send naming a set that does not exist is refused
    message = send(
        ses_account, "reader@example.com", configuration_set="cs", tags={"campaign": "spring"}
    )
    document = ses_account.events[0].document
    assert json.loads(json.dumps(document)) == {
        "eventType": "Send",
        "mail": {
            "timestamp": iso(message.time),
            "source": "app@example.com",
            "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/app@example.com",
            "sendingAccountId": "123456789012",
            "messageId": message.message_id,
            "destination": ["reader@example.com"],
            "headersTruncated": False,
            "headers": [
                {"name": "From", "value": "app@example.com"},
                {"name": "To", "value": "reader@example.com"},
                {"name": "Subject", "value": "Hi"},
                {"name": "MIME-Version", "value": "1.0"},
                {"name": "Content-Type", "value": 'text/plain; charset="utf-8"'},
                {"name": "Content-Transfer-Encoding", "value": "7bit"},
            ],
            "commonHeaders": {
                "from": ["app@example.com"],
                "to": ["reader@example.com"],
                "messageId": message.message_id,
                "subject": "Hi",
            },
            "tags": {
                "ses:operation": ["SendEmail"],
                "ses:configuration-set": ["cs"],
                "ses:source-ip": ["127.0.0.1"],
                "ses:from-domain": ["example.com"],
                "ses:caller-identity": ["pytest-sesquota"],
                "campaign": ["spring"],
            },
        },
        "send": {},
    }


def test_a_raw_message_s_headers_are_its_own(ses_account):
    raw = (
        b"From: App <app@example.com>\r\nTo: reader@example.com\r\nBcc: hidden@example.com\r\n"
        b"Message-ID: <own-id@example.com>\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
        b"Subject: Raw\r\n\r\nBody\r\n"
    )
    send(ses_account, "reader@example.com", raw=raw, subject=None, text=None, to=())
    mail = ses_account.events[0].document["mail"]
    assert [h["name"] for h in mail["headers"]] == ["From", "To", "Message-ID", "Date", "Subject"]
    assert mail["commonHeaders"] == {
        "from": ["App <app@example.com>"],
        "to": ["reader@example.com"],
        "date": "Thu, 01 Jan 2026 00:00:00 +0000",
        "messageId": "own-id@example.com",
        "subject": "Raw",
    }


def test_the_identity_notification_has_no_tags_and_headers_only_when_asked(ses_account):
    send(ses_account, "bounce@simulator.amazonses.com")
    ses_account.clock.advance(seconds=1)
    bounce = ses_account.events[-1]
    notification = bounce.notification
    assert list(notification) == ["notificationType", "bounce", "mail"]
    assert notification["notificationType"] == "Bounce"
    assert "tags" not in notification["mail"] and "headers" in notification["mail"]
    assert notification["mail"]["sourceIp"] == "127.0.0.1"
    assert ses_account.events[0].notification is None  # a Send is no notification


# -- published, to where ------------------------------------------------------------------
def test_events_go_to_the_set_s_destinations_that_take_them_at_their_time(ses_account):
    with_set(ses_account, types=("SEND", "BOUNCE"))
    send(
        ses_account, "bounce@simulator.amazonses.com", "reader@example.com", configuration_set="cs"
    )
    assert [(p.event.event_type, p.target) for p in ses_account.published] == [("Send", TOPIC)]
    ses_account.clock.advance(seconds=1)
    assert [p.event.event_type for p in ses_account.published] == ["Send", "Bounce"]
    publication = ses_account.published[1]
    assert publication.kind == "sns" and publication.destination.name == "d"
    assert publication.message == publication.event.document


def test_a_disabled_destination_or_a_message_without_set_publishes_nothing(ses_account):
    destination = EventDestination("d", False, ALL, sns_topic_arn=TOPIC)
    part_of(ses_account, ConfigurationSets).put(
        ConfigurationSet("cs", ses_account.clock.now(), event_destinations={"d": destination})
    )
    send(ses_account, "reader@example.com", configuration_set="cs")
    send(ses_account, "reader@example.com")
    ses_account.clock.advance(seconds=1)
    assert ses_account.published == [] and len(ses_account.events) == 4


def test_identity_topics_get_their_notifications_with_headers_if_asked(ses_account):
    notifications = part_of(ses_account, IdentityNotifications)
    notifications.set_topic("example.com", "Bounce", TOPIC)
    notifications.set_topic("app@example.com", "Delivery", TOPIC)  # the address's wins
    notifications.set_headers("app@example.com", "Delivery", True)
    ses_account.verify("example.com", "app@example.com")
    send(ses_account, "bounce@simulator.amazonses.com", "reader@example.com")
    ses_account.clock.advance(seconds=1)
    assert [(p.event.event_type, p.notification) for p in ses_account.published] == [
        ("Delivery", True)
    ]
    assert "headers" in ses_account.published[0].message["mail"]


def test_a_topic_ses_cannot_publish_to_is_removed_and_forwarding_comes_back(ses_account):
    notifications = part_of(ses_account, IdentityNotifications)
    for kind in ("Bounce", "Complaint", "Delivery"):
        notifications.set_topic("app@example.com", kind, TOPIC)
    notifications.set_forwarding("app@example.com", False)
    ses_account.add_publisher(lambda publication: "NotFound: Topic does not exist")
    send(ses_account, "bounce@simulator.amazonses.com", "success@simulator.amazonses.com")
    ses_account.clock.advance(seconds=1)
    assert {p.error for p in ses_account.published} == {"NotFound: Topic does not exist"}
    settings = notifications.settings("app@example.com")
    assert settings.topics == {"Complaint": TOPIC, "Delivery": TOPIC}
    assert settings.forwarding_enabled


def test_a_listener_hears_every_event_as_it_happens(ses_account):
    heard = []
    ses_account.on_event(lambda e: heard.append((e.event_type, ses_account.clock.now())))
    message = send(ses_account, "reader@example.com")
    ses_account.clock.advance(seconds=3)
    assert heard == [("Send", message.time), ("Delivery", message.time + timedelta(seconds=1))]


def test_nothing_is_published_while_the_sender_holds_the_account(ses_account):
    heard = []
    ses_account.on_event(lambda e: heard.append(e.event_type))
    with ses_account._lock:
        send(ses_account, "reader@example.com")
        assert heard == []  # a webhook calling SES back would wait for this thread
    part_of(ses_account, Events).flush()
    assert heard == ["Send"]


def test_an_event_emitted_elsewhere_gets_its_document_from_its_message(ses_account):
    with_set(ses_account)
    message = send(ses_account, "reader@example.com", configuration_set="cs")
    subscription = {
        "contactList": "news",
        "timestamp": iso(ses_account.clock.now()),
        "source": "UnsubscribeHeader",
    }
    part_of(ses_account, Events).emit(
        SesEvent(
            "Subscription",
            ses_account.clock.now(),
            "us-east-1",
            message.message_id,
            "cs",
            ("reader@example.com",),
            subscription,
        )
    )
    published = ses_account.published[-1]
    assert published.message["eventType"] == "Subscription"
    assert published.message["subscription"] == subscription
    assert published.message["mail"]["messageId"] == message.message_id


# -- what readers do --------------------------------------------------------------------
def test_an_open_and_a_click_where_ses_tracks_them(ses_account):
    with_set(ses_account)
    html = '<p>Hi <a href="https://example.com/offer">offer</a></p>'
    message = send(ses_account, "reader@example.com", configuration_set="cs", html=html)
    opened = ses_account.open(message.message_id)
    assert opened.time == message.time + timedelta(seconds=1)  # not before its delivery
    ses_account.clock.advance(seconds=10)
    clicked = ses_account.click(
        message.message_id, "https://example.com/offer", link_tags={"offer": ["spring"]}
    )
    assert clicked.time == message.time + timedelta(seconds=10)
    assert clicked.detail["link"] == "https://example.com/offer"
    assert clicked.detail["linkTags"] == {"offer": ["spring"]}
    assert [p.event.event_type for p in ses_account.published] == [
        "Send",
        "Delivery",
        "Open",
        "Click",
    ]


def test_no_open_is_seen_without_html_or_tracking_and_a_wrong_click_is_refused(ses_account):
    plain = send(ses_account, "reader@example.com")
    assert ses_account.open(plain.message_id) is None
    untracked = send(ses_account, "reader@example.com", html='<a href="https://x.org">x</a>')
    assert ses_account.click(untracked.message_id, "https://x.org") is None
    with pytest.raises(ValueError, match=r"click\('https://y.org'\): the message's HTML has no"):
        ses_account.click(untracked.message_id, "https://y.org")
    with pytest.raises(ValueError, match=r"other@example.com did not receive message"):
        ses_account.open(plain.message_id, "other@example.com")
    with pytest.raises(ValueError, match=r"no accepted message has the id 'nope'"):
        ses_account.open("nope")


def timeline(account):
    """Each event's type and its seconds after the (first) send."""
    start = account.sent[0].time
    return [(e.event_type, (e.time - start).total_seconds()) for e in account.events]
