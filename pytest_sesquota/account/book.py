"""The ledger itself: every message sent, throttled, rejected or faulted, and every request,
in order; the requests' outcomes; message ids; the fake's own internal errors."""

from __future__ import annotations

__all__ = ["Ledger"]

import itertools
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from .ledger import (
    FaultedSend,
    LedgerEntry,
    RefusalKind,
    RejectedSend,
    SentMessage,
    SesRequest,
    ThrottledSend,
    Transport,
)
from .messages import DroppedMessage, dropped_messages
from .part import Context, Part


class Ledger(Part):
    """What became of every message and request (the lists the account exposes)."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        #: Accepted messages, in order.
        self.sent: list[SentMessage] = []
        #: Sends refused by a quota (rate or daily), in order.
        self.throttled: list[ThrottledSend] = []
        #: Sends refused for other reasons (unverified identity, sending paused), in order.
        self.rejected: list[RejectedSend] = []
        #: Sends failed by a seeded transient fault (``transient_failures``), in order.
        self.faults: list[FaultedSend] = []
        #: Every request, in order, retries included.
        self.requests: list[SesRequest] = []
        #: Tracebacks of bugs in the fake itself (answered as InternalFailure);
        #: the pytest fixture fails the test when this is not empty.
        self.internal_errors: list[str] = []
        # Every entry, in the order decided (what `dropped` reads).
        self._entries: list[LedgerEntry] = []
        self._lists: dict[type[Any], list[Any]] = {
            SentMessage: self.sent,
            ThrottledSend: self.throttled,
            RejectedSend: self.rejected,
            FaultedSend: self.faults,
        }
        self._ids = itertools.count(1)
        # Per thread: the outcomes of the request being answered (see `recording`).
        self._recording = threading.local()
        self._observers: list[Callable[[SesRequest], object]] = []

    def new_message_id(self) -> str:
        """An id shaped like SES's: ``0100`` + virtual ms, a UUID, a counter."""
        ms = int(self.clock.time() * 1000)
        return f"0100{ms:012x}-{uuid.uuid4()}-{next(self._ids):06d}"

    def number_ids_after(self, count: int) -> None:
        """Go on numbering message ids after ``count`` (a ledger loaded from a state file)."""
        self._ids = itertools.count(count + 1)

    def enter(self, entry: LedgerEntry) -> None:
        """Record an entry in its list (call under the account's lock)."""
        self._lists[type(entry)].append(entry)
        self._entries.append(entry)
        outcomes = getattr(self._recording, "outcomes", None)
        if outcomes is not None:
            outcomes.append(entry)

    def reject(
        self,
        *,
        region: str | None,
        operation: str,
        reason: RefusalKind,
        code: str,
        message: str,
        source: str,
        recipients: Sequence[str],
        transport: Transport = "api",
    ) -> None:
        """Record a send refused for a reason other than a quota."""
        name = self.region(region)
        with self.lock:
            self.enter(
                RejectedSend(
                    time=self.clock.now(),
                    region=name,
                    operation=operation,
                    reason=reason,
                    code=code,
                    message=message,
                    source=source,
                    recipients=tuple(recipients),
                    transport=transport,
                )
            )

    @contextmanager
    def recording(self) -> Iterator[list[LedgerEntry]]:
        """Collect what the sends made in this block (in this thread) become;
        a front door puts them in the :class:`SesRequest` it logs."""
        previous = getattr(self._recording, "outcomes", None)
        outcomes: list[LedgerEntry] = []
        self._recording.outcomes = outcomes
        try:
            yield outcomes
        finally:
            self._recording.outcomes = previous

    def log_request(self, request: SesRequest) -> None:
        with self.lock:
            self.requests.append(request)
        for observer in list(self._observers):
            observer(request)

    def on_request(self, observer: Callable[[SesRequest], object]) -> None:
        """Call ``observer(request)`` after every request any front door answers
        (``sesquota serve --state`` saves the account there)."""
        self._observers.append(observer)

    @property
    def dropped(self) -> list[DroppedMessage]:
        """Every message refused by a quota or a transient fault and never accepted later
        (same source, recipients, subject and body), with the refusals it got."""
        with self.lock:
            return dropped_messages(list(self._entries))

    def forget(self, entries: Iterable[LedgerEntry]) -> None:
        """Let go of entries that left their lists (``sesquota serve``'s retention): the
        order of decisions no longer holds them, nor do the requests that made them, as a
        state file read back has it. Otherwise they would stay in memory, bodies and all."""
        ids = {id(entry) for entry in entries}
        if not ids:
            return
        with self.lock:
            self._entries = [e for e in self._entries if id(e) not in ids]
            requests = self.requests
            for index, request in enumerate(requests):
                if any(id(o) in ids for o in request.outcomes):
                    kept = tuple(o for o in request.outcomes if id(o) not in ids)
                    requests[index] = replace(request, outcomes=kept)

    def load(self, lists: dict[str, list[Any]]) -> None:
        """Replace the lists with those of a state file (``sent``, ``throttled``, ...),
        in place: whoever holds a list sees the loaded one."""
        for name in ("sent", "throttled", "rejected", "faults", "requests"):
            getattr(self, name)[:] = lists[name]
