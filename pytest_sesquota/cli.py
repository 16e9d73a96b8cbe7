"""``sesquota serve``: the fake SES account as a standalone service on this machine.

Configuration: the ``ses_quota`` marker's keys, from an optional TOML file (top-level
keys, ``[regions.<name>]`` tables, and a ``[server]`` table) and from command-line flags,
which win. Starts with a useful default: the sandbox profile on real time.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .account.options import VALID_KEYS, OptionsError, SesQuotaOptions, merge
from .clock.sesclock import DetachedClock
from .doors.activation import SesAccount
from .serve.gate import Gate, SaveFailed
from .serve.retention import DEFAULT_RETENTION, Retention
from .serve.server import SesServer
from .serve.statefile import StateFileError, write_private
from .serve.store import Store

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_PORT = 4579
# SES's own SMTP ports are 587 / 2587 (STARTTLS) and 465 / 2465 (TLS wrapper).
DEFAULT_SMTP_PORT = 2587
DEFAULT_SMTP_TLS_PORT = 2465
#: The server's own settings: a ``[server]`` table in the file, flags on the command line.
SERVER_KEYS = (
    "host",
    "port",
    "smtp_port",
    "smtp_tls_port",
    "smtp_username",
    "smtp_password",
    "clock",
    "state",
    "ledger_retention",
)
#: Each marker key's type, as its flag's text is converted: the options then check it.
_TYPES = {f.name: str(f.type) for f in dataclasses.fields(SesQuotaOptions)}


class ConfigError(Exception):
    pass


def _marker_flag(value: str, key: str) -> Any:
    """A flag's text as the type the marker's key takes (the options then check it)."""
    kind = _TYPES[key]
    if kind.startswith("float"):
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
        if not math.isfinite(number):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {value!r}")
        return number
    if kind.startswith("int"):
        if "None" in kind and value.lower() == "none":
            return None
        try:
            return int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if kind == "bool":
        if value.lower() not in ("true", "false"):
            raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")
        return value.lower() == "true"
    if key == "verified":
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="sesquota",
        description="A fake Amazon SES account that throttles like the real one.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve SES's APIs and a control API on this machine",
        description="Serve SES v1 and v2 (any SDK with endpoint_url), and the control API "
        "under /_sesquota/, on 127.0.0.1. Stop with Ctrl+C (SIGINT) or SIGTERM.",
    )
    serve.add_argument("--config", type=Path, help="a TOML file with the marker's keys")
    server = serve.add_argument_group("server")
    server.add_argument("--host", help="loopback address to listen on (default 127.0.0.1)")
    server.add_argument(
        "--port", type=int, help=f"HTTP port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    server.add_argument(
        "--smtp-port",
        type=int,
        help=f"SMTP port with STARTTLS (default {DEFAULT_SMTP_PORT}; 0 picks a free one)",
    )
    server.add_argument(
        "--smtp-tls-port",
        type=int,
        help=f"SMTP port with implicit TLS (default {DEFAULT_SMTP_TLS_PORT}; 0 picks a free one)",
    )
    server.add_argument("--smtp-username", help="SMTP user name (default: made up at start)")
    server.add_argument("--smtp-password", help="SMTP password (default: made up at start)")
    server.add_argument(
        "--clock",
        choices=("real", "virtual"),
        help="real (default) follows the wall clock; virtual is frozen at --start and moved "
        "with POST /_sesquota/clock/advance",
    )
    server.add_argument(
        "--state", type=Path, help="keep the account in this SQLite file across restarts"
    )
    server.add_argument(
        "--ledger-retention",
        type=int,
        metavar="N",
        help=f"keep the newest N items of each ledger list (default {DEFAULT_RETENTION}; -1: all)."
        " Quota usage is kept exactly regardless",
    )
    server.add_argument(
        "--ready-file",
        type=Path,
        help="write where the server listens, as JSON, to this file once it is ready",
    )
    server.add_argument("--quiet", action="store_true", help="print nothing but errors")
    account = serve.add_argument_group("the account (the ses_quota marker's keys)")
    for key in VALID_KEYS:
        if key in ("regions", "budget"):
            continue  # nested: from the file only
        account.add_argument(
            "--" + key.replace("_", "-"),
            dest=key,
            type=functools.partial(_marker_flag, key=key),
            metavar="LIST" if key == "verified" else key.upper(),
            help="comma-separated addresses and domains" if key == "verified" else None,
        )
    return top


def load_config(path: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(marker keys, server keys)`` from a TOML file."""
    if path is None:
        return {}, {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read the config file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the config file {path} is not valid TOML: {error}") from None
    server = document.pop("server", {})
    if not isinstance(server, dict):
        raise ConfigError(f"{path}: [server] must be a table")
    unknown = sorted(set(server) - set(SERVER_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: [server] got unexpected keys {', '.join(unknown)}. "
            f"Valid keys: {', '.join(SERVER_KEYS)}"
        )
    return document, server


def resolve(args: argparse.Namespace) -> tuple[SesQuotaOptions, dict[str, Any]]:
    marker, server = load_config(args.config)
    flags = {key: getattr(args, key) for key in VALID_KEYS if getattr(args, key, None) is not None}
    source = f"config file {args.config}" if args.config else "config file"
    options = merge([(source, marker), ("command line", flags)])
    for key in SERVER_KEYS:
        value = getattr(args, key)
        if value is not None:
            server[key] = value
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": DEFAULT_PORT,
        "smtp_port": DEFAULT_SMTP_PORT,
        "smtp_tls_port": DEFAULT_SMTP_TLS_PORT,
        "smtp_username": None,
        "smtp_password": None,
        "clock": "real",
        "state": None,
        "ledger_retention": DEFAULT_RETENTION,
    }
    settings.update(server)
    retention = settings["ledger_retention"]
    if (
        isinstance(retention, bool)
        or not isinstance(retention, int)
        or retention < -1
        or retention == 0
    ):
        raise ConfigError(
            f"ledger_retention={retention!r} is not valid; expected a whole number >= 1, or -1 "
            "to keep the whole ledger"
        )
    if settings["clock"] not in ("real", "virtual"):
        raise ConfigError(f"clock={settings['clock']!r} is not valid; valid: 'real', 'virtual'")
    for key in ("port", "smtp_port", "smtp_tls_port"):
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
            raise ConfigError(f"{key}={value!r} is not a port number")
    return options, settings


def build_account(options: SesQuotaOptions, settings: dict[str, Any]) -> SesAccount:
    real = settings["clock"] == "real"
    clock = DetachedClock(None if real else options.start, real=real)
    return SesAccount(options, clock=clock)


def describe(account: SesAccount, server: SesServer, settings: dict[str, Any]) -> str:
    endpoint = server.endpoint_url
    region = account.region
    max_24, rate, _used = account.quota()
    profile = "sandbox" if account.in_sandbox() else "production"
    clock = "real time" if settings["clock"] == "real" else f"virtual time ({account.clock.now()})"
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
            f"  state                {settings['state'] or 'in memory'}",
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


def open_state(path: Path, account: SesAccount, retention: Retention, log: Any) -> Store:
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


def serve(args: argparse.Namespace) -> int:
    try:
        options, settings = resolve(args)
    except (OptionsError, ConfigError) as error:
        print(f"sesquota: {error}", file=sys.stderr)
        return 2
    account = build_account(options, settings)
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    keep = settings["ledger_retention"]
    retention = Retention(None if keep == -1 else keep)
    store = None
    if settings["state"]:
        try:
            store = open_state(Path(settings["state"]), account, retention, log)
        except StateFileError as error:
            print(f"sesquota: {error}", file=sys.stderr)
            return 1
        except SaveFailed as error:
            print(
                f"sesquota: cannot write the state file {settings['state']}: {error.__cause__}",
                file=sys.stderr,
            )
            return 1
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as error:
            print(
                f"sesquota: cannot use the state file {settings['state']}: {error}", file=sys.stderr
            )
            return 1
    gate = Gate(account, store=store, retention=retention)
    try:
        server = SesServer(
            account,
            host=settings["host"],
            port=settings["port"],
            smtp_port=settings["smtp_port"],
            smtp_tls_port=settings["smtp_tls_port"],
            smtp_username=settings["smtp_username"],
            smtp_password=settings["smtp_password"],
            gate=gate,
        )
        server.start()
    except (OSError, ValueError, RuntimeError) as error:
        print(f"sesquota: cannot listen: {error}", file=sys.stderr)
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
        if args.ready_file is not None:
            # It holds the SMTP password: owner-only, and never seen half-written.
            write_private(args.ready_file, json.dumps(server.info()))
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()  # the requests in flight finish (and are saved) first
        if store is not None:
            try:
                with gate.request():
                    pass  # everything, once more
            except SaveFailed as error:
                print(f"sesquota: {error}", file=sys.stderr)
            store.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if log is not None:
            log("sesquota: stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse requires a command
