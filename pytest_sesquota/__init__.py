"""pytest-sesquota: a fake Amazon SES account that throttles like the real one.

The public names load on first use (PEP 562), so that installing the plugin costs a
test suite that never uses it nothing: ``import pytest_sesquota`` loads no front door.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import real_time
    from .account.ledger import (
        FaultedSend,
        ProductionAccessReview,
        RejectedSend,
        SentMessage,
        SesRequest,
        ThrottledSend,
    )
    from .account.messages import DroppedMessage
    from .account.options import OptionsError, SesQuotaOptions
    from .account.recipients import SuppressedDestination
    from .clock.sesclock import ScheduledAction, SesClock, Sleep, VirtualClockStalled
    from .doors.activation import SesAccount, current_account
    from .doors.guard import RealSesRefused, UnfakedSesCall
    from .doors.smtp import SesSmtpServer
    from .quota.engine import Decision, QuotaEngine, RegionQuota
    from .serve.server import SesServer

#: Each public name and the module that defines it.
_WHERE = {
    "Decision": ".quota.engine",
    "DroppedMessage": ".account.messages",
    "FaultedSend": ".account.ledger",
    "OptionsError": ".account.options",
    "ProductionAccessReview": ".account.ledger",
    "QuotaEngine": ".quota.engine",
    "RealSesRefused": ".doors.guard",
    "RegionQuota": ".quota.engine",
    "RejectedSend": ".account.ledger",
    "ScheduledAction": ".clock.sesclock",
    "SentMessage": ".account.ledger",
    "SesAccount": ".doors.activation",
    "SesClock": ".clock.sesclock",
    "SesQuotaOptions": ".account.options",
    "SesRequest": ".account.ledger",
    "SesServer": ".serve.server",
    "SesSmtpServer": ".doors.smtp",
    "Sleep": ".clock.sesclock",
    "SuppressedDestination": ".account.recipients",
    "ThrottledSend": ".account.ledger",
    "UnfakedSesCall": ".doors.guard",
    "VirtualClockStalled": ".clock.sesclock",
    "current_account": ".doors.activation",
}
#: Public modules: ``pytest_sesquota.real_time``.
_MODULES = {"real_time"}

__all__ = [
    "Decision",
    "DroppedMessage",
    "FaultedSend",
    "OptionsError",
    "ProductionAccessReview",
    "QuotaEngine",
    "RealSesRefused",
    "RegionQuota",
    "RejectedSend",
    "ScheduledAction",
    "SentMessage",
    "SesAccount",
    "SesClock",
    "SesQuotaOptions",
    "SesRequest",
    "SesServer",
    "SesSmtpServer",
    "Sleep",
    "SuppressedDestination",
    "ThrottledSend",
    "UnfakedSesCall",
    "VirtualClockStalled",
    "current_account",
    "real_time",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # pyproject.toml's, the one place it is written
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: Any = version("pytest-sesquota")
        except PackageNotFoundError:  # the source tree, not installed
            value = "0+unknown"
    elif name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE, *_MODULES])
