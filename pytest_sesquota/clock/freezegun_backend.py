"""The freezegun backend: fakes time and datetime by rewriting every module's bindings.

Its clock is this package's (a freezegun "freeze factory" that reads it), and its default
ignore list is dropped: code in worker threads or in modules named ``queue_worker`` or
``gift_cards`` reads virtual time like the rest. Also here: what to do about a user's
own freezers (stacked on the clock, or leaked by a test), which the time-machine
backend needs too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar

from .faked import KEEP_REAL_STDLIB, TimeSource, freezegun_time_ns, keeps_real, virtual_sleep
from .timebackend import loop_times, restore_loop_times

__all__ = ["FreezegunBackend", "drop_freezers", "leak_message"]


class _ClockFactory:
    """What freezegun calls for the time (its "freeze factory"): this clock."""

    def __init__(self, clock: TimeSource) -> None:
        self._clock = clock

    def __call__(self) -> datetime:
        return self._clock.read()


class FreezegunBackend:
    """freezegun: fakes time/datetime by rewriting every module's bindings at start."""

    #: What pytest-sesquota fakes itself; freezegun fakes the rest, reading this clock.
    virtual: ClassVar[Mapping[str, Callable[..., Any]]] = MappingProxyType(
        {"sleep": virtual_sleep, "time_ns": freezegun_time_ns}
    )

    def start(self, at: datetime, clock: TimeSource) -> None:
        import freezegun
        import freezegun.api as api

        self._clock = clock
        self._api = api
        self._loop_times = loop_times()
        self._below = len(api.freeze_factories)  # a user's freezers around the test
        self._subclasses = _fake_subclasses(api)
        freezer = freezegun.freeze_time(at, tick=False, real_asyncio=True)
        # freezegun's default ignore list exempts any call with a module named
        # threading*, queue*, gi*, ... among its callers: worker threads and modules
        # such as gift_cards would read real time. Nothing is exempt by call stack
        # here (which also spares each read a walk of the stack); the few modules that
        # must keep real time get their bindings back below.
        freezer.ignore = ()
        self._freezer = freezer
        freezer.start()
        factories: list[Any] = api.freeze_factories
        factories[-1] = _ClockFactory(clock)
        for module, attr, original in freezer.undo_changes:
            if keeps_real(getattr(module, "__name__", ""), KEEP_REAL_STDLIB):
                setattr(module, attr, original)

    def advance(self, delta: timedelta) -> None:
        pass  # freezegun reads the clock itself

    def stop(self) -> None:
        api = self._api
        try:
            leaked = len(api.freeze_factories) - self._below - 1
            if leaked > 0:
                # Started in the test on top of this clock and never stopped: freezegun
                # stops the newest freezer whichever is asked, so they go first.
                self._clock.report(leak_message(leaked, "stopped it"))
                drop_freezers(api, leaked)
            self._freezer.stop()
        finally:
            # freezegun "restores" the event loop class's inherited `time` by setting
            # it on the class itself: take that away again, as it was before.
            restore_loop_times(self._loop_times)
            if not api.freeze_factories:
                _repair_subclasses(api, self._subclasses)


def drop_freezers(api: Any, count: int) -> None:
    """Forget the newest ``count`` freezers: nested ones, which patched nothing."""
    if count > 0:
        for stack in (api.freeze_factories, api.ignore_lists, api.tick_flags, api.tz_offsets):
            del stack[-count:]


def leak_message(count: int, what: str) -> str:
    """The teardown's report of freezers a test started and never stopped."""
    freezers = "a freezegun.freeze_time" if count == 1 else f"{count} freezegun.freeze_time"
    return (
        f"{freezers} started during this test was still running when the test ended "
        f"(never stopped); pytest-sesquota {what}. Use freeze_time as a context manager "
        "or decorator, or call its stop() in a finally block."
    )


def _fake_subclasses(api: Any) -> set[type]:
    return {*_descendants(api.FakeDatetime), *_descendants(api.FakeDate)}


def _descendants(cls: type) -> list[type]:
    found: list[type] = []
    pending: list[type] = list(cls.__subclasses__())
    while pending:
        sub = pending.pop()
        found.append(sub)
        pending += sub.__subclasses__()
    return found


class _RealDateMeta(type):
    """The metaclass a repaired subclass gets instead of freezegun's, whose
    isinstance() says yes to every real datetime."""


def _repair_subclasses(api: Any, before: set[type]) -> None:
    """Give back the real date/datetime to classes that subclassed them while freezegun ran.

    A library first imported inside a faked test (pendulum) subclasses freezegun's
    ``FakeDatetime``; once freezegun stops, its methods fail (``now()`` raises
    IndexError) and ``isinstance(any_datetime, pendulum.DateTime)`` is true. Such a
    class's base cannot change, but its own attributes win: it gets the real ones.
    """
    for fake, real in ((api.FakeDatetime, api.real_datetime), (api.FakeDate, api.real_date)):
        for sub in _descendants(fake):
            if sub in before:
                continue
            if type(sub) is not _RealDateMeta and type(sub) in (type(fake),):
                sub.__class__ = _RealDateMeta
            if fake not in sub.__bases__:
                continue  # inherits the repair from its parent
            for name, value in vars(fake).items():
                if name in vars(sub) or not (callable(value) or hasattr(value, "__get__")):
                    continue
                for cls in real.__mro__:
                    if name in vars(cls) and cls is not object:
                        setattr(sub, name, vars(cls)[name])
                        break
