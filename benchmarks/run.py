"""pytest-sesquota's benchmarks: one table of medians and ratios, measured side by side.

    python benchmarks/run.py            # the full run (a few minutes)
    python benchmarks/run.py --quick    # a short run, for a smoke test
    python benchmarks/run.py --only ses sesv2

Every group measures its contenders in interleaved rounds in this one process
(or its subprocesses), so that a shared, noisy machine slows all of them alike:
read the ratios, not the absolute times. Needs the ``bench`` extra:
``pip install -e ".[bench]"`` (moto, django, time-machine).

A group is a function ``(quick: bool) -> list[Row]``, listed in GROUPS: a new front
door (SMTP) is one more group.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.metadata
import os
import platform
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# freezegun rewrites module attributes bound to time functions, not a tuple's items:
# the fake's frozen clock must not stop the benchmark's own stopwatch.
_WALL = (time.perf_counter,)


@dataclass
class Row:
    group: str
    contender: str
    median: float
    unit: str
    #: The median over the group's reference (the floor), or None.
    ratio: float | None = None
    note: str = ""


def _clock() -> float:
    return _WALL[0]()


def interleaved(contenders: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every contender once per round, in a fresh random order each round."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            gc.collect()
            samples[name].append(contenders[name]())
    return samples


# -- 1 and 2: per-send overhead through boto3 ---------------------------------------
MESSAGE = {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}
V1_CANNED = (
    b'<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
    b"<SendEmailResult><MessageId>0100-x-000000</MessageId></SendEmailResult>"
    b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendEmailResponse>"
)
V2_CANNED = b'{"MessageId": "0100-x-000000"}'


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.body


def _sender(service: str) -> Callable[[Any, int], None]:
    def v1(client: Any, i: int) -> None:
        client.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": [f"u{i}@example.com"]},
            Message=MESSAGE,
        )

    def v2(client: Any, i: int) -> None:
        client.send_email(
            FromEmailAddress="app@example.com",
            Destination={"ToAddresses": [f"u{i}@example.com"]},
            Content={"Simple": MESSAGE},
        )

    return v1 if service == "ses" else v2


def _per_send(service: str, quick: bool) -> list[Row]:
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.stub import Stubber
    from moto import mock_aws

    from pytest_sesquota import SesAccount

    rounds, sends = (3, 100) if quick else (15, 200)
    send = _sender(service)
    keys = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}
    canned = V1_CANNED if service == "ses" else V2_CANNED

    def timed(client: Any) -> float:
        start = _clock()
        for i in range(sends):
            send(client, i)
        return (_clock() - start) / sends

    floor_client = boto3.client(service, region_name="us-east-1", **keys)
    floor_client.meta.events.register_first(
        f"before-send.{service}",
        lambda request, **_: AWSResponse(request.url, 200, {}, _Raw(canned)),
    )

    def floor() -> float:
        return timed(floor_client)

    def fake() -> float:
        with SesAccount(max_24_hour_send=-1, max_send_rate=-1):
            return timed(boto3.client(service, region_name="us-east-1"))

    def moto() -> float:
        with mock_aws():
            client = boto3.client(service, region_name="us-east-1", **keys)
            boto3.client("ses", region_name="us-east-1", **keys).verify_email_identity(
                EmailAddress="app@example.com"
            )
            return timed(client)

    stub_client = boto3.client(service, region_name="us-east-1", **keys)
    stubber = Stubber(stub_client)
    stubber.activate()

    def stub() -> float:
        for _ in range(sends):  # queued before the clock starts
            stubber.add_response("send_email", {"MessageId": "0100-x-000000"})
        return timed(stub_client)

    contenders = {
        "floor: before-send canned success": floor,
        "pytest-sesquota fake": fake,
        "moto mock_aws": moto,
        "botocore Stubber (no retry loop)": stub,
    }
    samples = interleaved(contenders, rounds)
    base = statistics.median(samples["floor: before-send canned success"])
    group = f"per send, boto3 {service}"
    rows = [
        Row(
            group,
            name,
            statistics.median(values) * 1e6,
            "µs/send",
            statistics.median(values) / base,
        )
        for name, values in samples.items()
    ]
    fake_median = statistics.median(samples["pytest-sesquota fake"])
    moto_median = statistics.median(samples["moto mock_aws"])
    rows[
        1
    ].note = (
        f"target <= 1.20x floor; {moto_median / fake_median:.1f}x faster than moto (target >= 2.5x)"
    )
    rows[-1].note = f"{rounds} rounds x {sends} sends, interleaved"
    return rows


def per_send_v1(quick: bool) -> list[Row]:
    return _per_send("ses", quick)


def per_send_v2(quick: bool) -> list[Row]:
    return _per_send("sesv2", quick)


def aio(quick: bool) -> list[Row]:
    """aiobotocore's ``send_email`` through the fake against the same client answered by a
    canned ``before-send`` handler: the fake's cost over aiobotocore's own (needs the
    ``aio`` extra, in a venv of its own: aiobotocore pins botocore)."""
    import asyncio

    try:
        from aiobotocore.awsrequest import AioAWSResponse
        from aiobotocore.session import get_session
    except ImportError:
        print('aio: skipped, needs pip install -e ".[aio]"', file=sys.stderr)
        return []

    from pytest_sesquota import SesAccount

    rounds, sends = (3, 100) if quick else (15, 200)
    keys = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}

    class Raw(_Raw):
        raw_headers = ()  # aiobotocore before 2.13 reads the headers from here

        async def read(self, _amount: int | None = None) -> bytes:
            return self.body

    async def timed(canned: bool) -> float:
        session = get_session()
        async with session.create_client("ses", region_name="us-east-1", **keys) as client:
            if canned:
                client.meta.events.register_first(
                    "before-send.ses",
                    lambda request, **_: AioAWSResponse(request.url, 200, {}, Raw(V1_CANNED)),
                )
            await _async_send(client, 0)  # the client's first call loads its models
            start = _clock()
            for i in range(sends):
                await _async_send(client, i)
            return (_clock() - start) / sends

    def floor() -> float:
        return asyncio.run(timed(True))

    def fake() -> float:
        with SesAccount(max_24_hour_send=-1, max_send_rate=-1):
            return asyncio.run(timed(False))

    contenders = {"floor: before-send canned success": floor, "pytest-sesquota fake": fake}
    samples = interleaved(contenders, rounds)
    base = statistics.median(samples["floor: before-send canned success"])
    rows = [
        Row(
            "per send, aiobotocore ses",
            name,
            statistics.median(values) * 1e6,
            "µs/send",
            statistics.median(values) / base,
        )
        for name, values in samples.items()
    ]
    rows[1].note = "target <= 1.20x floor"
    rows[0].note = f"{rounds} rounds x {sends} sends, interleaved"
    return rows


async def _async_send(client: Any, i: int) -> None:
    await client.send_email(
        Source="app@example.com",
        Destination={"ToAddresses": [f"u{i}@example.com"]},
        Message=MESSAGE,
    )


# -- 3: the quota engine alone ----------------------------------------------------------
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _day(decisions: int, rate: float, daily: float, trace: bool = False) -> tuple[float, int, int]:
    """Spread ``decisions`` one-recipient sends evenly over 24 virtual hours.

    Returns (decisions per wall second, accepted, peak bytes if traced)."""
    from pytest_sesquota import QuotaEngine, RegionQuota

    clock = [START]
    engine = QuotaEngine(
        lambda: clock[0], lambda _r: RegionQuota(max_24_hour_send=daily, max_send_rate=rate)
    )
    step = 86_400.0 / decisions
    try_send = engine.try_send
    accepted = 0
    gc.collect()
    if trace:
        tracemalloc.start()
    start = _clock()
    for i in range(decisions):
        clock[0] = START + i * step
        accepted += try_send("us-east-1", 1).accepted
    wall = _clock() - start
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return decisions / wall, accepted, peak


def engine(quick: bool) -> list[Row]:
    rounds = 1 if quick else 3
    production = 14 * 86_400  # a full day of attempts at 14 per second
    small, large = (200_000, 2_000_000) if quick else (1_000_000, 10_000_000)
    outcome: dict[str, int] = {}

    def day_at_14() -> float:
        rate, outcome["production"], _ = _day(production, 14.0, 50_000.0)
        return rate

    def unlimited() -> float:
        rate, _, _ = _day(small, -1.0, -1.0)
        return rate

    samples = interleaved({"production": day_at_14, "unlimited": unlimited}, rounds)
    _, _, peak_small = _day(small, -1.0, -1.0, trace=True)
    _, _, peak_large = _day(large, -1.0, -1.0, trace=True)
    group = "quota engine (QuotaEngine, fake clock)"
    return [
        Row(
            group,
            f"production day: {production:,} attempts at 14/s, 50,000/24 h",
            statistics.median(samples["production"]),
            "decisions/s",
            note=f"{outcome['production']:,} accepted (the quota), the rest refused",
        ),
        Row(
            group,
            f"unlimited day: {small:,} sends",
            statistics.median(samples["unlimited"]),
            "decisions/s",
        ),
        Row(
            group,
            f"peak memory, a day of {small:,} sends",
            peak_small / 2**20,
            "MiB",
            note="tracemalloc",
        ),
        Row(
            group,
            f"peak memory, a day of {large:,} sends",
            peak_large / 2**20,
            "MiB",
            peak_large / peak_small,
            note=f"ratio to the {small:,}-send day: memory does not grow with sends",
        ),
    ]


# -- 4: fixture overhead per test -------------------------------------------------------
CONFTEST = """
import sys
import time

