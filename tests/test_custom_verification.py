"""Custom verification email templates and SendCustomVerificationEmail (v1 and v2): the
address pending until the test clicks the link; and this family and identity settings
through ``sesquota serve`` (the control API, and a restart with --state)."""

from __future__ import annotations

import json
from datetime import timedelta

import botocore.session
import pytest
from botocore.exceptions import ClientError
from test_server import call, client, serve

TEMPLATE = {
    "TemplateName": "welcome",
    "FromEmailAddress": "hello@example.com",
    "TemplateSubject": "Please confirm",
    "TemplateContent": "<p>Click below to confirm your address.</p>",
    "SuccessRedirectionURL": "https://example.com/verified",
    "FailureRedirectionURL": "https://example.com/expired",
}


#: Tags on custom verification email templates came after botocore 1.34.
TAGGED = "Tags" in (
    botocore.session.get_session()
    .get_service_model("sesv2")
    .shape_for("CreateCustomVerificationEmailTemplateRequest")
    .members
)


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


@pytest.mark.ses_quota(profile="production", verified=["hello@example.com"])
def test_templates_and_the_email_through_v1(ses_account, ses):
    ses.create_custom_verification_email_template(**TEMPLATE)
    shown = {k: v for k, v in TEMPLATE.items() if k != "TemplateContent"}
    assert ses.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"] == [
        shown
    ]
    got = ses.get_custom_verification_email_template(TemplateName="welcome")
    got.pop("ResponseMetadata")
    assert got == TEMPLATE
    ses.update_custom_verification_email_template(
        TemplateName="welcome", TemplateSubject="Confirm, please"
    )
    got = ses.get_custom_verification_email_template(TemplateName="welcome")
    assert (got["TemplateSubject"], got["TemplateContent"]) == (
        "Confirm, please",
        TEMPLATE["TemplateContent"],
    )
    message_id = ses.send_custom_verification_email(
        EmailAddress="new@example.org", TemplateName="welcome"
    )["MessageId"]
    assert ses_account.identity("new@example.org").status == "Pending"
    [email] = ses_account.verification_emails()
    assert (email.message_id, email.address, email.subject, email.from_address) == (
        message_id,
        "new@example.org",
        "Confirm, please",
        "hello@example.com",
    )
    # Not the account's mail: no quota taken, nothing in the ledger's sent messages.
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0
    assert ses_account.sent == []
    assert ses_account.click_verification_link("new@example.org") == "https://example.com/verified"
    assert ses_account.identity("new@example.org").status == "Success"
    ses.delete_custom_verification_email_template(TemplateName="welcome")
    ses.delete_custom_verification_email_template(TemplateName="welcome")  # 200, as v1 answers
    with pytest.raises(ClientError) as err:
        ses.get_custom_verification_email_template(TemplateName="welcome")
    assert error_of(err) == (
        "CustomVerificationEmailTemplateDoesNotExist",
        400,
        "Custom verification email template welcome does not exist.",
    )


@pytest.mark.ses_quota(profile="production", verified=["hello@example.com"])
def test_the_link_expires_after_24_hours(ses_account, ses):
    ses.create_custom_verification_email_template(**TEMPLATE)
    ses.send_custom_verification_email(EmailAddress="late@example.org", TemplateName="welcome")
    ses_account.clock.advance(timedelta(hours=24, seconds=1))
    assert ses_account.click_verification_link("late@example.org") == "https://example.com/expired"
    assert ses_account.identity("late@example.org").status == "Failed"
    with pytest.raises(ValueError, match=r"no verification email was sent to 'x@example.org'"):
        ses_account.click_verification_link("x@example.org")


