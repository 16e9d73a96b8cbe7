"""What a test's fake SES account saw, told to people: the "SES conversation" of a
failure report, the per-test figures of the session summary, and the timeline the
quota picture draws. It reads an account's ledger and clock; it knows nothing of pytest.
"""

from __future__ import annotations

import email.utils
import hashlib
import math
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

from ._account import (
    LedgerEntry,
    SentMessage,
    SesAccount,
    SesRequest,
    ThrottledSend,
)
from ._clock import Sleep
from ._engine import DAY, SLOT

#: Conversations up to this many entries (requests and sleeps) are shown whole;
#: longer ones show the first and last ``SHOWN_ENTRIES`` and count the rest.
WHOLE_UP_TO = 40
SHOWN_ENTRIES = 15
#: Addresses longer than this are cut in the middle.
MAX_ADDRESS = 40
#: Recipients named on a line; the others are counted (``+3 more``).
SHOWN_RECIPIENTS = 2
SECTION = "SES conversation"


# -- abbreviations -----------------------------------------------------------------
def short_address(text: str) -> str:
    """``"App" <app@example.com>`` -> ``app@example.com``; cut in the middle past 40 characters."""
    bare = email.utils.parseaddr(text)[1] or text.strip()
    if len(bare) > MAX_ADDRESS:
        keep = MAX_ADDRESS - 1
        bare = bare[: keep - keep // 2] + "…" + bare[-(keep // 2) :]
    return bare


def short_recipients(recipients: Sequence[str]) -> str:
    """``a@x, b@x +8 more (10 rcpt)``: the first two recipients and the count."""
    shown = ", ".join(short_address(r) for r in recipients[:SHOWN_RECIPIENTS])
    more = len(recipients) - SHOWN_RECIPIENTS
    if more > 0:
        shown += f" +{more} more"
    return f"{shown} ({len(recipients)} rcpt)"


def offset(seconds: float) -> str:
    """Virtual time since the test started: ``+0.412s``, ``+2m03.000s``, ``+1d02h00m00.000s``."""
    ms = max(0, round(seconds * 1000))
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    if d:
        return f"+{d}d{h:02d}h{m:02d}m{s:02d}.{ms:03d}s"
    if h:
        return f"+{h}h{m:02d}m{s:02d}.{ms:03d}s"
    if m:
        return f"+{m}m{s:02d}.{ms:03d}s"
    return f"+{s}.{ms:03d}s"


def number(value: float) -> str:
    """A quota figure as SES users read it: ``200``, ``1.5``, ``-1`` (unlimited)."""
    return f"{value:g}"


def operation_name(api: str, operation: str) -> str:
    """``SendEmail`` for the v1 API; other APIs are named: ``sesv2:SendEmail``, ``smtp:DATA``."""
    return operation if api == "ses" else f"{api}:{operation}"


# -- retries -----------------------------------------------------------------------
class RetryCounter:
    """A send attempt is a *retry* when the previous attempt of the same operation,
    region, source and recipients was throttled. ``see`` returns how many throttled
    attempts came right before this one (0: not a retry)."""

    def __init__(self) -> None:
        self._streaks: dict[tuple[str, str, str, tuple[str, ...]], int] = {}

    def see(self, outcome: LedgerEntry) -> int:
        key = (outcome.region, outcome.operation, outcome.source, outcome.recipients)
        streak = self._streaks.get(key, 0)
        if isinstance(outcome, ThrottledSend):
            self._streaks[key] = streak + 1
        else:
            self._streaks.pop(key, None)
        return streak


# -- the conversation --------------------------------------------------------------
@dataclass
class Entry:
    """One request (its lines: one, or a heading and one per message) or one sleep."""

    seconds: float
    lines: list[str]
    #: What it counts for the summary of hidden entries ("accepted", "sleep", ...).
    counts: Counter[str] = field(default_factory=Counter)


def _kind(outcome: LedgerEntry) -> str:
    if isinstance(outcome, SentMessage):
        return "accepted"
    if isinstance(outcome, ThrottledSend):
        return f"throttled ({outcome.reason})"
    return "rejected"


def describe_outcome(outcome: LedgerEntry, retry: int = 0) -> str:
    """``app@x → a@x (1 rcpt) accepted <id>``, ``... throttled (rate: 0.41 of 1 available,
    max 1/s)``, ``... rejected (MessageRejected: ...)``."""
    text = f"{short_address(outcome.source)} → {short_recipients(outcome.recipients)} "
    if isinstance(outcome, SentMessage):
        text += f"accepted {outcome.message_id}"
    elif isinstance(outcome, ThrottledSend):
        if outcome.reason == "rate":
            # Rounded down: an allowance of 0.998 is not "1.00 of 1".
            available = math.floor(outcome.available * 100) / 100
            text += (
                f"throttled (rate: {available:.2f} of 1 available, "
                f"max {number(outcome.max_send_rate)}/s)"
            )
        else:
            text += (
                f"throttled (daily: {outcome.sent_last_24_hours} of "
                f"{number(outcome.max_24_hour_send)} sent in the last 24 h)"
            )
    else:
        text += f"rejected ({outcome.code}: {outcome.message})"
    if retry:
        text += f" [retry {retry}]"
    return text


def _answer(request: SesRequest) -> str:
    if request.ok:
        return "ok"
    return f"failed {request.status} {request.error_code}: {request.error_message}"


def _request_entry(seconds: float, request: SesRequest, retries: RetryCounter) -> Entry:
    head = f"{request.region} {operation_name(request.api, request.operation)}"
    outcomes = request.outcomes
    counts: Counter[str] = Counter(_kind(o) for o in outcomes)
    if not outcomes:
        counts["other request"] += 1
        return Entry(seconds, [f"{head} {_answer(request)}"], counts)
    described: list[str] = []
    for outcome in outcomes:
        retry = retries.see(outcome)
        counts["retry"] += retry > 0
        described.append(describe_outcome(outcome, retry))
    if len(outcomes) == 1:
        return Entry(seconds, [f"{head} {described[0]}"], counts)
    tally = ", ".join(f"{n} {kind}" for kind, n in counts.items() if kind != "retry")
    lines = [f"{head} {len(outcomes)} messages: {tally}"]
    lines += [f"    {line}" for line in described]
    return Entry(seconds, lines, counts)


def entries(account: SesAccount) -> list[Entry]:
    """The account's requests and ``time.sleep`` calls, in virtual-time order.

    Ledger entries made without a request (``SesAccount.send`` called directly)
    appear as requests of their own. At equal times requests come before sleeps:
    an answer is what a client sleeps on.
    """
    start = account.clock.start_time
    requests = list(account.requests)
    orphans = _orphans(account, {id(o) for r in requests for o in r.outcomes})
    timed: list[tuple[datetime, int, SesRequest | LedgerEntry | Sleep]] = [
        (r.time, 0, r) for r in requests
    ]
    timed += [(e.time, 0, e) for e in orphans]
    timed += [(s.at, 1, s) for s in account.clock.sleep_log]
    timed.sort(key=lambda t: (t[0], t[1]))  # stable: the ledger's order within a time
    retries = RetryCounter()
    result: list[Entry] = []
    for at, _, item in timed:
        seconds = (at - start).total_seconds()
        if isinstance(item, Sleep):
            result.append(
                Entry(seconds, [f"time.sleep({item.seconds:g})"], Counter({"time.sleep": 1}))
            )
        elif isinstance(item, SesRequest):
            result.append(_request_entry(seconds, item, retries))
        else:
            api = "smtp" if item.transport == "smtp" else "ses"
            result.append(
                _request_entry(
                    seconds,
                    SesRequest(at, item.region, api, item.operation, 0, outcomes=(item,)),
                    retries,
                )
            )
    return result


def quota_lines(account: SesAccount) -> list[str]:
    """GetSendQuota's three numbers for every region the account was used in, now."""
    regions = account.regions()
    width = max(len(r) for r in regions)
    lines = [f"quota at {offset(account.clock.elapsed())} (GetSendQuota):"]
    for region in regions:
        max_24, rate, sent = account.quota(region)
        lines.append(
            f"  {region:<{width}}  Max24HourSend {number(max_24)}, MaxSendRate {number(rate)}, "
            f"SentLast24Hours {number(sent)}"
        )
    return lines


def _render(items: Iterable[Entry], width: int) -> list[str]:
    lines: list[str] = []
    for entry in items:
        first, *rest = entry.lines
        lines.append(f"{offset(entry.seconds):>{width}} {first}")
        lines += [f"{'':>{width}} {line}" for line in rest]
    return lines


def _hidden(items: Sequence[Entry]) -> str:
    counts: Counter[str] = Counter()
    for entry in items:
        counts.update(entry.counts)
    order = [
        "accepted",
        "throttled (rate)",
        "throttled (daily)",
        "rejected",
        "retry",
        "time.sleep",
        "other request",
    ]
    plural = {"retry": "retries", "other request": "other requests"}
    tally = ", ".join(
        f"{counts[k]} {plural.get(k, k) if counts[k] != 1 else k}" for k in order if counts[k]
    )
    return (
        f"… {len(items)} more requests and sleeps from {offset(items[0].seconds)} "
        f"to {offset(items[-1].seconds)}: {tally} …"
    )


def full_text(account: SesAccount, test_id: str) -> str:
    """The whole conversation, as written to the file the failure report names."""
    items = entries(account)
    width = max((len(offset(e.seconds)) for e in items), default=0)
    lines = [
        f"SES conversation of {test_id}",
        f"virtual time +0.000s = {account.clock.start_time.isoformat()}",
        "",
        *(_render(items, width) or ["(no SES request and no time.sleep)"]),
        *quota_lines(account),
    ]
    return "\n".join(lines) + "\n"


def section_text(
    account: SesAccount,
    test_id: str,
    write_full: Callable[[str], Path | None] | None = None,
    *,
    always_write: bool = False,
) -> str:
    """The failure report's "SES conversation": whole when short, else the first and
    last entries with counts in between. ``write_full`` stores the whole text and
    returns its path (``None``: nowhere to write it, so everything is shown here)."""
    items = entries(account)
    width = max((len(offset(e.seconds)) for e in items), default=0)
    path_line: list[str] = []
    shown = items
    hidden: list[Entry] = []
    if write_full is not None and (always_write or len(items) > WHOLE_UP_TO):
        try:
            path = write_full(full_text(account, test_id))
        except OSError as error:
            path_line = [f"(could not write the full conversation: {error})"]
        else:
            if path is not None:
                path_line = [f"full conversation ({len(items)} entries): {path}"]
                if len(items) > WHOLE_UP_TO:
                    shown = items[:SHOWN_ENTRIES]
                    hidden = items[SHOWN_ENTRIES:-SHOWN_ENTRIES]
    lines = _render(shown, width)
    if hidden:
        lines = [*lines, _hidden(hidden), *_render(items[-SHOWN_ENTRIES:], width)]
    if not items:
        lines = ["(no SES request and no time.sleep)"]
    return "\n".join([*lines, *quota_lines(account), *path_line])


# -- the session summary's figures -------------------------------------------------
PROPERTY_PREFIX = "ses_"


@dataclass(frozen=True)
class Figures:
    """One test's sending, counted in messages (a bulk send counts each destination)."""

    requests: int = 0
    accepted: int = 0
    #: Recipients of the accepted messages (what the quotas count).
    accepted_recipients: int = 0
    throttled_rate: int = 0
    throttled_daily: int = 0
    rejected: int = 0
    #: Send attempts repeating one just throttled (see :class:`RetryCounter`).
    retries: int = 0
    sleeps: int = 0
    virtual_seconds: float = 0.0

    @classmethod
    def of(cls, account: SesAccount) -> Figures:
        retries = RetryCounter()
        retried = 0
        for item in entries_outcomes(account):
            retried += retries.see(item) > 0
        return cls(
            requests=len(account.requests),
            accepted=len(account.sent),
            accepted_recipients=sum(len(m.recipients) for m in account.sent),
            throttled_rate=sum(t.reason == "rate" for t in account.throttled),
            throttled_daily=sum(t.reason == "daily" for t in account.throttled),
            rejected=len(account.rejected),
            retries=retried,
            sleeps=len(account.clock.sleep_log),
            virtual_seconds=round(account.clock.elapsed(), 6),
        )

    def properties(self) -> list[tuple[str, int | float]]:
        """As test properties (JUnit XML): ``ses_accepted``, ``ses_throttled_rate``, ..."""
        return [(PROPERTY_PREFIX + f.name, getattr(self, f.name)) for f in fields(self)]

    @classmethod
    def from_properties(cls, properties: Iterable[tuple[str, object]]) -> Figures | None:
        """The figures back from a report's ``user_properties`` (``None``: the test did
        not use the fake). Reports cross process boundaries under pytest-xdist."""
        names = {f.name: f.type for f in fields(cls)}
        values: dict[str, int | float] = {}
        for key, value in properties:
            name = key[len(PROPERTY_PREFIX) :] if key.startswith(PROPERTY_PREFIX) else ""
            if name in names and isinstance(value, (int, float)):
                values[name] = value
        return cls(**values) if values else None  # type: ignore[arg-type]

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def _orphans(account: SesAccount, seen: set[int]) -> list[LedgerEntry]:
    """Ledger entries no request decided (``SesAccount.send`` called directly)."""
    ledger: list[LedgerEntry] = [*account.sent, *account.throttled, *account.rejected]
    return [e for e in ledger if id(e) not in seen]


def entries_outcomes(account: SesAccount) -> list[LedgerEntry]:
    """Every send attempt in the order the account decided them."""
    ordered: list[LedgerEntry] = [o for r in account.requests for o in r.outcomes]
    orphans = _orphans(account, {id(o) for o in ordered})
    if orphans:
        ordered = sorted([*ordered, *orphans], key=lambda o: o.time)
    return ordered


SUMMARY_COLUMNS = (
    ("accepted", "accepted"),
    ("throttled_rate", "throttled:rate"),
    ("throttled_daily", "throttled:daily"),
    ("rejected", "rejected"),
    ("retries", "retries"),
)


def summary_lines(per_test: Sequence[tuple[str, Figures]]) -> list[str]:
    """The terminal summary: one row per test using the fake, then the totals."""
    if not per_test:
        return ["no test used the fake SES account"]
    total = sum((f for _, f in per_test), Figures())
    tests = f"{len(per_test)} test" + ("s" if len(per_test) != 1 else "")
    rows = [*per_test, (f"total ({tests})", total)]
    header = [title for _, title in SUMMARY_COLUMNS] + ["virtual time"]
    cells = [
        [str(getattr(f, name)) for name, _ in SUMMARY_COLUMNS] + [offset(f.virtual_seconds)[1:]]
        for _, f in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)) + "  test"]
    for (test_id, _), row in zip(rows, cells, strict=True):
        cells_text = "  ".join(f"{c:>{w}}" for c, w in zip(row, widths, strict=True))
        lines.append(f"{cells_text}  {test_id}")
    return lines


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


