"""Child processes: what the process hooks cost a test that starts none (an account
turned on and off, hooks installed as the plugin does them, against none), and what a
faked test's first child process adds (the account's loopback server starting) over a
plain ``subprocess.run``."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable

from pytest_sesquota import SesAccount
from pytest_sesquota.serve import children as hooks

from ..measure import Row, Size, clock, interleaved


def _accounts(installed: bool, turns: int) -> Callable[[], float]:
    def once() -> float:
        undo = hooks.install() if installed else (lambda: None)
        try:
            start = clock()
            for _ in range(turns):
                with SesAccount(time_backend="time-machine"):
                    pass
            return (clock() - start) / turns
        finally:
            undo()

    return once


def children(size: Size) -> list[Row]:
    """Child processes: the process hooks' cost, and a faked test's first child."""
    rounds, turns = size.pick(full=(11, 300), quick=(5, 100), smoke=(1, 3))
    group = "child processes: a faked test"
    samples = interleaved(
        {"without": _accounts(False, turns), "with": _accounts(True, turns)}, rounds
    )
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
        start = clock()
        subprocess.run(command, check=True)
        return clock() - start

    def first_child() -> float:
        undo = hooks.install()
        try:
            with SesAccount(time_backend="time-machine"):
                start = clock()
                subprocess.run(command, check=True)  # starts the account's server first
                return clock() - start
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
