"""Waits on child processes, on real time: ``time`` as ``subprocess``, ``multiprocessing``,
``concurrent.futures`` and Celery's results see it while a virtual clock runs.

A child process runs in real time, whatever the test's clock says. ``subprocess``
(``Popen.wait``, ``communicate``, ``run``'s timeout), ``multiprocessing`` (joins,
queues, pools' results, a pool's shutdown), ``concurrent.futures`` (a process pool's
``as_completed`` and ``map`` deadlines) and Celery (``AsyncResult.get`` on the result a
worker writes) compute their deadlines with ``time.monotonic()`` or poll with
``time.sleep()``; on the virtual clock the first sleep would jump past the deadline
(``Popen.wait(timeout=30)`` raising at once) or a frozen clock would never reach it (a
pool's shutdown spinning on a zero timeout, as under a plain ``freezegun.freeze_time``).
Here each such module's ``time`` is a view of the real clocks while the clock runs, and
given back at stop, including modules first imported meanwhile. A wait on a child takes
the real time the child takes, up to its timeout, and no virtual time.

Their by-name bindings (``subprocess``'s ``from time import monotonic as _time``) stay
real through ``faked.KEEP_REAL_STDLIB`` (and those of :data:`REAL_BINDING_MODULES` made
while a clock ran are made real here). The ``Popen`` waits under way in any thread are
counted (:func:`child_waits`): an event loop whose executor job waits on a child
(``asyncio.to_thread(subprocess.run, ...)``) gives it real time too (``loopclock``).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import subprocess
import sys
import threading
import time as _time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from .timebackend import REAL, REAL_SLEEP, real_time, real_time_ns

__all__ = ["REAL_BINDING_MODULES", "REAL_TIME_MODULES", "ProcessWaits", "RealTime", "child_waits"]

#: The modules whose ``time`` is real while a clock runs: each waits on other
#: processes (or on threads that do) with deadlines of ``time.monotonic()``.
REAL_TIME_MODULES = (
    "subprocess",
    "multiprocessing.connection",
    "multiprocessing.managers",
    "multiprocessing.pool",
    "multiprocessing.queues",
    "multiprocessing.synchronize",
    "concurrent.futures._base",
    # Celery's wait for a result a worker (another process) writes: the polling
    # backends' (database, cache, file, ...) ``wait_for`` and ``get_many`` sleep
    # between polls; the pushing ones' (Redis, RPC) ``Drainer.drain_events_until``
    # keeps its deadline by ``time.monotonic()``, as ``ResultSet.join`` does; RPC's
    # ``ResultConsumer.drain_events`` sleeps out its timeout while disconnected.
    "celery.backends.base",
    "celery.backends.asynchronous",
    "celery.backends.rpc",
    "celery.result",
)

#: Modules whose own bindings (``from time import monotonic, sleep``) wait on another
#: process: kombu's in-Python transports' ``Transport.drain_events`` (Celery's ``rpc://``
#: results) and Celery's ``sleep(0)`` between drains. ``faked.KEEP_REAL_STDLIB`` keeps
#: them real; one first imported while a clock runs (a transport is loaded at the first
#: connection) bound the fakes, and is given the real functions here.
REAL_BINDING_MODULES = ("kombu.transport.virtual.base", "celery.backends.asynchronous")
_BOUND_NAMES = ("monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "sleep", "time")


class RealTime(ModuleType):
    """The ``time`` module with its clocks and ``sleep`` real under either backend
    (time-machine moves ``time.time`` itself: the wall clock comes from the real
    monotonic one). Everything else is the ``time`` module's own."""

    def __init__(self) -> None:
        super().__init__("time", "The time module, on real time (pytest-sesquota).")
        self.sleep = REAL_SLEEP
        self.time = real_time
        self.time_ns = real_time_ns
        for name in ("monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns"):
            setattr(self, name, REAL[name])

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


_REAL_TIME = RealTime()
_POPEN_WAITS = {name: vars(subprocess.Popen)[name] for name in ("wait", "communicate")}
_under_way = [0]
_count_lock = threading.Lock()


def child_waits() -> int:
    """How many ``Popen.wait``/``communicate`` calls are under way, in any thread."""
    return _under_way[0]


def _counted(method: Callable[..., Any]) -> Callable[..., Any]:
    def counted(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
        with _count_lock:
            _under_way[0] += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            with _count_lock:
                _under_way[0] -= 1

    counted.__name__ = counted.__qualname__ = method.__name__
    counted.__doc__ = method.__doc__
    return counted


_COUNTED = {name: _counted(method) for name, method in _POPEN_WAITS.items()}


class ProcessWaits:
    """Gives the modules of :data:`REAL_TIME_MODULES` real time while a clock runs."""

    def __init__(self, names: Sequence[str] = REAL_TIME_MODULES) -> None:
        self._names = frozenset(names) | frozenset(REAL_BINDING_MODULES)
        self._changed: list[ModuleType] = []
        self._finder: _Finder | None = None

    def start(self) -> None:
        for name in self._names:
            module = sys.modules.get(name)
            if module is not None:
                self.adopt(module)
        # A module first imported while the clock runs (multiprocessing.pool at a
        # test's first Pool()) gets the view as soon as it is loaded.
        self._finder = _Finder(self)
        sys.meta_path.insert(0, self._finder)
        for name, counted in _COUNTED.items():
            setattr(subprocess.Popen, name, counted)

    def adopt(self, module: ModuleType) -> None:
        if module.__name__ in REAL_BINDING_MODULES:
            for name in _BOUND_NAMES:
                # The faked function, bound at an import while a clock ran: real for good.
                if name in vars(module) and vars(module)[name] is getattr(_time, name):
                    setattr(module, name, getattr(_REAL_TIME, name))
        if getattr(module, "time", None) is _time:
            module.time = _REAL_TIME  # type: ignore[attr-defined]
            self._changed.append(module)

    def wants(self, name: str) -> bool:
        return name in self._names

    def stop(self) -> None:
        """Give every module its ``time`` back. Safe to call twice."""
        for name, method in _POPEN_WAITS.items():
            if vars(subprocess.Popen).get(name) is _COUNTED[name]:
                setattr(subprocess.Popen, name, method)
        if self._finder is not None:
            if self._finder in sys.meta_path:
                sys.meta_path.remove(self._finder)
            self._finder = None
        for module in self._changed:
            if getattr(module, "time", None) is _REAL_TIME:
                module.time = _time  # type: ignore[attr-defined]
        self._changed = []


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the modules :class:`ProcessWaits` wants as Python's path finder does, and
    has each one adopted once it has run."""

    def __init__(self, waits: ProcessWaits) -> None:
        self._waits = waits

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not self._waits.wants(fullname):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader, self._waits)
        return spec


class _Loader(importlib.abc.Loader):
    def __init__(self, loader: Any, waits: ProcessWaits) -> None:
        self._loader = loader
        self._waits = waits

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps its own loader (tracebacks and inspect read sources through it).
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._waits.adopt(module)
