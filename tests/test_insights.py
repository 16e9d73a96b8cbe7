"""GetMessageInsights, GetEmailAddressInsights and ListRecommendations through boto3:
what happened to a message, what the account can tell of an address, and the advisor's
recommendations, computed from what the account did beside what the test decides."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import botocore.session
import pytest
from botocore.exceptions import ClientError
from conftest import send_v2

from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.events import Events, SesEvent

START = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)
pytestmark = pytest.mark.ses_quota(profile="production", start=START)
ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
#: GetEmailAddressInsights is newer than the oldest supported botocore (1.34), which lacks it.
ADDRESS_INSIGHTS = "GetEmailAddressInsights" in (
    botocore.session.get_session().get_service_model("sesv2").operation_names
)
needs_address_insights = pytest.mark.skipif(
    not ADDRESS_INSIGHTS, reason="this botocore has no GetEmailAddressInsights"
)

#: SES's diagnostic code for a recipient on the account's suppression list (its events').
SUPPRESSED_DIAGNOSTIC = (
    "Amazon SES did not send the message to this address because it is on the suppression "
    "list for your account. For more information about removing addresses from the "
    "suppression list, see the Amazon SES Developer Guide at "
    "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html"
)


def verdicts(v2, address):
    found = v2.get_email_address_insights(EmailAddress=address)["MailboxValidation"]
    flat = {name: v["ConfidenceVerdict"] for name, v in found["Evaluations"].items()}
    return found["IsValid"]["ConfidenceVerdict"], flat


def test_message_insights_tell_each_recipient_s_events(ses_account, sesv2):
    ses_account.suppress("gone@example.org")
    message_id = sesv2.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": ["ann@gmail.com", "gone@example.org"]},
        Content={"Simple": {"Subject": {"Data": "Welcome"}, "Body": {"Text": {"Data": "Hi"}}}},
        EmailTags=[{"Name": "campaign", "Value": "welcome"}],
    )["MessageId"]
    ses_account.clock.advance(
        seconds=2
    )  # SES's deliveries and bounces come a second after the send
    insights = sesv2.get_message_insights(MessageId=message_id)
    assert insights["MessageId"] == message_id
    assert (insights["FromEmailAddress"], insights["Subject"]) == ("app@example.com", "Welcome")
    assert insights["EmailTags"] == [
        {"Name": "campaign", "Value": "welcome"},
        {"Name": "ses:operation", "Value": "SendEmail"},
        {"Name": "ses:from-domain", "Value": "example.com"},
    ]
    ann, gone = insights["Insights"]
    assert (ann["Destination"], ann["Isp"]) == ("ann@gmail.com", "Gmail")
    assert [e["Type"] for e in ann["Events"]] == ["SEND", "DELIVERY"]
    assert ann["Events"][0]["Timestamp"].astimezone(timezone.utc) == START
    assert [(e["Type"], e.get("Details")) for e in gone["Events"]] == [
        ("SEND", None),
        (
            "BOUNCE",
            {
                "Bounce": {
                    "BounceType": "PERMANENT",
                    "BounceSubType": "OnAccountSuppressionList",
                    "DiagnosticCode": SUPPRESSED_DIAGNOSTIC,
                }
            },
        ),
    ]


def test_message_insights_read_the_account_s_events(ses_account, sesv2):
    message_id = send_v2(sesv2, "bob@yahoo.com")["MessageId"]
    later = START + timedelta(minutes=5)
    detail = {
        "bounceType": "Permanent",
        "bounceSubType": "NoEmail",
        "bouncedRecipients": [
            {"emailAddress": "bob@yahoo.com", "diagnosticCode": "smtp; 550 5.1.1"}
        ],
    }
    events = part_of(ses_account, Events)
    events.emit(SesEvent("Send", START, "us-east-1", message_id, None, ("bob@yahoo.com",)))
    events.emit(
        SesEvent("Bounce", later, "us-east-1", message_id, None, ("bob@yahoo.com",), detail)
    )
    ses_account.clock.advance(minutes=5)
    [insight] = sesv2.get_message_insights(MessageId=message_id)["Insights"]
    # After the account's own Delivery (a second after the send), the bounce emitted.
    assert [e["Type"] for e in insight["Events"]] == ["SEND", "DELIVERY", "BOUNCE"]
    assert insight["Events"][2]["Details"] == {
        "Bounce": {
            "BounceType": "PERMANENT",
            "BounceSubType": "NoEmail",
            "DiagnosticCode": "smtp; 550 5.1.1",
        }
    }
    if ADDRESS_INSIGHTS:
        assert verdicts(sesv2, "bob@yahoo.com")[1]["MailboxExists"] == "LOW"


def test_an_unknown_message_is_not_found(ses_account, sesv2):
    with pytest.raises(ClientError) as missing:
        sesv2.get_message_insights(MessageId="0100-nothing")
    error = missing.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "NotFoundException",
        "No message insights found for 0100-nothing.",
    )
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@needs_address_insights
def test_address_insights_from_what_the_account_saw_and_plain_rules(ses_account, sesv2):
    send_v2(sesv2, "ann@gmail.com")
    send_v2(sesv2, "bounce@simulator.amazonses.com")
    ses_account.clock.advance(
        seconds=2
    )  # SES's deliveries and bounces come a second after the send
    assert verdicts(sesv2, "ann@gmail.com") == (
        "HIGH",
        {
            "HasValidSyntax": "HIGH",
            "HasValidDnsRecords": "HIGH",
            "MailboxExists": "HIGH",
            "IsRoleAddress": "LOW",
            "IsDisposable": "LOW",
            "IsRandomInput": "LOW",
        },
    )
    assert verdicts(sesv2, "bounce@simulator.amazonses.com")[0] == "LOW"
    never = verdicts(sesv2, "cy@corp.io")
    assert never[0] == "MEDIUM" and never[1]["MailboxExists"] == "MEDIUM"
    role = verdicts(sesv2, "support@mailinator.com")
    assert role[0] == "LOW"
    assert (role[1]["IsRoleAddress"], role[1]["IsDisposable"]) == ("HIGH", "HIGH")
    assert verdicts(sesv2, "user@example.com")[1]["HasValidDnsRecords"] == "LOW"
    assert verdicts(sesv2, "xqzvbkrtpl@corp.io")[1]["IsRandomInput"] == "HIGH"
    assert verdicts(sesv2, "nodomain@localhost")[1]["HasValidSyntax"] == "LOW"


@needs_address_insights
def test_the_test_decides_an_address_s_verdicts(ses_account, sesv2):
    ses_account.set_address_insights("gmial.com", IsValid="LOW", HasValidDnsRecords="LOW")
    ses_account.set_address_insights("ann@gmial.com", MailboxExists="LOW")
    valid, found = verdicts(sesv2, "Ann@gmial.com")
    assert (valid, found["HasValidDnsRecords"], found["MailboxExists"]) == ("LOW", "LOW", "LOW")
    with pytest.raises(ValueError, match=r"^check='Valid': valid choices: IsValid, HasValidSyntax"):
        ses_account.set_address_insights("a@b.com", Valid="LOW")
    with pytest.raises(ValueError, match=r"^IsValid='SURE': valid choices: LOW, MEDIUM, HIGH$"):
        ses_account.set_address_insights("a@b.com", IsValid="SURE")


@pytest.mark.ses_quota(max_send_rate=-1)
def test_recommendations_from_the_bounce_rate_and_the_test_s(ses_account, sesv2):
    ses_account.verify("example.com")
    for n in range(19):
        send_v2(sesv2, f"r{n}@gmail.com")
    assert sesv2.list_recommendations()["Recommendations"] == []
    message_id = send_v2(sesv2, "gone@gmail.com")["MessageId"]
    part_of(ses_account, Events).emit(
        SesEvent(
            "Bounce", START, "us-east-1", message_id, None, ("gone@gmail.com",),
            {"bounceType": "Permanent", "bounceSubType": "General"},
        )
    )  # fmt: skip
    [bounce] = sesv2.list_recommendations()["Recommendations"]
    assert bounce == {
        "ResourceArn": ARN,
        "Type": "BOUNCE",
        "Description": (
            "The bounce rate of example.com over the last 30 days is 5.00%, at or over 5.0%."
        ),
        "Status": "OPEN",
        "CreatedTimestamp": bounce["CreatedTimestamp"],
        "LastUpdatedTimestamp": bounce["LastUpdatedTimestamp"],
        "Impact": "HIGH",
    }
    assert bounce["CreatedTimestamp"].astimezone(timezone.utc) == START  # its bounce
    ses_account.clock.advance(hours=1)
    ses_account.recommend(ARN, "DMARC", "No DMARC record was found for example.com.", impact="LOW")
    ses_account.recommend(ARN, "DKIM", "DKIM signing is not set up.", status="FIXED")
    listed = sesv2.list_recommendations()["Recommendations"]
    assert [r["Type"] for r in listed] == ["DKIM", "BOUNCE", "DMARC"]  # HIGH first, newest first
    assert [
        r["Type"]
        for r in sesv2.list_recommendations(Filter={"STATUS": "OPEN", "IMPACT": "LOW"})[
            "Recommendations"
        ]
    ] == ["DMARC"]
    assert [
        r["Type"] for r in sesv2.list_recommendations(Filter={"TYPE": "DKIM"})["Recommendations"]
    ] == ["DKIM"]
    first = sesv2.list_recommendations(PageSize=2)
    rest = sesv2.list_recommendations(PageSize=2, NextToken=first["NextToken"])
    assert [r["Type"] for r in first["Recommendations"] + rest["Recommendations"]] == [
        "DKIM",
        "BOUNCE",
        "DMARC",
    ]
    # The bounce rate falls under 5% with more good mail: its recommendation goes.
    for n in range(5):
        send_v2(sesv2, f"s{n}@gmail.com")
    assert [r["Type"] for r in sesv2.list_recommendations()["Recommendations"]] == ["DKIM", "DMARC"]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"TYPE": "DKIM", "IMPACT": "LOW"},
            "Filter must be a single filter, or STATUS with IMPACT",
        ),
        ({"TYPE": "SPAM"}, "Value 'SPAM' at 'filter.TYPE' failed to satisfy constraint"),
        ({"STATUS": "CLOSED"}, "Value 'CLOSED' at 'filter.STATUS' failed to satisfy constraint"),
    ],
)
def test_bad_recommendation_filters(ses_account, sesv2, given, message):
    with pytest.raises(ClientError) as refused:
        sesv2.list_recommendations(Filter=given)
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert message in refused.value.response["Error"]["Message"]


def test_recommend_checks_its_arguments(ses_account):
    with pytest.raises(ValueError, match=r"^type='SPAM': valid choices: DKIM, DMARC, SPF"):
        ses_account.recommend(ARN, "SPAM", "x")
    with pytest.raises(ValueError, match=r"^recommend\('example.com'\): expected an ARN$"):
        ses_account.recommend("example.com", "DKIM", "x")
    first = ses_account.recommend(ARN, "SPF", "No SPF record.")
    ses_account.clock.advance(days=1)
    fixed = ses_account.recommend(ARN, "SPF", "No SPF record.", status="FIXED")
    assert (fixed.created, fixed.updated, fixed.status) == (
        first.created,
        START + timedelta(days=1),
        "FIXED",
    )
