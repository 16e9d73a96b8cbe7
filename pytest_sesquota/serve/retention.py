"""How much of the ledger a long-running server keeps.

A server that runs for days would otherwise keep every message in memory and in its
state file. With a retention of N, each of the ledger's lists (``sent``, ``throttled``,
``rejected``, ``requests``) keeps its newest N items; older ones leave it, oldest first.
The quotas never depend on it: the rolling 24 hours are counted apart from the ledger,
exactly. Items keep their numbers (1 for the first ever) when older ones leave, so a
reader that pages through the ledger with ``after=`` never sees one twice.
"""

from __future__ import annotations

__all__ = ["DEFAULT_RETENTION", "LISTS", "Retention", "ledger_lists"]

from typing import Any

from ..account.account import Account

#: The ledger's lists, in the order the state file and the control API name them.
LISTS = ("sent", "throttled", "rejected", "faults", "requests")
#: ``sesquota serve``'s default: a day of a small staging stack, a few MB of memory.
DEFAULT_RETENTION = 10_000


def ledger_lists(account: Account) -> dict[str, list[Any]]:
    return {
        "sent": account.sent,
        "throttled": account.throttled,
        "rejected": account.rejected,
        "faults": account.faults,
        "requests": account.requests,
    }


class Retention:
    """The newest ``keep`` items of each list (``None``: all), and how many left each."""

    def __init__(self, keep: int | None = None) -> None:
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise ValueError(
                f"ledger_retention={keep!r}: expected a whole number >= 1, or -1 for all"
            )
        self.keep = keep
        #: Items that have left each list since the account started (or was reset).
        self.dropped: dict[str, int] = dict.fromkeys(LISTS, 0)

    def trim(self, account: Account) -> dict[str, list[Any]]:
        """Drop what is past the retention; return what left, by list. Lists are cut in
        batches (an eighth of ``keep``), so that a cut is rare and cheap on average."""
        gone: dict[str, list[Any]] = {}
        keep = self.keep
        if keep is None:
            return gone
        slack = max(keep // 8, 1)
        for name, items in ledger_lists(account).items():
            if len(items) > keep + slack:
                cut = len(items) - keep
                gone[name] = items[:cut]
                del items[:cut]
                self.dropped[name] += cut
        return gone

    def number(self, name: str, index: int) -> int:
        """The number of the item at ``index`` in its list (1 for the first ever)."""
        return self.dropped[name] + index + 1

    def reset(self) -> None:
        self.dropped = dict.fromkeys(LISTS, 0)
