"""The quota engine: SES's two sending quotas, per region, on any clock.

It knows nothing of pytest, botocore or sockets. Give it a clock (a callable
returning epoch seconds) and a send (region, recipient count); it answers
accepted, or refused with the reason, and keeps usage in bounded memory.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from . import DAILY_MODES, DailyMode
from .bucket import UNLIMITED, TokenBucket

__all__ = [
    "DAILY_MODES",
    "DAY",
    "SLOT",
    "UNLIMITED",
    "DailyMode",
    "Decision",
    "QuotaEngine",
    "Reason",
    "RegionQuota",
    "export_region",
    "import_region",
    "usage_since",
]

DAY = 86_400.0
#: Usage older than 24 hours is forgotten with this granularity (seconds): all
#: sends within one such slot expire together, 24 hours after the latest of them.
#: This bounds memory to DAY / SLOT entries per region whatever the volume, and
#: errs on the safe side (a send never leaves the window early).
SLOT = 1.0

Reason = Literal["rate", "daily"]


@dataclass(frozen=True)
class Decision:
    """The engine's answer for one send."""

    accepted: bool
    #: ``None`` when accepted, else ``"rate"`` or ``"daily"``.
    reason: Reason | None
    recipients: int
    #: Rate allowance available when the send was considered (can be negative:
    #: the bucket is in debt after a multi-recipient send).
    available: float
    #: Recipients counted in the rolling 24 hours before this send.
    sent_last_24_hours: int
    max_24_hour_send: float
    max_send_rate: float


@dataclass
class RegionQuota:
    """Quotas and usage of one region. Mutated only through :class:`QuotaEngine`."""

    max_24_hour_send: float
    max_send_rate: float
    burst: float | None = None
    daily: DailyMode = "would_exceed"
    # The send rate's token bucket (its balance; the rate and capacity are above).
    _bucket: TokenBucket = field(default_factory=TokenBucket, repr=False)
    # Rolling window: deque of [slot, latest_time, recipients]; `_window_total`
    # is their sum, so reading SentLast24Hours is O(1) after expiry.
    _window: deque[list[float]] = field(default_factory=deque, repr=False)
    _window_total: int = field(default=0, repr=False)

    @property
    def capacity(self) -> float:
        """Bucket capacity: `burst`, by default one second's worth of the rate."""
        if self.burst is not None:
            return self.burst
        return max(self.max_send_rate, 1.0)

    def _refill(self, now: float) -> float:
        return self._bucket.refill(now, self.max_send_rate, self.capacity)

    def _expire(self, now: float) -> int:
        window = self._window
        horizon = now - DAY
        while window and window[0][1] <= horizon:
            self._window_total -= int(window.popleft()[2])
        return self._window_total

    def _record(self, now: float, recipients: int) -> None:
        slot = math.floor(now / SLOT)
        window = self._window
        if window and window[-1][0] == slot:
            last = window[-1]
            last[1] = max(last[1], now)
            last[2] += recipients
        else:
            window.append([slot, now, recipients])
        self._window_total += recipients


