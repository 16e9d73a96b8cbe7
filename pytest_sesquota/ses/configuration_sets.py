"""Configuration sets: what both APIs share (a set's name, its limits, its event
destinations, its tracking domain) and SES v1's operations on them.

SES v2's operations are ``ses/configuration_sets_v2.py``. Errors are raised in SES v1's
words (``ConfigurationSetDoesNotExist``, ...); SES v2 answers them in its own. Texts are
SES's where a capture is known (docs/choices.md, "Configuration sets", lists the others).
"""

from __future__ import annotations

__all__ = [
    "ARN_TYPE",
    "MAX_SETS",
    "ConfigurationSetsV1",
    "add_destination",
    "check_tracking_domain",
    "create",
    "delete",
    "found",
    "not_in_enum",
    "remove_destination",
    "replace_destination",
]

from collections.abc import Sequence
from typing import Any, ClassVar

from ..account.configuration_sets import ConfigurationSet, ConfigurationSets, missing_text
from ..account.events import EventDestination
from ..account.identities import Identities
from .api import Call, Operations, Params, Result, does_not_exist, limit_exceeded, paginate
from .event_destinations import (
    MAX_DESTINATIONS,
    already_there,
    from_v1,
    not_there,
    to_v1,
    too_many,
)
from .mail import ApiError, check_name
from .tags import untag_gone

#: The resource type of a configuration set's ARN (tags by ARN).
ARN_TYPE = "configuration-set"
#: Configuration sets a region may have (the SES quotas page).
MAX_SETS = 10_000
_ATTRIBUTES = ("eventDestinations", "trackingOptions", "deliveryOptions", "reputationOptions")
_TLS_V1 = {"Require": "REQUIRE", "Optional": "OPTIONAL"}


def not_in_enum(path: str, allowed: Sequence[str]) -> ApiError:
    """A value outside a member's enum, as SES's request validation answers it."""
    return ApiError(
        "ValidationError",
        f"1 validation error detected: Value at '{path}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]",
    )


def found(call: Call, name: str) -> ConfigurationSet:
    """The region's configuration set ``name``, or SES's ``ConfigurationSetDoesNotExist``."""
    configuration_set = call.part(ConfigurationSets).get(name, call.region)
    if configuration_set is None:
        raise does_not_exist("ConfigurationSetDoesNotExist", missing_text(name))
    return configuration_set


def create(call: Call, name: str, **fields: Any) -> None:
    """Make a configuration set, refusing a bad name, a taken one, and one too many."""
    check_name("configuration set", name, code="InvalidConfigurationSet")
    sets = call.part(ConfigurationSets)
    with sets.lock:
        if sets.exists(name, call.region):
            # Captured (v1): "Configuration set <Name> already exists."
            raise ApiError(
                "ConfigurationSetAlreadyExists", f"Configuration set <{name}> already exists."
            )
        if len(sets.names(call.region)) >= MAX_SETS:
            raise limit_exceeded(f"You have reached the maximum of {MAX_SETS} configuration sets.")
        sets.put(ConfigurationSet(name, call.account.clock.now(), **fields), call.region)


def delete(call: Call, name: str) -> None:
    """Delete a set, its event destinations and its tags."""
    found(call, name)
    call.part(ConfigurationSets).delete(name, call.region)
    untag_gone(call, ARN_TYPE, name)


def add_destination(call: Call, name: str, destination: EventDestination) -> None:
    sets = call.part(ConfigurationSets)
    with sets.lock:
        existing = found(call, name).event_destinations
        if destination.name in existing:
            raise already_there(name, destination.name)
        if len(existing) >= MAX_DESTINATIONS:
            raise too_many(name)
        sets.put_destination(name, destination, call.region)


def replace_destination(call: Call, name: str, destination: EventDestination) -> None:
    sets = call.part(ConfigurationSets)
    with sets.lock:
        if destination.name not in found(call, name).event_destinations:
            raise not_there(name)
        sets.put_destination(name, destination, call.region)


