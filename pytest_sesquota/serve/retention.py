"""How much of the ledger a long-running server keeps: a number of items, and bytes.

A server that runs for days would otherwise keep every message in memory and in its
state file. With a retention of N, each of the ledger's lists (``sent``, ``throttled``,
``rejected``, ``faults``, ``requests``) keeps its newest N items; older ones leave it,
oldest first. A byte budget bounds what the kept items say (their bodies: raw MIME,
text, HTML, template data), since one message may be up to 40 MB: past it, the oldest
items leave whichever list they are in, until the rest fit (the newest item of each list
stays, whatever its size). The quotas never depend on it: the rolling 24 hours are
counted apart from the ledger, exactly. Items keep their numbers (1 for the first ever)
when older ones leave, so a reader that pages through the ledger with ``after=`` never
sees one twice.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_RETENTION",
    "DEFAULT_RETENTION_BYTES",
    "LISTS",
    "Retention",
    "body_size",
    "ledger_lists",
]

from collections.abc import Mapping
from typing import Any

from ..account.account import Account, part_of
from ..account.book import Ledger

#: The ledger's lists, in the order the state file and the control API name them.
LISTS = ("sent", "throttled", "rejected", "faults", "requests")
#: The lists whose items carry a message's bodies (a request points at those items).
_BODIES = ("sent", "throttled", "rejected", "faults")
#: ``sesquota serve``'s default: a day of a small staging stack, a few MB of memory.
DEFAULT_RETENTION = 10_000
#: ``sesquota serve``'s default byte budget: a few of SES's largest messages (40 MB).
DEFAULT_RETENTION_BYTES = 100 * 2**20
_MIB = 2**20


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, bytearray)):
        return len(value)
    if isinstance(value, Mapping):
        return sum(_size(k) + _size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_size(v) for v in value)
    return 0


def body_size(item: Any) -> int:
    """What an item of the ledger says, in bytes (characters of text): the bodies, raw
    MIME and template data of an accepted message, the content a refused one carried."""
    content = getattr(item, "content", None)
    if content is not None:
        return _size(content)
    return sum(
        _size(getattr(item, name, None)) for name in ("raw", "text", "html", "template_data")
    )


class Retention:
    """The newest ``keep`` items of each list (``None``: all), their bodies within
    ``max_bytes`` (``None``: any size), and how many left each list."""

    def __init__(self, keep: int | None = None, max_bytes: int | None = None) -> None:
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise ValueError(
                f"ledger_retention={keep!r}: expected a whole number >= 1, or -1 for all"
            )
        if max_bytes is not None and (
            isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1
        ):
            raise ValueError(
                f"ledger_retention_bytes={max_bytes!r}: expected a whole number >= 1, "
                "or -1 for any size"
            )
        self.keep = keep
        self.max_bytes = max_bytes
        #: Items that have left each list since the account started (or was reset).
        self.dropped = dict.fromkeys(LISTS, 0)

    @property
    def dropped(self) -> dict[str, int]:
        return self._dropped

    @dropped.setter
    def dropped(self, value: dict[str, int]) -> None:
        # Set anew (a reset, a state file loaded): the lists are others, sized afresh.
        self._dropped = value
        #: Each body list's item sizes, in order, from its first kept item on.
        self._sizes: dict[str, list[int]] = {name: [] for name in _BODIES}
        self._sized_from = dict(value)
        self._total = 0  # the sum of the sizes: kept, not summed at each request

    @property
    def bytes(self) -> int:
        """The size of the kept items' bodies, as of the last trim."""
        return self._total

    def trim(self, account: Account) -> dict[str, list[Any]]:
        """Drop what is past the retention; return what left, by list. Lists are cut in
        batches (an eighth of ``keep``, of ``max_bytes``), so that a cut is rare and
        cheap on average. A request's outcomes that left their lists leave it too (as a
        restart reads them back): they would keep their bodies in memory."""
        gone: dict[str, list[Any]] = {}
        lists = ledger_lists(account)
        if self.keep is not None:
            slack = max(self.keep // 8, 1)
            for name, items in lists.items():
                if len(items) > self.keep + slack:
                    self._cut(name, items, len(items) - self.keep, gone)
        if self.max_bytes is not None:
            self._trim_bytes(lists, gone)
        if gone:
            _release(account, gone)
        return gone

    def _trim_bytes(self, lists: dict[str, list[Any]], gone: dict[str, list[Any]]) -> None:
        for name in _BODIES:
            self._measure(name, lists[name])
        total = self.bytes
        if total <= self.max_bytes:  # type: ignore[operator]
            return
        # Down to seven eighths of the budget (or the newest items), oldest first.
        goal = self.max_bytes - self.max_bytes // 8  # type: ignore[operator]
        cuts = dict.fromkeys(_BODIES, 0)
        while total > goal:
            heads = [
                (lists[name][cuts[name]].time, name)
                for name in _BODIES
                if cuts[name] < len(lists[name]) - 1
            ]
            if not heads:
                break
            _time, name = min(heads)
            total -= self._sizes[name][cuts[name]]
            cuts[name] += 1
        for name, cut in cuts.items():
            if cut:
                self._cut(name, lists[name], cut, gone)

    def _measure(self, name: str, items: list[Any]) -> None:
        sizes = self._sizes[name]
        if self._sized_from[name] != self._dropped[name] or len(sizes) > len(items):
            self._total -= sum(sizes)
            sizes.clear()  # another list than the one sized (a state file read back)
            self._sized_from[name] = self._dropped[name]
        new = [body_size(item) for item in items[len(sizes) :]]
        sizes.extend(new)
        self._total += sum(new)

    def _cut(self, name: str, items: list[Any], cut: int, gone: dict[str, list[Any]]) -> None:
        gone.setdefault(name, []).extend(items[:cut])
        del items[:cut]
        if name in self._sizes and self._sized_from[name] == self._dropped[name]:
            self._total -= sum(self._sizes[name][:cut])
            del self._sizes[name][:cut]  # the sizes measured stay those of the items kept
            self._sized_from[name] += cut
        self._dropped[name] += cut

    def number(self, name: str, index: int) -> int:
        """The number of the item at ``index`` in its list (1 for the first ever)."""
        return self._dropped[name] + index + 1

    def reset(self) -> None:
        self.dropped = dict.fromkeys(LISTS, 0)


def _release(account: Account, gone: dict[str, list[Any]]) -> None:
    """Let go of what left the lists wherever else the account still holds it."""
    part_of(account, Ledger).forget([item for name in _BODIES for item in gone.get(name, ())])


def ledger_lists(account: Account) -> dict[str, list[Any]]:
    return {
        "sent": account.sent,
        "throttled": account.throttled,
        "rejected": account.rejected,
        "faults": account.faults,
        "requests": account.requests,
    }
