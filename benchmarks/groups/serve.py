"""``sesquota serve`` over loopback, against moto's server and a bare ``http.server``.

Keep-alive SES v2 SendEmail requests, signed as boto3 signs them, each server in a
process of its own: latency one request at a time (interleaved rounds), throughput on 4
connections, p99 latency paced at 1,000 requests per second; then the server's memory
over many requests and over big messages, and its restart time on a large state file.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from pytest_sesquota import SesAccount
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.retention import DEFAULT_RETENTION, DEFAULT_RETENTION_BYTES, Retention
from pytest_sesquota.serve.store import Store

from ..measure import PROGRAMS, Row, Size, clock, free_port


@contextlib.contextmanager
def _process(command: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A server in a subprocess, once its port answers."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command[:4]} did not start") from None
                time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(30)


def _signed_send(port: int) -> tuple[str, bytes, dict[str, str]]:
    """One SES v2 SendEmail, signed as boto3 signs it (both servers accept any key)."""
    body = json.dumps(
        {
            "FromEmailAddress": "app@example.com",
            "Destination": {"ToAddresses": ["a@example.com"]},
            "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
        }
    ).encode()
    request = AWSRequest(
        "POST",
        f"http://127.0.0.1:{port}/v2/email/outbound-emails",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    SigV4Auth(Credentials("AKIAFAKE", "fake"), "ses", "us-east-1").add_auth(request)
    return "/v2/email/outbound-emails", body, dict(request.headers.items())


class _KeepAlive:
    """Signed SendEmail requests on one keep-alive connection, timed one by one."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path, self.body, self.headers = _signed_send(port)

    def send(self) -> float:
        start = clock()
        self.connection.request("POST", self.path, self.body, self.headers)
        reply = self.connection.getresponse()
        reply.read()
        if reply.status != 200:
            raise RuntimeError(f"the server answered {reply.status}")
        return clock() - start

    def close(self) -> None:
        self.connection.close()


def _rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


#: The contenders, each a server of its own: the floor, ours twice, moto.
FLOOR, IN_MEMORY, STATE, MOTO = (
    "floor: bare http.server, canned reply",
    "sesquota serve (in memory)",
    "sesquota serve --state",
    "moto server",
)
#: ``sesquota serve`` with no limits and a short ledger, loopback only, no SMTP.
SERVE = [sys.executable, "-m", "pytest_sesquota", "serve", "--quiet"]
UNLIMITED = ["--profile", "production", "--max-24-hour-send", "-1", "--max-send-rate", "-1"]
NO_SMTP = ["--smtp-port", "0", "--smtp-tls-port", "0"]


def _command(name: str, port: int, workdir: Path) -> list[str]:
    if name == MOTO:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    if name == FLOOR:
        return [sys.executable, str(PROGRAMS / "canned_server.py"), str(port)]
    command = [*SERVE, "--port", str(port), *NO_SMTP, *UNLIMITED, "--ledger-retention", "1000"]
    if name == STATE:
        command += ["--state", str(workdir / f"{port}.sqlite")]
    return command


