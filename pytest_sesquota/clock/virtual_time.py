"""How a virtual clock takes over the process's time, and gives it back.

:class:`VirtualTime` starts the chosen backend (``freezegun_backend`` or
``time_machine_backend``), points the faked time functions at the clock (``ACTIVE.clock``)
and patches ``time.sleep`` and friends, including the names modules bound them to.
Everything is undone by :meth:`VirtualTime.stop`, whatever fails on the way.
"""

from __future__ import annotations

import time as _time
from datetime import datetime, timedelta
from types import ModuleType
from typing import Literal

from ..active import ACTIVE
from .faked import TimeSource, find_aliases
from .freezegun_backend import FreezegunBackend
from .process_waits import ProcessWaits
from .time_machine_backend import TimeMachineBackend
from .timebackend import REAL, REAL_SLEEP, TIME_BACKENDS, available, freezegun_running, resolve

__all__ = ["VirtualTime"]


class VirtualTime:
    """Everything one running clock changes in the process."""

    def __init__(self, backend: str, clock: TimeSource) -> None:
        if backend not in TIME_BACKENDS:
            raise ValueError(
                f"unknown time backend {backend!r}; valid backends: "
                + ", ".join(repr(b) for b in TIME_BACKENDS)
            )
        self.requested = backend
        #: The backend that runs (``auto`` resolved at start).
        self.backend: Literal["freezegun", "time-machine"] = resolve(backend)
        self._clock = clock
        self._impl: FreezegunBackend | TimeMachineBackend = (
            TimeMachineBackend(ticking=bool(getattr(clock, "auto_tick", None)))
            if self.backend == "time-machine"
            else FreezegunBackend()
        )
        self._patched: list[tuple[ModuleType, str, str]] = []
        self._process_waits = ProcessWaits()

    def start(self, at: datetime) -> None:
        """Freeze time at ``at`` (naive UTC) and take over sleep (and the clocks we own)."""
        if ACTIVE.clock is not None or _time.sleep is not REAL_SLEEP:
            raise RuntimeError(
                "time.sleep is already replaced (another SesClock or a mock is active); "
                "pytest-sesquota runs one virtual clock at a time"
            )
        if self.backend == "time-machine":
            if not available("time-machine"):
                raise RuntimeError(
                    "time_backend='time-machine' needs the time-machine package: "
                    'pip install "pytest-sesquota[time-machine]"'
                )
            if freezegun_running():
                raise RuntimeError(
                    "time_backend='time-machine' cannot start while a freezegun.freeze_time "
                    "is running (one started around this test, or one an earlier test never "
                    "stopped): use time_backend='auto' or 'freezegun' to run on top of it, "
                    "or stop it first"
                )
        virtual = self._impl.virtual
        names = tuple(virtual)
        # Found before freezegun rewrites any binding, so that the scan (once per
        # module) sees the real functions whichever backend comes first.
        patched = [(_time, name, name) for name in names] + find_aliases(names)
        ACTIVE.clock = self._clock
        try:
            self._impl.start(at, self._clock)
        except BaseException:
            ACTIVE.clock = None
            raise
        try:
            for module, attr, name in patched:
                setattr(module, attr, virtual[name])
                self._patched.append((module, attr, name))
            # Waits on child processes take real time (a child runs in it).
            self._process_waits.start()
        except BaseException:
            self.stop()
            raise

    def advance(self, delta: timedelta) -> None:
        self._impl.advance(delta)

    def stop(self) -> None:
        """Give real time back. Safe to call twice."""
        try:
            self._process_waits.stop()
            for module, attr, name in self._patched:
                if getattr(module, attr, None) is self._impl.virtual[name]:
                    setattr(module, attr, REAL[name])
            self._patched = []
        finally:
            if ACTIVE.clock is self._clock:
                try:
                    self._impl.stop()
                finally:
                    ACTIVE.clock = None