@pytest.mark.ses_quota(profile="sandbox", verified=["hello@example.com"])
def test_what_v1_refuses(ses_account, ses):
    with pytest.raises(ClientError) as err:
        ses.create_custom_verification_email_template(
            **{**TEMPLATE, "FromEmailAddress": "other@example.net"}
        )
    assert error_of(err) == (
        "FromEmailAddressNotVerified",
        400,
        "The from email address other@example.net of the custom verification email template "
        "is not verified in region US-EAST-1.",
    )
    with pytest.raises(ClientError) as err:
        ses.create_custom_verification_email_template(
            **{**TEMPLATE, "TemplateContent": "<p>hi</p><!-- note -->"}
        )
    assert error_of(err) == (
        "CustomVerificationEmailInvalidContent",
        400,
        "Custom verification email templates can't include comment tags.",
    )
    ses.create_custom_verification_email_template(**TEMPLATE)
    with pytest.raises(ClientError) as err:
        ses.create_custom_verification_email_template(**TEMPLATE)
    assert error_of(err) == (
        "CustomVerificationEmailTemplateAlreadyExists",
        400,
        "Custom verification email template welcome already exists for account id 123456789012.",
    )
    with pytest.raises(ClientError) as err:
        ses.send_custom_verification_email(EmailAddress="a@example.org", TemplateName="welcome")
    assert error_of(err) == (
        "ProductionAccessNotGranted",
        400,
        "Custom verification emails can be sent only once the account has production access "
        "(it is in the sandbox in region us-east-1).",
    )
    ses_account.grant_production_access()
    with pytest.raises(ClientError) as err:
        ses.send_custom_verification_email(
            EmailAddress="a@example.org", TemplateName="welcome", ConfigurationSetName="nope"
        )
    assert error_of(err) == (
        "ConfigurationSetDoesNotExist",
        400,
        "Configuration set <nope> does not exist.",
    )
    for n in range(49):
        ses.create_custom_verification_email_template(**{**TEMPLATE, "TemplateName": f"t{n}"})
    with pytest.raises(ClientError) as err:
        ses.create_custom_verification_email_template(**{**TEMPLATE, "TemplateName": "t50"})
    assert error_of(err) == (
        "LimitExceeded",
        400,
        "An account can have at most 50 custom verification email templates.",
    )
    page = ses.list_custom_verification_email_templates(MaxResults=20)
    assert len(page["CustomVerificationEmailTemplates"]) == 20
    rest = ses.list_custom_verification_email_templates(NextToken=page["NextToken"])
    assert len(rest["CustomVerificationEmailTemplates"]) == 30
    assert (
        len(
            ses.list_custom_verification_email_templates(MaxResults=500)[
                "CustomVerificationEmailTemplates"
            ]
        )
        == 50
    )  # out of range: up to 50, as the API reference says


