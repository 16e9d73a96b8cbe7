"""What is active in this process: the one place every front door and the clock look.

One object, :data:`ACTIVE`. What it holds, and who writes each part:

- ``clock``: the virtual clock (a ``clock.sesclock.SesClock``) that the faked time
  functions read (``time.time``, ``time.sleep``, ``datetime.now``...) while it runs.
  Written by the time backend as the clock starts and stops
  (``clock.virtual_time.VirtualTime``); read by ``clock.faked``.
- ``loops``: the test thread's asyncio event loops on that clock (``clock.loopclock``'s
  record of them). Written and read by ``clock.loopclock.running`` alone.
- ``activation`` and ``account``: the fake account turned on in this process, and what
  turns it off (a ``doors.activation.Activation``). Written by the activation alone
  (:meth:`Active.turn_on`, :meth:`Active.turn_off`), which is the one way in and out;
  read by the front doors (they answer from ``account``), the guard and ``serve.children``.
- ``forward``: in a process forked from a faked test's, where the front doors send SES
  requests instead of answering from their copy of the account (``doors.respond.Forward``).
  Written by ``serve.children`` in the forked child.
- ``child``: this process was started by a faked test (spawn, forkserver): for its life,
  nothing in it reaches real SES. Written by ``serve.children`` in the child.
- ``blocking`` and ``allowed``: whether a test *without* the fake may reach real SES (the
  ini setting that refuses it; why the running test may). Written by the plugin and
  ``doors.guard.allowing``; read by the guard.
- ``refused``: the SES calls refused in the running test (the errors raised), kept so that
  one the code under test swallowed still fails the test. Written by ``doors.guard.refused``;
  read and emptied by the plugin (``hooks.SwallowedRefusals``) around each test's call.
- ``guards``, ``process_hooks``, ``at_fork_registered`` and ``served``: what is installed.
  The connection guards in place (``doors.guard.Guard``); the process-start hooks
  (``serve.children.install``); whether the fork hooks were registered (they cannot be
  unregistered); per activation, the loopback server its child processes reach and their
  environment (``serve.children``).

It imports nothing of the package (it sits below every floor), so its slots for the
objects of the floors above are typed ``Any``; each reader names the type it reads.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ACTIVE", "Active"]


class Active:
    """What is active in this process (one instance: :data:`ACTIVE`)."""

    def __init__(self) -> None:
        # -- the virtual clock (clock/) ---------------------------------------------
        self.clock: Any = None
        self.loops: Any = None
        # -- the fake account (doors/) ----------------------------------------------
        self.activation: Any = None
        self.account: Any = None
        # -- the process's place among a faked test's processes (serve/) ------------
        self.forward: Any = None
        self.child = False
        # -- the session's policy for tests without the fake (plugin, doors/guard) --
        self.blocking: str | None = None
        self.allowed: str | None = None
        self.refused: list[BaseException] = []
        # -- what is installed ------------------------------------------------------
        self.guards: list[Any] = []
        self.process_hooks: list[object] = []
        self.at_fork_registered = False
        self.served: dict[int, tuple[Any, dict[str, str]]] = {}

    @property
    def faked(self) -> bool:
        """Whether SES calls in this process must meet the fake: an account is on here,
        or this process is a child of a faked test's."""
        return self.account is not None or self.child

    def check_free(self) -> None:
        """Refuse a second account while one is active: the front doors and the clock
        serve one at a time."""
        if self.activation is not None:
            raise RuntimeError(
                f"another fake SES account is already active ({self.account!r}); "
                "pytest-sesquota runs one account at a time per process"
            )

    def turn_on(self, activation: Any, account: Any) -> None:
        """Make ``account`` the active one (``doors.activation`` only)."""
        self.check_free()
        self.activation = activation
        self.account = account

    def turn_off(self, activation: Any) -> None:
        """Forget ``activation`` if it is the active one (``doors.activation`` only)."""
        if self.activation is activation:
            self.activation = None
            self.account = None

    def __repr__(self) -> str:
        on = ", ".join(f"{name}={value!r}" for name, value in vars(self).items() if value)
        return f"<Active {on or 'nothing'}>"


#: What is active in this process.
ACTIVE = Active()
