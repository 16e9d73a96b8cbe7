"""The account-level suppression list of each region, as the test and SES v2 see it."""

from __future__ import annotations

from .recipients import SUPPRESSION_REASONS, SuppressedDestination, SuppressionReason
from .state import AccountState


class Suppression(AccountState):
    """Putting addresses on the list, taking them off, reading it."""

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
        state = self._state(region)
        with self._lock:
            for address in addresses:
                if not isinstance(address, str) or "@" not in address:
                    raise ValueError(f"suppress({address!r}): not an email address")
                state.suppression.put(address, reason, self.clock.now())

    def unsuppress(self, address: str, region: str | None = None) -> bool:
        """Take an address off the list; whether it was on it."""
        state = self._state(region)
        with self._lock:
            return state.suppression.delete(address)

    def suppressed(
        self, address: str | None = None, region: str | None = None
    ) -> list[SuppressedDestination]:
        """The region's suppression list, in the order addresses were first put on it;
        with ``address``, just its entry (or an empty list)."""
        state = self._state(region)
        with self._lock:
            if address is None:
                return state.suppression.entries()
            entry = state.suppression.get(address)
            return [] if entry is None else [entry]
