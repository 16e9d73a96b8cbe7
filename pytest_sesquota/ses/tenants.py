"""SES v2's tenants: Create, Get, List and DeleteTenant(s), their resource associations
(Create/DeleteTenantResourceAssociation, ListTenantResources, ListResourceTenants) and
PutTenantSuppressionAttributes; and the whole-call check of a bulk send naming a tenant.

Texts and orders are those an emulator probed against SES (floci, public; docs/choices.md
names what stays unknown). A resource's type is written as its ARN writes it
(``identity``, ``configuration-set``, ``template``), as SES does, not as the model's enum.
"""

from __future__ import annotations

__all__ = [
    "MAX_TENANTS",
    "RESOURCE_KINDS",
    "TenantsV2",
    "check_tenant_name",
    "refuse_bulk_for_tenant",
    "resource_exists",
    "tenant_resource",
]

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..account.configuration_sets import ConfigurationSets
from ..account.ledger import ACCOUNT_ID, Outgoing
from ..account.recipients import SUPPRESSION_REASONS
from ..account.templates import Templates
from ..account.tenants import Tenant, Tenants
from .api import Call, Operations, Params, Result, limit_exceeded, paginate
from .mail import ApiError, bad_request
from .tags import checked_tags, tag_list, tag_new, untag_gone

#: Tenants an account may have in a region (not published: a choice, docs/choices.md).
MAX_TENANTS = 10_000
#: The resources a tenant may have, as their ARNs name them.
RESOURCE_KINDS = ("identity", "configuration-set", "template")
_NAME = re.compile(r"[A-Za-z0-9_-]+")


def check_tenant_name(name: str | None, *, creating: bool = False) -> str:
    """SES's checks of a ``TenantName``, in SES's order and words (probed)."""
    if not name:
        if creating and name is not None:
            raise bad_request(
                "1 validation error detected: Value at 'tenantName' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1"
            )
        raise bad_request("TenantName cannot be empty")
    if not name.strip():
        raise bad_request("TenantName cannot be empty")
    if len(name) > 64:
        raise bad_request("TenantName cannot exceed 64 characters.")
    if not _NAME.fullmatch(name):
        raise bad_request(
            f"Invalid tenant name <{name}>: only alphanumeric ASCII characters, '_', and '-' "
            "are allowed."
        )
    return name


def _tenant(call: Call, name: str | None) -> Tenant:
    found = call.part(Tenants).tenant(check_tenant_name(name), call.region)
    if found is None:
        raise ApiError("NotFoundException", f"The requested tenant <{name}> does not exist.", 404)
    return found


