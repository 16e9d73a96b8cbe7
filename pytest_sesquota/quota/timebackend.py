"""How a virtual clock takes over the process's time, and gives it back.

Two backends fake what ``time.time()``, ``datetime.now()``, ``date.today()`` and
friends read. time-machine (the default where it installs: a compiled wheel for
CPython) patches them at C level and scans nothing; pytest-sesquota fakes
``time.time``/``time_ns``/``monotonic``/``perf_counter`` and ``sleep`` on top, so that
each read can tick or notice a stall. freezegun (the fallback, and a choice)
replaces the functions in every loaded module at each start; its clock is
this one (a freezegun "factory" that reads it), and its default ignore list
is dropped: code in worker threads or in modules named ``queue_worker`` or
``gift_cards`` reads virtual time like the rest. Under both, ``time.sleep`` is
virtual; the standard library's own timeouts (``threading``, ``queue``,
``multiprocessing``) and asyncio's event loops keep real time, or they would hang.

Everything is undone by :meth:`VirtualTime.stop`, whatever fails on the way.
"""

from __future__ import annotations

import importlib.util
import sys
import time as _time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

if TYPE_CHECKING:
    import asyncio.base_events

TimeBackendName = Literal["auto", "freezegun", "time-machine"]
TIME_BACKENDS: tuple[TimeBackendName, ...] = ("auto", "freezegun", "time-machine")
#: ``auto``: time-machine where it is importable and no freezegun freezer is running.
DEFAULT_TIME_BACKEND: TimeBackendName = "auto"

#: Modules whose own bindings of the time functions stay real: pytest's timing
#: (durations, JUnit times), and the standard library's timeouts, which wait in
#: real time (a frozen ``queue.get(timeout=1)`` would never time out).
_KEEP_REAL_STDLIB = ("threading", "queue", "multiprocessing", "_pytest.timing")
#: The same, plus the modules that must read real time themselves.
_KEEP_REAL = ("time", "pytest_sesquota", "freezegun", "time_machine", *_KEEP_REAL_STDLIB)
#: Re-exported by ``quota.clock`` (it was public there): pytest's timing keeps real time.
IGNORED_MODULES = ["_pytest.timing"]

# The real functions, in a dict: freezegun rewrites module attributes bound to
# the functions it fakes, never the items of a container.
_OWNED = (
    "sleep",
    "time",
    "time_ns",
    "monotonic",
    "monotonic_ns",
    "perf_counter",
    "perf_counter_ns",
)
_REAL: dict[str, Callable[..., Any]] = {name: getattr(_time, name) for name in _OWNED}
_REAL_SLEEP = _REAL["sleep"]
_WALL_AT_IMPORT_NS = _time.time_ns()
_MONOTONIC_AT_IMPORT_NS = _REAL["monotonic_ns"]()
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def real_time() -> float:
    """Real epoch seconds, whichever backend is active (from the real monotonic clock:
    time-machine patches ``time.time`` itself, so no saved copy of it stays real)."""
    return real_time_ns() / 1e9


def real_time_ns() -> int:
    """Real epoch nanoseconds (see :func:`real_time`)."""
    elapsed: int = _REAL["monotonic_ns"]() - _MONOTONIC_AT_IMPORT_NS
    return _WALL_AT_IMPORT_NS + elapsed


def available(name: str) -> bool:
    """Whether the package a backend needs is installed."""
    if name == "time-machine":
        return importlib.util.find_spec("time_machine") is not None
    return name in TIME_BACKENDS


def _freezegun_api() -> Any:
    """freezegun's state, if something imported it (None otherwise: nothing runs)."""
    return sys.modules.get("freezegun.api")


def freezegun_running() -> int:
    """How many ``freezegun.freeze_time`` freezers are running now."""
    api = _freezegun_api()
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


class Clock(Protocol):
    """What the virtual functions need of the clock that runs."""

    def sleep(self, seconds: float) -> None: ...

    def read(self) -> datetime:
        """The virtual time (naive UTC) as the process reads it (may tick)."""
        ...

    def report(self, problem: str) -> None:
        """Keep a problem for the test's teardown to fail with."""
        ...


