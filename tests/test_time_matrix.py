"""One virtual time, whatever reads it: every clock, every thread, every module name,
under every time backend (``auto``, the default, and each backend by name).

Each row is read by code in a module of its own (named like the modules freezegun's
default ignore list exempted: ``queue_worker``, ``gift_cards``, ...), called from the
main thread, from a ``threading.Thread`` and from a ``ThreadPoolExecutor`` worker; the
modules are imported before the fake starts, as an application's are, or first
inside it.
"""

from __future__ import annotations

import calendar
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from pytest_sesquota import SesAccount, real_time
from pytest_sesquota.clock.timebackend import available

BACKENDS = ["auto", *(b for b in ("freezegun", "time-machine") if available(b))]
START = datetime(2030, 1, 15, 12, 0, tzinfo=timezone.utc)  # noon: the same date in any TZ
EPOCH = START.timestamp()

# Every way of reading the clock the issue lists, bound both ways applications bind
# them: through the module (time.time()) and by name (from time import time).
READER = """
import datetime as _dt
import time
import warnings
from datetime import date, datetime
from time import gmtime, localtime, monotonic, monotonic_ns, perf_counter, perf_counter_ns
from time import sleep, strftime, time_ns
from time import time as time_by_name


def read():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # utcnow, 3.12+
        utcnow = datetime.utcnow()
    return {
        "time.time": time.time(),
        "time (by name)": time_by_name(),
        "time_ns": time_ns() / 1e9,
        "time.monotonic": time.monotonic(),
        "monotonic (by name)": monotonic(),
        "monotonic_ns": monotonic_ns() / 1e9,
        "time.perf_counter": time.perf_counter(),
        "perf_counter (by name)": perf_counter(),
        "perf_counter_ns": perf_counter_ns() / 1e9,
        "datetime.now(utc)": datetime.now(_dt.timezone.utc).timestamp(),
        "datetime.now()": datetime.now(),
        "datetime.utcnow()": utcnow,
        "datetime.today()": datetime.today(),
        "date.today()": date.today(),
        "_dt.datetime.now()": _dt.datetime.now(),
        "gmtime": gmtime(),
        "localtime": localtime(),
        "strftime": strftime("%Y-%m-%d"),
    }


def wait(seconds):
    sleep(seconds)


def wait_through_module(seconds):
    time.sleep(seconds)
"""
# Each like a prefix of freezegun's default ignore list, which they used to match.
MODULES = ["queue_worker", "gift_cards", "threading_jobs", "multiprocessing_tasks"]

MONOTONIC = {
    "time.monotonic",
    "monotonic (by name)",
    "monotonic_ns",
    "time.perf_counter",
    "perf_counter (by name)",
    "perf_counter_ns",
}


def expected(at: datetime) -> dict[str, Any]:
    """What each row reads at the virtual instant ``at`` (aware UTC)."""
    naive = at.replace(tzinfo=None)
    seconds = at.timestamp()
    return {
        "time.time": seconds,
        "time (by name)": seconds,
        "time_ns": seconds,
        "datetime.now(utc)": seconds,
        "datetime.now()": naive,  # naive reads UTC under both backends
        "datetime.utcnow()": naive,
        "datetime.today()": naive,
        "date.today()": naive.date(),
        "_dt.datetime.now()": naive,
        "gmtime": at.timetuple()[:6],
        "localtime": float(int(seconds)),  # whole seconds, through mktime: any time zone
        "strftime": naive.strftime("%Y-%m-%d"),
    }


def check(rows: dict[str, Any], at: datetime, *, monotonic_origin: dict[str, float]) -> None:
    want = expected(at)
    got: dict[str, Any] = {}
    for key, value in rows.items():
        if key == "gmtime":
            got[key] = tuple(value)[:6]
        elif key == "localtime":
            got[key] = time.mktime(value) if value.tm_isdst <= 0 else None
        elif key in MONOTONIC:
            # Monotonic clocks have no epoch of their own: they move with the clock.
            got[key] = round(value - monotonic_origin[key], 6)
            want[key] = round((at - START).total_seconds(), 6)
        elif isinstance(value, float):
            got[key] = round(value, 6)
        else:
            got[key] = value
        if isinstance(want.get(key), float):
            want[key] = round(want[key], 6)
    assert got == want


