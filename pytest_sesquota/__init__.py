"""pytest-sesquota: a fake Amazon SES account that throttles like the real one."""

from ._account import (
    ProductionAccessReview,
    RejectedSend,
    SentMessage,
    SesAccount,
    SesRequest,
    ThrottledSend,
)
from ._botocore import UnfakedSesCall
from ._clock import ScheduledAction, SesClock, Sleep
from ._engine import Decision, QuotaEngine, RegionQuota
from ._options import OptionsError, SesQuotaOptions

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "OptionsError",
    "ProductionAccessReview",
    "QuotaEngine",
    "RegionQuota",
    "RejectedSend",
    "ScheduledAction",
    "SentMessage",
    "SesAccount",
    "SesClock",
    "SesQuotaOptions",
    "SesRequest",
    "Sleep",
    "ThrottledSend",
    "UnfakedSesCall",
]
