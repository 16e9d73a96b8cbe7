"""Leaving the sandbox (seed 004): the review PutAccountDetails opens, and enforcement."""

from __future__ import annotations

import secrets
from typing import Any

from .ledger import (
    ENFORCEMENT_STATUSES,
    EnforcementStatus,
    ProductionAccessReview,
    ReviewStatus,
)
from .quotas import Quotas
from .state import RegionState


class ProductionAccess(Quotas):
    """PutAccountDetails' review and GetAccount's EnforcementStatus."""

    # -- leaving the sandbox (seed 004) ------------------------------------------
    def request_production_access(self, region: str | None = None) -> ProductionAccessReview:
        """Open a review of a request to leave the sandbox (what PutAccountDetails with
        ``ProductionAccessEnabled=True`` does): ``PENDING`` until the test answers it with
        :meth:`grant_production_access` or :meth:`deny_production_access`."""
        state = self._state(region)
        with self._lock:
            review = state.review
            if review is None or review.status in ("DENIED", "FAILED"):
                review = self._open_review(state, "PENDING")
            return review

    def _open_review(self, state: RegionState, status: ReviewStatus) -> ProductionAccessReview:
        review = state.review = ProductionAccessReview(
            case_id=str(secrets.randbelow(9 * 10**9) + 10**9),  # ten digits
            status=status,
            opened=self.clock.now(),
        )
        return review

    def production_access_review(self, region: str | None = None) -> ProductionAccessReview | None:
        """The latest request to leave the sandbox, if any."""
        return self._state(region).review

    def _answer_review(self, state: RegionState, status: ReviewStatus) -> None:
        with self._lock:
            review = state.review or self._open_review(state, status)
            review.status = status

    def grant_production_access(
        self,
        *,
        max_24_hour_send: float | None = None,
        max_send_rate: float | None = None,
        region: str | None = None,
    ) -> None:
        """Answer the review: production access granted, with these quotas (the
        production profile's 50,000 per 24 h and 14 per second unless given)."""
        state = self._state(region)
        self.move_out_of_sandbox(
            region, max_24_hour_send=max_24_hour_send, max_send_rate=max_send_rate
        )
        self._answer_review(state, "GRANTED")

    def deny_production_access(self, *, region: str | None = None) -> None:
        """Answer the review: denied. The account stays in the sandbox and may ask again."""
        self._answer_review(self._state(region), "DENIED")

    def put_account_details(self, details: dict[str, Any], region: str | None = None) -> None:
        """Store PutAccountDetails' fields (GetAccount returns them as ``Details``)."""
        state = self._state(region)
        with self._lock:
            state.details = dict(details)

    def account_details(self, region: str | None = None) -> dict[str, Any] | None:
        return self._state(region).details

    def set_enforcement_status(self, status: EnforcementStatus, region: str | None = None) -> None:
        """What GetAccount reports as ``EnforcementStatus``. ``SHUTDOWN`` is AWS pausing
        the account: every send is refused with ``MessageRejected: Sending paused for this
        account. ...`` (SMTP: ``554 Message rejected: ...``), as real SES answers then."""
        if status not in ENFORCEMENT_STATUSES:
            raise ValueError(
                f"set_enforcement_status({status!r}): valid statuses: "
                + ", ".join(repr(s) for s in ENFORCEMENT_STATUSES)
            )
        self._state(region).enforcement_status = status

    def enforcement_status(self, region: str | None = None) -> EnforcementStatus:
        return self._state(region).enforcement_status
