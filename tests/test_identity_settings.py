"""An identity's settings through boto3: DKIM (Easy DKIM, BYODKIM, key lengths), custom MAIL
FROM domains and what they do to sends, an identity's default configuration set, the
legacy VerifyEmailAddress family, and verification states on the virtual clock."""

from __future__ import annotations

import base64
from datetime import timedelta

import botocore.session
import pytest
from botocore.exceptions import ClientError
from conftest import send, send_v2

from pytest_sesquota.account.configuration_sets import ConfigurationSet, ConfigurationSets

KEY = base64.b64encode(b"not a real key, but base64").decode()
_V2 = botocore.session.get_session().get_service_model("sesv2")
#: Deterministic Easy DKIM's origins came with botocore 1.35 (1.34 knows AWS_SES, EXTERNAL).
DEED = "AWS_SES_US_EAST_1" in _V2.shape_for("DkimSigningAttributesOrigin").enum


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# -- the legacy address family -------------------------------------------------------------
def test_verify_email_address_family(ses_account, ses):
    ses.verify_email_address(EmailAddress="a@example.com")
    ses.verify_email_address(EmailAddress="b@example.com")
    ses.verify_domain_identity(Domain="example.org")
    assert ses_account.identity("a@example.com").status == "Pending"
    # Every address submitted for verification (the API reference's example), no domain.
    listed = ses.list_verified_email_addresses()["VerifiedEmailAddresses"]
    assert listed == ["a@example.com", "b@example.com"]
    ses.delete_verified_email_address(EmailAddress="a@example.com")
    ses.delete_verified_email_address(EmailAddress="nobody@example.com")  # 200, as SES
    ses.delete_verified_email_address(EmailAddress="example.org")  # not an address: kept
    assert [i.name for i in ses_account.identities()] == ["b@example.com", "example.org"]
    with pytest.raises(ClientError) as err:
        ses.verify_email_address(EmailAddress="not an address")
    assert error_of(err) == ("InvalidParameterValue", 400, "Missing final '@domain'")