def tenant_resource(call: Call, arn: str) -> tuple[str, str]:
    """``(kind, name)`` of the resource ARN an association names, checked in SES's order."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise bad_request("Provided resource identifier is not an SES resource")
    if parts[2] != "ses":
        raise bad_request("Provided ARN is not in SES resource ARN format")
    kind, _, name = parts[5].partition("/")
    if kind not in RESOURCE_KINDS:
        raise bad_request(f"Unsupported resource type: {kind}")
    if not name:
        raise bad_request("Provided resource identifier is not an SES resource")
    if parts[3] != call.region:
        raise bad_request(f"Resource <{arn}> must be in the same region")
    if parts[4] != ACCOUNT_ID:
        raise bad_request(f"Resource <{arn}> must be in the same account")
    return kind, name


def resource_exists(call: Call, kind: str, name: str) -> bool:
    if kind == "identity":
        return call.account.identity(name, call.region) is not None
    if kind == "template":
        return call.part(Templates).template(name, call.region) is not None
    return call.part(ConfigurationSets).exists(name, call.region)


def _suppression(given: Mapping[str, Any] | None) -> tuple[tuple[Any, ...], str] | None:
    """SuppressedReasons and SuppressionScope, which SES takes only together (probed)."""
    given = given or {}
    reasons, scope = given.get("SuppressedReasons"), given.get("SuppressionScope")
    for reason in reasons or ():
        if reason not in SUPPRESSION_REASONS:
            raise bad_request(
                "1 validation error detected: Value at 'suppressedReasons' failed to satisfy "
                "constraint: Member must satisfy enum value set: [BOUNCE, COMPLAINT]"
            )
    if scope is not None and scope not in ("TENANT", "ACCOUNT"):
        raise bad_request(
            "1 validation error detected: Value at 'suppressionScope' failed to satisfy "
            "constraint: Member must satisfy enum value set: [TENANT, ACCOUNT]"
        )
    if reasons is not None and len(set(reasons)) != len(reasons):
        raise bad_request("Each suppressed reason can only be specified at most once")
    if reasons is not None and scope is None:
        raise bad_request(
            "SuppressionScope is required when SuppressedReasons are provided. Valid values "
            "are: TENANT, ACCOUNT"
            if not reasons
            else "SuppressedReasons cannot be specified without SuppressionScope."
        )
    if reasons is None and scope is not None:
        raise bad_request("SuppressionScope cannot be specified without SuppressedReasons.")
    if reasons is None or scope is None:
        return None
    return (tuple(reasons), scope)


def _described(call: Call, tenant: Tenant) -> dict[str, Any]:
    document: dict[str, Any] = {
        "TenantName": tenant.name,
        "TenantId": tenant.tenant_id,
        "TenantArn": tenant.arn(call.region),
        "CreatedTimestamp": tenant.created,
        # SES lists a tenant's tags by key (probed).
        "Tags": sorted(
            tag_list(call, "tenant", f"{tenant.name}/{tenant.tenant_id}"), key=lambda t: t["Key"]
        ),
        "SendingStatus": tenant.sending_status,
    }
    if tenant.suppression_attributes is not None:
        reasons, scope = tenant.suppression_attributes
        document["SuppressionAttributes"] = {
            "SuppressedReasons": list(reasons),
            "SuppressionScope": scope,
        }
    return document


class TenantsV2(Operations):
    title = "tenants"
    names = (
        "CreateTenant",
        "GetTenant",
        "ListTenants",
        "DeleteTenant",
        "CreateTenantResourceAssociation",
        "DeleteTenantResourceAssociation",
        "ListTenantResources",
        "ListResourceTenants",
        "PutTenantSuppressionAttributes",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "a send naming a missing or paused tenant, or a resource not associated with it, "
        "refused; a tenant's own suppression list"
    }

    def CreateTenant(self, call: Call, p: Params) -> Result:
        name = check_tenant_name(p.get("TenantName"), creating=True)
        checked_tags(p.get("Tags"))
        suppression = _suppression(p.get("SuppressionAttributes"))
        tenants = call.part(Tenants)
        if tenants.tenant(name, call.region) is not None:
            raise ApiError(
                "AlreadyExistsException",
                f"Tenant with name {name} already exists in account {ACCOUNT_ID}",
            )
        if len(tenants.tenants(call.region)) >= MAX_TENANTS:
            raise limit_exceeded(f"Maximum number of tenants ({MAX_TENANTS}) reached.")
        tenant = tenants.create(name, suppression, call.region)
        tag_new(call, "tenant", f"{name}/{tenant.tenant_id}", p.get("Tags"))
        return _described(call, tenant)

    def GetTenant(self, call: Call, p: Params) -> Result:
        return {"Tenant": _described(call, _tenant(call, p.get("TenantName")))}

    def ListTenants(self, call: Call, p: Params) -> Result:
        filters = p.get("Filter") or {}
        contains, status = filters.get("TENANT_NAME_CONTAINS"), filters.get("SENDING_STATUS")
        items = [
            {
                "TenantName": t.name,
                "TenantId": t.tenant_id,
                "TenantArn": t.arn(call.region),
                "CreatedTimestamp": t.created,
                "SendingStatus": t.sending_status,
            }
            for t in call.part(Tenants).tenants(call.region)
            if (contains is None or contains in t.name) and status in (None, t.sending_status)
        ]
        return paginate(
            items,
            "Tenants",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )

    def DeleteTenant(self, call: Call, p: Params) -> Result:
        # Its associations go with it; the resources stay (the API reference).
        tenant = _tenant(call, p.get("TenantName"))
        call.part(Tenants).delete(tenant.name, call.region)
        untag_gone(call, "tenant", f"{tenant.name}/{tenant.tenant_id}")
        return {}

    def CreateTenantResourceAssociation(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p.get("TenantName"))
        arn = p["ResourceArn"]
        kind, name = tenant_resource(call, arn)
        if not resource_exists(call, kind, name):
            raise ApiError("NotFoundException", f"Resource {arn} does not exist.", 404)
        if arn in tenant.resources:  # SES's grammar, probed
            raise ApiError(
                "AlreadyExistsException",
                f"Resources {arn} has already been associated with tenant {tenant.name}",
            )
        tenant.resources[arn] = call.account.clock.now()
        call.part(Tenants).update(call.region)
        return {}

    def DeleteTenantResourceAssociation(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p.get("TenantName"))
        tenant_resource(call, p["ResourceArn"])
        # One that does not exist is a silent success (probed).
        if tenant.resources.pop(p["ResourceArn"], None) is not None:
            call.part(Tenants).update(call.region)
        return {}

    def ListTenantResources(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p.get("TenantName"))
        kind = (p.get("Filter") or {}).get("RESOURCE_TYPE")
        if kind is not None and kind not in RESOURCE_KINDS:
            raise bad_request(f"Invalid resource type {kind} specified.")
        items = [
            {"ResourceType": arn.split(":", 5)[5].partition("/")[0], "ResourceArn": arn}
            for arn in sorted(tenant.resources)
            if kind is None or arn.split(":", 5)[5].partition("/")[0] == kind
        ]
        return paginate(
            items,
            "TenantResources",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )

    def ListResourceTenants(self, call: Call, p: Params) -> Result:
        arn = p["ResourceArn"]
        kind, name = tenant_resource(call, arn)
        if not resource_exists(call, kind, name):
            raise ApiError("NotFoundException", f"Resource {arn} does not exist.", 404)
        found = [
            (t.resources[arn], t)
            for t in call.part(Tenants).tenants(call.region)
            if arn in t.resources
        ]
        items = [
            {
                "TenantName": t.name,
                "TenantId": t.tenant_id,
                "ResourceArn": arn,
                "AssociatedTimestamp": when,
            }
            for when, t in sorted(found, key=lambda pair: (pair[0], pair[1].name))
        ]
        return paginate(
            items,
            "ResourceTenants",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )

    def PutTenantSuppressionAttributes(self, call: Call, p: Params) -> Result:
        check_tenant_name(p.get("TenantName"))
        suppression = _suppression(p)  # checked before the tenant is looked up (probed)
        tenant = _tenant(call, p.get("TenantName"))
        tenant.suppression_attributes = suppression
        call.part(Tenants).update(call.region)
        return {}


def refuse_bulk_for_tenant(
    call: Call,
    source: str,
    shared: Mapping[str, Any],
    template: str | None,
    recipients: Sequence[str],
) -> None:
    """A bulk send names one tenant for all its entries: a missing or paused tenant, or a
    resource not associated with it, refuses the whole call."""
    if shared.get("tenant_name") is None:
        return
    send = Outgoing(
        region=call.region,
        operation=call.operation,
        source=source,
        recipients=tuple(recipients),
        content={**shared, "template": template},
    )
    refused = call.part(Tenants).check_send(send)
    if refused is None:
        return
    error = call.dialect.error(refused)
    call.account.reject(
        region=call.region,
        operation=call.operation,
        reason=refused.kind,
        code=error.code,
        message=refused.message,
        source=source,
        recipients=recipients,
    )
    raise error
