"""The account-level suppression list of each region, as the test and SES v2 see it."""

from __future__ import annotations

__all__ = ["Suppression"]

from typing import Any

from .options import RegionSettings
from .part import Context, Part
from .recipients import (
    SUPPRESSION_REASONS,
    SuppressedDestination,
    SuppressionList,
    SuppressionReason,
)


class Suppression(Part):
    """Putting addresses on the list, taking them off, reading it."""

    key = "suppression"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._lists: dict[str, SuppressionList] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._lists[region] = SuppressionList()

    def suppress(
        self, *addresses: str, reason: SuppressionReason = "BOUNCE", region: str | None = None
    ) -> None:
        """Put addresses on the region's suppression list (what PutSuppressedDestination
        does): sends to them are accepted and counted, but not delivered."""
        if reason not in SUPPRESSION_REASONS:
            raise ValueError(
                f"suppress(reason={reason!r}): valid reasons: "
                + ", ".join(repr(r) for r in SUPPRESSION_REASONS)
            )
        if not addresses:
            raise TypeError("suppress() needs at least one address")
        name = self.region(region)
        with self.lock:
            for address in addresses:
                if not isinstance(address, str) or "@" not in address:
                    raise ValueError(f"suppress({address!r}): not an email address")
                self._lists[name].put(address, reason, self.clock.now())
                self.changed(name)

    def unsuppress(self, address: str, region: str | None = None) -> bool:
        """Take an address off the list; whether it was on it."""
        name = self.region(region)
        with self.lock:
            found = self._lists[name].delete(address)
            if found:
                self.changed(name)
            return found

    def suppressed(
        self, address: str | None = None, region: str | None = None
    ) -> list[SuppressedDestination]:
        """The region's suppression list, in the order addresses were first put on it;
        with ``address``, just its entry (or an empty list)."""
        name = self.region(region)
        with self.lock:
            if address is None:
                return self._lists[name].entries()
            entry = self._lists[name].get(address)
            return [] if entry is None else [entry]

    def list_of(self, region: str) -> SuppressionList:
        """The region's list, for deciding a send (``address in list``)."""
        return self._lists[region]

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [
            {"email_address": e.email_address, "reason": e.reason, "time": e.last_update_time}
            for e in self._lists[region].entries()
        ]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        restored = self._lists[region] = SuppressionList()
        for item in data:
            restored.put(item["email_address"], item["reason"], item["time"])
