"""asyncio on the virtual clock: timers jump, real I/O still waits, other threads keep real time.

Async tests here run on anyio's pytest plugin (asyncio backend); tests/test_aio_*.py
run the same under pytest-asyncio's strict and auto modes (the ``aio`` extra).
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from email.message import EmailMessage

import aiosmtplib
import pytest

from pytest_sesquota import SesAccount
from pytest_sesquota.clock.timebackend import real_time

pytestmark = pytest.mark.parametrize(
    "ses_quota_backend", ["freezegun", "time-machine"], indirect=True
)


@pytest.fixture
def anyio_backend():
    """asyncio only (trio has no loop to put on the virtual clock)."""
    return "asyncio"


@pytest.fixture
def ses_quota_backend(request):
    return request.param


@pytest.fixture
def ses_account(request, ses_quota_backend):
    """The test's account on each time backend (the marker's time_backend)."""
    with SesAccount(time_backend=ses_quota_backend, max_send_rate=1) as account:
        yield account


@pytest.fixture
def wall():
    """Real seconds since the test began (a real clock, whatever the fake does)."""
    start = real_time()
    return lambda: real_time() - start


@pytest.mark.anyio
async def test_sleeps_move_the_virtual_clock_instead_of_waiting(ses_account, wall):
    loop = asyncio.get_running_loop()
    clock = ses_account.clock
    assert loop.time() == time.monotonic()
    start = loop.time()
    await asyncio.sleep(600)
    assert clock.elapsed() == 600
    assert loop.time() - start == pytest.approx(600, abs=1e-6)
    assert loop.time() == time.monotonic()
    # Ten virtual minutes of back-off, in small steps too.
    for _ in range(100):
        await asyncio.sleep(6)
    assert clock.elapsed() == 1200
    assert wall() < 2.0


@pytest.mark.anyio
async def test_timers_fire_in_order_at_their_virtual_times(ses_account):
    loop = asyncio.get_running_loop()
    clock = ses_account.clock
    fired = []
    loop.call_later(30, lambda: fired.append(("later", clock.elapsed())))
    ran = ses_account.schedule(45, action=lambda: fired.append(("scheduled", clock.elapsed())))

    async def worker(name, delay):
        await asyncio.sleep(delay)
        fired.append((name, clock.elapsed()))

    await asyncio.gather(worker("b", 60), worker("a", 20))
    assert fired == [("a", 20), ("later", 30), ("scheduled", 45), ("b", 60)]
    assert ran.done


@pytest.mark.anyio
async def test_deadlines_expire_in_virtual_time(ses_account, wall):
    clock = ses_account.clock
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.Event().wait(), timeout=300)
    assert clock.elapsed() == 300
    if sys.version_info >= (3, 11):
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(60):
                await asyncio.sleep(3600)
        assert clock.elapsed() == 360
    # A deadline that is not reached does not move the clock.
    assert await asyncio.wait_for(asyncio.sleep(5, result="done"), timeout=10) == "done"
    assert clock.elapsed() in (305, 365)
    assert wall() < 2.0


@pytest.mark.anyio
async def test_anyio_deadlines_and_sleeps(ses_account):
    import anyio

    with anyio.move_on_after(30) as scope:
        await anyio.sleep(100)
    assert scope.cancelled_caught
    assert ses_account.clock.elapsed() == 30
    assert anyio.current_time() == time.monotonic()


@pytest.mark.anyio
async def test_time_sleep_and_advance_move_the_loop_clock_too(ses_account):
    loop = asyncio.get_running_loop()
    start = loop.time()
    time.sleep(10)  # blocking, but virtual
    ses_account.clock.advance(minutes=1)
    assert loop.time() - start == pytest.approx(70, abs=1e-6)
    # A timer the clock already passed is due at once.
    loop_fired = asyncio.Event()
    loop.call_at(start + 5, loop_fired.set)
    await asyncio.wait_for(loop_fired.wait(), timeout=1)
    assert ses_account.clock.elapsed() == 70


def serve_once(reply: bytes | None, after: float) -> tuple[socket.socket, threading.Thread]:
    """A loopback server thread that answers ``reply`` ``after`` real seconds
    (threading waits are real), or never."""
    listener = socket.create_server(("127.0.0.1", 0))
    release = threading.Event()

    def run():
        conn, _ = listener.accept()
        with conn:
            conn.recv(16)
            if reply is not None:
                release.wait(after)
                conn.sendall(reply)
            release.wait(30)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.release = release  # type: ignore[attr-defined]
    return listener, thread


@pytest.mark.anyio
async def test_a_real_socket_read_with_a_timeout_waits_for_a_slow_answer(ses_account, wall):
    listener, thread = serve_once(b"pong", after=0.3)
    reader, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        writer.write(b"ping")
        # Meanwhile another task backs off: the loop still waits for the socket.
        sleeper = asyncio.ensure_future(asyncio.sleep(600))
        assert await asyncio.wait_for(reader.read(4), timeout=5) == b"pong"
        assert ses_account.clock.elapsed() == 0  # real I/O takes no virtual time
        await sleeper
        assert ses_account.clock.elapsed() == 600
    finally:
        writer.close()
        thread.release.set()
        listener.close()
        await writer.wait_closed()
    assert 0.3 <= wall() < 5


@pytest.mark.anyio
async def test_a_socket_that_never_answers_times_out_after_io_wait(ses_account, wall):
    ses_account.clock.io_wait = 0.2
    listener, thread = serve_once(None, after=0)
    reader, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        writer.write(b"ping")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(4), timeout=120)
        assert ses_account.clock.elapsed() == 120
    finally:
        writer.close()
        thread.release.set()
        listener.close()
        await writer.wait_closed()
    assert 0.2 <= wall() < 5


@pytest.mark.anyio
async def test_executor_threads_are_waited_for_before_a_deadline(ses_account, wall):
    def slow():
        threading.Event().wait(0.3)  # real time
        return "done"

    assert await asyncio.wait_for(asyncio.to_thread(slow), timeout=60) == "done"
    assert ses_account.clock.elapsed() == 0
    assert wall() >= 0.3


def email() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "app@example.com"
    message["To"] = "a@example.com"
    message["Subject"] = "Hello"
    message.set_content("Hello there.")
    return message


@pytest.mark.anyio
# Once in CI (newest leg), a client socket of aiosmtplib's (its own port as laddr, the fake's
# SMTP port as raddr) reached the garbage collector unclosed during this test: after
# STARTTLS, asyncio closes the plain transport under the TLS one only once the TLS shutdown
# completes. The client's leak, not the fake's: not an error here (every assertion stands).
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*(socket|Transport):pytest.PytestUnraisableExceptionWarning"
)
async def test_aiosmtplib_to_ses_smtp_with_back_off(ses_account, ses_smtp, wall):
    """Real SMTP to the fake's server thread (which keeps real time), throttled at
    1/s: the client backs off on the virtual clock and retries."""
    accepted, throttled = [], 0
    async with aiosmtplib.SMTP(
        hostname=ses_smtp.host,
        port=ses_smtp.port,
        username=ses_smtp.username,
        password=ses_smtp.password,
        start_tls=True,
        tls_context=ses_smtp.ssl_context(),
        timeout=15,
    ) as smtp:
        for _ in range(3):
            while True:
                try:
                    await smtp.send_message(email())
                    break
                except aiosmtplib.SMTPResponseException as error:
                    assert error.code == 454
                    throttled += 1
                    await asyncio.sleep(0.5)
            accepted.append(ses_account.clock.elapsed())
    assert accepted == [0, 1, 2]
    assert throttled == 4
    assert len(ses_account.sent) == 3
    assert wall() < 10


@pytest.mark.anyio
async def test_http_to_ses_server_from_the_loop(ses_account, ses_server):
    host, port = ses_server.endpoint_url.split("//")[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"GET /_sesquota/clock HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    )
    response = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    await writer.wait_closed()
    assert response.startswith(b"HTTP/1.1 200")
    await asyncio.sleep(60)
    assert ses_account.clock.elapsed() == 60


def test_asyncio_run_in_a_sync_test(ses_account, wall):
    async def main():
        await asyncio.sleep(3600)
        # The default executor is shut down at the end: no 300 s deadline passes meanwhile.
        return await asyncio.get_running_loop().run_in_executor(None, lambda: "from a thread")

    assert asyncio.run(main()) == "from a thread"
    assert ses_account.clock.elapsed() == 3600
    assert wall() < 2.0


def test_loops_of_other_threads_keep_real_time(ses_account):
    seen = {}

    def run():
        async def measure():
            loop = asyncio.get_running_loop()
            seen["loop"] = loop.time()
            start = real_time()
            await asyncio.sleep(0.05)
            seen["slept"] = real_time() - start

        asyncio.run(measure())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert seen["slept"] >= 0.05  # really waited
    assert abs(seen["loop"] - time.monotonic()) > 1000  # not the virtual timeline
    assert ses_account.clock.elapsed() == 0


def test_a_loop_outliving_the_fake_keeps_its_timers(ses_quota_backend):
    loop = asyncio.new_event_loop()
    try:
        fired = []
        loop.call_later(3600, fired.append, "an hour")
        real_when = loop._scheduled[0]._when
        with SesAccount(time_backend=ses_quota_backend) as account:
            # The hour-long timer is an hour ahead on the virtual timeline.
            assert loop.time() == time.monotonic()
            assert loop._scheduled[0]._when - loop.time() == pytest.approx(3600, abs=0.5)
            loop.run_until_complete(asyncio.sleep(60))
            assert account.clock.elapsed() == 60
            assert fired == []
        # Back on real time: the timer is where it was, less the virtual minute.
        assert loop._scheduled[0]._when == pytest.approx(real_when - 60, abs=0.5)
        assert loop.time() == pytest.approx(time.monotonic(), abs=0.5)
    finally:
        loop.close()


def test_nothing_stays_patched_after_the_fake(ses_quota_backend):
    import asyncio.base_events

    before = {c: c.__dict__.get("time") for c in [asyncio.base_events.BaseEventLoop]}
    run_in_executor = asyncio.base_events.BaseEventLoop.run_in_executor
    with SesAccount(time_backend=ses_quota_backend):
        asyncio.run(asyncio.sleep(1))
    assert {c: c.__dict__.get("time") for c in before} == before
    assert asyncio.base_events.BaseEventLoop.run_in_executor is run_in_executor
    loop = asyncio.new_event_loop()
    try:
        assert loop.time() == pytest.approx(time.monotonic(), abs=0.5)
        start = real_time()
        loop.run_until_complete(asyncio.sleep(0.05))
        assert real_time() - start >= 0.05
    finally:
        loop.close()
