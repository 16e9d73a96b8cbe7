"""SES v2's reputation entities: Get and ListReputationEntities,
UpdateReputationEntityCustomerManagedStatus and UpdateReputationEntityPolicy.

The fake's reputation entities are its tenants (each tenant's entity is referred to by
the tenant's ARN, type ``RESOURCE``): the customer-managed status is the API's, the
AWS-managed one what SES decides (``ses_account.set_tenant_status``), and the tenant's
sending status their aggregate.
"""

from __future__ import annotations

__all__ = ["POLICY_ARN", "ReputationEntitiesV2"]

import re
from typing import Any, ClassVar

from ..account.tenants import StatusRecord, Tenant, Tenants
from .api import Call, Operations, Params, Result, paginate
from .mail import ApiError, bad_request

#: SES's managed policies (AWS::SES::Tenant's documented pattern).
POLICY_ARN = re.compile(
    r"arn:[a-z0-9-]+:ses:[a-z0-9-]+:aws:reputation-policy/(none|standard|strict)"
)


def _status(record: StatusRecord) -> dict[str, Any]:
    found: dict[str, Any] = {"Status": record.status, "LastUpdatedTimestamp": record.updated}
    if record.cause:
        found["Cause"] = record.cause
    return found


def _entity(call: Call, tenant: Tenant) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "ReputationEntityReference": tenant.arn(call.region),
        "ReputationEntityType": "RESOURCE",
        "ReputationManagementPolicy": tenant.reputation_policy,
        "CustomerManagedStatus": _status(tenant.customer_status),
        "AwsSesManagedStatus": _status(tenant.aws_status),
        "SendingStatusAggregate": tenant.sending_status,
    }
    if tenant.reputation_impact:
        entity["ReputationImpact"] = tenant.reputation_impact
    return entity


def _tenant(call: Call, p: Params, *, status: int) -> Tenant:
    reference = p["ReputationEntityReference"]
    found = call.part(Tenants).by_arn(reference, call.region)
    if found is None or p["ReputationEntityType"] != "RESOURCE":
        # No capture of SES's text; the model's code (the updates have no NotFound).
        code = "NotFoundException" if status == 404 else "BadRequestException"
        raise ApiError(code, f"Reputation entity <{reference}> does not exist.", status)
    return found


class ReputationEntitiesV2(Operations):
    title = "reputation entities"
    names = (
        "GetReputationEntity",
        "ListReputationEntities",
        "UpdateReputationEntityCustomerManagedStatus",
        "UpdateReputationEntityPolicy",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "the tenants' entities; the AWS-managed status is ses_account.set_tenant_status"
    }

    def GetReputationEntity(self, call: Call, p: Params) -> Result:
        return {"ReputationEntity": _entity(call, _tenant(call, p, status=404))}

    def ListReputationEntities(self, call: Call, p: Params) -> Result:
        filters = p.get("Filter") or {}
        items = []
        for tenant in call.part(Tenants).tenants(call.region):
            entity = _entity(call, tenant)
            if (
                filters.get("ENTITY_TYPE", "RESOURCE") == "RESOURCE"
                and filters.get("REPUTATION_IMPACT") in (None, tenant.reputation_impact)
                and filters.get("SENDING_STATUS") in (None, tenant.sending_status)
                and entity["ReputationEntityReference"].startswith(
                    filters.get("ENTITY_REFERENCE_PREFIX", "")
                )
            ):
                items.append(entity)
        items.sort(key=lambda e: e["ReputationEntityReference"])
        return paginate(
            items,
            "ReputationEntities",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )

    def UpdateReputationEntityCustomerManagedStatus(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p, status=400)
        status = p["SendingStatus"]
        tenant.customer_status = StatusRecord(status, call.account.clock.now())
        call.part(Tenants).entity_changed(tenant, call.region, reinstated=status == "REINSTATED")
        return {}

    def UpdateReputationEntityPolicy(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p, status=400)
        policy = p["ReputationEntityPolicy"]
        if not POLICY_ARN.fullmatch(policy):
            raise bad_request(
                f"Invalid reputation entity policy <{policy}>: expected "
                "arn:aws:ses:<region>:aws:reputation-policy/none, standard or strict."
            )
        tenant.reputation_policy = policy
        call.part(Tenants).entity_changed(tenant, call.region)
        return {}
