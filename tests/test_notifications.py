"""Identities' feedback notifications through boto3: SES v1's SetIdentityNotificationTopic
family and v2's PutEmailIdentityFeedbackAttributes, with SES's rules and errors; the
topics then get the identity's bounces, complaints and deliveries."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import NO_RETRIES, send, send_v2

BOUNCES = "arn:aws:sns:us-east-1:123456789012:bounces"
COMPLAINTS = "arn:aws:sns:us-east-1:123456789012:complaints"
pytestmark = pytest.mark.ses_quota(profile="production", verified=["example.com"])


def attributes(ses, *identities):
    return ses.get_identity_notification_attributes(Identities=list(identities))[
        "NotificationAttributes"
    ]


def error(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_a_verified_identity_starts_with_ses_s_defaults(ses):
    assert attributes(ses, "example.com", "unknown.org") == {
        "example.com": {
            "ForwardingEnabled": True,
            "HeadersInBounceNotificationsEnabled": False,
            "HeadersInComplaintNotificationsEnabled": False,
            "HeadersInDeliveryNotificationsEnabled": False,
        }
    }


def test_topics_headers_and_forwarding_as_set(ses):
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Bounce", SnsTopic=BOUNCES
    )
    ses.set_identity_notification_topic(
        Identity="arn:aws:ses:us-east-1:123456789012:identity/example.com",
        NotificationType="Complaint",
        SnsTopic=COMPLAINTS,
    )
    ses.set_identity_headers_in_notifications_enabled(
        Identity="example.com", NotificationType="Bounce", Enabled=True
    )
    ses.set_identity_feedback_forwarding_enabled(Identity="example.com", ForwardingEnabled=False)
    assert attributes(ses, "example.com")["example.com"] == {
        "BounceTopic": BOUNCES,
        "ComplaintTopic": COMPLAINTS,
        "ForwardingEnabled": False,
        "HeadersInBounceNotificationsEnabled": True,
        "HeadersInComplaintNotificationsEnabled": False,
        "HeadersInDeliveryNotificationsEnabled": False,
    }
    # Clearing a topic brings forwarding back (it may be off only with both) and its headers go.
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Bounce")
    assert attributes(ses, "example.com")["example.com"] == {
        "ComplaintTopic": COMPLAINTS,
        "ForwardingEnabled": True,
        "HeadersInBounceNotificationsEnabled": False,
        "HeadersInComplaintNotificationsEnabled": False,
        "HeadersInDeliveryNotificationsEnabled": False,
    }


def test_forwarding_cannot_be_turned_off_without_bounce_and_complaint_topics(ses):
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Bounce", SnsTopic=BOUNCES
    )
    assert error(
        lambda: ses.set_identity_feedback_forwarding_enabled(
            Identity="example.com", ForwardingEnabled=False
        )
    ) == (
        "InvalidParameterValue",
        "Feedback forwarding can only be disabled when Amazon SNS topics are specified for "
        "both bounces and complaints.",
    )


def test_headers_need_the_type_s_topic_first(ses):
    assert error(
        lambda: ses.set_identity_headers_in_notifications_enabled(
            Identity="example.com", NotificationType="Delivery", Enabled=True
        )
    ) == (
        "InvalidParameterValue",
        "Headers can only be included in Delivery notifications once an Amazon SNS topic is "
        "set for them.",
    )


def test_an_unverified_identity_a_wrong_type_and_a_foreign_topic_are_refused(ses, ses_account):
    ses.verify_email_identity(EmailAddress="pending@other.org")  # asked, not verified
    arn = "arn:aws:ses:us-east-1:123456789012:identity/pending@other.org"
    assert error(
        lambda: ses.set_identity_notification_topic(
            Identity=arn, NotificationType="Bounce", SnsTopic=BOUNCES
        )
    ) == (
        "InvalidParameterValue",
        f"Identity {arn} is invalid. Must be a verified email address or domain.",
    )
    assert error(
        lambda: ses.set_identity_notification_topic(
            Identity="example.com", NotificationType="Open", SnsTopic=BOUNCES
        )
    ) == (
        "ValidationError",
        "1 validation error detected: Value 'Open' at 'notificationType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Bounce, Complaint, Delivery]",
    )
    other_region = "arn:aws:sns:eu-west-1:123456789012:bounces"
    assert error(
        lambda: ses.set_identity_notification_topic(
            Identity="example.com", NotificationType="Bounce", SnsTopic=other_region
        )
    ) == ("InvalidParameterValue", f"SNS topic <{other_region}> is invalid.")


@pytest.mark.ses_quota(verified=None)
def test_an_account_that_checks_no_identities_takes_any_name(ses):
    ses.set_identity_notification_topic(
        Identity="app@example.com", NotificationType="Delivery", SnsTopic=BOUNCES
    )
    assert attributes(ses, "app@example.com")["app@example.com"]["DeliveryTopic"] == BOUNCES


def test_the_identity_s_topics_get_its_notifications(ses, ses_account):
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Bounce", SnsTopic=BOUNCES
    )
    send(ses, "bounce@simulator.amazonses.com", "success@simulator.amazonses.com")
    ses_account.clock.advance(seconds=1)
    [publication] = ses_account.published
    assert (publication.target, publication.message["notificationType"]) == (BOUNCES, "Bounce")
    assert "headers" not in publication.message["mail"]


def test_deleting_the_identity_forgets_its_settings(ses, ses_account):
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Bounce", SnsTopic=BOUNCES
    )
    ses.delete_identity(Identity="example.com")
    ses_account.verify("example.com")
    assert "BounceTopic" not in attributes(ses, "example.com")["example.com"]


def test_v2_feedback_attributes_and_get_email_identity(sesv2, ses):
    assert sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"]
    sesv2.put_email_identity_feedback_attributes(
        EmailIdentity="example.com", EmailForwardingEnabled=False
    )
    assert not sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"]
    assert not attributes(ses, "example.com")["example.com"]["ForwardingEnabled"]
    with pytest.raises(sesv2.exceptions.NotFoundException) as caught:
        sesv2.put_email_identity_feedback_attributes(
            EmailIdentity="nobody.org", EmailForwardingEnabled=True
        )
    assert (
        caught.value.response["Error"]["Message"] == "Email identity <nobody.org> does not exist."
    )


def test_through_sesquota_serve_and_kept_by_its_state_file(tmp_path):
    from pytest_sesquota import SesAccount
    from pytest_sesquota.clock.sesclock import DetachedClock
    from pytest_sesquota.serve.gate import Gate
    from pytest_sesquota.serve.retention import Retention
    from pytest_sesquota.serve.server import SesHttpServer
    from pytest_sesquota.serve.store import Store

    def served(topic=None):
        account = SesAccount(profile="production", verified=["example.com"], clock=DetachedClock())
        store = Store(tmp_path / "ses.sqlite")
        retention = Retention()
        store.load(account, retention)
        try:
            gate = Gate(account, store=store, retention=retention)
            with SesHttpServer(account, gate=gate) as server:
                client = boto3.client(
                    "ses",
                    region_name="us-east-1",
                    endpoint_url=server.endpoint_url,
                    aws_access_key_id="k",
                    aws_secret_access_key="s",
                    config=NO_RETRIES,
                )
                if topic is not None:
                    client.set_identity_notification_topic(
                        Identity="example.com", NotificationType="Bounce", SnsTopic=topic
                    )
                return attributes(client, "example.com")["example.com"]
        finally:
            store.close()

    assert served(BOUNCES)["BounceTopic"] == BOUNCES
    assert served()["BounceTopic"] == BOUNCES  # a restart keeps it


def test_v2_sends_reach_the_topics_too(sesv2, ses, ses_account):
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Delivery", SnsTopic=BOUNCES
    )
    send_v2(sesv2, "success@simulator.amazonses.com")
    ses_account.clock.advance(seconds=1)
    assert [p.message["notificationType"] for p in ses_account.published] == ["Delivery"]
