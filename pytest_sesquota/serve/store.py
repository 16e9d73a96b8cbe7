"""``sesquota serve --state FILE``: the account kept in SQLite across restarts.

What survives a restart: every part of the account (``account/part.py``: quotas and
send-rate bucket, identities, templates, account details, suppression list, what left the
ledger counted for the metrics, ... one row per part and region), the usage in the
rolling 24 hours (a row per slot), the ledger (as much as the retention keeps), and a
virtual clock's time.

Each request is saved before it is answered, in one transaction that writes only what
changed: the parts whose state moved in the regions the request touched (a send moves the
quotas, not the identities or templates: those are not even serialized), the usage slots
that moved, the new ledger entries. Its cost does not grow with the
usage, the regions, the resources or the ledger.
What the store counts as written moves only after a COMMIT succeeds; a failed save
raises :class:`SaveFailed`, and the caller puts the account back as the file has it.
WAL with ``synchronous=NORMAL``: a crash of the process (``kill -9``) loses nothing
committed; a power cut may lose the last moments.
"""

from __future__ import annotations

__all__ = ["FORMAT", "SaveFailed", "Store", "connect"]

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..account.account import Account, part_of, parts_of
from ..account.book import Ledger
from ..account.ledger import LedgerEntry
from ..account.part import Part
from ..account.quotas import Quotas
from ..clock.sesclock import DetachedClock
from .codec import (
    ENTRY_KINDS,
    dump_entry,
    dump_request,
    dumps,
    load_entry,
    load_request,
    loads,
)
from .retention import LISTS, Retention, ledger_lists
from .statefile import StateFileError, StateLock, private_file

