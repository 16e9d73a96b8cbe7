"""Celery's ``AsyncResult.get(timeout=...)`` takes real time, up to its timeout, and no
virtual time: a real worker (``celery worker``, a child process) runs the task.

The application needs no server: kombu's ``filesystem://`` broker and Celery's
``file://`` result backend (or ``rpc://``, results through the broker), in the test's
folder. ``get`` polls the file backend with ``time.sleep`` (``celery.backends.base``); on
the virtual clock those sleeps returned at once and ``get(timeout=30)`` raised
``TimeoutError`` before the worker had started. On ``rpc://`` kombu's ``drain_events``
slept on the virtual clock: the clock moved by thousands of seconds. Each test runs
under both time backends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import test_child_waits
from _celery_app import make_app
from celery.exceptions import TimeoutError as CeleryTimeout

# The time backend, the running clock and the real seconds: the child waits' own fixtures.
ses_quota_backend = test_child_waits.ses_quota_backend
clock = test_child_waits.clock
wall = test_child_waits.wall

pytestmark = pytest.mark.parametrize(
    "ses_quota_backend", ["freezegun", "time-machine"], indirect=True
)

#: A generous bound on real seconds for what takes a few (a worker's start, on a loaded CI machine).
SLOW = 30
TESTS = Path(__file__).parent


@pytest.fixture(params=["file", "rpc"])
def results(request):
    """Where results go: the ``file://`` backend (polled), or ``rpc://`` (messages back
    through the broker, drained by kombu)."""
    return request.param


@pytest.fixture
def app(tmp_path, results):
    return make_app(tmp_path, results)


@pytest.fixture
def worker(tmp_path, results):
    """A real Celery worker on the test's folders, in a child process: killed at the end."""
    env = dict(os.environ, SESQUOTA_CELERY_DIR=str(tmp_path), PYTHONPATH=str(TESTS))
    env["SESQUOTA_CELERY_RESULTS"] = results
    command = [sys.executable, "-m", "celery", "-A", "_celery_app", "worker", "--pool=solo"]
    command += ["--concurrency=1", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    log = (tmp_path / "worker.log").open("wb")
    child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        child.kill()
        child.wait(timeout=SLOW)
        log.close()


def test_get_waits_for_a_real_worker(clock, app, worker, wall):
    result = app.tasks["slow_square"].delay(7)
    # file://: it raised TimeoutError at once (each poll's time.sleep(0.5) moved the clock
    # instead); rpc://: kombu's drain moved the clock by thousands of seconds.
    assert result.get(timeout=SLOW) == 49
    assert result.status == "SUCCESS"
    assert 0.5 < wall() < SLOW  # the worker's start and the task's half second, for real
    assert clock.elapsed() == 0  # a worker's run takes no virtual time
    assert clock.sleeps == []  # nor is Celery's polling a time.sleep of the application's


def test_get_without_a_worker_times_out_in_real_time(clock, app, wall):
    result = app.tasks["slow_square"].delay(7)
    with pytest.raises(CeleryTimeout) as timed_out:
        result.get(timeout=1)
    assert str(timed_out.value) == "The operation timed out."
    assert 0.9 < wall() < SLOW  # a real second, not none
    assert clock.elapsed() == 0
    assert result.status == "PENDING"