# -- DKIM -------------------------------------------------------------------------------------
def test_easy_dkim_through_v1(ses_account, ses):
    tokens = ses.verify_domain_dkim(Domain="example.com")["DkimTokens"]
    assert len(tokens) == 3 and all(len(t) == 32 for t in tokens)
    assert ses.verify_domain_dkim(Domain="example.com")["DkimTokens"] == tokens  # stable
    ses.verify_email_identity(EmailAddress="app@example.com")
    attributes = ses.get_identity_dkim_attributes(
        Identities=["example.com", "app@example.com", "unknown.org"]
    )["DkimAttributes"]
    assert attributes == {
        "example.com": {
            "DkimEnabled": True,
            "DkimVerificationStatus": "Pending",
            "DkimTokens": tokens,
        },
        # As the API reference's example shows an address.
        "app@example.com": {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"},
    }
    ses_account.set_identity_status("example.com", dkim="Success")
    attributes = ses.get_identity_dkim_attributes(Identities=["example.com"])["DkimAttributes"]
    assert attributes["example.com"]["DkimVerificationStatus"] == "Success"
    # DKIM found: the domain is verified, as SES verifies it so.
    assert ses_account.identity("example.com").status == "Success"
    ses.set_identity_dkim_enabled(Identity="example.com", DkimEnabled=False)
    ses.set_identity_dkim_enabled(Identity="app@example.com", DkimEnabled=True)
    attributes = ses.get_identity_dkim_attributes(Identities=["example.com", "app@example.com"])[
        "DkimAttributes"
    ]
    assert attributes["example.com"]["DkimEnabled"] is False
    assert attributes["app@example.com"]["DkimEnabled"] is True


def test_dkim_signing_needs_the_domain_set_up_and_an_identity(ses):
    ses.verify_email_identity(EmailAddress="app@example.net")
    with pytest.raises(ClientError) as err:
        ses.set_identity_dkim_enabled(Identity="app@example.net", DkimEnabled=True)
    assert error_of(err) == (
        "InvalidParameterValue",
        400,
        "DKIM is not set up for the domain example.net: set up Easy DKIM or BYODKIM for it "
        "first, then enable or disable DKIM signing for app@example.net.",
    )
    with pytest.raises(ClientError) as err:
        ses.set_identity_dkim_enabled(Identity="nobody.org", DkimEnabled=True)
    assert error_of(err) == ("InvalidParameterValue", 400, "Identity <nobody.org> does not exist.")
    with pytest.raises(ClientError) as err:
        ses.verify_domain_dkim(Domain="a@example.net")
    assert error_of(err) == ("InvalidParameterValue", 400, "Invalid domain name a@example.net.")


def test_a_v2_domain_gets_easy_dkim_and_key_lengths_change_as_the_guide_says(ses_account, sesv2):
    created = sesv2.create_email_identity(
        EmailIdentity="example.com", DkimSigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"}
    )["DkimAttributes"]
    assert (created["SigningAttributesOrigin"], created["Status"], len(created["Tokens"])) == (
        "AWS_SES",
        "PENDING",
        3,
    )
    assert (created["NextSigningKeyLength"], created["CurrentSigningKeyLength"]) == (
        "RSA_1024_BIT",
        "RSA_1024_BIT",
    )
    assert created["LastKeyGenerationTimestamp"] == ses_account.clock.now()

    def change(length):
        return sesv2.put_email_identity_dkim_signing_attributes(
            EmailIdentity="example.com",
            SigningAttributesOrigin="AWS_SES",
            SigningAttributes={"NextSigningKeyLength": length},
        )

    with pytest.raises(ClientError) as err:
        change("RSA_1024_BIT")
    assert error_of(err) == (
        "BadRequestException",
        400,
        "The DKIM signing key length is already RSA_1024_BIT.",
    )
    assert change("RSA_2048_BIT")["DkimStatus"] == "PENDING"
    change("RSA_1024_BIT")  # a first downgrade within the day is allowed
    with pytest.raises(ClientError) as err:
        change("RSA_2048_BIT")
    code, status, message = error_of(err)
    assert (code, status) == ("BadRequestException", 400)
    assert message.startswith("The DKIM signing key length can be changed once in 24 hours")
    ses_account.clock.advance(timedelta(hours=24))
    change("RSA_2048_BIT")
    dkim = sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert (dkim["NextSigningKeyLength"], dkim["CurrentSigningKeyLength"]) == (
        "RSA_2048_BIT",
        "RSA_1024_BIT",
    )


def test_byodkim_and_back_to_easy_dkim(ses_account, sesv2):
    sesv2.create_email_identity(
        EmailIdentity="example.com",
        DkimSigningAttributes={"DomainSigningSelector": "s1", "DomainSigningPrivateKey": KEY},
    )
    dkim = sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert dkim == {
        "SigningEnabled": True,
        "Status": "PENDING",
        "Tokens": ["s1"],
        "SigningAttributesOrigin": "EXTERNAL",
    }
    answer = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="example.com", SigningAttributesOrigin="AWS_SES"
    )
    assert answer["DkimStatus"] == "PENDING" and len(answer["DkimTokens"]) == 3
    with pytest.raises(ClientError) as err:
        sesv2.put_email_identity_dkim_signing_attributes(
            EmailIdentity="example.com",
            SigningAttributesOrigin="EXTERNAL",
            SigningAttributes={"DomainSigningSelector": "s2"},
        )
    assert error_of(err)[:2] == ("BadRequestException", 400)
    sesv2.create_email_identity(EmailIdentity="app@example.com")
    with pytest.raises(ClientError) as err:
        sesv2.put_email_identity_dkim_signing_attributes(
            EmailIdentity="app@example.com", SigningAttributesOrigin="AWS_SES"
        )
    assert error_of(err) == (
        "BadRequestException",
        400,
        "DKIM signing attributes can be set for a domain only, not app@example.com.",
    )
    sesv2.put_email_identity_dkim_attributes(EmailIdentity="example.com", SigningEnabled=False)
    dkim = sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert dkim["SigningEnabled"] is False
    with pytest.raises(ClientError) as err:
        sesv2.put_email_identity_dkim_attributes(EmailIdentity="nobody.org", SigningEnabled=True)
    assert error_of(err) == (
        "NotFoundException",
        404,
        "Email identity <nobody.org> does not exist.",
    )


