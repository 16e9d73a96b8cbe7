"""The account's metrics, computed from what it did: GetSendStatistics' 15-minute data
points and the daily counts of SES v2's VDM metrics (``BatchGetMetricData``).

Nothing is counted while sending: each answer reads the ledger's records and the events
the account produced (``account/activity.py`` says what happened to each recipient).
What leaves the ledger (``sesquota serve``'s retention) is folded into counts kept here
first, so the numbers never depend on how much of the ledger is kept.
"""

from __future__ import annotations

__all__ = [
    "DAY",
    "DIMENSIONS",
    "METRICS",
    "DayKey",
    "Metric",
    "Metrics",
    "Traffic",
    "day_of",
    "reputation",
    "series",
]

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Literal, get_args

from .activity import (
    Happening,
    click_tracked,
    excluded_from_vdm,
    happenings,
    identity_names,
    isp_of,
    on_suppression_list,
    open_tracked,
)
from .book import Ledger
from .events import Events, SesEvent
from .ledger import STATS_HORIZON, STATS_PERIOD, RejectedSend, SentMessage
from .options import RegionSettings
from .part import Context, Part
from .recipients import is_simulator

DAY = 86_400.0
#: SES v2's VDM metrics (BatchGetMetricData's ``Metric``).
Metric = Literal[
    "SEND",
    "COMPLAINT",
    "PERMANENT_BOUNCE",
    "TRANSIENT_BOUNCE",
    "OPEN",
    "CLICK",
    "DELIVERY",
    "DELIVERY_OPEN",
    "DELIVERY_CLICK",
    "DELIVERY_COMPLAINT",
]
#: The dimensions a VDM query may filter by, and the place of each in a ``DayKey``.
DIMENSIONS: dict[str, int] = {
    "EMAIL_IDENTITY": 2,
    "CONFIGURATION_SET": 4,
    "ISP": 5,
    "TENANT_NAME": 6,
}
#: SES v2's VDM metrics, in the model's order.
METRICS: tuple[Metric, ...] = get_args(Metric)
#: A VDM count's key: (UTC day, metric, from address, from domain, configuration set,
#: recipient's ISP, tenant); "" where the message named none.
DayKey = tuple[float, str, str, str, str, str, str]
#: GetSendStatistics' counts of one period: attempts, bounces, complaints, rejects.
_ATTEMPTS, _BOUNCES, _COMPLAINTS, _REJECTS = range(4)


def day_of(time: datetime | float) -> float:
    """The start of the UTC day of ``time``, as epoch seconds."""
    seconds = time.timestamp() if isinstance(time, datetime) else time
    return math.floor(seconds / DAY) * DAY


def series(
    traffic: Traffic,
    metric: str,
    dimensions: Mapping[str, str],
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, int]]:
    """A VDM metric's daily sums, one per UTC day from the day of ``start`` to the last day
    beginning before ``end`` (zero where nothing happened), filtered by ``dimensions``
    (``EMAIL_IDENTITY`` matches the sender's address or its domain, without case)."""
    first, stop = day_of(start), end.timestamp()
    days = [first + i * DAY for i in range(max(0, math.ceil((stop - first) / DAY)))]
    wanted = set(days)
    identity = dimensions.get("EMAIL_IDENTITY")
    others = [(DIMENSIONS[name], value) for name, value in dimensions.items()]
    totals: Counter[float] = Counter()
    for key, count in traffic.days.items():
        if key[1] != metric or key[0] not in wanted:
            continue
        if identity is not None and identity.lower() not in (key[2], key[3]):
            continue
        if all(key[place] == value for place, value in others if place != 2):
            totals[key[0]] += count
    return [(datetime.fromtimestamp(day, timezone.utc), totals[day]) for day in days]


def reputation(
    activity: Iterable[tuple[SentMessage, Sequence[Happening]]], since: datetime
) -> dict[str, tuple[Counter[str], list[Happening]]]:
    """What SES's reputation counts per sending domain since ``since``: sends, deliveries,
    deliveries to providers with a feedback loop (``DELIVERY_COMPLAINT``), hard bounces and
    complaints, every recipient counted but the mailbox simulator's and those on the
    suppression list (the guide: neither counts toward the bounce or complaint rates); and
    the bounces and complaints themselves, oldest first."""
    found: dict[str, tuple[Counter[str], list[Happening]]] = {}
    for message, happened in activity:
        counts, events = found.setdefault(identity_names(message.source)[1], (Counter(), []))
        suppressed = set(message.suppressed)
        for happening in happened:
            recipient = happening.recipient
            if happening.time < since or recipient in suppressed or is_simulator(recipient):
                continue
            kind = happening.kind
            if kind in ("SEND", "DELIVERY", "PERMANENT_BOUNCE", "COMPLAINT"):
                counts[kind] += 1
            if kind == "DELIVERY" and isp_of(recipient) != "Gmail":
                counts["DELIVERY_COMPLAINT"] += 1
            if kind in ("PERMANENT_BOUNCE", "COMPLAINT"):
                events.append(happening)
    return found


