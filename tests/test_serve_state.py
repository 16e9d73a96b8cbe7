"""sesquota serve --state: a state file that a failed write, a reset, a second server or a
restart cannot corrupt, and saves whose cost does not grow with the account.

Faults are injected two ways: a SQLite connection whose COMMIT fails on demand (in this
process), and a real full disk for a real server (``RLIMIT_FSIZE`` in its subprocess).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from test_server import MESSAGE, call, client, get, serve

from pytest_sesquota import SesAccount
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.gate import Gate
from pytest_sesquota.serve.retention import Retention
from pytest_sesquota.serve.server import SesHttpServer
from pytest_sesquota.serve.store import Store

V2_MESSAGE = {"Simple": MESSAGE}


class FlakyConnection(sqlite3.Connection):
    """A connection whose next ``failures`` COMMITs fail as a full disk makes them fail."""

    failures = 0
    statements: list[str] | None = None

    def execute(self, sql, *args):  # type: ignore[override]
        if sql == "COMMIT" and FlakyConnection.failures:
            FlakyConnection.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)


def flaky(path):
    return sqlite3.connect(
        path, factory=FlakyConnection, check_same_thread=False, isolation_level=None
    )


@pytest.fixture
def flaky_server(tmp_path):
    """A server on a state file whose commits fail on demand; yields (account, endpoint, path)."""
    FlakyConnection.failures = 0
    path = tmp_path / "ses.sqlite"
    account = SesAccount(profile="production", clock=DetachedClock())
    store = Store(path, connect=flaky)
    retention = Retention()
    store.load(account, retention)
    store.save(account, retention)
    gate = Gate(account, store=store, retention=retention)
    try:
        with SesHttpServer(account, gate=gate) as server:
            yield account, server.endpoint_url, path
    finally:
        FlakyConnection.failures = 0
        store.close()


def reopen(path, **options):
    """The account a restart on ``path`` would serve, as if its server were killed now
    (its files copied as they are: the database and its write-ahead log)."""
    copy = path.with_name(f"copy-{time.monotonic_ns()}.sqlite")
    for suffix in ("", "-wal"):
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
    account = SesAccount(profile="production", clock=DetachedClock(), **options)
    store = Store(copy)
    try:
        store.load(account, Retention())
    finally:
        store.close()
    return account


def send_v2(v2, to="a@example.com"):
    return v2.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": [to]},
        Content=V2_MESSAGE,
    )["MessageId"]


def test_a_failed_save_answers_internal_failure_and_counts_nothing(flaky_server):
    account, endpoint, path = flaky_server
    ses, v2 = client("ses", endpoint), client("sesv2", endpoint)
    send_v2(v2, "first@example.com")
    FlakyConnection.failures = 2
    with pytest.raises(ClientError) as v1_error:
        ses.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["b@example.com"]},
            Message=MESSAGE,
        )
    with pytest.raises(ClientError) as v2_error:
        send_v2(v2, "c@example.com")
    message = (
        f"pytest-sesquota could not save the account to its state file {path} "
        "(database or disk is full); nothing of this request was counted"
    )
    for error in (v1_error.value, v2_error.value):
        assert error.response["Error"]["Code"] == "InternalFailure"
        assert error.response["Error"]["Message"] == message
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert v1_error.value.response["Error"]["Type"] == "Receiver"
    # Nothing of the failed sends is left, in memory or in the file.
    assert [m.recipients for m in account.sent] == [("first@example.com",)]
    assert ses.get_send_quota()["SentLast24Hours"] == 1.0
    send_v2(v2, "d@example.com")
    restarted = reopen(path)
    assert [m.recipients for m in restarted.sent] == [("first@example.com",), ("d@example.com",)]
    assert restarted.quota()[2] == 2.0
    # The failed attempts left no trace in the account (the server's log has them).
    assert [r.operation for r in restarted.requests] == ["SendEmail", "GetSendQuota", "SendEmail"]
    assert account.internal_errors == []


def test_botocore_retries_after_failed_saves_count_one_send(flaky_server):
    """A save that fails twice, then succeeds: botocore's three attempts make one send."""
    account, endpoint, path = flaky_server
    v2 = client(
        "sesv2", endpoint, config=Config(retries={"mode": "standard", "total_max_attempts": 3})
    )
    FlakyConnection.failures = 2
    message_id = send_v2(v2)
    assert [m.message_id for m in account.sent] == [message_id]
    assert [r.status for r in account.requests] == [200]
    assert [m.message_id for m in reopen(path).sent] == [message_id]