# -- the virtual functions: they follow the clock that runs, real time otherwise --
_current: Clock | None = None


def _virtual_sleep(seconds: float) -> None:
    clock = _current
    if clock is None:  # a binding made while a clock ran outlives it: real again
        _REAL_SLEEP(seconds)
        return
    clock.sleep(seconds)


def _seconds(name: str) -> Callable[[], float]:
    real = _REAL[name]

    def virtual() -> float:
        clock = _current
        if clock is None:
            result: float = real()
            return result
        return (clock.read() - _EPOCH).total_seconds()

    virtual.__name__ = virtual.__qualname__ = name
    return virtual


def _nanoseconds(name: str) -> Callable[[], int]:
    real = _REAL[name]

    def virtual() -> int:
        clock = _current
        if clock is None:
            result: int = real()
            return result
        return (clock.read() - _EPOCH) // _MICROSECOND * 1000

    virtual.__name__ = virtual.__qualname__ = name
    return virtual


_VIRTUAL: dict[str, Callable[..., Any]] = {
    "sleep": _virtual_sleep,
    **{name: _seconds(name) for name in ("time", "monotonic", "perf_counter")},
    **{name: _nanoseconds(name) for name in ("time_ns", "monotonic_ns", "perf_counter_ns")},
}

# Modules that bound a real function to a name of their own (``from time import
# sleep``): found once per module, patched on every start. By module object, not
# name: pytester's runs import a new module under a name used before.
_aliases: dict[str, list[tuple[str, str]]] = {}
_scanned: dict[str, ModuleType] = {}
# sys.modules's fingerprint at the last scan, and every alias then: most starts find
# it unchanged and skip the walk (a millisecond with 1,000 modules loaded).
_fingerprint: tuple[int, str, int] | None = None
_bindings: list[tuple[ModuleType, str, str]] = []


def _modules_fingerprint() -> tuple[int, str, int] | None:
    """How many modules, and the last one imported. A module imported, dropped or
    imported again (pytester's runs) changes it: sys.modules keeps insertion order."""
    modules = sys.modules
    try:
        last = next(reversed(modules))
    except StopIteration:
        return None
    return len(modules), last, id(modules[last])


_BY_ID = {id(function): name for name, function in _REAL.items()}


def _keeps_real(module_name: str, keep: tuple[str, ...] = _KEEP_REAL) -> bool:
    """A module of ``keep`` or of a package there (``time`` is not ``timetable``)."""
    return any(module_name == k or module_name.startswith(f"{k}.") for k in keep)


def _find_aliases(names: tuple[str, ...]) -> list[tuple[ModuleType, str, str]]:
    """``(module, attribute, function name)`` of every real binding of ``names``."""
    global _fingerprint
    fingerprint = _modules_fingerprint()
    if fingerprint != _fingerprint:
        modules = dict(sys.modules)
        for module_name, module in modules.items():
            if _scanned.get(module_name) is not module:
                _scanned[module_name] = module
                _aliases.pop(module_name, None)
                if module is None or _keeps_real(module_name):
                    continue
                try:
                    attrs = [(a, _BY_ID[id(v)]) for a, v in vars(module).items() if id(v) in _BY_ID]
                except TypeError:  # modules without a __dict__
                    continue
                if attrs:
                    _aliases[module_name] = attrs
        _bindings[:] = [
            (modules[module_name], attr, name)
            for module_name, attrs in _aliases.items()
            if module_name in modules
            for attr, name in attrs
        ]
        _fingerprint = fingerprint
    return [
        (module, attr, name)
        for module, attr, name in _bindings
        if name in names and getattr(module, attr, None) is _REAL[name]
    ]


def _freezegun_time_ns() -> int:
    """``time.time_ns`` under freezegun: its own drops the fraction of a second (before
    1.5); read from whichever freezer is newest, as its functions are."""
    api = _freezegun_api()
    if _current is None or api is None or not api.freeze_factories:
        result: int = _REAL["time_ns"]()
        return result
    now: datetime = api.get_current_time()
    return (now - _EPOCH) // _MICROSECOND * 1000


