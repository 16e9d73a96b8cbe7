"""The state file's guards: owner-only permissions, and one server per file.

A state file holds every message sent and the account's identities, so it and the
files beside it (SQLite's ``-wal``, the lock, the ready file) are made
readable by their owner only. Two servers writing one file would corrupt it: the first
holds an OS lock (``flock``) on the state file itself for as long as it runs, and writes
its PID in ``FILE.lock``; a second one is refused with that PID. The lock is on the file,
not its name: through a symlink or a hard link to the same database, or after
``FILE.lock`` was deleted, a second server is refused all the same. (``flock`` and
SQLite's own POSIX locks do not meet on a local file system.) The kernel drops the lock
when the process ends, ``kill -9`` included, so a crash leaves nothing to clean up.
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
    """An exclusive lock on the state file itself for one server; its PID in ``FILE.lock``."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.path = state.with_name(state.name + ".lock")
        self._fd: int | None = None
        self._held: tuple[int, int] | None = None  # (device, inode) of the file locked

    def acquire(self) -> StateLock:
        fd = os.open(self.state, os.O_RDWR | os.O_CREAT, PRIVATE)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateFileError(
                f"the state file {self.state} is in use by another sesquota serve "
                f"(PID {self._holder()}, holding {self.path}): stop that one first, or give "
                "this one another --state file"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # The PID is for the message alone: a file that cannot grow fails SQLite next.
        with contextlib.suppress(OSError):
            write_private(self.path, f"{os.getpid()}\n")
        held = os.fstat(fd)
        self._fd, self._held = fd, (held.st_dev, held.st_ino)
        return self

    def _holder(self) -> str:
        """The PID the holder wrote (``unknown`` if its ``.lock`` file is gone: the lock
        is on the state file, and holds without it)."""
        with contextlib.suppress(OSError):
            return self.path.read_text(encoding="ascii", errors="replace").strip() or "unknown"
        return "unknown"

    def check_named(self) -> None:
        """Raise OSError unless the state file's path still leads to the file locked: a
        state directory deleted (and made again) while serving would have every later
        save go into an unlinked file, and a new server start on the path."""
        if self._held is None:
            return
        try:
            named = os.stat(self.state)
        except FileNotFoundError:
            named = None
        if named is None or (named.st_dev, named.st_ino) != self._held:
            raise OSError(
                f"{self.state} was deleted or replaced while this server held it; "
                "restart the server to go on"
            )

    def release(self) -> None:
        """Drop the lock (closing the file does it)."""
        fd, self._fd, self._held = self._fd, None, None
        if fd is not None:
            os.close(fd)
