"""The teardown checks a test asks for: ``budget={...}`` and ``fail_on_dropped``."""

from __future__ import annotations

__all__ = ["BUDGET_FIGURES", "figure_text", "teardown_failures"]

from collections.abc import Callable

from ..account.account import Account
from ..account.options import BUDGET_KEYS
from .summary import Figures

#: Budget key -> the figure it limits.
BUDGET_FIGURES: dict[str, Callable[[Figures], float]] = {
    "dropped": lambda f: f.dropped,
    "requests": lambda f: f.requests,
    "throttled": lambda f: f.throttled_rate + f.throttled_daily,
    "virtual_seconds": lambda f: f.virtual_seconds,
    "bounce_rate": lambda f: f.bounce_rate,
    "complaint_rate": lambda f: f.complaint_rate,
}
assert set(BUDGET_FIGURES) == set(BUDGET_KEYS)


def figure_text(value: float) -> str:
    """``3``, ``12.5``, ``86403`` (never ``8.6403e+04``)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0")


def teardown_failures(account: Account) -> list[str]:
    """Why the test fails at teardown (one line each), or nothing."""
    options = account.options
    if not options.budget and not options.fail_on_dropped:
        return []
    figures = Figures.of(account)
    lines = []
    for key in BUDGET_KEYS:
        if key not in options.budget:
            continue
        value, limit = BUDGET_FIGURES[key](figures), options.budget[key]
        if value > limit:
            lines.append(f"SES budget exceeded: {key} {figure_text(value)} > {figure_text(limit)}")
    if options.fail_on_dropped and figures.dropped:
        count = f"{figures.dropped} message" + ("s" if figures.dropped != 1 else "")
        lines.append(
            f"SES dropped {count}: refused (throttled or a transient fault) and never "
            "accepted later in the test (fail_on_dropped); see 'dropped:' in the SES conversation"
        )
    return lines
