"""Multi-region endpoints (SES's global endpoints), kept in their primary region: a send
naming one (v2 ``EndpointId``) that exists in no region is refused; one that exists is
sent from its two regions in turn (``ses/multi_region.py`` routes it)."""

from __future__ import annotations

__all__ = ["MultiRegionEndpoint", "MultiRegionEndpoints"]

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .ledger import Outgoing, SendRefused
from .options import RegionSettings
from .part import Context, Part


@dataclass(frozen=True)
class MultiRegionEndpoint:
    name: str
    endpoint_id: str
    #: The region it was made in (where it is managed), and the other one.
    primary: str
    secondary: str
    created: datetime
    #: Sends routed through it so far: SES splits them evenly between the two regions.
    sends: int = 0

    @property
    def regions(self) -> tuple[str, str]:
        return (self.primary, self.secondary)


class MultiRegionEndpoints(Part):
    """Endpoints by name, in their primary region."""

    key = "multi_region_endpoints"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._endpoints: dict[str, dict[str, MultiRegionEndpoint]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._endpoints[region] = {}

    def endpoint(self, name: str, region: str | None = None) -> MultiRegionEndpoint | None:
        with self.lock:
            return self._endpoints[self.region(region)].get(name)

    def endpoints(self, region: str | None = None) -> list[MultiRegionEndpoint]:
        with self.lock:
            return list(self._endpoints[self.region(region)].values())

    def put(self, endpoint: MultiRegionEndpoint) -> None:
        where = self.region(endpoint.primary)
        with self.lock:
            self._endpoints[where][endpoint.name] = endpoint
            self.changed(where)

    def delete(self, name: str, region: str | None = None) -> bool:
        where = self.region(region)
        with self.lock:
            found = self._endpoints[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    def by_id(self, endpoint_id: str) -> MultiRegionEndpoint | None:
        """The endpoint with this id, whichever its primary region (an id is global)."""
        with self.lock:
            for endpoints in self._endpoints.values():
                for endpoint in endpoints.values():
                    if endpoint.endpoint_id == endpoint_id:
                        return endpoint
            return None

    def route(self, endpoint_id: str) -> str | None:
        """The region the next send through the endpoint goes to: its primary region, then
        its secondary, in turn (SES "routes your outbound traffic evenly"); ``None`` for an
        endpoint that does not exist."""
        with self.lock:
            found = self.by_id(endpoint_id)
            if found is None:
                return None
            self.put(replace(found, sends=found.sends + 1))
            return found.regions[found.sends % 2]

    def check_send(self, send: Outgoing) -> SendRefused | None:
        endpoint_id = send.content.get("endpoint_id")
        if endpoint_id is None or self.by_id(endpoint_id) is not None:
            return None
        return SendRefused(
            "endpoint_missing", f"Multi-region endpoint with ID {endpoint_id} does not exist."
        )

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [vars(e) for e in self._endpoints[region].values()]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        self._endpoints[region] = {e["name"]: MultiRegionEndpoint(**e) for e in data}
