"""``sesquota serve --state FILE``: the account kept in SQLite across restarts.

What survives a restart: every region's quotas, usage in the rolling 24 hours and
send-rate bucket, identities, templates, account details and statistics; the whole
ledger; and a virtual clock's time. Saved after every request the server answers
(usage slots and the ledger incrementally), in one transaction each.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..account.account import Account
from ..account.ledger import (
    FaultedSend,
    Identity,
    LedgerEntry,
    ProductionAccessReview,
    RejectedSend,
    SentMessage,
    SesRequest,
    Template,
    ThrottledSend,
)
from ..account.state import RegionState
from ..quota.clock import DetachedClock
from ..quota.engine import export_region, import_region

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS regions (region TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage (
    region TEXT NOT NULL, slot REAL NOT NULL, latest REAL NOT NULL, recipients REAL NOT NULL,
    PRIMARY KEY (region, slot)
);
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, entry TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL);
"""
_KINDS: dict[str, type[Any]] = {
    "sent": SentMessage,
    "throttled": ThrottledSend,
    "rejected": RejectedSend,
    "faults": FaultedSend,
}
_TUPLES = {"recipients", "to", "cc", "bcc", "suppressed", "bounced", "complained"}


# -- plain data ----------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$time"}:
            return datetime.fromisoformat(value["$time"])
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return value


def _entry(kind: str, data: dict[str, Any]) -> LedgerEntry:
    fields = {k: tuple(v) if k in _TUPLES else v for k, v in _typed(data).items()}
    entry: LedgerEntry = _KINDS[kind](**fields)
    return entry


def _region_state(state: RegionState) -> dict[str, Any]:
    return {
        "production": state.production,
        "sending_enabled": state.sending_enabled,
        "check_identities": state.check_identities,
        "identities": [dataclasses.asdict(i) for i in state.identities.values()],
        "templates": [_plain(dataclasses.asdict(t)) for t in state.templates.values()],
        "details": state.details,
        "review": None if state.review is None else _plain(dataclasses.asdict(state.review)),
        "enforcement_status": state.enforcement_status,
        "stats": [[period, *row] for period, row in state.stats.items()],
        "suppressed": [_plain(dataclasses.asdict(e)) for e in state.suppression.entries()],
    }


def _restore_region(data: dict[str, Any]) -> RegionState:
    state = RegionState(
        production=data["production"],
        sending_enabled=data["sending_enabled"],
        check_identities=data["check_identities"],
        details=data["details"],
        enforcement_status=data["enforcement_status"],
    )
    for item in data["identities"]:
        state.identities[item["name"].lower()] = Identity(**item)
    for item in data["templates"]:
        template = Template(**_typed(item))
        state.templates[template.name] = template
    if data["review"] is not None:
        state.review = ProductionAccessReview(**_typed(data["review"]))
    state.stats = {float(row[0]): [int(n) for n in row[1:]] for row in data["stats"]}
    for item in data.get("suppressed", []):  # absent from older state files
        entry = _typed(item)
        state.suppression.put(entry["email_address"], entry["reason"], entry["last_update_time"])
    return state