def remove_destination(call: Call, name: str, destination: str) -> None:
    sets = call.part(ConfigurationSets)
    with sets.lock:
        found(call, name)
        if not sets.delete_destination(name, destination, call.region):
            raise not_there(name)


def check_tracking_domain(call: Call, domain: str, *, code: str) -> None:
    """A custom redirect domain must be a domain the account verified (checked while the
    account checks identities: the marker's ``verified``)."""
    if not call.part(Identities).checked(call.region):
        return
    identity = call.account.identity(domain, call.region)
    if identity is None or identity.kind != "Domain" or identity.status != "Success":
        raise ApiError(code, f"Domain <{domain}> is not verified under this account.")


def _v1_tracking(call: Call, p: Params) -> str:
    # (TrackingOptions without a member never gets here: the Query wire reads it as none,
    # and refuses the request for lacking a required member, as SES does.)
    domain = str(p["TrackingOptions"].get("CustomRedirectDomain") or "")
    if not domain.strip():
        raise ApiError(
            "InvalidTrackingOptions", "At least one field of TrackingOptions must contain a value."
        )
    # SES checks the domain before the configuration set exists.
    check_tracking_domain(call, domain, code="InvalidTrackingOptions")
    return domain


class ConfigurationSetsV1(Operations):
    title = "configuration sets"
    names = (
        "CreateConfigurationSet",
        "DescribeConfigurationSet",
        "ListConfigurationSets",
        "DeleteConfigurationSet",
        "CreateConfigurationSetEventDestination",
        "UpdateConfigurationSetEventDestination",
        "DeleteConfigurationSetEventDestination",
        "CreateConfigurationSetTrackingOptions",
        "UpdateConfigurationSetTrackingOptions",
        "DeleteConfigurationSetTrackingOptions",
        "PutConfigurationSetDeliveryOptions",
        "UpdateConfigurationSetReputationMetricsEnabled",
        "UpdateConfigurationSetSendingEnabled",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "shared with SES v2; a send naming a set is refused as SES refuses it"
    }

    def CreateConfigurationSet(self, call: Call, p: Params) -> Result:
        # A set made through SES v1 publishes no reputation metrics until asked to.
        create(call, p["ConfigurationSet"]["Name"], reputation_metrics_enabled=False)
        return {}

    def DescribeConfigurationSet(self, call: Call, p: Params) -> Result:
        wanted = list(p.get("ConfigurationSetAttributeNames") or ())
        for attribute in wanted:
            if attribute not in _ATTRIBUTES:
                raise not_in_enum("configurationSetAttributeNames.member", _ATTRIBUTES)
        cs = found(call, p["ConfigurationSetName"])
        result: dict[str, Any] = {"ConfigurationSet": {"Name": cs.name}}
        if "eventDestinations" in wanted:
            result["EventDestinations"] = [to_v1(d) for d in cs.event_destinations.values()]
        tracking = cs.options.get("TrackingOptions")
        if "trackingOptions" in wanted and tracking:
            result["TrackingOptions"] = {"CustomRedirectDomain": tracking["CustomRedirectDomain"]}
        tls = cs.options.get("DeliveryOptions", {}).get("TlsPolicy")
        if "deliveryOptions" in wanted and tls:
            result["DeliveryOptions"] = {"TlsPolicy": tls.capitalize()}
        if "reputationOptions" in wanted:
            reputation: dict[str, Any] = {
                "SendingEnabled": cs.sending_enabled,
                "ReputationMetricsEnabled": cs.reputation_metrics_enabled,
            }
            if cs.last_fresh_start is not None:
                reputation["LastFreshStart"] = cs.last_fresh_start
            result["ReputationOptions"] = reputation
        return result

    def ListConfigurationSets(self, call: Call, p: Params) -> Result:
        names = call.part(ConfigurationSets).names(call.region)
        return paginate(
            [{"Name": name} for name in names],
            "ConfigurationSets",
            size=p.get("MaxItems"),
            token=p.get("NextToken"),
            default=1000,
            size_name="MaxItems",
        )

    def DeleteConfigurationSet(self, call: Call, p: Params) -> Result:
        delete(call, p["ConfigurationSetName"])
        return {}

    def CreateConfigurationSetEventDestination(self, call: Call, p: Params) -> Result:
        add_destination(call, p["ConfigurationSetName"], from_v1(p["EventDestination"]))
        return {}

    def UpdateConfigurationSetEventDestination(self, call: Call, p: Params) -> Result:
        replace_destination(call, p["ConfigurationSetName"], from_v1(p["EventDestination"]))
        return {}

    def DeleteConfigurationSetEventDestination(self, call: Call, p: Params) -> Result:
        remove_destination(call, p["ConfigurationSetName"], p["EventDestinationName"])
        return {}

    def CreateConfigurationSetTrackingOptions(self, call: Call, p: Params) -> Result:
        domain = _v1_tracking(call, p)
        cs = found(call, p["ConfigurationSetName"])
        if cs.options.get("TrackingOptions"):
            raise ApiError(
                "TrackingOptionsAlreadyExistsException",
                f"Configuration set <{cs.name}> already has tracking options.",
            )
        self._track(call, cs, domain)
        return {}

    def UpdateConfigurationSetTrackingOptions(self, call: Call, p: Params) -> Result:
        domain = _v1_tracking(call, p)
        cs = found(call, p["ConfigurationSetName"])
        self._tracked(cs)
        self._track(call, cs, domain)
        return {}

    def DeleteConfigurationSetTrackingOptions(self, call: Call, p: Params) -> Result:
        cs = found(call, p["ConfigurationSetName"])
        self._tracked(cs)
        call.part(ConfigurationSets).set_options(cs.name, "TrackingOptions", None, call.region)
        return {}

    @staticmethod
    def _tracked(cs: ConfigurationSet) -> None:
        if not cs.options.get("TrackingOptions"):
            raise ApiError(
                "TrackingOptionsDoesNotExistException",
                f"There are no tracking options for configuration set <{cs.name}>",
            )

    @staticmethod
    def _track(call: Call, cs: ConfigurationSet, domain: str) -> None:
        # SES v1 knows no HttpsPolicy: one set through SES v2 is kept.
        tracking = {**cs.options.get("TrackingOptions", {}), "CustomRedirectDomain": domain}
        call.part(ConfigurationSets).set_options(cs.name, "TrackingOptions", tracking, call.region)

    def PutConfigurationSetDeliveryOptions(self, call: Call, p: Params) -> Result:
        tls = (p.get("DeliveryOptions") or {}).get("TlsPolicy")
        if tls is not None and tls not in _TLS_V1:
            raise not_in_enum("deliveryOptions.tlsPolicy", ("Optional", "Require"))
        cs = found(call, p["ConfigurationSetName"])
        # SES v1 sets the TLS policy alone: the members only SES v2 names are kept.
        delivery = {
            k: v for k, v in cs.options.get("DeliveryOptions", {}).items() if k != "TlsPolicy"
        }
        if tls is not None:
            delivery["TlsPolicy"] = _TLS_V1[tls]
        sets = call.part(ConfigurationSets)
        sets.set_options(cs.name, "DeliveryOptions", delivery or None, call.region)
        return {}

    def UpdateConfigurationSetReputationMetricsEnabled(self, call: Call, p: Params) -> Result:
        cs = found(call, p["ConfigurationSetName"])
        sets = call.part(ConfigurationSets)
        sets.change(cs.name, call.region, reputation_metrics_enabled=bool(p["Enabled"]))
        return {}

    def UpdateConfigurationSetSendingEnabled(self, call: Call, p: Params) -> Result:
        cs = found(call, p["ConfigurationSetName"])
        call.part(ConfigurationSets).set_sending(cs.name, bool(p["Enabled"]), call.region)
        return {}
