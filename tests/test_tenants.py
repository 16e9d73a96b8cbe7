"""Tenants through boto3: their management with SES's texts (as probed against SES), the
resources associated with them, their suppression lists, their reputation entities, and
what they do to sends (a missing or paused tenant, a resource not associated)."""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.exceptions import ClientError
from conftest import SIMPLE

pytestmark = [
    pytest.mark.skipif(
        "CreateTenant"
        not in botocore.session.get_session().get_service_model("sesv2").operation_names,
        reason="this botocore's SES v2 model has no tenants",
    ),
    pytest.mark.ses_quota(profile="production"),
]

ARN = "arn:aws:ses:us-east-1:123456789012:{}/{}"
STANDARD = "arn:aws:ses:us-east-1:aws:reputation-policy/standard"


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def tenant_send(sesv2, tenant="acme", source="news@example.com", **more):
    return sesv2.send_email(
        FromEmailAddress=source,
        Destination={"ToAddresses": ["a@example.net"]},
        Content=SIMPLE,
        TenantName=tenant,
        **more,
    )


def test_a_tenant_is_created_read_listed_and_deleted(sesv2, ses_account):
    made = sesv2.create_tenant(
        TenantName="acme", Tags=[{"Key": "z", "Value": "1"}, {"Key": "a", "Value": "2"}]
    )
    assert re.fullmatch(r"tn-[0-9a-f]{30}", made["TenantId"])
    assert made["TenantArn"] == ARN.format("tenant", f"acme/{made['TenantId']}")
    assert (made["TenantName"], made["SendingStatus"]) == ("acme", "ENABLED")
    assert made["CreatedTimestamp"] == ses_account.clock.now()
    got = sesv2.get_tenant(TenantName="acme")["Tenant"]
    assert got["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "z", "Value": "1"}]  # by key
    assert "SuppressionAttributes" not in got
    sesv2.create_tenant(TenantName="beta")
    listed = sesv2.list_tenants()["Tenants"]
    assert [t["TenantName"] for t in listed] == ["acme", "beta"]
    assert [
        t["TenantName"]
        for t in sesv2.list_tenants(Filter={"TENANT_NAME_CONTAINS": "et"})["Tenants"]
    ] == ["beta"]
    page = sesv2.list_tenants(PageSize=1)
    assert [t["TenantName"] for t in page["Tenants"]] == ["acme"]
    assert [
        t["TenantName"] for t in sesv2.list_tenants(NextToken=page["NextToken"])["Tenants"]
    ] == ["beta"]
    assert sesv2.list_tags_for_resource(ResourceArn=made["TenantArn"])["Tags"] == [
        {"Key": "z", "Value": "1"},
        {"Key": "a", "Value": "2"},
    ]
    sesv2.delete_tenant(TenantName="acme")
    with pytest.raises(ClientError) as excinfo:
        sesv2.get_tenant(TenantName="acme")
    assert error_of(excinfo) == (
        "NotFoundException",
        404,
        "The requested tenant <acme> does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        sesv2.list_tags_for_resource(ResourceArn=made["TenantArn"])
    assert error_of(excinfo)[:2] == ("NotFoundException", 404)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (" ", "TenantName cannot be empty"),
        ("x" * 65, "TenantName cannot exceed 64 characters."),
        (
            "a.b",
            "Invalid tenant name <a.b>: only alphanumeric ASCII characters, '_', and '-' are "
            "allowed.",
        ),
    ],
)
def test_tenant_names_are_checked_in_ses_s_words(sesv2, name, message):
    with pytest.raises(ClientError) as excinfo:
        sesv2.create_tenant(TenantName=name)
    assert error_of(excinfo) == ("BadRequestException", 400, message)


def test_a_tenant_name_is_taken_once(sesv2):
    sesv2.create_tenant(TenantName="acme")
    with pytest.raises(ClientError) as excinfo:
        sesv2.create_tenant(TenantName="acme")
    assert error_of(excinfo) == (
        "AlreadyExistsException",
        400,
        "Tenant with name acme already exists in account 123456789012",
    )


