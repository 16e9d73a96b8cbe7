"""The timeline the quota picture draws: each region's usage and limits over virtual time."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from ..account.account import Account, part_of
from ..account.ledger import SentMessage, ThrottledSend
from ..account.quotas import Quotas
from ..quota.engine import DAY, SLOT
from .conversation import entries_outcomes


# -- the timeline the picture draws ------------------------------------------------
@dataclass
class RegionTimeline:
    """One region's sending, in seconds since the test started."""

    region: str
    #: Second since start (``floor``) -> recipients accepted / throttled by the
    #: send rate / throttled by the daily quota in it.
    accepted: dict[int, int] = field(default_factory=dict)
    throttled: dict[int, int] = field(default_factory=dict)
    throttled_daily: dict[int, int] = field(default_factory=dict)
    #: Steps ``(seconds, value)``, each holding until the next: MaxSendRate and
    #: Max24HourSend (``-1``: unlimited), and SentLast24Hours.
    max_send_rate: list[tuple[float, float]] = field(default_factory=list)
    max_24_hour_send: list[tuple[float, float]] = field(default_factory=list)
    sent_last_24_hours: list[tuple[float, int]] = field(default_factory=list)
    #: Sends refused by the daily quota: ``(seconds, SentLast24Hours then)``.
    daily_throttles: list[tuple[float, int]] = field(default_factory=list)
    accepted_total: int = 0
    throttled_total: int = 0


@dataclass
class Timeline:
    test_id: str
    start: datetime
    #: Virtual seconds from the start to the end of the test.
    end: float
    regions: list[RegionTimeline]
    #: ``(began, seconds)`` of every ``time.sleep``.
    sleeps: list[tuple[float, float]]


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
        for o in outcomes:
            if o.region != name:
                continue
            t = since(o.time)
            second = math.floor(t)
            n = len(o.recipients)
            if isinstance(o, SentMessage):
                line.accepted[second] = line.accepted.get(second, 0) + n
                line.accepted_total += 1
                usage_events.append((t, 1, o.time.timestamp(), n, False))
            elif isinstance(o, ThrottledSend):
                line.throttled_total += 1
                if o.reason == "daily":
                    line.throttled_daily[second] = line.throttled_daily.get(second, 0) + n
                    line.daily_throttles.append((t, o.sent_last_24_hours))
                else:
                    line.throttled[second] = line.throttled.get(second, 0) + n
        usage_events.sort(key=lambda e: (e[0], e[1]))  # a reset before sends at its time
        line.sent_last_24_hours = _rolling_usage(usage_events, end)
        regions.append(line)
    sleeps = [(since(s.at), s.seconds) for s in account.clock.sleep_log]
    return Timeline(test_id, start, end, regions, sleeps)
