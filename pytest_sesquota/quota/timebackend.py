"""How a virtual clock takes over the process's time, and gives it back.

Two backends freeze the time that ``time.time()``, ``datetime.now()``,
``date.today()`` and friends read: freezegun (the default), which replaces the
functions in every loaded module and so scans them all at each start, and
time-machine, which patches them at C level and scans nothing. On top of
either, ``time.sleep`` becomes virtual (it advances the clock instead of
blocking), and under time-machine so do ``time.monotonic`` and
``time.perf_counter``, which it leaves real but freezegun freezes: code that
paces itself with ``monotonic()`` must see virtual time in both. asyncio's
event loops keep real monotonic time in both, or ``asyncio.sleep`` would hang.

Everything is undone by :meth:`VirtualTime.stop`, whatever fails on the way.
"""

from __future__ import annotations

import importlib.util
import sys
import time as _time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import asyncio.base_events

TimeBackendName = Literal["freezegun", "time-machine"]
TIME_BACKENDS: tuple[TimeBackendName, ...] = ("freezegun", "time-machine")

#: Modules that keep real time: pytest's timing (durations, JUnit times) binds
#: ``time``/``perf_counter`` by name. Only modules never on the call stack of user
#: code belong here: freezegun gives real time to any call with an ignored module
#: among its five nearest callers.
IGNORED_MODULES = ["_pytest.timing"]
#: Modules whose own bindings of ``sleep``/``monotonic``/... stay real: timeouts
#: of threads and queues wait in real time (freezegun leaves these alone too).
_KEEP_REAL = (
    "time",
    "pytest_sesquota",
    "threading",
    "queue",
    "multiprocessing",
    "freezegun",
    "time_machine",
    *IGNORED_MODULES,
)

