"""The quota timeline picture: what the figure plots, and the PNG it becomes."""

from __future__ import annotations

import io
import sys
import warnings

import matplotlib
import matplotlib.image
import pytest
from botocore.exceptions import ClientError
from conftest import send
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba

from pytest_sesquota.report import panels as _panels
from pytest_sesquota.report import plot as _plot
from pytest_sesquota.report.timeline import timeline


def figure(account, test_id="tests/test_x.py::test_it"):
    return _plot.build_figure(timeline(account, test_id))


def bars(ax, color):
    """Per-second bars of one color: {x: top}."""
    for collection in ax.collections:
        if not isinstance(collection, LineCollection):
            continue
        colors = collection.get_colors()
        if len(colors) and tuple(colors[0]) == to_rgba(color):
            return {round(float(s[0][0]), 3): float(s[1][1]) for s in collection.get_segments()}
    return {}


def line(ax, label_start):
    (found,) = [ln for ln in ax.get_lines() if ln.get_label().startswith(label_start)]
    return list(found.get_xdata()), list(found.get_ydata())


def raw_rc_params():
    """rcParams as stored: reading 'backend' the usual way would import pyplot."""
    params = matplotlib.rcParams
    return {key: dict.__getitem__(params, key) for key in dict.keys(params)}


def legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.ses_quota(profile="sandbox")
def test_a_short_throttling_test(ses_account, ses):
    send(ses, "a@example.com", "b@example.com")
    for _ in range(2):
        with pytest.raises(ClientError):
            send(ses, "c@example.com")
    ses_account.clock.sleep(2.5)
    send(ses, "c@example.com")
    fig = figure(ses_account)
    rate, daily = fig.axes[:2]
    assert len(fig.axes) == 2
    assert fig._suptitle.get_text() == (
        "SES sending over virtual time: tests/test_x.py::test_it\n"
        "fake SES account (pytest-sesquota); virtual start 2026-01-01 00:00:00 UTC, "
        "the test ran 2.5 seconds of virtual time\n"
        "messages: 2 accepted, 2 throttled by the send rate, 2 retries"
    )
    assert rate.get_title(loc="left") == (
        "us-east-1: send rate, recipients sent and refused in each virtual second"
    )
    assert daily.get_xlabel() == "virtual time since the test started (seconds)"
    assert rate.get_ylabel() == "recipients per second"
    # Stacked per second, drawn as running totals: accepted at the first attempt from 0,
    # then the throttled (the first attempt, then the retry), then c's accepted retry.
    assert bars(rate, _panels.ACCEPTED) == {0.5: 2.0}
    assert bars(rate, _panels.THROTTLED) == {0.5: 3.0}
    assert bars(rate, _panels.THROTTLED_RETRY) == {0.5: 4.0}
    assert bars(rate, _panels.ACCEPTED_RETRY) == {2.5: 1.0}
    assert line(rate, "MaxSendRate") == ([0.0, 3.0], [1.0, 1.0])
    assert legend(rate) == [
        "accepted at the first attempt (2 recipients)",
        "accepted on a retry (1 recipient)",
        "throttled by the send rate at the first attempt (1 recipient)",
        "throttled by the send rate on a retry (1 recipient)",
        "MaxSendRate = 1 per second",
        "accepted above MaxSendRate: no violation, the token bucket\n"
        "spends what it saved up (burst) while it refills",
        "time.sleep (virtual)",
    ]
    assert line(daily, "SentLast24Hours") == ([0.0, 0.0, 2.5, 2.5], [0.0, 2.0, 3.0, 3.0])
    assert legend(daily)[1] == "Max24HourSend = 200 per 24 hours (far above this scale)"
    assert daily.get_ylim() == (0.0, 10.0)
    # The axis ends with the last second drawn: no empty seconds after the test, no
    # shading a bar could run into.
    assert rate.get_xlim()[1] == pytest.approx(3 * 1.012)
    assert [p for p in rate.patches if p.get_label() == "after the test ended"] == []


