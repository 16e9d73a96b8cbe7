"""The timeline the quota picture draws: each region's usage and limits over virtual time."""

from __future__ import annotations

__all__ = ["LAYERS", "RegionTimeline", "Timeline", "rate_at", "timeline"]

import math
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..account.account import Account, part_of
from ..account.ledger import FaultedSend, RejectedSend, SentMessage, ThrottledSend
from ..account.messages import RetryCounter
from ..account.quotas import Quotas
from ..quota.engine import DAY, SLOT, UNLIMITED
from .conversation import entries_outcomes
from .reputation_timeline import ReputationTimeline, reputation_timeline


# -- the timeline the picture draws ------------------------------------------------
@dataclass
class RegionTimeline:
    """One region's sending, in seconds since the test started."""

    region: str
    #: Second since start (``floor``) -> recipients accepted / throttled by the
    #: send rate / throttled by the daily quota / failed by a transient fault /
    #: rejected in it, every attempt counted.
    accepted: dict[int, int] = field(default_factory=dict)
    throttled: dict[int, int] = field(default_factory=dict)
    throttled_daily: dict[int, int] = field(default_factory=dict)
    faulted: dict[int, int] = field(default_factory=dict)
    rejected: dict[int, int] = field(default_factory=dict)
    #: The part of those that were retries (an attempt sending again a message refused
    #: and not accepted since): ``"accepted"``, ``"throttled"``... -> second -> recipients.
    retries: dict[str, dict[int, int]] = field(default_factory=dict)
    #: Messages refused and never accepted later: ``(seconds of the last refusal,
    #: recipients)``.
    dropped: list[tuple[float, int]] = field(default_factory=list)
    #: Steps ``(seconds, value)``, each holding until the next: MaxSendRate and
    #: Max24HourSend (``-1``: unlimited), and SentLast24Hours.
    max_send_rate: list[tuple[float, float]] = field(default_factory=list)
    max_24_hour_send: list[tuple[float, float]] = field(default_factory=list)
    sent_last_24_hours: list[tuple[float, int]] = field(default_factory=list)
    #: Sends refused by the daily quota: ``(seconds, SentLast24Hours then)``.
    daily_throttles: list[tuple[float, int]] = field(default_factory=list)
    #: Messages (send attempts) accepted and throttled, over the test.
    accepted_total: int = 0
    throttled_total: int = 0
    #: Messages (send attempts) of each kind of :data:`LAYERS`, and ``"retries"``.
    messages: Counter[str] = field(default_factory=Counter)

    def layer(self, name: str) -> dict[int, int]:
        """Recipients per second of one kind of outcome (``"accepted"``, ``"throttled"``,
        ``"throttled_daily"``, ``"faulted"``, ``"rejected"``)."""
        counts: dict[int, int] = getattr(self, name)
        return counts

    def over_the_rate(self) -> dict[int, tuple[float, int]]:
        """Seconds that accepted more than MaxSendRate: ``second -> (rate, accepted)``.
        Right for a token bucket (what was saved up is spent at once, while the bucket
        refills), but it reads as a violation unless the picture says so."""
        over: dict[int, tuple[float, int]] = {}
        for second, recipients in self.accepted.items():
            rate = rate_at(self.max_send_rate, second)
            if rate != UNLIMITED and recipients > rate:
                over[second] = (rate, recipients)
        return over

    def seconds(self) -> list[int]:
        """Every second with an attempt in it, in order."""
        return sorted({s for name in LAYERS for s in self.layer(name)})


def rate_at(points: Sequence[tuple[float, float]], seconds: float) -> float:
    """The step series' value at ``seconds`` (its first value before it starts)."""
    value = points[0][1] if points else UNLIMITED
    for t, v in points:
        if t > seconds:
            break
        value = v
    return value


#: The kinds of outcome, in the order the picture stacks them.
LAYERS = ("accepted", "throttled", "throttled_daily", "faulted", "rejected")


def _add(counts: dict[int, int], second: int, recipients: int) -> None:
    counts[second] = counts.get(second, 0) + recipients


def _layer_of(outcome: object) -> str:
    if isinstance(outcome, SentMessage):
        return "accepted"
    if isinstance(outcome, ThrottledSend):
        return "throttled" if outcome.reason == "rate" else "throttled_daily"
    if isinstance(outcome, FaultedSend):
        return "faulted"
    assert isinstance(outcome, RejectedSend)
    return "rejected"