@pytest.mark.skipif(not DEED, reason="this botocore's SES v2 model has no AWS_SES_<REGION>")
def test_deterministic_easy_dkim_replicates_a_parent_in_another_region(ses_account, sesv2):
    import boto3
    from conftest import NO_RETRIES

    west = boto3.client("sesv2", region_name="eu-west-1", config=NO_RETRIES)
    parent = sesv2.create_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    west.create_email_identity(EmailIdentity="example.com")
    answer = west.put_email_identity_dkim_signing_attributes(
        EmailIdentity="example.com", SigningAttributesOrigin="AWS_SES_US_EAST_1"
    )
    assert answer == {
        "DkimStatus": "PENDING",
        "DkimTokens": parent["Tokens"],
        "ResponseMetadata": answer["ResponseMetadata"],
    }
    with pytest.raises(ClientError) as err:
        west.put_email_identity_dkim_signing_attributes(
            EmailIdentity="example.com", SigningAttributesOrigin="AWS_SES_AP_SOUTH_1"
        )
    assert error_of(err) == (
        "BadRequestException",
        400,
        "AWS_SES_AP_SOUTH_1: the parent identity example.com must exist in ap-south-1 with "
        "Easy DKIM set up.",
    )


# -- MAIL FROM --------------------------------------------------------------------------------
def test_mail_from_attributes_through_v1(ses_account, ses):
    ses.verify_domain_identity(Domain="example.com")
    assert ses.get_identity_mail_from_domain_attributes(Identities=["example.com"])[
        "MailFromDomainAttributes"
    ] == {"example.com": {"BehaviorOnMXFailure": "UseDefaultValue"}}
    ses.set_identity_mail_from_domain(
        Identity="example.com",
        MailFromDomain="bounce.example.com",
        BehaviorOnMXFailure="RejectMessage",
    )
    attributes = ses.get_identity_mail_from_domain_attributes(
        Identities=["example.com", "unknown.org"]
    )["MailFromDomainAttributes"]
    assert attributes == {
        "example.com": {
            "MailFromDomain": "bounce.example.com",
            "MailFromDomainStatus": "Pending",
            "BehaviorOnMXFailure": "RejectMessage",
        }
    }
    ses_account.verify("example.com")  # the MX record found too
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=["example.com"])
    assert attributes["MailFromDomainAttributes"]["example.com"]["MailFromDomainStatus"] == (
        "Success"
    )
    ses.set_identity_mail_from_domain(Identity="example.com")  # no domain: back to SES's own
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=["example.com"])
    assert attributes["MailFromDomainAttributes"]["example.com"] == {
        "BehaviorOnMXFailure": "UseDefaultValue"
    }
    with pytest.raises(ClientError) as err:
        ses.set_identity_mail_from_domain(Identity="example.com", MailFromDomain="mail.other.org")
    assert error_of(err) == (
        "InvalidParameterValue",
        400,
        "Provided MAIL-FROM domain 'mail.other.org' is not subdomain of the domain of the "
        "identity 'example.com'.",
    )
    with pytest.raises(ClientError) as err:
        ses.set_identity_mail_from_domain(
            Identity="example.com", MailFromDomain="m.example.com", BehaviorOnMXFailure="Bounce"
        )
    assert error_of(err) == (
        "ValidationError",
        400,
        "1 validation error detected: Value 'Bounce' at 'behaviorOnMXFailure' failed to "
        "satisfy constraint: Member must satisfy enum value set: [RejectMessage, UseDefaultValue]",
    )


