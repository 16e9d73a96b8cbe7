"""The virtual clock: frozen time that moves only when told or slept on.

While it runs, ``time.time``, ``datetime.now`` and friends read virtual time,
and ``time.sleep`` advances it instantly instead of blocking, so retry loops
that wait minutes finish in microseconds. How the process's time is taken over
(freezegun or time-machine) is ``virtual_time``'s job. Everything is restored
by ``stop``.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .faked import IGNORED_MODULES
from .timebackend import DEFAULT_TIME_BACKEND, REAL_SLEEP, real_time
from .virtual_time import VirtualTime

__all__ = ["IGNORED_MODULES", "ScheduledAction", "SesClock", "Sleep", "VirtualClockStalled"]

_EPOCH = datetime(1970, 1, 1)
_yield: Callable[[], object] = getattr(os, "sched_yield", lambda: REAL_SLEEP(0))
#: Reads of the process's clock at one virtual instant before a loop is taken for one
#: that polls a frozen clock and will never end (a few seconds of a busy loop).
STALL_READS = 10_000_000


class VirtualClockStalled(RuntimeError):
    """The process read the frozen clock too often without it moving: a busy loop."""


@dataclass(eq=False)
class ScheduledAction:
    """An action the virtual clock runs when it passes ``at`` (see ``Account.schedule``)."""

    at: datetime
    action: Callable[[], object]
    #: True once it has run (successfully or not).
    done: bool = False
    cancelled: bool = False
    #: The traceback, if the action raised; the pytest fixture fails the test with it.
    error: str | None = None

    def cancel(self) -> None:
        """Do not run it (no effect once it has run)."""
        self.cancelled = True


@dataclass(frozen=True)
class Sleep:
    """One ``time.sleep`` call seen while the clock ran, or one wait of an idle event
    loop that the clock skipped (``kind="event loop"``)."""

    #: Virtual time when the sleep began.
    at: datetime
    seconds: float
    kind: str = "time.sleep"


def _stalled_message(now: datetime) -> str:
    return (
        f"the virtual clock was read {STALL_READS:,} times at "
        f"{now.replace(tzinfo=timezone.utc).isoformat()} without moving: a loop that "
        "polls the clock without sleeping never ends while time is frozen. Sleep in "
        "the loop (time.sleep(0) moves the clock 1 µs), advance the clock "
        "(ses_clock.advance), or let every read move it: "
        "@pytest.mark.ses_quota(auto_tick=0.001)"
    )


class SesClock:
    """Virtual time shared by the application, botocore and the quota engine."""

    #: True for a clock that follows the wall clock (``sesquota serve --clock real``).
    real = False
    #: Real seconds an event loop on this clock waits for real I/O (a socket, a pipe,
    #: an executor thread) to answer before it jumps to its next timer (``loopclock``).
    io_wait = 1.0

    def __init__(
        self,
        start: datetime,
        *,
        time_backend: str = DEFAULT_TIME_BACKEND,
        auto_tick: float | None = None,
    ) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        self._start = start.astimezone(timezone.utc)
        #: How the process's time is faked: ``"auto"``, ``"freezegun"`` or
        #: ``"time-machine"`` as asked; once started, the one that runs.
        self.time_backend = time_backend
        self._backend_choice = time_backend
        #: Seconds each read of the process's clock moves it (None: reads do not move it).
        self.auto_tick = auto_tick
        self._tick = timedelta(seconds=auto_tick) if auto_tick else None
        self._last_read: datetime | None = None
        self._reads = 0
        #: What went wrong around the clock (a leaked freezer, a stalled loop): the
        #: pytest fixture fails the test with these at teardown.
        self.problems: list[str] = []
        # The virtual time (naive UTC): the start, then wherever it was moved to.
        self._now = self._start.replace(tzinfo=None)
        self._virtual: VirtualTime | None = None
        self._lock = threading.RLock()
        #: Seconds asked of every ``time.sleep`` call during the test, in order.
        self.sleeps: list[float] = []
        #: The same calls with the virtual time at which each began.
        self.sleep_log: list[Sleep] = []
        #: Actions to run when the clock passes their time, as a heap.
        self._pending: list[tuple[datetime, int, ScheduledAction]] = []
        self._order = itertools.count()
        #: Every action ever scheduled, in order.
        self.scheduled: list[ScheduledAction] = []

    # -- reading -------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._virtual is not None

    @property
    def start_time(self) -> datetime:
        return self._start

    def now(self) -> datetime:
        """The virtual time, as an aware UTC datetime."""
        return self._naive_now().replace(tzinfo=timezone.utc)

    def time(self) -> float:
        """The virtual time, as epoch seconds (what ``time.time()`` returns)."""
        return (self._naive_now() - _EPOCH).total_seconds()

    def elapsed(self) -> float:
        """Virtual seconds since the clock's start."""
        return (self.now() - self._start).total_seconds()

    def _naive_now(self) -> datetime:
        return self._now

    naive_now = _naive_now

    def read(self) -> datetime:
        """The virtual time (naive UTC) as the process reads it: ``time.time()``,
        ``monotonic()``, ``datetime.now()``... With ``auto_tick``, each read moves the
        clock first; without, a read that keeps finding the same instant is counted,
        and a busy loop fails (``VirtualClockStalled``) instead of never ending."""
        if self._tick is not None and self._virtual is not None:
            self.advance(self._tick)
            return self._naive_now()
        now = self._naive_now()
        if now != self._last_read:
            self._last_read = now
            self._reads = 0
            return now
        self._reads += 1
        if self._reads >= STALL_READS:
            # Once per so many reads, not at every read from then on: the busy loop's own
            # reads are nearly all of them, and a library reading the clock in passing (a
            # gc callback, a log record) should not fail for it.
            self._reads = 0
            message = _stalled_message(now)
            if message not in self.problems:
                self.report(message)
            raise VirtualClockStalled(message)
        return now

    def report(self, problem: str) -> None:
        """Keep a problem for the test's teardown (the pytest fixture fails with it)."""
        self.problems.append(problem)

    @contextmanager
    def still(self) -> Iterator[datetime]:
        """Hold the clock still while deciding something at one instant: other threads'
        sleeps and advances wait. Yields the (aware) time of that instant."""
        with self._lock:
            yield self.now()

    # -- moving --------------------------------------------------------------
    def advance(
        self,
        delta: timedelta | float | None = None,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> datetime:
        """Move virtual time forward; return the new time.

        ``delta`` is a :class:`~datetime.timedelta` or seconds; the keywords add to it.
        """
        if isinstance(delta, timedelta):
            step = delta
        elif delta is None:
            step = timedelta()
        elif isinstance(delta, (int, float)) and not isinstance(delta, bool):
            step = timedelta(seconds=delta)
        else:
            raise TypeError(f"advance() takes a timedelta or a number of seconds, got {delta!r}")
        step += timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if step < timedelta():
            raise ValueError(f"the clock only moves forward; advance({step!r}) is negative")
        remaining = step
        while True:
            # Stop at each scheduled action on the way and run it (outside the lock),
            # then go on. Steps add up: concurrent sleeps each move the clock.
            with self._lock:
                virtual = self._virtual
                if virtual is None:
                    raise RuntimeError(
                        "the virtual clock is not running: advance() works while the fake "
                        "SES account is active (inside the test using ses_account)"
                    )
                now = self.now()
                due = self._next_due(now + remaining)
                gap = remaining if due is None else max(due.at - now, timedelta())
                virtual.advance(gap)
                self._now += gap
                if due is None:
                    return self.now()
                remaining -= gap
            self._run(due)

    def _next_due(self, until: datetime) -> ScheduledAction | None:
        with self._lock:
            while self._pending and self._pending[0][0] <= until:
                action = heapq.heappop(self._pending)[2]
                if not action.cancelled:
                    return action
            return None

    @staticmethod
    def _run(scheduled: ScheduledAction) -> None:
        scheduled.done = True
        try:
            scheduled.action()
        except Exception:
            # Not raised into whichever code moved the clock (often the application's
            # own sleep, which may swallow it): the fixture fails the test with it.
            scheduled.error = traceback.format_exc()

    def call_at(self, at: datetime, action: Callable[[], object]) -> ScheduledAction:
        """Run ``action()`` when the clock passes ``at`` (at once if it already has)."""
        if not callable(action):
            raise TypeError(f"the scheduled action must be callable, got {action!r}")
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        scheduled = ScheduledAction(at.astimezone(timezone.utc), action)
        with self._lock:
            self.scheduled.append(scheduled)
            if scheduled.at > self.now():
                heapq.heappush(self._pending, (scheduled.at, next(self._order), scheduled))
                return scheduled
        self._run(scheduled)
        return scheduled

    def sleep(self, seconds: float) -> None:
        """What ``time.sleep`` does while the clock runs: advance, record, yield."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            # Same error as the real time.sleep for a non-number.
            REAL_SLEEP(seconds)
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        with self._lock:
            self.sleeps.append(float(seconds))
            self.sleep_log.append(Sleep(self.now(), float(seconds)))
        # At least one microsecond (freezegun's resolution), sleep(0) included, so
        # that a loop polling with tiny sleeps always sees time pass.
        self.advance(seconds=max(seconds, 1e-6))
        # Let other threads run, as a real sleep would: sched_yield hands over the
        # GIL without sleep(0)'s timer slack (50 µs on Linux), so poll loops turn fast.
        _yield()

    @contextmanager
    def ticking(self, speed: float = 1.0, *, step: float = 0.01) -> Iterator[SesClock]:
        """Let virtual time run by itself, ``speed`` times as fast as real time, while the
        block runs: for code outside the test process (a worker subprocess sleeping on real
        time) that a frozen clock would starve. Sleeps in the test still move it too."""
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or speed <= 0:
            raise ValueError(f"ticking(speed={speed!r}): expected a positive number")
        stop = threading.Event()

        def run() -> None:
            last = real_time()
            while not stop.wait(step):  # a real wait: Event.wait is not time.sleep
                now = real_time()
                self.advance(seconds=(now - last) * speed)
                last = now

        thread = threading.Thread(target=run, name="sesquota-clock", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        """Freeze time where the clock is and take over ``time.sleep``."""
        if self._virtual is not None:
            raise RuntimeError("this clock is already running")
        virtual = VirtualTime(self._backend_choice, self)
        virtual.start(self._now)
        self._virtual = virtual
        self.time_backend = virtual.backend

    def stop(self) -> None:
        """Restore real time and the real ``time.sleep``. Safe to call twice."""
        virtual, self._virtual = self._virtual, None
        if virtual is not None:
            # The clock keeps reading the last virtual time (ledger reports).
            virtual.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SesClock {self.now().isoformat()} {state}, {len(self.sleeps)} sleeps>"


class _NoPatching:
    """The backend of a :class:`DetachedClock`: it patches nothing, so moves are its own."""

    def advance(self, delta: timedelta) -> None:
        pass

    def stop(self) -> None:
        pass


def _real_naive_now() -> datetime:
    return datetime.fromtimestamp(real_time(), timezone.utc).replace(tzinfo=None)


class DetachedClock(SesClock):
    """The clock of an account served outside a test (``sesquota serve``): it patches
    nothing in the process. ``real=True`` follows the wall clock (the server's default),
    plus whatever :meth:`advance` added; otherwise it is virtual, frozen at ``start``
    until :meth:`advance` moves it."""

    def __init__(self, start: datetime | None = None, *, real: bool = False) -> None:
        if start is None or real:
            start = _real_naive_now().replace(tzinfo=timezone.utc)
        super().__init__(start)
        #: True: the wall clock (plus advances); False: virtual, moved only by advance().
        self.real = real
        self._origin = self._now  # on real time, advances are kept as _now - _origin
        self._virtual = _NoPatching()  # type: ignore[assignment]

    def _naive_now(self) -> datetime:
        if self.real:
            return _real_naive_now() + (self._now - self._origin)
        return self._now

    naive_now = _naive_now

    def start(self) -> None:
        raise RuntimeError(
            "a DetachedClock patches nothing and cannot be started; an account that serves "
            "in the test process uses the test's SesClock"
        )

    def stop(self) -> None:
        """Nothing to restore."""

    def sleep(self, seconds: float) -> None:
        if self.real:
            REAL_SLEEP(seconds)
        else:
            super().sleep(seconds)
