"""The functions put in place of ``time.time``, ``time.sleep`` and friends.

Each reads the clock that runs (``ACTIVE.clock``, see ``pytest_sesquota.active``) and
falls back to the real function when none does: a binding made while a clock ran may
outlive it. Also here: which modules keep real time, and where a module bound a real
function to a name of its own (``from time import sleep``), to patch that name too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any, Protocol

from ..active import ACTIVE
from .timebackend import REAL, REAL_SLEEP, freezegun_api

__all__ = [
    "IGNORED_MODULES",
    "KEEP_REAL_STDLIB",
    "VIRTUAL",
    "TimeSource",
    "find_aliases",
    "freezegun_time_ns",
    "keeps_real",
    "virtual_sleep",
]

#: Modules whose own bindings of the time functions stay real: pytest's timing
#: (durations, JUnit times), and the standard library's timeouts, which wait in
#: real time (a frozen ``queue.get(timeout=1)`` would never time out; ``subprocess``'s
#: deadlines are on a child process, which runs in real time: see ``process_waits``),
#: and the waits of kombu's in-Python transports and Celery's result drains (``from time
#: import monotonic, sleep``) for what another process sends (``process_waits``).
KEEP_REAL_STDLIB = (
    "threading",
    "queue",
    "multiprocessing",
    "subprocess",
    "_pytest.timing",
    "kombu.transport.virtual.base",
    "celery.backends.asynchronous",
)
#: The same, plus the modules that must read real time themselves.
_KEEP_REAL = ("time", "pytest_sesquota", "freezegun", "time_machine", *KEEP_REAL_STDLIB)
#: Re-exported by ``clock.sesclock`` (it was public there): pytest's timing keeps real time.
IGNORED_MODULES = ["_pytest.timing"]
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


class TimeSource(Protocol):
    """What the faked time functions read and sleep on: the clock that runs."""

    def sleep(self, seconds: float) -> None: ...

    def read(self) -> datetime:
        """The virtual time (naive UTC) as the process reads it (may tick)."""
        ...

    def report(self, problem: str) -> None:
        """Keep a problem for the test's teardown to fail with."""
        ...


def virtual_sleep(seconds: float) -> None:
    clock: TimeSource | None = ACTIVE.clock
    if clock is None:  # a binding made while a clock ran outlives it: real again
        REAL_SLEEP(seconds)
        return
    clock.sleep(seconds)


def _seconds(name: str) -> Callable[[], float]:
    real = REAL[name]

    def virtual() -> float:
        clock: TimeSource | None = ACTIVE.clock
        if clock is None:
            result: float = real()
            return result
        return (clock.read() - _EPOCH).total_seconds()

    virtual.__name__ = virtual.__qualname__ = name
    return virtual


def _nanoseconds(name: str) -> Callable[[], int]:
    real = REAL[name]

    def virtual() -> int:
        clock: TimeSource | None = ACTIVE.clock
        if clock is None:
            result: int = real()
            return result
        return (clock.read() - _EPOCH) // _MICROSECOND * 1000

    virtual.__name__ = virtual.__qualname__ = name
    return virtual


#: The faked function for each name of ``timebackend.OWNED``.
VIRTUAL: dict[str, Callable[..., Any]] = {
    "sleep": virtual_sleep,
    **{name: _seconds(name) for name in ("time", "monotonic", "perf_counter")},
    **{name: _nanoseconds(name) for name in ("time_ns", "monotonic_ns", "perf_counter_ns")},
}


def freezegun_time_ns() -> int:
    """``time.time_ns`` under freezegun: its own drops the fraction of a second (before
    1.5); read from whichever freezer is newest, as its functions are."""
    api = freezegun_api()
    if ACTIVE.clock is None or api is None or not api.freeze_factories:
        result: int = REAL["time_ns"]()
        return result
    now: datetime = api.get_current_time()
    return (now - _EPOCH) // _MICROSECOND * 1000


def keeps_real(module_name: str, keep: tuple[str, ...] = _KEEP_REAL) -> bool:
    """A module of ``keep`` or of a package there (``time`` is not ``timetable``)."""
    return any(module_name == k or module_name.startswith(f"{k}.") for k in keep)


class _Aliases:
    """Modules that bound a real function to a name of their own: found once per
    module, patched on every start. By module object, not name: pytester's runs import
    a new module under a name used before."""

    def __init__(self) -> None:
        self._by_id = {id(function): name for name, function in REAL.items()}
        self._aliases: dict[str, list[tuple[str, str]]] = {}
        self._scanned: dict[str, ModuleType] = {}
        # sys.modules's fingerprint at the last scan, and every alias then: most starts
        # find it unchanged and skip the walk (a millisecond with 1,000 modules loaded).
        self._fingerprint: tuple[int, str, int] | None = None
        self._bindings: list[tuple[ModuleType, str, str]] = []

    def find(self, names: tuple[str, ...]) -> list[tuple[ModuleType, str, str]]:
        """``(module, attribute, function name)`` of every real binding of ``names``."""
        fingerprint = _modules_fingerprint()
        if fingerprint != self._fingerprint:
            self._scan()
            self._fingerprint = fingerprint
        return [
            (module, attr, name)
            for module, attr, name in self._bindings
            if name in names and getattr(module, attr, None) is REAL[name]
        ]

    def _scan(self) -> None:
        by_id = self._by_id
        modules = dict(sys.modules)
        for module_name, module in modules.items():
            if self._scanned.get(module_name) is not module:
                self._scanned[module_name] = module
                self._aliases.pop(module_name, None)
                if module is None or keeps_real(module_name):
                    continue
                try:
                    attrs = [(a, by_id[id(v)]) for a, v in vars(module).items() if id(v) in by_id]
                except TypeError:  # modules without a __dict__
                    continue
                if attrs:
                    self._aliases[module_name] = attrs
        self._bindings[:] = [
            (modules[module_name], attr, name)
            for module_name, attrs in self._aliases.items()
            if module_name in modules
            for attr, name in attrs
        ]


def _modules_fingerprint() -> tuple[int, str, int] | None:
    """How many modules, and the last one imported. A module imported, dropped or
    imported again (pytester's runs) changes it: sys.modules keeps insertion order."""
    modules = sys.modules
    try:
        last = next(reversed(modules))
    except StopIteration:
        return None
    return len(modules), last, id(modules[last])


#: The process's modules' own bindings of the real functions (a cache, kept between starts).
find_aliases = _Aliases().find
