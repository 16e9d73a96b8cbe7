"""SES v1 through boto3: exact codes, messages and counts on the wire."""

from __future__ import annotations

import os

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import MESSAGE, NO_RETRIES, send

from pytest_sesquota.ses.v1 import SesV1

# A client created before any test, as an application does at import time.
MODULE_CLIENT = boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)


def error_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.mark.ses_quota(profile="sandbox")
def test_second_send_in_the_same_second_is_throttled(ses_account, ses):
    send(ses, "a@example.com")
    with pytest.raises(ClientError) as err:
        send(ses, "a@example.com")
    assert error_of(err) == ("Throttling", "Maximum sending rate exceeded.")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert str(err.value) == (
        "An error occurred (Throttling) when calling the SendEmail operation "
        "(reached max retries: 0): Maximum sending rate exceeded."
    )
    ses_account.clock.advance(seconds=1)
    send(ses, "a@example.com")
    assert len(ses_account.sent) == 2 and len(ses_account.throttled) == 1
    assert ses_account.throttled[0].reason == "rate"
    assert [r.status for r in ses_account.requests] == [200, 400, 200]


def test_client_created_at_import_time_is_faked(ses_account):
    MODULE_CLIENT.send_email(
        Source="app@example.com", Destination={"ToAddresses": ["a@example.com"]}, Message=MESSAGE
    )
    assert ses_account.sent[0].recipients == ("a@example.com",)


def test_get_send_quota_reports_the_three_numbers(ses_account, ses):
    send(ses, "a@example.com", cc=["b@example.com"], bcc=["c@example.com"])
    quota = ses.get_send_quota()
    assert (quota["Max24HourSend"], quota["MaxSendRate"], quota["SentLast24Hours"]) == (
        200.0,
        1.0,
        3.0,
    )
    assert ses_account.quota() == (200.0, 1.0, 3.0)


@pytest.mark.ses_quota(profile="production")
def test_production_profile(ses):
    assert ses.get_send_quota()["Max24HourSend"] == 50000.0
    assert ses.get_send_quota()["MaxSendRate"] == 14.0


@pytest.mark.ses_quota(max_24_hour_send=-1, max_send_rate=-1)
def test_unlimited_quota(ses_account, ses):
    for _ in range(60):
        send(ses, *[f"u{i}@example.com" for i in range(50)])
    assert ses.get_send_quota()["Max24HourSend"] == -1.0
    assert ses_account.quota() == (-1.0, -1.0, 3000.0)


def test_ten_recipient_message_puts_the_bucket_in_debt_for_ten_seconds(ses_account, ses):
    send(ses, *[f"r{i}@example.com" for i in range(10)])
    for _ in range(9):
        ses_account.clock.advance(seconds=1)
        with pytest.raises(ClientError) as err:
            send(ses, "a@example.com")
        assert error_of(err) == ("Throttling", "Maximum sending rate exceeded.")
    ses_account.clock.advance(seconds=1)
    send(ses, "a@example.com")
    assert [t.available for t in ses_account.throttled] == [
        -8.0,
        -7.0,
        -6.0,
        -5.0,
        -4.0,
        -3.0,
        -2.0,
        -1.0,
        0.0,
    ]
    assert ses_account.quota() == (200.0, 1.0, 11.0)


@pytest.mark.ses_quota(max_send_rate=-1, sent_last_24_hours=195)
def test_daily_quota_would_exceed_counts_every_recipient(ses_account, ses):
    with pytest.raises(ClientError) as err:
        send(ses, *[f"r{i}@example.com" for i in range(6)])
    assert error_of(err) == ("Throttling", "Daily message quota exceeded.")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    send(ses, *[f"r{i}@example.com" for i in range(5)])
    assert ses_account.quota() == (200.0, -1.0, 200.0)
    with pytest.raises(ClientError):
        send(ses, "last@example.com")
    assert [t.reason for t in ses_account.throttled] == ["daily", "daily"]
    assert ses_account.throttled[0].sent_last_24_hours == 195


