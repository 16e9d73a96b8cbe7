"""A token bucket: SES's per-second rates (the send rate, the API rate limit), on any clock.

A bucket refills at ``rate`` tokens per second up to ``capacity``; a request needs one
token to pass and then takes what it costs, which may leave the bucket in debt (a send
to 50 recipients at a rate of 14 takes 50 tokens: the next sends wait for the refill).
The rate and capacity are not the bucket's own: they belong to the quota it measures,
which can change them while the balance carries over, so every call is given them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RATE_SLACK_SECONDS", "UNLIMITED", "TokenBucket"]

#: A rate of -1: no limit (SES's ``MaxSendRate`` of an unlimited account).
UNLIMITED = -1.0
#: "At least one token" forgives this much refill time: virtual time moves in whole
#: microseconds, and epoch-scale floats are 2**-22 s apart, so a client that sleeps
#: exactly 1/rate must not be throttled by rounding.
RATE_SLACK_SECONDS = 2e-6
_EPSILON = 1e-9


@dataclass(slots=True)
class TokenBucket:
    """A bucket's balance: ``tokens`` as of ``refilled_at`` (epoch seconds of the clock
    it runs on; None until first used, when it starts full). Not thread-safe: its owner
    holds a lock around each call."""

    tokens: float = 0.0
    refilled_at: float | None = None

    def refill(self, now: float, rate: float, capacity: float) -> float:
        """Credit the time since the last refill; return the tokens available at ``now``
        (negative while in debt)."""
        if rate == UNLIMITED:
            # No limit: the bucket stays full (ready for a limit set later).
            self.tokens = capacity
            self.refilled_at = now
            return capacity
        at = self.refilled_at
        if at is None:
            self.tokens = capacity
            self.refilled_at = now
        elif now > at:
            self.tokens = min(capacity, self.tokens + (now - at) * rate)
            self.refilled_at = now
        # A clock moved backwards refills nothing; the bucket keeps its balance.
        return self.tokens

    @staticmethod
    def has_token(tokens: float, rate: float) -> bool:
        """Whether a balance of ``tokens`` lets one request through at ``rate``."""
        return rate == UNLIMITED or tokens >= 1.0 - rate * RATE_SLACK_SECONDS - _EPSILON

    def charge(self, amount: float, rate: float) -> None:
        """Take ``amount`` tokens (after :meth:`refill`; the balance may go negative)."""
        if rate != UNLIMITED:
            self.tokens -= amount

    def take(self, now: float, rate: float, capacity: float, amount: float = 1.0) -> bool:
        """Refill, then take ``amount`` if one token is there; say whether it was."""
        if not self.has_token(self.refill(now, rate, capacity), rate):
            return False
        self.charge(amount, rate)
        return True
