"""Send transactional and bulk mail through Amazon SES (API v1, boto3).

SES enforces two quotas on every account: a send rate (MaxSendRate, recipients
per second) and a rolling 24-hour volume (Max24HourSend). Going over either
gets a ``Throttling`` error, and the two need opposite reactions:

* "Maximum sending rate exceeded." passes within a second: back off and retry.
* "Daily message quota exceeded." lasts for hours: stop, and hand the unsent
  addresses back to the caller so they can be sent later. None is ever dropped.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import boto3
from botocore.exceptions import ClientError

SENDER = "Example News <news@example.com>"
DAILY_EXCEEDED = "Daily message quota exceeded."

#: Attempts per message, the first included, before a rate throttle is given up on.
MAX_ATTEMPTS = 6
#: First back-off delay and the cap on any one delay, in seconds.
BASE_DELAY = 0.5
MAX_DELAY = 20.0

# One client for the whole process, created at import time as most applications
# do. botocore's default retries stay on: they absorb a transient throttle before
# our own back-off below ever sees it.
ses = boto3.client("ses", region_name="us-east-1")

log = logging.getLogger(__name__)


class DailyQuotaExceeded(Exception):
    """SES refused a send because the account's 24-hour quota is used up."""


@dataclass
class NewsletterResult:
    #: address -> SES message id, for every address that was sent.
    sent: dict[str, str] = field(default_factory=dict)
    #: Addresses not sent because the daily quota ran out: send them again later.
    deferred: list[str] = field(default_factory=list)
    #: address -> SES error code, for addresses SES refused outright.
    failed: dict[str, str] = field(default_factory=dict)


def _error(exc: ClientError) -> tuple[str, str]:
    error = exc.response.get("Error", {})
    return error.get("Code", ""), error.get("Message", "")


def backoff_delay(attempt: int) -> float:
    """Delay before retry number ``attempt`` (1, 2, ...): exponential, "equal jitter".

    Half the delay is fixed, so the total wait is sure to outgrow a one-second
    throttle within a few attempts; the random half keeps concurrent senders
    from retrying in lockstep.
    """
    delay = min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _send(address: str, subject: str, body: str) -> str:
    """Send one message to one address, backing off while the send rate is exceeded.

    Returns the message id. Raises :class:`DailyQuotaExceeded` at once on the daily
    quota (waiting seconds cannot help), and re-raises any other error, including
    a rate throttle that outlasts ``MAX_ATTEMPTS``.
    """
    attempt = 1
    while True:
        try:
            response = ses.send_email(
                Source=SENDER,
                Destination={"ToAddresses": [address]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
            )
            return str(response["MessageId"])
        except ClientError as exc:
            code, message = _error(exc)
            if code == "Throttling" and message == DAILY_EXCEEDED:
                raise DailyQuotaExceeded(message) from exc
            # "Maximum sending rate exceeded." (or any other throttle): wait, retry.
            if code != "Throttling" or attempt == MAX_ATTEMPTS:
                raise
            time.sleep(backoff_delay(attempt))
            attempt += 1


def send_welcome(address: str) -> str:
    """Send the welcome message to a new subscriber; returns the SES message id."""
    return _send(address, "Welcome!", "Thanks for subscribing to Example News.")


def send_newsletter(recipients: Iterable[str], subject: str, body: str) -> NewsletterResult:
    """Send one message per recipient, paced to the account's MaxSendRate.

    Pacing keeps a large list from tripping the rate limit in the first place;
    the back-off in :func:`_send` covers the rest: other processes sending on the
    same account, a welcome message slipping in between.
    """
    addresses = list(dict.fromkeys(recipients))  # each subscriber once, in order
    rate = ses.get_send_quota()["MaxSendRate"]
    interval = 1.0 / rate if rate > 0 else 0.0  # -1 means no rate limit
    result = NewsletterResult()
    next_send = time.monotonic()
    for index, address in enumerate(addresses):
        if (wait := next_send - time.monotonic()) > 0:
            time.sleep(wait)
        # Schedule from the start of this send, so the pace holds however long
        # the call itself takes.
        next_send = time.monotonic() + interval
        try:
            result.sent[address] = _send(address, subject, body)
        except DailyQuotaExceeded:
            result.deferred = addresses[index:]
            log.warning("daily SES quota reached: %d addresses deferred", len(result.deferred))
            break
        except ClientError as exc:
            code, _ = _error(exc)
            if code == "Throttling":  # still throttled after every retry: try later
                result.deferred = addresses[index:]
                break
            # Refused for this address only (e.g. unverified in the sandbox): go on.
            result.failed[address] = code
    return result
