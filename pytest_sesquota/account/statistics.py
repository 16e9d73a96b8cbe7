"""GetSendStatistics: 15-minute data points of attempts, bounces, complaints and rejects."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from .ledger import (
    STATS_HORIZON,
    STATS_PERIOD,
)
from .state import AccountState, RegionState


class Statistics(AccountState):
    """GetSendStatistics' data points, and recorded feedback."""

    # -- statistics -----------------------------------------------------------
    def _count_stat(self, state: RegionState, column: int, amount: int) -> None:
        now = self.clock.time()
        period = math.floor(now / STATS_PERIOD) * STATS_PERIOD
        row = state.stats.get(period)
        if row is None:
            row = state.stats[period] = [0, 0, 0, 0]
            if len(state.stats) > STATS_HORIZON / STATS_PERIOD + 1:
                horizon = now - STATS_HORIZON
                for old in [p for p in state.stats if p < horizon]:
                    del state.stats[old]
        row[column] += amount

    def record_bounces(self, count: int = 1, *, region: str | None = None) -> None:
        """Count bounces now, as GetSendStatistics' ``Bounces`` reports them."""
        self._feedback("record_bounces", 1, count, region)

    def record_complaints(self, count: int = 1, *, region: str | None = None) -> None:
        """Count complaints now, as GetSendStatistics' ``Complaints`` reports them."""
        self._feedback("record_complaints", 2, count, region)

    def _feedback(self, what: str, column: int, count: int, region: str | None) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{what}({count!r}): expected a whole number >= 0")
        state = self._state(region)
        with self._lock:
            self._count_stat(state, column, count)

    def send_statistics(self, region: str | None = None) -> list[dict[str, Any]]:
        """GetSendStatistics' data points: one per 15-minute period with activity, last 14 days."""
        state = self._state(region)
        horizon = self.clock.time() - STATS_HORIZON
        with self._lock:
            rows = sorted(
                (p, list(r)) for p, r in state.stats.items() if p + STATS_PERIOD > horizon
            )
        return [
            {
                "Timestamp": datetime.fromtimestamp(p, timezone.utc),
                "DeliveryAttempts": r[0],
                "Bounces": r[1],
                "Complaints": r[2],
                "Rejects": r[3],
            }
            for p, r in rows
        ]
