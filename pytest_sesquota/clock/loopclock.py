"""asyncio on the virtual clock: event loops wait on virtual time, and skip it when idle.

While a :class:`~.sesclock.SesClock` runs, every event loop of the thread that started
it (the test's) reads ``time.monotonic()``, which is virtual, so ``loop.time()``,
``time.monotonic()`` and the account's clock agree. When such a loop has nothing to
run and would block until its next timer (an ``asyncio.sleep``, a ``call_later``, a
``wait_for`` deadline, aiobotocore's retry sleep), it moves the clock to that timer
instead, through :meth:`SesClock.advance` (so scheduled account actions run on the
way). Real work still happens in real time: when sockets, pipes or executor threads
may still answer, the loop first waits for them, in real time, for up to the clock's
``io_wait`` seconds; I/O takes no virtual time. A task awaiting a child process
(``proc.wait()``, ``communicate()``, a read of its output) waits for it in real time
up to the next timer, however far (a child runs in real time: ``wait_for(proc.wait(),
60)`` gives it a real minute), and so does an executor job while a ``Popen`` wait
is under way (``asyncio.to_thread(subprocess.run, ...)``); only then does the loop
jump. A loop that waits for nothing but I/O (no timer) blocks as it always does.

Loops of other threads (the SMTP and HTTP servers', any server thread of the test's
own) keep real time. A loop's pending timers are moved between the two timelines
when the clock starts and stops, so a loop that outlives the test (a session-scoped
one) keeps working. Written here rather than taken from ``looptime``: that library
keeps a counter of its own per loop (not a given clock), covers pytest-asyncio's
loops only, and jumps over a real I/O wait that has a deadline after a few no-op
iterations.
"""

from __future__ import annotations

import asyncio.base_events
import asyncio.base_subprocess
import asyncio.selector_events
import math
import threading
import time as _time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future as _ThreadFuture
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..active import ACTIVE
from .process_waits import child_waits
from .sesclock import Sleep
from .timebackend import REAL, loop_times, restore_loop_times

__all__ = ["SkippableClock", "running"]

_BaseLoop = asyncio.base_events.BaseEventLoop
_ORIGINAL_RUN_IN_EXECUTOR = _BaseLoop.run_in_executor
_ORIGINAL_SHUTDOWN_EXECUTOR = _BaseLoop.shutdown_default_executor
_Subprocess = asyncio.base_subprocess.BaseSubprocessTransport
_ORIGINAL_SUBPROCESS_INIT = _Subprocess.__init__
#: The kind of the clock's sleep log entries for idle loops.
LOOP = "event loop"
_ACCEPT = asyncio.selector_events.BaseSelectorEventLoop._accept_connection  # type: ignore[attr-defined]
#: The virtual clock's resolution: a timer due within it is due (asyncio does the same
#: with its real clock's resolution, which a virtual clock that stands still lacks).
_RESOLUTION = 1e-6
#: Busy loop iterations per microsecond of virtual time.
_BUSY_ITERATIONS = 1000


class SkippableClock(Protocol):
    """A clock whose idle waits an event loop may skip: what a loop needs of the clock
    it runs on (a ``SesClock``)."""

    io_wait: float
    sleep_log: list[Sleep]

    def now(self) -> datetime: ...

    @property
    def running(self) -> bool: ...

    def advance(self, delta: timedelta | float | None = None) -> Any: ...