#: The layout of the file; another one is refused, naming both.
FORMAT = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Each part's state in each region (Part.export), as JSON.
CREATE TABLE IF NOT EXISTS parts (
    part TEXT NOT NULL, region TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (part, region)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage (
    region TEXT NOT NULL, slot REAL NOT NULL, latest REAL NOT NULL, recipients REAL NOT NULL,
    PRIMARY KEY (region, slot)
) WITHOUT ROWID;
-- Every list of the ledger in one table, in the order written: each save appends to one
-- page. `number` is the item's number in its list (1 for the first ever).
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, number INTEGER NOT NULL, entry TEXT NOT NULL
);
"""
_TABLES = ("meta", "parts", "usage", "ledger")


class SaveFailed(Exception):
    """A save did not reach the file; nothing of it was written."""

    def __init__(self, path: Path, error: BaseException) -> None:
        self.message = (
            f"pytest-sesquota could not save the account to its state file {path} ({error}); "
            "nothing of this request was counted"
        )
        super().__init__(self.message)


def connect(path: str) -> sqlite3.Connection:
    # Transactions are begun and committed explicitly (isolation_level=None).
    return sqlite3.connect(path, check_same_thread=False, isolation_level=None)


class Store:
    """One account's state in one SQLite file, held by this process alone."""

    def __init__(
        self, path: Path | str, *, connect: Callable[[str], sqlite3.Connection] = connect
    ) -> None:
        self.path = Path(path)
        self._lock = StateLock(self.path).acquire()
        try:
            private_file(self.path)
            self._db = connect(str(self.path))
            try:
                # Exclusive before WAL: SQLite keeps the WAL's index in this process's
                # memory, not in a shared ``-shm`` file mapped into memory, whose pages
                # fault with SIGBUS (the server dead, its clients cut off) the moment
                # the file cannot be written (made immutable, on a failing disk). The
                # server holds the file alone anyway (StateLock).
                self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                # One write now, so that a file that cannot be written is refused at the
                # start, not at the first send: the PID of the server that opened it last.
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('opened', ?)",
                    (str(os.getpid()),),
                )
            except sqlite3.OperationalError as error:  # read-only, full, I/O error
                self._db.close()
                raise StateFileError(f"cannot write the state file {self.path}: {error}") from None
            except BaseException:
                self._db.close()
                raise
        except BaseException:
            self._lock.release()
            raise
        self._mutex = threading.Lock()
        #: The retention last given (a caller that gives none gets the whole ledger).
        self.retention = Retention()
        self._forget()

    def _forget(self) -> None:
        """What the file holds, as far as saving goes: moved only after a commit."""
        # Items of each ledger list written so far, counted from the first ever.
        self._saved: dict[str, int] = dict.fromkeys(LISTS, 0)
        self._dropped: dict[str, int] = dict.fromkeys(LISTS, 0)
        self._slots: dict[str, float] = {}  # region -> newest usage slot written
        self._first: dict[str, float | None] = {}  # region -> oldest usage slot kept
        # id() of each written ledger entry -> (kind, number): requests point at them. The
        # entries stay alive in the account's ledger (or in a request), so the ids stay theirs.
        self._numbers: dict[int, tuple[str, int]] = {}
        self._written_meta: dict[str, str] = {}  # key -> JSON text in the file
        # (part, region) -> its row's text in the file, and the part's version it is of
        self._written_parts: dict[tuple[str, str], str] = {}
        self._versions: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        with self._mutex:
            self._db.close()
            self._lock.release()

    def _meta(self) -> dict[str, Any]:
        return {k: loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    @property
    def empty(self) -> bool:
        return "saved" not in self._meta()

    # -- loading --------------------------------------------------------------------
    def load(self, account: Account, retention: Retention | None = None) -> bool:
        """Put the saved state into ``account``, just made or reset; False for an empty file."""
        retention = self.retention = retention or self.retention
        with self._mutex, _lock(account):
            self._forget()
            meta = self._meta()
            if "saved" not in meta:
                return False
            if meta.get("format") != FORMAT:
                raise StateFileError(
                    f"the state file {self.path} was written by another version of "
                    f"pytest-sesquota (format {meta.get('format', 1)}, this one reads "
                    f"{FORMAT}): move it away to start afresh"
                )
            self._written_meta = {k: json.dumps(v) for k, v in meta.items()}
            _load_clock(account, meta.get("clock"))
            self._load_regions(account)
            by_number: dict[tuple[str, int], LedgerEntry] = {}
            entries: dict[str, list[Any]] = {kind: [] for kind in LISTS}
            counts = dict.fromkeys(LISTS, 0)
            for kind, number, text in self._db.execute(
                "SELECT kind, number, entry FROM ledger ORDER BY seq"
            ):
                counts[kind] = number
                if kind == "requests":
                    entries[kind].append(load_request(text, by_number))
                    continue
                item = load_entry(kind, text)
                entries[kind].append(item)
                by_number[kind, number] = item
                self._numbers[id(item)] = (kind, number)
            for name, items in ledger_lists(account).items():
                items[:] = entries[name]
                self._saved[name] = counts[name]
                self._dropped[name] = counts[name] - len(items)
            retention.dropped = dict(self._dropped)
            # Message ids number the accepted messages: go on from the last one.
            part_of(account, Ledger).number_ids_after(counts["sent"])
            return True

    def _load_regions(self, account: Account) -> None:
        usage: dict[str, list[list[float]]] = {}
        for region, slot, latest, recipients in self._db.execute(
            "SELECT region, slot, latest, recipients FROM usage ORDER BY region, slot"
        ):
            usage.setdefault(region, []).append([slot, latest, recipients])
        saved: dict[str, dict[str, str]] = {}
        for key, region, text in self._db.execute("SELECT part, region, state FROM parts"):
            saved.setdefault(region, {})[key] = text
        quotas = part_of(account, Quotas)
        for region, texts in saved.items():
            quotas.region(region)  # set up from the options, then overwritten
            for part in _saved_parts(account):
                text = texts.get(part.key or "")
                if text is None:  # a part this file's writer did not have
                    continue
                part.restore(region, loads(text))
                self._written_parts[part.key or "", region] = text
                self._versions[part.key or "", region] = part.version(region)
            window = usage.get(region, [])
            quotas.restore_usage(region, window)
            self._slots[region] = window[-1][0] if window else -1.0
            self._first[region] = window[0][0] if window else None

    # -- saving ---------------------------------------------------------------------
    def save(
        self,
        account: Account,
        retention: Retention | None = None,
        regions: Iterable[str] | None = None,
    ) -> None:
        """Write what changed since the last save, in one transaction: the ``regions``
        named (every region when None), the new ledger items, the clock."""
        retention = self.retention = retention or self.retention
        with self._mutex, _lock(account):
            db = self._db
            saved = dict(self._saved)
            slots = dict(self._slots)
            first = dict(self._first)
            numbers: dict[int, tuple[str, int]] = {}
            written_parts = dict(self._written_parts)
            versions = dict(self._versions)
            written_meta = dict(self._written_meta)
            try:
                db.execute("BEGIN IMMEDIATE")
                names = account.regions() if regions is None else regions
                for region in names:
                    _save_region(
                        db,
                        account,
                        region,
                        full=regions is None,
                        slots=slots,
                        first=first,
                        written=written_parts,
                        versions=versions,
                    )
                self._save_ledger(account, retention, saved, numbers)
                meta: dict[str, Any] = {"saved": True, "format": FORMAT}
                if not account.clock.real:  # a real clock's time needs no keeping
                    meta["clock"] = account.clock.now().isoformat()
                changed = [
                    (key, text)
                    for key, value in meta.items()
                    if written_meta.get(key) != (text := json.dumps(value))
                ]
                db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", changed)
                written_meta.update(changed)
                self._lock.check_named()  # not into a file no server will read
                db.execute("COMMIT")
            except (sqlite3.Error, OSError) as error:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise SaveFailed(self.path, error) from error
            # Only now is it in the file.
            self._saved, self._slots, self._first = saved, slots, first
            self._written_parts, self._versions = written_parts, versions
            self._written_meta = written_meta
            self._numbers.update(numbers)
            if retention.dropped != self._dropped:
                # Forget what left the ledger (memory stays flat): only what is kept can
                # still be an outcome of a request not yet written.
                self._numbers = {
                    id(item): (kind, retention.number(kind, index))
                    for kind in ENTRY_KINDS
                    for index, item in enumerate(ledger_lists(account)[kind])
                }
            self._dropped = dict(retention.dropped)

    def _save_ledger(
        self,
        account: Account,
        retention: Retention,
        saved: dict[str, int],
        numbers: dict[int, tuple[str, int]],
    ) -> None:
        db = self._db
        dropped = retention.dropped
        rows: list[tuple[str, int, str]] = []
        for kind, items in ledger_lists(account).items():
            for index in range(max(saved[kind] - dropped[kind], 0), len(items)):
                number = dropped[kind] + index + 1
                if kind == "requests":
                    request = items[index]
                    refs = [
                        numbers.get(id(o)) or self._numbers.get(id(o)) for o in request.outcomes
                    ]
                    # None: it left the ledger already (a tiny retention)
                    rows.append((kind, number, dump_request(request, [r for r in refs if r])))
                else:
                    numbers[id(items[index])] = (kind, number)
                    rows.append((kind, number, dump_entry(items[index])))
            saved[kind] = dropped[kind] + len(items)
            if dropped[kind] != self._dropped[kind]:  # the retention cut the list
                db.execute(
                    "DELETE FROM ledger WHERE kind = ? AND number <= ?", (kind, dropped[kind])
                )
        db.executemany("INSERT INTO ledger (kind, number, entry) VALUES (?, ?, ?)", rows)

    def _ref(self, outcome: Any, numbers: dict[int, tuple[str, int]]) -> tuple[str, int] | None:
        return numbers.get(id(outcome)) or self._numbers.get(id(outcome))

    def clear(self) -> None:
        """Forget everything (the control API's reset)."""
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for table in _TABLES:
                    self._db.execute(f"DELETE FROM {table}")
                self._db.execute("COMMIT")
            except (sqlite3.Error, OSError) as error:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise SaveFailed(self.path, error) from error
            self._forget()


def _save_region(
    db: sqlite3.Connection,
    account: Account,
    region: str,
    *,
    full: bool,
    slots: dict[str, float],
    first: dict[str, float | None],
    written: dict[tuple[str, str], str],
    versions: dict[tuple[str, str], int],
) -> None:
    """Write a region's parts that changed and its new usage slots."""
    for part in _saved_parts(account):
        key = (part.key or "", region)
        version = part.version(region)
        if versions.get(key) == version:
            continue  # not changed since written: not even serialized
        text = dumps(part.export(region))
        if written.get(key) != text:  # unchanged rows are not written again
            db.execute(
                "INSERT OR REPLACE INTO parts (part, region, state) VALUES (?, ?, ?)",
                (*key, text),
            )
            written[key] = text
        versions[key] = version
    oldest, new = part_of(account, Quotas).usage_since(region, slots.get(region, -1.0))
    if full or oldest != first.get(region, -1.0):
        # Slots that left the rolling 24 hours (all of them when the usage was reset).
        db.execute(
            "DELETE FROM usage WHERE region = ? AND slot < ?",
            (region, float("inf") if oldest is None else oldest),
        )
        first[region] = oldest
    db.executemany(
        "INSERT OR REPLACE INTO usage (region, slot, latest, recipients) VALUES (?, ?, ?, ?)",
        [(region, *slot) for slot in new],
    )
    if new:
        slots[region] = new[-1][0]
    elif oldest is None:
        slots[region] = -1.0


def _load_clock(account: Account, saved: str | None) -> None:
    clock = account.clock
    if isinstance(clock, DetachedClock) and not clock.real and saved is not None:
        gap = datetime.fromisoformat(saved) - clock.now()
        if gap > timedelta():
            clock.advance(gap)


def _saved_parts(account: Account) -> list[Part]:
    """The parts saved a row per region (the others have tables of their own)."""
    return [part for part in parts_of(account) if part.key is not None]


def _lock(account: Account) -> Any:
    """The account's lock (every part holds it): the state stands still while saved."""
    return part_of(account, Ledger).lock
