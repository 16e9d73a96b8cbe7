"""The session summary's per-test figures (``--ses-quota-summary``, JUnit properties)."""

from __future__ import annotations

__all__ = ["PROPERTY_PREFIX", "SUMMARY_COLUMNS", "Figures", "summary_lines"]

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from ..account.account import Account
from ..account.messages import RetryCounter
from .conversation import entries_outcomes
from .moments import offset

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
    #: Send attempts repeating a message refused (throttled or failed by a transient
    #: fault) and not accepted since (see :class:`RetryCounter`).
    retries: int = 0
    sleeps: int = 0
    virtual_seconds: float = 0.0
    #: Messages refused and never accepted later (``Account.dropped``).
    dropped: int = 0
    #: Send attempts failed by a seeded transient fault.
    faults: int = 0
    #: The account's bounce and complaint rates at the end of the test, over SES's
    #: window (``ses_account.reputation()``), the highest of its regions.
    bounce_rate: float = 0.0
    complaint_rate: float = 0.0

    @classmethod
    def of(cls, account: Account) -> Figures:
        retries = RetryCounter()
        retried = 0
        for item in entries_outcomes(account):
            retried += retries.see(item) > 0
        return cls(
            dropped=len(retries.dropped()),  # as account.dropped, from the same pass
            faults=len(account.faults),
            requests=len(account.requests),
            accepted=len(account.sent),
            accepted_recipients=sum(len(m.recipients) for m in account.sent),
            throttled_rate=sum(t.reason == "rate" for t in account.throttled),
            throttled_daily=sum(t.reason == "daily" for t in account.throttled),
            rejected=len(account.rejected),
            retries=retried,
            sleeps=len(account.clock.sleep_log),
            virtual_seconds=round(account.clock.elapsed(), 6),
            **_rates(account),
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
        # Counts add up; of rates, the total keeps the highest.
        values: dict[str, Any] = {
            f.name: (max if f.name in _RATES else _plus)(
                getattr(self, f.name), getattr(other, f.name)
            )
            for f in fields(self)
        }
        return Figures(**values)


_RATES = ("bounce_rate", "complaint_rate")


def _plus(a: float, b: float) -> float:
    return a + b


def _rates(account: Account) -> dict[str, float]:
    """The highest bounce and complaint rates of the account's regions, now."""
    found = [account.reputation(region) for region in account.regions()]
    return {
        "bounce_rate": round(max(r.bounce_rate for r in found), 6),
        "complaint_rate": round(max(r.complaint_rate for r in found), 6),
    }


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
    # SES's reputation, for the tests whose mail bounced or drew complaints.
    for test_id, f in per_test:
        if f.bounce_rate or f.complaint_rate:
            lines.append(
                f"reputation: bounce rate {f.bounce_rate:.2%}, complaint rate "
                f"{f.complaint_rate:.2%} at the end of {test_id}"
            )
    return lines