@pytest.mark.ses_quota(profile="production")
def test_a_rejecting_mail_from_domain_refuses_sends_until_its_mx_record_is_found(
    ses_account, ses, sesv2
):
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com",
        MailFromDomain="bounce.example.com",
        BehaviorOnMxFailure="REJECT_MESSAGE",
    )
    mail_from = sesv2.get_email_identity(EmailIdentity="example.com")["MailFromAttributes"]
    assert mail_from == {
        "MailFromDomain": "bounce.example.com",
        "MailFromDomainStatus": "PENDING",
        "BehaviorOnMxFailure": "REJECT_MESSAGE",
    }
    text = (
        "Mail FROM domain is not verified. Amazon SES could not read the MX record of "
        "bounce.example.com (status Pending), and the behavior on MX failure of example.com "
        "is RejectMessage."
    )
    with pytest.raises(ClientError) as err:
        send(ses, "a@example.org")
    assert error_of(err) == ("MailFromDomainNotVerifiedException", 400, text)
    with pytest.raises(ClientError) as err:
        send_v2(sesv2, "a@example.org")
    assert error_of(err) == ("MailFromDomainNotVerifiedException", 400, text)
    # A bulk entry's status is the model's.
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi", "TextPart": "x"})
    statuses = ses.send_bulk_templated_email(
        Source="app@example.com",
        Template="t",
        DefaultTemplateData="{}",
        Destinations=[{"Destination": {"ToAddresses": ["b@example.org"]}}],
    )["Status"]
    assert statuses == [{"Status": "MailFromDomainNotVerified", "Error": text}]
    assert [r.reason for r in ses_account.rejected] == ["mail_from_unverified"] * 3
    assert [r.code for r in ses_account.rejected] == [
        "MailFromDomainNotVerifiedException",
        "MailFromDomainNotVerifiedException",
        "MailFromDomainNotVerified",
    ]
    # Another identity's sends, and this one's once the record is found, go.
    send(ses, "a@example.org", source="app@example.net")
    ses_account.set_identity_status("example.com", mail_from="Success")
    ses_account.clock.advance(1)
    send(ses, "a@example.org")
    # A failed record with the default behaviour sends from amazonses.com: accepted.
    ses_account.set_identity_status("example.com", mail_from="Failed")
    sesv2.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com",
        MailFromDomain="bounce.example.com",
        BehaviorOnMxFailure="USE_DEFAULT_VALUE",
    )
    ses_account.clock.advance(1)
    send(ses, "a@example.org")
    assert len(ses_account.sent) == 3


@pytest.mark.ses_quota(profile="production")
def test_the_mail_from_refusal_over_smtp(ses_account, ses, ses_smtp):
    import smtplib

    ses.verify_domain_identity(Domain="example.com")
    ses.set_identity_mail_from_domain(
        Identity="example.com", MailFromDomain="m.example.com", BehaviorOnMXFailure="RejectMessage"
    )
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port, timeout=15) as smtp:
        smtp.starttls(context=ses_smtp.ssl_context())
        smtp.login(ses_smtp.username, ses_smtp.password)
        with pytest.raises(smtplib.SMTPDataError) as err:
            smtp.sendmail("app@example.com", ["a@example.org"], b"Subject: hi\r\n\r\nhello\r\n")
    assert err.value.smtp_code == 554
    assert err.value.smtp_error.decode().startswith(
        "Message rejected: Mail FROM domain is not verified."
    )


