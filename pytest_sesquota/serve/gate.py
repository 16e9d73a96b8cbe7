"""One request at a time through a served account, each saved before it is answered.

Every request that reaches the account through the server (SES's HTTP APIs, SMTP, the
control API) runs inside :meth:`Gate.request`: requests and a reset never interleave,
the ledger is cut to its retention, and with a state file the request's changes are
committed before the reply leaves. A save that fails puts the account back as the file
has it (nothing of the request counted) and raises :class:`SaveFailed`; the front door
answers with SES's server error, and the client's retry finds the account as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from ..account.account import Account, part_of
from ..account.events import Events
from ..account.metrics import Metrics
from .retention import Retention
from .store import SaveFailed, Store

__all__ = ["Gate", "SaveFailed"]


class Gate:
    def __init__(
        self, account: Account, *, store: Store | None = None, retention: Retention | None = None
    ) -> None:
        self.account = account
        self.store = store
        self.retention = retention or Retention()
        # Re-entrant: a control request may save inside its own turn (reset).
        self._lock = threading.RLock()
        # The account in memory may be ahead of the file (a save and the put-back failed).
        self._behind = False

    @contextmanager
    def request(self, regions: Iterable[str] | None = None) -> Iterator[None]:
        """Hold the account for one request touching ``regions`` (None: any)."""
        try:
            with self._lock:
                self._hold_events()
                if self._behind:
                    self._put_back()
                try:
                    yield
                finally:
                    self._settle(regions)
        finally:
            self._publish_events()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the account still for a read: nothing is trimmed or saved."""
        try:
            with self._lock:
                self._hold_events()
                yield
        finally:
            self._publish_events()

    def _hold_events(self) -> None:
        # SES's events wait for the turn's end: a webhook they reach may call this server.
        part_of(self.account, Events).hold_while(self._held)

    def _held(self) -> bool:
        return bool(self._lock._is_owned())  # type: ignore[attr-defined]

    def _publish_events(self) -> None:
        part_of(self.account, Events).flush()

    def _settle(self, regions: Iterable[str] | None) -> None:
        gone = self.retention.trim(self.account)
        sent, rejected = gone.get("sent", []), gone.get("rejected", [])
        if sent or rejected:
            # The metrics count what leaves the ledger: folded first, saved with it.
            part_of(self.account, Metrics).fold(sent, rejected)
            # Then their events leave with them: the metrics hold their counts now.
            part_of(self.account, Events).forget(sent)
            if regions is not None:
                regions = {*regions, *(item.region for item in (*sent, *rejected))}
        if self.store is None:
            return
        try:
            self.store.save(self.account, self.retention, regions)
        except SaveFailed:
            self._behind = True
            self._put_back()
            raise

    def _put_back(self) -> None:
        """The account as the file has it: what the failed save held never happened."""
        assert self.store is not None
        try:
            self.account.reset()
            self.store.load(self.account, self.retention)
        except Exception as error:
            raise SaveFailed(self.store.path, error) from error
        self._behind = False

    def reset(self) -> None:
        """Back to the configured account, the file emptied: in one turn."""
        with self._lock:
            if self.store is not None:
                self.store.clear()
            self.account.reset()
            self.retention.reset()
            if self.store is not None:
                self.store.save(self.account, self.retention)
