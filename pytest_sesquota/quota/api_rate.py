"""SES's limit on its other API actions: so many requests per second, per region.

"All actions (except SendEmail, SendRawEmail, SendTemplatedEmail) are throttled at
one request per second" (the AWS quotas page). A token bucket of one second's worth
(at least one request), the same as the send rate's, on any clock; sends never come here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .bucket import TokenBucket

__all__ = ["ApiRateLimit"]


class ApiRateLimit:
    """Per-region request buckets refilling at ``rate`` requests per second. Thread-safe."""

    def __init__(self, clock: Callable[[], float], rate: float) -> None:
        if not rate > 0:
            raise ValueError(f"the API rate limit must be > 0 requests per second, got {rate}")
        self._clock = clock
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, region: str) -> bool:
        """Take one request's token now, or say no (the request is then refused)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(region)
            if bucket is None:
                bucket = self._buckets[region] = TokenBucket()
            return bucket.take(now, self.rate, self.capacity)
