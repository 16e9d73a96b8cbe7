"""A result backend polled as Celery's are (``AsyncResult.get`` on a database, cache or
file backend: ``celery.backends.base``): a library module of its own, with its own
``import time``, for tests/test_child_waits.py."""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["ResultTimeout", "wait_for"]


class ResultTimeout(Exception):
    """No result within the timeout."""


def wait_for(path: Path, timeout: float, interval: float = 0.5) -> str:
    """The result another process writes to ``path``: polled every ``interval``
    seconds, given up after ``timeout`` (by the monotonic clock)."""
    deadline = time.monotonic() + timeout
    while True:
        if path.exists() and path.read_text():
            return path.read_text()
        if time.monotonic() >= deadline:
            raise ResultTimeout(f"no result after {timeout} s")
        time.sleep(interval)  # don't busy loop
