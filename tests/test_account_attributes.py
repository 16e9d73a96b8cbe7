"""The account's attributes through SES v2, each shown by GetAccount: the reasons its
suppression list suppresses for (and so who is delivered to), VDM, the pricing plan (from
the next month, on the virtual clock) and the shared pool's delivery mode."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError
from conftest import send_v2

from pytest_sesquota.account.account import Account
from pytest_sesquota.serve.store import Store


def error_of(call, **params):
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def members():
    import botocore.session

    model = botocore.session.get_session().get_service_model("sesv2")
    return model.operation_model("GetAccount").output_shape.members


@pytest.mark.ses_quota(profile="production")
def test_suppressed_reasons_decide_who_is_suppressed(ses_account, sesv2):
    ses_account.suppress("bounced@example.com", reason="BOUNCE")
    ses_account.suppress("angry@example.com", reason="COMPLAINT")
    sesv2.put_account_suppression_attributes(SuppressedReasons=["COMPLAINT"])
    assert sesv2.get_account()["SuppressionAttributes"] == {"SuppressedReasons": ["COMPLAINT"]}
    send_v2(sesv2, "bounced@example.com", "angry@example.com")
    assert ses_account.sent[-1].suppressed == ("angry@example.com",)
    # No reasons: the list is off, everyone on it is delivered to again.
    sesv2.put_account_suppression_attributes(SuppressedReasons=[])
    send_v2(sesv2, "bounced@example.com", "angry@example.com")
    assert ses_account.sent[-1].suppressed == ()
    assert ses_account.sent[-1].delivered == ("bounced@example.com", "angry@example.com")
    sesv2.put_account_suppression_attributes(SuppressedReasons=["BOUNCE", "COMPLAINT"])
    send_v2(sesv2, "bounced@example.com")
    assert ses_account.sent[-1].suppressed == ("bounced@example.com",)
    assert error_of(sesv2.put_account_suppression_attributes, SuppressedReasons=["SPAM"]) == (
        "BadRequestException",
        400,
        "1 validation error detected: Value 'SPAM' at 'suppressedReasons[0]' failed to "
        "satisfy constraint: Member must satisfy enum value set: [BOUNCE, COMPLAINT]",
    )


def test_vdm_delivery_and_warm_up_shown_by_get_account(ses_account, sesv2):
    vdm = {
        "VdmEnabled": "ENABLED",
        "DashboardAttributes": {"EngagementMetrics": "ENABLED"},
        "GuardianAttributes": {"OptimizedSharedDelivery": "DISABLED"},
    }
    sesv2.put_account_vdm_attributes(VdmAttributes=vdm)
    sesv2.put_account_dedicated_ip_warmup_attributes(AutoWarmupEnabled=False)
    account = sesv2.get_account()
    assert account["DedicatedIpAutoWarmupEnabled"] is False
    if "VdmAttributes" in members():
        assert account["VdmAttributes"] == vdm
    bad = {"VdmEnabled": "ON"}
    assert error_of(sesv2.put_account_vdm_attributes, VdmAttributes=bad)[2] == (
        "1 validation error detected: Value 'ON' at 'vdmAttributes.vdmEnabled' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
    )


@pytest.mark.skipif(
    "PricingAttributes" not in members(), reason="this botocore predates pricing plans"
)
@pytest.mark.ses_quota(start=datetime(2026, 1, 30, tzinfo=timezone.utc))
def test_a_pricing_plan_starts_with_the_next_month(ses_account, sesv2):
    assert sesv2.get_account()["PricingAttributes"] == {"CurrentPlan": "NONE"}
    sesv2.put_account_pricing_attributes(Plan="PRO")
    assert sesv2.get_account()["PricingAttributes"] == {"CurrentPlan": "NONE", "NextPlan": "PRO"}
    ses_account.clock.advance(days=2)  # February 1st
    assert sesv2.get_account()["PricingAttributes"] == {"CurrentPlan": "PRO"}
    sesv2.put_account_pricing_attributes(Plan="ESSENTIALS")
    sesv2.put_account_pricing_attributes(Plan="PRO")  # the current plan: the change is off
    assert sesv2.get_account()["PricingAttributes"] == {"CurrentPlan": "PRO"}
    sesv2.put_account_delivery_attributes(SharedPoolDeliveryMode="REGIONAL")
    assert sesv2.get_account()["DeliveryAttributes"] == {"SharedPoolDeliveryMode": "REGIONAL"}
    assert error_of(sesv2.put_account_pricing_attributes, Plan="FREE")[0] == "BadRequestException"


def test_the_attributes_survive_a_state_file(tmp_path):
    from pytest_sesquota.account.account import part_of
    from pytest_sesquota.account.attributes import AccountAttributes
    from pytest_sesquota.account.suppression import Suppression

    first = Account(profile="production")
    part_of(first, Suppression).set_suppressed_reasons(["BOUNCE"])
    part_of(first, AccountAttributes).put_vdm_attributes({"VdmEnabled": "ENABLED"})
    part_of(first, AccountAttributes).put_pricing_plan("PRO")
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(first)
        second = Account(profile="production")
        store.load(second)
    finally:
        store.close()
    assert part_of(second, Suppression).suppressed_reasons() == ["BOUNCE"]
    attributes = part_of(second, AccountAttributes)
    assert attributes.vdm_attributes() == {"VdmEnabled": "ENABLED"}
    assert attributes.pricing_attributes() == {"CurrentPlan": "NONE", "NextPlan": "PRO"}


def test_a_state_file_from_before_keeps_its_suppression_list(tmp_path):
    from pytest_sesquota.account.account import part_of
    from pytest_sesquota.account.suppression import Suppression

    account = Account(profile="production")
    old = [{"email_address": "a@example.com", "reason": "BOUNCE", "time": account.clock.now()}]
    part_of(account, Suppression).restore("us-east-1", old)
    assert [e.email_address for e in account.suppressed()] == ["a@example.com"]
    assert part_of(account, Suppression).suppressed_reasons() == ["BOUNCE", "COMPLAINT"]
