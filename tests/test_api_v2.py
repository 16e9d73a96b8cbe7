"""SES v2 through boto3: exact codes, statuses, headers and messages; one account with v1."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import MESSAGE, NO_RETRIES, SIMPLE, send, send_v2

from pytest_sesquota.ses.v2 import SesV2

# A v2 client created before any test, as an application does at import time.
MODULE_CLIENT = boto3.client("sesv2", region_name="us-east-1", config=NO_RETRIES)


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _model_members(shape):
    model = botocore.session.get_session().get_service_model("sesv2")
    return set(model.shape_for(shape).members)


def template_content(name, data="{}"):
    return {"Template": {"TemplateName": name, "TemplateData": data}}


# -- the quotas, shared with v1 ---------------------------------------------------
@pytest.mark.ses_quota(profile="sandbox")
def test_rate_is_too_many_requests_429(ses_account, sesv2):
    send_v2(sesv2, "a@example.com")
    with pytest.raises(sesv2.exceptions.TooManyRequestsException) as err:
        send_v2(sesv2, "a@example.com")
    assert error_of(err) == ("TooManyRequestsException", 429, "Maximum sending rate exceeded.")
    headers = err.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert headers["content-type"] == "application/json"
    assert str(err.value) == (
        "An error occurred (TooManyRequestsException) when calling the SendEmail operation "
        "(reached max retries: 0): Maximum sending rate exceeded."
    )
    ses_account.clock.advance(seconds=1)
    send_v2(sesv2, "a@example.com")
    assert [r.status for r in ses_account.requests] == [200, 429, 200]
    assert [m.operation for m in ses_account.sent] == ["SendEmail", "SendEmail"]
    assert {r.api for r in ses_account.requests} == {"sesv2"}


@pytest.mark.ses_quota(sent_last_24_hours=200)
def test_daily_quota_is_too_many_requests_429_as_captured(ses_account, sesv2):
    # Real SES v2 (a production capture): the rate's code and status, its own message.
    with pytest.raises(sesv2.exceptions.TooManyRequestsException) as err:
        send_v2(sesv2, "a@example.com")
    assert error_of(err) == ("TooManyRequestsException", 429, "Daily message quota exceeded.")
    headers = err.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert ses_account.throttled[0].reason == "daily"
    assert [(r.status, r.error_code) for r in ses_account.requests] == [
        (429, "TooManyRequestsException")
    ]


def test_v1_and_v2_draw_on_one_sandbox_day(ses_account, ses, sesv2):
    """150 recipients through v1, 60 through v2: the send that would pass 200 is refused."""
    for batch in range(3):
        send(ses, *[f"v1-{batch}-{i}@example.com" for i in range(50)])
        ses_account.clock.advance(seconds=50)  # the bucket's 50-recipient debt
    for batch in range(5):
        send_v2(sesv2, *[f"v2-{batch}-{i}@example.com" for i in range(10)])
        ses_account.clock.advance(seconds=10)
    assert ses.get_send_quota()["SentLast24Hours"] == 200.0
    assert sesv2.get_account()["SendQuota"] == {
        "Max24HourSend": 200.0,
        "MaxSendRate": 1.0,
        "SentLast24Hours": 200.0,
    }
    with pytest.raises(ClientError) as err:
        send_v2(sesv2, *[f"v2-last-{i}@example.com" for i in range(10)])
    assert error_of(err) == ("TooManyRequestsException", 429, "Daily message quota exceeded.")
    with pytest.raises(ClientError) as err:
        send(ses, "one-more@example.com")
    assert err.value.response["Error"]["Message"] == "Daily message quota exceeded."
    assert sum(len(m.recipients) for m in ses_account.sent) == 200
    assert [t.operation for t in ses_account.throttled] == ["SendEmail", "SendEmail"]
    assert [r.api for r in ses_account.requests if r.operation == "SendEmail"] == (
        ["ses"] * 3 + ["sesv2"] * 6 + ["ses"]
    )


def test_import_time_v2_client_is_faked(ses_account):
    send_v2(MODULE_CLIENT, "a@example.com")
    assert ses_account.sent[0].recipients == ("a@example.com",)


# -- SendEmail's three kinds of content ---------------------------------------------
def test_simple_content_lands_in_the_ledger(ses_account, sesv2):
    sesv2.create_configuration_set(ConfigurationSetName="tracking")
    result = sesv2.send_email(
        FromEmailAddress="App <app@example.com>",
        Destination={"ToAddresses": ["a@example.com"], "BccAddresses": ["b@example.com"]},
        Content={
            "Simple": {
                "Subject": {"Data": "Hello"},
                "Body": {"Text": {"Data": "plain"}, "Html": {"Data": "<p>html</p>"}},
            }
        },
        ConfigurationSetName="tracking",
    )
    sent = ses_account.sent[0]
    assert sent.message_id == result["MessageId"]
    assert (sent.source, sent.to, sent.bcc, sent.recipients) == (
        "App <app@example.com>",
        ("a@example.com",),
        ("b@example.com",),
        ("a@example.com", "b@example.com"),
    )
    assert (sent.subject, sent.text, sent.html) == ("Hello", "plain", "<p>html</p>")
    assert sent.configuration_set == "tracking" and sent.operation == "SendEmail"
    assert sent.message.get_body(("plain",)).get_content() == "plain\n"


def test_raw_content_counts_header_recipients(ses_account, sesv2):
    raw = (
        b"From: app@example.com\r\nTo: a@example.com, b@example.com\r\nCc: c@example.com\r\n"
        b"Subject: Raw\r\n\r\nbody\r\n"
    )
    sesv2.send_email(Content={"Raw": {"Data": raw}})
    sent = ses_account.sent[0]
    assert sent.source == "app@example.com"
    assert sent.recipients == ("a@example.com", "b@example.com", "c@example.com")
    assert sent.raw == raw and sent.subject == "Raw"
    assert ses_account.quota()[2] == 3.0


def test_raw_content_destination_wins_over_headers(ses_account, sesv2):
    raw = b"From: app@example.com\r\nTo: a@example.com\r\nSubject: Raw\r\n\r\nbody\r\n"
    sesv2.send_email(
        Destination={"ToAddresses": ["a@example.com"], "BccAddresses": ["hidden@example.com"]},
        Content={"Raw": {"Data": raw}},
    )
    assert ses_account.sent[0].recipients == ("a@example.com", "hidden@example.com")
    assert ses_account.sent[0].bcc == ("hidden@example.com",)


def test_template_content_is_rendered_into_the_ledger(ses_account, sesv2):
    sesv2.create_email_template(
        TemplateName="welcome",
        TemplateContent={
            "Subject": "Welcome, {{name}}",
            "Text": "Hello {{name}} from {{team.city}}",
            "Html": "<p>{{name}}</p>",
        },
    )
    send_v2(
        sesv2,
        "a@example.com",
        content=template_content(
            "welcome", json.dumps({"name": "Ana & Bo", "team": {"city": "Oslo"}})
        ),
    )
    sent = ses_account.sent[0]
    assert (sent.subject, sent.text, sent.html) == (
        "Welcome, Ana & Bo",
        "Hello Ana & Bo from Oslo",
        "<p>Ana & Bo</p>",  # SES does not escape HTML (the guide)
    )
    assert sent.template == "welcome" and sent.template_data == {
        "name": "Ana & Bo",
        "team": {"city": "Oslo"},
    }


@pytest.mark.skipif(
    "TemplateContent" not in _model_members("Template"),
    reason="this botocore's SES v2 model has no inline template content",
)
def test_inline_template_content(ses_account, sesv2):
    send_v2(
        sesv2,
        "a@example.com",
        content={
            "Template": {
                "TemplateContent": {"Subject": "Inline {{x}}", "Text": "t"},
                "TemplateData": '{"x": 1}',
            }
        },
    )
    assert ses_account.sent[0].subject == "Inline 1"


def test_template_by_arn(ses_account, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "By ARN"})
    send_v2(
        sesv2,
        "a@example.com",
        content={
            "Template": {
                "TemplateArn": "arn:aws:ses:us-east-1:123456789012:template/t",
                "TemplateData": "{}",
            }
        },
    )
    assert ses_account.sent[0].subject == "By ARN"


def test_missing_template_is_not_found_404(ses_account, sesv2):
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        send_v2(sesv2, "a@example.com", content=template_content("missing"))
    assert error_of(err) == ("NotFoundException", 404, "Template missing does not exist.")
    assert ses_account.rejected[0].reason == "invalid"
    assert ses_account.rejected[0].code == "NotFoundException"
    assert ses_account.quota()[2] == 0.0


def test_missing_template_data_is_accepted_with_a_rendering_failure(ses_account, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi {{name}}"})
    result = send_v2(sesv2, "a@example.com", content=template_content("t", "{}"))
    sent = ses_account.sent[0]
    assert sent.message_id == result["MessageId"]
    assert sent.rendering_failure == "Attribute 'name' is not present in the rendering data."
    assert ses_account.quota()[2] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"Destination": {"ToAddresses": [f"r{i}@example.com" for i in range(51)]}},
            "Recipient count exceeds 50.",
        ),
        ({"Destination": {"ToAddresses": ["nobody"]}}, "Missing final '@domain'"),
        ({"Destination": {}}, "Missing required header 'To'."),
        (
            {"Destination": {"ToAddresses": ["a@example.com"]}, "FromEmailAddress": None},
            "FromEmailAddress is required.",
        ),
        (
            {"Destination": {"ToAddresses": ["a@example.com"]}, "Content": {}},
            "Content must contain exactly one of Simple, Raw or Template.",
        ),
    ],
)
def test_bad_sends_are_bad_requests(ses_account, sesv2, kwargs, message):
    params = {"FromEmailAddress": "app@example.com", "Content": SIMPLE, **kwargs}
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.send_email(**params)
    assert error_of(err) == ("BadRequestException", 400, message)
    assert ses_account.sent == [] and ses_account.quota()[2] == 0.0
    assert [r.reason for r in ses_account.rejected] == ["invalid"]


def test_bad_template_data_is_a_bad_request(ses_account, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "S"})
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        send_v2(sesv2, "a@example.com", content=template_content("t", "[not json"))
    assert error_of(err) == ("BadRequestException", 400, "The template data is invalid")


def test_oversized_raw_message_has_the_v2_limit(ses_account, sesv2):
    raw = b"From: app@example.com\r\nTo: a@example.com\r\n\r\n" + b"x" * (40 * 1024 * 1024)
    with pytest.raises(ClientError) as err:
        sesv2.send_email(Content={"Raw": {"Data": raw}})
    size = len(raw)
    assert error_of(err) == (
        "BadRequestException",
        400,
        f"Message length is more than 41943040 bytes long: '{size}'.",
    )


@pytest.mark.ses_quota(verified=["app@example.com"])
def test_unverified_recipient_in_the_sandbox_is_message_rejected(ses_account, sesv2):
    with pytest.raises(sesv2.exceptions.MessageRejected) as err:
        send_v2(sesv2, "a@example.com", "Bob <b@example.org>")
    assert error_of(err) == (
        "MessageRejected",
        400,
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: a@example.com, Bob <b@example.org>",
    )
    assert ses_account.rejected[0].code == "MessageRejected"


def test_paused_account_is_sending_paused(ses_account, sesv2):
    sesv2.put_account_sending_attributes(SendingEnabled=False)
    assert sesv2.get_account()["SendingEnabled"] is False
    with pytest.raises(sesv2.exceptions.SendingPausedException) as err:
        send_v2(sesv2, "a@example.com")
    assert error_of(err) == (
        "SendingPausedException",
        400,
        "Email sending is disabled for your entire Amazon SES account.",
    )
    assert ses_account.rejected[0].code == "SendingPausedException"
    sesv2.put_account_sending_attributes(SendingEnabled=True)
    send_v2(sesv2, "a@example.com")
    assert ses_account.sending_enabled()


# -- bulk ---------------------------------------------------------------------------
@pytest.mark.ses_quota(verified=["app@example.com", "example.com"])
def test_bulk_email_has_per_entry_statuses(ses_account, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi {{name}}"})
    entries = [
        {
            "Destination": {"ToAddresses": ["a@example.com"]},
            "ReplacementEmailContent": {
                "ReplacementTemplate": {"ReplacementTemplateData": '{"name": "Ana"}'}
            },
        },
        {"Destination": {"ToAddresses": ["stranger@example.org"]}},
        {"Destination": {"ToAddresses": ["b@example.com"]}},
        {"Destination": {"ToAddresses": ["bad-address"]}},
    ]
    result = sesv2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": '{"name": "friend"}'}},
        BulkEmailEntries=entries,
    )["BulkEmailEntryResults"]
    assert [(r["Status"], r.get("Error")) for r in result] == [
        ("SUCCESS", None),
        (
            "MESSAGE_REJECTED",
            "Email address is not verified. The following identities failed the check in "
            "region US-EAST-1: stranger@example.org",
        ),
        ("ACCOUNT_THROTTLED", "Maximum sending rate exceeded."),
        ("INVALID_PARAMETER", "Missing final '@domain'"),
    ]
    assert result[0]["MessageId"] == ses_account.sent[0].message_id
    assert ses_account.sent[0].subject == "Hi Ana"
    assert ses_account.sent[0].operation == "SendBulkEmail"
    assert (len(ses_account.sent), len(ses_account.throttled), len(ses_account.rejected)) == (
        1,
        1,
        2,
    )
    assert len(ses_account.requests[-1].outcomes) == 4


@pytest.mark.ses_quota(profile="production", sent_last_24_hours=49_999)
def test_bulk_email_daily_quota_per_entry(ses_account, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi"})
    result = sesv2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        BulkEmailEntries=[
            {"Destination": {"ToAddresses": [f"r{i}@example.com"]}} for i in range(2)
        ],
    )["BulkEmailEntryResults"]
    assert [r["Status"] for r in result] == ["SUCCESS", "ACCOUNT_DAILY_QUOTA_EXCEEDED"]
    assert result[1]["Error"] == "Daily message quota exceeded."


def test_bulk_email_with_a_missing_template_is_refused_whole(ses_account, sesv2):
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        sesv2.send_bulk_email(
            FromEmailAddress="app@example.com",
            DefaultContent={"Template": {"TemplateName": "nope", "TemplateData": "{}"}},
            BulkEmailEntries=[{"Destination": {"ToAddresses": ["a@example.com"]}}],
        )
    assert error_of(err) == ("NotFoundException", 404, "Template nope does not exist.")


@pytest.mark.ses_quota(bulk_throttling="whole_call", max_send_rate=2)
def test_whole_call_bulk_throttling_refuses_or_accepts_the_call_whole(ses_account, ses, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi"})
    bulk = {
        "FromEmailAddress": "app@example.com",
        "DefaultContent": {"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        "BulkEmailEntries": [
            {"Destination": {"ToAddresses": [f"r{i}@example.com"]}} for i in range(3)
        ],
    }
    # Two tokens available: a bulk call of three passes the "at least one unit" check
    # as a whole, and takes the bucket into debt.
    result = sesv2.send_bulk_email(**bulk)["BulkEmailEntryResults"]
    assert [r["Status"] for r in result] == ["SUCCESS"] * 3
    assert ses_account.available_rate() == -1.0
    with pytest.raises(sesv2.exceptions.TooManyRequestsException) as err:
        sesv2.send_bulk_email(**bulk)
    assert error_of(err) == ("TooManyRequestsException", 429, "Maximum sending rate exceeded.")
    assert len(ses_account.throttled) == 3  # every destination dropped, one decision
    with pytest.raises(ClientError) as err:
        ses.send_bulk_templated_email(
            Source="app@example.com",
            Template="t",
            DefaultTemplateData="{}",
            Destinations=[{"Destination": {"ToAddresses": ["a@example.com"]}}],
        )
    assert err.value.response["Error"]["Code"] == "Throttling"


def test_per_destination_is_the_default(ses_account):
    assert ses_account.options.bulk_throttling == "per_destination"


# -- the account --------------------------------------------------------------------
def test_get_account_in_the_sandbox(sesv2):
    account = sesv2.get_account()
    account.pop("ResponseMetadata")
    # A new account's attributes (docs/choices.md): warm-up on, both reasons suppressed,
    # VDM off, no pricing plan, GLOBAL delivery (older botocore leaves out what it lacks).
    expected = {
        "DedicatedIpAutoWarmupEnabled": True,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": False,
        "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0},
        "SendingEnabled": True,
        "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        "VdmAttributes": {"VdmEnabled": "DISABLED"},
        "PricingAttributes": {"CurrentPlan": "NONE"},
        "DeliveryAttributes": {"SharedPoolDeliveryMode": "GLOBAL"},
    }
    members = sesv2.meta.service_model.operation_model("GetAccount").output_shape.members
    assert account == {k: v for k, v in expected.items() if k in members}


@pytest.mark.ses_quota(profile="production", max_24_hour_send=-1, max_send_rate=-1)
def test_get_account_unlimited_production(ses_account, sesv2):
    account = sesv2.get_account()
    assert account["ProductionAccessEnabled"] is True
    assert account["SendQuota"] == {
        "Max24HourSend": -1.0,
        "MaxSendRate": -1.0,
        "SentLast24Hours": 0.0,
    }
    ses_account.set_enforcement_status("PROBATION")
    assert sesv2.get_account()["EnforcementStatus"] == "PROBATION"
    with pytest.raises(ValueError, match="valid statuses: 'HEALTHY', 'PROBATION', 'SHUTDOWN'"):
        ses_account.set_enforcement_status("SICK")


def test_set_quota_takes_effect_on_the_next_call_in_both_apis(ses_account, ses, sesv2):
    ses_account.set_quota(max_24_hour_send=1000, max_send_rate=5)
    assert sesv2.get_account()["SendQuota"]["MaxSendRate"] == 5.0
    assert ses.get_send_quota()["Max24HourSend"] == 1000.0
    for i in range(5):
        send_v2(sesv2, f"r{i}@example.com")
    with pytest.raises(sesv2.exceptions.TooManyRequestsException):
        send_v2(sesv2, "late@example.com")
    ses_account.set_quota(sent_last_24_hours=1000)
    ses_account.clock.advance(seconds=1)
    with pytest.raises(ClientError) as err:
        send(ses, "a@example.com")
    assert err.value.response["Error"]["Message"] == "Daily message quota exceeded."


@pytest.mark.ses_quota(verified=["app@example.com"])
def test_leaving_the_sandbox_is_a_review_answered_by_the_test(ses_account, sesv2):
    sesv2.put_account_details(
        MailType="TRANSACTIONAL",
        WebsiteURL="https://example.com",
        ContactLanguage="EN",
        UseCaseDescription="Receipts for our customers",
        AdditionalContactEmailAddresses=["ops@example.com"],
        ProductionAccessEnabled=True,
    )
    details = sesv2.get_account()["Details"]
    case_id = details["ReviewDetails"]["CaseId"]
    assert case_id.isdigit() and len(case_id) == 10
    assert details == {
        "MailType": "TRANSACTIONAL",
        "WebsiteURL": "https://example.com",
        "ContactLanguage": "EN",
        "UseCaseDescription": "Receipts for our customers",
        "AdditionalContactEmailAddresses": ["ops@example.com"],
        "ReviewDetails": {"Status": "PENDING", "CaseId": case_id},
    }
    # While the review is pending, the account is still in the sandbox.
    with pytest.raises(sesv2.exceptions.MessageRejected):
        send_v2(sesv2, "customer@example.org")
    ses_account.grant_production_access(max_24_hour_send=100_000, max_send_rate=20)
    account = sesv2.get_account()
    assert account["ProductionAccessEnabled"] is True
    assert account["Details"]["ReviewDetails"] == {"Status": "GRANTED", "CaseId": case_id}
    assert account["SendQuota"]["Max24HourSend"] == 100_000.0
    assert account["SendQuota"]["MaxSendRate"] == 20.0
    send_v2(sesv2, "customer@example.org")  # production: only the sender is checked


def test_a_denied_review_keeps_the_sandbox_and_can_be_asked_again(ses_account, sesv2):
    sesv2.put_account_details(
        MailType="MARKETING",
        WebsiteURL="https://example.com",
        UseCaseDescription="News",
        ProductionAccessEnabled=True,
    )
    first = ses_account.production_access_review()
    ses_account.deny_production_access()
    account = sesv2.get_account()
    assert account["ProductionAccessEnabled"] is False
    assert account["Details"]["ReviewDetails"] == {"Status": "DENIED", "CaseId": first.case_id}
    assert account["SendQuota"]["Max24HourSend"] == 200.0
    sesv2.put_account_details(
        MailType="MARKETING",
        WebsiteURL="https://example.com",
        UseCaseDescription="News",
        ProductionAccessEnabled=True,
    )
    second = sesv2.get_account()["Details"]["ReviewDetails"]
    assert second["Status"] == "PENDING" and second["CaseId"] != first.case_id


def test_details_without_asking_for_production_open_no_review(sesv2):
    sesv2.put_account_details(
        MailType="MARKETING", WebsiteURL="https://example.com", UseCaseDescription="News"
    )
    assert sesv2.get_account()["Details"] == {
        "MailType": "MARKETING",
        "WebsiteURL": "https://example.com",
        "UseCaseDescription": "News",
    }


@pytest.mark.ses_quota(verified=["app@example.com"])
def test_a_scheduled_answer_arrives_when_the_virtual_clock_gets_there(ses_account, sesv2):
    sesv2.put_account_details(
        MailType="TRANSACTIONAL",
        WebsiteURL="https://example.com",
        UseCaseDescription="Receipts",
        ProductionAccessEnabled=True,
    )
    answer = ses_account.schedule(
        after=timedelta(hours=24), action=ses_account.grant_production_access
    )
    # The application polls GetAccount every hour until it may send to anyone.
    polls = 0
    while not sesv2.get_account()["ProductionAccessEnabled"]:
        polls += 1
        ses_account.clock.advance(hours=1)
    assert polls == 24 and answer.done and answer.error is None
    assert ses_account.clock.now() == datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert sesv2.get_account()["Details"]["ReviewDetails"]["Status"] == "GRANTED"
    send_v2(sesv2, "customer@example.org")


def test_bad_account_details_are_bad_requests(ses_account):
    client = boto3.client(
        "sesv2",
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, parameter_validation=False),
    )
    with pytest.raises(ClientError) as err:
        client.put_account_details(MailType="SPAM", WebsiteURL="https://example.com")
    assert error_of(err) == (
        "BadRequestException",
        400,
        "1 validation error detected: Value 'SPAM' at 'mailType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [MARKETING, TRANSACTIONAL]",
    )
    with pytest.raises(ClientError) as err:
        client.put_account_details(MailType="MARKETING")
    assert error_of(err) == (
        "BadRequestException",
        400,
        "1 validation error detected: Value null at 'websiteURL' failed to satisfy "
        "constraint: Member must not be null",
    )
    assert ses_account.account_details() is None


# -- identities ---------------------------------------------------------------------
def test_identities_are_shared_with_v1(ses_account, ses, sesv2):
    created = sesv2.create_email_identity(EmailIdentity="app@example.com")
    assert (created["IdentityType"], created["VerifiedForSendingStatus"]) == (
        "EMAIL_ADDRESS",
        False,
    )
    assert "DkimAttributes" not in created
    domain = sesv2.create_email_identity(EmailIdentity="example.org")
    assert domain["DkimAttributes"]["Status"] == "PENDING"
    assert len(domain["DkimAttributes"]["Tokens"]) == 3
    ses.verify_email_identity(EmailAddress="v1@example.net")
    identity = sesv2.get_email_identity(EmailIdentity="app@example.com")
    identity.pop("ResponseMetadata")
    assert identity == {
        "IdentityType": "EMAIL_ADDRESS",
        "FeedbackForwardingStatus": True,
        "VerifiedForSendingStatus": False,
        "DkimAttributes": {
            "SigningEnabled": False,
            "Status": "NOT_STARTED",
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_1024_BIT",
        },
        "MailFromAttributes": {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
        "Policies": {},
        "Tags": [],
        "VerificationStatus": "PENDING",
        "VerificationInfo": {},
    }
    ses_account.verify("app@example.com", "example.org")  # the links were clicked
    listed = sesv2.list_email_identities()["EmailIdentities"]
    assert [(i["IdentityName"], i["IdentityType"], i["VerificationStatus"]) for i in listed] == [
        ("app@example.com", "EMAIL_ADDRESS", "SUCCESS"),
        ("example.org", "DOMAIN", "SUCCESS"),
        ("v1@example.net", "EMAIL_ADDRESS", "PENDING"),
    ]
    assert [i["SendingEnabled"] for i in listed] == [True, True, False]
    page = sesv2.list_email_identities(PageSize=2)
    assert len(page["EmailIdentities"]) == 2
    rest = sesv2.list_email_identities(PageSize=2, NextToken=page["NextToken"])
    assert [i["IdentityName"] for i in rest["EmailIdentities"]] == ["v1@example.net"]
    assert "NextToken" not in rest
    attrs = ses.get_identity_verification_attributes(Identities=["example.org"])
    assert attrs["VerificationAttributes"]["example.org"]["VerificationStatus"] == "Success"
    sesv2.delete_email_identity(EmailIdentity="v1@example.net")
    assert ses.list_identities()["Identities"] == ["app@example.com", "example.org"]


def test_identity_errors(ses_account, sesv2):
    sesv2.create_email_identity(EmailIdentity="example.org")
    with pytest.raises(sesv2.exceptions.AlreadyExistsException) as err:
        sesv2.create_email_identity(EmailIdentity="example.org")
    assert error_of(err) == (
        "AlreadyExistsException",
        400,
        "Email identity example.org already exist.",
    )
    for call in (sesv2.get_email_identity, sesv2.delete_email_identity):
        with pytest.raises(sesv2.exceptions.NotFoundException) as err:
            call(EmailIdentity="nobody.net")
        assert error_of(err) == (
            "NotFoundException",
            404,
            "Email identity <nobody.net> does not exist.",
        )
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.create_email_identity(EmailIdentity="bad domain")
    assert error_of(err) == ("BadRequestException", 400, "Invalid domain name bad domain.")


# -- templates ----------------------------------------------------------------------
def test_templates_are_shared_with_v1(ses_account, ses, sesv2):
    ses.create_template(Template={"TemplateName": "v1", "SubjectPart": "From v1 {{x}}"})
    got = sesv2.get_email_template(TemplateName="v1")
    assert (got["TemplateName"], got["TemplateContent"]) == ("v1", {"Subject": "From v1 {{x}}"})
    ses_account.clock.advance(seconds=1)
    sesv2.create_email_template(
        TemplateName="v2", TemplateContent={"Subject": "S", "Text": "T", "Html": "<b>H</b>"}
    )
    assert ses.get_template(TemplateName="v2")["Template"] == {
        "TemplateName": "v2",
        "SubjectPart": "S",
        "TextPart": "T",
        "HtmlPart": "<b>H</b>",
    }
    sesv2.update_email_template(TemplateName="v1", TemplateContent={"Subject": "Updated {{x}}"})
    ses.send_templated_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Template="v1",
        TemplateData='{"x": 1}',
    )
    assert ses_account.sent[0].subject == "Updated 1"
    listed = sesv2.list_email_templates()["TemplatesMetadata"]
    assert [t["TemplateName"] for t in listed] == ["v1", "v2"]
    assert [t["CreatedTimestamp"].timestamp() for t in listed] == [1767225600.0, 1767225601.0]
    page = sesv2.list_email_templates(PageSize=1)
    assert [t["TemplateName"] for t in page["TemplatesMetadata"]] == ["v1"]
    nxt = sesv2.list_email_templates(PageSize=1, NextToken=page["NextToken"])
    assert [t["TemplateName"] for t in nxt["TemplatesMetadata"]] == ["v2"]
    sesv2.delete_email_template(TemplateName="v1")
    assert [t["Name"] for t in ses.list_templates()["TemplatesMetadata"]] == ["v2"]


def test_template_errors(ses_account, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "S"})
    with pytest.raises(sesv2.exceptions.AlreadyExistsException) as err:
        sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "S"})
    assert error_of(err) == (
        "AlreadyExistsException",
        400,
        "Template t already exists for account id 123456789012",
    )
    for call, kwargs in (
        (sesv2.get_email_template, {}),
        (sesv2.delete_email_template, {}),
        (sesv2.update_email_template, {"TemplateContent": {"Subject": "x"}}),
    ):
        with pytest.raises(sesv2.exceptions.NotFoundException) as err:
            call(TemplateName="nope", **kwargs)
        assert error_of(err) == ("NotFoundException", 404, "Template nope does not exist.")


@pytest.mark.ses_quota(regions={"eu-west-1": {"profile": "production"}})
def test_templates_and_identities_are_per_region(ses_account, sesv2):
    eu = boto3.client("sesv2", region_name="eu-west-1", config=NO_RETRIES)
    eu.create_email_template(TemplateName="t", TemplateContent={"Subject": "S"})
    eu.create_email_identity(EmailIdentity="example.org")
    assert sesv2.list_email_templates()["TemplatesMetadata"] == []
    assert sesv2.list_email_identities()["EmailIdentities"] == []
    assert eu.get_account()["ProductionAccessEnabled"] is True
    assert sesv2.get_account()["ProductionAccessEnabled"] is False


# -- statistics, the wire, and what is not faked ---------------------------------------
@pytest.mark.ses_quota(verified=["app@example.com", "a@example.com"])
def test_send_statistics_count_rejects_and_the_tests_bounces(ses_account, ses, sesv2):
    send_v2(sesv2, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "stranger@example.org", "other@example.org")
    ses_account.record_bounces(2)
    ses_account.record_complaints()
    ses_account.clock.advance(minutes=15)
    ses_account.record_bounces(1)
    points = ses.get_send_statistics()["SendDataPoints"]
    assert [
        (
            p["Timestamp"].isoformat(),
            p["DeliveryAttempts"],
            p["Rejects"],
            p["Bounces"],
            p["Complaints"],
        )
        for p in points
    ] == [
        ("2026-01-01T00:00:00+00:00", 1, 2, 2, 1),
        ("2026-01-01T00:15:00+00:00", 0, 0, 1, 0),
    ]
    with pytest.raises(ValueError, match=r"record_bounces\(-1\): expected a whole number >= 0"):
        ses_account.record_bounces(-1)


def test_not_faked_v2_operation_names_itself_and_is_not_retried(ses_account, monkeypatch):
    # An operation as if it were not faked (every one is, in time).
    monkeypatch.delitem(SesV2._groups, "ListConfigurationSets")
    client = boto3.client("sesv2", region_name="us-east-1")
    with pytest.raises(ClientError) as err:
        client.list_configuration_sets()
    code, status, message = error_of(err)
    assert (code, status) == ("NotImplemented", 501)
    assert message.startswith(
        "pytest-sesquota does not fake the SES v2 operation ListConfigurationSets; "
        "faked operations: "
    )
    listed = message.partition("faked operations: ")[2].split(", ")
    assert listed == sorted(listed) and {"CreateEmailIdentity", "SendEmail"} <= set(listed)
    assert len(ses_account.requests) == 1
    assert ses_account.requests[0].operation == "ListConfigurationSets"


def test_wrong_types_are_bad_requests(ses_account):
    client = boto3.client(
        "sesv2",
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, parameter_validation=False),
    )
    with pytest.raises(ClientError) as err:
        client.send_email(
            FromEmailAddress=123,
            Destination={"ToAddresses": ["a@example.com"]},
            Content=SIMPLE,
        )
    assert error_of(err) == (
        "BadRequestException",
        400,
        "Invalid type for parameter FromEmailAddress: expected string, got int.",
    )
    with pytest.raises(ClientError) as err:
        client.list_email_templates(PageSize="ten")
    assert error_of(err) == (
        "BadRequestException",
        400,
        "Invalid value 'ten' for parameter PageSize.",
    )
    assert ses_account.sent == [] and ses_account.internal_errors == []


def _corrupt_body(body):
    def handler(request, **kwargs):
        request.data = body

    return handler


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The request body is not valid JSON."),
        (b"[1, 2]", "The request body must be a JSON object."),
        (
            b'{"Content": {"Raw": {"Data": "***"}}}',
            "Value at 'Content.Raw.Data' is not valid base64.",
        ),
    ],
)
def test_malformed_bodies_get_bad_request_not_a_traceback(ses_account, body, message):
    client = boto3.client("sesv2", region_name="us-east-1", config=NO_RETRIES)
    client.meta.events.register("request-created.sesv2.SendEmail", _corrupt_body(body))
    with pytest.raises(ClientError) as err:
        send_v2(client, "a@example.com")
    assert error_of(err) == ("BadRequestException", 400, message)
    assert ses_account.internal_errors == [] and ses_account.sent == []


def test_ledger_is_consistent_across_both_apis(ses_account):
    v1 = boto3.client("ses", region_name="us-east-1")
    v2 = boto3.client("sesv2", region_name="us-east-1")
    for i in range(6):
        client = v1 if i % 2 else v2
        try:
            if client is v1:
                v1.send_email(
                    Source="app@example.com",
                    Destination={"ToAddresses": [f"r{i}@example.com"]},
                    Message=MESSAGE,
                )
            else:
                send_v2(v2, f"r{i}@example.com")
        except ClientError:
            pass
    sends = [r for r in ses_account.requests if r.operation == "SendEmail"]
    assert len(sends) == len(ses_account.sent) + len(ses_account.throttled)
    assert [r.message_ids[0] for r in sends if r.ok] == [m.message_id for m in ses_account.sent]
    assert len({m.message_id for m in ses_account.sent}) == len(ses_account.sent)


def test_message_ids_look_like_ses(ses_account, sesv2):
    message_id = send_v2(sesv2, "a@example.com")["MessageId"]
    prefix, *_uuid, counter = message_id.split("-")
    assert prefix.startswith("0100") and len(prefix) == 16 and counter == "000001"


SUSPENDED = (
    "Sending paused for this account. For more information, please check the inbox of the "
    "email address associated with your AWS account."
)


@pytest.mark.ses_quota(profile="production")
def test_an_account_aws_has_shut_down_is_refused_as_real_ses_refuses_it(ses_account, ses, sesv2):
    ses_account.set_enforcement_status("SHUTDOWN")
    assert sesv2.get_account()["EnforcementStatus"] == "SHUTDOWN"
    with pytest.raises(ses.exceptions.MessageRejected) as err:
        send(ses, "a@example.com")
    assert err.value.response["Error"]["Message"] == SUSPENDED
    with pytest.raises(sesv2.exceptions.MessageRejected) as err:
        send_v2(sesv2, "a@example.com")
    assert error_of(err) == ("MessageRejected", 400, SUSPENDED)
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "S"})
    result = sesv2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        BulkEmailEntries=[{"Destination": {"ToAddresses": ["a@example.com"]}}],
    )["BulkEmailEntryResults"]
    assert result == [{"Status": "ACCOUNT_SUSPENDED", "Error": SUSPENDED}]
    assert [r.reason for r in ses_account.rejected] == ["suspended"] * 3
    assert ses_account.sent == [] and ses_account.quota()[2] == 0.0
    ses_account.set_enforcement_status("HEALTHY")
    send_v2(sesv2, "a@example.com")
