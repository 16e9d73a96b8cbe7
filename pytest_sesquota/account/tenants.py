"""Tenants, per region: SES v2's containers of identities, configuration sets and
templates, each with its own sending status (its reputation entity's), its own
suppression list and settings, and the resources associated with it.

A send naming a tenant (``TenantName``) is refused when the tenant does not exist, when
its sending is disabled, or when a resource it uses is not associated with the tenant.
"""

from __future__ import annotations

__all__ = [
    "REPUTATION_POLICIES",
    "SENDING_STATUSES",
    "SendingStatus",
    "StatusRecord",
    "Tenant",
    "Tenants",
    "reputation_policy_arn",
]

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from .identities import Identities
from .ledger import ACCOUNT_ID, Outgoing, SendRefused, address_of
from .options import RegionSettings
from .part import Context, Part
from .recipients import SuppressionList, SuppressionReason
from .templates import Templates

SendingStatus = Literal["ENABLED", "REINSTATED", "DISABLED"]
SENDING_STATUSES: tuple[SendingStatus, ...] = get_args(SendingStatus)
#: SES's managed reputation policies (``arn:aws:ses:<region>:aws:reputation-policy/<name>``).
REPUTATION_POLICIES = ("none", "standard", "strict")
#: The policy a new tenant's reputation entity has (a choice: docs/choices.md).
DEFAULT_REPUTATION_POLICY = "standard"


def reputation_policy_arn(region: str, name: str) -> str:
    return f"arn:aws:ses:{region}:aws:reputation-policy/{name}"


@dataclass
class StatusRecord:
    """One side's say on a reputation entity's sending (SES's ``StatusRecord``)."""

    status: SendingStatus
    updated: datetime
    cause: str | None = None


@dataclass
class Tenant:
    name: str
    tenant_id: str
    created: datetime
    #: ``(SuppressedReasons, SuppressionScope)``, or ``None`` when never set.
    suppression_attributes: tuple[tuple[SuppressionReason, ...], str] | None
    #: Its reputation entity: the managed policy's ARN and the two statuses.
    reputation_policy: str
    customer_status: StatusRecord
    aws_status: StatusRecord
    #: The highest impact of its active reputation findings (``LOW``/``HIGH``), if any.
    reputation_impact: str | None = None
    #: Associated resources: ARN -> when associated, in the order associated.
    resources: dict[str, datetime] = field(default_factory=dict)
    #: The tenant's own suppression list (used by its sends when its scope is TENANT).
    suppression: SuppressionList = field(default_factory=SuppressionList)

    def arn(self, region: str) -> str:
        return f"arn:aws:ses:{region}:{ACCOUNT_ID}:tenant/{self.name}/{self.tenant_id}"

    @property
    def sending_status(self) -> SendingStatus:
        """The aggregate of the two statuses: DISABLED if either is, REINSTATED if the
        customer reinstated it, else ENABLED (the API reference's rule)."""
        if "DISABLED" in (self.aws_status.status, self.customer_status.status):
            return "DISABLED"
        if self.customer_status.status == "REINSTATED":
            return "REINSTATED"
        return "ENABLED"


def _resource_arn(region: str, kind: str, name: str) -> str:
    return f"arn:aws:ses:{region}:{ACCOUNT_ID}:{kind}/{name}"


