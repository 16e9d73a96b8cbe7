"""Real time while the virtual clock runs: for measuring how long something really takes.

While a fake SES account is active, ``time.time()``, ``time.monotonic()``,
``time.perf_counter()``, ``datetime.now()`` and ``time.sleep()`` are virtual. These
read (and sleep on) the real clocks, under either time backend::

    from pytest_sesquota import real_time

    started = real_time.perf_counter()
    ...
    took = real_time.perf_counter() - started
"""

from __future__ import annotations

from datetime import datetime, timezone

from .clock import timebackend as _backend

__all__ = [
    "monotonic",
    "monotonic_ns",
    "now",
    "perf_counter",
    "perf_counter_ns",
    "sleep",
    "time",
    "time_ns",
]

# Looked up in the backend's dict at each call: freezegun rewrites module attributes
# bound to the functions it fakes, never the items of a dict.
_REAL = _backend.REAL
_DATETIME = {"datetime": datetime}


def time() -> float:
    """Real seconds since the epoch (``time.time()`` as if nothing were faked)."""
    return _backend.real_time()


def time_ns() -> int:
    """Real nanoseconds since the epoch."""
    return _backend.real_time_ns()


def monotonic() -> float:
    """The real ``time.monotonic()``."""
    result: float = _REAL["monotonic"]()
    return result


def monotonic_ns() -> int:
    """The real ``time.monotonic_ns()``."""
    result: int = _REAL["monotonic_ns"]()
    return result


def perf_counter() -> float:
    """The real ``time.perf_counter()``."""
    result: float = _REAL["perf_counter"]()
    return result


def perf_counter_ns() -> int:
    """The real ``time.perf_counter_ns()``."""
    result: int = _REAL["perf_counter_ns"]()
    return result


def sleep(seconds: float) -> None:
    """Block for ``seconds`` of real time (``time.sleep`` moves the virtual clock instead)."""
    _REAL["sleep"](seconds)


def now() -> datetime:
    """The real time as an aware UTC datetime."""
    result: datetime = _DATETIME["datetime"].fromtimestamp(_backend.real_time(), timezone.utc)
    return result
