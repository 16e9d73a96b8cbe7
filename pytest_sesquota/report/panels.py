"""The quota picture's two panels for a region: recipients per second against
MaxSendRate (sent, refused, retried, dropped), and the rolling 24 hours against
Max24HourSend. Drawn on axes :mod:`.plot` gives them.
"""

from __future__ import annotations

__all__ = [
    "ACCEPTED",
    "ACCEPTED_RETRY",
    "BARS",
    "DAILY",
    "DAILY_RETRY",
    "DROPPED",
    "FAULTED",
    "FAULTED_RETRY",
    "KINDS",
    "LIMIT",
    "REJECTED",
    "SLEEP",
    "SLEEP_EDGE",
    "THROTTLED",
    "THROTTLED_RETRY",
    "USAGE",
    "draw_daily",
    "draw_rate",
]

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..quota.engine import UNLIMITED
from .timeline import LAYERS, RegionTimeline, Timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The gid of the per-second bars (their width is set once the layout is known).
BARS = "sesquota-bars"

# Each kind of outcome has a color, and a lighter one for its retries (an attempt sending
# again a message refused before): what was sent, refused and retried reads at a glance.
ACCEPTED = "#2e8b57"
ACCEPTED_RETRY = "#93d3a2"
THROTTLED = "#d62728"
THROTTLED_RETRY = "#f4a3a3"
DAILY = "#ff7f0e"
DAILY_RETRY = "#ffc98f"
FAULTED = "#9467bd"
FAULTED_RETRY = "#cdb9e3"
REJECTED = "#7f7f7f"
DROPPED = "#000000"
USAGE = "#1f77b4"
LIMIT = "#222222"
SLEEP = "#9ecae1"
SLEEP_EDGE = "#3182bd"

#: The stacked layers of the send-rate panel, bottom up: (kind of outcome, color, color of
#: its retries, what it is).
KINDS = (
    ("accepted", ACCEPTED, ACCEPTED_RETRY, "accepted"),
    ("throttled", THROTTLED, THROTTLED_RETRY, "throttled by the send rate"),
    ("throttled_daily", DAILY, DAILY_RETRY, "throttled by the daily quota"),
    ("faulted", FAULTED, FAULTED_RETRY, "failed by a transient fault"),
    ("rejected", REJECTED, REJECTED, "rejected"),
)
assert tuple(kind for kind, *_ in KINDS) == LAYERS


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


def _messages(count: int) -> str:
    return f"{count} message" + ("" if count == 1 else "s")


def _layers(region: RegionTimeline) -> list[tuple[dict[int, int], str, str]]:
    """The stacked layers, bottom up: each kind's first attempts, then its retries."""
    layers: list[tuple[dict[int, int], str, str]] = []
    for kind, color, retry_color, what in KINDS:
        counts = region.layer(kind)
        retried = region.retries.get(kind, {})
        first = {s: n - retried.get(s, 0) for s, n in counts.items() if n > retried.get(s, 0)}
        layers.append((first, color, f"{what} at the first attempt" if retried else what))
        if retried:
            layers.append((retried, retry_color, f"{what} on a retry"))
    return layers


def _draw_bucket(ax: Axes, region: RegionTimeline, scale: float, handles: list[Any]) -> None:
    """Hatch what a second accepted above MaxSendRate: the bucket's savings."""
    from matplotlib.patches import Patch

    over = region.over_the_rate()
    if not over:
        return
    ax.bar(
        [(s + 0.5) / scale for s in over],
        [accepted - rate for rate, accepted in over.values()],
        bottom=[rate for rate, _ in over.values()],
        width=0.85 / scale,
        fill=False,
        hatch="///",
        edgecolor="white",
        linewidth=0,
        zorder=3,
    )
    handles.append(
        Patch(
            facecolor=ACCEPTED,
            edgecolor="white",
            hatch="///",
            label="accepted above MaxSendRate: no violation, the token bucket\n"
            "spends what it saved up (burst) while it refills",
        )
    )


def draw_rate(ax: Axes, region: RegionTimeline, tl: Timeline, span: float, scale: float) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    seconds = region.seconds()
    x = [(s + 0.5) / scale for s in seconds]
    layers = _layers(region)
    _sleeps(ax, tl, scale)
    handles: list[Any] = []
    # Stacked, each second: accepted at the bottom, then the refusals. Drawn as
    # running totals from the top layer down, each from zero, so that where many
    # seconds share a pixel the tallest of each layer still shows (not the last).
    totals: list[list[int]] = []
    running = [0] * len(seconds)
    for counts, _, _ in layers:
        running = [r + counts.get(s, 0) for r, s in zip(running, seconds, strict=True)]
        totals.append(running)
    for (counts, color, _), tops in reversed(list(zip(layers, totals, strict=True))):
        drawn = [i for i, s in enumerate(seconds) if counts.get(s)]
        if drawn:
            ax.vlines(
                [x[i] for i in drawn],
                0,
                [tops[i] for i in drawn],
                colors=color,
                capstyle="butt",
                zorder=2,
                gid=BARS,
            )
    for counts, color, what in layers:
        recipients = sum(counts.values())
        if recipients:
            handles.append(Patch(color=color, label=f"{what} ({_count(recipients)})"))
    peak = max(running, default=0)
    if region.dropped:
        # Above the bar of the second where each dropped message was last refused.
        top = dict(zip(seconds, running, strict=True))
        lost: dict[int, int] = {}
        for t, _recipients in region.dropped:
            lost[math.floor(t)] = lost.get(math.floor(t), 0) + 1
        handles.append(
            ax.scatter(
                [(s + 0.5) / scale for s in lost],
                [top.get(s, 0) + max(peak, 1) * 0.06 for s in lost],
                marker="v",
                color=DROPPED,
                s=36,
                zorder=5,
                label=f"dropped: refused, never sent later ({_messages(len(region.dropped))})",
            )
        )
    xs, ys = _steps(region.max_send_rate, span, scale)
    label = _limit_label("MaxSendRate", region.max_send_rate, "per second")
    (line,) = ax.step(xs, ys, where="post", color=LIMIT, linestyle="--", linewidth=1.4, label=label)
    handles.append(line)
    _draw_bucket(ax, region, scale, handles)
    if tl.sleeps:
        handles.append(Patch(facecolor=SLEEP, edgecolor=SLEEP_EDGE, label="time.sleep (virtual)"))
    finite = [v for v in ys if not math.isnan(v)]
    ax.set_ylim(0, max(1.0, peak, *finite) * 1.25)
    ax.set_ylabel("recipients per second")
    ax.set_title(
        f"{region.region}: send rate, recipients sent and refused in each virtual second",
        loc="left",
        fontsize="medium",
    )
    if not seconds:
        ax.text(0.5, 0.5, "no send in this region", transform=ax.transAxes, ha="center")
        handles.insert(0, Line2D([], [], linestyle="none", label="no send"))
    _legend(ax, handles)


def draw_daily(ax: Axes, region: RegionTimeline, tl: Timeline, span: float, scale: float) -> None:
    from matplotlib.patches import Patch

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