@pytest.mark.ses_quota(max_send_rate=-1, sent_last_24_hours=199, daily="below_max")
def test_daily_quota_below_max_accepts_while_under_the_maximum(ses_account, ses):
    send(ses, *[f"r{i}@example.com" for i in range(6)])
    assert ses_account.quota() == (200.0, -1.0, 205.0)
    with pytest.raises(ClientError) as err:
        send(ses, "a@example.com")
    assert error_of(err) == ("Throttling", "Daily message quota exceeded.")


@pytest.mark.ses_quota(max_send_rate=-1, sent_last_24_hours=200)
def test_rolling_window_frees_the_quota_24_hours_later(ses_account, ses):
    with pytest.raises(ClientError):
        send(ses, "a@example.com")
    ses_account.clock.advance(hours=23, minutes=59, seconds=59)
    with pytest.raises(ClientError):
        send(ses, "a@example.com")
    ses_account.clock.advance(seconds=1)
    send(ses, "a@example.com")
    assert ses_account.quota() == (200.0, -1.0, 1.0)


def test_more_than_50_recipients_is_invalid(ses_account, ses):
    with pytest.raises(ClientError) as err:
        send(ses, *[f"r{i}@example.com" for i in range(51)])
    assert error_of(err) == ("InvalidParameterValue", "Recipient count exceeds 50.")
    assert ses_account.rejected[0].reason == "invalid"
    assert ses_account.quota()[2] == 0.0


@pytest.mark.parametrize(
    ("address", "message"),
    [("no-at-sign", "Missing final '@domain'"), ("a@", "Missing domain"), ("", "Illegal address")],
)
def test_bad_addresses_get_ses_wording(ses, address, message):
    with pytest.raises(ClientError) as err:
        send(ses, address)
    assert error_of(err) == ("InvalidParameterValue", message)


@pytest.mark.ses_quota(verified=["app@example.com"])
def test_sandbox_requires_verified_recipients(ses_account, ses):
    with pytest.raises(ses.exceptions.MessageRejected) as err:
        send(ses, "a@example.com", "Bob <b@example.org>")
    assert error_of(err) == (
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: a@example.com, Bob <b@example.org>",
    )
    assert ses_account.rejected[0].reason == "unverified"
    assert ses_account.rejected[0].code == "MessageRejected"
    # The mailbox simulator is always a valid recipient; verified domains cover their addresses.
    send(ses, "success@simulator.amazonses.com")
    ses_account.verify("example.org")
    ses_account.clock.advance(seconds=1)
    send(ses, "b@example.org")
    assert len(ses_account.sent) == 2


@pytest.mark.ses_quota(profile="production", verified=["example.com"])
def test_production_checks_only_the_sender(ses_account, ses):
    send(ses, "anyone@elsewhere.net")
    with pytest.raises(ClientError) as err:
        send(ses, "anyone@elsewhere.net", source="App <app@unverified.net>")
    assert error_of(err)[1].endswith("in region US-EAST-1: App <app@unverified.net>")


def test_paused_sending(ses_account, ses):
    ses.update_account_sending_enabled(Enabled=False)
    assert ses.get_account_sending_enabled()["Enabled"] is False
    with pytest.raises(ClientError) as err:
        send(ses, "a@example.com")
    assert error_of(err) == (
        "AccountSendingPausedException",
        "Email sending is disabled for your entire Amazon SES account.",
    )
    assert ses_account.rejected[0].code == "AccountSendingPausedException"
    ses_account.resume_sending()
    send(ses, "a@example.com")


@pytest.mark.ses_quota(sending_enabled=False)
def test_marker_can_start_with_sending_paused(ses):
    assert ses.get_account_sending_enabled()["Enabled"] is False


RAW = (
    b"From: App <app@example.com>\r\nTo: a@example.com, b@example.com\r\n"
    b"Cc: c@example.com\r\nSubject: Raw hello\r\n\r\nbody\r\n"
)


def test_raw_email_counts_header_recipients(ses_account, ses):
    ses.send_raw_email(RawMessage={"Data": RAW})
    sent = ses_account.sent[0]
    assert sent.recipients == ("a@example.com", "b@example.com", "c@example.com")
    assert sent.source == "App <app@example.com>"
    assert sent.message["Subject"] == "Raw hello"
    assert ses_account.quota()[2] == 3.0


