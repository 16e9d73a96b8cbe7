"""Sending authorization, tenants and identity certificates in ``sesquota serve``: the
control API's say over what SES decides (a tenant's status, a certificate's) and over
the delegating accounts, its OpenAPI document, and the state file across a restart."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.exceptions import ClientError
from test_server import MESSAGE, call, check, client, serve

from pytest_sesquota import SesAccount
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.server import SesHttpServer

OWNER = "111122223333"
OWNER_ARN = f"arn:aws:ses:us-east-1:{OWNER}:identity/example.com"
TENANTS = (
    "CreateTenant" in botocore.session.get_session().get_service_model("sesv2").operation_names
)
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666"


@pytest.fixture
def detached():
    account = SesAccount(profile="production", clock=DetachedClock())
    with SesHttpServer(account) as server:
        yield account, server.endpoint_url


def reply(result):
    status, _headers, body = result
    return status, json.loads(body)


def test_a_delegating_account_set_up_through_the_control_api(detached):
    account, endpoint = detached
    status, document = reply(
        call(
            endpoint,
            "POST",
            "/_sesquota/delegating-accounts",
            {"account_id": OWNER, "allow": ["example.com"], "verified": ["example.net"]},
        )
    )
    assert status == 200
    assert check(document, "DelegatingAccount") == {
        "account_id": OWNER,
        "region": "us-east-1",
        "identities": {"example.com": OWNER_ARN, "example.net": OWNER_ARN.replace(".com", ".net")},
        "sandbox": False,
    }
    ses = client("ses", endpoint)
    ses.send_email(
        Source="a@example.com",
        SourceArn=OWNER_ARN,
        Destination={"ToAddresses": ["b@example.org"]},
        Message=MESSAGE,
    )
    assert account.sent[-1].source_arn == OWNER_ARN
    # A policy given as an object; a refused one says why, as the account does.
    deny = {
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "ses:*", "Resource": OWNER_ARN}
        ]
    }
    body = {"account_id": OWNER, "policies": {"example.com": {"Deny": deny}}, "sandbox": True}
    assert reply(call(endpoint, "POST", "/_sesquota/delegating-accounts", body))[0] == 200
    with pytest.raises(ClientError) as excinfo:
        ses.send_email(
            Source="a@example.com",
            SourceArn=OWNER_ARN,
            Destination={"ToAddresses": ["b@example.org"]},
            Message=MESSAGE,
        )
    assert excinfo.value.response["Error"]["Code"] == "AccessDenied"
    wrong = {"account_id": OWNER, "policies": {"example.com": {"Bad": {"Statement": []}}}}
    assert reply(call(endpoint, "POST", "/_sesquota/delegating-accounts", wrong)) == (
        400,
        {
            "error": "BadRequest",
            "message": "put_policy('example.com', 'Bad'): Missing required field Statement",
        },
    )
    assert (
        reply(call(endpoint, "POST", "/_sesquota/delegating-accounts", {"account_id": "1"}))[0]
        == 400
    )


@pytest.mark.skipif(not TENANTS, reason="this botocore's SES v2 model has no tenants")
def test_tenant_and_certificate_statuses_through_the_control_api(detached):
    _account, endpoint = detached
    v2 = client("sesv2", endpoint)
    v2.create_tenant(TenantName="acme")
    path = "/_sesquota/tenants/acme/status"
    status, document = reply(
        call(endpoint, "PUT", path, {"status": "DISABLED", "cause": "Complaints", "impact": "HIGH"})
    )
    assert status == 200
    assert check(document, "TenantStatus") == {
        "tenant": "acme",
        "region": "us-east-1",
        "sending_status": "DISABLED",
        "aws_managed_status": "DISABLED",
        "customer_managed_status": "ENABLED",
        "cause": "Complaints",
        "impact": "HIGH",
    }
    assert v2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"
    assert (
        reply(call(endpoint, "PUT", "/_sesquota/tenants/nope/status", {"status": "ENABLED"}))[0]
        == 404
    )
    assert reply(call(endpoint, "PUT", path, {"status": "PAUSED"}))[0] == 400
    v2.create_email_identity(EmailIdentity="example.com")
    v2.associate_email_identity_certificate(
        EmailIdentity="example.com", FromAddress="a@example.com", CertificateArn=CERT
    )
    body = {"identity": "example.com", "from_address": "a@example.com", "status": "ACTIVE"}
    status, document = reply(call(endpoint, "PUT", "/_sesquota/identity-certificates", body))
    assert (status, check(document, "CertificateStatus")["status"]) == (200, "ACTIVE")
    [found] = v2.list_email_identity_certificates(EmailIdentity="example.com")["Certificates"]
    assert found["Status"] == "ACTIVE"


def test_the_state_file_keeps_policies_delegating_accounts_tenants_and_certificates(tmp_path):
    state = tmp_path / "ses.sqlite"
    with serve(tmp_path, "--clock", "virtual", "--state", state, "--profile", "production") as (
        _p,
        endpoint,
        _info,
    ):
        ses, v2 = client("ses", endpoint), client("sesv2", endpoint)
        v2.create_email_identity(EmailIdentity="example.org")
        document = json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "999999999999"},
                        "Action": "ses:SendEmail",
                        "Resource": "arn:aws:ses:us-east-1:123456789012:identity/example.org",
                    }
                ]
            }
        )
        ses.put_identity_policy(Identity="example.org", PolicyName="p", Policy=document)
        body = {"account_id": OWNER, "allow": ["example.com"], "sandbox": True}
        call(endpoint, "POST", "/_sesquota/delegating-accounts", body)
        if TENANTS:
            v2.create_tenant(TenantName="acme", Tags=[{"Key": "k", "Value": "v"}])
            v2.create_tenant_resource_association(
                TenantName="acme",
                ResourceArn="arn:aws:ses:us-east-1:123456789012:identity/example.org",
            )
            v2.put_suppressed_destination(
                EmailAddress="gone@example.net", Reason="BOUNCE", TenantName="acme"
            )
            call(endpoint, "PUT", "/_sesquota/tenants/acme/status", {"status": "DISABLED"})
            v2.associate_email_identity_certificate(
                EmailIdentity="example.org", FromAddress="a@example.org", CertificateArn=CERT
            )
    with serve(tmp_path, "--clock", "virtual", "--state", state, "--profile", "production") as (
        _p,
        endpoint,
        _info,
    ):
        ses, v2 = client("ses", endpoint), client("sesv2", endpoint)
        assert ses.list_identity_policies(Identity="example.org")["PolicyNames"] == ["p"]
        # The delegating account is back, in the sandbox: its policy allows, its sandbox refuses.
        with pytest.raises(ClientError) as excinfo:
            ses.send_email(
                Source="a@example.com",
                SourceArn=OWNER_ARN,
                Destination={"ToAddresses": ["b@example.net"]},
                Message=MESSAGE,
            )
        assert excinfo.value.response["Error"]["Message"].endswith("US-EAST-1: b@example.net")
        ses.send_email(
            Source="a@example.com",
            SourceArn=OWNER_ARN,
            Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Message=MESSAGE,
        )
        if TENANTS:
            tenant = v2.get_tenant(TenantName="acme")["Tenant"]
            assert (tenant["SendingStatus"], tenant["Tags"]) == (
                "DISABLED",
                [{"Key": "k", "Value": "v"}],
            )
            assert [
                r["ResourceArn"]
                for r in v2.list_tenant_resources(TenantName="acme")["TenantResources"]
            ] == ["arn:aws:ses:us-east-1:123456789012:identity/example.org"]
            got = v2.get_suppressed_destination(EmailAddress="gone@example.net", TenantName="acme")
            assert got["SuppressedDestination"]["Reason"] == "BOUNCE"
            [certificate] = v2.list_email_identity_certificates(EmailIdentity="example.org")[
                "Certificates"
            ]
            assert certificate["FromAddress"] == "a@example.org"
