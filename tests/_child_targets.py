"""What tests/test_child_waits.py runs in its spawned children: a module of its own, so
that a child imports nothing but this (a test module's imports cost each child a second)."""

from __future__ import annotations

import time

__all__ = ["put_later", "sleep_then_exit", "square_later"]


def sleep_then_exit(seconds: float) -> None:
    time.sleep(seconds)  # real: a spawned child does not run on the test's clock


def put_later(queue, seconds: float) -> None:
    time.sleep(seconds)
    queue.put("result")


def square_later(n: int) -> int:
    time.sleep(0.5)
    return n * n
