"""The metrics part: what happened to each recipient, read from the account's events when
there are any and from the ledger's record otherwise; counts folded when records leave."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from pytest_sesquota.account.account import Account, part_of
from pytest_sesquota.account.activity import happenings, identity_names, isp_of
from pytest_sesquota.account.events import Events, SesEvent
from pytest_sesquota.account.metrics import Metrics, Traffic, reputation, series
from pytest_sesquota.clock.sesclock import DetachedClock

from .conftest import START


def account() -> Account:
    return Account(profile="production", clock=DetachedClock(START))


def send(acct: Account, *to: str, source: str = "app@example.com", **content: object):
    return acct.send(
        region=None, operation="SendEmail", source=source, recipients=list(to), **content
    )


def test_without_events_the_ledger_s_record_tells_what_happened():
    acct = account()
    acct.suppress("gone@example.com")
    message = send(
        acct,
        "a@gmail.com",
        "gone@example.com",
        "bounce@simulator.amazonses.com",
        "complaint@simulator.amazonses.com",
    )
    found = [(h.kind, h.recipient, h.sub_type) for h in happenings(message)]
    assert found == [
        ("SEND", "a@gmail.com", None),
        ("SEND", "gone@example.com", None),
        ("SEND", "bounce@simulator.amazonses.com", None),
        ("SEND", "complaint@simulator.amazonses.com", None),
        ("PERMANENT_BOUNCE", "gone@example.com", "OnAccountSuppressionList"),
        ("PERMANENT_BOUNCE", "bounce@simulator.amazonses.com", "General"),
        ("DELIVERY", "a@gmail.com", None),
        ("DELIVERY", "complaint@simulator.amazonses.com", None),
        ("COMPLAINT", "complaint@simulator.amazonses.com", None),
    ]


def test_events_when_there_are_any_and_only_those_that_have_happened():
    acct = account()
    message = send(acct, "a@yahoo.com")
    later = message.time + timedelta(hours=2)
    events = part_of(acct, Events)
    for kind, when, detail in (
        ("Send", message.time, {}),
        ("Bounce", later, {"bounceType": "Transient", "bounceSubType": "MailboxFull"}),
        ("Open", later, {}),
    ):
        events.emit(
            SesEvent(kind, when, "us-east-1", message.message_id, None, ("a@yahoo.com",), detail)
        )
    metrics = part_of(acct, Metrics)
    [(_m, found)] = metrics.activity()
    assert [h.kind for h in found] == ["SEND"]  # the bounce has not happened yet
    acct.clock.advance(hours=2)
    [(_m, found)] = metrics.activity()
    assert [(h.kind, h.sub_type) for h in found] == [
        ("SEND", None),
        ("DELIVERY", None),  # the account's own, a second after the send
        ("TRANSIENT_BOUNCE", "MailboxFull"),
        ("OPEN", None),
    ]
    traffic = metrics.traffic()
    day = series(traffic, "TRANSIENT_BOUNCE", {"ISP": "Yahoo"}, START, START + timedelta(days=1))
    assert day == [(START, 1)]
    assert series(traffic, "DELIVERY", {}, START, START + timedelta(days=1)) == [(START, 1)]


def test_vdm_leaves_out_the_simulator_and_messages_to_more_than_one_recipient():
    acct = account()
    send(acct, "a@gmail.com")
    send(acct, "b@gmail.com", "c@gmail.com")
    send(acct, "success@simulator.amazonses.com")
    traffic = part_of(acct, Metrics).traffic()
    assert series(traffic, "SEND", {}, START, START + timedelta(hours=1)) == [(START, 1)]
    # GetSendStatistics counts them all.
    [point] = acct.send_statistics()
    assert point["DeliveryAttempts"] == 4


def test_a_send_s_identity_and_isp():
    assert identity_names("App <App@Example.com>") == ("app@example.com", "example.com")
    assert [isp_of(a) for a in ("x@gmail.com", "x@yahoo.co.uk", "x@hotmail.fr", "x@corp.io")] == [
        "Gmail",
        "Yahoo",
        "Hotmail",
        "Other",
    ]


def test_records_leaving_the_ledger_are_folded_and_kept():
    acct = account()
    send(acct, "a@gmail.com")
    acct.reject(
        region=None,
        operation="SendEmail",
        reason="unverified",
        code="MessageRejected",
        message="no",
        source="x@example.com",
        recipients=["b@example.com", "c@example.com"],
    )
    acct.record_bounces(2)
    acct.clock.advance(seconds=2)  # the message's delivery, a second after the send
    before = acct.send_statistics()
    metrics = part_of(acct, Metrics)
    vdm_before = metrics.traffic().days
    gone_sent, gone_rejected = list(acct.sent), list(acct.rejected)
    metrics.fold(gone_sent, gone_rejected)
    acct.sent.clear()
    acct.rejected.clear()
    assert acct.send_statistics() == before
    assert before[0]["Rejects"] == 2 and before[0]["Bounces"] == 2
    assert metrics.traffic().days == vdm_before
    # ... and kept in the state file.
    again = account()
    part_of(again, Metrics).restore("us-east-1", metrics.export("us-east-1"))
    assert again.send_statistics() == before


def test_statistics_expire_after_two_weeks_and_record_checks_its_count():
    acct = account()
    acct.record_complaints(1)
    acct.clock.advance(days=14, minutes=15)
    assert acct.send_statistics() == []
    with pytest.raises(ValueError, match=r"record_complaints\(True\): expected a whole number"):
        acct.record_complaints(True)
    acct.record_bounces(0)
    assert acct.send_statistics() == []
    assert Traffic.restore(Traffic().export()).days == Traffic().days


def test_reputation_counts_leave_out_the_simulator_and_the_suppression_list():
    acct = account()
    acct.suppress("gone@example.com")
    send(acct, "a@gmail.com", "b@yahoo.com", "gone@example.com", "bounce@simulator.amazonses.com")
    send(acct, "c@yahoo.com", source="news@other.org")
    acct.clock.advance(seconds=2)  # SES's deliveries and bounces come a second after the send
    metrics = part_of(acct, Metrics)
    found = reputation(metrics.activity(), START)
    counts, events = found["example.com"]
    assert dict(counts) == {"SEND": 2, "DELIVERY": 2, "DELIVERY_COMPLAINT": 1}
    assert events == []
    assert found["other.org"][0]["SEND"] == 1
    assert reputation(metrics.activity(), START + timedelta(seconds=2)) == {
        "example.com": (Counter(), []),
        "other.org": (Counter(), []),
    }
