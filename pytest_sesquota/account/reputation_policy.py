"""The policy SES's reputation follows in a region: the review and pause thresholds of the
bounce and complaint rates, the window they are taken over, the least volume judged and the
review period. Set by the ``reputation`` option (marker, ini, a region's entry) and by
``ses_account.set_reputation_policy``; followed by ``account/reputation.py``.
"""

from __future__ import annotations

__all__ = ["POLICY_KEYS", "ReputationPolicy", "policy_from"]

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

#: The keys of the ``reputation`` option, in the policy's order: key -> what it sets.
POLICY_KEYS: dict[str, str] = {
    "bounce_review": "the bounce rate that opens a review, `PROBATION`; a fraction: SES's "
    "0.05 is 5 %",
    "bounce_pause": "the bounce rate that pauses sending, `SHUTDOWN`; SES's 0.10",
    "complaint_review": "the complaint rate that opens a review; SES's 0.001",
    "complaint_pause": "the complaint rate that pauses sending; SES's 0.005",
    "window": "seconds or a timedelta the rates are taken over; 14 days",
    "minimum_volume": "the least recipients in the window the status is judged by; 500",
    "review_period": "seconds or a timedelta a review lasts; 14 days",
    "enforced": "`False` keeps the rates without ever moving the status",
}


@dataclass(frozen=True)
class ReputationPolicy:
    """When SES acts on the rates: the thresholds (fractions, 0.05 is 5 %), the window
    the rates are taken over, the least volume judged, and the review period."""

    #: The AWS guide's numbers.
    bounce_review: float = 0.05
    bounce_pause: float = 0.10
    complaint_review: float = 0.001
    complaint_pause: float = 0.005
    #: Choices (SES publishes none of these): see docs/choices.md.
    window: timedelta = timedelta(days=14)
    minimum_volume: int = 500
    review_period: timedelta = timedelta(days=14)
    #: ``False``: the rates are kept and reported, the status never moves by itself.
    enforced: bool = True

    def __post_init__(self) -> None:
        for name in ("bounce_review", "bounce_pause", "complaint_review", "complaint_pause"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (0 < value <= 1)
            ):
                raise ValueError(
                    f"set_reputation_policy({name}={value!r}): a rate is a fraction "
                    "above 0 and at most 1 (0.05 is 5 %)"
                )
        if self.bounce_pause < self.bounce_review or self.complaint_pause < self.complaint_review:
            raise ValueError(
                "set_reputation_policy(): a pause threshold cannot be below its review "
                f"threshold (bounces {self.bounce_review} / {self.bounce_pause}, complaints "
                f"{self.complaint_review} / {self.complaint_pause})"
            )
        for name in ("window", "review_period"):
            value = getattr(self, name)
            if not isinstance(value, timedelta) or value <= timedelta():
                raise ValueError(
                    f"set_reputation_policy({name}={value!r}): expected a positive timedelta "
                    "or number of seconds"
                )
        volume = self.minimum_volume
        if isinstance(volume, bool) or not isinstance(volume, int) or volume < 1:
            raise ValueError(
                f"set_reputation_policy(minimum_volume={volume!r}): expected a whole number >= 1"
            )


assert tuple(POLICY_KEYS) == tuple(f.name for f in fields(ReputationPolicy))


def policy_from(values: Mapping[str, Any]) -> ReputationPolicy:
    """The policy the option's values describe (what they do not name keeps SES's numbers and
    the fake's choices); ``window`` and ``review_period`` in seconds or as timedeltas.
    Raises ``ValueError`` for a policy that cannot be."""
    given = dict(values)
    for name in ("window", "review_period"):
        value = given.get(name)
        if value is not None and not isinstance(value, timedelta):
            given[name] = timedelta(seconds=value)
    return ReputationPolicy(**given)