# -- the backends ---------------------------------------------------------------
class _ClockFactory:
    """What freezegun calls for the time (its "freeze factory"): this clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __call__(self) -> datetime:
        return self._clock.read()


class _Freezegun:
    """freezegun: fakes time/datetime by rewriting every module's bindings at start."""

    #: What pytest-sesquota fakes itself; freezegun fakes the rest, reading this clock.
    virtual: ClassVar[Mapping[str, Callable[..., Any]]] = MappingProxyType(
        {"sleep": _virtual_sleep, "time_ns": _freezegun_time_ns}
    )

    def start(self, at: datetime, clock: Clock) -> None:
        import freezegun
        import freezegun.api as api

        self._clock = clock
        self._api = api
        self._loop_times = _loop_times()
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
            if _keeps_real(getattr(module, "__name__", ""), _KEEP_REAL_STDLIB):
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
                self._clock.report(_leak_message(leaked, "stopped it"))
                _drop_freezers(api, leaked)
            self._freezer.stop()
        finally:
            # freezegun "restores" the event loop class's inherited `time` by setting
            # it on the class itself: take that away again, as it was before.
            _restore_loop_times(self._loop_times)
            if not api.freeze_factories:
                _repair_subclasses(api, self._subclasses)


def _drop_freezers(api: Any, count: int) -> None:
    """Forget the newest ``count`` freezers: nested ones, which patched nothing."""
    if count > 0:
        for stack in (api.freeze_factories, api.ignore_lists, api.tick_flags, api.tz_offsets):
            del stack[-count:]


def _leak_message(count: int, what: str) -> str:
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


class _TimeMachine:
    """time-machine: fakes time/datetime at C level; monotonic is ours to fake."""

    def __init__(self, *, ticking: bool) -> None:
        # time.time/time_ns are time-machine's, which a travel of the user's inside the
        # test moves too; they are ours only when each read must move the clock.
        owned = _OWNED if ticking else tuple(n for n in _OWNED if n not in ("time", "time_ns"))
        self.virtual: Mapping[str, Callable[..., Any]] = {n: _VIRTUAL[n] for n in owned}

    def start(self, at: datetime, clock: Clock) -> None:
        import time_machine

        self._clock = clock
        # An aware UTC destination: time-machine sets TZ=UTC while travelling, so a
        # naive datetime.now() reads UTC, as it does under freezegun.
        self._travel = time_machine.travel(at.replace(tzinfo=timezone.utc), tick=False)
        self._traveller: Any = self._travel.start()
        # Event loops schedule on monotonic time: keep theirs real.
        self._loop_times = _loop_times()
        for cls in self._loop_times:
            setattr(cls, "time", _real_loop_time)  # noqa: B010
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
                _restore_loop_times(self._loop_times)
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

    def stop(self, clock: Clock) -> None:
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
            clock.report(_leak_message(leaked, "could not stop it"))
            return
        _drop_freezers(api, leaked - 1)
        first.stop()
        clock.report(_leak_message(leaked, "stopped it"))


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
        self.requested = backend
        #: The backend that runs (``auto`` resolved at start).
        self.backend: Literal["freezegun", "time-machine"] = resolve(backend)
        self._clock = clock
        self._impl: _Freezegun | _TimeMachine = (
            _TimeMachine(ticking=bool(getattr(clock, "auto_tick", None)))
            if self.backend == "time-machine"
            else _Freezegun()
        )
        self._patched: list[tuple[ModuleType, str, str]] = []

    def start(self, at: datetime) -> None:
        """Freeze time at ``at`` (naive UTC) and take over sleep (and the clocks we own)."""
        global _current
        if _current is not None or _time.sleep is not _REAL_SLEEP:
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
        patched = [(_time, name, name) for name in names] + _find_aliases(names)
        _current = self._clock
        try:
            self._impl.start(at, self._clock)
        except BaseException:
            _current = None
            raise
        try:
            for module, attr, name in patched:
                setattr(module, attr, virtual[name])
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
                if getattr(module, attr, None) is self._impl.virtual[name]:
                    setattr(module, attr, _REAL[name])
            self._patched = []
        finally:
            if _current is self._clock:
                try:
                    self._impl.stop()
                finally:
                    _current = None
