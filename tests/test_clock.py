"""The virtual clock: frozen time, instant sleeps, restored afterwards."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from datetime import timedelta, timezone

import backoff
import pytest
import tenacity

from pytest_sesquota import SesAccount

START = dt.datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_time_is_frozen_at_the_default_start(ses_clock):
    assert ses_clock.now() == START
    assert time.time() == ses_clock.time() == START.timestamp()
    assert dt.datetime.now(timezone.utc) == START
    time.sleep(0.001)  # no real time passes unless slept
    assert ses_clock.now() == START + timedelta(milliseconds=1)


@pytest.mark.ses_quota(start="2030-06-01T12:00:00Z")
def test_marker_start(ses_clock):
    assert ses_clock.now() == dt.datetime(2030, 6, 1, 12, tzinfo=timezone.utc)


def test_advance_accepts_timedelta_seconds_and_keywords(ses_clock):
    ses_clock.advance(timedelta(minutes=1))
    ses_clock.advance(30)
    ses_clock.advance(seconds=1, minutes=1, hours=1, days=1)
    assert ses_clock.elapsed() == 86400 + 3600 + 60 + 1 + 90
    with pytest.raises(ValueError, match="only moves forward"):
        ses_clock.advance(seconds=-1)
    with pytest.raises(TypeError, match="timedelta or a number"):
        ses_clock.advance("1s")


def test_sleep_advances_instantly_and_is_recorded(ses_clock):
    wall = time.perf_counter  # frozen too; measure progress through the clock instead
    time.sleep(600)
    time.sleep(0.25)
    assert ses_clock.sleeps == [600.0, 0.25]
    assert [s.at for s in ses_clock.sleep_log] == [START, START + timedelta(seconds=600)]
    assert ses_clock.elapsed() == 600.25
    assert wall() - wall() == 0
    with pytest.raises(ValueError, match="non-negative"):
        time.sleep(-1)


def test_loop_waiting_up_to_ten_minutes_finishes(ses_clock):
    deadline = time.monotonic() + 600
    polls = 0
    while time.monotonic() < deadline:
        # Sleeps below freezegun's microsecond resolution still make progress.
        time.sleep(0.0000001 if polls < 100 else 60)
        polls += 1
    assert ses_clock.elapsed() == pytest.approx(600.0001, abs=1e-6)
    assert polls == 110


def test_tenacity_and_backoff_wait_on_virtual_time(ses_clock):
    calls = []

    @tenacity.retry(wait=tenacity.wait_fixed(60), stop=tenacity.stop_after_attempt(4))
    def flaky():
        calls.append(ses_clock.elapsed())
        if len(calls) < 4:
            raise RuntimeError

    flaky()
    assert calls == [0, 60, 120, 180]

    @backoff.on_exception(backoff.constant, RuntimeError, interval=30, max_tries=3, jitter=None)
    def flaky2():
        calls.append(ses_clock.elapsed())
        raise RuntimeError

    with pytest.raises(RuntimeError):
        flaky2()
    assert calls[4:] == [180, 210, 240]


def test_asyncio_keeps_working_while_frozen(ses_clock):
    async def main():
        await asyncio.sleep(0.01)  # real loop time: returns
        return time.time()

    assert asyncio.run(main()) == ses_clock.time()


def test_sleep_bound_by_name_is_virtual_too(ses_clock):
    import _sleep_alias_module

    _sleep_alias_module.wait(300)
    assert ses_clock.sleeps == [300.0]


def test_everything_is_restored_after_use():
    real_sleep = time.sleep
    with SesAccount(start="2020-01-01") as account:
        assert time.time() == account.clock.time()
        assert time.sleep is not real_sleep
    assert time.sleep is real_sleep
    assert time.time() > START.timestamp()
    assert account.clock.now().year == 2020  # the clock still reads where it stopped
    with pytest.raises(RuntimeError, match="not running"):
        account.clock.advance(1)


def test_one_account_at_a_time(ses_account):
    with pytest.raises(RuntimeError, match="already"):
        with SesAccount():
            pass
    assert time.time() == ses_account.clock.time()


def test_scheduled_actions_run_in_order_at_their_virtual_time(ses_account):
    seen = []
    start = ses_account.clock.now()

    def note(label):
        return lambda: seen.append((label, ses_account.clock.now() - start))

    ses_account.schedule(after=timedelta(hours=2), action=note("b"))
    ses_account.schedule(after=3600, action=note("a"))
    cancelled = ses_account.schedule(after=60, action=note("never"))
    cancelled.cancel()
    ses_account.schedule(at=start + timedelta(days=1), action=note("c"))
    ses_account.clock.advance(hours=1, minutes=59)
    assert seen == [("a", timedelta(hours=1))]
    time.sleep(120)  # a sleep crosses the two-hour mark: b runs at exactly two hours
    assert seen[1] == ("b", timedelta(hours=2))
    assert ses_account.clock.now() - start == timedelta(hours=2, minutes=1)
    ses_account.clock.advance(days=2)
    assert [label for label, _ in seen] == ["a", "b", "c"]
    assert seen[2][1] == timedelta(days=1)
    assert not cancelled.done and [s.done for s in ses_account.clock.scheduled] == [
        True,
        True,
        False,
        True,
    ]


def test_schedule_validates_its_arguments(ses_account):
    with pytest.raises(TypeError, match=r"schedule\(\) takes exactly one of after= or at="):
        ses_account.schedule(action=lambda: None)
    with pytest.raises(ValueError, match="the delay cannot be negative"):
        ses_account.schedule(after=-1, action=lambda: None)
    with pytest.raises(TypeError, match="the scheduled action must be callable"):
        ses_account.schedule(after=1, action="grant")


def test_an_action_due_now_runs_at_once(ses_account):
    ran = []
    ses_account.schedule(after=0, action=lambda: ran.append(True))
    assert ran == [True]


def test_a_failing_scheduled_action_fails_the_test_at_teardown(pytester):
    pytester.makepyfile(
        """
        import time

        def test_it(ses_account):
            def broken():
                raise RuntimeError("support case lost")

            ses_account.schedule(after=10, action=broken)
            time.sleep(30)  # the application's own sleep is not interrupted
            assert ses_account.clock.elapsed() == 30
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*an action scheduled with ses_account.schedule() raised when the virtual clock "
            "reached it:",
            "at 2026-01-01T00:00:10+00:00: <function test_it.<locals>.broken at *>",
            "*RuntimeError: support case lost",
        ]
    )