class Tenants(Part):
    """The region's tenants by name; the operations (``ses/tenants.py``) say SES's errors."""

    key = "tenants"

    def __init__(self, context: Context, identities: Identities, templates: Templates) -> None:
        super().__init__(context)
        self.identities = identities
        self.templates = templates
        self._tenants: dict[str, dict[str, Tenant]] = {}
        #: Brings the region's tenants' reputation up to the clock's time before a status
        #: is read, and hears a change of an entity's policy or customer status
        #: (``account/entity_reputation.py``): nothing is judged per send without a tenant.
        self.judge: Callable[[str], None] | None = None
        self.on_entity_change: Callable[[str, str, bool], None] | None = None

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._tenants[region] = {}

    # -- tenants -------------------------------------------------------------------
    def create(
        self,
        name: str,
        suppression_attributes: tuple[tuple[SuppressionReason, ...], str] | None = None,
        region: str | None = None,
    ) -> Tenant:
        where = self.region(region)
        now = self.clock.now()
        with self.lock:
            if name in self._tenants[where]:
                raise KeyError(name)
            tenant = Tenant(
                name=name,
                # As SES's look: "tn-" and 30 lowercase hexadecimal digits.
                tenant_id="tn-" + secrets.token_hex(15),
                created=now,
                suppression_attributes=suppression_attributes,
                reputation_policy=reputation_policy_arn(where, DEFAULT_REPUTATION_POLICY),
                customer_status=StatusRecord("ENABLED", now),
                aws_status=StatusRecord("ENABLED", now),
            )
            self._tenants[where][name] = tenant
            self.changed(where)
            return tenant

    def tenant(self, name: str, region: str | None = None) -> Tenant | None:
        """The tenant ``name`` of the region, or ``None``."""
        where = self.region(region)
        if self.judge is not None:
            self.judge(where)
        return self._tenants[where].get(name)

    def stored(self, name: str, region: str) -> Tenant | None:
        """The tenant as it stands, not judged anew (for the judge itself)."""
        return self._tenants[region].get(name)

    def tenants(self, region: str | None = None) -> list[Tenant]:
        """The region's tenants, by name (as SES lists them)."""
        where = self.region(region)
        if self.judge is not None:
            self.judge(where)
        with self.lock:
            return sorted(self._tenants[where].values(), key=lambda t: t.name)

    def by_id(self, tenant_id: str, region: str | None = None) -> Tenant | None:
        return next((t for t in self.tenants(region) if t.tenant_id == tenant_id), None)

    def by_arn(self, arn: str, region: str | None = None) -> Tenant | None:
        where = self.region(region)
        return next((t for t in self.tenants(where) if t.arn(where) == arn), None)

    def delete(self, name: str, region: str | None = None) -> bool:
        """Delete a tenant, and its associations with it (the resources stay)."""
        where = self.region(region)
        with self.lock:
            gone = self._tenants[where].pop(name, None) is not None
            if gone:
                self.changed(where)
            return gone

    def update(self, region: str | None = None) -> None:
        """A tenant's fields were changed in place (by the operations): save them."""
        self.changed(self.region(region))

    def entity_changed(
        self, tenant: Tenant, region: str | None = None, *, reinstated: bool = False
    ) -> None:
        """The tenant's reputation entity got another policy or customer status (the
        operations; ``reinstated``: the customer's ``REINSTATED`` now): its reputation is
        weighed again, and the change saved."""
        where = self.region(region)
        if self.on_entity_change is not None:
            self.on_entity_change(where, tenant.name, reinstated)
        self.changed(where)

    # -- what SES decides on its side ------------------------------------------------
    def set_tenant_status(
        self,
        name: str,
        status: SendingStatus,
        *,
        cause: str | None = None,
        impact: str | None = None,
        region: str | None = None,
    ) -> None:
        """Set what SES decides for a tenant: its reputation entity's AWS-managed sending
        status (``"DISABLED"`` pauses its sends; ``"ENABLED"``, ``"REINSTATED"``), with
        the ``cause`` GetReputationEntity shows and the reputation ``impact``
        (``"LOW"``/``"HIGH"``, or ``None`` for no active finding)."""
        if status not in SENDING_STATUSES:
            raise ValueError(
                f"set_tenant_status(status={status!r}): valid statuses: "
                + ", ".join(repr(s) for s in SENDING_STATUSES)
            )
        if impact not in (None, "LOW", "HIGH"):
            raise ValueError(
                f"set_tenant_status(impact={impact!r}): valid impacts: 'LOW', 'HIGH', None"
            )
        where = self.region(region)
        with self.lock:
            tenant = self._tenants[where].get(name)
            if tenant is None:
                known = ", ".join(repr(n) for n in self._tenants[where]) or "none"
                raise LookupError(
                    f"set_tenant_status({name!r}): no such tenant in {where}; tenants: {known}"
                )
            tenant.aws_status = StatusRecord(status, self.clock.now(), cause)
            tenant.reputation_impact = impact
            self.changed(where)

    # -- sending ---------------------------------------------------------------------
    def check_send(self, send: Outgoing) -> SendRefused | None:
        name = send.content.get("tenant_name")
        if name is None:
            return None
        if self.judge is not None:
            self.judge(send.region)  # a bounce since may have paused it
        tenant = self._tenants[send.region].get(name)
        if tenant is None:  # SES's own wording for a send (the management operations differ)
            return SendRefused(
                "tenant_missing", f"Tenant {name} for AwsAccountId {ACCOUNT_ID} not found."
            )
        if tenant.sending_status == "DISABLED":
            cause = tenant.aws_status.cause or tenant.customer_status.cause
            return SendRefused(
                "tenant_paused",
                f"Sending is paused for tenant {name}." + (f" {cause}" if cause else ""),
            )
        missing = [arn for arn in self.used_resources(send) if arn not in tenant.resources]
        if missing:  # probed wording: the plural even for one resource
            return SendRefused(
                "not_authorized", f"Tenant not associated with resources [{', '.join(missing)}]."
            )
        return None

    def used_resources(self, send: Outgoing) -> list[str]:
        """The ARNs of the resources a send uses: its identity (the address's own if it
        has one, else its domain's), its configuration set and its stored template."""
        region = send.region
        bare = address_of(send.source)
        exact = self.identities.identity(bare, region)
        identity = exact.name if exact is not None else bare.rpartition("@")[2]
        found = self.identities.identity(identity, region)
        used = [_resource_arn(region, "identity", found.name if found else identity)]
        configuration_set = send.configuration_set
        if configuration_set:
            used.append(_resource_arn(region, "configuration-set", configuration_set))
        template = send.content.get("template")
        if template and self.templates.template(template, region) is not None:
            used.append(_resource_arn(region, "template", template))
        return used

    def suppressed_recipients(self, send: Outgoing) -> Sequence[str] | None:
        name = send.content.get("tenant_name")
        tenant = None if name is None else self._tenants[send.region].get(name)
        if tenant is None or tenant.suppression_attributes is None:
            return None
        reasons, scope = tenant.suppression_attributes
        if scope != "TENANT":
            return None  # ACCOUNT scope: the account's list decides
        # Its reasons decide which of its addresses are kept, as the account's reasons do
        # for the account's list (PutAccountSuppressionAttributes).
        listed = [(r, tenant.suppression.get(r)) for r in send.recipients]
        return tuple(r for r, entry in listed if entry is not None and entry.reason in reasons)

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        def record(r: StatusRecord) -> dict[str, Any]:
            return {"status": r.status, "updated": r.updated, "cause": r.cause}

        return [
            {
                "name": t.name,
                "tenant_id": t.tenant_id,
                "created": t.created,
                "suppression_attributes": None
                if t.suppression_attributes is None
                else [list(t.suppression_attributes[0]), t.suppression_attributes[1]],
                "reputation_policy": t.reputation_policy,
                "customer_status": record(t.customer_status),
                "aws_status": record(t.aws_status),
                "reputation_impact": t.reputation_impact,
                "resources": [[arn, when] for arn, when in t.resources.items()],
                "suppression": [
                    [e.email_address, e.reason, e.last_update_time] for e in t.suppression.entries()
                ],
            }
            for t in self._tenants[region].values()
        ]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        tenants = {}
        for item in data:
            attributes = item["suppression_attributes"]
            tenant = Tenant(
                name=item["name"],
                tenant_id=item["tenant_id"],
                created=item["created"],
                suppression_attributes=None
                if attributes is None
                else (tuple(attributes[0]), attributes[1]),
                reputation_policy=item["reputation_policy"],
                customer_status=StatusRecord(**item["customer_status"]),
                aws_status=StatusRecord(**item["aws_status"]),
                reputation_impact=item["reputation_impact"],
                resources={arn: when for arn, when in item["resources"]},
            )
            for address, reason, when in item["suppression"]:
                tenant.suppression.put(address, reason, when)
            tenants[tenant.name] = tenant
        self._tenants[region] = tenants
