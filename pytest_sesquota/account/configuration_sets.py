"""An account's configuration sets, per region: what a send names with
``ConfigurationSetName`` (or an identity's default set), what the set does to the send
(sending paused, its own suppression reasons, its sending pool), and where its events go
(its event destinations, which the events part reads).

The operations (``ses/configuration_sets.py``, ``ses/configuration_sets_v2.py``) check
the input and say SES's errors; this part keeps the sets and decides sends.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationSet",
    "ConfigurationSets",
    "PoolLookup",
    "missing_text",
    "paused_text",
    "pool_missing_text",
]

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .dedicated_ips import RESERVED_POOLS
from .event_records import EventDestination
from .identities import Identities
from .ledger import Outgoing, SendRefused, address_of
from .options import RegionSettings
from .part import Context, Part

#: ``(pool name, region) -> whether a set may send through that pool``: the dedicated IP
#: pools' part answers it (``Account._build`` passes ``DedicatedIpPools.exists``).
PoolLookup = Callable[[str, str], bool]


def missing_text(name: str) -> str:
    """SES's text for a configuration set that does not exist (captured, v1 and v2)."""
    return f"Configuration set <{name}> does not exist."


def paused_text(name: str) -> str:
    """SES v2's text for a send through a set whose sending is disabled (captured)."""
    return f"Sending is paused for configuration set {name}"


def pool_missing_text(pool: str) -> str:
    """SES's text for a sending pool that does not exist (captured, as CloudFormation
    relays it from PutConfigurationSetDeliveryOptions)."""
    return f"SendingPool <{pool}> doesn't exist"


@dataclass
class ConfigurationSet:
    """One configuration set, its option groups kept in SES v2's names."""

    name: str
    created: datetime
    sending_enabled: bool = True
    #: By name, in the order created.
    event_destinations: dict[str, EventDestination] = field(default_factory=dict)
    reputation_metrics_enabled: bool = False
    #: When sending was last enabled again after being disabled: SES's "fresh start" of
    #: the set's reputation metrics (``None`` until then).
    last_fresh_start: datetime | None = None
    #: The groups set, by their v2 names: ``TrackingOptions``, ``DeliveryOptions``,
    #: ``SuppressionOptions``, ``VdmOptions``, ``ArchivingOptions``,
    #: ``MessageSecurityOptions``; each as GetConfigurationSet returns it.
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def suppressed_reasons(self) -> frozenset[str] | None:
        """The reasons its suppression options suppress (``None``: the account's apply)."""
        found = self.options.get("SuppressionOptions")
        return None if found is None else frozenset(found.get("SuppressedReasons", ()))

    @property
    def sending_pool(self) -> str | None:
        return self.options.get("DeliveryOptions", {}).get("SendingPoolName")