class _Loop:
    """What was changed on one loop, to give it back."""

    def __init__(self, loop: _BaseLoop, offset: float) -> None:
        self.resolution: float = loop._clock_resolution  # type: ignore[attr-defined]
        self.work: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()
        #: The loop's child processes (asyncio.create_subprocess_*, loop.subprocess_*).
        self.children: weakref.WeakSet[_Subprocess] = weakref.WeakSet()
        #: Executor shutdowns under way (their thread reports back through the self-pipe).
        self.shutdowns = 0
        #: Iterations in a row with callbacks ready (no wait).
        self.busy = 0
        _shift(loop, offset)
        loop._clock_resolution = _RESOLUTION  # type: ignore[attr-defined]
        self.selector = getattr(loop, "_selector", None)
        self.select: Callable[..., Any] | None = None
        if self.selector is not None:
            self.select = self.selector.select
            self.selector.select = self._wrap(loop, self.select)

    def _wrap(self, loop: _BaseLoop, select: Callable[..., Any]) -> Callable[..., Any]:
        ref = weakref.ref(loop)

        def virtual_select(timeout: float | None = None) -> Any:
            # timeout 0: callbacks are ready; None: no timer, only I/O can wake the loop.
            if timeout is None:
                self.busy = 0
                return select(timeout)
            if timeout <= 0:
                self.busy += 1
                if self.busy >= _BUSY_ITERATIONS:
                    # Time passes while a loop works, a microsecond per so many busy
                    # iterations: code that polls until the clock moves (a rate limiter
                    # asking for less than a microsecond) must not spin forever.
                    self.busy = 0
                    active: _LoopsOnClock | None = ACTIVE.loops
                    if active is not None and active.clock.running:
                        active.clock.advance(timedelta(microseconds=1))
                return select(timeout)
            self.busy = 0
            ready = select(0)
            target = ref()
            active = ACTIVE.loops
            if ready or target is None or active is None or not active.owns(target):
                return ready or select(timeout)
            before = target.time()
            if self.waits_on_child():
                # The child's exit (a pidfd, or the watcher thread through the self-pipe)
                # or its output wakes the loop; the next timer, in real time, if not.
                ready = select(timeout)
                if ready:
                    return ready
            elif self.external_work(target):
                io_wait = min(timeout, active.clock.io_wait)
                ready = select(io_wait)
                if ready:
                    return ready
                if self.waits_on_child():  # an executor job began waiting on a child meanwhile
                    ready = select(timeout - io_wait)
                    if ready:
                        return ready
            active.jump(timeout - (target.time() - before))
            return []

        return virtual_select

    def waits_on_child(self) -> bool:
        """Whether the loop waits on a child process: a task awaits one, or an executor
        job may (a ``Popen`` wait is under way in some thread)."""
        return self.child_awaited() or (child_waits() > 0 and self.executor_busy())

    def child_awaited(self) -> bool:
        """Whether a task awaits one of the loop's child processes: its exit
        (``proc.wait()``, the end of ``communicate()``) or its output."""
        for child in list(self.children):
            waiters = child._exit_waiters
            if waiters and any(not waiter.done() for waiter in waiters):
                return True
            protocol = child._protocol
            for stream in (getattr(protocol, "stdout", None), getattr(protocol, "stderr", None)):
                waiter = getattr(stream, "_waiter", None)
                if waiter is not None and not waiter.done():
                    return True
        return False

    def executor_busy(self) -> bool:
        """Whether an executor job of the loop is still running (one may be waiting on a
        child process: ``asyncio.to_thread(subprocess.run, ...)``)."""
        return any(not future.done() for future in self.work)

    def external_work(self, loop: _BaseLoop) -> bool:
        """Whether something outside the loop may still wake it: an executor job, a
        connection or pipe (listening sockets and the loop's self-pipe aside)."""
        if self.shutdowns or any(not future.done() for future in self.work):
            return True
        if self.selector is None:
            return False
        ssock = getattr(loop, "_ssock", None)
        own = ssock.fileno() if ssock is not None else -1
        for key in self.selector.get_map().values():
            if key.fd == own:
                continue
            reader, writer = key.data
            if writer is not None:
                return True
            if reader is not None and getattr(reader._callback, "__func__", None) is not _ACCEPT:
                return True
        return False

    def release(self, loop: _BaseLoop, offset: float) -> None:
        if not loop.is_closed():
            _shift(loop, offset)
        loop._clock_resolution = self.resolution  # type: ignore[attr-defined]
        if self.selector is not None and "select" in vars(self.selector):
            del self.selector.select


def _real_monotonic() -> float:
    # Looked up in timebackend's dict at each call: freezegun rewrites every module
    # attribute bound to the real function, but not the items of a container.
    now: float = REAL["monotonic"]()
    return now


def _shift(loop: _BaseLoop, offset: float) -> None:
    """Move the loop's pending timers to the other timeline (the heap's order stays)."""
    for handle in getattr(loop, "_scheduled", ()):
        handle._when += offset