def _latency(clients: dict[str, _KeepAlive], requests: int) -> dict[str, list[float]]:
    """One request at a time, the contenders interleaved in rounds."""
    latency: dict[str, list[float]] = {name: [] for name in clients}
    rounds = 10
    for _ in range(rounds):
        names = list(clients)
        random.shuffle(names)
        for name in names:
            latency[name] += [clients[name].send() for _ in range(requests // rounds)]
    return latency


def _throughput(port: int, requests: int) -> float:
    """Requests per second from 4 client threads, each on its own connection."""
    per_thread = requests // 8
    workers = [_KeepAlive(port) for _ in range(4)]
    threads = [
        threading.Thread(target=lambda w=w, n=per_thread: [w.send() for _ in range(n)])
        for w in workers
    ]
    start = clock()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = clock() - start
    for w in workers:
        w.close()
    return 4 * per_thread / took


def _paced(client: _KeepAlive, requests: int) -> list[float]:
    """Latencies at 1,000 requests per second, paced on the wall clock."""
    latencies = []
    start = clock()
    for n in range(requests):
        wait = start + n / 1000 - clock()
        if wait > 0:
            time.sleep(wait)
        latencies.append(client.send())
    return latencies


def _memory(total: int, workdir: Path) -> tuple[float, float]:
    """RSS (MiB) of ``serve --state``, retention 1,000, after a tenth of ``total``
    requests and after all of them."""
    port = free_port()
    command = [*SERVE, "--port", str(port), *NO_SMTP, *UNLIMITED, "--ledger-retention", "1000"]
    command += ["--state", str(workdir / "rss.sqlite")]
    with _process(command, port) as process:
        c = _KeepAlive(port)
        for _ in range(total // 10):
            c.send()
        early = _rss(process.pid)
        for _ in range(total - total // 10):
            c.send()
        late = _rss(process.pid)
        c.close()
    return early, late


def _big_messages(sends: int, size: int, workdir: Path) -> tuple[float, float]:
    """RSS (MiB) of ``serve --state`` with the default retentions, at the start and
    after ``sends`` raw SES v2 sends of ``size`` bytes each (SES takes up to 40 MB)."""
    port = free_port()
    command = [*SERVE, "--port", str(port), *NO_SMTP, *UNLIMITED]
    command += ["--state", str(workdir / "big.sqlite")]
    with _process(command, port) as process:
        v2 = boto3.client(
            "sesv2",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="fake",
            aws_secret_access_key="fake",
            config=Config(retries={"max_attempts": 1}, read_timeout=600),
        )
        v2.get_account()
        start = _rss(process.pid)
        head = b"From: app@example.com\r\nTo: a@example.com\r\nSubject: big\r\n\r\n"
        for n in range(sends):
            v2.send_email(Content={"Raw": {"Data": head + f"{n:08d}".encode() * (size // 8)}})
        return start, _rss(process.pid)


def _state_file(path: Path, sends: int) -> None:
    """A state file of ``sends`` sends, the default retention, written as the server
    writes it (saved every 1,000 sends) without sending them through HTTP."""
    account = SesAccount(
        profile="production", max_24_hour_send=-1, max_send_rate=-1, clock=DetachedClock()
    )
    retention = Retention(DEFAULT_RETENTION)
    store = Store(path)
    store.load(account, retention)
    for n in range(sends):
        account.send(
            region="us-east-1",
            operation="SendEmail",
            source="app@example.com",
            recipients=[f"user{n}@example.com"],
            subject="Hi",
            text="Hello",
        )
        if n % 1000 == 999:
            retention.trim(account)
            store.save(account, retention, ["us-east-1"])
    store.save(account, retention)
    store.close()


def _starts(workdir: Path, state: str, times: int) -> dict[str, list[float]]:
    """Seconds until the port answers: on an empty state file (a new one each time) and
    on ``state``, alternately."""
    starts: dict[str, list[float]] = {"empty": [], "full": []}
    for _ in range(times):
        for name, file in (("empty", f"empty-{len(starts['empty'])}"), ("full", state)):
            port = free_port()
            command = [*SERVE, "--port", str(port), *NO_SMTP]
            command += ["--state", str(workdir / f"{file}.sqlite")]
            begun = clock()
            with _process(command, port):
                starts[name].append(clock() - begun)
    return starts


def _p99(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.99)]


def serve(size: Size) -> list[Row]:
    """sesquota serve over loopback: latency, throughput, p99, memory, restart; vs moto."""
    requests = size.pick(full=10_000, quick=2_000, smoke=20)
    with tempfile.TemporaryDirectory(prefix="sesquota-bench-serve-") as tmp:
        return _serve(size, requests, Path(tmp))


def _serve(size: Size, requests: int, workdir: Path) -> list[Row]:
    names = (FLOOR, IN_MEMORY, STATE, MOTO)
    with contextlib.ExitStack() as stack:
        ports = {name: free_port() for name in names}
        for name, port in ports.items():
            stack.enter_context(_process(_command(name, port, workdir), port))
        # moto's SES refuses an unverified sender: verify it, as a real account would.
        boto3.client(
            "ses",
            endpoint_url=f"http://127.0.0.1:{ports[MOTO]}",
            region_name="us-east-1",
            aws_access_key_id="fake",
            aws_secret_access_key="fake",
        ).verify_email_identity(EmailAddress="app@example.com")
        clients = {name: _KeepAlive(port) for name, port in ports.items()}
        for c in clients.values():  # warm up: imports, caches, the first connection
            for _ in range(size.pick(full=200, quick=200, smoke=5)):
                c.send()
        latency = _latency(clients, requests)
        throughput = {name: _throughput(port, requests) for name, port in ports.items()}
        paced = {name: _paced(c, requests // 2) for name, c in clients.items()}
        for c in clients.values():
            c.close()
    # Memory over 100,000 requests (10,000 --quick): RSS at 10% and 100%.
    total = size.pick(full=100_000, quick=10_000, smoke=100)
    early, late = _memory(total, workdir)
    # Big messages: 40 raw sends of 30 MB (10 --quick), the default byte budget.
    big_sends = size.pick(full=40, quick=10, smoke=2)
    big_size = size.pick(full=30, quick=30, smoke=1) * 2**20
    big_start, big_end = _big_messages(big_sends, big_size, workdir)
    # Restart on a state file of 200,000 sends (20,000 --quick), default retention,
    # against a start on an empty file.
    sends = size.pick(full=200_000, quick=20_000, smoke=1_000)
    _state_file(workdir / "restart.sqlite", sends)
    starts = _starts(workdir, "restart", size.pick(full=3, quick=3, smoke=1))

    ours = (IN_MEMORY, STATE)
    group = f"serve: keep-alive SES v2 SendEmail over loopback ({requests:,} requests)"
    moto_latency = statistics.median(latency[MOTO]) * 1e6
    rows = []
    for name in names:
        median = statistics.median(latency[name]) * 1e6
        note = "target < 1 ms" if name in ours else ""
        rows.append(
            Row(group, f"{name}: median latency", median, "µs", median / moto_latency, note=note)
        )
    for name in names:
        rows.append(
            Row(
                group,
                f"{name}: throughput, 4 connections",
                throughput[name],
                "req/s",
                throughput[name] / throughput[MOTO],
                note="target >= 2x moto" if name in ours else "",
            )
        )
    for name in names:
        rows.append(
            Row(
                group,
                f"{name}: p99 latency at 1,000 req/s",
                _p99(paced[name]) * 1e6,
                "µs",
                None,
                note="target < 5 ms" if name in ours else "",
            )
        )
    # What each request after the first tenth left in memory, and what a million would.
    per_request = (late - early) * 2**20 / (total - total // 10)
    rows.append(
        Row(
            group,
            f"sesquota serve --state, retention 1,000: RSS after {total:,} requests",
            late,
            "MiB",
            late / early,
            note=f"{early:.1f} MiB after {total // 10:,}; {per_request:.0f} B/request after "
            f"(+{per_request * 1e6 / 2**20:.1f} MiB a million); target: flat",
        )
    )
    rows.append(
        Row(
            group,
            f"sesquota serve --state: RSS after {big_sends} raw sends of {big_size // 2**20} MB",
            big_end,
            "MiB",
            big_end / big_start,
            note=f"{big_start:.1f} MiB at the start; the ledger keeps "
            f"{DEFAULT_RETENTION_BYTES // 2**20} MiB of bodies at most; target: flat",
        )
    )
    empty, full = statistics.median(starts["empty"]), statistics.median(starts["full"])
    rows.append(Row(group, "start on an empty state file", empty, "s", 1.0))
    rows.append(
        Row(
            group,
            f"restart on a state file of {sends:,} sends (retention {DEFAULT_RETENTION:,})",
            full,
            "s",
            full / empty,
        )
    )
    return rows
