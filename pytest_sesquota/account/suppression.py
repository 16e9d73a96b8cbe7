"""The account-level suppression list of each region, as the test and SES v2 see it."""

from __future__ import annotations

__all__ = ["Suppression"]

from collections.abc import Iterable, Mapping
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
        self._validation: dict[str, dict[str, Any] | None] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._lists[region] = SuppressionList()
        self._validation[region] = None

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

    def suppressed_reasons(self, region: str | None = None) -> list[SuppressionReason]:
        """The reasons for which the region's list suppresses sends (and SES adds
        addresses): both by default, none when the list is turned off."""
        with self.lock:
            reasons = self._lists[self.region(region)].reasons
            return [r for r in SUPPRESSION_REASONS if r in reasons]

    def set_suppressed_reasons(
        self,
        reasons: Iterable[str],
        validation: Mapping[str, Any] | None = None,
        region: str | None = None,
    ) -> None:
        """What PutAccountSuppressionAttributes sets: the reasons (an empty list turns the
        list off: its addresses are delivered to again) and the validation attributes."""
        given = set(reasons)
        unknown = given - set(SUPPRESSION_REASONS)
        if unknown:
            raise ValueError(
                f"suppressed reasons {sorted(unknown)!r}: valid reasons: "
                + ", ".join(repr(r) for r in SUPPRESSION_REASONS)
            )
        name = self.region(region)
        with self.lock:
            self._lists[name].reasons = frozenset(given)
            self._validation[name] = None if validation is None else dict(validation)
            self.changed(name)

    def validation_attributes(self, region: str | None = None) -> dict[str, Any] | None:
        with self.lock:
            found = self._validation[self.region(region)]
            return None if found is None else dict(found)

    def list_of(self, region: str) -> SuppressionList:
        """The region's list, for deciding a send (``address in list``)."""
        return self._lists[region]

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        listed = self._lists[region]
        return {
            "entries": [
                {"email_address": e.email_address, "reason": e.reason, "time": e.last_update_time}
                for e in listed.entries()
            ],
            "reasons": sorted(listed.reasons),
            "validation": self._validation[region],
        }

    def restore(self, region: str, data: dict[str, Any] | list[dict[str, Any]]) -> None:
        # A state file from before the account's suppression attributes: the entries alone.
        document: dict[str, Any] = data if isinstance(data, dict) else {"entries": data}
        restored = self._lists[region] = SuppressionList()
        for item in document["entries"]:
            restored.put(item["email_address"], item["reason"], item["time"])
        restored.reasons = frozenset(document.get("reasons", SUPPRESSION_REASONS))
        self._validation[region] = document.get("validation")
