"""The account's reputation on the virtual clock: bounce and complaint rates from what
happened, the review (PROBATION) and the pause (SHUTDOWN) they lead to, through boto3
(SES v1 and v2) and SMTP."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import SIMPLE, send, send_v2
from smtp_wire import Wire, message

SUSPENDED = (
    "Sending paused for this account. For more information, please check the inbox of the "
    "email address associated with your AWS account."
)
PRODUCTION = pytest.mark.ses_quota(profile="production", max_send_rate=10_000)


def good(account, count, start=0):
    """``count`` messages to ordinary mailboxes, one recipient each."""
    for i in range(start, start + count):
        account.send(
            region=None,
            operation="SendEmail",
            source="app@example.com",
            recipients=[f"user{i}@example.com"],
        )


def bounced(account, count, start=0, domain="typo.example"):
    for i in range(start, start + count):
        account.send(
            region=None,
            operation="SendEmail",
            source="app@example.com",
            recipients=[f"user{i}@{domain}"],
        )


@PRODUCTION
def test_a_5_percent_bounce_rate_opens_a_review_and_10_percent_pauses_sending(
    ses_account, ses, sesv2, ses_clock, ses_smtp
):
    ses_account.set_reputation_policy(minimum_volume=100)
    ses_account.mailbox("@typo.example", outcome="bounce")
    good(ses_account, 95)
    bounced(ses_account, 4)
    ses_clock.advance(2)
    # 4 hard bounces in 99: under 5 %
    assert sesv2.get_account()["EnforcementStatus"] == "HEALTHY"
    send(ses, "user4@typo.example")  # the 5th: 5 in 100, 5.00 %
    sent_at = ses_account.sent[-1].time
    assert sesv2.get_account()["EnforcementStatus"] == "HEALTHY"  # its bounce is 1 s away
    ses_clock.advance(1)
    assert sesv2.get_account()["EnforcementStatus"] == "PROBATION"
    rep = ses_account.reputation()
    assert (rep.volume, rep.hard_bounces, rep.bounce_rate) == (100, 5, 0.05)
    [change] = rep.changes
    assert (change.time, change.status) == (sent_at + timedelta(seconds=1), "PROBATION")
    assert change.cause == "bounce rate 5.00% >= 5.00%: under review"
    assert rep.review_ends == change.time + timedelta(days=14)
    # Under review, the account still sends.
    send_v2(sesv2, "someone@example.com")
    bounced(ses_account, 7, start=10)  # 12 in 108: 11.1 %
    ses_clock.advance(1)
    with pytest.raises(ses.exceptions.MessageRejected) as v1:
        send(ses, "user1@example.com")
    assert v1.value.response["Error"]["Message"] == SUSPENDED
    with pytest.raises(sesv2.exceptions.MessageRejected) as v2:
        send_v2(sesv2, "user1@example.com")
    assert v2.value.response["Error"]["Message"] == SUSPENDED
    assert v2.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with Wire(ses_smtp).ready() as wire:
        reply = wire.transaction("app@example.com", ["a@example.com"], message())
    assert reply == f"554 Message rejected: {SUSPENDED}"
    assert [r.reason for r in ses_account.rejected] == ["suspended"] * 3
    assert sesv2.get_account()["EnforcementStatus"] == "SHUTDOWN"
    shutdown = ses_account.reputation().changes[-1]
    assert shutdown.status == "SHUTDOWN"
    assert shutdown.cause == "bounce rate 10.19% >= 10.00%: sending paused"  # 11 in 108


@PRODUCTION
def test_complaints_at_0_1_percent_open_a_review_at_0_5_percent_pause(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=1000)
    ses_account.mailbox("angry@example.net", "angry2@example.net", outcome="complaint")
    good(ses_account, 998)
    bounced(ses_account, 1, domain="example.net")  # an ordinary mailbox: delivered
    ses_account.send(
        region=None,
        operation="SendEmail",
        source="app@example.com",
        recipients=["angry@example.net"],
    )
    ses_clock.advance(1)
    assert sesv2.get_account()["EnforcementStatus"] == "HEALTHY"  # the complaint: 2 s later
    ses_clock.advance(1)
    assert sesv2.get_account()["EnforcementStatus"] == "PROBATION"
    assert ses_account.reputation().changes[-1].cause == (
        "complaint rate 0.10% >= 0.10%: under review"
    )
    complain = dict(
        region=None,
        operation="SendEmail",
        source="app@example.com",
        recipients=["angry2@example.net"],
    )
    for _ in range(4):
        ses_account.send(**complain)
    ses_clock.advance(2)
    rep = ses_account.reputation()
    assert (rep.complaints, rep.volume, rep.status) == (5, 1004, "PROBATION")  # 0.498 %
    ses_account.send(**complain)
    ses_clock.advance(2)
    rep = ses_account.reputation()
    assert (rep.complaints, rep.volume, rep.status) == (6, 1005, "SHUTDOWN")
    assert rep.changes[-1].cause == "complaint rate 0.60% >= 0.50%: sending paused"


@PRODUCTION
def test_the_simulator_the_suppression_list_and_soft_bounces_are_not_counted(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=10)
    ses_account.suppress("gone@example.com")
    ses_account.mailbox(
        "full@example.com", outcome="bounce", bounce_type="Transient", bounce_sub_type="MailboxFull"
    )
    ses_account.mailbox("away@example.com", outcome="ooto")
    good(ses_account, 10)
    for to in [
        "bounce@simulator.amazonses.com",
        "complaint@simulator.amazonses.com",
        "suppressionlist@simulator.amazonses.com",
        "gone@example.com",
        "full@example.com",
        "away@example.com",
    ] * 3:
        send_v2(sesv2, to)
    ses_clock.advance(5)
    rep = ses_account.reputation()
    # The soft bounce and the automatic answer count as sent, not as bounces.
    assert (rep.volume, rep.hard_bounces, rep.complaints) == (16, 0, 0)
    assert rep.status == "HEALTHY" and rep.changes == ()


@PRODUCTION
def test_below_the_minimum_volume_nothing_is_judged(ses_account, ses_clock):
    ses_account.mailbox("@typo.example", outcome="bounce")
    bounced(ses_account, 499)  # every one bounces, under 500 sent
    ses_clock.advance(2)
    rep = ses_account.reputation()
    assert (rep.bounce_rate, rep.volume, rep.status) == (1.0, 499, "HEALTHY")
    good(ses_account, 1)  # the 500th: the volume SES judges by, at this send
    sent_at = ses_account.sent[-1].time
    rep = ses_account.reputation()
    assert (rep.volume, rep.status) == (500, "SHUTDOWN")
    assert (rep.changes[0].time, rep.changes[0].cause) == (
        sent_at,
        "bounce rate 99.80% >= 10.00%: sending paused",
    )


@PRODUCTION
def test_a_review_ends_paused_while_still_over_and_healthy_once_under(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=100, review_period=timedelta(days=3))
    ses_account.mailbox("@typo.example", outcome="bounce")
    good(ses_account, 94)
    bounced(ses_account, 6)
    ses_clock.advance(2)
    opened = ses_account.reputation().changes[0].time
    ses_clock.advance(timedelta(days=3) - timedelta(seconds=3))
    assert sesv2.get_account()["EnforcementStatus"] == "PROBATION"
    ses_clock.advance(2)
    assert sesv2.get_account()["EnforcementStatus"] == "SHUTDOWN"
    change = ses_account.reputation().changes[-1]
    assert change.time == opened + timedelta(days=3)
    assert change.cause == "review period ended, bounce rate 6.00% >= 5.00%: sending paused"
    # The team resolves it: back to HEALTHY, counted afresh.
    ses_account.set_review_outcome("resolved")
    assert sesv2.get_account()["EnforcementStatus"] == "HEALTHY"
    assert ses_account.reputation().volume == 0
    good(ses_account, 94)
    bounced(ses_account, 6)
    ses_clock.advance(2)
    assert ses_account.reputation().status == "PROBATION"
    good(ses_account, 200, start=1000)  # the rate falls under 5 % before the review ends
    ses_clock.advance(timedelta(days=3))
    rep = ses_account.reputation()
    assert rep.status == "HEALTHY"
    assert rep.changes[-1].cause == "review period ended, rates below the review thresholds"


@PRODUCTION
def test_old_mail_leaves_the_window(ses_account, ses_clock):
    ses_account.set_reputation_policy(minimum_volume=10, window=timedelta(days=2))
    ses_account.mailbox("@typo.example", outcome="bounce")
    ses_account.set_reputation_policy(enforced=False)
    bounced(ses_account, 4)
    good(ses_account, 6)
    ses_clock.advance(2)
    assert ses_account.reputation().bounce_rate == 0.4
    ses_clock.advance(timedelta(days=1))
    good(ses_account, 10)
    assert ses_account.reputation().bounce_rate == 0.2
    ses_clock.advance(timedelta(days=1, hours=1))
    rep = ses_account.reputation()
    assert (rep.bounce_rate, rep.volume, rep.status) == (0.0, 10, "HEALTHY")


@PRODUCTION
def test_the_outcome_of_a_review_is_set_by_the_test(ses_account, ses, ses_clock):
    with pytest.raises(ValueError, match="is HEALTHY: no review is open"):
        ses_account.set_review_outcome("paused")
    with pytest.raises(ValueError, match="valid outcomes: 'resolved', 'paused'"):
        ses_account.set_review_outcome("closed")
    ses_account.set_reputation_policy(minimum_volume=20)
    ses_account.mailbox("@typo.example", outcome="bounce")
    good(ses_account, 19)
    bounced(ses_account, 1)
    ses_clock.advance(2)
    assert ses_account.enforcement_status() == "PROBATION"
    ses_account.set_review_outcome("paused")
    assert ses_account.reputation().changes[-1].cause == "review ended: sending paused"
    with pytest.raises(ses.exceptions.MessageRejected):
        send(ses, "a@example.com")


def test_a_policy_is_checked(ses_account):
    with pytest.raises(ValueError, match=r"bounce_review=5\): a rate is a fraction"):
        ses_account.set_reputation_policy(bounce_review=5)
    with pytest.raises(ValueError, match="a pause threshold cannot be below its review"):
        ses_account.set_reputation_policy(bounce_pause=0.01)
    with pytest.raises(ValueError, match="minimum_volume=0"):
        ses_account.set_reputation_policy(minimum_volume=0)
    with pytest.raises(ValueError, match=r"window=.*expected a positive timedelta"):
        ses_account.set_reputation_policy(window=-1)
    policy = ses_account.set_reputation_policy(complaint_review=0.002, window=3600)
    assert (policy.complaint_review, policy.window, policy.bounce_review) == (
        0.002,
        timedelta(hours=1),
        0.05,
    )


def test_sesquota_serve_state_keeps_the_reputation(tmp_path):
    from pytest_sesquota import SesAccount
    from pytest_sesquota.clock.sesclock import DetachedClock
    from pytest_sesquota.serve.store import Store

    account = SesAccount(profile="production", max_send_rate=-1, clock=DetachedClock())
    account.set_reputation_policy(minimum_volume=20, review_period=3600)
    account.mailbox("@typo.example", outcome="bounce")
    good(account, 19)
    bounced(account, 1)
    account.clock.advance(2)
    before = account.reputation()
    assert before.status == "PROBATION"
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(account)
    finally:
        store.close()
    again = SesAccount(profile="production", clock=DetachedClock(account.clock.now()))
    store = Store(tmp_path / "ses.sqlite")
    try:
        assert store.load(again)
    finally:
        store.close()
    after = again.reputation()
    assert (after.volume, after.hard_bounces, after.status, after.changes) == (
        20,
        1,
        "PROBATION",
        before.changes,
    )
    assert (after.policy, after.review_ends) == (before.policy, before.review_ends)
    again.clock.advance(3600)
    assert again.enforcement_status() == "SHUTDOWN"


def test_the_control_api_sets_the_policy_and_the_review_outcome_of_a_served_account():
    from botocore.exceptions import ClientError
    from test_server import call, check, client, get

    from pytest_sesquota import SesAccount
    from pytest_sesquota.clock.sesclock import DetachedClock
    from pytest_sesquota.serve.server import SesHttpServer

    account = SesAccount(profile="production", max_send_rate=-1, clock=DetachedClock())
    with SesHttpServer(account) as server:
        endpoint = server.endpoint_url
        path = "/_sesquota/reputation/us-east-1"
        status, _h, body = call(endpoint, "PUT", path, {"minimum_volume": 20, "window": 86400})
        assert status == 200
        policy = check(json.loads(body), "Reputation")["policy"]
        assert (policy["minimum_volume"], policy["window"], policy["bounce_pause"]) == (
            20,
            86400.0,
            0.1,
        )
        call(
            endpoint,
            "POST",
            "/_sesquota/mailboxes",
            {"addresses": ["@typo.example"], "outcome": "bounce"},
        )
        v2 = client("sesv2", endpoint)
        for i in range(20):
            to = f"user{i}@typo.example" if i < 2 else f"user{i}@example.com"
            v2.send_email(
                FromEmailAddress="app@example.com",
                Destination={"ToAddresses": [to]},
                Content=SIMPLE,
            )
        call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 2})
        rep = check(get(endpoint, path), "Reputation")
        assert (rep["status"], rep["bounce_rate"], rep["volume"]) == ("SHUTDOWN", 0.1, 20)
        assert [c["status"] for c in rep["changes"]] == ["PROBATION", "SHUTDOWN"]
        with pytest.raises(ClientError) as err:
            v2.send_email(
                FromEmailAddress="app@example.com",
                Destination={"ToAddresses": ["a@example.com"]},
                Content=SIMPLE,
            )
        assert err.value.response["Error"] == {"Code": "MessageRejected", "Message": SUSPENDED}
        status, _h, body = call(endpoint, "PUT", path, {"review_outcome": "resolved"})
        rep = check(json.loads(body), "Reputation")
        assert (status, rep["status"], rep["volume"]) == (200, "HEALTHY", 0)
        assert v2.get_account()["EnforcementStatus"] == "HEALTHY"
        status, _h, body = call(endpoint, "PUT", path, {"review_outcome": "paused"})
        assert (status, json.loads(body)["message"]) == (
            400,
            "set_review_outcome('paused'): the account in us-east-1 is HEALTHY: no review is "
            "open and its sending is not paused",
        )
        status, _h, body = call(endpoint, "PUT", path, {"bounce_rate": 1})
        assert json.loads(body)["message"].startswith("Unknown field(s): bounce_rate.")


@pytest.mark.ses_quota(
    profile="production",
    max_send_rate=10_000,
    reputation={"minimum_volume": 20, "review_period": timedelta(hours=1)},
    # A region's entry is its whole policy: what it does not give is the default.
    regions={"eu-west-1": {"reputation": {"minimum_volume": 20, "enforced": False}}},
)
def test_the_marker_sets_each_region_s_policy(ses_account, sesv2, ses_clock):
    import boto3
    from conftest import NO_RETRIES

    ses_account.mailbox("@typo.example", outcome="bounce")
    europe = boto3.client("sesv2", region_name="eu-west-1", config=NO_RETRIES)
    for client in (sesv2, europe):
        for i in range(19):
            send_v2(client, f"user{i}@example.com")
        send_v2(client, "user@typo.example")  # 1 in 20: 5 %
    ses_clock.advance(2)
    rep = ses_account.reputation()
    assert (rep.status, rep.policy.minimum_volume, rep.policy.window) == (
        "PROBATION",
        20,
        timedelta(days=14),
    )
    assert rep.review_ends == rep.changes[0].time + timedelta(hours=1)
    europe_rep = ses_account.reputation("eu-west-1")
    assert (europe_rep.bounce_rate, europe_rep.status, europe_rep.changes) == (0.05, "HEALTHY", ())
    assert europe_rep.policy.review_period == timedelta(days=14)
    ses_clock.advance(3600)  # the hour-long review ends, still at 5 %
    assert sesv2.get_account()["EnforcementStatus"] == "SHUTDOWN"
    assert europe.get_account()["EnforcementStatus"] == "HEALTHY"


def test_the_ini_file_sets_the_policy_of_every_test(pytester: pytest.Pytester):
    pytester.makeini(
        "[pytest]\nses_quota_reputation = minimum_volume=20 bounce_review=0.02\n"
        "    enforced=false window=86400\n"
    )
    pytester.makepyfile(
        """
        from datetime import timedelta

        import pytest

        def test_it(ses_account):
            policy = ses_account.reputation().policy
            assert (policy.minimum_volume, policy.bounce_review, policy.enforced) == (
                20, 0.02, False
            )
            assert (policy.window, policy.bounce_pause) == (timedelta(days=1), 0.1)

        @pytest.mark.ses_quota(reputation={"minimum_volume": 50})
        def test_the_marker_wins(ses_account):
            assert ses_account.reputation().policy.minimum_volume == 50
            assert ses_account.reputation().policy.bounce_review == 0.05
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=2)


