"""``sesquota serve``: the fake SES account as a standalone service on this machine.

The command line → the account's options and the server's settings → run. The account
takes the ``ses_quota`` marker's keys, the server its own settings; both come from an
optional TOML file (top-level keys, ``[regions.<name>]`` tables, a ``[server]`` table)
and from flags, which win. Every flag is derived from its table (``OPTIONS``,
``SETTINGS``). Starts with a useful default: the sandbox profile on real time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .account.options import OPTIONS, SesQuotaOptions, merge
from .account.optionspec import CLI, Invalid, Option, OptionsError, not_flags
from .serve.settings import SETTINGS, ConfigError, ServerSettings, read_config

__all__ = ["main", "parser", "resolve"]


def flag_type(row: Option) -> Callable[[str], Any]:
    """A flag's text as its row parses and checks it; argparse names the flag on error."""

    def convert(text: str) -> Any:
        try:
            value = row.parse(text)
        except Invalid as invalid:
            raise argparse.ArgumentTypeError(f"{invalid.expected}, got {text!r}") from None
        try:
            return row.validate(value, None)
        except OptionsError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def _add_flags(
    group: argparse._ArgumentGroup, table: Mapping[str, Option], *, defaults: bool
) -> None:
    for row in table.values():
        if CLI not in row.where:
            continue
        default = row.shown or row.default
        shown = f" (default: {default})" if defaults and default is not None else ""
        group.add_argument(
            row.flag,
            dest=row.name,
            type=flag_type(row),
            metavar=row.metavar,
            help=(row.help + shown).replace("%", "%%"),
        )


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
    serve.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a TOML file with the marker's keys and a [server] table",
    )
    server = serve.add_argument_group("server (the config file's [server] table)")
    _add_flags(server, SETTINGS, defaults=True)
    server.add_argument(
        "--ready-file",
        type=Path,
        metavar="FILE",
        help="write where the server listens, as JSON, to this file once it is ready",
    )
    server.add_argument("--quiet", action="store_true", help="print nothing but errors")
    nested = " and ".join(not_flags(OPTIONS))
    account = serve.add_argument_group(
        f"the account (the ses_quota marker's keys; {nested}: in the config file)"
    )
    _add_flags(account, OPTIONS, defaults=False)
    return top


def resolve(args: argparse.Namespace) -> tuple[SesQuotaOptions, ServerSettings]:
    """The account's options and the server's settings: the config file, then the flags."""
    marker, server = read_config(args.config)
    source = f"config file {args.config}" if args.config else "config file"
    flags = {
        row.name: getattr(args, row.name)
        for row in OPTIONS.values()
        if CLI in row.where and getattr(args, row.name) is not None
    }
    options = merge([(source, marker), ("command line", flags)])
    given = {name: getattr(args, name) for name in SETTINGS}
    return options, ServerSettings.resolve(server, given, str(args.config or source))


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command != "serve":  # pragma: no cover - argparse requires a command
        return 2
    try:
        options, settings = resolve(args)
    except (OptionsError, ConfigError) as error:
        print(f"sesquota: {error}", file=sys.stderr)
        return 2
    from .serve.service import run  # the servers and their libraries, only now

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    return run(options, settings, ready_file=args.ready_file, log=None if args.quiet else log)
