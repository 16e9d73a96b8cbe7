"""The quota timeline picture: one test's sending over virtual time.

Drawn with matplotlib (the optional extra ``pytest-sesquota[plot]``) on a figure
of its own with an Agg canvas: pyplot, the global backend and rcParams are never
touched, so a user's own matplotlib setup is left as it was.
"""

from __future__ import annotations

import importlib
import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..account.account import Account
from ..quota.engine import UNLIMITED
from .timeline import RegionTimeline, Timeline, timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INSTALL = 'pip install "pytest-sesquota[plot]"'
#: A test shorter than this still gets this much time axis (seconds).
MIN_SPAN = 5.0
#: At most this many regions are drawn (the ones sending, the main region first).
MAX_REGIONS = 3

ACCEPTED = "#2e8b57"
THROTTLED = "#d62728"
DAILY = "#ff7f0e"
USAGE = "#1f77b4"
LIMIT = "#222222"
SLEEP = "#9ecae1"
SLEEP_EDGE = "#3182bd"

#: (longest span in seconds, seconds per unit, unit name) for the time axis.
_UNITS = (
    (180.0, 1.0, "seconds"),
    (3 * 3600.0, 60.0, "minutes"),
    (3 * 86_400.0, 3600.0, "hours"),
    (math.inf, 86_400.0, "days"),
)


class PlotUnavailable(RuntimeError):
    """matplotlib cannot be imported; the text says how to install it."""


@contextmanager
def quiet_matplotlib() -> Iterator[None]:
    """Silence matplotlib's own deprecation warnings (an older matplotlib calling a
    newer pyparsing's old names, say): they are for its developers, and a suite run
    with ``filterwarnings = error`` must not fail because it asked for a picture."""
    with warnings.catch_warnings():
        for module in (r"matplotlib(\..*)?$", r"pyparsing(\..*)?$"):
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=module)
        yield


def require_matplotlib(what: str = "--ses-quota-plot") -> None:
    """Raise :class:`PlotUnavailable` (with the install command) without matplotlib."""
    try:
        with quiet_matplotlib():
            importlib.import_module("matplotlib")
            importlib.import_module("matplotlib.backends.backend_agg")
    except ImportError as error:
        raise PlotUnavailable(
            f"{what} draws pictures with matplotlib, which cannot be imported ({error}). "
            f"Install it with: {INSTALL}"
        ) from None


def time_unit(span: float) -> tuple[float, str]:
    """Seconds per unit and the unit's name for a time axis ``span`` seconds long."""
    for longest, scale, name in _UNITS:
        if span <= longest:
            return scale, name
    raise AssertionError("unreachable")  # pragma: no cover


def _steps(
    points: Sequence[tuple[float, float]], end: float, scale: float
) -> tuple[list[float], list[float]]:
    """A step series (each value holding until the next) up to ``end``, in the
    axis' unit; unlimited values (-1) become gaps."""
    xs = [t / scale for t, _ in points] + [end / scale]
    ys = [math.nan if v == UNLIMITED else v for _, v in points]
    return xs, [*ys, ys[-1]] if ys else []


def _sleeps(ax: Axes, tl: Timeline, scale: float) -> None:
    """Sleeps as a strip along the top of the axes: each one as long as it slept,
    and at least a hairline, so that thousands of short back-offs stay readable."""
    if not tl.sleeps:
        return
    ax.broken_barh(
        [(t / scale, s / scale) for t, s in tl.sleeps],
        (0.93, 0.07),
        transform=ax.get_xaxis_transform(),
        facecolors=SLEEP,
        edgecolors=SLEEP_EDGE,
        linewidth=0.6,
        zorder=3,
    )


def _legend(ax: Axes, handles: list[Any]) -> None:
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize="small",
    )


def _limit_label(name: str, points: Sequence[tuple[float, float]], unit: str) -> str:
    values = {v for _, v in points}
    if values == {UNLIMITED}:
        return f"{name}: unlimited"
    if len(values) == 1:
        return f"{name} = {next(iter(values)):g} {unit}"
    return f"{name} ({unit}; changed during the test)"


def _count(recipients: int) -> str:
    return f"{recipients} recipient" + ("" if recipients == 1 else "s")


