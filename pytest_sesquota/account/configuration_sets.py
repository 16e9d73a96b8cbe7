"""An account's configuration sets, per region: what a send names with
``ConfigurationSetName`` (or an identity's default set), and where its events go."""

from __future__ import annotations

__all__ = ["ConfigurationSet", "ConfigurationSets"]

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .events import EventDestination
from .options import RegionSettings
from .part import Context, Part


@dataclass
class ConfigurationSet:
    name: str
    created: datetime
    sending_enabled: bool = True
    #: By name, in the order created.
    event_destinations: dict[str, EventDestination] = field(default_factory=dict)


class ConfigurationSets(Part):
    """Configuration sets by name; the operations (``ses/configuration_sets.py``) say
    SES's errors."""

    key = "configuration_sets"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._sets: dict[str, dict[str, ConfigurationSet]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._sets[region] = {}

    def get(self, name: str, region: str | None = None) -> ConfigurationSet | None:
        return self._sets[self.region(region)].get(name)

    def exists(self, name: str, region: str | None = None) -> bool:
        return self.get(name, region) is not None

    def destinations(self, name: str | None, region: str | None = None) -> list[EventDestination]:
        """The event destinations of the set ``name`` (none for no set, or a missing one)."""
        found = None if name is None else self.get(name, region)
        return [] if found is None else list(found.event_destinations.values())

    def put(self, configuration_set: ConfigurationSet, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._sets[where][configuration_set.name] = configuration_set
            self.changed(where)

    def delete(self, name: str, region: str | None = None) -> bool:
        where = self.region(region)
        with self.lock:
            found = self._sets[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    def names(self, region: str | None = None) -> list[str]:
        with self.lock:
            return list(self._sets[self.region(region)])

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [
            {
                "name": s.name,
                "created": s.created,
                "sending_enabled": s.sending_enabled,
                "event_destinations": [vars(d) for d in s.event_destinations.values()],
            }
            for s in self._sets[region].values()
        ]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        sets = {}
        for item in data:
            destinations = [
                EventDestination(**{**d, "matching_event_types": tuple(d["matching_event_types"])})
                for d in item.pop("event_destinations")
            ]
            made = ConfigurationSet(**item)
            made.event_destinations = {d.name: d for d in destinations}
            sets[made.name] = made
        self._sets[region] = sets
