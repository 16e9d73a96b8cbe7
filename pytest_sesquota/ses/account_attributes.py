"""The account's attributes (SES v2): which reasons its suppression list suppresses for,
VDM, the pricing plan and the shared pool's delivery mode; GetAccount shows each
(``ses/account_settings.py``). The dedicated IPs' warm-up switch is with the dedicated
IPs (``ses/dedicated_ips.py``)."""

from __future__ import annotations

__all__ = ["AccountAttributesV2", "account_attributes"]

from typing import Any, ClassVar

from ..account.attributes import AccountAttributes
from ..account.dedicated_ips import DedicatedIpPools
from ..account.suppression import Suppression
from .api import Call, Operations, Params, Result
from .mail import bad_request

_FEATURE = ("ENABLED", "DISABLED")
_PLANS = ("NONE", "ESSENTIALS", "PRO", "ENTERPRISE")
_MODES = ("GLOBAL", "REGIONAL")


def _one_of(value: Any, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise bad_request(
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return str(value)


def _lower(name: str) -> str:
    return name[0].lower() + name[1:]


def account_attributes(call: Call) -> dict[str, Any]:
    """GetAccount's members that these settings give, in the call's region."""
    region = call.region
    suppression = call.part(Suppression)
    attributes = call.part(AccountAttributes)
    suppression_attributes: dict[str, Any] = {
        "SuppressedReasons": suppression.suppressed_reasons(region)
    }
    validation = suppression.validation_attributes(region)
    if validation is not None:
        suppression_attributes["ValidationAttributes"] = validation
    return {
        "DedicatedIpAutoWarmupEnabled": call.part(DedicatedIpPools).auto_warmup_enabled(region),
        "SuppressionAttributes": suppression_attributes,
        "VdmAttributes": attributes.vdm_attributes(region),
        "PricingAttributes": attributes.pricing_attributes(region),
        "DeliveryAttributes": {"SharedPoolDeliveryMode": attributes.delivery_mode(region)},
    }


class AccountAttributesV2(Operations):
    title = "the account's attributes"
    names = (
        "PutAccountSuppressionAttributes",
        "PutAccountVdmAttributes",
        "PutAccountPricingAttributes",
        "PutAccountDeliveryAttributes",
    )
    notes: ClassVar[dict[str, str]] = {
        "PutAccountSuppressionAttributes": "the list suppresses sends for these reasons only",
        "PutAccountPricingAttributes": "from the next month, on the virtual clock",
    }

    def PutAccountSuppressionAttributes(self, call: Call, p: Params) -> Result:
        # No SuppressedReasons, as `--suppressed-reasons` with none: the list is turned off.
        reasons = [
            _one_of(reason, ("BOUNCE", "COMPLAINT"), "suppressedReasons.member")
            for reason in p.get("SuppressedReasons") or ()
        ]
        validation = p.get("ValidationAttributes")
        if validation is not None:
            threshold = validation["ConditionThreshold"]
            _one_of(
                threshold.get("ConditionThresholdEnabled"), _FEATURE, "conditionThresholdEnabled"
            )
            confidence = threshold.get("OverallConfidenceThreshold")
            if confidence is not None:
                verdict = confidence.get("ConfidenceVerdictThreshold")
                _one_of(verdict, ("MEDIUM", "HIGH", "MANAGED"), "confidenceVerdictThreshold")
        call.part(Suppression).set_suppressed_reasons(reasons, validation, call.region)
        return {}

    def PutAccountVdmAttributes(self, call: Call, p: Params) -> Result:
        given = p["VdmAttributes"]
        _one_of(given.get("VdmEnabled"), _FEATURE, "vdmAttributes.vdmEnabled")
        for part, member in (
            ("DashboardAttributes", "EngagementMetrics"),
            ("GuardianAttributes", "OptimizedSharedDelivery"),
        ):
            value = given.get(part, {}).get(member)
            if value is not None:
                field = f"vdmAttributes.{_lower(part)}.{_lower(member)}"
                _one_of(value, _FEATURE, field)
        call.part(AccountAttributes).put_vdm_attributes(given, call.region)
        return {}

    def PutAccountPricingAttributes(self, call: Call, p: Params) -> Result:
        plan = _one_of(p["Plan"], _PLANS, "plan")
        call.part(AccountAttributes).put_pricing_plan(plan, call.region)
        return {}

    def PutAccountDeliveryAttributes(self, call: Call, p: Params) -> Result:
        mode = _one_of(p["SharedPoolDeliveryMode"], _MODES, "sharedPoolDeliveryMode")
        call.part(AccountAttributes).put_delivery_mode(mode, call.region)
        return {}