def test_raw_email_destinations_win_over_headers(ses_account, ses):
    ses.send_raw_email(RawMessage={"Data": RAW}, Destinations=["x@example.com"])
    assert ses_account.sent[0].recipients == ("x@example.com",)
    assert ses_account.sent[0].bcc == ("x@example.com",)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"To: a@example.com\r\n\r\nbody", "Missing required header 'From'."),
        (b"From: app@example.com\r\n\r\nbody", "Missing required header 'To'."),
        (b"From: app@example.com\r\nTo: \r\n\r\nbody", "Empty required header 'To'."),
    ],
)
def test_malformed_raw_messages(ses_account, ses, raw, message):
    with pytest.raises(ClientError) as err:
        ses.send_raw_email(RawMessage={"Data": raw})
    assert error_of(err) == ("InvalidParameterValue", message)
    assert ses_account.sent == [] and ses_account.rejected[0].message == message


def test_oversized_raw_message(ses):
    data = RAW + b"x" * 10_485_760
    with pytest.raises(ClientError) as err:
        ses.send_raw_email(RawMessage={"Data": data})
    assert error_of(err) == (
        "InvalidParameterValue",
        f"Message length is more than 10485760 bytes long: '{len(data)}'.",
    )


def test_templates_round_trip_and_render(ses_account, ses):
    ses.create_template(
        Template={
            "TemplateName": "welcome",
            "SubjectPart": "Hi {{name}}",
            "TextPart": "Welcome, {{ name }} from {{team.city}}",
            "HtmlPart": "<p>{{name}}</p>",
        }
    )
    assert ses.get_template(TemplateName="welcome")["Template"]["SubjectPart"] == "Hi {{name}}"
    assert [t["Name"] for t in ses.list_templates()["TemplatesMetadata"]] == ["welcome"]
    ses.send_templated_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Template="welcome",
        TemplateData='{"name": "Ann & Bo", "team": {"city": "Oslo"}}',
    )
    sent = ses_account.sent[0]
    assert (sent.subject, sent.text, sent.html) == (
        "Hi Ann & Bo",
        "Welcome, Ann & Bo from Oslo",
        "<p>Ann & Bo</p>",  # SES does not escape HTML (the guide)
    )
    with pytest.raises(ClientError) as err:
        ses.create_template(Template={"TemplateName": "welcome", "SubjectPart": "x"})
    assert error_of(err) == (
        "AlreadyExists",
        "Template welcome already exists for account id 123456789012",
    )
    ses.delete_template(TemplateName="welcome")
    ses.delete_template(TemplateName="welcome")  # SES answers 200 for a missing template
    with pytest.raises(ClientError) as err:
        ses.get_template(TemplateName="welcome")
    assert error_of(err) == ("TemplateDoesNotExist", "Template welcome does not exist.")


def test_templated_send_with_missing_data_is_accepted_with_a_rendering_failure(ses_account, ses):
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi {{name}}"})
    ses.send_templated_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Template="t",
        TemplateData="{}",
    )
    assert ses_account.sent[0].rendering_failure == (
        "Attribute 'name' is not present in the rendering data."
    )
    with pytest.raises(ClientError) as err:
        ses.send_templated_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["a@example.com"]},
            Template="missing",
            TemplateData="{}",
        )
    assert error_of(err) == ("TemplateDoesNotExist", "Template missing does not exist.")


def test_bulk_templated_email_has_per_destination_statuses(ses_account, ses):
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi {{name}}"})
    result = ses.send_bulk_templated_email(
        Source="app@example.com",
        Template="t",
        DefaultTemplateData='{"name": "friend"}',
        Destinations=[
            {"Destination": {"ToAddresses": [f"r{i}@example.com"]}, "ReplacementTemplateData": "{}"}
            for i in range(3)
        ],
    )
    statuses = [(s["Status"], s.get("Error")) for s in result["Status"]]
    assert statuses == [
        ("Success", None),
        ("AccountThrottled", "Maximum sending rate exceeded."),
        ("AccountThrottled", "Maximum sending rate exceeded."),
    ]
    assert result["Status"][0]["MessageId"] == ses_account.sent[0].message_id
    assert ses_account.sent[0].subject == "Hi friend"
    assert len(ses_account.throttled) == 2


