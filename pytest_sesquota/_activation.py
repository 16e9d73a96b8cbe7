"""Turning a fake account on and off: the clock, the front doors, the environment.

Everything done here is undone by :meth:`Activation.close`, in reverse order,
whatever fails on the way.
"""

from __future__ import annotations

import os

from . import _botocore
from ._account import SesAccount

#: Set while active unless the user set them: no credential lookup may reach the
#: EC2 instance metadata service (a network call) when a client is created.
_ENV = {"AWS_EC2_METADATA_DISABLED": "true"}


class Activation:
    def __init__(self, account: SesAccount) -> None:
        self.account = account
        self._saved_env: dict[str, str | None] = {}
        account.clock.start()
        try:
            _botocore.activate(account)
        except BaseException:
            account.clock.stop()
            raise
        for key, value in _ENV.items():
            if key not in os.environ:
                self._saved_env[key] = None
                os.environ[key] = value

    def close(self) -> None:
        try:
            _botocore.deactivate(self.account)
        finally:
            try:
                for key, value in self._saved_env.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            finally:
                self.account.clock.stop()


def activate(account: SesAccount) -> Activation:
    return Activation(account)
