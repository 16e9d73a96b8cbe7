"""SES's mailbox simulator: send rate yes, daily quota no; usable from the sandbox;
bounces and complaints show in GetSendStatistics and the ledger (AWS developer guide)."""

from __future__ import annotations

import smtplib

import pytest
from conftest import send, send_v2
from test_smtp import email, starttls_client

SIM = "simulator.amazonses.com"


def stats(ses):
    points = ses.get_send_statistics()["SendDataPoints"]
    return [
        {k: p[k] for k in ("DeliveryAttempts", "Bounces", "Complaints", "Rejects")} for p in points
    ]


@pytest.mark.ses_quota(profile="sandbox", verified=["app@example.com"])
def test_every_scenario_from_the_sandbox_unverified_with_labels(ses_account, ses):
    scenarios = ["success", "bounce", "ooto", "complaint", "suppressionlist"]
    for n, scenario in enumerate(scenarios):
        send(ses, f"{scenario}+run{n}@{SIM}")
        ses_account.clock.advance(seconds=1)  # the sandbox's one per second still applies
    assert [m.recipients for m in ses_account.sent] == [
        (f"{s}+run{n}@{SIM}",) for n, s in enumerate(scenarios)
    ]
    assert [(m.bounced, m.complained) for m in ses_account.sent] == [
        ((), ()),
        ((f"bounce+run1@{SIM}",), ()),
        ((), ()),
        ((), (f"complaint+run3@{SIM}",)),
        ((f"suppressionlist+run4@{SIM}",), ()),
    ]
    assert [m.delivered for m in ses_account.sent] == [
        (f"success+run0@{SIM}",),
        (),
        (f"ooto+run2@{SIM}",),
        (f"complaint+run3@{SIM}",),
        (),
    ]
    # No daily quota used; one 15-minute data point with the events.
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0
    assert stats(ses) == [{"DeliveryAttempts": 5, "Bounces": 2, "Complaints": 1, "Rejects": 0}]
    # The guide: the simulator's addresses never go on the account's suppression list.
    assert ses_account.suppressed() == []


@pytest.mark.ses_quota(profile="sandbox")
def test_limited_by_the_send_rate(ses_account, ses):
    send(ses, f"success@{SIM}")
    with pytest.raises(ses.exceptions.ClientError) as err:
        send(ses, f"success@{SIM}")
    assert err.value.response["Error"] == {
        "Type": "Sender",
        "Code": "Throttling",
        "Message": "Maximum sending rate exceeded.",
    }
    assert [t.reason for t in ses_account.throttled] == ["rate"]


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=200)
def test_not_limited_by_the_daily_quota(ses_account, ses, sesv2):
    send(ses, f"success@{SIM}")
    ses_account.clock.advance(seconds=1)
    send_v2(sesv2, f"bounce@{SIM}")
    ses_account.clock.advance(seconds=1)
    with pytest.raises(sesv2.exceptions.TooManyRequestsException) as err:
        send_v2(sesv2, "someone@example.com")
    assert err.value.response["Error"]["Message"] == "Daily message quota exceeded."
    assert len(ses_account.sent) == 2
    assert ses_account.quota() == (200.0, 1.0, 200.0)


@pytest.mark.ses_quota(profile="production", max_24_hour_send=3)
def test_a_mixed_message_counts_only_real_recipients_toward_the_day(ses_account, ses):
    send(ses, "a@example.com", f"success@{SIM}", f"complaint@{SIM}", "b@example.com")
    assert ses.get_send_quota()["SentLast24Hours"] == 2.0
    # The rate took all four: 14 per second, 10 left.
    assert ses_account.available_rate() == pytest.approx(10.0)
    with pytest.raises(ses.exceptions.ClientError) as err:  # 2 + 2 real ones > 3
        send(ses, "c@example.com", "d@example.com", f"success@{SIM}")
    assert err.value.response["Error"]["Message"] == "Daily message quota exceeded."
    send(ses, "c@example.com", f"success@{SIM}", f"bounce@{SIM}")  # 2 + 1 = 3: accepted
    assert ses_account.quota()[2] == 3.0
    ses_account.clock.advance(seconds=2)  # SES's bounces and complaints, a second or two on
    assert stats(ses) == [{"DeliveryAttempts": 7, "Bounces": 1, "Complaints": 1, "Rejects": 0}]


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=200)
def test_over_smtp_too(ses_smtp, ses_account):
    with starttls_client(ses_smtp) as client:
        client.sendmail("app@example.com", [f"complaint+smtp@{SIM}"], email().as_bytes())
        with pytest.raises(smtplib.SMTPDataError) as err:
            client.sendmail("app@example.com", ["a@example.com"], email().as_bytes())
        assert (err.value.smtp_code, err.value.smtp_error) == (
            454,
            b"Throttling failure: Daily message quota exceeded.",
        )
    (sent,) = ses_account.sent
    assert (sent.transport, sent.complained) == ("smtp", (f"complaint+smtp@{SIM}",))
    ses_account.clock.advance(seconds=2)  # the complaint, a second after the delivery
    assert ses_account.send_statistics()[0]["Complaints"] == 1