def test_bulk_send_while_paused_is_refused_whole(ses_account, ses):
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi"})
    ses_account.pause_sending()
    with pytest.raises(ClientError) as err:
        ses.send_bulk_templated_email(
            Source="app@example.com",
            Template="t",
            DefaultTemplateData="{}",
            Destinations=[{"Destination": {"ToAddresses": ["a@example.com"]}}],
        )
    assert error_of(err) == (
        "AccountSendingPausedException",
        "Email sending is disabled for your entire Amazon SES account.",
    )
    assert ses_account.sent == [] and ses_account.quota()[2] == 0.0


def test_identities(ses_account, ses):
    ses.verify_email_identity(EmailAddress="app@example.com")
    token = ses.verify_domain_identity(Domain="example.org")["VerificationToken"]
    attrs = ses.get_identity_verification_attributes(
        Identities=["app@example.com", "example.org", "unknown.net"]
    )["VerificationAttributes"]
    assert attrs == {
        "app@example.com": {"VerificationStatus": "Pending"},
        "example.org": {"VerificationStatus": "Pending", "VerificationToken": token},
    }
    ses_account.verify("app@example.com")
    attrs = ses.get_identity_verification_attributes(Identities=["app@example.com"])
    assert attrs["VerificationAttributes"]["app@example.com"]["VerificationStatus"] == "Success"
    assert ses.list_identities()["Identities"] == ["app@example.com", "example.org"]
    assert ses.list_identities(IdentityType="Domain")["Identities"] == ["example.org"]
    page = ses.list_identities(MaxItems=1)
    assert page["Identities"] == ["app@example.com"]
    assert ses.list_identities(MaxItems=1, NextToken=page["NextToken"])["Identities"] == [
        "example.org"
    ]
    ses.delete_identity(Identity="example.org")
    assert ses.list_identities()["Identities"] == ["app@example.com"]


def test_send_statistics_are_15_minute_data_points_over_two_weeks(ses_account, ses):
    send(ses, "a@example.com", "b@example.com")
    ses_account.clock.advance(minutes=20)
    send(ses, "a@example.com")
    points = ses.get_send_statistics()["SendDataPoints"]
    assert [(p["Timestamp"].isoformat(), p["DeliveryAttempts"]) for p in points] == [
        ("2026-01-01T00:00:00+00:00", 2),
        ("2026-01-01T00:15:00+00:00", 1),
    ]
    assert {p["Bounces"] + p["Complaints"] + p["Rejects"] for p in points} == {0}
    ses_account.clock.advance(days=14, minutes=1)
    assert [p["DeliveryAttempts"] for p in ses.get_send_statistics()["SendDataPoints"]] == [1]


@pytest.mark.ses_quota(regions={"eu-west-1": {"profile": "production", "sent_last_24_hours": 7}})
def test_regions_have_their_own_quotas_and_usage(ses_account, ses):
    eu = boto3.client("ses", region_name="eu-west-1", config=NO_RETRIES)
    send(ses, "a@example.com")
    send(eu, "a@example.com")
    send(eu, "b@example.com")
    assert ses_account.quota() == (200.0, 1.0, 1.0)
    assert ses_account.quota("eu-west-1") == (50000.0, 14.0, 9.0)
    assert eu.get_send_quota()["SentLast24Hours"] == 9.0
    ap = boto3.client("ses", region_name="ap-south-1", config=NO_RETRIES)
    assert ap.get_send_quota()["Max24HourSend"] == 200.0
    assert [s.region for s in ses_account.sent] == ["us-east-1", "eu-west-1", "eu-west-1"]


def test_set_quota_and_leaving_the_sandbox_take_effect_on_the_next_send(ses_account, ses):
    ses_account.set_quota(max_send_rate=5)
    assert ses.get_send_quota()["MaxSendRate"] == 5.0
    for i in range(5):
        send(ses, f"r{i}@example.com")
    with pytest.raises(ClientError):
        send(ses, "late@example.com")
    ses_account.move_out_of_sandbox()
    assert not ses_account.in_sandbox()
    assert ses_account.quota() == (50000.0, 14.0, 5.0)


