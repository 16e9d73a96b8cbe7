"""The state file's guards: owner-only permissions, and one server per file.

A state file holds every message sent and the account's identities, so it and the
files beside it (SQLite's ``-wal`` and ``-shm``, the lock, the ready file) are made
readable by their owner only. Two servers writing one file would corrupt it: the first
holds an OS lock (``flock``) on ``FILE.lock`` for as long as it runs, with its PID in
it, and a second one is refused with that PID. The kernel drops the lock when the
process ends, ``kill -9`` included, so a crash leaves nothing to clean up.
"""

from __future__ import annotations

__all__ = ["PRIVATE", "StateFileError", "StateLock", "private_file", "write_private"]

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; msvcrt below
    fcntl = None  # type: ignore[assignment]

PRIVATE = 0o600


class StateFileError(Exception):
    """The state file cannot be used; the message says why, for people."""


def private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only, or take away others' access to it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE)
    try:
        if hasattr(os, "fchmod"):
            with contextlib.suppress(OSError):  # not ours to change: leave it
                os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` owner-only, all at once: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class StateLock:
    """An exclusive lock on ``FILE.lock`` for one server, with its PID inside."""

    def __init__(self, state: Path) -> None:
        self.path = state.with_name(state.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> StateLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            state = self.path.with_name(self.path.name[: -len(".lock")])
            raise StateFileError(
                f"the state file {state} is in use by another sesquota serve "
                f"(PID {holder}, holding {self.path}): stop that one first, or give this "
                "one another --state file"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd
        return self

    def release(self) -> None:
        """Drop the lock (closing the file does it). The file stays: removing it would
        let a third server lock a new file while a second still waits on the old one."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