@pytest.mark.ses_quota(profile="sandbox")
def test_a_one_second_test_gets_a_one_second_axis(ses_account, ses):
    send(ses, "a@example.com")
    ses_account.clock.sleep(0.4)
    rate = figure(ses_account).axes[0]
    assert rate.get_xlim() == pytest.approx((-0.012, 1.012))
    # The bar fills its second (less a gap), whatever the layout left the axes.
    (bar,) = [c for c in rate.collections if c.get_gid() == _panels.BARS]
    width_pt = rate.get_window_extent().width * 72 / rate.figure.dpi
    assert bar.get_linewidth()[0] == pytest.approx(0.85 * width_pt / 1.024)


@pytest.mark.ses_quota(profile="production")  # 14 per second
def test_a_second_above_max_send_rate_shows_the_bucket(ses_account, ses):
    for n in range(14):
        send(ses, f"u{n}@example.com")
    ses_account.clock.sleep(0.5)
    for n in range(7):  # half a second's refill
        send(ses, f"v{n}@example.com")
    with pytest.raises(ClientError):
        send(ses, "w@example.com")
    rate = figure(ses_account).axes[0]
    assert bars(rate, _panels.ACCEPTED) == {0.5: 21.0}
    (hatched,) = rate.patches[-1:]
    assert hatched.get_hatch() == "///"
    assert (hatched.get_y(), hatched.get_height()) == (14.0, 7.0)  # above MaxSendRate
    assert hatched.get_width() == pytest.approx(0.85)
    assert legend(rate)[:2] == [
        "accepted (21 recipients)",
        "throttled by the send rate (1 recipient)",
    ]
    assert legend(rate)[3].startswith("MaxSendRate = 14")  # after w, dropped
    assert legend(rate)[4].startswith("accepted above MaxSendRate: no violation")


@pytest.mark.ses_quota(
    profile="sandbox", verified=["app@example.com", "a@example.com", "b@example.com"]
)
def test_dropped_and_rejected_messages_are_marked(ses_account, ses):
    send(ses, "a@example.com")
    for _ in range(2):  # b is refused twice, and never sent: dropped
        with pytest.raises(ClientError):
            send(ses, "b@example.com")
        ses_account.clock.sleep(0.25)
    ses_account.clock.advance(seconds=1)
    with pytest.raises(ClientError):
        send(ses, "c@example.com")  # not verified, in the sandbox
    fig = figure(ses_account)
    rate = fig.axes[0]
    (dropped,) = [c for c in rate.collections if c.get_label().startswith("dropped")]
    # Above the bar of the second b was last refused in: 1 accepted + 2 throttled.
    assert dropped.get_offsets().tolist() == [[0.5, 3 + 3 * 0.06]]
    assert dropped.get_label() == "dropped: refused, never sent later (1 message)"
    assert bars(rate, _panels.REJECTED) == {1.5: 1.0}
    assert "rejected (1 recipient)" in legend(rate)
    assert fig._suptitle.get_text().splitlines()[-1] == (
        "messages: 1 accepted, 2 throttled by the send rate, 1 rejected, 1 retry, 1 dropped"
    )


