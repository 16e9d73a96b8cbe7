"""SES v2's configuration set operations: the set and its option groups (tracking,
delivery, reputation, sending, suppression, VDM, archiving, message security), its event
destinations, its tags.

A set made through SES v2 publishes reputation metrics unless told otherwise; an option
group given empty turns its option off (``SendingOptions: {}`` disables sending), as SES
reads a missing boolean as false. A value outside a member's enum is refused by the REST
wire's reading of the request (``wire/json_input.py``), before any of this. Texts are
SES's where a capture is known.
"""

from __future__ import annotations

__all__ = ["ConfigurationSetsV2"]

from collections.abc import Mapping
from typing import Any, ClassVar

from ..account.configuration_sets import ConfigurationSet, ConfigurationSets, pool_missing_text
from .api import Call, Operations, Params, Result, paginate
from .configuration_sets import (
    ARN_TYPE,
    add_destination,
    check_tracking_domain,
    create,
    delete,
    found,
    remove_destination,
    replace_destination,
)
from .event_destinations import from_v2, to_v2
from .mail import bad_request, check_name
from .tags import checked_tags, tag_list, tag_new

_MIN_DELIVERY_SECONDS, _MAX_DELIVERY_SECONDS = 300, 50_400


def _tracking(call: Call, spec: Mapping[str, Any]) -> dict[str, Any] | None:
    domain, policy = spec.get("CustomRedirectDomain"), spec.get("HttpsPolicy")
    if domain is None and policy is None:
        return None
    # SES's order (a probe of real SES): the domain given, then verified.
    if domain is None or not domain.strip():
        raise bad_request("CustomRedirectDomain must be specified.")
    check_tracking_domain(call, domain, code="BadRequestException")
    return {k: v for k, v in (("CustomRedirectDomain", domain), ("HttpsPolicy", policy)) if v}


def _delivery(call: Call, spec: Mapping[str, Any]) -> dict[str, Any] | None:
    tls, pool = spec.get("TlsPolicy"), spec.get("SendingPoolName")
    seconds, mode = spec.get("MaxDeliverySeconds"), spec.get("SharedPoolDeliveryMode")
    if pool is not None:
        if not pool.strip():
            raise bad_request("sendingPoolName can't be blank.")
        if not call.part(ConfigurationSets).pool_exists(pool, call.region):
            raise bad_request(pool_missing_text(pool))
    if seconds is not None and not _MIN_DELIVERY_SECONDS <= seconds <= _MAX_DELIVERY_SECONDS:
        bound = "greater" if seconds < _MIN_DELIVERY_SECONDS else "less"
        limit = _MIN_DELIVERY_SECONDS if seconds < _MIN_DELIVERY_SECONDS else _MAX_DELIVERY_SECONDS
        raise bad_request(
            "1 validation error detected: Value at 'maxDeliverySeconds' failed to satisfy "
            f"constraint: Member must have value {bound} than or equal to {limit}"
        )
    given = {
        "TlsPolicy": tls,
        "SendingPoolName": pool,
        "MaxDeliverySeconds": seconds,
        "SharedPoolDeliveryMode": mode,
    }
    kept = {k: v for k, v in given.items() if v is not None}
    return kept or None


