"""``sesquota serve`` running: the account, its state file, the servers, until a signal.

Given the account's options and the server's settings (``cli.py`` reads them from the
command line and the config file), :func:`run` serves until SIGINT or SIGTERM and
returns the process's exit status.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..account.options import SesQuotaOptions
from ..clock.sesclock import DetachedClock
from ..doors.activation import SesAccount
from .gate import Gate, SaveFailed
from .retention import Retention
from .server import SesServer
from .settings import ServerSettings
from .statefile import StateFileError, write_private
from .store import Store

__all__ = ["build_account", "describe", "open_state", "run"]

Log = Callable[[str], None]


def build_account(options: SesQuotaOptions, settings: ServerSettings) -> SesAccount:
    real = settings.clock == "real"
    clock = DetachedClock(None if real else options.start, real=real)
    return SesAccount(options, clock=clock)


def describe(account: SesAccount, server: SesServer, settings: ServerSettings) -> str:
    endpoint = server.endpoint_url
    region = account.region
    max_24, rate, _used = account.quota()
    profile = "sandbox" if account.in_sandbox() else "production"
    clock = "real time" if settings.clock == "real" else f"virtual time ({account.clock.now()})"
    numbers = f"{'unlimited' if max_24 < 0 else f'{max_24:g}'} per 24 h, " + (
        "unlimited rate" if rate < 0 else f"{rate:g} per second"
    )
    return "\n".join(
        [
            f"pytest-sesquota: a fake Amazon SES account in {region} ({profile}: {numbers}), "
            f"on {clock}",
            f"  SES API, v1 and v2   {endpoint}",
            f"  control API          {endpoint}/_sesquota/  (OpenAPI: "
            f"{endpoint}/_sesquota/openapi.json)",
            f"  SMTP, STARTTLS       {server.smtp_host}:{server.smtp_port}",
            f"  SMTP, TLS wrapper    {server.smtp_host}:{server.smtp_tls_port}",
            f"  SMTP credentials     {server.smtp_username} / {server.smtp_password}",
            f"  SMTP CA certificate  {server.ca_file}",
            f"  state                {settings.state or 'in memory'}",
            "",
            "Point a client at it (any credentials; requests must be signed, as with SES):",
            f'  boto3:    boto3.client("sesv2", endpoint_url="{endpoint}", region_name="{region}",',
            '                         aws_access_key_id="fake", aws_secret_access_key="fake")',
            f"  AWS CLI:  aws sesv2 get-account --endpoint-url {endpoint} --region {region}",
            f"  env:      AWS_ENDPOINT_URL_SES={endpoint} AWS_ENDPOINT_URL_SESV2={endpoint}",
            f"  smtplib:  s = smtplib.SMTP('{server.smtp_host}', {server.smtp_port}); "
            f"s.starttls(context=ssl.create_default_context(cafile='{server.ca_file}'))",
            f"            s.login('{server.smtp_username}', '{server.smtp_password}')",
            "",
            "Stop with Ctrl+C.",
        ]
    )


def open_state(path: Path, account: SesAccount, retention: Retention, log: Log | None) -> Store:
    """The state file, locked for this process, loaded into ``account`` and written once:
    a file that cannot be written is refused now, not at the first send."""
    store = Store(path)
    try:
        restored = store.load(account, retention)
        store.save(account, retention)
    except BaseException:
        store.close()
        raise
    if log is not None and restored:
        log(
            f"sesquota: restored the account from {path} "
            f"({retention.dropped['sent'] + len(account.sent)} sent, "
            f"{retention.dropped['requests'] + len(account.requests)} requests so far)"
        )
    return store


def _error(text: str) -> None:
    print(f"sesquota: {text}", file=sys.stderr)


def _store(path: Path, account: SesAccount, retention: Retention, log: Log | None) -> Store | int:
    """The opened state file, or the exit status after saying why it cannot be used."""
    try:
        return open_state(path, account, retention, log)
    except StateFileError as error:
        _error(str(error))
    except SaveFailed as error:
        _error(f"cannot write the state file {path}: {error.__cause__}")
    except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as error:
        _error(f"cannot use the state file {path}: {error}")
    return 1


def run(
    options: SesQuotaOptions,
    settings: ServerSettings,
    *,
    ready_file: Path | None = None,
    log: Log | None = None,
) -> int:
    """Serve until SIGINT or SIGTERM; the exit status."""
    account = build_account(options, settings)
    keep, budget = settings.ledger_retention, settings.ledger_retention_bytes
    retention = Retention(None if keep == -1 else keep, None if budget == -1 else budget)
    store = None
    if settings.state is not None:
        opened = _store(settings.state, account, retention, log)
        if isinstance(opened, int):
            return opened
        store = opened
    gate = Gate(account, store=store, retention=retention)
    try:
        server = SesServer(
            account,
            host=settings.host,
            port=settings.port,
            smtp_port=settings.smtp_port,
            smtp_tls_port=settings.smtp_tls_port,
            smtp_username=settings.smtp_username,
            smtp_password=settings.smtp_password,
            gate=gate,
        )
        server.start()
    except (OSError, ValueError, RuntimeError) as error:
        _error(f"cannot listen: {error}")
        if store is not None:
            store.close()
        return 1
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if log is not None:
            log(describe(account, server, settings))
        if ready_file is not None:
            # It holds the SMTP password: owner-only, and never seen half-written.
            write_private(ready_file, json.dumps(server.info()))
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()  # the requests in flight finish (and are saved) first
        if store is not None:
            try:
                with gate.request():
                    pass  # everything, once more
            except SaveFailed as error:
                _error(str(error))
            store.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if log is not None:
            log("sesquota: stopped")
    return 0
