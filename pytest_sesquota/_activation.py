"""Turning a fake account on and off: the clock, the front doors, the guard, the environment.

Everything done here is undone by :meth:`Activation.close`, in reverse order,
whatever fails on the way.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

from . import _botocore
from ._account import SesAccount
from ._guard import Guard
from ._requests_door import RequestsDoor

#: Set while active unless the user set them: no credential lookup may reach the
#: EC2 instance metadata service (a network call) when a client is created.
_ENV = {"AWS_EC2_METADATA_DISABLED": "true"}


class Activation:
    def __init__(self, account: SesAccount) -> None:
        self.account = account
        with ExitStack() as stack:
            account.clock.start()
            stack.callback(account.clock.stop)
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


def activate(account: SesAccount) -> Activation:
    return Activation(account)