class Store:
    """One account's state in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._saved: dict[str, int] = {}  # ledger list -> entries already saved
        self._slots: dict[str, float] = {}  # region -> last usage slot saved
        # id() of each saved ledger entry -> (its list, its index): requests point at them.
        # The entries stay alive in the account's ledger, so the ids stay theirs.
        self._positions: dict[int, tuple[str, int]] = {}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _meta(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    @property
    def empty(self) -> bool:
        return self._meta("saved") is None

    # -- loading --------------------------------------------------------------------
    def load(self, account: Account) -> None:
        """Put the saved state into a fresh ``account`` (a no-op for an empty file)."""
        with self._lock, account._lock:
            if self.empty:
                return
            clock = account.clock
            saved_now = self._meta("clock")
            if isinstance(clock, DetachedClock) and not clock.real and saved_now is not None:
                gap = datetime.fromisoformat(saved_now) - clock.now()
                if gap > timedelta():
                    clock.advance(gap)
            usage: dict[str, list[list[float]]] = {}
            for region, slot, latest, recipients in self._db.execute(
                "SELECT region, slot, latest, recipients FROM usage ORDER BY region, slot"
            ):
                usage.setdefault(region, []).append([slot, latest, recipients])
            for region, text in self._db.execute("SELECT region, state FROM regions"):
                data = json.loads(text)
                quota = import_region({**data["quota"], "window": usage.get(region, [])})
                account._engine.restore(region, quota)
                account._regions[region] = _restore_region(data["account"])
                self._slots[region] = max((s[0] for s in usage.get(region, [])), default=-1.0)
            entries: dict[str, list[LedgerEntry]] = {kind: [] for kind in _KINDS}
            for kind, text in self._db.execute("SELECT kind, entry FROM ledger ORDER BY seq"):
                item = _entry(kind, json.loads(text))
                self._positions[id(item)] = (kind, len(entries[kind]))
                entries[kind].append(item)
            account.sent[:] = [e for e in entries["sent"] if isinstance(e, SentMessage)]
            account.throttled[:] = [e for e in entries["throttled"] if isinstance(e, ThrottledSend)]
            account.rejected[:] = [e for e in entries["rejected"] if isinstance(e, RejectedSend)]
            account.faults[:] = [e for e in entries["faults"] if isinstance(e, FaultedSend)]
            account.requests[:] = [
                self._request(json.loads(text), entries)
                for (text,) in self._db.execute("SELECT entry FROM requests ORDER BY seq")
            ]
            # Message ids number the accepted messages: go on from the last one.
            account._ids = itertools.count(len(account.sent) + 1)
            for kind in _KINDS:
                self._saved[kind] = len(entries[kind])
            self._saved["requests"] = len(account.requests)

    @staticmethod
    def _request(data: dict[str, Any], entries: dict[str, list[LedgerEntry]]) -> SesRequest:
        outcomes = tuple(entries[kind][index] for kind, index in data.pop("outcomes"))
        return SesRequest(**_typed(data), outcomes=outcomes)

    # -- saving ---------------------------------------------------------------------
    def save(self, account: Account) -> None:
        """Write what changed since the last save, in one transaction."""
        with self._lock, account._lock, self._db:
            db = self._db
            for region in account._engine.regions:
                quota = export_region(account._engine.region(region))
                window = quota.pop("window")
                db.execute(
                    "INSERT OR REPLACE INTO regions (region, state) VALUES (?, ?)",
                    (
                        region,
                        json.dumps(
                            {"quota": quota, "account": _region_state(account._state(region))}
                        ),
                    ),
                )
                first = window[0][0] if window else float("inf")
                db.execute("DELETE FROM usage WHERE region = ? AND slot < ?", (region, first))
                since = self._slots.get(region, -1.0)
                db.executemany(
                    "INSERT OR REPLACE INTO usage (region, slot, latest, recipients) "
                    "VALUES (?, ?, ?, ?)",
                    [(region, *slot) for slot in window if slot[0] >= since],
                )
                if window:
                    self._slots[region] = window[-1][0]
            ledgers: list[tuple[str, list[Any]]] = [
                ("sent", account.sent),
                ("throttled", account.throttled),
                ("rejected", account.rejected),
                ("faults", account.faults),
            ]
            for kind, ledger in ledgers:
                done = self._saved.get(kind, 0)
                for index in range(done, len(ledger)):
                    self._positions[id(ledger[index])] = (kind, index)
                db.executemany(
                    "INSERT INTO ledger (kind, entry) VALUES (?, ?)",
                    [(kind, json.dumps(_plain(dataclasses.asdict(e)))) for e in ledger[done:]],
                )
                self._saved[kind] = len(ledger)
            done = self._saved.get("requests", 0)
            db.executemany(
                "INSERT INTO requests (entry) VALUES (?)",
                [(json.dumps(self._plain_request(r)),) for r in account.requests[done:]],
            )
            self._saved["requests"] = len(account.requests)
            meta = {"saved": True, "clock": account.clock.now().isoformat()}
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in meta.items()],
            )

    def _plain_request(self, request: SesRequest) -> Any:
        data = {f.name: getattr(request, f.name) for f in dataclasses.fields(request)}
        data["outcomes"] = [self._positions[id(o)] for o in request.outcomes]
        return _plain(data)

    def clear(self) -> None:
        """Forget everything (the control API's reset)."""
        with self._lock, self._db:
            for table in ("meta", "regions", "usage", "ledger", "requests"):
                self._db.execute(f"DELETE FROM {table}")
            self._saved.clear()
            self._slots.clear()
            self._positions.clear()
