"""pytest-sesquota: a fake Amazon SES account that throttles like the real one."""

from .account.ledger import (
    FaultedSend,
    ProductionAccessReview,
    RejectedSend,
    SentMessage,
    SesRequest,
    ThrottledSend,
)
from .doors.activation import SesAccount
from .doors.botocore import UnfakedSesCall
from .quota.clock import ScheduledAction, SesClock, Sleep

# Loaded with the package (not at the first activation) so that the front doors and the
# libraries they import are never first imported inside a test: pytester's in-process runs
# drop modules imported during a run, which would leave two copies of requests in play.
from .doors import activation as _activation  # noqa: F401  isort: skip
from .account.messages import DroppedMessage
from .account.options import OptionsError, SesQuotaOptions
from .doors.smtp import SesSmtpServer
from .quota.engine import Decision, QuotaEngine, RegionQuota
from .serve.server import SesServer

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "DroppedMessage",
    "FaultedSend",
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