# -- the identity's configuration set -------------------------------------------------------
def test_an_identity_s_configuration_set_and_tags_come_back(ses_account, ses, sesv2):
    sets = ses_account._parts["ConfigurationSets"]
    assert isinstance(sets, ConfigurationSets)
    sets.put(ConfigurationSet("marketing", ses_account.clock.now()))
    sets.put(ConfigurationSet("alerts", ses_account.clock.now()))
    sesv2.create_email_identity(
        EmailIdentity="example.com",
        ConfigurationSetName="marketing",
        Tags=[{"Key": "team", "Value": "growth"}],
    )
    got = sesv2.get_email_identity(EmailIdentity="example.com")
    assert (got["ConfigurationSetName"], got["Tags"]) == (
        "marketing",
        [{"Key": "team", "Value": "growth"}],
    )
    # The set a send that names none goes through (configuration sets' own rule, tested
    # there): the domain's, or an address identity's own.
    assert sets.default_set("Ann <ann@example.com>", "us-east-1") == "marketing"
    sesv2.create_email_identity(EmailIdentity="ann@example.com")
    sesv2.put_email_identity_configuration_set_attributes(
        EmailIdentity="ann@example.com", ConfigurationSetName="alerts"
    )
    assert sets.default_set("ann@example.com", "us-east-1") == "alerts"
    assert sets.default_set("bob@example.com", "us-east-1") == "marketing"
    send(ses, "x@example.net", source="bob@example.com")
    assert ses_account.sent[-1].configuration_set == "marketing"
    sesv2.put_email_identity_configuration_set_attributes(EmailIdentity="example.com")
    assert "ConfigurationSetName" not in sesv2.get_email_identity(EmailIdentity="example.com")
    assert sets.default_set("bob@example.com", "us-east-1") is None
    with pytest.raises(ClientError) as err:
        sesv2.put_email_identity_configuration_set_attributes(
            EmailIdentity="example.com", ConfigurationSetName="nope"
        )
    assert error_of(err) == ("NotFoundException", 404, "Configuration set <nope> does not exist.")
    with pytest.raises(ClientError) as err:
        sesv2.create_email_identity(EmailIdentity="example.org", ConfigurationSetName="nope")
    assert error_of(err) == ("NotFoundException", 404, "Configuration set <nope> does not exist.")
    assert ses_account.identity("example.org") is None


# -- verification states on the virtual clock ------------------------------------------------
def test_what_stays_pending_fails_as_ses_s_does(ses_account, sesv2):
    sesv2.create_email_identity(EmailIdentity="app@example.com")
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com", MailFromDomain="m.example.com"
    )

    def statuses():
        domain = sesv2.get_email_identity(EmailIdentity="example.com")
        return (
            sesv2.get_email_identity(EmailIdentity="app@example.com")["VerificationStatus"],
            domain["VerificationStatus"],
            domain["DkimAttributes"]["Status"],
            domain["MailFromAttributes"]["MailFromDomainStatus"],
        )

    ses_account.clock.advance(timedelta(hours=24))  # an address's link expires
    assert statuses() == ("FAILED", "PENDING", "PENDING", "PENDING")
    ses_account.clock.advance(timedelta(hours=48))  # 72 hours for DNS records
    assert statuses() == ("FAILED", "FAILED", "FAILED", "FAILED")
    ses_account.verify("app@example.com", "example.com")
    assert statuses() == ("SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS")
    ses_account.set_identity_status("example.com", dkim="TemporaryFailure", mail_from="Failed")
    assert statuses() == ("SUCCESS", "SUCCESS", "TEMPORARY_FAILURE", "FAILED")


def test_set_identity_status_says_what_is_wrong(ses_account):
    with pytest.raises(
        ValueError, match=r"no identity 'x.org' in us-east-1 \(its identities: none\)"
    ):
        ses_account.set_identity_status("x.org", verification="Success")
    ses_account.verify("a@example.com")
    with pytest.raises(ValueError, match=r"verification='Done': expected one of \('Pending', "):
        ses_account.set_identity_status("a@example.com", verification="Done")
    with pytest.raises(ValueError, match=r"a@example\.com has no DKIM set up"):
        ses_account.set_identity_status("a@example.com", dkim="Success")
    with pytest.raises(ValueError, match=r"a@example\.com has no custom MAIL FROM domain"):
        ses_account.set_identity_status("a@example.com", mail_from="Success")
