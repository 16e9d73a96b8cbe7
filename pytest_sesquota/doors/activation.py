"""Turning a fake account on and off: the clock, the front doors, the guard, the environment.

Everything done here is undone by :meth:`Activation.close`, in reverse order,
whatever fails on the way.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import Any

from ..account.account import Account
from ..quota import loopclock
from . import botocore as _botocore
from .guard import Guard
from .requests_door import RequestsDoor, add_ses_callbacks

#: Set while active unless the user set them: no credential lookup may reach the
#: EC2 instance metadata service (a network call) when a client is created.
_ENV = {"AWS_EC2_METADATA_DISABLED": "true"}


class Activation:
    def __init__(self, account: Account) -> None:
        self.account = account
        with ExitStack() as stack:
            account.clock.start()
            stack.callback(account.clock.stop)
            # The test thread's asyncio loops wait on the virtual clock too.
            stack.enter_context(loopclock.running(account.clock))
            _botocore.activate(account)
            stack.callback(_botocore.deactivate, account)
            stack.callback(Guard().close)
            door = RequestsDoor(account)
            door.start()
            stack.callback(door.stop)
            for key, value in _ENV.items():
                if key not in os.environ:
                    os.environ[key] = value
                    stack.callback(os.environ.pop, key, None)
            self._undo = stack.pop_all()

    def close(self) -> None:
        self._undo.close()


def activate(account: Account) -> Activation:
    return Activation(account)


class SesAccount(Account):
    """A fake SES account that can be turned on: the quotas, identities, templates
    and ledger of :class:`Account`, plus the front doors that reach it.

    Outside pytest, build one with the marker's keywords and use it as a context
    manager: ``with SesAccount(profile="production") as account: ...``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._active: list[Activation] = []

    def add_ses_callbacks(self, mock: Any) -> None:
        """Have a ``responses.RequestsMock`` of the test's own answer SES's endpoints
        from this account. Needed only for a mock started after the fake (such as
        ``@responses.activate``): it sees requests first."""
        add_ses_callbacks(mock, self)

    def __enter__(self) -> SesAccount:
        self._active.append(activate(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._active.pop().close()

    @property
    def active(self) -> bool:
        """Whether the account is turned on (its front doors answer SES calls)."""
        return bool(self._active)
