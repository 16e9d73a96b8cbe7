"""The virtual clock's promises beyond the matrix: the default backend, real time on
request, poll loops (sleep(0), auto_tick, a busy loop's clear failure), libraries that
subclass datetime, and a user's own freezegun.freeze_time inside, around or leaked."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import date, datetime, timedelta, timezone
from importlib import import_module
from pathlib import Path

import freezegun
import pytest

from pytest_sesquota import SesAccount, VirtualClockStalled, real_time
from pytest_sesquota.clock import sesclock as clock_module
from pytest_sesquota.clock import timebackend
from pytest_sesquota.clock.timebackend import available

BACKENDS = [b for b in ("freezegun", "time-machine") if available(b)]
START = datetime(2030, 1, 15, 12, 0, tzinfo=timezone.utc)


def file_system_now(tmp_path: Path) -> float:
    """The time as the kernel sees it: a file's modification time, faked by no backend."""
    probe = tmp_path / "probe"
    probe.write_text("now")
    return probe.stat().st_mtime


# -- the default ------------------------------------------------------------------------
@pytest.mark.skipif(not available("time-machine"), reason="time-machine is not installed")
def test_the_default_backend_is_time_machine_where_it_is_installed():
    with SesAccount() as account:
        assert account.options.time_backend == "auto"
        assert account.clock.time_backend == "time-machine"


def test_auto_falls_back_to_freezegun_without_time_machine(monkeypatch):
    monkeypatch.setattr(timebackend, "available", lambda name: name != "time-machine")
    with SesAccount(start=START) as account:
        assert account.clock.time_backend == "freezegun"
        assert time.time() == START.timestamp()


# -- real time on request ---------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_real_time_reads_the_real_clocks_while_the_fake_runs(backend, tmp_path):
    with SesAccount(start=START, time_backend=backend) as account:
        assert time.time() == START.timestamp()
        assert abs(real_time.time() - file_system_now(tmp_path)) < 5
        assert abs(real_time.time_ns() / 1e9 - file_system_now(tmp_path)) < 5
        assert abs(
            real_time.now() - datetime.fromtimestamp(file_system_now(tmp_path), timezone.utc)
        ) < timedelta(seconds=5)
        assert real_time.now().tzinfo is timezone.utc
        before = (real_time.monotonic(), real_time.perf_counter(), real_time.monotonic_ns())
        real_time.sleep(0.02)  # blocks for real; the virtual clock stays where it is
        after = (real_time.monotonic(), real_time.perf_counter(), real_time.monotonic_ns())
        assert after[0] - before[0] >= 0.02
        assert after[1] - before[1] >= 0.02
        assert after[2] - before[2] >= 20_000_000
        assert real_time.perf_counter_ns() > 0
        assert account.clock.elapsed() == 0
        assert account.clock.sleeps == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_clocks_that_stay_real(backend):
    with SesAccount(start=START, time_backend=backend) as account:
        # The kernel's monotonic clock read directly stays real.
        first = time.clock_gettime(time.CLOCK_MONOTONIC)
        real_time.sleep(0.01)
        assert time.clock_gettime(time.CLOCK_MONOTONIC) - first >= 0.01
        assert account.clock.elapsed() == 0

        # The test thread's event loop does not: its time is the virtual clock
        # (other threads' loops keep real time: tests/test_loop_clock.py).
        async def loop_time() -> float:
            loop = asyncio.get_running_loop()
            began = loop.time()
            await asyncio.sleep(0.01)
            return loop.time() - began

        assert asyncio.run(loop_time()) == pytest.approx(0.01, abs=1e-6)
        assert account.clock.elapsed() == pytest.approx(0.01, abs=1e-3)