def timeline(account: SesAccount, test_id: str = "") -> Timeline:
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
        for change in account._quota_log:
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


# -- where the reports go ----------------------------------------------------------
PLOT_PROPERTY = PROPERTY_PREFIX + "plot"
PROBLEM_PROPERTY = PROPERTY_PREFIX + "report_problem"


def file_name(test_id: str, suffix: str) -> str:
    """A file name for a test id: ``tests/test_x.py::test_a[1]`` ->
    ``tests_test_x.py__test_a_1`` + suffix; long ids are cut and given a hash."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", test_id.replace("::", "__")).strip("_.") or "test"
    if len(name) > 120:
        name = f"{name[:100]}-{hashlib.sha1(test_id.encode()).hexdigest()[:10]}"
    return name + suffix


def own_property(name: object) -> bool:
    """Whether a report property is one of pytest-sesquota's (replaced on a rerun)."""
    own = {PLOT_PROPERTY, PROBLEM_PROPERTY, *(PROPERTY_PREFIX + f.name for f in fields(Figures))}
    return name in own


@dataclass
class Reporting:
    """What a session reports about the tests that used the fake, and where to."""

    summary: bool = False
    #: ``--ses-quota-plot=DIR``: one PNG per test.
    plot_dir: Path | None = None
    #: Where full conversations go: ``--ses-quota-conversation-dir``, else a
    #: function giving pytest's cache directory (``None`` without the cache plugin).
    conversation_dir: Path | None = None
    cache_dir: Callable[[], Path | None] = lambda: None
    #: Figures of each test seen (from its reports' properties), for the summary.
    per_test: dict[str, Figures] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def section(self, account: SesAccount, test_id: str, when: str) -> str:
        """The failure report's section for the phase ``when`` that failed."""
        explicit = self.conversation_dir is not None

        def write_full(text: str) -> Path | None:
            directory = self.conversation_dir or self.cache_dir()
            if directory is None:
                return None
            suffix = ".txt" if when == "call" else f"-{when}.txt"
            path = directory / file_name(test_id, suffix)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path

        try:
            return section_text(account, test_id, write_full, always_write=explicit)
        except Exception as error:  # never break pytest's report over ours
            return f"pytest-sesquota could not tell the conversation: {error!r}"

    def teardown_properties(self, account: SesAccount, test_id: str) -> list[tuple[str, object]]:
        """The test's figures (and picture) as properties of its reports."""
        properties: list[tuple[str, object]] = []
        try:
            properties += Figures.of(account).properties()
        except Exception as error:
            properties.append((PROBLEM_PROPERTY, f"figures of {test_id}: {error!r}"))
        if self.plot_dir is not None:
            from ._plot import write_png

            try:
                path = write_png(account, self.plot_dir / file_name(test_id, ".png"), test_id)
            except Exception as error:
                properties.append((PROBLEM_PROPERTY, f"picture of {test_id}: {error!r}"))
            else:
                properties.append((PLOT_PROPERTY, str(path)))
        return properties

    def collect(self, test_id: str, properties: Iterable[tuple[str, object]]) -> None:
        """Take a teardown report's properties (this process's or an xdist worker's)."""
        properties = list(properties)
        figures = Figures.from_properties(properties)
        if figures is not None:
            self.per_test[test_id] = figures
        self.problems += [str(v) for k, v in properties if k == PROBLEM_PROPERTY]
