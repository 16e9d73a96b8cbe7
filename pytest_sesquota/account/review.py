"""Leaving the sandbox: the review PutAccountDetails opens, its answer, and the details
GetAccount returns (the AWS guide's "Request production access")."""

from __future__ import annotations

__all__ = ["ProductionAccess"]

import secrets
from typing import Any

from .ledger import ProductionAccessReview, ReviewStatus
from .options import RegionSettings
from .part import Context, Part
from .quotas import Quotas


class ProductionAccess(Part):
    """PutAccountDetails' fields and the review of a request for production access."""

    key = "production_access"

    def __init__(self, context: Context, quotas: Quotas) -> None:
        super().__init__(context)
        self._quotas = quotas
        self._reviews: dict[str, ProductionAccessReview | None] = {}
        self._details: dict[str, dict[str, Any] | None] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._reviews[region] = None
        self._details[region] = None

    def request_production_access(self, region: str | None = None) -> ProductionAccessReview:
        """Open a review of a request to leave the sandbox (what PutAccountDetails with
        ``ProductionAccessEnabled=True`` does): ``PENDING`` until the test answers it with
        :meth:`grant_production_access` or :meth:`deny_production_access`."""
        name = self.region(region)
        with self.lock:
            review = self._reviews[name]
            if review is None or review.status in ("DENIED", "FAILED"):
                review = self._open(name, "PENDING")
            return review

    def _open(self, region: str, status: ReviewStatus) -> ProductionAccessReview:
        review = self._reviews[region] = ProductionAccessReview(
            case_id=str(secrets.randbelow(9 * 10**9) + 10**9),  # ten digits
            status=status,
            opened=self.clock.now(),
        )
        self.changed(region)
        return review

    def production_access_review(self, region: str | None = None) -> ProductionAccessReview | None:
        """The latest request to leave the sandbox, if any."""
        return self._reviews[self.region(region)]

    def _answer(self, region: str, status: ReviewStatus) -> None:
        with self.lock:
            review = self._reviews[region] or self._open(region, status)
            review.status = status
            self.changed(region)

    def grant_production_access(
        self,
        *,
        max_24_hour_send: float | None = None,
        max_send_rate: float | None = None,
        region: str | None = None,
    ) -> None:
        """Answer the review: production access granted, with these quotas (the
        production profile's 50,000 per 24 h and 14 per second unless given)."""
        name = self.region(region)
        self._quotas.move_out_of_sandbox(
            name, max_24_hour_send=max_24_hour_send, max_send_rate=max_send_rate
        )
        self._answer(name, "GRANTED")

    def deny_production_access(self, *, region: str | None = None) -> None:
        """Answer the review: denied. The account stays in the sandbox and may ask again."""
        self._answer(self.region(region), "DENIED")

    def put_account_details(self, details: dict[str, Any], region: str | None = None) -> None:
        """Store PutAccountDetails' fields (GetAccount returns them as ``Details``)."""
        name = self.region(region)
        with self.lock:
            self._details[name] = dict(details)
            self.changed(name)

    def account_details(self, region: str | None = None) -> dict[str, Any] | None:
        return self._details[self.region(region)]

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        review = self._reviews[region]
        return {
            "details": self._details[region],
            "review": None
            if review is None
            else {"case_id": review.case_id, "status": review.status, "opened": review.opened},
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._details[region] = data["details"]
        review = data["review"]
        self._reviews[region] = None if review is None else ProductionAccessReview(**review)
