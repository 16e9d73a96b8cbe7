"""The quota picture's reputation panels: the bounce and complaint rates over virtual time
against the thresholds, and the moments the status changed."""

from __future__ import annotations

import io
from datetime import timedelta

import matplotlib.image
import pytest
from conftest import send_v2
from test_plot import figure, legend, line

from pytest_sesquota.report import reputation_panel as _panel
from pytest_sesquota.report.timeline import timeline

PRODUCTION = pytest.mark.ses_quota(profile="production", max_send_rate=10_000)


def vlines(ax):
    """The marks of the changes of status: {label: x}."""
    return {
        ln.get_label(): ln.get_xdata()[0]
        for ln in ax.get_lines()
        if ln.get_linestyle() == ":" and not ln.get_label().startswith("_")
    }


def _rects(collection):
    spans = []
    for path in collection.get_paths():
        xs = [v[0] for v in path.vertices]
        spans.append((min(xs), max(xs) - min(xs)))
    return spans


@PRODUCTION
def test_the_rates_are_drawn_against_the_thresholds_with_each_change_of_status(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=20)
    ses_account.mailbox("@typo.example", outcome="bounce")
    ses_account.mailbox("angry@example.net", outcome="complaint")
    for i in range(18):
        send_v2(sesv2, f"user{i}@example.com")
    send_v2(sesv2, "user1@typo.example")  # its hard bounce: 1 s later, 1 in 20
    send_v2(sesv2, "angry@example.net")  # its complaint: 2 s later, 1 in 20
    ses_clock.advance(10)
    ses_account.set_review_outcome("resolved")  # counted afresh from +10 s
    ses_clock.advance(3600 - 10)
    for i in range(10):
        send_v2(sesv2, f"later{i}@example.com")
    ses_clock.advance(3600)
    tl = timeline(ses_account, "t")
    (rep,) = tl.reputation
    assert rep.rates == [
        (0.0, 0.0, 0.0, 20),
        (1.0, 0.05, 0.0, 20),
        (2.0, 0.05, 0.05, 20),
        (10.0, 0.0, 0.0, 0),
        (3600.0, 0.0, 0.0, 10),
    ]
    # The replay agrees with what the account judged, at each change.
    probation, shutdown, healthy = (change for _, change in rep.changes)
    assert (probation.bounce_rate, probation.complaint_rate) == (0.05, 0.0)
    assert (shutdown.bounce_rate, shutdown.complaint_rate) == (0.05, 0.05)
    assert (healthy.bounce_rate, healthy.complaint_rate) == (0.05, 0.05)  # as it was resolved
    assert [(t, c.status) for t, c in rep.changes] == [
        (1.0, "PROBATION"),
        (2.0, "SHUTDOWN"),
        (10.0, "HEALTHY"),
    ]
    assert rep.unjudged(tl.end) == [(10.0, 7200.0)]
    fig = figure(ses_account)
    _rate, _daily, bounces, complaints = fig.axes
    assert bounces.get_xlabel() == "" and complaints.get_xlabel() == (
        "virtual time since the test started (minutes)"
    )
    assert bounces.get_title(loc="left") == (
        "us-east-1: bounce rate against the review and pause thresholds "
        "(at the end: 0.00% of 10 recipients, HEALTHY)"
    )
    assert complaints.get_ylabel() == "complaint rate (%)"
    # In percent, in minutes.
    assert line(bounces, "bounce rate") == (
        [0.0, 1 / 60, 2 / 60, 10 / 60, 60.0, 120.0],
        [0.0, 5.0, 5.0, 0.0, 0.0, 0.0],
    )
    assert line(complaints, "complaint rate")[1] == [0.0, 0.0, 5.0, 0.0, 0.0, 0.0]
    assert line(bounces, "review at")[1] == [5.0, 5.0]
    assert line(complaints, "pause at")[1] == [0.5, 0.5]
    assert (
        vlines(bounces)
        == vlines(complaints)
        == {
            "+1.000s PROBATION": 1 / 60,
            "+2.000s SHUTDOWN": 2 / 60,
            "+10.000s HEALTHY": 10 / 60,
        }
    )
    assert _rects(_status_bars(bounces, "PROBATION")) == [(1 / 60, 1 / 60)]
    assert _rects(_status_bars(bounces, "SHUTDOWN")) == [(2 / 60, 8 / 60)]
    assert legend(bounces) == [
        "bounce rate (over 14 days)",
        "review at 5.00%",
        "pause at 10.00%",
        "fewer than 20 recipients in the window:\nnot judged yet",
        "under review (PROBATION)",
        "sending paused (SHUTDOWN)",
        "+1.000s PROBATION: bounce rate 5.00% >= 5.00%: under review",
        "+2.000s SHUTDOWN: complaint rate 5.00% >= 0.50%: sending\npaused",
        "+10.000s HEALTHY: review resolved",
    ]
    assert legend(complaints) == [
        "complaint rate (over 14 days)",
        "review at 0.10%",
        "pause at 0.50%",
        "fewer than 20 recipients in the window:\nnot judged yet",
        "under review (PROBATION)",
        "sending paused (SHUTDOWN)",
    ]
    # The scale holds the pause threshold and the highest rate judged, below the strip.
    assert bounces.get_ylim() == pytest.approx((0.0, 13.0))
    assert complaints.get_ylim() == pytest.approx((0.0, 6.0))
    # Two panels more, as tall as the others.
    data = _render(ses_account)
    assert matplotlib.image.imread(io.BytesIO(data), format="png").shape[:2] == (1120, 1300)


