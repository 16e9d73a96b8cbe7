"""Waits on a child process take real time, up to their timeout, and no virtual time.

A child runs in real time whatever the test's clock says: ``Popen.wait(timeout=30)``,
``subprocess.run(timeout=...)``, ``multiprocessing``'s joins, queues and pools, and an
event loop's ``wait_for(proc.wait(), 60)`` give a half-second child its half second
(they used to time out at once, or never: the virtual clock jumped past the deadline,
or a frozen one never reached it). Each test runs under both time backends.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest
from _child_targets import put_later, sleep_then_exit, square_later

from pytest_sesquota import SesAccount
from pytest_sesquota import real_time as real_time_module
from pytest_sesquota.clock.timebackend import real_time

pytestmark = pytest.mark.parametrize(
    "ses_quota_backend", ["freezegun", "time-machine"], indirect=True
)

#: A child that takes half a real second, and one that would take far longer than any wait.
HALF_SECOND = [sys.executable, "-c", "import time; time.sleep(0.5); print('done')"]
HUNG = [sys.executable, "-c", "import time; time.sleep(60)"]
#: A generous bound on real seconds for what takes one or two (a loaded CI machine).
SLOW = 20


@pytest.fixture
def anyio_backend():
    """asyncio only (trio has no loop to put on the virtual clock)."""
    return "asyncio"


@pytest.fixture
def ses_quota_backend(request):
    return request.param


@pytest.fixture
def clock(ses_quota_backend):
    """The running virtual clock on each time backend."""
    with SesAccount(time_backend=ses_quota_backend) as account:
        yield account.clock


@pytest.fixture
def wall():
    """Real seconds since the test began (a real clock, whatever the fake does)."""
    start = real_time()
    return lambda: real_time() - start


@pytest.fixture
def hung():
    """Start a child that hangs; killed after SLOW real seconds (so that a wait that
    never ends on a frozen clock fails the test instead of hanging it), and at the end."""
    children: list[subprocess.Popen[bytes]] = []
    timers: list[threading.Timer] = []

    def start(**kwargs):
        child = subprocess.Popen(HUNG, **kwargs)
        children.append(child)
        timer = threading.Timer(SLOW, child.kill)  # threading's waits are real
        timer.daemon = True
        timer.start()
        timers.append(timer)
        return child

    yield start
    for timer in timers:
        timer.cancel()
    for child in children:
        child.kill()
        child.wait()
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()


# -- subprocess -----------------------------------------------------------------
def test_popen_wait_lasts_as_long_as_the_child(clock, wall):
    child = subprocess.Popen(HALF_SECOND, stdout=subprocess.DEVNULL)
    assert child.wait(timeout=30) == 0  # raised TimeoutExpired at once: the clock jumped 30 s
    assert 0.4 < wall() < SLOW
    assert clock.elapsed() == 0  # a child's run takes no virtual time
    assert clock.sleeps == []  # nor is its polling a time.sleep of the application's


def test_run_and_check_output_with_a_timeout(clock, wall):
    done = subprocess.run(HALF_SECOND, timeout=30, check=True, capture_output=True)
    assert done.stdout.strip() == b"done"
    assert subprocess.check_output(HALF_SECOND, timeout=30).strip() == b"done"
    assert subprocess.call(HALF_SECOND, timeout=30, stdout=subprocess.DEVNULL) == 0
    assert 1.2 < wall() < 3 * SLOW
    assert clock.elapsed() == 0


def test_a_wait_that_times_out_takes_its_real_timeout(clock, wall, hung):
    child = hung()
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        child.wait(timeout=1)
    assert expired.value.timeout == 1
    assert 0.9 < wall() < SLOW  # a real second, not none
    assert clock.elapsed() == 0
    # communicate's deadline too: on a frozen clock it was never reached.
    piped = hung(stdout=subprocess.PIPE)
    started = wall()
    with pytest.raises(subprocess.TimeoutExpired):
        piped.communicate(timeout=1)
    assert 0.9 < wall() - started < SLOW - 1
    assert clock.elapsed() == 0


# -- multiprocessing ------------------------------------------------------------
def test_a_join_waits_for_the_child_up_to_its_timeout(clock, wall):
    context = multiprocessing.get_context("spawn")
    quick = context.Process(target=sleep_then_exit, args=(0.5,))
    quick.start()
    quick.join(timeout=30)
    assert quick.exitcode == 0
    slow = context.Process(target=sleep_then_exit, args=(SLOW,))
    slow.start()
    started = wall()
    # Waited forever on a frozen clock (the deadline re-read after each real wait).
    killer = threading.Timer(SLOW, slow.kill)
    killer.daemon = True
    killer.start()
    try:
        slow.join(timeout=1)
        assert slow.is_alive()
        assert 0.9 < wall() - started < SLOW - 1
    finally:
        killer.cancel()
        slow.kill()
        slow.join()
    assert clock.elapsed() == 0


def test_results_from_a_queue_a_pool_and_a_process_pool(clock, wall):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=put_later, args=(queue, 0.5))
    child.start()
    assert queue.get(timeout=30) == "result"
    child.join(timeout=30)
    outcome: list[object] = []

    def pools() -> None:
        # A pool's shutdown spun forever on a frozen clock (a zero timeout never expired).
        with context.Pool(1) as pool:
            outcome.append(pool.apply_async(square_later, (3,)).get(timeout=30))
        with ProcessPoolExecutor(1, mp_context=context) as executor:
            outcome.extend(executor.map(square_later, [4, 5], timeout=30))

    worker = threading.Thread(target=pools, daemon=True)
    worker.start()
    worker.join(timeout=6 * SLOW)  # threading's waits are real
    assert not worker.is_alive(), "a process pool hung on the virtual clock"
    assert outcome == [9, 16, 25]
    assert clock.elapsed() == 0


# -- asyncio --------------------------------------------------------------------
@pytest.mark.anyio
async def test_asyncio_wait_for_a_child_takes_real_time(clock, wall):
    # Longer than the loop's io_wait (1 s), which used to be all a child got.
    slow = [sys.executable, "-c", "import time; time.sleep(1.5); print('done')"]
    child = await asyncio.create_subprocess_exec(*slow, stdout=asyncio.subprocess.DEVNULL)
    assert await asyncio.wait_for(child.wait(), 60) == 0  # timed out at once
    assert 1.4 < wall() < SLOW
    piped = await asyncio.create_subprocess_exec(*slow, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(piped.communicate(), 60)
    assert out.strip() == b"done"
    assert 2.8 < wall() < 2 * SLOW
    assert clock.elapsed() == 0


@pytest.mark.anyio
async def test_asyncio_to_thread_running_a_child_takes_real_time(clock, wall):
    slow = [sys.executable, "-c", "import time; time.sleep(1.5)"]
    # The loop's executor job waits on the child: it gets its real time, not io_wait's 1 s.
    done = await asyncio.wait_for(asyncio.to_thread(subprocess.run, slow, check=True), 60)
    assert done.returncode == 0
    assert 1.4 < wall() < SLOW
    assert clock.elapsed() == 0


@pytest.mark.anyio
async def test_asyncio_deadline_on_a_child_expires_in_real_time(clock, wall):
    child = await asyncio.create_subprocess_exec(*HUNG)
    try:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(child.wait(), 2)
        assert 1.9 < wall() < SLOW  # two real seconds
        assert clock.elapsed() == 2  # the deadline is a loop timer: the clock moves to it
        # A child nobody awaits holds no timer back: ten virtual minutes, at once.
        started = wall()
        await asyncio.sleep(600)
        assert clock.elapsed() == 602
        assert wall() - started < SLOW
    finally:
        child.kill()
        await child.wait()


# -- a library's own polling loop ----------------------------------------------
WRITER = "import sys, time; time.sleep(0.5); open(sys.argv[1], 'w').write('42')"


def test_a_librarys_result_polling_is_given_real_time_by_its_module(
    clock, wall, tmp_path, monkeypatch
):
    # A library polling a result another process writes (Celery's AsyncResult.get on a
    # database or cache backend) sleeps like any application code: on the virtual clock.
    import _result_backend

    early = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "early")])
    with pytest.raises(_result_backend.ResultTimeout):
        _result_backend.wait_for(tmp_path / "early", timeout=5)
    assert clock.elapsed() == 5 and wall() < 0.5 * SLOW
    early.wait(timeout=SLOW)
    # Its module given real time, as the standard library's waits are, it waits for real.
    monkeypatch.setattr(_result_backend, "time", real_time_module)
    started, at = wall(), clock.elapsed()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "result")])
    assert _result_backend.wait_for(tmp_path / "result", timeout=30, interval=0.05) == "42"
    writer.wait(timeout=SLOW)
    assert 0.4 < wall() - started < SLOW
    assert clock.elapsed() == at
