"""The time-machine backend: fakes time and datetime at C level, scanning nothing.

time-machine moves ``time.time`` and ``datetime.now`` itself; pytest-sesquota fakes
``monotonic``, ``perf_counter`` and ``sleep`` on top (and ``time``/``time_ns`` when each
read must move the clock). A user's ``freezegun.freeze_time`` inside the test still
works: its freezers read their own time, then give the clocks back to this one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .faked import VIRTUAL, TimeSource
from .freezegun_backend import drop_freezers, leak_message
from .timebackend import OWNED, loop_times, real_loop_time, restore_loop_times

__all__ = ["TimeMachineBackend"]


class TimeMachineBackend:
    """time-machine: fakes time/datetime at C level; monotonic is ours to fake."""

    def __init__(self, *, ticking: bool) -> None:
        # time.time/time_ns are time-machine's, which a travel of the user's inside the
        # test moves too; they are ours only when each read must move the clock.
        owned = OWNED if ticking else tuple(n for n in OWNED if n not in ("time", "time_ns"))
        self.virtual: Mapping[str, Callable[..., Any]] = {n: VIRTUAL[n] for n in owned}

    def start(self, at: datetime, clock: TimeSource) -> None:
        import time_machine

        self._clock = clock
        # An aware UTC destination: time-machine sets TZ=UTC while travelling, so a
        # naive datetime.now() reads UTC, as it does under freezegun.
        self._travel = time_machine.travel(at.replace(tzinfo=timezone.utc), tick=False)
        self._traveller: Any = self._travel.start()
        # Event loops schedule on monotonic time: keep theirs real.
        self._loop_times = loop_times()
        for cls in self._loop_times:
            setattr(cls, "time", real_loop_time)  # noqa: B010
        # A freeze_time of the user's inside the test gives the time functions "back"
        # when it stops, to what freezegun took for real: make that this clock's.
        self._freezegun = _FreezegunWatch(self.virtual)

    def advance(self, delta: timedelta) -> None:
        # Whole nanoseconds from a timedelta: exact, however many steps.
        self._traveller.shift(delta)

    def stop(self) -> None:
        try:
            self._freezegun.stop(self._clock)
        finally:
            try:
                restore_loop_times(self._loop_times)
            finally:
                self._travel.stop()


class _FreezegunWatch:
    """A user's freezegun under time-machine: its freezers read their own time, then
    give the clocks back to this one; one left running at the end is stopped."""

    def __init__(self, virtual: Mapping[str, Callable[..., Any]]) -> None:
        import freezegun.api as api

        self._api = api
        self._reals = {
            name: getattr(api, f"real_{name}")
            for name in virtual
            if hasattr(api, f"real_{name}")  # all but sleep
        }
        for name in self._reals:
            setattr(api, f"real_{name}", virtual[name])
        # Freezers are not kept by freezegun: note those started, to stop a leaked one.
        self._started: list[Any] = []
        self._original_start = api._freeze_time.start
        started, original = self._started, self._original_start

        def start(freezer: Any) -> Any:
            started.append(freezer)
            return original(freezer)

        self._start = start
        setattr(api._freeze_time, "start", start)  # noqa: B010

    def stop(self, clock: TimeSource) -> None:
        api = self._api
        if api._freeze_time.start is self._start:
            setattr(api._freeze_time, "start", self._original_start)  # noqa: B010
        for name, real in self._reals.items():
            setattr(api, f"real_{name}", real)
        leaked = len(api.freeze_factories)
        if not leaked:
            return
        # The first freezer patched everything; the ones on it are entries to drop.
        first = next((f for f in self._started if f.modules_at_start), None)
        if first is None:
            clock.report(leak_message(leaked, "could not stop it"))
            return
        drop_freezers(api, leaked - 1)
        first.stop()
        clock.report(leak_message(leaked, "stopped it"))