def test_reset_racing_sends_never_wedges_the_server(tmp_path):
    account = SesAccount(
        profile="production", max_send_rate=-1, max_24_hour_send=-1, clock=DetachedClock()
    )
    path = tmp_path / "ses.sqlite"
    store = Store(path)
    retention = Retention()
    store.load(account, retention)
    gate = Gate(account, store=store, retention=retention)
    failures: list[BaseException] = []
    try:
        with SesHttpServer(account, gate=gate) as server:
            endpoint = server.endpoint_url

            def sender(n):
                v2 = client("sesv2", endpoint)
                try:
                    for i in range(40):
                        send_v2(v2, f"user{n}-{i}@example.com")
                except BaseException as error:  # pragma: no cover - the failure shown
                    failures.append(error)

            def resetter():
                try:
                    for _ in range(15):
                        status, _h, body = call(endpoint, "POST", "/_sesquota/reset")
                        assert status == 200, body
                except BaseException as error:  # pragma: no cover
                    failures.append(error)

            threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
            threads.append(threading.Thread(target=resetter))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            assert failures == []
            assert account.internal_errors == []
            # Still saving: one more send after the last reset is in memory and in the file.
            call(endpoint, "POST", "/_sesquota/reset")
            send_v2(client("sesv2", endpoint), "last@example.com")
            assert [m.recipients for m in account.sent] == [("last@example.com",)]
    finally:
        store.close()
    restarted = reopen(path)
    assert [m.recipients for m in restarted.sent] == [("last@example.com",)]
    assert restarted.quota()[2] == 1.0
    assert [r.operation for r in restarted.requests] == ["SendEmail"]