class ConfigurationSets(Part):
    """Configuration sets by name, and their say in sending."""

    key = "configuration_sets"

    def __init__(
        self, context: Context, identities: Identities, pools: PoolLookup | None = None
    ) -> None:
        super().__init__(context)
        self.identities = identities
        self.pools = pools
        self._sets: dict[str, dict[str, ConfigurationSet]] = {}
        # Regions where a set was ever made: only there can an identity have a default set
        # (it names an existing set when given), so only there do sends look one up.
        self._made: set[str] = set()

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._sets[region] = {}

    # -- reading ----------------------------------------------------------------------
    def get(self, name: str, region: str | None = None) -> ConfigurationSet | None:
        return self._sets[self.region(region)].get(name)

    def exists(self, name: str, region: str | None = None) -> bool:
        return self.get(name, region) is not None

    def names(self, region: str | None = None) -> list[str]:
        """The region's configuration sets, in the order created."""
        with self.lock:
            return list(self._sets[self.region(region)])

    def configuration_set(self, name: str, region: str | None = None) -> ConfigurationSet | None:
        """The region's configuration set ``name`` as it stands (a copy), or ``None``."""
        with self.lock:
            found = self.get(name, region)
            return None if found is None else copy.deepcopy(found)

    def configuration_sets(self, region: str | None = None) -> list[str]:
        """The names of the region's configuration sets, in the order created."""
        return self.names(region)

    def destinations(self, name: str | None, region: str | None = None) -> list[EventDestination]:
        """The event destinations of the set ``name`` (none for no set, or a missing one)."""
        found = None if name is None else self.get(name, region)
        return [] if found is None else list(found.event_destinations.values())

    def pool_exists(self, pool: str, region: str | None = None) -> bool:
        """Whether the account has the dedicated IP pool ``pool`` in the region: SES's
        reserved pools always; any other as the dedicated IP pools' part says (and any name
        at all for a part built without one, as the unit tests build it)."""
        if pool in RESERVED_POOLS or self.pools is None:
            return True
        return self.pools(pool, self.region(region))

    # -- changing ---------------------------------------------------------------------
    def put(self, configuration_set: ConfigurationSet, region: str | None = None) -> None:
        """Store a set, replacing any of the same name."""
        where = self.region(region)
        with self.lock:
            self._sets[where][configuration_set.name] = configuration_set
            self._made.add(where)
            self.changed(where)

    def change(self, name: str, region: str | None = None, **fields: Any) -> ConfigurationSet:
        """Replace some fields of an existing set (``KeyError`` if there is none)."""
        where = self.region(region)
        with self.lock:
            changed = dataclasses.replace(self._sets[where][name], **fields)
            self._sets[where][name] = changed
            self.changed(where)
            return changed

    def set_options(
        self, name: str, group: str, options: Mapping[str, Any] | None, region: str | None = None
    ) -> None:
        """Set an option group of a set (``None``: clear it)."""
        where = self.region(region)
        with self.lock:
            found = self._sets[where][name]
            groups = {k: v for k, v in found.options.items() if k != group}
            if options is not None:
                groups[group] = dict(options)
            self.change(name, where, options=groups)

    def set_sending(self, name: str, enabled: bool, region: str | None = None) -> None:
        """Enable or disable sending through a set; enabling it again after it was
        disabled gives its reputation metrics a fresh start, as SES does."""
        where = self.region(region)
        with self.lock:
            found = self._sets[where][name]
            fresh = self.clock.now() if enabled and not found.sending_enabled else None
            self.change(
                name,
                where,
                sending_enabled=enabled,
                last_fresh_start=fresh or found.last_fresh_start,
            )

    def put_destination(
        self, name: str, destination: EventDestination, region: str | None = None
    ) -> None:
        """Add an event destination to a set, or replace the one of the same name."""
        where = self.region(region)
        with self.lock:
            found = self._sets[where][name]
            destinations = {**found.event_destinations, destination.name: destination}
            self.change(name, where, event_destinations=destinations)

    def delete_destination(self, name: str, destination: str, region: str | None = None) -> bool:
        """Remove an event destination from a set; whether it had one of that name."""
        where = self.region(region)
        with self.lock:
            found = self._sets[where][name]
            if destination not in found.event_destinations:
                return False
            kept = {k: v for k, v in found.event_destinations.items() if k != destination}
            self.change(name, where, event_destinations=kept)
            return True

    def delete(self, name: str, region: str | None = None) -> bool:
        where = self.region(region)
        with self.lock:
            found = self._sets[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    # -- a configuration set's say in sending (see ``account/part.py``) ---------------
    def prepare_send(self, send: Outgoing) -> Outgoing:
        """A send that names no set goes through its identity's default set, if any."""
        if send.region not in self._made or send.content.get("configuration_set") is not None:
            return send
        default = self.default_set(send.source, send.region)
        if default is None:
            return send
        return dataclasses.replace(send, content={**send.content, "configuration_set": default})

    def default_set(self, source: str, region: str) -> str | None:
        """The default configuration set of the identity ``source`` sends from: its
        address's if the address is an identity of its own, else its domain's (the SES
        guide: the domain's "applies to all email addresses for that domain (unless you
        verify specific addresses for the domain)"). An identity counts once verified, or
        while the account does not check identities (``verified`` not given)."""
        identities = self.identities
        checked = identities.checked(region)
        bare = source.lower() if "<" not in source else address_of(source)
        for name in (bare, bare.rpartition("@")[2]):
            identity = identities.identity(name, region)
            if identity is None or (checked and identity.status != "Success"):
                continue
            # Identities keep a default set once they can be given one (the identity
            # settings' PutEmailIdentityConfigurationSetAttributes); none is no default.
            default: str | None = getattr(identity, "configuration_set", None)
            return default or None
        return None

    def check_send(self, send: Outgoing) -> SendRefused | None:
        """A send through a set that does not exist, whose sending is disabled, or whose
        sending pool is gone, is refused."""
        name = send.content.get("configuration_set")
        if name is None:
            return None
        found = self._sets[send.region].get(name)
        if found is None:
            return SendRefused("configuration_set_missing", missing_text(name))
        if not found.sending_enabled:
            return SendRefused("configuration_set_paused", paused_text(name))
        pool = found.sending_pool
        if pool is not None and not self.pool_exists(pool, send.region):
            return SendRefused("sending_pool_missing", pool_missing_text(pool))
        return None

    def suppression_reasons(self, send: Outgoing) -> frozenset[str] | None:
        """A set with suppression options replaces the account's reasons with its own
        (none: no suppression at all), as the SES guide's configuration set-level
        suppression describes."""
        name = send.content.get("configuration_set")
        if name is None:
            return None
        found = self._sets[send.region].get(name)
        return None if found is None else found.suppressed_reasons

    # -- the state file ---------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "made": region in self._made,
            "sets": [
                {
                    **{f.name: getattr(s, f.name) for f in dataclasses.fields(s)},
                    "event_destinations": [vars(d) for d in s.event_destinations.values()],
                }
                for s in self._sets[region].values()
            ],
        }

    def restore(self, region: str, data: dict[str, Any] | list[dict[str, Any]]) -> None:
        if isinstance(data, list):  # as the first releases kept them: the sets alone
            data = {"made": bool(data), "sets": data}
        if data["made"]:
            self._made.add(region)
        sets = {}
        for item in data["sets"]:
            destinations = [
                EventDestination(**{**d, "matching_event_types": tuple(d["matching_event_types"])})
                for d in item.pop("event_destinations")
            ]
            made = ConfigurationSet(**item)
            made.event_destinations = {d.name: d for d in destinations}
            sets[made.name] = made
        self._sets[region] = sets
