"""Which time backend fakes the process's time, and the real clocks kept aside meanwhile.

Two backends fake what ``time.time()``, ``datetime.now()``, ``date.today()`` and
friends read. time-machine (the default where it installs: a compiled wheel for
CPython) patches them at C level and scans nothing; pytest-sesquota fakes
``time.time``/``time_ns``/``monotonic``/``perf_counter`` and ``sleep`` on top, so that
each read can tick or notice a stall (``faked``, ``time_machine_backend``). freezegun
(the fallback, and a choice) replaces the functions in every loaded module at each
start, reading this package's clock (``freezegun_backend``). Under both, ``time.sleep``
is virtual; the standard library's own timeouts (``threading``, ``queue``,
``multiprocessing``, ``subprocess``: ``process_waits``) and asyncio's event loops keep
real time, or they would hang.
Starting and stopping is ``virtual_time``'s job.

This module is loaded with the plugin (the options name the backends): the real
functions are captured here before anything can fake them.
"""

from __future__ import annotations

import importlib.util
import sys
import time as _time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import asyncio.base_events

__all__ = [
    "DEFAULT_TIME_BACKEND",
    "OWNED",
    "REAL",
    "REAL_SLEEP",
    "TIME_BACKENDS",
    "TimeBackendName",
    "available",
    "freezegun_api",
    "freezegun_running",
    "loop_times",
    "real_loop_time",
    "real_time",
    "real_time_ns",
    "resolve",
    "restore_loop_times",
]

TimeBackendName = Literal["auto", "freezegun", "time-machine"]
TIME_BACKENDS: tuple[TimeBackendName, ...] = ("auto", "freezegun", "time-machine")
#: ``auto``: time-machine where it is importable and no freezegun freezer is running.
DEFAULT_TIME_BACKEND: TimeBackendName = "auto"

#: The time functions pytest-sesquota fakes itself (under one backend or the other).
OWNED = (
    "sleep",
    "time",
    "time_ns",
    "monotonic",
    "monotonic_ns",
    "perf_counter",
    "perf_counter_ns",
)
#: The real functions, in a dict: freezegun rewrites module attributes bound to the
#: functions it fakes, never the items of a container. Read them from here at each call.
REAL: dict[str, Callable[..., Any]] = {name: getattr(_time, name) for name in OWNED}
REAL_SLEEP = REAL["sleep"]
_WALL_AT_IMPORT_NS = _time.time_ns()
_MONOTONIC_AT_IMPORT_NS = REAL["monotonic_ns"]()


def real_time() -> float:
    """Real epoch seconds, whichever backend is active (from the real monotonic clock:
    time-machine patches ``time.time`` itself, so no saved copy of it stays real)."""
    return real_time_ns() / 1e9


def real_time_ns() -> int:
    """Real epoch nanoseconds (see :func:`real_time`)."""
    elapsed: int = REAL["monotonic_ns"]() - _MONOTONIC_AT_IMPORT_NS
    return _WALL_AT_IMPORT_NS + elapsed


def available(name: str) -> bool:
    """Whether the package a backend needs is installed."""
    if name == "time-machine":
        return importlib.util.find_spec("time_machine") is not None
    return name in TIME_BACKENDS


def freezegun_api() -> Any:
    """freezegun's state, if something imported it (None otherwise: nothing runs)."""
    return sys.modules.get("freezegun.api")


def freezegun_running() -> int:
    """How many ``freezegun.freeze_time`` freezers are running now."""
    api = freezegun_api()
    return len(api.freeze_factories) if api is not None else 0


def resolve(name: str) -> Literal["freezegun", "time-machine"]:
    """The backend a name stands for now (``auto`` decides at each start)."""
    if name == "auto":
        if freezegun_running():
            # A freeze_time of the user's around the test: stack on it, as freezegun can.
            return "freezegun"
        return "time-machine" if available("time-machine") else "freezegun"
    if name == "freezegun":
        return "freezegun"
    return "time-machine"


# -- event loops keep real time under both backends ---------------------------------
def real_loop_time(self: asyncio.base_events.BaseEventLoop) -> float:
    """``loop.time()`` on the real monotonic clock."""
    result: float = REAL["monotonic"]()
    return result


def loop_times() -> dict[type, Any]:
    """Every event loop class, with the ``time`` it defines itself (None: inherited)."""
    import asyncio.base_events  # only when a clock starts: asyncio is large

    found: dict[type, Any] = {}
    pending: list[type] = [asyncio.base_events.BaseEventLoop]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        found[cls] = cls.__dict__.get("time")
    return found


def restore_loop_times(saved: dict[type, Any]) -> None:
    """Give each event loop class back the ``time`` :func:`loop_times` found."""
    for cls, own in saved.items():
        if own is not None:
            setattr(cls, "time", own)  # noqa: B010
        elif "time" in cls.__dict__:
            delattr(cls, "time")