def test_a_second_server_on_the_same_state_file_is_refused(tmp_path):
    state = tmp_path / "ses.sqlite"
    with serve(tmp_path, "--state", state) as (process, _endpoint, _info):
        second = subprocess.run(
            [sys.executable, "-m", "pytest_sesquota", "serve", "--port", "0", "--state", state],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert second.stderr == (
            f"sesquota: the state file {state} is in use by another sesquota serve "
            f"(PID {process.pid}, holding {state}.lock): stop that one first, or give this "
            "one another --state file\n"
        )
    # Once the first has stopped, the file is free again.
    with serve(tmp_path, "--state", state):
        pass


@pytest.mark.parametrize("way", ["symlink", "hardlink", "lock file deleted"])
def test_the_lock_is_on_the_database_not_its_name(tmp_path, way):
    # Each way ran a second server on one database: a restart then showed ledger 10
    # and quota 5 for 15 acknowledged sends.
    state = tmp_path / "ses.sqlite"
    other = tmp_path / "other.sqlite"
    with serve(tmp_path, "--state", state) as (process, _endpoint, _info):
        if way == "symlink":
            other.symlink_to(state)
        elif way == "hardlink":
            os.link(state, other)
        else:
            (tmp_path / "ses.sqlite.lock").unlink()
            other = state
        second = subprocess.run(
            [sys.executable, "-m", "pytest_sesquota", "serve", "--port", "0", "--state", other],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert second.stderr == (
            f"sesquota: the state file {other} is in use by another sesquota serve "
            f"(PID unknown, holding {other}.lock): stop that one first, or give this "
            "one another --state file\n"
        )
        assert process.poll() is None


def test_a_state_directory_deleted_while_serving_stops_the_200s(tmp_path):
    # Sends went on getting 200 into the unlinked file, a new server started on the
    # path, and the acknowledged sends were lost at restart.
    directory = tmp_path / "state"
    directory.mkdir()
    state = directory / "ses.sqlite"
    with serve(tmp_path, "--state", state, "--profile", "production") as (process, endpoint, _i):
        v2 = client("sesv2", endpoint)
        send_v2(v2, "kept@example.com")
        shutil.rmtree(directory)
        directory.mkdir()
        with pytest.raises(ClientError) as error:
            send_v2(v2, "lost@example.com")
        assert error.value.response["Error"]["Code"] == "InternalFailure"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert error.value.response["Error"]["Message"] == (
            f"pytest-sesquota could not save the account to its state file {state} ({state} "
            "was deleted or replaced while this server held it; restart the server to go "
            "on); nothing of this request was counted"
        )
        assert [m["recipients"] for m in get(endpoint, "/_sesquota/ledger")["sent"]] == [
            ["kept@example.com"]
        ]
        # A server started on the path meanwhile has the file to itself.
        with serve(tmp_path, "--state", state):
            pass
        assert process.poll() is None


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_state_and_ready_files_are_owner_only(tmp_path):
    state = tmp_path / "ses.sqlite"
    old = os.umask(0o022)  # the common default: files readable by everyone
    try:
        with serve(tmp_path, "--state", state) as (_p, endpoint, info):
            send_v2(client("sesv2", endpoint))
            ready = next(tmp_path.glob("ready-*.json"))
            assert json.loads(ready.read_text())["smtp"]["password"] == info["smtp"]["password"]
            files = [state, tmp_path / "ses.sqlite-wal", tmp_path / "ses.sqlite.lock", ready]
            assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}
    finally:
        os.umask(old)
    # A file made readable by others is made owner-only again at the next start.
    state.chmod(0o644)
    with serve(tmp_path, "--state", state):
        assert mode(state) == 0o600


def full_disk(limit):
    def limit_writes():
        # Past the limit a write fails with EFBIG (SIGXFSZ would kill the process instead).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes


def test_a_real_full_disk_loses_nothing_committed(tmp_path, monkeypatch):
    """A server whose files cannot grow past 1 MiB: sends fail as InternalFailure once the
    disk is full, and a restart on a roomy disk has exactly the sends that were answered."""
    state = tmp_path / "ses.sqlite"
    monkeypatch.setattr(subprocess, "Popen", _popen_with(full_disk(1024 * 1024)))
    accepted = []
    failed = []
    args = ("--state", state, "--profile", "production", "--max-send-rate", "-1")
    with serve(tmp_path, *args) as (_p, endpoint, _i):
        v2 = client("sesv2", endpoint)
        body = {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "x" * 8000}}}}
        for n in range(200):
            try:
                accepted.append(
                    v2.send_email(
                        FromEmailAddress="app@example.com",
                        Destination={"ToAddresses": [f"u{n}@example.com"]},
                        Content=body,
                    )["MessageId"]
                )
            except ClientError as error:
                failed.append(error.response["Error"]["Code"])
                if len(failed) == 3:
                    break
    monkeypatch.undo()
    assert failed == ["InternalFailure"] * 3 and 5 < len(accepted) < 200
    with serve(tmp_path, *args) as (_p, endpoint, _i):
        quota = client("ses", endpoint).get_send_quota()
        ledger = get(endpoint, "/_sesquota/ledger")
    assert quota["SentLast24Hours"] == float(len(accepted))
    assert [m["message_id"] for m in ledger["sent"]] == accepted


def _popen_with(preexec):
    real = subprocess.Popen

    def popen(*args, **kwargs):
        return real(*args, preexec_fn=preexec, **kwargs)

    return popen


def immutable(path):
    """``chattr +i`` on ``path``, undone on exit; skips where the file system (or a
    process without CAP_LINUX_IMMUTABLE) cannot."""
    try:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("no chattr on this machine")
    if made.returncode != 0:
        pytest.skip(f"chattr +i is refused here: {made.stderr.decode().strip()}")
    undo = contextlib.ExitStack()
    undo.callback(subprocess.run, ["chattr", "-i", str(path)], check=True, timeout=30)
    return undo


