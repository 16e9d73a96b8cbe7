"""The reputation the quota picture draws: a region's bounce and complaint rates over
virtual time, replayed from the ledger as ``account/reputation.py`` counts them.

The account keeps only its rates now and the hours of its window (SES keeps no history
either: CloudWatch does); the picture needs them at every moment of the test. They are
counted again here from each accepted message: its eligible recipients at the moment it
was accepted, its recipients' hard bounces and complaints at the moments SES's events have
them (``eligible_recipients``, ``counted_feedback``: the account's own rules), in the
policy's window of whole hours, afresh after a review resolved by the test.
The policy drawn is the one at the end of the test.
"""

from __future__ import annotations

__all__ = ["RESOLVED_CAUSE", "ReputationTimeline", "reputation_timeline"]

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate

from ..account.account import Account, part_of
from ..account.ledger import LedgerEntry, SentMessage
from ..account.mailboxes import Mailboxes
from ..account.reputation import (
    ReputationMetrics,
    StatusChange,
    counted_feedback,
    eligible_recipients,
)

#: The cause of the change ``set_review_outcome("resolved")`` makes: the counts start afresh.
RESOLVED_CAUSE = "review resolved"
#: The account counts per hour of virtual time (``account/reputation.py``).
_HOUR = 3600.0


@dataclass(frozen=True)
class ReputationTimeline:
    """One region's rates over the test, in seconds since the test started."""

    region: str
    #: The rates now, the policy and every change of status (``ses_account.reputation()``).
    metrics: ReputationMetrics
    #: Steps ``(seconds, bounce rate, complaint rate, volume)``, each holding until the
    #: next; the first at 0.
    rates: list[tuple[float, float, float, int]]
    #: ``(seconds, change)``: each change of ``EnforcementStatus`` the rates made.
    changes: list[tuple[float, StatusChange]]

    def unjudged(self, end: float) -> list[tuple[float, float]]:
        """``(from, to)`` spans when the window held less than the least volume judged:
        the status could not move then, whatever the rates."""
        least = self.metrics.policy.minimum_volume
        spans: list[tuple[float, float]] = []
        for (t, _, _, volume), following in zip(
            self.rates, [*(r[0] for r in self.rates[1:]), end], strict=True
        ):
            if volume >= least or following <= t:
                continue
            if spans and spans[-1][1] == t:
                spans[-1] = (spans[-1][0], following)
            else:
                spans.append((t, following))
        return spans

    def statuses(self, end: float) -> list[tuple[float, float, str]]:
        """``(from, to, EnforcementStatus)`` over the test, as the changes set it (HEALTHY
        before the first; a status a test set by hand is not among them)."""
        spans: list[tuple[float, float, str]] = []
        since, status = 0.0, "HEALTHY"
        for t, change in self.changes:
            if t > since:
                spans.append((since, t, status))
            since, status = t, change.status
        if end > since or not spans:
            spans.append((since, max(end, since), status))
        return spans


def _feedback(message: SentMessage, mailboxes: Mailboxes) -> list[tuple[float, int, int]]:
    """The message's counted hard bounces and complaints: ``(epoch, bounces, complaints)``."""
    if message.rendering_failure is not None:
        return []
    return [
        (at, int(kind == "bounce"), int(kind == "complaint"))
        for at, kind in counted_feedback(message, mailboxes)
    ]


def _counted(
    outcomes: Sequence[LedgerEntry], region: str, mailboxes: Mailboxes, until: float
) -> list[tuple[float, int, int, int]]:
    """``(epoch, eligible recipients, hard bounces, complaints)`` the account counted in
    ``region`` up to ``until``, in time order."""
    items: list[tuple[float, int, int, int]] = []
    for o in outcomes:
        if not isinstance(o, SentMessage) or o.region != region:
            continue
        eligible = eligible_recipients(o)
        if not eligible:
            continue
        items.append((o.time.timestamp(), eligible, 0, 0))
        if o.bounced or o.complained:
            items += [(at, 0, b, c) for at, b, c in _feedback(o, mailboxes) if at <= until]
    items.sort(key=lambda item: item[0])
    return items


def reputation_timeline(
    account: Account, region: str, outcomes: Sequence[LedgerEntry], end: float
) -> ReputationTimeline | None:
    """The region's rates over the test's ``end`` seconds, or ``None`` when nothing moved
    them: no counted hard bounce nor complaint, no change of status."""
    start = account.clock.start_time.timestamp()
    metrics = account.reputation(region)
    mailboxes = part_of(account, Mailboxes)
    if not metrics.changes and not any(
        isinstance(o, SentMessage)
        and o.region == region
        and (o.bounced or o.complained)
        and any(at <= start + end for at, _, _ in _feedback(o, mailboxes))
        for o in outcomes
    ):
        return None  # the common case, for the cost of a look at each message
    items = _counted(outcomes, region, mailboxes, start + end)
    times = [item[0] for item in items]
    # Running totals of the volume, the hard bounces and the complaints.
    sums: list[list[int]] = [[0, *accumulate(column)] for column in _columns(items)]
    resets = sorted(c.time.timestamp() for c in metrics.changes if c.cause == RESOLVED_CAUSE)
    window = metrics.policy.window.total_seconds()

    def at(moment: float) -> tuple[float, float, int]:
        """The rates as the account's window has them at ``moment`` (epoch)."""
        first = math.floor((moment - window) / _HOUR) + 1
        lo = bisect_left(times, first * _HOUR)
        done = bisect_right(resets, moment)
        if done:
            lo = max(lo, bisect_right(times, resets[done - 1]))
        hi = bisect_right(times, moment)
        volume, bounces, complaints = (s[hi] - s[lo] if hi > lo else 0 for s in sums)
        if not volume:
            return 0.0, 0.0, 0
        return bounces / volume, complaints / volume, volume

    # The rates move at each counted item, as each hour leaves the window, and at a reset.
    moments = {start, *times, *resets}
    moments |= {math.floor(t / _HOUR) * _HOUR + window for t in times}
    rates: list[tuple[float, float, float, int]] = []
    for moment in sorted(m for m in moments if start <= m <= start + end):
        point = (moment - start, *at(moment))
        if not rates or rates[-1][1:] != point[1:]:
            rates.append(point)
    changes = [(_since(c.time, start), c) for c in metrics.changes]
    return ReputationTimeline(region, metrics, rates, changes)


def _columns(items: Sequence[tuple[float, int, int, int]]) -> list[list[int]]:
    return [[item[1] for item in items], [item[2] for item in items], [item[3] for item in items]]


def _since(time: datetime, start: float) -> float:
    return time.timestamp() - start