# The real functions, in a dict: freezegun rewrites module attributes bound to
# the functions it fakes, never the items of a container.
_REAL: dict[str, Callable[..., Any]] = {
    name: getattr(_time, name)
    for name in ("sleep", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns")
}
_REAL_SLEEP = _REAL["sleep"]
_WALL_AT_IMPORT = _time.time()
_MONOTONIC_AT_IMPORT = _REAL["monotonic"]()
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def real_time() -> float:
    """Real epoch seconds, whichever backend is active (from the real monotonic clock)."""
    elapsed: float = _REAL["monotonic"]() - _MONOTONIC_AT_IMPORT
    return _WALL_AT_IMPORT + elapsed


def available(name: str) -> bool:
    """Whether the package a backend needs is installed."""
    if name == "time-machine":
        return importlib.util.find_spec("time_machine") is not None
    return name in TIME_BACKENDS


class Clock(Protocol):
    """What the virtual functions need of the clock that runs."""

    def sleep(self, seconds: float) -> None: ...

    def naive_now(self) -> datetime: ...


# -- the virtual functions: they follow the clock that runs, real time otherwise --
_current: Clock | None = None


def _virtual_sleep(seconds: float) -> None:
    clock = _current
    if clock is None:  # a binding made while a clock ran outlives it: real again
        _REAL_SLEEP(seconds)
        return
    clock.sleep(seconds)


def _virtual_monotonic() -> float:
    clock = _current
    if clock is None:
        result: float = _REAL["monotonic"]()
        return result
    return (clock.naive_now() - _EPOCH).total_seconds()


def _virtual_monotonic_ns() -> int:
    clock = _current
    if clock is None:
        result: int = _REAL["monotonic_ns"]()
        return result
    return (clock.naive_now() - _EPOCH) // _MICROSECOND * 1000


def _virtual_perf_counter() -> float:
    clock = _current
    if clock is None:
        result: float = _REAL["perf_counter"]()
        return result
    return (clock.naive_now() - _EPOCH).total_seconds()


def _virtual_perf_counter_ns() -> int:
    clock = _current
    if clock is None:
        result: int = _REAL["perf_counter_ns"]()
        return result
    return (clock.naive_now() - _EPOCH) // _MICROSECOND * 1000


_VIRTUAL: dict[str, Callable[..., Any]] = {
    "sleep": _virtual_sleep,
    "monotonic": _virtual_monotonic,
    "monotonic_ns": _virtual_monotonic_ns,
    "perf_counter": _virtual_perf_counter,
    "perf_counter_ns": _virtual_perf_counter_ns,
}

# Modules that bound a real function to a name of their own (``from time import
# sleep``): found once per module, patched on every start.
_aliases: dict[str, list[tuple[str, str]]] = {}
_scanned: set[str] = set()
_BY_ID = {id(function): name for name, function in _REAL.items()}


def _keeps_real(module_name: str) -> bool:
    """A module of _KEEP_REAL or of a package there (``time`` is not ``timetable``)."""
    return any(module_name == k or module_name.startswith(f"{k}.") for k in _KEEP_REAL)


def _find_aliases(names: tuple[str, ...]) -> list[tuple[ModuleType, str, str]]:
    """``(module, attribute, function name)`` of every real binding of ``names``."""
    found: list[tuple[ModuleType, str, str]] = []
    for module_name, module in list(sys.modules.items()):
        if module_name not in _scanned:
            _scanned.add(module_name)
            if module is None or _keeps_real(module_name):
                continue
            try:
                attrs = [(a, _BY_ID[id(v)]) for a, v in vars(module).items() if id(v) in _BY_ID]
            except TypeError:  # modules without a __dict__
                continue
            if attrs:
                _aliases[module_name] = attrs
        for attr, name in _aliases.get(module_name, ()):
            if name in names and getattr(module, attr, None) is _REAL[name]:
                found.append((module, attr, name))
    return found


# -- the backends ---------------------------------------------------------------
class _Freezegun:
    """freezegun: fakes time/datetime by rewriting every module's bindings at start."""

    virtual = ("sleep",)

    def start(self, at: datetime) -> None:
        import freezegun

        self._loop_times = _loop_times()
        self._freezer = freezegun.freeze_time(
            at, tick=False, real_asyncio=True, ignore=IGNORED_MODULES
        )
        self._factory: Any = self._freezer.start()

    def advance(self, delta: timedelta) -> None:
        self._factory.tick(delta)

    def stop(self) -> None:
        try:
            self._freezer.stop()
        finally:
            # freezegun "restores" the event loop class's inherited `time` by setting
            # it on the class itself: take that away again, as it was before.
            _restore_loop_times(self._loop_times)


class _TimeMachine:
    """time-machine: fakes time/datetime at C level; monotonic is ours to fake."""

    virtual = ("sleep", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns")

    def start(self, at: datetime) -> None:
        import time_machine

        # An aware UTC destination: time-machine sets TZ=UTC while travelling, so a
        # naive datetime.now() reads UTC, as it does under freezegun.
        self._travel = time_machine.travel(at.replace(tzinfo=timezone.utc), tick=False)
        self._traveller: Any = self._travel.start()
        # Event loops schedule on monotonic time: keep theirs real.
        self._loop_times = _loop_times()
        for cls in self._loop_times:
            setattr(cls, "time", _real_loop_time)  # noqa: B010

    def advance(self, delta: timedelta) -> None:
        # Whole nanoseconds from a timedelta: exact, however many steps.
        self._traveller.shift(delta)

    def stop(self) -> None:
        try:
            _restore_loop_times(self._loop_times)
        finally:
            self._travel.stop()


def _real_loop_time(self: asyncio.base_events.BaseEventLoop) -> float:
    result: float = _REAL["monotonic"]()
    return result


def _loop_times() -> dict[type, Any]:
    """Every event loop class, with the ``time`` it defines itself (None: inherited)."""
    import asyncio.base_events  # only when a clock starts: asyncio is large

    found: dict[type, Any] = {}
    pending: list[type] = [asyncio.base_events.BaseEventLoop]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        found[cls] = cls.__dict__.get("time")
    return found


def _restore_loop_times(saved: dict[type, Any]) -> None:
    for cls, own in saved.items():
        if own is not None:
            setattr(cls, "time", own)  # noqa: B010
        elif "time" in cls.__dict__:
            delattr(cls, "time")


class VirtualTime:
    """Everything one running clock changes in the process."""

    def __init__(self, backend: str, clock: Clock) -> None:
        if backend not in TIME_BACKENDS:
            raise ValueError(
                f"unknown time backend {backend!r}; valid backends: "
                + ", ".join(repr(b) for b in TIME_BACKENDS)
            )
        self.backend = backend
        self._clock = clock
        self._impl = _TimeMachine() if backend == "time-machine" else _Freezegun()
        self._patched: list[tuple[ModuleType, str, str]] = []

    def start(self, at: datetime) -> None:
        """Freeze time at ``at`` (naive UTC) and take over sleep (and monotonic)."""
        global _current
        if _current is not None or _time.sleep is not _REAL_SLEEP:
            raise RuntimeError(
                "time.sleep is already replaced (another SesClock or a mock is active); "
                "pytest-sesquota runs one virtual clock at a time"
            )
        if self.backend == "time-machine" and not available("time-machine"):
            raise RuntimeError(
                "time_backend='time-machine' needs the time-machine package: "
                'pip install "pytest-sesquota[time-machine]"'
            )
        names = self._impl.virtual
        # Found before freezegun rewrites any binding, so that the scan (once per
        # module) sees the real functions whichever backend comes first.
        patched = [(_time, name, name) for name in names] + _find_aliases(names)
        self._impl.start(at)
        _current = self._clock
        try:
            for module, attr, name in patched:
                setattr(module, attr, _VIRTUAL[name])
                self._patched.append((module, attr, name))
        except BaseException:
            self.stop()
            raise

    def advance(self, delta: timedelta) -> None:
        self._impl.advance(delta)

    def stop(self) -> None:
        """Give real time back. Safe to call twice."""
        global _current
        try:
            for module, attr, name in self._patched:
                if getattr(module, attr, None) is _VIRTUAL[name]:
                    setattr(module, attr, _REAL[name])
            self._patched = []
        finally:
            if _current is self._clock:
                _current = None
                self._impl.stop()
