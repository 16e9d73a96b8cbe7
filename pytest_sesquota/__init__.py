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

# Loaded with the package (not at the first activation) so that the front doors and the
# libraries they import are never first imported inside a test: pytester's in-process runs
# drop modules imported during a run, which would leave two copies of requests in play.
from . import _activation  # noqa: F401  isort: skip
from ._engine import Decision, QuotaEngine, RegionQuota
from ._options import OptionsError, SesQuotaOptions
from ._server import SesServer
from ._smtp import SesSmtpServer

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
    "SesServer",
    "SesSmtpServer",
    "Sleep",
    "ThrottledSend",
    "UnfakedSesCall",
]
