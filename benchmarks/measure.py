"""What the benchmark groups measure with: rows of medians and ratios, run sizes,
interleaved rounds, the clocks no time backend stops, free loopback ports."""

from __future__ import annotations

import gc
import random
import socket
import statistics
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
