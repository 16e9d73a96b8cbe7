"""What every benchmark group shares: rows, interleaved rounds, medians, the table.

A group is a function ``(size: Size) -> list[Row]`` in a module of ``benchmarks.groups``,
named in :data:`benchmarks.groups.GROUPS`. It measures its contenders with
:func:`interleaved` (each round runs every contender once, in a fresh random order, so a
busy machine slows them alike) and returns one :class:`Row` per figure; :func:`main`
runs the groups asked for and prints one table.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.metadata
import os
import platform
import random
import shlex
import socket
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
#: Programs the groups run or copy (a conftest, a canned server): real files, linted.
PROGRAMS = Path(__file__).resolve().parent / "programs"
# freezegun rewrites module attributes bound to time functions, not a tuple's items:
# the fake's frozen clock must not stop the benchmark's own stopwatch.
_WALL = (time.perf_counter,)
_CPU = (time.process_time,)
T = TypeVar("T")


@dataclass
class Row:
    group: str
    contender: str
    median: float
    unit: str
    #: The median over the group's reference (the floor), or None.
    ratio: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Size:
    """How long a run is: ``full``, ``quick`` (``--quick``: a short run) or ``smoke``
    (``--smoke``: a round or two of almost nothing, which proves that a group still
    runs and measures nothing)."""

    name: str = "full"

    def pick(self, full: T, quick: T, smoke: T) -> T:
        return {"full": full, "quick": quick, "smoke": smoke}[self.name]


def clock() -> float:
    """Wall time in seconds, which no time backend of the fake stops."""
    return _WALL[0]()


def cpu_clock() -> float:
    """This process's CPU time in seconds (all its threads): on a shared machine the
    wall time of the same work swings with the other processes' load, its CPU time
    hardly. For work done in this process only (no servers, no children)."""
    return _CPU[0]()


def interleaved(
    contenders: Mapping[str, Callable[[], float]], rounds: int
) -> dict[str, list[float]]:
    """Run every contender once per round, in a fresh random order each round."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            gc.collect()
            samples[name].append(contenders[name]())
    return samples


def against(
    group: str, samples: Mapping[str, list[float]], base: str, unit: str, scale: float
) -> list[Row]:
    """One row per contender: its median (times ``scale``) and its ratio to ``base``'s."""
    floor = statistics.median(samples[base])
    return [
        Row(group, name, statistics.median(values) * scale, unit, statistics.median(values) / floor)
        for name, values in samples.items()
    ]


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_group(name: str, size: Size) -> list[Row]:
    from .groups import load

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
    from .groups import GROUPS, describe

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