def test_resources_are_associated_listed_both_ways_and_kept_from_deletion(sesv2, ses, ses_account):
    sesv2.create_tenant(TenantName="acme")
    sesv2.create_tenant(TenantName="beta")
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_email_template(TemplateName="welcome", TemplateContent={"Subject": "Hi"})
    identity, template = ARN.format("identity", "example.com"), ARN.format("template", "welcome")
    for tenant, arn in [("acme", identity), ("acme", template), ("beta", identity)]:
        sesv2.create_tenant_resource_association(TenantName=tenant, ResourceArn=arn)
        ses_account.clock.advance(1)
    with pytest.raises(ClientError) as excinfo:
        sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=identity)
    assert error_of(excinfo) == (
        "AlreadyExistsException",
        400,
        f"Resources {identity} has already been associated with tenant acme",
    )
    resources = sesv2.list_tenant_resources(TenantName="acme")["TenantResources"]
    assert resources == [
        {"ResourceType": "identity", "ResourceArn": identity},
        {"ResourceType": "template", "ResourceArn": template},
    ]
    only = sesv2.list_tenant_resources(TenantName="acme", Filter={"RESOURCE_TYPE": "template"})
    assert only["TenantResources"] == [{"ResourceType": "template", "ResourceArn": template}]
    tenants = sesv2.list_resource_tenants(ResourceArn=identity)["ResourceTenants"]
    assert [(t["TenantName"], t["ResourceArn"]) for t in tenants] == [
        ("acme", identity),
        ("beta", identity),
    ]
    with pytest.raises(ClientError) as excinfo:
        sesv2.delete_email_identity(EmailIdentity="example.com")
    assert error_of(excinfo) == (
        "BadRequestException",
        400,
        f"Cannot delete <{identity}> because it has tenant associations. Remove all tenant "
        "associations and try again.",
    )
    with pytest.raises(ClientError) as excinfo:
        ses.delete_template(TemplateName="welcome")
    assert error_of(excinfo)[0] == "InvalidParameterValue"
    sesv2.delete_tenant_resource_association(TenantName="acme", ResourceArn=template)
    sesv2.delete_tenant_resource_association(TenantName="acme", ResourceArn=template)  # silent
    ses.delete_template(TemplateName="welcome")
    sesv2.delete_tenant(TenantName="acme")  # its associations go with it
    sesv2.delete_tenant(TenantName="beta")
    sesv2.delete_email_identity(EmailIdentity="example.com")


@pytest.mark.parametrize(
    ("arn", "status", "message"),
    [
        ("nope", 400, "Provided resource identifier is not an SES resource"),
        ("arn:aws:s3:::bucket/x", 400, "Provided ARN is not in SES resource ARN format"),
        (ARN.format("contact-list", "l"), 400, "Unsupported resource type: contact-list"),
        (ARN.format("identity", "x.com").replace("us-east-1", "eu-west-1"), 400, None),
        (ARN.format("identity", "x.com").replace("123456789012", "111122223333"), 400, None),
        (ARN.format("identity", "x.com"), 404, "Resource {arn} does not exist."),
    ],
)
def test_an_association_s_arn_is_checked_in_ses_s_order(sesv2, arn, status, message):
    sesv2.create_tenant(TenantName="acme")
    with pytest.raises(ClientError) as excinfo:
        sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
    code, got_status, got = error_of(excinfo)
    assert (code, got_status) == (
        ("NotFoundException" if status == 404 else "BadRequestException"),
        status,
    )
    if message is None:
        which = "region" if "eu-west-1" in arn else "account"
        message = f"Resource <{arn}> must be in the same {which}"
    assert got == message.format(arn=arn)
    with pytest.raises(ClientError) as excinfo:
        sesv2.list_tenant_resources(TenantName="acme", Filter={"RESOURCE_TYPE": "EMAIL_IDENTITY"})
    assert error_of(excinfo) == (
        "BadRequestException",
        400,
        "Invalid resource type EMAIL_IDENTITY specified.",
    )


