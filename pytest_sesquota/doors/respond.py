"""Where the doors get their answers: the account in this process, or the test's own.

A process forked from a test's holds a copy of its account; answering from the copy
would count the child's sends in a ledger nobody reads. After a fork, the process
hooks (``serve.children``) set ``ACTIVE.forward``, and every door sends its requests to
the test's process instead, through the loopback server that serves its account.
"""

from __future__ import annotations

__all__ = ["Forward", "respond"]

from collections.abc import Callable
from typing import Any

from ..account.account import Account
from ..active import ACTIVE
from ..wire.http import HttpAnswer, answer

#: ``forward(method, url, headers, body, region)``: ``ACTIVE.forward`` in a forked child.
Forward = Callable[[str, str, Any, "bytes | str | None", "str | None"], HttpAnswer]


def respond(
    account: Account,
    method: str,
    url: str,
    headers: Any,
    body: bytes | str | None,
    *,
    region: str | None = None,
) -> HttpAnswer:
    forward: Forward | None = ACTIVE.forward
    if forward is not None:
        return forward(method, url, headers, body, region)
    return answer(account, method, url, headers, body, region=region)
