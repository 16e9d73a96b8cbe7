"""The quota timeline picture: one test's sending over virtual time.

Drawn with matplotlib (the optional extra ``pytest-sesquota[plot]``) on a figure
of its own with an Agg canvas: pyplot, the global backend and rcParams are never
touched, so a user's own matplotlib setup is left as it was.
"""

from __future__ import annotations

__all__ = [
    "INSTALL",
    "MAX_REGIONS",
    "MIN_SPAN",
    "X_MARGIN",
    "PlotUnavailable",
    "build_figure",
    "quiet_matplotlib",
    "render_png",
    "require_matplotlib",
    "time_unit",
    "totals_line",
    "write_png",
]

import importlib
import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..account.account import Account
from .panels import BARS, KINDS, draw_daily, draw_rate
from .reputation_panel import draw_reputation
from .timeline import Timeline, timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INSTALL = 'pip install "pytest-sesquota[plot]"'
#: The time axis is at least this long (seconds): a test at one instant still gets a bar.
MIN_SPAN = 1.0
#: The time axis' margins, as a fraction of its span.
X_MARGIN = 0.012
#: At most this many regions are drawn (the ones sending, the main region first).
MAX_REGIONS = 3

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


def totals_line(tl: Timeline) -> str:
    """What the test did, in messages: ``12 accepted, 5 throttled by the send rate,
    4 retries, 1 dropped``."""
    counts = tl.totals()
    names = [(kind, what) for kind, _, _, what in KINDS] + [
        ("retries", "retries"),
        ("dropped", "dropped"),
    ]
    parts = [
        f"{counts[key]} {'retry' if what == 'retries' and counts[key] == 1 else what}"
        for key, what in names
        if counts.get(key)
    ]
    return "messages: " + (", ".join(parts) if parts else "none sent")


def build_figure(tl: Timeline) -> Figure:
    """The picture of ``tl`` as a matplotlib :class:`~matplotlib.figure.Figure` on an
    Agg canvas (not registered with pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    regions = tl.regions[:MAX_REGIONS]
    # The axis ends with the test, or with the last second drawn (a send at the last
    # instant counts in a whole second): no bar runs past the axis, none is lost in
    # empty space after the test.
    last = max((s + 1 for r in regions for s in r.seconds()), default=0)
    span = max(tl.end, last, MIN_SPAN)
    scale, unit = time_unit(span)
    # Two panels a region, two more where its reputation moved (nothing drawn else).
    reputation = [tl.reputation_of(r.region) for r in regions]
    panels = sum(2 if rep is None else 4 for rep in reputation)
    fig = Figure(figsize=(13.0, 1.2 + 2.5 * panels), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    i = 0
    for region, rep in zip(regions, reputation, strict=True):
        draw_rate(axes[i], region, tl, span, scale)
        draw_daily(axes[i + 1], region, tl, span, scale)
        for ax in axes[i : i + 2]:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # recipients
        i += 2
        if rep is not None:
            draw_reputation(list(axes[i : i + 2]), rep, tl.end, span, scale)
            i += 2
    # A margin on the left, so that what happened at +0s is not hidden by the spine.
    right = span / scale
    for ax in axes:
        ax.set_xlim(-X_MARGIN * right, right * (1 + X_MARGIN))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    axes[-1].set_xlabel(f"virtual time since the test started ({unit})")
    title = "\n".join(textwrap.wrap(f"SES sending over virtual time: {tl.test_id}", 110))
    notes = [
        f"fake SES account (pytest-sesquota); virtual start {tl.start:%Y-%m-%d %H:%M:%S} UTC, "
        f"the test ran {_duration(tl.end)} of virtual time",
        totals_line(tl),
    ]
    if len(tl.regions) > MAX_REGIONS:
        notes.append("not drawn: " + ", ".join(r.region for r in tl.regions[MAX_REGIONS:]))
    fig.suptitle("\n".join([title, *notes]), fontsize="large")
    _fit_bars(fig, list(axes), span)
    return fig


def _fit_bars(fig: Figure, axes: Sequence[Axes], span: float) -> None:
    """Each bar one virtual second wide less a gap (as the hatched ones, drawn in data
    units), never thinner than a visible line: known once the layout is done."""
    fig.draw_without_rendering()
    for ax in axes:
        width_pt = ax.get_window_extent().width * 72 / fig.dpi
        bar_pt = max(0.8, 0.85 * width_pt / (span * (1 + 2 * X_MARGIN)))
        for collection in ax.collections:
            if collection.get_gid() == BARS:
                collection.set_linewidth(bar_pt)


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