@PRODUCTION
def test_the_ses_conversation_shows_the_rates_against_the_thresholds_and_each_change(
    ses_account, ses_clock
):
    from pytest_sesquota.report.conversation import section_text

    assert "reputation" not in section_text(ses_account, "t")
    ses_account.set_reputation_policy(minimum_volume=20)
    ses_account.mailbox("@typo.example", outcome="bounce")
    good(ses_account, 19)
    bounced(ses_account, 1)
    ses_clock.advance(3)
    text = section_text(ses_account, "t")
    assert text.splitlines()[-4:] == [
        "reputation at +3.000s:",
        "  us-east-1  PROBATION: bounce rate 5.00% (review at 5.00%, pause at 10.00%), "
        "complaint rate 0.00% (review at 0.10%, pause at 0.50%), over 20 recipients",
        "    +1.000s PROBATION: bounce rate 5.00% >= 5.00%: under review",
        "    +14d00h00m01.000s the review period ends (virtual time still to come)",
    ]
    ses_clock.advance(timedelta(days=14))  # the mail has left the 14-day window by then
    assert section_text(ses_account, "t").splitlines()[-3:] == [
        "  us-east-1  HEALTHY: bounce rate 0.00% (review at 5.00%, pause at 10.00%), "
        "complaint rate 0.00% (review at 0.10%, pause at 0.50%), over 0 recipients (fewer than "
        "the 20 judged: the status cannot move yet)",
        "    +1.000s PROBATION: bounce rate 5.00% >= 5.00%: under review",
        "    +14d00h00m01.000s HEALTHY: review period ended, rates below the review thresholds",
    ]


