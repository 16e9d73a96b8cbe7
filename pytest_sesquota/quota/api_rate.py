"""SES's limit on its other API actions: so many requests per second, per region.

"All actions (except SendEmail, SendRawEmail, SendTemplatedEmail) are throttled at
one request per second" (the AWS quotas page). A token bucket of one second's worth
(at least one request), like the send rate's, on any clock; sends never come here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

# The same forgiveness as the send rate's: a client that waits exactly 1/rate passes.
_SLACK_SECONDS = 2e-6


class ApiRateLimit:
    """Per-region request buckets refilling at ``rate`` requests per second. Thread-safe."""

    def __init__(self, clock: Callable[[], float], rate: float) -> None:
        if not rate > 0:
            raise ValueError(f"the API rate limit must be > 0 requests per second, got {rate}")
        self._clock = clock
        self.rate = rate
        self.capacity = max(rate, 1.0)
        # region -> (tokens, refilled at)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, region: str) -> bool:
        """Take one request's token now, or say no (the request is then refused)."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(region, (self.capacity, now))
            if now > at:
                tokens = min(self.capacity, tokens + (now - at) * self.rate)
                at = now
            allowed = tokens >= 1.0 - self.rate * _SLACK_SECONDS
            self._buckets[region] = (tokens - 1.0 if allowed else tokens, at)
            return allowed
