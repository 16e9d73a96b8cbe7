from __future__ import annotations

import pytest

from pytest_sesquota.account.enforcement import Enforcement
from pytest_sesquota.account.quotas import Quotas
from pytest_sesquota.account.review import ProductionAccess


def test_suspended_wins_over_paused(make_parts):
    parts = make_parts(sending_enabled=False)
    enforcement = parts.add(Enforcement(parts.context))
    region = enforcement.region(None)
    assert enforcement.refusal(region).kind == "paused"
    enforcement.set_enforcement_status("SHUTDOWN")
    assert enforcement.refusal(region).kind == "suspended"
    enforcement.set_enforcement_status("HEALTHY")
    enforcement.resume_sending()
    assert enforcement.refusal(region) is None
    with pytest.raises(ValueError, match="valid statuses: 'HEALTHY', 'PROBATION', 'SHUTDOWN'"):
        enforcement.set_enforcement_status("FINE")  # type: ignore[arg-type]


def test_the_review_is_answered_and_granting_raises_the_quotas(make_parts):
    parts = make_parts()
    quotas = parts.add(Quotas(parts.context))
    access = parts.add(ProductionAccess(parts.context, quotas))
    review = access.request_production_access()
    assert (review.status, len(review.case_id)) == ("PENDING", 10)
    assert access.request_production_access() is review
    access.deny_production_access()
    assert access.production_access_review().status == "DENIED"
    assert access.request_production_access().status == "PENDING"
    access.grant_production_access(max_send_rate=20)
    assert access.production_access_review().status == "GRANTED"
    assert (quotas.in_sandbox(), quotas.quota()[:2]) == (False, (50_000.0, 20.0))


def test_details_and_review_survive_export(make_parts):
    parts = make_parts()
    quotas = parts.add(Quotas(parts.context))
    access = parts.add(ProductionAccess(parts.context, quotas))
    access.put_account_details({"MailType": "MARKETING"})
    access.request_production_access()
    region = access.region(None)
    other = make_parts()
    again = other.add(ProductionAccess(other.context, other.add(Quotas(other.context))))
    again.region(region)
    again.restore(region, access.export(region))
    assert again.account_details() == {"MailType": "MARKETING"}
    assert again.production_access_review() == access.production_access_review()