@pytest.mark.ses_quota(
    profile="production", regions={"eu-west-1": {"reputation": {"enforced": False}}}
)
def test_the_ses_conversation_says_why_the_status_cannot_move(ses_account, ses_clock):
    from pytest_sesquota.report.conversation import section_text

    ses_account.mailbox("@typo.example", outcome="bounce")
    for region in ("us-east-1", "eu-west-1"):
        for to in ("a@typo.example", "b@example.com"):
            ses_account.send(
                region=region, operation="SendEmail", source="app@example.com", recipients=[to]
            )
    ses_clock.advance(2)
    assert section_text(ses_account, "t").splitlines()[-3:] == [
        "reputation at +2.000s:",
        "  us-east-1  HEALTHY: bounce rate 50.00% (review at 5.00%, pause at 10.00%), "
        "complaint rate 0.00% (review at 0.10%, pause at 0.50%), over 2 recipients (fewer than "
        "the 500 judged: the status cannot move yet)",
        "  eu-west-1  HEALTHY: bounce rate 50.00% (review at 5.00%, pause at 10.00%), "
        "complaint rate 0.00% (review at 0.10%, pause at 0.50%), over 2 recipients (not "
        "enforced: the rates never move the status)",
    ]


def test_the_rates_are_published_to_moto_s_cloudwatch_where_moto_is_active(monkeypatch):
    moto = pytest.importorskip("moto")
    import boto3

    from pytest_sesquota import SesAccount

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws(), SesAccount(profile="production", max_send_rate=-1) as account:
        account.mailbox("@typo.example", outcome="bounce")
        account.mailbox("angry@example.com", outcome="complaint")
        sesv2 = boto3.client("sesv2", region_name="us-east-1")
        for to in ["a@example.com", "b@example.com", "x@typo.example", "angry@example.com"]:
            sesv2.send_email(
                FromEmailAddress="app@example.com",
                Destination={"ToAddresses": [to]},
                Content=SIMPLE,
            )
        account.clock.advance(3)
        sesv2.get_account()  # a read judges what happened meanwhile
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        names = {
            m["MetricName"]: m["Dimensions"]
            for m in cloudwatch.list_metrics(Namespace="AWS/SES")["Metrics"]
        }
        assert names == {"Reputation.BounceRate": [], "Reputation.ComplaintRate": []}
        start = account.clock.start_time
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/SES",
            MetricName="Reputation.BounceRate",
            StartTime=start - timedelta(minutes=1),
            EndTime=start + timedelta(minutes=1),
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        assert [p["Maximum"] for p in points] == [0.25]
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/SES",
            MetricName="Reputation.ComplaintRate",
            StartTime=start - timedelta(minutes=1),
            EndTime=start + timedelta(minutes=1),
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        assert [p["Maximum"] for p in points] == [0.25]