def test_the_state_file_has_no_memory_mapped_shm_beside_it(tmp_path):
    # SQLite's WAL index lived in FILE-shm, mapped into memory: made immutable (chattr +i)
    # while serving, its next write killed the server with SIGBUS and clients saw a closed
    # connection. The index is in the server's own memory now: there is no -shm file.
    state = tmp_path / "ses.sqlite"
    with serve(tmp_path, "--state", state, "--profile", "production") as (process, endpoint, _i):
        send_v2(client("sesv2", endpoint))
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ses.")) == [
            "ses.sqlite",
            "ses.sqlite-wal",
            "ses.sqlite.lock",
        ]
        assert process.poll() is None


@pytest.mark.parametrize("suffix", ["-wal", ""], ids=["wal", "database"])
def test_an_immutable_state_file_answers_500_and_loses_nothing(tmp_path, suffix):
    """Each file of the state made immutable while serving: the server lives on, a send
    it cannot keep is a 500 that counts nothing, and a restart has what was answered."""
    state = tmp_path / "ses.sqlite"
    args = ("--state", state, "--profile", "production")
    answered = []
    with serve(tmp_path, *args) as (process, endpoint, _i):
        v2 = client("sesv2", endpoint)
        answered.append(send_v2(v2, "first@example.com"))
        with immutable(f"{state}{suffix}"):
            for n in range(3):
                try:
                    answered.append(send_v2(v2, f"during-{n}@example.com"))
                except ClientError as error:
                    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
                    assert error.response["Error"]["Code"] == "InternalFailure"
                    assert error.response["Error"]["Message"] == (
                        "pytest-sesquota could not save the account to its state file "
                        f"{state} (disk I/O error); nothing of this request was counted"
                    )
            assert process.poll() is None
            kept = [m["message_id"] for m in get(endpoint, "/_sesquota/ledger")["sent"]]
            assert kept == answered
        answered.append(send_v2(v2, "after@example.com"))
    if suffix == "-wal":
        assert len(answered) == 2  # nothing could be written while the log was immutable
    with serve(tmp_path, *args) as (_p, endpoint, _i):
        assert [m["message_id"] for m in get(endpoint, "/_sesquota/ledger")["sent"]] == answered
        assert client("ses", endpoint).get_send_quota()["SentLast24Hours"] == len(answered)


def test_an_unwritable_state_file_is_refused_at_start(tmp_path):
    state = tmp_path / "ses.sqlite"
    with serve(tmp_path, "--state", state):
        pass
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sesquota", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=full_disk(1),
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"sesquota: cannot write the state file {state}: ")


def test_retention_keeps_the_newest_items_and_usage_exactly(tmp_path):
    state = tmp_path / "ses.sqlite"
    args = ("--state", state, "--profile", "production", "--max-send-rate", "-1")
    args += ("--ledger-retention", "4")
    with serve(tmp_path, *args) as (_p, endpoint, _i):
        v2 = client("sesv2", endpoint)
        ids = [send_v2(v2, f"u{n}@example.com") for n in range(12)]
        page = get(endpoint, "/_sesquota/ledger/sent?limit=2")
    assert page["total"] == 12 and page["first"] in range(2, 10)
    assert [i["number"] for i in page["items"]] == [page["first"], page["first"] + 1]
    with serve(tmp_path, *args) as (_p, endpoint, _i):
        v2 = client("sesv2", endpoint)
        # Usage counts every send, whatever the ledger keeps.
        assert client("ses", endpoint).get_send_quota()["SentLast24Hours"] == 12.0
        ids.append(send_v2(v2, "u12@example.com"))
        items, after = [], 0
        while after is not None:
            page = get(endpoint, f"/_sesquota/ledger/sent?after={after}&limit=2")
            items += page["items"]
            after = page["next"]
    # The newest items, numbered from the first send ever, message ids going on.
    assert [i["number"] for i in items] == list(range(14 - len(items), 14))
    assert [i["message_id"] for i in items] == ids[-len(items) :]
    assert ids[-1].endswith("-000013") and 4 <= len(items) <= 5