def test_a_send_naming_a_tenant(sesv2, ses_account):
    with pytest.raises(ClientError) as excinfo:
        tenant_send(sesv2)
    assert error_of(excinfo) == (
        "NotFoundException",
        404,
        "Tenant acme for AwsAccountId 123456789012 not found.",
    )
    sesv2.create_tenant(TenantName="acme")
    sesv2.create_email_identity(EmailIdentity="example.com")
    ses_account.verify("example.com")
    with pytest.raises(ClientError) as excinfo:
        tenant_send(sesv2)
    identity = ARN.format("identity", "example.com")
    assert error_of(excinfo) == (
        "AccessDeniedException",
        403,
        f"Tenant not associated with resources [{identity}].",
    )
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=identity)
    tenant_send(sesv2)
    assert ses_account.sent[-1].tenant_name == "acme"
    # A template it uses must be the tenant's too.
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi", "Text": "Hi"})
    template = {"Template": {"TemplateName": "t", "TemplateData": "{}"}}
    with pytest.raises(ClientError) as excinfo:
        sesv2.send_email(
            FromEmailAddress="news@example.com",
            Destination={"ToAddresses": ["a@example.net"]},
            Content=template,
            TenantName="acme",
        )
    assert (
        error_of(excinfo)[2]
        == f"Tenant not associated with resources [{ARN.format('template', 't')}]."
    )
    # A bulk send names the tenant once: refused whole.
    with pytest.raises(ClientError) as excinfo:
        sesv2.send_bulk_email(
            FromEmailAddress="news@example.com",
            DefaultContent=template,
            BulkEmailEntries=[{"Destination": {"ToAddresses": ["a@example.net"]}}],
            TenantName="nobody",
        )
    assert error_of(excinfo)[:2] == ("NotFoundException", 404)
    assert ses_account.rejected[-1].reason == "tenant_missing"


def test_a_tenant_paused_by_ses_or_by_its_owner_sends_nothing(sesv2, ses_account):
    sesv2.create_tenant(TenantName="acme")
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_tenant_resource_association(
        TenantName="acme", ResourceArn=ARN.format("identity", "example.com")
    )
    arn = sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantArn"]
    ses_account.set_tenant_status("acme", "DISABLED", cause="High bounce rate", impact="HIGH")
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"
    with pytest.raises(ClientError) as excinfo:
        tenant_send(sesv2)
    assert error_of(excinfo) == (
        "SendingPausedException",
        400,
        "Sending is paused for tenant acme. High bounce rate",
    )
    entity = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn
    )["ReputationEntity"]
    assert entity["AwsSesManagedStatus"]["Status"] == "DISABLED"
    assert entity["AwsSesManagedStatus"]["Cause"] == "High bounce rate"
    assert (entity["SendingStatusAggregate"], entity["ReputationImpact"]) == ("DISABLED", "HIGH")
    assert entity["ReputationManagementPolicy"] == STANDARD
    ses_account.set_tenant_status("acme", "ENABLED")
    tenant_send(sesv2)
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="DISABLED"
    )
    with pytest.raises(ClientError):
        tenant_send(sesv2)
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="REINSTATED"
    )
    assert sesv2.list_tenants()["Tenants"][0]["SendingStatus"] == "REINSTATED"
    tenant_send(sesv2)
    with pytest.raises(LookupError, match=r"no such tenant in us-east-1; tenants: 'acme'"):
        ses_account.set_tenant_status("beta", "DISABLED")
    with pytest.raises(ValueError, match=r"valid statuses: 'ENABLED', 'REINSTATED', 'DISABLED'"):
        ses_account.set_tenant_status("acme", "PAUSED")


