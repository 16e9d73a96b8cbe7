"""The answering step every front door shares: run one request against the account, turn
SES's errors and the fake's own bugs into the protocol's replies, and log the request with
what it decided (its outcomes) in the account's ledger.

Each protocol gives a small :class:`Wire`: how an SES error and an internal error are
answered, and what a reply says for the log (status, error code, error message).
"""

from __future__ import annotations

__all__ = ["Exchange", "Reply", "Wire", "answer"]

import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from ..account.account import Account
from ..account.ledger import SesRequest
from ..ses.mail import ApiError

Reply = TypeVar("Reply")


class Wire(Protocol[Reply]):
    """How one protocol answers (HTTP for SES v1 and v2, SMTP)."""

    #: ``"ses"``, ``"sesv2"`` or ``"smtp"``, as ``SesRequest.api`` says.
    api: str

    def refused(self, error: ApiError, request_id: str) -> Reply:
        """SES's error answer."""
        ...

    def internal(self, message: str, request_id: str) -> Reply:
        """The answer to a bug of the fake (SES's ``InternalFailure``, SMTP's 451)."""
        ...

    def outcome(self, reply: Reply) -> tuple[int, str | None, str | None]:
        """``(status, error code, error message)`` of a reply, for the log."""
        ...


@dataclass
class Exchange:
    """What a request turned out to be, filled in while it is answered."""

    operation: str = "Unknown"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def answer(
    account: Account, wire: Wire[Reply], region: str, run: Callable[[Exchange], Reply]
) -> Reply:
    """Answer with ``run``; turn an :class:`ApiError` into SES's error and any other
    exception into the internal-error answer (its traceback kept in
    ``account.internal_errors``, which fails the test); log the request."""
    exchange = Exchange()
    at = account.clock.now()
    with account.recording() as outcomes:
        try:
            reply = run(exchange)
        except ApiError as error:
            reply = wire.refused(error, exchange.request_id)
        except Exception as failure:  # a bug of ours: answered, and loudly
            account.internal_errors.append(traceback.format_exc())
            text = f"pytest-sesquota internal error ({type(failure).__name__}: {failure})"
            reply = wire.internal(text, exchange.request_id)
    status, code, message = wire.outcome(reply)
    account.log_request(
        SesRequest(
            time=at,
            region=region,
            api=wire.api,
            operation=exchange.operation,
            status=status,
            error_code=code,
            error_message=message,
            outcomes=tuple(outcomes),
        )
    )
    return reply
