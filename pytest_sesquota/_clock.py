"""The virtual clock: frozen time (freezegun) that moves only when told or slept on.

While it runs, ``time.time``, ``datetime.now`` and friends read virtual time,
and ``time.sleep`` advances it instantly instead of blocking, so retry loops
that wait minutes finish in microseconds. Everything is restored by ``stop``.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import threading
import time as _time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any, cast

import freezegun
from freezegun.api import FrozenDateTimeFactory

_EPOCH = datetime(1970, 1, 1)
#: Modules that keep real time: pytest's timing (durations, JUnit times) binds
#: ``time``/``perf_counter`` by name. Only modules never on the call stack of user
#: code belong here: freezegun gives real time to any call with an ignored module
#: among its five nearest callers.
IGNORED_MODULES = ["_pytest.timing"]
_real_sleep = _time.sleep

# Modules that bound the real ``sleep`` to a name of their own
# (``from time import sleep``): found once per module, patched on every start.
_sleep_aliases: dict[str, list[str]] = {}
_scanned_modules: set[str] = set()


def _find_sleep_aliases() -> list[tuple[ModuleType, str]]:
    found: list[tuple[ModuleType, str]] = []
    for name, module in list(sys.modules.items()):
        if name not in _scanned_modules:
            _scanned_modules.add(name)
            # Our own modules keep the real sleep on purpose.
            if (
                module is None
                or name == "time"
                or name.startswith(("pytest_sesquota", *IGNORED_MODULES))
            ):
                continue
            try:
                attrs = [a for a, v in vars(module).items() if v is _real_sleep]
            except TypeError:  # modules without a __dict__
                continue
            if attrs:
                _sleep_aliases[name] = attrs
        for attr in _sleep_aliases.get(name, ()):
            if module is not None and getattr(module, attr, None) is _real_sleep:
                found.append((module, attr))
    return found


@dataclass(eq=False)
class ScheduledAction:
    """An action the virtual clock runs when it passes ``at`` (see ``SesAccount.schedule``)."""

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
    """One ``time.sleep`` call seen while the clock ran."""

    #: Virtual time when the sleep began.
    at: datetime
    seconds: float


class SesClock:
    """Virtual time shared by the application, botocore and the quota engine."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        self._start = start.astimezone(timezone.utc)
        self._factory: FrozenDateTimeFactory | None = None
        # What the clock reads while not running: the start, then where it stopped.
        self._resting = self._start.replace(tzinfo=None)
        self._freezer: Any = None
        self._patched: list[tuple[ModuleType, str]] = []
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
        return self._factory is not None

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
        factory = self._factory
        if factory is None:
            return self._resting
        now: datetime = factory()
        return now

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
                if self._factory is None:
                    raise RuntimeError(
                        "the virtual clock is not running: advance() works while the fake "
                        "SES account is active (inside the test using ses_account)"
                    )
                now = self.now()
                due = self._next_due(now + remaining)
                if due is None:
                    self._factory.tick(remaining)
                    return self.now()
                gap = max(due.at - now, timedelta())
                self._factory.tick(gap)
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
            _real_sleep(seconds)
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        with self._lock:
            self.sleeps.append(float(seconds))
            self.sleep_log.append(Sleep(self.now(), float(seconds)))
        # At least one microsecond (freezegun's resolution), so that a loop polling
        # with tiny sleeps always sees time pass.
        self.advance(seconds=max(seconds, 1e-6) if seconds > 0 else 0)
        # Let other threads run, as a real sleep would.
        _real_sleep(0)

    @contextmanager
    def ticking(self, speed: float = 1.0, *, step: float = 0.01) -> Iterator[SesClock]:
        """Let virtual time run by itself, ``speed`` times as fast as real time, while the
        block runs: for code outside the test process (a worker subprocess sleeping on real
        time) that a frozen clock would starve. Sleeps in the test still move it too."""
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or speed <= 0:
            raise ValueError(f"ticking(speed={speed!r}): expected a positive number")
        stop = threading.Event()

        def run() -> None:
            last = freezegun.api.real_monotonic()
            while not stop.wait(step):  # a real wait: Event.wait is not time.sleep
                now = freezegun.api.real_monotonic()
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
        """Freeze time at the start and take over ``time.sleep``."""
        if self._factory is not None:
            raise RuntimeError("this clock is already running")
        if _time.sleep is not _real_sleep:
            raise RuntimeError(
                "time.sleep is already replaced (another SesClock or a mock is active); "
                "pytest-sesquota runs one virtual clock at a time"
            )
        freezer = freezegun.freeze_time(
            self._start.replace(tzinfo=None),
            tick=False,
            real_asyncio=True,
            ignore=IGNORED_MODULES,
        )
        factory = freezer.start()
        try:
            self._patched = _find_sleep_aliases()
            setattr(_time, "sleep", self.sleep)  # noqa: B010 - typeshed's signature is wider
            for module, attr in self._patched:
                setattr(module, attr, self.sleep)
        except BaseException:
            freezer.stop()
            raise
        self._freezer = freezer
        self._factory = cast(FrozenDateTimeFactory, factory)  # tick=False: always frozen

    def stop(self) -> None:
        """Restore real time and the real ``time.sleep``. Safe to call twice."""
        try:
            if _time.sleep == self.sleep:
                _time.sleep = _real_sleep
            for module, attr in self._patched:
                if getattr(module, attr, None) == self.sleep:
                    setattr(module, attr, _real_sleep)
            self._patched = []
        finally:
            freezer, self._freezer = self._freezer, None
            if freezer is not None:
                # Keep reading the last virtual time after the stop (ledger reports).
                self._resting = self._naive_now()
                self._factory = None
                freezer.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SesClock {self.now().isoformat()} {state}, {len(self.sleeps)} sleeps>"


class _WallClockFactory:
    """Real (UTC) time, plus whatever ``tick`` added: a clock that runs by itself."""

    def __init__(self) -> None:
        self._shift = timedelta()

    def __call__(self) -> datetime:
        real = datetime.fromtimestamp(freezegun.api.real_time(), timezone.utc)
        return real.replace(tzinfo=None) + self._shift

    def tick(self, delta: timedelta) -> None:
        self._shift += delta


class DetachedClock(SesClock):
    """The clock of an account served outside a test (``sesquota serve``): it patches
    nothing in the process. ``real=True`` follows the wall clock (the server's default);
    otherwise it is virtual, frozen at ``start`` until :meth:`advance` moves it."""

    def __init__(self, start: datetime | None = None, *, real: bool = False) -> None:
        factory: Any = _WallClockFactory() if real else None
        if start is None:
            start = datetime.fromtimestamp(freezegun.api.real_time(), timezone.utc)
        super().__init__(start)
        self.real = real
        self._factory = factory or FrozenDateTimeFactory(self._start.replace(tzinfo=None))
        if real:
            # The start is the moment the clock was made; elapsed() counts from there.
            self._start = factory().replace(tzinfo=timezone.utc)

    def start(self) -> None:
        raise RuntimeError(
            "a DetachedClock patches nothing and cannot be started; an account that serves "
            "in the test process uses the test's SesClock"
        )

    def stop(self) -> None:
        """Nothing to restore."""

    def sleep(self, seconds: float) -> None:
        if self.real:
            _real_sleep(seconds)
        else:
            super().sleep(seconds)
