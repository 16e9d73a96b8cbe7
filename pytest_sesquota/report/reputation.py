"""The SES conversation's reputation lines: each region's bounce and complaint rates
against the thresholds, and the moments the rates moved ``EnforcementStatus``."""

from __future__ import annotations

__all__ = ["reputation_lines"]

from ..account.account import Account
from .moments import offset


def reputation_lines(account: Account) -> list[str]:
    """Nothing for an account whose mail never bounced nor drew a complaint (the SES
    guide's counted ones: neither the simulator's nor the suppression list's)."""
    lines: list[str] = []
    start = account.clock.start_time
    for region in account.regions():
        rep = account.reputation(region)
        if not (rep.hard_bounces or rep.complaints or rep.changes):
            continue
        policy = rep.policy
        if not lines:
            lines.append(f"reputation at {offset(account.clock.elapsed())}:")
        # Why the status does not move, where it cannot.
        if not policy.enforced:
            why = " (not enforced: the rates never move the status)"
        elif rep.volume < policy.minimum_volume:
            why = f" (fewer than the {policy.minimum_volume} judged: the status cannot move yet)"
        else:
            why = ""
        lines.append(
            f"  {region}  {rep.status}: bounce rate {rep.bounce_rate:.2%} (review at "
            f"{policy.bounce_review:.2%}, pause at {policy.bounce_pause:.2%}), complaint rate "
            f"{rep.complaint_rate:.2%} (review at {policy.complaint_review:.2%}, pause at "
            f"{policy.complaint_pause:.2%}), over {rep.volume} recipients{why}"
        )
        for change in rep.changes:
            at = offset((change.time - start).total_seconds())
            lines.append(f"    {at} {change.status}: {change.cause}")
        if rep.review_ends is not None:
            ends = offset((rep.review_ends - start).total_seconds())
            lines.append(f"    {ends} the review period ends (virtual time still to come)")
    return lines