def test_not_faked_operation_names_itself_and_is_not_retried(ses_account, monkeypatch):
    # An operation as if it were not faked (every one is, in time).
    monkeypatch.delitem(SesV1._groups, "ListConfigurationSets")
    client = boto3.client("ses", region_name="us-east-1")
    with pytest.raises(ClientError) as err:
        client.list_configuration_sets()
    code, message = error_of(err)
    assert code == "NotImplemented"
    assert message.startswith(
        "pytest-sesquota does not fake the SES v1 operation ListConfigurationSets; "
        "faked operations: "
    )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert len(ses_account.requests) == 1


def test_other_services_are_untouched(ses_account):
    sqs = boto3.client(
        "sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    seen = []

    def canned(request, **kwargs):
        seen.append(request.url)
        raise RuntimeError("stop here")

    sqs.meta.events.register("before-send.sqs", canned)
    with pytest.raises(RuntimeError, match="stop here"):
        sqs.list_queues()
    assert seen and ses_account.requests == []


def test_safety_net_answers_sessions_created_before_the_handlers(ses_account, monkeypatch):
    import botocore.handlers
    import botocore.session

    from pytest_sesquota.doors import botocore as _botocore

    # As if the session had been made before pytest loaded the plugin, with no credentials.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    with monkeypatch.context() as patch:
        patch.setattr(
            botocore.handlers,
            "BUILTIN_HANDLERS",
            [h for h in botocore.handlers.BUILTIN_HANDLERS if h not in _botocore.HANDLERS],
        )
        session = botocore.session.get_session()
    client = session.create_client("ses", region_name="us-east-1", config=NO_RETRIES)
    assert client._request_signer._credentials is None
    send(client, "a@example.com")
    assert len(ses_account.sent) == 1


def test_ledger_accounts_for_every_send_attempt(ses_account):
    client = boto3.client("ses", region_name="us-east-1")  # botocore's default retries
    for i in range(4):
        try:
            send(client, f"r{i}@example.com", f"s{i}@example.com")
        except ClientError:
            pass
    sends = [r for r in ses_account.requests if r.operation == "SendEmail"]
    assert len(sends) == len(ses_account.sent) + len(ses_account.throttled) + len(
        ses_account.rejected
    )
    assert [r.message_ids[0] for r in sends if r.ok] == [m.message_id for m in ses_account.sent]
    assert len({m.message_id for m in ses_account.sent}) == len(ses_account.sent)


@pytest.mark.ses_quota(verified=["app@example.com", "ok@example.com"])
def test_each_request_carries_what_it_decided(ses_account, ses):
    send(ses, "ok@example.com")
    with pytest.raises(ClientError):
        send(ses, "ok@example.com")  # rate
    with pytest.raises(ClientError):
        send(ses, "stranger@example.com")  # unverified
    ses.get_send_quota()
    sent, throttled, rejected, quota = ses_account.requests
    assert sent.outcomes == (ses_account.sent[0],)
    assert sent.message_ids == (ses_account.sent[0].message_id,)
    assert throttled.outcomes == (ses_account.throttled[0],) and throttled.message_ids == ()
    assert rejected.outcomes == (ses_account.rejected[0],)
    assert rejected.outcomes[0].recipients == ("stranger@example.com",)
    assert quota.operation == "GetSendQuota" and quota.outcomes == ()


def test_raw_email_bcc_is_who_no_visible_header_names(ses_account, ses):
    raw = (
        b"From: app@example.com\r\nTo: Ann <ann@example.com>\r\nCc: BOB@example.com\r\n"
        b"Subject: Hi\r\n\r\nbody\r\n"
    )
    ses.send_raw_email(
        RawMessage={"Data": raw},
        Destinations=["ann@example.com", "bob@example.com", "hidden@example.com"],
    )
    sent = ses_account.sent[0]
    assert sent.to == ("Ann <ann@example.com>",) and sent.cc == ("BOB@example.com",)
    assert sent.bcc == ("hidden@example.com",)