# -- loops that poll the clock ----------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_sleep_zero_moves_the_clock_one_microsecond(backend):
    with SesAccount(start=START, time_backend=backend) as account:
        time.sleep(0)
        assert account.clock.now() - START == timedelta(microseconds=1)
        assert account.clock.sleeps == [0.0]
        deadline = time.monotonic() + 0.002
        turns = 0
        while time.monotonic() < deadline:
            time.sleep(0)
            turns += 1
        assert turns == 2000
        assert account.clock.now() - START == timedelta(microseconds=2001)


@pytest.mark.parametrize("backend", BACKENDS)
def test_auto_tick_ends_a_busy_loop(backend):
    with SesAccount(start=START, time_backend=backend, auto_tick=0.001) as account:
        first = time.time()
        assert time.time() - first == pytest.approx(0.001, abs=1e-6)  # floats of 1.9e9 s
        deadline = time.monotonic() + 1
        reads = 1
        while time.monotonic() < deadline:
            reads += 1
        assert reads == pytest.approx(1000, abs=1)
        # Every read ticks, other threads' too (under freezegun a server thread left by an
        # earlier test may read the clock meanwhile): at least this loop's reads.
        assert (reads + 3) * 0.001 - 1e-6 <= account.clock.elapsed() < (reads + 50) * 0.001
        assert time.perf_counter_ns() - time.perf_counter_ns() == -1_000_000
        # datetime.now() ticks under freezegun, which asks the clock for it; time-machine
        # answers it in C from where the clock is.
        tick = datetime.now() - datetime.now()
        assert tick == (timedelta(milliseconds=-1) if backend == "freezegun" else timedelta())
        assert account.clock.sleeps == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_busy_loop_without_sleep_fails_clearly(backend, monkeypatch):
    monkeypatch.setattr(clock_module, "STALL_READS", 1000)
    with SesAccount(start=START, time_backend=backend) as account:
        deadline = time.monotonic() + 1
        with pytest.raises(VirtualClockStalled) as raised:
            while time.monotonic() < deadline:
                pass
        message = (
            "the virtual clock was read 1,000 times at 2030-01-15T12:00:00+00:00 without "
            "moving: a loop that polls the clock without sleeping never ends while time is "
            "frozen. Sleep in the loop (time.sleep(0) moves the clock 1 µs), advance the "
            "clock (ses_clock.advance), or let every read move it: "
            "@pytest.mark.ses_quota(auto_tick=0.001)"
        )
        assert str(raised.value) == message
        assert account.clock.problems == [message]
        # Once per 1,000 reads at that instant: the next read succeeds, the 1,000th fails
        # (reads by other threads count too: a server thread an earlier test left may read
        # the clock meanwhile, so this thread may get a few fewer).
        reads = 0
        with pytest.raises(VirtualClockStalled):
            while True:
                time.perf_counter()
                reads += 1
        assert 990 <= reads <= 999
        time.sleep(0)
        assert time.monotonic() == START.timestamp() + 1e-6
        assert account.clock.problems == [message]  # reported once


def test_a_swallowed_stall_still_fails_the_test(pytester, monkeypatch):
    monkeypatch.setattr(clock_module, "STALL_READS", 1000)
    pytester.makepyfile(
        """
        import time

        def test_it(ses_account):
            deadline = time.monotonic() + 1
            try:
                while time.monotonic() < deadline:
                    pass
            except Exception:
                pass  # the application's catch-all
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-sesquota's virtual clock: the virtual clock was read 1,000 times at "
            "2026-01-01T00:00:00+00:00 without moving: a loop that polls the clock*",
        ]
    )


def test_auto_tick_from_the_marker_and_the_ini_file(pytester):
    pytester.makeini("[pytest]\nses_quota_auto_tick = 0.5\n")
    pytester.makepyfile(
        """
        import time
        import pytest

        def test_ini(ses_account):
            assert time.time() - time.time() == -0.5
            assert ses_account.clock.auto_tick == 0.5

        @pytest.mark.ses_quota(auto_tick=2)
        def test_marker(ses_account):
            assert time.monotonic() - time.monotonic() == -2
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=2)