def count_writes(path, account, retention, regions):
    """The statements and bytes one save of ``regions`` sends to SQLite."""
    statements: list[str] = []
    store = Store(path)
    try:
        store.load(account, retention)
        store.save(account, retention)
        account.send(
            region="us-east-1",
            operation="SendEmail",
            source="a@example.com",
            recipients=["b@x.org"],
        )
        store._db.set_trace_callback(statements.append)
        store.save(account, retention, regions)
    finally:
        store.close()
    return len(statements), sum(len(s) for s in statements)


def test_save_cost_does_not_grow_with_usage_slots_or_regions(tmp_path):
    def account_with(slots, regions):
        account = SesAccount(profile="production", max_24_hour_send=-1, clock=DetachedClock())
        for _ in range(slots):  # one usage slot per virtual second
            account.send(
                region="us-east-1", operation="SendEmail", source="a@x.org", recipients=["b@x.org"]
            )
            account.clock.advance(seconds=1)
        for n in range(regions):
            account.quota(f"us-east-{n + 2}")
        return account

    small = count_writes(tmp_path / "small.sqlite", account_with(10, 2), Retention(), ["us-east-1"])
    large = count_writes(
        tmp_path / "large.sqlite", account_with(20_000, 2_000), Retention(), ["us-east-1"]
    )
    assert small[0] == large[0] <= 16
    assert abs(small[1] - large[1]) < 200  # the same statements, a few digits longer


def test_a_failed_save_of_an_smtp_message_answers_451_and_counts_nothing(tmp_path):
    import smtplib
    from email.message import EmailMessage

    from pytest_sesquota.serve.server import SesServer

    FlakyConnection.failures = 0
    path = tmp_path / "ses.sqlite"
    account = SesAccount(profile="production", clock=DetachedClock())
    store = Store(path, connect=flaky)
    retention = Retention()
    store.load(account, retention)
    gate = Gate(account, store=store, retention=retention)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", "a@example.com", "Hi"
    message.set_content("Hello")
    try:
        with (
            SesServer(account, gate=gate) as server,
            smtplib.SMTP(server.smtp_host, server.smtp_port, timeout=30) as smtp,
        ):
            smtp.starttls(context=server.smtp.ssl_context())
            smtp.login(server.smtp_username, server.smtp_password)
            FlakyConnection.failures = 1
            with pytest.raises(smtplib.SMTPDataError) as refused:
                smtp.send_message(message)
            assert (refused.value.smtp_code, refused.value.smtp_error) == (
                451,
                b"Temporary service failure",
            )
            assert account.sent == [] and account.requests == []
            smtp.send_message(message)  # the disk has room again
            assert len(account.sent) == 1
    finally:
        FlakyConnection.failures = 0
        store.close()
    assert len(reopen(path).sent) == 1


def test_what_the_retention_drops_is_forgotten_in_memory_too(tmp_path):
    account = SesAccount(
        profile="production", max_24_hour_send=-1, max_send_rate=-1, clock=DetachedClock()
    )
    retention = Retention(100)
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.load(account, retention)
        gate = Gate(account, store=store, retention=retention)
        for n in range(1_000):
            with gate.request(["us-east-1"]):
                account.send(
                    region="us-east-1",
                    operation="SendEmail",
                    source="a@x.org",
                    recipients=[f"u{n}@x.org"],
                )
        assert 100 <= len(account.sent) <= 113 and retention.dropped["sent"] == 1_000 - len(
            account.sent
        )
        assert len(store._numbers) <= 113
    finally:
        store.close()
    restarted = reopen(tmp_path / "ses.sqlite")
    assert restarted.quota()[2] == 1_000.0
    assert [m.recipients[0] for m in restarted.sent][-1] == "u999@x.org"