@pytest.mark.ses_quota(profile="production")
def test_the_family_through_v2(ses_account, sesv2):
    tags = [{"Key": "team", "Value": "growth"}] if TAGGED else []
    sesv2.create_custom_verification_email_template(**TEMPLATE, **({"Tags": tags} if tags else {}))
    got = sesv2.get_custom_verification_email_template(TemplateName="welcome")
    assert got.get("Tags", []) == tags
    arn = "arn:aws:ses:us-east-1:123456789012:custom-verification-email-template/welcome"
    assert sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"] == tags
    with pytest.raises(ClientError) as err:
        sesv2.create_custom_verification_email_template(**TEMPLATE)
    assert error_of(err)[:2] == ("AlreadyExistsException", 400)
    sesv2.update_custom_verification_email_template(**{**TEMPLATE, "TemplateSubject": "New"})
    listed = sesv2.list_custom_verification_email_templates(PageSize=10)
    assert [t["TemplateSubject"] for t in listed["CustomVerificationEmailTemplates"]] == ["New"]
    with pytest.raises(ClientError) as err:
        sesv2.list_custom_verification_email_templates(PageSize=51)
    assert error_of(err) == (
        "BadRequestException",
        400,
        "PageSize must be less than or equal to 50.",
    )
    sesv2.send_custom_verification_email(EmailAddress="new@example.org", TemplateName="welcome")
    assert sesv2.get_email_identity(EmailIdentity="new@example.org")["VerificationStatus"] == (
        "PENDING"
    )
    ses_account.click_verification_link("new@example.org")
    assert sesv2.get_email_identity(EmailIdentity="new@example.org")["VerificationStatus"] == (
        "SUCCESS"
    )
    with pytest.raises(ClientError) as err:
        sesv2.send_custom_verification_email(EmailAddress="a@example.org", TemplateName="nope")
    assert error_of(err) == (
        "NotFoundException",
        404,
        "Custom verification email template nope does not exist.",
    )
    sesv2.delete_custom_verification_email_template(TemplateName="welcome")
    with pytest.raises(ClientError) as err:
        sesv2.delete_custom_verification_email_template(TemplateName="welcome")
    assert error_of(err)[:2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as err:
        sesv2.list_tags_for_resource(ResourceArn=arn)
    assert error_of(err)[:2] == ("NotFoundException", 404)


@pytest.mark.ses_quota(profile="production", api_rate_limit=1)
def test_it_is_an_api_action_throttled_like_the_others(ses_account, sesv2):
    sesv2.create_custom_verification_email_template(**TEMPLATE)
    with pytest.raises(ClientError) as err:
        sesv2.send_custom_verification_email(EmailAddress="a@example.org", TemplateName="welcome")
    assert error_of(err) == ("TooManyRequestsException", 429, "Rate exceeded")


# -- through sesquota serve ------------------------------------------------------------------------
def test_settings_and_templates_survive_a_restart(tmp_path):
    state = tmp_path / "state.db"
    with serve(tmp_path, "--clock", "virtual", "--state", state) as (_process, endpoint, _info):
        v1 = client("ses", endpoint)
        v2 = client("sesv2", endpoint)
        call(endpoint, "PUT", "/_sesquota/quotas/us-east-1", {"production": True})
        v2.create_email_identity(EmailIdentity="example.com")
        v2.put_email_identity_mail_from_attributes(
            EmailIdentity="example.com",
            MailFromDomain="m.example.com",
            BehaviorOnMxFailure="REJECT_MESSAGE",
        )
        status, _headers, body = call(
            endpoint,
            "POST",
            "/_sesquota/identities",
            {"identities": ["example.com"], "dkim": "Success", "mail_from": "Failed"},
        )
        assert (status, json.loads(body)) == (
            200,
            {"verified": ["example.com"], "region": "us-east-1"},
        )
        status, _headers, body = call(
            endpoint, "POST", "/_sesquota/identities", {"identities": ["x.org"], "dkim": "Done"}
        )
        assert status == 400 and json.loads(body)["error"] == "BadRequest"
        # Its sender's MAIL FROM would refuse it, as it refuses sends (example.com's).
        v1.create_custom_verification_email_template(**TEMPLATE)
        with pytest.raises(ClientError) as err:
            v1.send_custom_verification_email(EmailAddress="x@example.org", TemplateName="welcome")
        assert error_of(err)[0] == "MailFromDomainNotVerifiedException"
        v1.update_custom_verification_email_template(
            TemplateName="welcome", FromEmailAddress="hello@example.net"
        )
        v1.send_custom_verification_email(EmailAddress="new@example.org", TemplateName="welcome")
        v1.create_template(
            Template={"TemplateName": "t", "SubjectPart": "Hi", "TextPart": "{{missing}}"}
        )
        v1.send_templated_email(
            Source="app@example.net",
            Destination={"ToAddresses": ["a@example.org"]},
            Template="t",
            TemplateData="{}",
        )
    with serve(tmp_path, "--clock", "virtual", "--state", state) as (_process, endpoint, _info):
        v1 = client("ses", endpoint)
        v2 = client("sesv2", endpoint)
        domain = v2.get_email_identity(EmailIdentity="example.com")
        assert (
            domain["VerificationStatus"],
            domain["DkimAttributes"]["Status"],
            domain["MailFromAttributes"]["MailFromDomainStatus"],
        ) == ("SUCCESS", "SUCCESS", "FAILED")
        with pytest.raises(ClientError) as err:
            v1.send_email(
                Source="app@example.com",
                Destination={"ToAddresses": ["a@example.org"]},
                Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "x"}}},
            )
        assert error_of(err)[0] == "MailFromDomainNotVerifiedException"
        names = v1.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"]
        assert [t["TemplateName"] for t in names] == ["welcome"]
        assert v1.list_verified_email_addresses()["VerifiedEmailAddresses"] == ["new@example.org"]
        ledger = json.loads(call(endpoint, "GET", "/_sesquota/ledger")[2])
        [sent] = ledger["sent"]
        assert sent["undelivered"] == {"a@example.org": "rendering_failure"}
        assert sent["rendering_failure"] == (
            "Attribute 'missing' is not present in the rendering data."
        )
