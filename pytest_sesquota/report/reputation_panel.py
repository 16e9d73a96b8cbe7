"""The quota picture's reputation panels for a region: its bounce rate and its complaint
rate over virtual time against the review and pause thresholds, with each change of
``EnforcementStatus`` marked. Drawn on axes :mod:`.plot` gives them.
"""

from __future__ import annotations

__all__ = [
    "BOUNCE_RATE",
    "COMPLAINT_RATE",
    "PAUSE",
    "REVIEW",
    "STATUS_COLORS",
    "UNJUDGED",
    "draw_reputation",
]

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .moments import offset
from .reputation_timeline import ReputationTimeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes

BOUNCE_RATE = "#8c564b"
COMPLAINT_RATE = "#e377c2"
REVIEW = "#e6550d"
PAUSE = "#a50f15"
UNJUDGED = "#eeeeee"
#: Each status's mark: a review opened, sending paused, back to healthy.
STATUS_COLORS = {"PROBATION": "#fd8d3c", "SHUTDOWN": "#a50f15", "HEALTHY": "#2e8b57"}
#: At most this many changes are named in the legend (each is marked on the axes).
_NAMED_CHANGES = 6


def _legend(ax: Axes, handles: list[Any]) -> None:
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize="small",
    )


def _steps(
    points: Sequence[tuple[float, float]], end: float, scale: float
) -> tuple[list[float], list[float]]:
    """A step series in the axis' unit, in percent, held until ``end``."""
    xs = [t / scale for t, _ in points] + [end / scale]
    ys = [100 * v for _, v in points]
    return xs, [*ys, ys[-1]]


def draw_reputation(
    axes: Sequence[Axes], rep: ReputationTimeline, end: float, span: float, scale: float
) -> None:
    """The bounce rate on ``axes[0]``, the complaint rate on ``axes[1]``."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    metrics, policy = rep.metrics, rep.metrics.policy
    rows = (
        ("bounce", 1, BOUNCE_RATE, policy.bounce_review, policy.bounce_pause),
        ("complaint", 2, COMPLAINT_RATE, policy.complaint_review, policy.complaint_pause),
    )
    unjudged = rep.unjudged(end)
    window = _days(policy.window.total_seconds())
    for ax, (name, column, color, review, pause) in zip(axes, rows, strict=True):
        handles: list[Any] = []
        points = [(p[0], p[column]) for p in rep.rates]
        xs, ys = _steps(points, end, scale)
        (line,) = ax.step(
            xs, ys, where="post", color=color, linewidth=2, label=f"{name} rate ({window})"
        )
        handles.append(line)
        for level, what, limit_color, style in (
            (review, "review", REVIEW, "--"),
            (pause, "pause", PAUSE, "-."),
        ):
            handles.append(
                ax.axhline(
                    100 * level,
                    color=limit_color,
                    linestyle=style,
                    linewidth=1.4,
                    label=f"{what} at {level:.2%}",
                )
            )
        for start, stop in unjudged:
            ax.axvspan(start / scale, stop / scale, color=UNJUDGED, linewidth=0, zorder=0)
        if unjudged:
            handles.append(
                Patch(
                    color=UNJUDGED,
                    label=f"fewer than {policy.minimum_volume} recipients in the window:\n"
                    "not judged yet",
                )
            )
        for i, (t, change) in enumerate(rep.changes):
            ax.axvline(
                t / scale,
                color=STATUS_COLORS[change.status],
                linewidth=1.6,
                linestyle=":",
                zorder=4,
                label=f"{offset(t)} {change.status}" if i < _NAMED_CHANGES else "_",
            )
        _statuses(ax, rep, end, scale, handles)
        if column == 1:
            handles += [
                Line2D(
                    [],
                    [],
                    color=STATUS_COLORS[change.status],
                    linewidth=1.6,
                    linestyle=":",
                    label=textwrap.fill(f"{offset(t)} {change.status}: {change.cause}", 60),
                )
                for t, change in rep.changes[:_NAMED_CHANGES]
            ]
            if len(rep.changes) > _NAMED_CHANGES:
                more = len(rep.changes) - _NAMED_CHANGES
                handles.append(Line2D([], [], linestyle="none", label=f"and {more} more"))
        # The scale is the thresholds' and the judged rates' (room left for the status
        # strip): a rate over few recipients (one bounce in the first message is 100 %)
        # would flatten everything else.
        judged = [100 * p[column] for p in rep.rates if p[3] >= policy.minimum_volume]
        top = max([100 * pause * 1.3, *(v * 1.2 for v in judged)])
        ax.set_ylim(0, top)
        if max(ys) > top:
            handles.insert(
                1,
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    label=f"(off this scale while not judged: up to {max(ys) / 100:.2%})",
                ),
            )
        ax.set_ylabel(f"{name} rate (%)")
        now = metrics.bounce_rate if column == 1 else metrics.complaint_rate
        ax.set_title(
            f"{rep.region}: {name} rate against the review and pause thresholds "
            f"(at the end: {now:.2%} of {metrics.volume} recipients, {metrics.status})"
            + ("" if policy.enforced else "; not enforced: the rates never move the status"),
            loc="left",
            fontsize="medium",
        )
        _legend(ax, handles)


def _statuses(
    ax: Axes, rep: ReputationTimeline, end: float, scale: float, handles: list[Any]
) -> None:
    """The account's status as a strip along the top: under review, sending paused."""
    from matplotlib.patches import Patch

    spans = rep.statuses(end)
    for status, what in (("PROBATION", "under review"), ("SHUTDOWN", "sending paused")):
        found = [(t / scale, (stop - t) / scale) for t, stop, s in spans if s == status]
        if not found:
            continue
        ax.broken_barh(
            found,
            (0.93, 0.07),
            transform=ax.get_xaxis_transform(),
            facecolors=STATUS_COLORS[status],
            linewidth=0,
            zorder=3,
            label=f"{what} ({status})",
        )
        handles.append(Patch(color=STATUS_COLORS[status], label=f"{what} ({status})"))


def _days(seconds: float) -> str:
    days = seconds / 86_400
    if days.is_integer():
        return f"over {days:g} day" + ("" if days == 1 else "s")
    return f"over {seconds / 3600:g} h"