def _period(time: datetime) -> float:
    return math.floor(time.timestamp() / STATS_PERIOD) * STATS_PERIOD


class Traffic:
    """What the account did in a region, counted: the 15-minute periods of
    GetSendStatistics and the VDM metrics by day and dimension."""

    def __init__(self) -> None:
        self.periods: dict[float, list[int]] = {}
        self.days: Counter[DayKey] = Counter()

    def period(self, time: datetime) -> list[int]:
        return self.periods.setdefault(_period(time), [0, 0, 0, 0])

    def add(self, other: Traffic) -> None:
        for period, counts in other.periods.items():
            mine = self.periods.setdefault(period, [0, 0, 0, 0])
            for i, n in enumerate(counts):
                mine[i] += n
        self.days.update(other.days)

    def count_message(self, message: SentMessage, found: Sequence[Happening]) -> None:
        """Count one accepted message and what happened to its recipients."""
        attempted = set(message.recipients) - set(message.suppressed) - set(message.undelivered)
        if attempted:
            self.period(message.time)[_ATTEMPTS] += len(
                [r for r in message.recipients if r in attempted]
            )
        for happening in found:
            if on_suppression_list(happening):
                continue  # SES counts these in no rate and no statistic
            if happening.kind == "PERMANENT_BOUNCE":
                self.period(happening.time)[_BOUNCES] += 1
            elif happening.kind == "COMPLAINT":
                self.period(happening.time)[_COMPLAINTS] += 1
            elif happening.kind == "REJECT":
                self.period(happening.time)[_REJECTS] += 1
        if not excluded_from_vdm(message):
            address, domain = identity_names(message.source)
            isp = isp_of(message.recipients[0])
            rest = (address, domain, message.configuration_set or "", isp)
            tenant = message.tenant_name or ""
            for time, metric in _vdm_metrics(message, found, isp):
                self.days[(day_of(time), metric, *rest, tenant)] += 1

    def count_rejected(self, rejected: RejectedSend) -> None:
        # Refused with MessageRejected for an unverified identity: Rejects, per recipient.
        if rejected.reason == "unverified":
            self.period(rejected.time)[_REJECTS] += len(rejected.recipients)

    def expire(self, now: float) -> None:
        horizon = now - STATS_HORIZON - STATS_PERIOD
        for period in [p for p in self.periods if p < horizon]:
            del self.periods[period]

    # -- the state file ---------------------------------------------------------------
    def export(self) -> dict[str, Any]:
        return {
            "periods": [[p, *counts] for p, counts in sorted(self.periods.items())],
            "days": [[*key, n] for key, n in sorted(self.days.items())],
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Traffic:
        traffic = cls()
        for period, *counts in data.get("periods", []):
            traffic.periods[float(period)] = [int(n) for n in counts]
        for *key, n in data.get("days", []):
            day, metric, address, domain, configuration_set, isp, tenant = key
            traffic.days[(float(day), metric, address, domain, configuration_set, isp, tenant)] = (
                int(n)
            )
        return traffic


def _vdm_metrics(
    message: SentMessage, found: Iterable[Happening], isp: str
) -> Iterator[tuple[datetime, Metric]]:
    """The VDM metrics a single-recipient message counts in, at their times."""
    opened = clicked = False
    for happening in found:
        kind = happening.kind
        if kind == "SEND":
            yield happening.time, "SEND"
        elif kind == "DELIVERY":
            yield happening.time, "DELIVERY"
            if open_tracked(message):
                yield happening.time, "DELIVERY_OPEN"
            if click_tracked(message):
                yield happening.time, "DELIVERY_CLICK"
            if isp != "Gmail":  # Gmail gives SES no complaint feedback loop
                yield happening.time, "DELIVERY_COMPLAINT"
        elif kind in ("PERMANENT_BOUNCE", "COMPLAINT"):
            if not on_suppression_list(happening):
                yield happening.time, kind
        elif kind == "TRANSIENT_BOUNCE":
            yield happening.time, kind
        elif kind == "OPEN" and not opened:  # unique opens and clicks
            opened = True
            yield happening.time, kind
        elif kind == "CLICK" and not clicked:
            clicked = True
            yield happening.time, kind


class Metrics(Part):
    """The account's metrics per region: computed when asked, from the ledger's records
    and the events, plus what left the ledger (folded) and what the test recorded."""

    key = "metrics"

    def __init__(self, context: Context, ledger: Ledger, events: Events) -> None:
        super().__init__(context)
        self.ledger = ledger
        self.events = events
        #: region -> counts of what is no longer in the ledger, and the test's records
        self._kept: dict[str, Traffic] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._kept[region] = Traffic()

    # -- what happened -------------------------------------------------------------------
    def activity(self, region: str | None = None) -> list[tuple[SentMessage, list[Happening]]]:
        """Every accepted message of the region still in the ledger, oldest first, with
        what has happened to its recipients by now (virtual time)."""
        name = self.region(region)
        by_message: dict[str, list[SesEvent]] = {}
        for event in self.events.events(name):
            by_message.setdefault(event.message_id, []).append(event)
        with self.lock:
            sent = [m for m in self.ledger.sent if m.region == name]
        return [(m, happenings(m, by_message.get(m.message_id, ()))) for m in sent]

    def message(
        self, message_id: str, region: str | None = None
    ) -> tuple[SentMessage, list[Happening]] | None:
        """One message of the region and what happened to it, or ``None``."""
        name = self.region(region)
        with self.lock:
            found = next(
                (m for m in self.ledger.sent if m.message_id == message_id and m.region == name),
                None,
            )
        if found is None:
            return None
        events = [e for e in self.events.events(name) if e.message_id == message_id]
        return found, happenings(found, events)

    def traffic(self, region: str | None = None) -> Traffic:
        """The region's counts as of now: the ledger's, the events', and what was kept."""
        name = self.region(region)
        traffic = Traffic()
        for message, found in self.activity(name):
            traffic.count_message(message, found)
        with self.lock:
            rejected = [r for r in self.ledger.rejected if r.region == name]
            traffic.add(self._kept[name])
        for item in rejected:
            traffic.count_rejected(item)
        traffic.expire(self.clock.time())
        return traffic

    # -- GetSendStatistics ---------------------------------------------------------------
    def send_statistics(self, region: str | None = None) -> list[dict[str, Any]]:
        """GetSendStatistics' data points: one per 15-minute period with activity, last 14 days."""
        horizon = self.clock.time() - STATS_HORIZON
        periods = self.traffic(region).periods
        return [
            {
                "Timestamp": datetime.fromtimestamp(period, timezone.utc),
                "DeliveryAttempts": counts[_ATTEMPTS],
                "Bounces": counts[_BOUNCES],
                "Complaints": counts[_COMPLAINTS],
                "Rejects": counts[_REJECTS],
            }
            for period, counts in sorted(periods.items())
            if period + STATS_PERIOD > horizon and any(counts)
        ]

    def record_bounces(self, count: int = 1, *, region: str | None = None) -> None:
        """Count bounces now, as GetSendStatistics' ``Bounces`` reports them."""
        self._record("record_bounces", count, region, _BOUNCES)

    def record_complaints(self, count: int = 1, *, region: str | None = None) -> None:
        """Count complaints now, as GetSendStatistics' ``Complaints`` reports them."""
        self._record("record_complaints", count, region, _COMPLAINTS)

    def _record(self, what: str, count: int, region: str | None, index: int) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{what}({count!r}): expected a whole number >= 0")
        name = self.region(region)
        if not count:
            return
        with self.lock:
            kept = self._kept[name]
            kept.period(self.clock.now())[index] += count
            kept.expire(self.clock.time())
            self.changed(name)

    # -- what leaves the ledger ----------------------------------------------------------
    def fold(self, sent: Iterable[SentMessage] = (), rejected: Iterable[RejectedSend] = ()) -> None:
        """Keep the counts of messages (and refusals) leaving the ledger: called with what
        a retention cut from it, before they are gone."""
        sent, rejected = list(sent), list(rejected)
        regions = {m.region for m in sent} | {r.region for r in rejected}
        for name in regions:
            gone = {m.message_id for m in sent if m.region == name}
            by_message: dict[str, list[SesEvent]] = {}
            # Their events still to come too (a delivery a second after the send): once
            # the message has left the ledger, nothing else would count them.
            coming = [e for e in self.events.pending_events() if e.region == name]
            for event in [*self.events.events(name), *coming]:
                if event.message_id in gone:
                    by_message.setdefault(event.message_id, []).append(event)
            folded = Traffic()
            for message in sent:
                if message.region == name:
                    found = happenings(message, by_message.get(message.message_id, ()))
                    folded.count_message(message, found)
            for item in rejected:
                if item.region == name:
                    folded.count_rejected(item)
            with self.lock:
                kept = self._kept[self.region(name)]
                kept.add(folded)
                kept.expire(self.clock.time())
                self.changed(name)

    # -- the state file ------------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return self._kept[region].export()

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._kept[region] = Traffic.restore(data)
