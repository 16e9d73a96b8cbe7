"""What a test's fake SES account saw, told to people: the "SES conversation" of a
failure report, the per-test figures of the session summary, and the timeline the
quota picture draws. It reads an account's ledger and clock; it knows nothing of pytest.
"""

from __future__ import annotations

__all__ = [
    "MAX_ADDRESS",
    "SECTION",
    "SHOWN_ENTRIES",
    "SHOWN_RECIPIENTS",
    "WHOLE_UP_TO",
    "Entry",
    "ci_lines",
    "describe_outcome",
    "dropped_line",
    "entries",
    "entries_outcomes",
    "full_text",
    "number",
    "operation_name",
    "quota_lines",
    "section_text",
    "short_address",
    "short_recipients",
]

import email.utils
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..account.account import Account
from ..account.ledger import (
    FaultedSend,
    LedgerEntry,
    SentMessage,
    SesRequest,
    ThrottledSend,
)
from ..account.messages import DroppedMessage, Loss, RetryCounter
from ..clock.sesclock import Sleep
from .moments import offset
from .reputation import reputation_lines

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


def _few(addresses: Sequence[str]) -> str:
    """``a@x, b@x +8 more``."""
    more = len(addresses) - SHOWN_RECIPIENTS
    shown = ", ".join(short_address(a) for a in addresses[:SHOWN_RECIPIENTS])
    return shown + (f" +{more} more" if more > 0 else "")


def short_recipients(recipients: Sequence[str]) -> str:
    """``a@x, b@x +8 more (10 rcpt)``: the first two recipients and the count."""
    shown = ", ".join(short_address(r) for r in recipients[:SHOWN_RECIPIENTS])
    more = len(recipients) - SHOWN_RECIPIENTS
    if more > 0:
        shown += f" +{more} more"
    return f"{shown} ({len(recipients)} rcpt)"


def number(value: float) -> str:
    """A quota figure as SES users read it: ``200``, ``1.5``, ``-1`` (unlimited)."""
    return f"{value:g}"


def operation_name(api: str, operation: str) -> str:
    """``SendEmail`` for the v1 API; other APIs are named: ``sesv2:SendEmail``, ``smtp:DATA``."""
    return operation if api == "ses" else f"{api}:{operation}"


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
    if isinstance(outcome, FaultedSend):
        return "failed (transient)"
    return "rejected"


def describe_outcome(outcome: LedgerEntry, retry: int = 0) -> str:
    """``app@x → a@x (1 rcpt) accepted <id>``, ``... throttled (rate: 0.41 of 1 available,
    max 1/s)``, ``... rejected (MessageRejected: ...)``, ``... failed (ServiceUnavailable:
    transient fault)``."""
    text = f"{short_address(outcome.source)} → {short_recipients(outcome.recipients)} "
    if isinstance(outcome, SentMessage):
        text += f"accepted {outcome.message_id}"
        # Accepted but not (all) delivered: the suppression list, the mailbox simulator.
        fates = [
            f"{name} {_few(who)}"
            for name, who in (
                ("suppressed", outcome.suppressed),
                ("bounced", outcome.bounced),
                ("complained", outcome.complained),
            )
            if who
        ]
        if fates:
            text += f" ({'; '.join(fates)})"
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
    elif isinstance(outcome, FaultedSend):
        text += f"failed ({outcome.code}: transient fault)"
    else:
        text += f"rejected ({outcome.code}: {outcome.message})"
    if retry:
        text += f" [retry {retry}]"
    return text


def _answer(request: SesRequest) -> str:
    if request.ok:
        return "ok"
    if request.error_code == str(request.status):  # an SMTP reply: its code is its status
        return f"failed {request.status}: {request.error_message}"
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


def _orphans(account: Account, seen: set[int]) -> list[LedgerEntry]:
    """Ledger entries no request decided (``Account.send`` called directly)."""
    ledger: list[LedgerEntry] = [
        *account.sent,
        *account.throttled,
        *account.rejected,
        *account.faults,
    ]
    return [e for e in ledger if id(e) not in seen]


