"""S/MIME certificates of identities through boto3: SES's checks and texts (as probed
against SES), one certificate per sender, provisioning then active on the virtual clock,
what SES decides set by the test, and an identity kept from deletion while it has one."""

from __future__ import annotations

from datetime import datetime, timezone

import botocore.session
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.skipif(
    "AssociateEmailIdentityCertificate"
    not in botocore.session.get_session().get_service_model("sesv2").operation_names,
    reason="this botocore's SES v2 model has no identity certificates",
)

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666"


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_a_certificate_is_provisioned_then_active_and_one_per_sender(sesv2, ses_account):
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.associate_email_identity_certificate(
        EmailIdentity="example.com", FromAddress="news@example.com", CertificateArn=CERT
    )
    listed = sesv2.list_email_identity_certificates(EmailIdentity="example.com")["Certificates"]
    assert listed == [
        {"FromAddress": "news@example.com", "Status": "PROVISIONING", "CertificateArn": CERT}
    ]
    ses_account.clock.advance(60)
    listed = sesv2.list_email_identity_certificates(EmailIdentity="example.com")["Certificates"]
    assert listed[0]["Status"] == "ACTIVE"
    with pytest.raises(ClientError) as excinfo:
        sesv2.associate_email_identity_certificate(
            EmailIdentity="example.com", FromAddress="news@example.com", CertificateArn=CERT
        )
    assert error_of(excinfo) == (
        "AlreadyExistsException",
        400,
        "A certificate is already associated with sender <news@example.com> on identity "
        "<example.com>.",
    )
    expiry = datetime(2027, 1, 1, tzinfo=timezone.utc)
    ses_account.set_identity_certificate_status(
        "example.com", "news@example.com", "FAILED", expiry=expiry
    )
    [found] = sesv2.list_email_identity_certificates(EmailIdentity="example.com")["Certificates"]
    assert (found["Status"], found["CertificateExpiryTime"]) == ("FAILED", expiry)
    with pytest.raises(ClientError) as excinfo:
        sesv2.delete_email_identity(EmailIdentity="example.com")
    assert error_of(excinfo) == (
        "BadRequestException",
        400,
        "Cannot delete <arn:aws:ses:us-east-1:123456789012:identity/example.com> because it "
        "has certificates associated with it. Disassociate all certificates and try again.",
    )
    sesv2.disassociate_email_identity_certificate(
        EmailIdentity="example.com", FromAddress="news@example.com"
    )
    sesv2.disassociate_email_identity_certificate(  # idempotent
        EmailIdentity="example.com", FromAddress="news@example.com"
    )
    assert sesv2.list_email_identity_certificates(EmailIdentity="example.com")["Certificates"] == []
    sesv2.delete_email_identity(EmailIdentity="example.com")


@pytest.mark.parametrize(
    ("identity", "sender", "arn", "message"),
    [
        ("example.com", None, CERT, "FromAddress is required when EmailIdentity is a domain."),
        ("example.com", "news", CERT, "FromAddress <news> is not a valid email address."),
        (
            "example.com",
            "a@example.org",
            CERT,
            "FromAddress <a@example.org> does not belong to the domain identity <example.com>.",
        ),
        (
            "example.com",
            "a@example.com",
            "arn:aws:acm:us-east-1:1:not-a-certificate",
            "1 validation error detected: Value at 'certificateArn' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:[\w+=/,.@-]*:[0-9]+:certificate/[\w+=,.@-]+",
        ),
    ],
)
def test_the_request_is_checked_before_the_identity(sesv2, identity, sender, arn, message):
    more = {} if sender is None else {"FromAddress": sender}
    with pytest.raises(ClientError) as excinfo:  # no identity: still its checks first
        sesv2.associate_email_identity_certificate(
            EmailIdentity=identity, CertificateArn=arn, **more
        )
    assert error_of(excinfo) == ("BadRequestException", 400, message)


def test_an_address_identity_is_its_own_sender_and_a_subdomain_belongs(sesv2, ses_account):
    with pytest.raises(ClientError) as excinfo:
        sesv2.list_email_identity_certificates(EmailIdentity="me@example.com")
    assert error_of(excinfo) == (
        "NotFoundException",
        404,
        "Email identity <me@example.com> does not exist.",
    )
    sesv2.create_email_identity(EmailIdentity="me@example.com")
    sesv2.associate_email_identity_certificate(EmailIdentity="me@example.com", CertificateArn=CERT)
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.associate_email_identity_certificate(
        EmailIdentity="example.com", FromAddress="a@mail.example.com", CertificateArn=CERT
    )
    [own] = sesv2.list_email_identity_certificates(EmailIdentity="me@example.com")["Certificates"]
    assert own["FromAddress"] == "me@example.com"
    with pytest.raises(LookupError, match=r"no certificate is associated with that sender"):
        ses_account.set_identity_certificate_status("example.com", "b@example.com", "ACTIVE")
    with pytest.raises(ValueError, match=r"valid statuses: 'PROVISIONING'"):
        ses_account.set_identity_certificate_status("me@example.com", "me@example.com", "OK")