Place = Callable[[Callable[[], Any]], Any]


def in_main_thread(function: Callable[[], Any]) -> Any:
    return function()


def in_a_thread(function: Callable[[], Any]) -> Any:
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(function())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and not errors, errors
    return result[0]


def in_a_pool(function: Callable[[], Any]) -> Any:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return pool.submit(function).result(timeout=60)


PLACES: dict[str, Place] = {
    "main thread": in_main_thread,
    "threading.Thread": in_a_thread,
    "ThreadPoolExecutor": in_a_pool,
}


@pytest.fixture
def odd_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The reader, in modules with the names above (dropped from sys.modules after)."""
    for name in MODULES:
        (tmp_path / f"{name}.py").write_text(READER)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield MODULES
    for name in MODULES:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_clock_reads_virtual_time(backend: str, place: str, odd_modules: list[str]) -> None:
    modules = [import_module(name) for name in odd_modules]
    run = PLACES[place]
    with SesAccount(start=START, time_backend=backend) as account:
        clock = account.clock
        origins = [run(module.read) for module in modules]
        for rows in origins:
            check(rows, START, monotonic_origin={k: rows[k] for k in MONOTONIC})
        wall = real_time.monotonic()
        # Sleeps are virtual wherever they are called from, bound by name or not.
        for module in modules:
            run(lambda m=module: m.wait(3600))
            run(lambda m=module: m.wait_through_module(0.25))
        assert real_time.monotonic() - wall < 30  # 4.25 virtual hours, not real ones
        assert clock.elapsed() == 4 * 3600.25
        clock.advance(days=1, seconds=0.5)
        at = START + timedelta(hours=4, seconds=1.5, days=1)
        assert clock.now() == at
        for module, origin in zip(modules, origins, strict=True):
            check(run(module.read), at, monotonic_origin={k: origin[k] for k in MONOTONIC})
    # Real again afterwards, in every module.
    after = modules[0].read()
    assert abs(after["time (by name)"] - real_time.time()) < 60
    assert after["date.today()"] == date.today() != START.date()


@pytest.mark.parametrize("backend", BACKENDS)
def test_modules_first_imported_inside_the_fake(
    backend: str, odd_modules: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with SesAccount(start=START, time_backend=backend) as account:
        # Imported while the fake runs: a module's first import inside a test.
        module = import_module(odd_modules[1])
        rows = in_a_pool(module.read)
        check(rows, START, monotonic_origin={k: rows[k] for k in MONOTONIC})
        in_a_thread(lambda: module.wait(90))
        assert account.clock.elapsed() == 90
    # ...and it reads real time after, with every binding it made.
    after = module.read()
    assert abs(after["time (by name)"] - real_time.time()) < 60
    assert abs(after["monotonic (by name)"] - real_time.monotonic()) < 60
    assert abs(after["perf_counter (by name)"] - real_time.perf_counter()) < 60
    assert after["datetime.now(utc)"] == pytest.approx(real_time.time(), abs=60)
    assert type(module.datetime.now()) is datetime
    wall = real_time.monotonic()
    module.wait(0.01)
    assert real_time.monotonic() - wall >= 0.01  # sleeps really again


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_deadline_loop_in_a_pool_thread_moves_the_quota_clock_by_its_deadline(
    backend: str,
) -> None:
    """The issue's failure: a "sleep until deadline" loop in a pool thread read real
    monotonic time and moved the quota clock by 24,537 virtual seconds in 5 real ones."""

    def sleep_until_deadline() -> int:
        deadline = time.monotonic() + 5
        turns = 0
        while time.monotonic() < deadline:
            time.sleep(0.1)
            turns += 1
        return turns

    with SesAccount(start=START, time_backend=backend) as account:
        wall = real_time.monotonic()
        turns = in_a_pool(sleep_until_deadline)
        assert real_time.monotonic() - wall < 5  # virtual seconds, not real ones
        assert turns in (50, 51)  # 0.1 s steps in binary floating point
        assert account.clock.elapsed() == pytest.approx(turns * 0.1)
        assert calendar.timegm(time.gmtime()) == int(EPOCH + account.clock.elapsed())
