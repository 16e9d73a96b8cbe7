"""The benchmarks' command line: runs the groups asked for and prints one table.

A group is a function ``(size: Size) -> list[Row]`` in a module of ``benchmarks.groups``,
named in :data:`benchmarks.groups.GROUPS`. It measures its contenders with
``measure.interleaved`` (each round runs every contender once, in a fresh random order, so
a busy machine slows them alike) and returns one ``measure.Row`` per figure.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import shlex
import sys

from .groups import GROUPS, describe, load
from .measure import Row, Size


def run_group(name: str, size: Size) -> list[Row]:
    return load(name)(size)


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="pytest-sesquota's benchmarks: one table of medians and ratios, "
        "measured side by side.",
    )
    lengths = parser.add_mutually_exclusive_group()
    lengths.add_argument("--quick", action="store_true", help="fewer rounds and sends")
    lengths.add_argument(
        "--smoke", action="store_true", help="a round of almost nothing: proves the groups run"
    )
    parser.add_argument("--only", nargs="+", choices=list(GROUPS), help="run only these groups")
    parser.add_argument(
        "--list", action="store_true", help="list the groups (importing each) and exit"
    )
    args = parser.parse_args(argv)
    if args.list:
        for name in GROUPS:
            print(f"{name:14} {describe(name)}")
        return
    size = Size("quick" if args.quick else "smoke" if args.smoke else "full")
    rows: list[Row] = []
    for name in args.only or GROUPS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += run_group(name, size)
    command = " ".join(["python", "benchmarks/run.py", *map(shlex.quote, argv or sys.argv[1:])])
    print(render(rows))
    print()
    print(f"command: {command}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )
    print(f"versions: {_versions()}")