def test_a_bad_auto_tick_in_the_ini_file(pytester):
    pytester.makeini("[pytest]\nses_quota_auto_tick = soon\n")
    pytester.makepyfile("def test_it(): pass")
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.stderr.fnmatch_lines(
        ["*ini option ses_quota_auto_tick='soon' is not valid; expected a number"]
    )


# -- libraries imported for the first time inside a faked test ---------------------------
SUBCLASSES = '''
import datetime as _dt


class Moment(_dt.datetime):
    """Like pendulum.DateTime: a datetime subclass made when the module is imported."""

    def shifted(self, **kwargs):
        return self + _dt.timedelta(**kwargs)


class Day(_dt.date):
    pass
'''


def _behaviour(module) -> dict[str, object]:
    moment = module.Moment(2020, 5, 17, 8, 30, tzinfo=timezone.utc)
    return {
        "now type": type(module.Moment.now(timezone.utc)).__name__,
        "now is real": abs(module.Moment.now(timezone.utc).timestamp() - real_time.time()) < 60,
        "today type": type(module.Day.today()).__name__,
        "utcnow type": type(module.Moment.fromtimestamp(0, timezone.utc)).__name__,
        "add": repr(moment + timedelta(days=1)),
        "shifted": repr(moment.shifted(hours=1)),
        "sub": moment - module.Moment(2020, 5, 16, tzinfo=timezone.utc),
        "astimezone": repr(moment.astimezone(timezone(timedelta(hours=2)))),
        "timestamp": moment.timestamp(),
        "date": repr(moment.date()),
        "a real datetime is not one": isinstance(datetime.now(), module.Moment),
        "a real date is not one": isinstance(date.today(), module.Day),
        "one is a datetime": isinstance(moment, datetime),
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_datetime_subclass_first_imported_inside_keeps_working_after(
    backend, tmp_path, monkeypatch
):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "moments_outside.py").write_text(SUBCLASSES)
    (tmp_path / "moments_inside.py").write_text(SUBCLASSES)
    try:
        outside = import_module("moments_outside")
        with SesAccount(start=START, time_backend=backend):
            inside = import_module("moments_inside")
            assert inside.Moment.now(timezone.utc).timestamp() == START.timestamp()
            assert inside.Day.today() == START.date()
        # As if it had been imported before the fake, or with none at all.
        assert _behaviour(inside) == _behaviour(outside)
        with SesAccount(start=START, time_backend=backend):  # and in a later test
            later = [m.Moment.now(timezone.utc).timestamp() for m in (inside, outside)]
            # Under freezegun, a subclass's own now() reads real time, wherever it was
            # made (freezegun swaps the datetime module's classes, not their subclasses).
            assert later[0] == pytest.approx(later[1], abs=60)
            assert _behaviour(inside)["add"] == _behaviour(outside)["add"]
    finally:
        sys.modules.pop("moments_outside", None)
        sys.modules.pop("moments_inside", None)