def _end_marker(ax: Axes, tl: Timeline, span: float, scale: float) -> None:
    if span > tl.end:  # the axis runs past the end of a short test: say where it ended
        ax.axvspan(tl.end / scale, span / scale * 1.01, color="#f2f2f2", zorder=0, linewidth=0)


def _draw_rate(
    ax: Axes, region: RegionTimeline, tl: Timeline, span: float, scale: float, bar_pt: float
) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    seconds = sorted(set(region.accepted) | set(region.throttled) | set(region.throttled_daily))
    x = [(s + 0.5) / scale for s in seconds]
    layers = [
        (region.accepted, ACCEPTED, "accepted"),
        (region.throttled, THROTTLED, "throttled by the send rate"),
        (region.throttled_daily, DAILY, "throttled by the daily quota"),
    ]
    _end_marker(ax, tl, span, scale)
    _sleeps(ax, tl, scale)
    handles: list[Any] = []
    # Stacked, each second: accepted at the bottom, then the throttled. Drawn as
    # running totals from the top layer down, each from zero, so that where many
    # seconds share a pixel the tallest of each layer still shows (not the last).
    totals: list[list[int]] = []
    running = [0] * len(seconds)
    for counts, _, _ in layers:
        running = [r + counts.get(s, 0) for r, s in zip(running, seconds, strict=True)]
        totals.append(running)
    for (counts, color, _), tops in reversed(list(zip(layers, totals, strict=True))):
        recipients = sum(counts.values())
        if recipients:
            ax.vlines(x, 0, tops, colors=color, linewidth=bar_pt, capstyle="butt", zorder=2)
    for counts, color, what in layers:
        recipients = sum(counts.values())
        if recipients:
            handles.append(Patch(color=color, label=f"{what} ({_count(recipients)} in all)"))
    peak = max(running, default=0)
    xs, ys = _steps(region.max_send_rate, span, scale)
    label = _limit_label("MaxSendRate", region.max_send_rate, "per second")
    (line,) = ax.step(xs, ys, where="post", color=LIMIT, linestyle="--", linewidth=1.4, label=label)
    handles.append(line)
    if tl.sleeps:
        handles.append(Patch(facecolor=SLEEP, edgecolor=SLEEP_EDGE, label="time.sleep (virtual)"))
    if span > tl.end:
        handles.append(Patch(color="#f2f2f2", label="after the test ended"))
    finite = [v for v in ys if not math.isnan(v)]
    ax.set_ylim(0, max(1.0, peak, *finite) * 1.25)
    ax.set_ylabel("recipients per second")
    ax.set_title(
        f"{region.region}: send rate, recipients accepted and throttled in each virtual second",
        loc="left",
        fontsize="medium",
    )
    if not seconds:
        ax.text(0.5, 0.5, "no send in this region", transform=ax.transAxes, ha="center")
        handles.insert(0, Line2D([], [], linestyle="none", label="no send"))
    _legend(ax, handles)