@pytest.mark.ses_quota(transient_failures=1, seed=3)
def test_transient_faults_are_drawn(ses_account, ses):
    for _ in range(3):
        with pytest.raises(ClientError):
            send(ses, "a@example.com")
    rate = figure(ses_account).axes[0]
    assert bars(rate, _panels.FAULTED) == {0.5: 1.0}
    assert bars(rate, _panels.FAULTED_RETRY) == {0.5: 3.0}
    assert legend(rate)[:3] == [
        "failed by a transient fault at the first attempt (1 recipient)",
        "failed by a transient fault on a retry (2 recipients)",
        "dropped: refused, never sent later (1 message)",
    ]


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=199)
def test_a_daily_quota_over_days_is_drawn_in_days(ses_account, ses):
    send(ses, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "b@example.com")
    ses_account.clock.advance(days=3, hours=12)
    send(ses, "b@example.com")
    ses_account.set_quota(max_24_hour_send=500, max_send_rate=-1)
    rate, daily = figure(ses_account).axes
    assert daily.get_xlabel() == "virtual time since the test started (days)"
    # Drawn as running totals: accepted + throttled by the daily quota, per second.
    assert bars(rate, _panels.DAILY) == {0.0: 2.0}
    assert legend(rate)[1:4] == [
        "accepted on a retry (1 recipient)",  # b, three and a half days later
        "throttled by the daily quota (1 recipient)",
        "MaxSendRate (per second; changed during the test)",
    ]
    _, ys = line(rate, "MaxSendRate")
    assert ys[:1] == [1.0] and all(y != y for y in ys[1:])  # unlimited: no line (NaN)
    assert line(daily, "Max24HourSend")[1] == [200.0, 500.0, 500.0]
    (throttles,) = [c for c in daily.collections if c.get_label().startswith("throttled")]
    assert throttles.get_offsets().tolist() == [[0.0, 200.0]]
    assert daily.get_title(loc="left") == (
        "us-east-1: rolling 24 hours, SentLast24Hours against Max24HourSend (at the end: 1 of 500)"
    )
    usage = line(daily, "SentLast24Hours")[1]
    assert usage[:3] == [199.0, 200.0, 0.0] and usage[-1] == 1.0  # 24 h later, all gone


@pytest.mark.parametrize(
    ("seconds", "unit"),
    [
        (3, "seconds"),
        (180, "seconds"),
        (181, "minutes"),
        (2 * 3600, "minutes"),
        (5 * 3600, "hours"),
        (3 * 86_400, "hours"),
        (4 * 86_400, "days"),
    ],
)
def test_time_units(seconds, unit):
    assert _plot.time_unit(seconds)[1] == unit


def test_every_region_sending_is_drawn_main_first(ses_account):
    for region in ("eu-west-1", "us-east-1"):
        ses_account.send(
            region=region, operation="SendEmail", source="a@x.org", recipients=["b@x.org"]
        )
    axes = figure(ses_account).axes
    assert [ax.get_title(loc="left").split(":")[0] for ax in axes] == [
        "us-east-1",
        "us-east-1",
        "eu-west-1",
        "eu-west-1",
    ]


@pytest.mark.ses_quota(profile="sandbox")
def test_the_png_shows_the_bars(ses_account, ses):
    send(ses, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "b@example.com")
    before = raw_rc_params()
    data = _plot.render_png(ses_account, "tests/test_x.py::test_it")
    image = matplotlib.image.imread(io.BytesIO(data), format="png")  # height x width x RGBA
    assert image.shape[:2] == (620, 1300)
    rgb = image[..., :3]

    def pixels(color):
        return int((abs(rgb - to_rgba(color)[:3]) < 0.5 / 255).all(axis=2).sum())

    # One bar, a virtual second wide on an axis of 1 s: thousands of pixels of each.
    assert pixels(_panels.ACCEPTED) > 20_000
    assert pixels(_panels.THROTTLED) > 20_000
    assert pixels(_panels.DAILY) == 0
    # The user's matplotlib is left alone.
    assert "matplotlib.pyplot" not in sys.modules
    assert raw_rc_params() == before


def test_without_matplotlib_the_picture_says_how_to_install_it(ses_account, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(_plot.PlotUnavailable) as err:
        _plot.render_png(ses_account)
    assert str(err.value).endswith('Install it with: pip install "pytest-sesquota[plot]"')


def test_matplotlibs_own_deprecation_warnings_do_not_fail_a_suite():
    with _plot.quiet_matplotlib():
        warnings.warn_explicit("old name", DeprecationWarning, "x.py", 1, "matplotlib._x")
        warnings.warn_explicit("old name", DeprecationWarning, "x.py", 1, "pyparsing.util")
    with pytest.raises(DeprecationWarning), _plot.quiet_matplotlib():
        warnings.warn_explicit("yours", DeprecationWarning, "x.py", 1, "myapp")