@pytest.mark.parametrize("library", ["pendulum", "arrow"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_pendulum_and_arrow_first_imported_inside(backend, library):
    pytest.importorskip(library)  # imports it, then forget it: the next import is the first
    for name in [n for n in sys.modules if n == library or n.startswith(f"{library}.")]:
        del sys.modules[name]
    with SesAccount(start=START, time_backend=backend):
        lib = import_module(library)
        # arrow.now, pendulum.now (no arithmetic: pendulum's fails under freezegun here)
        assert lib.now("UTC").isoformat().startswith("2030-01-15T12:00:00")
    now = lib.now("UTC")
    assert abs(now.timestamp() - real_time.time()) < 60
    assert type(now + timedelta(days=1)) is type(now)
    assert not isinstance(datetime.now(), type(now))


# -- the user's own freezegun -----------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_freeze_time_inside_a_faked_test_works_as_before(backend):
    names = ("time", "time_ns", "monotonic", "perf_counter", "sleep", "gmtime", "strftime")
    before = {name: getattr(time, name) for name in names}
    with SesAccount(start=START, time_backend=backend) as account:
        with freezegun.freeze_time("2001-02-03 04:05:06"):
            assert datetime.now() == datetime(2001, 2, 3, 4, 5, 6)
            assert time.time() == datetime(2001, 2, 3, 4, 5, 6, tzinfo=timezone.utc).timestamp()
        # The fake's clock again, every clock of it.
        assert time.time() == START.timestamp()
        assert datetime.now() == START.replace(tzinfo=None)
        first = time.monotonic()
        account.clock.advance(30)
        assert time.monotonic() - first == 30
        time.sleep(5)
        assert account.clock.elapsed() == 35
    assert abs(time.time() - real_time.time()) < 60
    assert {name: getattr(time, name) for name in names} == before  # the very functions


@pytest.mark.skipif(not available("time-machine"), reason="time-machine is not installed")
def test_a_time_machine_travel_inside_a_faked_test_works(ses_account):
    import time_machine

    if ses_account.clock.time_backend != "time-machine":
        pytest.skip("time-machine cannot travel while freezegun runs")
    with time_machine.travel(datetime(2001, 2, 3, tzinfo=timezone.utc), tick=False):
        assert time.time() == datetime(2001, 2, 3, tzinfo=timezone.utc).timestamp()
        assert date.today() == date(2001, 2, 3)
        time.sleep(10)  # still the fake's sleep
    assert ses_account.clock.elapsed() == 10
    assert time.time() == ses_account.clock.time()


def test_a_freeze_time_around_the_fake_goes_on_after_it(monkeypatch):
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    with freezegun.freeze_time("2001-02-03"):
        with SesAccount(start=START) as account:  # auto: freezegun, stacked on the user's
            assert account.clock.time_backend == "freezegun"
            assert time.time() == START.timestamp()
            time.sleep(60)
            assert datetime.now() == START.replace(tzinfo=None) + timedelta(minutes=1)
        assert datetime.now() == datetime(2001, 2, 3)
        with pytest.raises(RuntimeError) as raised:
            with SesAccount(start=START, time_backend="time-machine"):
                pass
        assert str(raised.value) == (
            "time_backend='time-machine' cannot start while a freezegun.freeze_time is "
            "running (one started around this test, or one an earlier test never stopped): "
            "use time_backend='auto' or 'freezegun' to run on top of it, or stop it first"
        )
        assert datetime.now() == datetime(2001, 2, 3)
    assert abs(time.time() - real_time.time()) < 60


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_leaked_freezer_is_reported_and_stopped(pytester, monkeypatch, backend):
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeini(f"[pytest]\nses_quota_time_backend = {backend}\n")
    pytester.makepyfile(
        """
        import time
        import freezegun
        from datetime import date

        def test_leaks(ses_account):
            freezegun.freeze_time("2001-02-03").start()  # never stopped
            assert date.today() == date(2001, 2, 3)

        def test_after():
            assert date.today().year > 2025
            assert time.time() > 1.7e9
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaks*",
            "*pytest-sesquota's virtual clock: a freezegun.freeze_time started during this "
            "test was still running when the test ended (never stopped); pytest-sesquota "
            "stopped it. Use freeze_time as a context manager or decorator, or call its "
            "stop() in a finally block.",
        ]
    )
    assert not freezegun.api.freeze_factories
    assert abs(time.time() - real_time.time()) < 60


def test_a_stall_raised_into_the_test_is_reported_once(pytester, monkeypatch):
    # The test fails with the stall; its teardown does not report it a second time
    # (FAILED, not FAILED and ERROR).
    monkeypatch.setattr(clock_module, "STALL_READS", 1000)
    pytester.makepyfile(
        """
        import time

        def test_it(ses_account):
            deadline = time.monotonic() + 1
            while time.monotonic() < deadline:
                pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(failed=1)
    assert "pytest-sesquota's virtual clock" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*VirtualClockStalled: the virtual clock was read 1,000 times*"])