import pytest

import boto3
import botocore.session
import django
from django.conf import settings

settings.configure(INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"])
django.setup()
import django.contrib.admin
import django.contrib.auth.models
import django.db.models
import django.forms
import django.template.defaultfilters
import django.test
import django.views.generic
import email.mime.multipart, http.server, json, logging.handlers, sqlite3, xml.dom.minidom
import asyncio, concurrent.futures, decimal, fractions, statistics, unittest.mock, urllib.request
import django.contrib.sessions.middleware, django.contrib.messages.views, django.core.management
import django.contrib.admin.views.main, django.db.backends.sqlite3.base, django.test.client
import csv, ctypes, difflib, ftplib, imaplib, pdb, smtplib, ssl, tarfile, xmlrpc.client, zipfile
import django.contrib.auth.forms, django.contrib.auth.views, django.contrib.syndication.views
import django.contrib.sitemaps, django.contrib.staticfiles.views, django.contrib.humanize
import logging.config, multiprocessing.managers, wsgiref.simple_server, http.cookiejar

boto3.client("ses", region_name="us-east-1")
boto3.client("sesv2", region_name="us-east-1")
boto3.client("sqs", region_name="us-east-1")
boto3.client("s3", region_name="us-east-1")


# The process's CPU time, not the wall clock: on a shared machine the wall time of the
# same run swings tenfold with the other processes, its CPU time hardly. (No backend
# fakes process_time.)
_CPU = (time.process_time,)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    # The tests alone, not the interpreter's start and the imports above.
    start = _CPU[0]()
    yield
    with open("loop.txt", "w") as out:
        out.write(repr(_CPU[0]() - start))


def pytest_sessionfinish(session):
    with open("modules.txt", "w") as out:
        out.write(str(len(sys.modules)))
"""


def _write_suite(root: Path, tests: int) -> None:
    (root / "conftest.py").write_text(CONFTEST)
    (root / "pytest.ini").write_text("[pytest]\n")
    plain = "".join(f"def test_plain_{i}():\n    pass\n\n\n" for i in range(tests))
    faked = "".join(f"def test_faked_{i}(ses_account):\n    pass\n\n\n" for i in range(tests))
    (root / "test_plain.py").write_text(plain)
    (root / "test_faked.py").write_text(faked)


def fixture_overhead(quick: bool) -> list[Row]:
    rounds, tests = (2, 500) if quick else (5, 500)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write_suite(root, tests)
        env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true", "PYTHONDONTWRITEBYTECODE": "1"}

        def run(path: str, *options: str) -> Callable[[], float]:
            command = [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                path,
                *options,
            ]

            def once() -> float:
                subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
                return float((root / "loop.txt").read_text())

            return once

        contenders = {
            "without the fixture": run("test_plain.py"),
            # No -o: what a suite gets without choosing (auto: time-machine on CPython).
            "ses_account, default settings": run("test_faked.py"),
            "ses_account, freezegun": run(
                "test_faked.py", "-o", "ses_quota_time_backend=freezegun"
            ),
            "ses_account, time-machine": run(
                "test_faked.py", "-o", "ses_quota_time_backend=time-machine"
            ),
        }
        samples = interleaved(contenders, rounds)
        modules = int((root / "modules.txt").read_text())
    base = statistics.median(samples["without the fixture"])
    group = f"fixture overhead per test ({tests} tests, {modules:,} modules loaded)"
    rows.append(
        Row(
            group,
            "without the fixture: the test loop (CPU time)",
            base * 1e3 / tests,
            "ms/test",
            note=f"{rounds} rounds",
        )
    )
    targets = {
        "ses_account, default settings": "target < 1 ms/test",
        "ses_account, freezegun": "scans every module at each start",
        "ses_account, time-machine": "target < 1 ms/test",
    }
    for name, note in targets.items():
        per_test = (statistics.median(samples[name]) - base) / tests * 1e3
        rows.append(Row(group, f"{name}: added", per_test, "ms/test", note=note))
    return rows


# -- 2c: what an installed but unused plugin costs every pytest run ----------------------
UNUSED_CONFTEST = """
import sys

def pytest_sessionfinish(session):
    with open("modules.txt", "w") as out:
        out.write(str(len(sys.modules)))
"""


def unused_plugin(quick: bool) -> list[Row]:
    """A one-test suite that never touches SES, whole pytest runs (interpreter start
    included), with the plugin and with ``-p no:sesquota``, interleaved."""
    rounds = 5 if quick else 11
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(UNUSED_CONFTEST)
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
        # Bytecode caches allowed, as on a developer's machine: without them every run
        # would compile (and assertion-rewrite) the plugin's modules from source.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        modules: dict[str, int] = {}
        wall: dict[str, list[float]] = {"-p no:sesquota": [], "plugin": []}

        def run(name: str, *options: str) -> Callable[[], float]:
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]

            def once() -> float:
                # The child's CPU time (user + system): on a shared machine a run's wall
                # time is mostly other processes' load; its CPU time is its own cost.
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = _clock()
                subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
                wall[name].append(_clock() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                modules[name] = int((root / "modules.txt").read_text())
                return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

            return once

        samples = interleaved(
            {"-p no:sesquota": run("-p no:sesquota", "-p", "no:sesquota"), "plugin": run("plugin")},
            rounds,
        )
    base = statistics.median(samples["-p no:sesquota"])
    added = statistics.median(samples["plugin"]) - base
    wall_added = statistics.median(wall["plugin"]) - statistics.median(wall["-p no:sesquota"])
    # The least disturbed runs: on a loaded machine the medians carry others' noise.
    min_added = min(samples["plugin"]) - min(samples["-p no:sesquota"])
    group = "a one-test suite not using the plugin (whole pytest run, CPU time)"
    return [
        Row(group, "-p no:sesquota", base * 1e3, "ms", note=f"{modules['-p no:sesquota']} modules"),
        Row(
            group,
            "plugin installed: added",
            added * 1e3,
            "ms",
            note=f"+{modules['plugin'] - modules['-p no:sesquota']} modules; {rounds} rounds; "
            f"fastest runs: {min_added * 1e3:+.1f} ms; wall time {wall_added * 1e3:+.0f} ms; "
            "target <= 20 ms, <= 40 modules",
        ),
    ]


# -- 2b: SMTP against a bare aiosmtpd sink ------------------------------------------------
def smtp(quick: bool) -> list[Row]:
    """smtplib over loopback, STARTTLS + AUTH, then N messages on one connection: the
    fake's SMTP interface against a bare aiosmtpd sink doing the same TLS and AUTH."""
    import logging
    import smtplib
    import socket
    import ssl
    from email.message import EmailMessage

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    # The bare sink's aiosmtpd warns on every AUTH (its deprecated login_data): not news.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    from pytest_sesquota import SesAccount, SesSmtpServer
    from pytest_sesquota.doors import certs as _certs

    ca_pem, chain_pem = _certs.pems()
    workdir = Path(tempfile.mkdtemp(prefix="sesquota-bench-"))
    (workdir / "server.pem").write_bytes(chain_pem)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(workdir / "server.pem")
    client_tls = ssl.create_default_context(cadata=ca_pem.decode())

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", "a@example.com", "Hi"
    message.set_content("Hello\n" * 100)
    payload = message.as_bytes()
    per_round = 50 if quick else 200

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    def free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    sink = Controller(
        Sink(),
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls,
        require_starttls=True,
        authenticator=lambda *args: AuthResult(success=True),
        auth_require_tls=True,
    )
    account = SesAccount(profile="production", max_24_hour_send=-1, max_send_rate=-1)
    fake = SesSmtpServer(account)

    def session(host: str, port: int, username: str, password: str) -> Callable[[], float]:
        def run() -> float:
            start = _clock()
            with smtplib.SMTP(host, port, timeout=30) as client:
                client.starttls(context=client_tls)
                client.login(username, password)
                for _ in range(per_round):
                    client.sendmail("app@example.com", ["a@example.com"], payload)
            return per_round / (_clock() - start)

        return run

    sink.start()
    fake.start()
    try:
        samples = interleaved(
            {
                "sink": session("127.0.0.1", sink.port, "any", "any"),
                "fake": session(fake.host, fake.port, fake.username, fake.password),
            },
            rounds=3 if quick else 9,
        )
    finally:
        fake.stop()
        sink.stop()
    assert len(account.sent) == per_round * (3 if quick else 9)
    sink_rate = statistics.median(samples["sink"])
    fake_rate = statistics.median(samples["fake"])
    group = f"SMTP: smtplib, STARTTLS + AUTH, {per_round} messages per connection"
    return [
        Row(group, "bare aiosmtpd sink (same TLS and AUTH)", sink_rate, "msg/s", 1.0),
        Row(
            group,
            "pytest-sesquota SMTP (quotas, MIME parsing, ledger)",
            fake_rate,
            "msg/s",
            fake_rate / sink_rate,
            note="target >= 0.8x the sink",
        ),
    ]


# -- 5: sesquota serve, against moto's server --------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _process(command: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A server in a subprocess, once its port answers."""
    import socket

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
    import json

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

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
        import http.client

        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path, self.body, self.headers = _signed_send(port)

    def send(self) -> float:
        start = _clock()
        self.connection.request("POST", self.path, self.body, self.headers)
        reply = self.connection.getresponse()
        reply.read()
        if reply.status != 200:
            raise RuntimeError(f"the server answered {reply.status}")
        return _clock() - start

    def close(self) -> None:
        self.connection.close()


def _rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


#: The floor: a bare keep-alive http.server answering a canned SendEmail reply, with
#: TCP_NODELAY: what Python's HTTP server costs alone on this machine.
_FLOOR_SERVER = """
import socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = b'{"MessageId": "0100-x-000000"}'
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass
class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address
Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def serve(quick: bool) -> list[Row]:
    """Keep-alive SES v2 SendEmail requests over loopback: ``sesquota serve`` (in memory,
    and with a state file) against moto's server, each in a process of its own."""
    import threading

    import boto3

    servers: dict[str, list[str] | None] = {
        "floor: bare http.server, canned reply": ["floor"],
        "sesquota serve (in memory)": [],
        "sesquota serve --state": ["--state"],
        "moto server": None,
    }
    workdir = Path(tempfile.mkdtemp(prefix="sesquota-bench-serve-"))
    latency: dict[str, list[float]] = {name: [] for name in servers}
    throughput: dict[str, float] = {}
    paced: dict[str, list[float]] = {name: [] for name in servers}
    requests = 2_000 if quick else 10_000
    with contextlib.ExitStack() as stack:
        ports: dict[str, int] = {}
        for name, extra in servers.items():
            port = ports[name] = _free_port()
            if extra is None:
                command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
            elif extra == ["floor"]:
                command = [sys.executable, "-c", _FLOOR_SERVER, str(port)]
            else:
                command = [sys.executable, "-m", "pytest_sesquota", "serve", "--quiet"]
                command += ["--port", str(port), "--smtp-port", "0", "--smtp-tls-port", "0"]
                command += ["--profile", "production", "--max-24-hour-send", "-1"]
                command += ["--max-send-rate", "-1", "--ledger-retention", "1000"]
                if extra == ["--state"]:
                    command += ["--state", str(workdir / f"{port}.sqlite")]
            stack.enter_context(_process(command, port))
        # moto's SES refuses an unverified sender: verify it, as a real account would.
        boto3.client(
            "ses",
            endpoint_url=f"http://127.0.0.1:{ports['moto server']}",
            region_name="us-east-1",
            aws_access_key_id="fake",
            aws_secret_access_key="fake",
        ).verify_email_identity(EmailAddress="app@example.com")
        clients = {name: _KeepAlive(port) for name, port in ports.items()}
        for c in clients.values():  # warm up: imports, caches, the first connection
            for _ in range(200):
                c.send()
        # 1. One request at a time, the contenders interleaved in rounds.
        rounds = 10
        for _ in range(rounds):
            names = list(clients)
            random.shuffle(names)
            for name in names:
                latency[name] += [clients[name].send() for _ in range(requests // rounds)]
        # 2. Throughput: 4 client threads, each on its own connection.
        for name, port in ports.items():
            per_thread = requests // 8
            workers = [_KeepAlive(port) for _ in range(4)]
            threads = [
                threading.Thread(target=lambda w=w, n=per_thread: [w.send() for _ in range(n)])
                for w in workers
            ]
            start = _clock()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            throughput[name] = 4 * per_thread / (_clock() - start)
            for w in workers:
                w.close()
        # 3. 1,000 requests per second, paced on the wall clock.
        for name, c in clients.items():
            start = _clock()
            for n in range(requests // 2):
                wait = start + n / 1000 - _clock()
                if wait > 0:
                    time.sleep(wait)
                paced[name].append(c.send())
        for c in clients.values():
            c.close()
    # 4. Memory over 100,000 requests (10,000 --quick), retention 1,000: RSS at 10% and 100%.
    total = 10_000 if quick else 100_000
    port = _free_port()
    command = [sys.executable, "-m", "pytest_sesquota", "serve", "--quiet", "--port", str(port)]
    command += ["--smtp-port", "0", "--smtp-tls-port", "0", "--profile", "production"]
    command += ["--max-24-hour-send", "-1", "--max-send-rate", "-1", "--ledger-retention", "1000"]
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

    # 5. Restart on a state file of 200,000 sends (20,000 --quick), default retention,
    # against a start on an empty file: the time until the port answers.
    from pytest_sesquota import SesAccount
    from pytest_sesquota.clock.sesclock import DetachedClock
    from pytest_sesquota.serve.retention import DEFAULT_RETENTION, Retention
    from pytest_sesquota.serve.store import Store

    sends = 20_000 if quick else 200_000
    account = SesAccount(
        profile="production", max_24_hour_send=-1, max_send_rate=-1, clock=DetachedClock()
    )
    retention = Retention(DEFAULT_RETENTION)
    store = Store(workdir / "restart.sqlite")
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
    starts: dict[str, list[float]] = {"empty": [], "full": []}
    for _ in range(3):
        for name, state in (("empty", f"empty-{len(starts['empty'])}"), ("full", "restart")):
            port = _free_port()
            command = [sys.executable, "-m", "pytest_sesquota", "serve", "--quiet"]
            command += ["--port", str(port), "--smtp-port", "0", "--smtp-tls-port", "0"]
            command += ["--state", str(workdir / f"{state}.sqlite")]
            begun = _clock()
            with _process(command, port):
                starts[name].append(_clock() - begun)

    def p99(samples: list[float]) -> float:
        return sorted(samples)[int(len(samples) * 0.99)]

    moto = "moto server"
    ours = {name for name in servers if name.startswith("sesquota")}
    group = f"serve: keep-alive SES v2 SendEmail over loopback ({requests:,} requests)"
    rows = []
    for name in servers:
        median = statistics.median(latency[name]) * 1e6
        rows.append(
            Row(
                group,
                f"{name}: median latency",
                median,
                "µs",
                median / (statistics.median(latency[moto]) * 1e6),
                note="target < 1 ms" if name in ours else "",
            )
        )
    for name in servers:
        rows.append(
            Row(
                group,
                f"{name}: throughput, 4 connections",
                throughput[name],
                "req/s",
                throughput[name] / throughput[moto],
                note="target >= 2x moto" if name in ours else "",
            )
        )
    for name in servers:
        rows.append(
            Row(
                group,
                f"{name}: p99 latency at 1,000 req/s",
                p99(paced[name]) * 1e6,
                "µs",
                None,
                note="target < 5 ms" if name in ours else "",
            )
        )
    rows.append(
        Row(
            group,
            f"sesquota serve --state, retention 1,000: RSS after {total:,} requests",
            late,
            "MiB",
            late / early,
            note=f"{early:.1f} MiB after {total // 10:,}; target: flat",
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


# -- 5: virtual time ------------------------------------------------------------------
def virtual_time(quick: bool) -> list[Row]:
    sys.path.insert(0, str(ROOT / "examples"))
    from newsletter import mailer

    from pytest_sesquota import SesAccount

    messages = 2_000 if quick else 20_000
    readers = [f"reader{i}@example.org" for i in range(messages)]
    rows: list[Row] = []
    for backend in ("freezegun", "time-machine"):
        with SesAccount(profile="production", time_backend=backend) as account:
            start = _clock()
            result = mailer.send_newsletter(readers, "Issue #1", "Hello!")
            wall = _clock() - start
            virtual = account.clock.elapsed()
            assert len(result.sent) == messages and not result.deferred
            note = (
                f"{messages:,} messages at 14/s: {virtual:,.0f} virtual s in {wall:.1f} wall s, "
                f"{len(account.throttled)} throttles"
            )
        rows.append(
            Row(
                "virtual time (examples/newsletter)",
                f"virtual / wall, {backend}",
                virtual / wall,
                "x",
                note=note,
            )
        )
    return rows


# -- child processes: what the process hooks cost a test that starts none -----------------
def children(quick: bool) -> list[Row]:
    """A fake account turned on and off, with the process hooks installed (as the plugin
    does) and without, interleaved; then what the first child process of a test adds
    (the account's loopback server starting) over a plain ``subprocess.run``."""
    from pytest_sesquota import SesAccount
    from pytest_sesquota.serve import children as hooks

    rounds, turns = (5, 100) if quick else (11, 300)
    group = "child processes: a faked test"

    def accounts(installed: bool) -> Callable[[], float]:
        def once() -> float:
            undo = hooks.install() if installed else (lambda: None)
            try:
                start = _clock()
                for _ in range(turns):
                    with SesAccount(time_backend="time-machine"):
                        pass
                return (_clock() - start) / turns
            finally:
                undo()

        return once

    samples = interleaved({"without": accounts(False), "with": accounts(True)}, rounds)
    base = statistics.median(samples["without"])
    hooked = statistics.median(samples["with"])
    rows = [
        Row(group, "turning an account on and off, no process hooks", base * 1e3, "ms"),
        Row(
            group,
            "the same, hooks installed, no process started",
            hooked * 1e3,
            "ms",
            hooked / base,
            note="target: nothing added",
        ),
    ]
    command = [sys.executable, "-c", "pass"]

    def plain() -> float:
        start = _clock()
        subprocess.run(command, check=True)
        return _clock() - start

    def first_child() -> float:
        undo = hooks.install()
        try:
            with SesAccount(time_backend="time-machine"):
                start = _clock()
                subprocess.run(command, check=True)  # starts the account's server first
                return _clock() - start
        finally:
            undo()

    samples = interleaved({"plain": plain, "first": first_child}, rounds)
    floor = statistics.median(samples["plain"])
    first = statistics.median(samples["first"])
    rows.append(Row(group, "subprocess.run(python -c pass), no account", floor * 1e3, "ms"))
    rows.append(
        Row(
            group,
            "the same as a faked test's first child (server start)",
            first * 1e3,
            "ms",
            first / floor,
        )
    )
    return rows


GROUPS: dict[str, Callable[[bool], list[Row]]] = {
    "ses": per_send_v1,
    "sesv2": per_send_v2,
    "aio": aio,
    "smtp": smtp,
    "serve": serve,
    "engine": engine,
    "fixture": fixture_overhead,
    "unused": unused_plugin,
    "virtual-time": virtual_time,
    "children": children,
}


def _versions() -> str:
    names = [
        "pytest-sesquota",
        "boto3",
        "botocore",
        "moto",
        "freezegun",
        "time-machine",
        "pytest",
        "django",
        "aiobotocore",
    ]
    found = []
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    return ", ".join(found)


def render(rows: list[Row]) -> str:
    lines = [
        "| benchmark | contender | median | unit | ratio | note |",
        "|---|---|---:|---|---:|---|",
    ]
    for row in rows:
        number = f"{row.median:,.0f}" if row.median >= 100 else f"{row.median:.2f}"
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.group} | {row.contender} | {number} | {row.unit} | {ratio} | {row.note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and sends")
    parser.add_argument("--only", nargs="+", choices=list(GROUPS), help="run only these groups")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name in args.only or GROUPS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += GROUPS[name](args.quick)
    command = " ".join(["python", "benchmarks/run.py", *map(shlex.quote, argv or sys.argv[1:])])
    print(render(rows))
    print()
    print(f"command: {command}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )
    print(f"versions: {_versions()}")


if __name__ == "__main__":
    main()