@dataclass
class Timeline:
    test_id: str
    start: datetime
    #: Virtual seconds from the start to the end of the test.
    end: float
    regions: list[RegionTimeline]
    #: ``(began, seconds)`` of every ``time.sleep``.
    sleeps: list[tuple[float, float]]
    #: The bounce and complaint rates of each region where something moved them.
    reputation: list[ReputationTimeline] = field(default_factory=list)

    def reputation_of(self, region: str) -> ReputationTimeline | None:
        return next((r for r in self.reputation if r.region == region), None)

    def totals(self) -> Counter[str]:
        """Messages (send attempts) of each kind of :data:`LAYERS` in every region,
        ``"retries"`` among them and the messages ``"dropped"``."""
        counts: Counter[str] = Counter()
        for region in self.regions:
            counts.update(region.messages)
            counts["dropped"] += len(region.dropped)
        return counts


def _rolling_usage(
    events: list[tuple[float, int, float, int, bool]], end: float
) -> list[tuple[float, int]]:
    """Replay the engine's rolling window. ``events`` are ``(seconds since start,
    order, epoch, recipients, reset)`` in time order; usage leaves 24 h after the
    latest send of its one-second slot (of epoch time), as in the engine."""
    window: deque[list[float]] = deque()  # [slot, latest seconds, recipients]
    total = 0
    points: list[tuple[float, int]] = []

    def expire(until: float) -> None:
        nonlocal total
        while window and window[0][1] + DAY <= until:
            leaving = window.popleft()
            total -= int(leaving[2])
            points.append((leaving[1] + DAY, total))

    for seconds, _, epoch, recipients, reset in events:
        expire(seconds)
        if reset:
            window.clear()
            total = 0
        if recipients:
            slot = math.floor(epoch / SLOT)
            if window and window[-1][0] == slot:
                window[-1][1] = max(window[-1][1], seconds)
                window[-1][2] += recipients
            else:
                window.append([slot, seconds, recipients])
            total += recipients
        points.append((seconds, total))
    expire(end)
    return points


def timeline(account: Account, test_id: str = "") -> Timeline:
    """Everything the quota picture draws, from the account's ledger and clock."""
    start = account.clock.start_time

    def since(at: datetime) -> float:
        return (at - start).total_seconds()

    end = max(0.0, account.clock.elapsed())
    outcomes = entries_outcomes(account)
    used = [o.region for o in outcomes]
    names = [r for r in account.regions() if r in used] or [account.region]
    regions: list[RegionTimeline] = []
    for name in names:
        line = RegionTimeline(name)
        usage_events: list[tuple[float, int, float, int, bool]] = []
        for change in part_of(account, Quotas).log:
            if change.region != name:
                continue
            t = since(change.time)
            line.max_send_rate.append((t, change.max_send_rate))
            line.max_24_hour_send.append((t, change.max_24_hour_send))
            if change.sent_last_24_hours is not None:
                usage_events.append(
                    (t, 0, change.time.timestamp(), change.sent_last_24_hours, True)
                )
        retries = RetryCounter()
        for o in outcomes:
            retried = retries.see(o) > 0  # in the account's order, every region
            if o.region != name:
                continue
            t = since(o.time)
            second = math.floor(t)
            n = len(o.recipients)
            kind = _layer_of(o)
            _add(line.layer(kind), second, n)
            line.messages[kind] += 1
            line.messages["retries"] += retried
            if retried:
                _add(line.retries.setdefault(kind, {}), second, n)
            if isinstance(o, SentMessage):
                line.accepted_total += 1
                usage_events.append((t, 1, o.time.timestamp(), n, False))
            elif isinstance(o, ThrottledSend):
                line.throttled_total += 1
                if o.reason == "daily":
                    line.daily_throttles.append((t, o.sent_last_24_hours))
        line.dropped = [
            (since(d.refusal.time), len(d.recipients))
            for d in retries.dropped()
            if d.refusal.region == name
        ]
        usage_events.sort(key=lambda e: (e[0], e[1]))  # a reset before sends at its time
        line.sent_last_24_hours = _rolling_usage(usage_events, end)
        regions.append(line)
    sleeps = [(since(s.at), s.seconds) for s in account.clock.sleep_log]
    found = (reputation_timeline(account, r.region, outcomes, end) for r in regions)
    return Timeline(test_id, start, end, regions, sleeps, [r for r in found if r is not None])