def _suppression(spec: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {
        "SuppressedReasons": list(dict.fromkeys(spec.get("SuppressedReasons") or ()))
    }
    for member in ("SuppressionScope", "ValidationOptions"):
        if spec.get(member) is not None:
            kept[member] = spec[member]
    return kept


def _vdm(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    kept = {k: dict(v) for k, v in spec.items() if v is not None}
    return kept or None


def _reputation(cs: ConfigurationSet) -> dict[str, Any]:
    shown: dict[str, Any] = {"ReputationMetricsEnabled": cs.reputation_metrics_enabled}
    if cs.last_fresh_start is not None:
        shown["LastFreshStart"] = cs.last_fresh_start
    return shown


class ConfigurationSetsV2(Operations):
    title = "configuration sets"
    names = (
        "CreateConfigurationSet",
        "GetConfigurationSet",
        "ListConfigurationSets",
        "UpdateConfigurationSet",
        "DeleteConfigurationSet",
        "CreateConfigurationSetEventDestination",
        "GetConfigurationSetEventDestinations",
        "UpdateConfigurationSetEventDestination",
        "DeleteConfigurationSetEventDestination",
        "PutConfigurationSetArchivingOptions",
        "PutConfigurationSetDeliveryOptions",
        "PutConfigurationSetReputationOptions",
        "PutConfigurationSetSendingOptions",
        "PutConfigurationSetSuppressionOptions",
        "PutConfigurationSetTrackingOptions",
        "PutConfigurationSetVdmOptions",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "shared with SES v1; a send naming a set is refused as SES refuses it"
    }

    def CreateConfigurationSet(self, call: Call, p: Params) -> Result:
        name = p["ConfigurationSetName"]
        checked_tags(p.get("Tags"))
        # Every option group is checked before the set is made: a refused one makes none.
        groups: dict[str, Any] = {
            "TrackingOptions": _tracking(call, p.get("TrackingOptions") or {}),
            "DeliveryOptions": _delivery(call, p.get("DeliveryOptions") or {}),
            "VdmOptions": _vdm(p.get("VdmOptions") or {}),
            "ArchivingOptions": p.get("ArchivingOptions") or None,
            "MessageSecurityOptions": p.get("MessageSecurityOptions") or None,
        }
        if p.get("SuppressionOptions") is not None:
            groups["SuppressionOptions"] = _suppression(p["SuppressionOptions"])
        sending, reputation = p.get("SendingOptions"), p.get("ReputationOptions")
        create(
            call,
            name,
            options={k: dict(v) for k, v in groups.items() if v is not None},
            sending_enabled=True if sending is None else bool(sending.get("SendingEnabled")),
            reputation_metrics_enabled=True
            if reputation is None
            else bool(reputation.get("ReputationMetricsEnabled")),
            last_fresh_start=(reputation or {}).get("LastFreshStart"),
        )
        tag_new(call, ARN_TYPE, name, p.get("Tags"))
        return {}

    def GetConfigurationSet(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        return {
            "ConfigurationSetName": cs.name,
            **{group: dict(options) for group, options in cs.options.items()},
            "ReputationOptions": _reputation(cs),
            "SendingOptions": {"SendingEnabled": cs.sending_enabled},
            "Tags": tag_list(call, ARN_TYPE, cs.name),
        }

    def ListConfigurationSets(self, call: Call, p: Params) -> Result:
        names = call.part(ConfigurationSets).names(call.region)
        contains = (p.get("Filter") or {}).get("CONFIGURATION_SET_NAME_CONTAINS")
        if contains:
            names = [n for n in names if contains.lower() in n.lower()]
        return paginate(
            names,
            "ConfigurationSets",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )

    def UpdateConfigurationSet(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        # A partial update: only what the request names changes.
        if p.get("MessageSecurityOptions") is not None:
            self._put(call, cs, "MessageSecurityOptions", p["MessageSecurityOptions"] or None)
        return {}

    def DeleteConfigurationSet(self, call: Call, p: Params) -> Result:
        self._name(p)
        delete(call, p["ConfigurationSetName"])
        return {}

    # -- event destinations ------------------------------------------------------------
    def CreateConfigurationSetEventDestination(self, call: Call, p: Params) -> Result:
        destination = from_v2(p["EventDestinationName"], p["EventDestination"])
        add_destination(call, self._name(p), destination)
        return {}

    def GetConfigurationSetEventDestinations(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        return {"EventDestinations": [to_v2(d) for d in cs.event_destinations.values()]}

    def UpdateConfigurationSetEventDestination(self, call: Call, p: Params) -> Result:
        destination = from_v2(p["EventDestinationName"], p["EventDestination"])
        replace_destination(call, self._name(p), destination)
        return {}

    def DeleteConfigurationSetEventDestination(self, call: Call, p: Params) -> Result:
        check_name("event destination", p["EventDestinationName"])
        remove_destination(call, self._name(p), p["EventDestinationName"])
        return {}

    # -- the option groups -------------------------------------------------------------
    def PutConfigurationSetArchivingOptions(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        arn = p.get("ArchiveArn")
        self._put(call, cs, "ArchivingOptions", {"ArchiveArn": arn} if arn else None)
        return {}

    def PutConfigurationSetDeliveryOptions(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        self._put(call, cs, "DeliveryOptions", _delivery(call, p))
        return {}

    def PutConfigurationSetReputationOptions(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        enabled = bool(p.get("ReputationMetricsEnabled"))
        call.part(ConfigurationSets).change(
            cs.name, call.region, reputation_metrics_enabled=enabled
        )
        return {}

    def PutConfigurationSetSendingOptions(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        enabled = bool(p.get("SendingEnabled"))
        call.part(ConfigurationSets).set_sending(cs.name, enabled, call.region)
        return {}

    def PutConfigurationSetSuppressionOptions(self, call: Call, p: Params) -> Result:
        options = _suppression(p)
        cs = self._found(call, p)
        self._put(call, cs, "SuppressionOptions", options)
        return {}

    def PutConfigurationSetTrackingOptions(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        self._put(call, cs, "TrackingOptions", _tracking(call, p))
        return {}

    def PutConfigurationSetVdmOptions(self, call: Call, p: Params) -> Result:
        cs = self._found(call, p)
        self._put(call, cs, "VdmOptions", _vdm(p.get("VdmOptions") or {}))
        return {}

    # -- what they share ---------------------------------------------------------------
    @staticmethod
    def _name(p: Params) -> str:
        """The set's name from the path, refused as SES does when it cannot be one."""
        name: str = p["ConfigurationSetName"]
        check_name("configuration set", name)
        return name

    def _found(self, call: Call, p: Params) -> ConfigurationSet:
        return found(call, self._name(p))

    @staticmethod
    def _put(
        call: Call, cs: ConfigurationSet, group: str, options: Mapping[str, Any] | None
    ) -> None:
        call.part(ConfigurationSets).set_options(cs.name, group, options, call.region)
