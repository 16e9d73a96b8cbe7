"""GetSendStatistics: 15-minute data points of attempts, bounces, complaints and rejects."""

from __future__ import annotations

__all__ = ["Counts", "Row", "Statistics"]

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .ledger import STATS_HORIZON, STATS_PERIOD
from .options import RegionSettings
from .part import Context, Part

#: A period's counts as the state file keeps them: attempts, bounces, complaints, rejects.
Row = tuple[int, ...]


@dataclass
class Counts:
    """One 15-minute period's counts, as a GetSendStatistics data point names them."""

    delivery_attempts: int = 0
    bounces: int = 0
    complaints: int = 0
    rejects: int = 0

    def as_row(self) -> tuple[int, int, int, int]:
        return (self.delivery_attempts, self.bounces, self.complaints, self.rejects)


class Statistics(Part):
    """Counts per region and period, kept two weeks (the periods are saved row by row)."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        # region -> period start (epoch), oldest first -> counts
        self._periods: dict[str, dict[float, Counts]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._periods[region] = {}

    def count(
        self,
        region: str,
        *,
        delivery_attempts: int = 0,
        bounces: int = 0,
        complaints: int = 0,
        rejects: int = 0,
    ) -> None:
        """Add to the counts of the period now (call under the account's lock); a period
        with nothing to count gets no data point."""
        if not (delivery_attempts or bounces or complaints or rejects):
            return
        now = self.clock.time()
        period = math.floor(now / STATS_PERIOD) * STATS_PERIOD
        periods = self._periods[region]
        counts = periods.get(period)
        if counts is None:
            counts = periods[period] = Counts()
            if len(periods) > STATS_HORIZON / STATS_PERIOD + 1:
                horizon = now - STATS_HORIZON
                for old in [p for p in periods if p < horizon]:
                    del periods[old]
        counts.delivery_attempts += delivery_attempts
        counts.bounces += bounces
        counts.complaints += complaints
        counts.rejects += rejects

    def record_bounces(self, count: int = 1, *, region: str | None = None) -> None:
        """Count bounces now, as GetSendStatistics' ``Bounces`` reports them."""
        self._feedback("record_bounces", count, region, bounces=count)

    def record_complaints(self, count: int = 1, *, region: str | None = None) -> None:
        """Count complaints now, as GetSendStatistics' ``Complaints`` reports them."""
        self._feedback("record_complaints", count, region, complaints=count)

    def _feedback(self, what: str, count: int, region: str | None, **amount: int) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{what}({count!r}): expected a whole number >= 0")
        name = self.region(region)
        with self.lock:
            self.count(name, **amount)

    def send_statistics(self, region: str | None = None) -> list[dict[str, Any]]:
        """GetSendStatistics' data points: one per 15-minute period with activity, last 14 days."""
        name = self.region(region)
        horizon = self.clock.time() - STATS_HORIZON
        with self.lock:
            rows = sorted(
                (p, c.as_row())
                for p, c in self._periods[name].items()
                if p + STATS_PERIOD > horizon
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

    # -- the state file: a row per period ------------------------------------------
    def rows(self, region: str, *, newest_only: bool = False) -> list[tuple[float, Row]]:
        """``(period, (attempts, bounces, complaints, rejects))``, oldest first; only the
        newest period's with ``newest_only`` (the one a send moves)."""
        periods = self._periods[region]
        if newest_only:
            if not periods:
                return []
            period = next(reversed(periods))
            return [(period, periods[period].as_row())]
        return [(p, c.as_row()) for p, c in periods.items()]

    def oldest(self, region: str) -> float | None:
        """The oldest period kept (older ones have expired)."""
        return next(iter(self._periods[region]), None)

    def restore_rows(self, region: str, rows: list[tuple[float, Row]]) -> None:
        self._periods[region] = {p: Counts(*row) for p, row in rows}