class QuotaEngine:
    """Per-region sending quotas on a clock. Thread-safe.

    ``defaults`` builds the quota of a region seen for the first time.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        defaults: Callable[[str], RegionQuota],
    ) -> None:
        self._clock = clock
        self._defaults = defaults
        self._regions: dict[str, RegionQuota] = {}
        self._lock = threading.Lock()

    def region(self, region: str) -> RegionQuota:
        with self._lock:
            return self._region(region)

    def _region(self, region: str) -> RegionQuota:
        quota = self._regions.get(region)
        if quota is None:
            quota = self._regions[region] = self._defaults(region)
        return quota

    def restore(self, region: str, quota: RegionQuota) -> None:
        """Put back a region saved with :func:`export_region`."""
        with self._lock:
            self._regions[region] = quota

    @property
    def regions(self) -> list[str]:
        with self._lock:
            return sorted(self._regions)

    def try_send(self, region: str, recipients: int, *, daily: int | None = None) -> Decision:
        """Decide one send of ``recipients`` recipients; charge it if accepted.

        ``daily`` is how many of them count toward the daily quota (all unless given):
        SES's mailbox simulator takes send rate but no daily quota.
        """
        if recipients < 1:
            raise ValueError(f"a send has at least one recipient, got {recipients}")
        counted = recipients if daily is None else daily
        if not 0 <= counted <= recipients:
            raise ValueError(f"daily={daily} is not between 0 and recipients={recipients}")
        now = self._clock()
        with self._lock:
            quota = self._region(region)
            used = quota._expire(now)
            tokens = quota._refill(now)
            reason: Reason | None = None
            # The daily quota is checked first: when both are exhausted, the
            # daily one is the answer that tells the caller how long to wait.
            limit = quota.max_24_hour_send
            if limit != UNLIMITED and counted:
                if quota.daily == "would_exceed":
                    if used + counted > limit:
                        reason = "daily"
                elif used >= limit:
                    reason = "daily"
            if reason is None and not TokenBucket.has_token(tokens, quota.max_send_rate):
                reason = "rate"
            if reason is None:
                quota._bucket.charge(recipients, quota.max_send_rate)
                if counted:
                    quota._record(now, counted)
            return Decision(
                accepted=reason is None,
                reason=reason,
                recipients=recipients,
                available=tokens,
                sent_last_24_hours=used,
                max_24_hour_send=quota.max_24_hour_send,
                max_send_rate=quota.max_send_rate,
            )

    def sent_last_24_hours(self, region: str) -> int:
        now = self._clock()
        with self._lock:
            return self._region(region)._expire(now)

    def available(self, region: str) -> float:
        """Rate allowance available now (negative while in debt)."""
        now = self._clock()
        with self._lock:
            return self._region(region)._refill(now)

    def add_usage(self, region: str, recipients: int) -> None:
        """Count ``recipients`` as sent now, without any check (usage already on the account)."""
        if recipients < 0:
            raise ValueError(f"usage cannot be negative, got {recipients}")
        now = self._clock()
        with self._lock:
            quota = self._region(region)
            quota._expire(now)
            if recipients:
                quota._record(now, recipients)

    def reset_usage(self, region: str, recipients: int = 0) -> None:
        """Replace the rolling window's usage with ``recipients`` sent now."""
        with self._lock:
            quota = self._region(region)
            quota._window.clear()
            quota._window_total = 0
        self.add_usage(region, recipients)

    def configure(
        self,
        region: str,
        *,
        max_24_hour_send: float | None = None,
        max_send_rate: float | None = None,
        burst: float | None = None,
        daily: DailyMode | None = None,
    ) -> RegionQuota:
        """Change a region's quotas; usage and the bucket's balance carry over."""
        now = self._clock()
        with self._lock:
            quota = self._region(region)
            quota._refill(now)  # settle the balance at the old rate first
            old_capacity = quota.capacity
            if max_24_hour_send is not None:
                quota.max_24_hour_send = float(max_24_hour_send)
            if max_send_rate is not None:
                quota.max_send_rate = float(max_send_rate)
            if burst is not None:
                quota.burst = float(burst)
            if daily is not None:
                quota.daily = daily
            # A larger bucket gains the extra room at once (a full bucket stays
            # full after a quota increase); a smaller one caps the balance.
            bucket = quota._bucket
            bucket.tokens = min(
                bucket.tokens + max(0.0, quota.capacity - old_capacity), quota.capacity
            )
            return quota


def export_region(quota: RegionQuota, *, window: bool = True) -> dict[str, Any]:
    """A region's quotas and usage as plain data (for ``sesquota serve --state``);
    without the usage window with ``window=False`` (see :func:`usage_since`)."""
    data: dict[str, Any] = {
        "max_24_hour_send": quota.max_24_hour_send,
        "max_send_rate": quota.max_send_rate,
        "burst": quota.burst,
        "daily": quota.daily,
        "tokens": quota._bucket.tokens,
        "refilled_at": quota._bucket.refilled_at,
    }
    if window:
        data["window"] = [list(slot) for slot in quota._window]
    return data


def usage_since(quota: RegionQuota, slot: float) -> tuple[float | None, list[list[float]]]:
    """``(oldest slot, [slots from `slot` on])`` of a region's usage window: what an
    incremental save writes, at a cost that does not grow with the window."""
    window = quota._window
    newer: list[list[float]] = []
    for item in reversed(window):
        if item[0] < slot:
            break
        newer.append(list(item))
    newer.reverse()
    return (window[0][0] if window else None), newer


def import_region(data: dict[str, Any]) -> RegionQuota:
    """The inverse of :func:`export_region`."""
    window = deque([float(s), float(latest), float(n)] for s, latest, n in data["window"])
    return RegionQuota(
        max_24_hour_send=float(data["max_24_hour_send"]),
        max_send_rate=float(data["max_send_rate"]),
        burst=None if data["burst"] is None else float(data["burst"]),
        daily=data["daily"],
        _bucket=TokenBucket(
            float(data["tokens"]),
            None if data["refilled_at"] is None else float(data["refilled_at"]),
        ),
        _window=window,
        _window_total=int(sum(slot[2] for slot in window)),
    )