def entries_outcomes(account: Account) -> list[LedgerEntry]:
    """Every send attempt in the order the account decided them."""
    ordered: list[LedgerEntry] = [o for r in account.requests for o in r.outcomes]
    orphans = _orphans(account, {id(o) for o in ordered})
    if orphans:
        ordered = sorted([*ordered, *orphans], key=lambda o: o.time)
    return ordered


def entries(account: Account) -> list[Entry]:
    """The account's requests and ``time.sleep`` calls, in virtual-time order.

    Ledger entries made without a request (``Account.send`` called directly)
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
            if item.kind == "time.sleep":
                text = f"time.sleep({item.seconds:g})"
            else:  # an idle event loop, moved to its next timer
                text = f"{item.kind} idle {item.seconds:g}s (virtual)"
            result.append(Entry(seconds, [text], Counter({item.kind: 1})))
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


def quota_lines(account: Account) -> list[str]:
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
        "failed (transient)",
        "retry",
        "time.sleep",
        "event loop",
        "other request",
    ]
    plural = {"retry": "retries", "other request": "other requests", "event loop": "loop waits"}
    tally = ", ".join(
        f"{counts[k]} {plural.get(k, k) if counts[k] != 1 else k}" for k in order if counts[k]
    )
    return (
        f"… {len(items)} more requests and sleeps from {offset(items[0].seconds)} "
        f"to {offset(items[-1].seconds)}: {tally} …"
    )


def _refusal(refusal: Loss) -> str:
    if isinstance(refusal, ThrottledSend):
        return f"throttled ({refusal.reason})"
    if isinstance(refusal, SentMessage):
        return f"accepted, not delivered (rendering failure: {refusal.rendering_failure})"
    return f"failed ({refusal.code}: transient fault)"


def dropped_line(dropped: DroppedMessage, start: datetime) -> str:
    """``app@x → b@x (1 rcpt) "Hi": throttled (rate) at +0.400s, 2 attempts``."""
    subject = "" if dropped.subject is None else f' "{dropped.subject}"'
    attempts = f"{dropped.attempts} attempt" + ("s" if dropped.attempts != 1 else "")
    at = offset((dropped.refusal.time - start).total_seconds())
    return (
        f"{short_address(dropped.source)} → {short_recipients(dropped.recipients)}{subject}: "
        f"{_refusal(dropped.refusal)} at {at}, {attempts}"
    )


def ci_lines(account: Account) -> list[str]:
    """The dropped messages (when a check asks about them: ``fail_on_dropped`` or a
    ``dropped`` budget), and the seed of the transient faults to replay them."""
    lines: list[str] = []
    options = account.options
    dropped = account.dropped if options.fail_on_dropped or "dropped" in options.budget else []
    if dropped:
        count = f"{len(dropped)} message" + ("s" if len(dropped) != 1 else "")
        lines.append(f"dropped: {count} refused and never accepted later in the test")
        lines += [f"  {dropped_line(d, account.clock.start_time)}" for d in dropped]
    p = account.options.transient_failures
    if p > 0:
        lines.append(
            f"transient faults: {p:g} of send attempts, seed {account.seed} (replay: "
            f"@pytest.mark.ses_quota(transient_failures={p:g}, seed={account.seed}))"
        )
    return lines


def full_text(account: Account, test_id: str) -> str:
    """The whole conversation, as written to the file the failure report names."""
    items = entries(account)
    width = max((len(offset(e.seconds)) for e in items), default=0)
    lines = [
        f"SES conversation of {test_id}",
        f"virtual time +0.000s = {account.clock.start_time.isoformat()}",
        "",
        *(_render(items, width) or ["(no SES request and no time.sleep)"]),
        *ci_lines(account),
        *quota_lines(account),
        *reputation_lines(account),
    ]
    return "\n".join(lines) + "\n"


def section_text(
    account: Account,
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
    return "\n".join(
        [*lines, *ci_lines(account), *quota_lines(account), *reputation_lines(account), *path_line]
    )
