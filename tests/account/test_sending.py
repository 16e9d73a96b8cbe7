"""Sending decides with the other parts: built here as the account builds them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pytest_sesquota.account.account import Account, part_of
from pytest_sesquota.account.ledger import SendRefused
from pytest_sesquota.account.sending import Sending
from pytest_sesquota.clock.sesclock import DetachedClock


def send(account: Account, *recipients: str, source: str = "app@example.com"):
    return part_of(account, Sending).send(
        region=None, operation="SendEmail", source=source, recipients=list(recipients)
    )


def test_the_checks_come_in_order_fault_enforcement_identities_quotas():
    account = Account(profile="sandbox", verified=["app@example.com"], sending_enabled=False)
    with pytest.raises(SendRefused) as refused:
        send(account, "b@example.org")
    assert refused.value.kind == "paused"
    account.resume_sending()
    with pytest.raises(SendRefused) as refused:
        send(account, "b@example.org")
    assert (refused.value.kind, refused.value.failed) == ("unverified", ("b@example.org",))
    send(account, "success@simulator.amazonses.com")
    with pytest.raises(SendRefused) as refused:
        send(account, "success@simulator.amazonses.com")
    assert refused.value.kind == "rate"
    assert [e.reason for e in account.rejected] == ["paused", "unverified"]
    [point] = account.send_statistics()
    assert (point["DeliveryAttempts"], point["Rejects"]) == (1, 1)


def test_fates_suppressed_and_simulated():
    account = Account(
        profile="production", clock=DetachedClock(datetime(2026, 1, 5, tzinfo=timezone.utc))
    )
    account.suppress("gone@example.com")
    message = send(
        account,
        "gone@example.com",
        "bounce@simulator.amazonses.com",
        "complaint+x@simulator.amazonses.com",
    )
    assert (message.suppressed, message.bounced, message.complained) == (
        ("gone@example.com",),
        ("bounce@simulator.amazonses.com",),
        ("complaint+x@simulator.amazonses.com",),
    )
    account.clock.advance(seconds=2)  # SES's deliveries and bounces come a second after the send
    [point] = account.send_statistics()
    assert (point["DeliveryAttempts"], point["Bounces"], point["Complaints"]) == (2, 1, 1)


def test_a_transient_fault_comes_first_and_counts_nothing():
    account = Account(profile="production", transient_failures=1, sending_enabled=False)
    with pytest.raises(SendRefused) as refused:
        send(account, "b@example.org")
    assert refused.value.kind == "transient"
    assert (len(account.faults), account.rejected, account.quota()[2]) == (1, [], 0.0)


def test_whole_call_throttles_together():
    account = Account(profile="sandbox", max_send_rate=2)
    sending = part_of(account, Sending)
    messages = [(["a@x.org"], {}), (["b@x.org"], {})]
    call = {"region": None, "operation": "SendBulkEmail", "source": "s@x.org", "whole_call": True}
    decided = sending.send_many(messages=messages, **call)
    assert [m.recipients for m in decided] == [("a@x.org",), ("b@x.org",)]
    with pytest.raises(SendRefused):
        sending.send_many(
            region=None,
            operation="SendBulkEmail",
            source="s@x.org",
            messages=messages,
            whole_call=True,
        )
    assert len(account.throttled) == 2
