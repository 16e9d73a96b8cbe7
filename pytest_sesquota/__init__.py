"""pytest-sesquota: a fake Amazon SES account that throttles like the real one."""

from ._account import (
    RejectedSend,
    SentMessage,
    SesAccount,
    SesRequest,
    ThrottledSend,
)
from ._clock import SesClock, Sleep
from ._engine import Decision, QuotaEngine, RegionQuota
from ._options import OptionsError, SesQuotaOptions
from ._smtp import SesSmtpServer

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "OptionsError",
    "QuotaEngine",
    "RegionQuota",
    "RejectedSend",
    "SentMessage",
    "SesAccount",
    "SesClock",
    "SesQuotaOptions",
    "SesRequest",
    "SesSmtpServer",
    "Sleep",
    "ThrottledSend",
]