def test_reputation_entities_are_listed_filtered_and_their_policy_changed(sesv2, ses_account):
    for name in ("acme", "beta"):
        sesv2.create_tenant(TenantName=name)
    ses_account.set_tenant_status("beta", "DISABLED")
    listed = sesv2.list_reputation_entities()["ReputationEntities"]
    assert [e["ReputationEntityReference"].split("/")[1] for e in listed] == ["acme", "beta"]
    disabled = sesv2.list_reputation_entities(Filter={"SENDING_STATUS": "DISABLED"})[
        "ReputationEntities"
    ]
    assert [e["SendingStatusAggregate"] for e in disabled] == ["DISABLED"]
    arn = listed[0]["ReputationEntityReference"]
    strict = STANDARD.replace("standard", "strict")
    sesv2.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arn,
        ReputationEntityPolicy=strict,
    )
    got = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn
    )
    assert got["ReputationEntity"]["ReputationManagementPolicy"] == strict
    with pytest.raises(ClientError) as excinfo:
        sesv2.update_reputation_entity_policy(
            ReputationEntityType="RESOURCE",
            ReputationEntityReference=arn,
            ReputationEntityPolicy="lax",
        )
    assert error_of(excinfo)[:2] == ("BadRequestException", 400)
    with pytest.raises(ClientError) as excinfo:
        sesv2.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference="x")
    assert error_of(excinfo) == ("NotFoundException", 404, "Reputation entity <x> does not exist.")


def test_a_tenant_s_own_suppression_list(sesv2, ses_account):
    sesv2.create_tenant(
        TenantName="acme",
        SuppressionAttributes={"SuppressedReasons": ["BOUNCE"], "SuppressionScope": "TENANT"},
    )
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SuppressionAttributes"] == {
        "SuppressedReasons": ["BOUNCE"],
        "SuppressionScope": "TENANT",
    }
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_tenant_resource_association(
        TenantName="acme", ResourceArn=ARN.format("identity", "example.com")
    )
    sesv2.put_suppressed_destination(
        EmailAddress="gone@example.net", Reason="BOUNCE", TenantName="acme"
    )
    sesv2.put_suppressed_destination(  # a reason the tenant does not suppress for
        EmailAddress="moaned@example.net", Reason="COMPLAINT", TenantName="acme"
    )
    ses_account.suppress("a@example.net")  # the account's list: not the tenant's
    got = sesv2.get_suppressed_destination(EmailAddress="gone@example.net", TenantName="acme")
    assert got["SuppressedDestination"]["TenantName"] == "acme"
    listed = sesv2.list_suppressed_destinations(TenantName="acme")["SuppressedDestinationSummaries"]
    assert [d["EmailAddress"] for d in listed] == ["gone@example.net", "moaned@example.net"]
    sesv2.send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": ["a@example.net", "gone@example.net", "moaned@example.net"]},
        Content=SIMPLE,
        TenantName="acme",
    )
    assert ses_account.sent[-1].suppressed == ("gone@example.net",)  # TENANT scope: its list
    sesv2.put_tenant_suppression_attributes(
        TenantName="acme", SuppressedReasons=[], SuppressionScope="ACCOUNT"
    )
    tenant_send(sesv2)
    assert ses_account.sent[-1].suppressed == ("a@example.net",)  # ACCOUNT scope
    sesv2.delete_suppressed_destination(EmailAddress="gone@example.net", TenantName="acme")
    with pytest.raises(ClientError) as excinfo:
        sesv2.get_suppressed_destination(EmailAddress="gone@example.net", TenantName="acme")
    assert error_of(excinfo)[:2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        sesv2.put_suppressed_destination(
            EmailAddress="x@example.net", Reason="BOUNCE", TenantName="nope"
        )
    assert error_of(excinfo) == (
        "NotFoundException",
        404,
        "The requested tenant <nope> does not exist.",
    )


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            {"SuppressedReasons": ["BOUNCE"]},
            "SuppressedReasons cannot be specified without SuppressionScope.",
        ),
        (
            {"SuppressedReasons": []},
            "SuppressionScope is required when SuppressedReasons are provided. Valid values "
            "are: TENANT, ACCOUNT",
        ),
        (
            {"SuppressionScope": "TENANT"},
            "SuppressionScope cannot be specified without SuppressedReasons.",
        ),
        (
            {"SuppressedReasons": ["BOUNCE", "BOUNCE"], "SuppressionScope": "TENANT"},
            "Each suppressed reason can only be specified at most once",
        ),
    ],
)
def test_suppression_attributes_come_in_pairs(sesv2, attributes, message):
    with pytest.raises(ClientError) as excinfo:
        sesv2.put_tenant_suppression_attributes(TenantName="missing", **attributes)
    assert error_of(excinfo) == ("BadRequestException", 400, message)  # checked before the tenant