def _draw_daily(ax: Axes, region: RegionTimeline, tl: Timeline, span: float, scale: float) -> None:
    from matplotlib.patches import Patch

    _end_marker(ax, tl, span, scale)
    _sleeps(ax, tl, scale)
    handles: list[Any] = []
    usage = [(t, float(v)) for t, v in region.sent_last_24_hours if t <= tl.end]
    xs, ys = _steps(usage, tl.end, scale)
    if xs:
        ax.fill_between(xs, ys, step="post", color=USAGE, alpha=0.15, linewidth=0)
        (line,) = ax.step(
            xs, ys, where="post", color=USAGE, linewidth=2, label="SentLast24Hours (rolling count)"
        )
        handles.append(line)
    peak = max([0.0, *(v for v in ys if not math.isnan(v))])
    lx, ly = _steps(region.max_24_hour_send, span, scale)
    limits = [v for v in ly if not math.isnan(v)]
    label = _limit_label("Max24HourSend", region.max_24_hour_send, "per 24 hours")
    top = max([peak, *limits, 1.0]) * 1.15
    if limits and peak > 0 and min(limits) > 4 * peak:
        # Far below the quota: draw the usage readably and say where the quota is.
        top = max(peak * 1.4, 10.0)
        label += " (far above this scale)"
        ax.text(
            0.99,
            0.86,
            f"Max24HourSend {max(limits):g} is far above: at most {peak:g} sent in 24 h",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize="small",
            color=LIMIT,
        )
    (limit,) = ax.step(
        lx, ly, where="post", color=LIMIT, linestyle="--", linewidth=1.4, label=label
    )
    handles.append(limit)
    if region.daily_throttles:
        handles.append(
            ax.scatter(
                [t / scale for t, _ in region.daily_throttles],
                [v for _, v in region.daily_throttles],
                marker="x",
                color=DAILY,
                s=30,
                zorder=4,
                label=f"throttled by the daily quota ({len(region.daily_throttles)} sends)",
            )
        )
    if tl.sleeps:
        handles.append(Patch(facecolor=SLEEP, edgecolor=SLEEP_EDGE, label="time.sleep (virtual)"))
    ax.set_ylim(0, top)
    ax.set_ylabel("recipients sent in\nthe last 24 hours")
    end_value = usage[-1][1] if usage else 0
    limit_now = region.max_24_hour_send[-1][1] if region.max_24_hour_send else UNLIMITED
    of = "unlimited" if limit_now == UNLIMITED else f"{limit_now:g}"
    ax.set_title(
        f"{region.region}: rolling 24 hours, SentLast24Hours against Max24HourSend "
        f"(at the end: {end_value:g} of {of})",
        loc="left",
        fontsize="medium",
    )
    _legend(ax, handles)


def build_figure(tl: Timeline) -> Figure:
    """The picture of ``tl`` as a matplotlib :class:`~matplotlib.figure.Figure` on an
    Agg canvas (not registered with pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    regions = tl.regions[:MAX_REGIONS]
    span = max(tl.end, MIN_SPAN)
    scale, unit = time_unit(span)
    width_in = 13.0
    fig = Figure(figsize=(width_in, 1.2 + 5.0 * len(regions)), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2 * len(regions), 1, sharex=True, squeeze=False)[:, 0]
    # A bar one virtual second wide as drawn on the axis (the axes take ~68% of the
    # figure's width beside the legends), never thinner than a visible line.
    axes_pt = width_in * 72 * 0.68
    bar_pt = max(0.8, min(0.85 * axes_pt / span, 60.0))
    for i, region in enumerate(regions):
        _draw_rate(axes[2 * i], region, tl, span, scale, bar_pt)
        _draw_daily(axes[2 * i + 1], region, tl, span, scale)
    # The axis shows every second drawn (a test may end inside its last one), with
    # a margin on the left so that what happened at +0s is not hidden by the spine.
    last = max(
        (s + 1 for r in regions for s in (*r.accepted, *r.throttled, *r.throttled_daily)), default=0
    )
    right = max(span, last) / scale
    for ax in axes:
        ax.set_xlim(-0.012 * right, right * 1.012)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    axes[-1].set_xlabel(f"virtual time since the test started ({unit})")
    title = "\n".join(textwrap.wrap(f"SES sending over virtual time: {tl.test_id}", 110))
    notes = [
        f"fake SES account (pytest-sesquota); virtual start {tl.start:%Y-%m-%d %H:%M:%S} UTC, "
        f"the test ran {_duration(tl.end)} of virtual time"
    ]
    if len(tl.regions) > MAX_REGIONS:
        notes.append("not drawn: " + ", ".join(r.region for r in tl.regions[MAX_REGIONS:]))
    fig.suptitle(f"{title}\n{'; '.join(notes)}", fontsize="large")
    return fig


def _duration(seconds: float) -> str:
    scale, unit = time_unit(seconds)
    value = seconds / scale
    return f"{value:.3g} {unit[:-1] if f'{value:.3g}' == '1' else unit}"


def render_png(account: Account, test_id: str = "") -> bytes:
    """The account's quota timeline picture as PNG bytes (needs matplotlib)."""
    require_matplotlib("the quota timeline picture")
    buffer = io.BytesIO()
    with quiet_matplotlib():
        build_figure(timeline(account, test_id)).savefig(buffer, format="png")
    return buffer.getvalue()


def write_png(account: Account, path: Path, test_id: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_png(account, test_id))
    return path