def _status_bars(ax, status):
    (bars,) = [c for c in ax.collections if c.get_label().endswith(f"({status})")]
    return bars


def _render(account):
    from pytest_sesquota.report.plot import render_png

    return render_png(account, "t")


@PRODUCTION
def test_old_mail_leaves_the_window_hour_by_hour(ses_account, sesv2, ses_clock):
    ses_account.set_reputation_policy(minimum_volume=10, window=timedelta(days=2), enforced=False)
    ses_account.mailbox("@typo.example", outcome="bounce")
    for i in range(4):
        send_v2(sesv2, f"user{i}@typo.example")
    for i in range(6):
        send_v2(sesv2, f"user{i}@example.com")
    ses_clock.advance(timedelta(days=1, seconds=2))
    for i in range(10):
        send_v2(sesv2, f"later{i}@example.com")
    ses_clock.advance(timedelta(days=1, hours=1))
    (rep,) = timeline(ses_account, "t").reputation
    # The hour of the first sends leaves the 2-day window at +2 days.
    assert rep.rates == [
        (0.0, 0.0, 0.0, 10),
        (1.0, 0.4, 0.0, 10),
        (86_402.0, 0.2, 0.0, 20),
        (172_800.0, 0.0, 0.0, 10),
    ]
    assert ses_account.reputation().bounce_rate == 0.0
    assert rep.changes == [] and rep.unjudged(176_402.0) == []
    bounces = figure(ses_account).axes[2]
    assert bounces.get_title(loc="left").endswith(
        "HEALTHY); not enforced: the rates never move the status"
    )
    assert legend(bounces) == ["bounce rate (over 2 days)", "review at 5.00%", "pause at 10.00%"]
    assert line(bounces, "bounce rate")[1] == [0.0, 40.0, 20.0, 0.0, 0.0]


@PRODUCTION
def test_a_rate_over_too_few_recipients_to_judge_is_off_the_scale(ses_account, sesv2, ses_clock):
    ses_account.mailbox("@typo.example", outcome="bounce")
    for to in ["a@typo.example", "b@typo.example", "c@typo.example"] + [
        f"user{i}@example.com" for i in range(7)
    ]:
        send_v2(sesv2, to)
    ses_clock.advance(2)
    bounces = figure(ses_account).axes[2]
    assert line(bounces, "bounce rate")[1] == [0.0, 30.0, 30.0]
    assert bounces.get_ylim() == pytest.approx((0.0, 13.0))  # the thresholds' scale
    assert legend(bounces)[:2] == [
        "bounce rate (over 14 days)",
        "(off this scale while not judged: up to 30.00%)",
    ]
    assert legend(bounces)[-1] == "fewer than 500 recipients in the window:\nnot judged yet"


@PRODUCTION
def test_nothing_is_drawn_of_a_reputation_nothing_moved(ses_account, sesv2, ses_clock):
    ses_account.set_reputation_policy(minimum_volume=10)
    # The simulator's bounces and complaints, a soft bounce: none counts.
    ses_account.mailbox(
        "full@example.com", outcome="bounce", bounce_type="Transient", bounce_sub_type="MailboxFull"
    )
    for to in [
        "bounce@simulator.amazonses.com",
        "complaint@simulator.amazonses.com",
        "full@example.com",
    ] * 5:
        send_v2(sesv2, to)
    ses_clock.advance(5)
    tl = timeline(ses_account, "t")
    assert tl.reputation == []
    assert len(figure(ses_account).axes) == 2


@PRODUCTION
def test_a_bounce_still_on_its_way_at_the_end_is_not_drawn(ses_account, sesv2):
    ses_account.mailbox("@typo.example", outcome="bounce")
    send_v2(sesv2, "user@typo.example")  # its bounce would come 1 s after the test
    assert timeline(ses_account, "t").reputation == []


@PRODUCTION
def test_each_region_gets_its_own_panels(ses_account, ses_clock):
    ses_account.mailbox("@typo.example", outcome="bounce")
    for region, to in (("eu-west-1", "a@typo.example"), ("us-east-1", "b@example.com")):
        ses_account.send(
            region=region, operation="SendEmail", source="app@example.com", recipients=[to]
        )
    ses_clock.advance(2)
    axes = figure(ses_account).axes
    assert [ax.get_title(loc="left").split(": ")[:2] for ax in axes] == [
        ["us-east-1", "send rate, recipients sent and refused in each virtual second"],
        ["us-east-1", "rolling 24 hours, SentLast24Hours against Max24HourSend (at the end"],
        ["eu-west-1", "send rate, recipients sent and refused in each virtual second"],
        ["eu-west-1", "rolling 24 hours, SentLast24Hours against Max24HourSend (at the end"],
        ["eu-west-1", "bounce rate against the review and pause thresholds (at the end"],
        ["eu-west-1", "complaint rate against the review and pause thresholds (at the end"],
    ]
    assert _panel.STATUS_COLORS.keys() == {"PROBATION", "SHUTDOWN", "HEALTHY"}