class _LoopsOnClock:
    """The clock the test thread's loops run on, and the loops that have seen it
    (``ACTIVE.loops`` while :func:`running`)."""

    def __init__(self, clock: SkippableClock) -> None:
        self.clock = clock
        self.thread = threading.get_ident()
        self.loops: weakref.WeakKeyDictionary[_BaseLoop, _Loop] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def owns(self, loop: _BaseLoop) -> bool:
        thread = loop._thread_id  # type: ignore[attr-defined]
        return (thread if thread is not None else threading.get_ident()) == self.thread

    def adopt(self, loop: _BaseLoop) -> _Loop:
        with self._lock:
            state = self.loops.get(loop)
            if state is None:
                state = self.loops[loop] = _Loop(loop, _time.monotonic() - _real_monotonic())
            return state

    def jump(self, seconds: float) -> None:
        # Whole microseconds (the clock's resolution). Loop times are epoch seconds, whose
        # floats are a quarter of a microsecond apart: half a microsecond short is the
        # timer's own instant (and due, by the loop's clock resolution).
        # And at least one: a loop polling with waits shorter than that (a rate limiter's
        # bucket nearly full) must see time pass, as time.sleep's callers do.
        micro = max(1, math.ceil(seconds * 1e6 - 0.5)) if seconds > 0 else 0
        if micro > 0 and self.clock.running:
            step = timedelta(microseconds=micro)
            # In the test's failure report, beside time.sleep calls.
            self.clock.sleep_log.append(Sleep(self.clock.now(), step.total_seconds(), LOOP))
            self.clock.advance(step)

    def release_all(self) -> None:
        offset = _real_monotonic() - _time.monotonic()
        for loop, state in list(self.loops.items()):
            state.release(loop, offset)
        self.loops.clear()


def _loop_time(self: _BaseLoop) -> float:
    active: _LoopsOnClock | None = ACTIVE.loops
    if active is not None and active.owns(self):
        if self not in active.loops:
            active.adopt(self)
        # Read through the module: whichever backend faked it, the same value.
        now: float = _time.monotonic()
        return now
    return _real_monotonic()


def _run_in_executor(self: _BaseLoop, executor: Any, func: Any, *args: Any) -> Any:
    future = _ORIGINAL_RUN_IN_EXECUTOR(self, executor, func, *args)
    active: _LoopsOnClock | None = ACTIVE.loops
    if active is not None and active.owns(self) and not isinstance(future, _ThreadFuture):
        active.adopt(self).work.add(future)
    return future


async def _shutdown_default_executor(self: _BaseLoop, *args: Any, **kwargs: Any) -> None:
    active: _LoopsOnClock | None = ACTIVE.loops
    state = active.adopt(self) if active is not None and active.owns(self) else None
    if state is not None:
        state.shutdowns += 1
    try:
        await _ORIGINAL_SHUTDOWN_EXECUTOR(self, *args, **kwargs)
    finally:
        if state is not None:
            state.shutdowns -= 1


def _subprocess_init(self: _Subprocess, loop: _BaseLoop, *args: Any, **kwargs: Any) -> None:
    _ORIGINAL_SUBPROCESS_INIT(self, loop, *args, **kwargs)
    active: _LoopsOnClock | None = ACTIVE.loops
    if active is not None and active.owns(loop):
        active.adopt(loop).children.add(self)


@contextmanager
def running(clock: SkippableClock) -> Iterator[None]:
    """Run the calling thread's event loops on ``clock`` (already started) meanwhile."""
    if ACTIVE.loops is not None:
        raise RuntimeError("event loops already run on another virtual clock")
    # Whatever the time backend put on each loop class (its real-time loop clock)
    # is set aside and put back, so that the backend's own stop finds it.
    saved = loop_times()
    active = ACTIVE.loops = _LoopsOnClock(clock)
    try:
        for cls in saved:
            setattr(cls, "time", _loop_time)  # noqa: B010
        _BaseLoop.run_in_executor = _run_in_executor  # type: ignore[method-assign,assignment]
        _BaseLoop.shutdown_default_executor = _shutdown_default_executor  # type: ignore[method-assign]
        _Subprocess.__init__ = _subprocess_init  # type: ignore[method-assign,assignment]
        yield
    finally:
        ACTIVE.loops = None
        try:
            active.release_all()
        finally:
            _BaseLoop.run_in_executor = _ORIGINAL_RUN_IN_EXECUTOR  # type: ignore[method-assign]
            _BaseLoop.shutdown_default_executor = _ORIGINAL_SHUTDOWN_EXECUTOR  # type: ignore[method-assign]
            _Subprocess.__init__ = _ORIGINAL_SUBPROCESS_INIT  # type: ignore[method-assign]
            restore_loop_times(saved)
