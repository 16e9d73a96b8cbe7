"""Each test's figures against a baseline kept across runs (``--ses-quota-baseline``):
written when missing, compared when present, rewritten on request; told in the terminal
and as a Markdown table (GitHub's job summary)."""

from __future__ import annotations

__all__ = [
    "DEFAULT_TOLERANCE",
    "FIGURES",
    "LESS_IS_WORSE",
    "VERSION",
    "BaselineError",
    "BaselineRun",
    "Row",
    "TestFigures",
    "compare",
    "dump",
    "figures_of",
    "is_worse",
    "load",
    "markdown",
    "terminal_lines",
    "verdict",
]

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .checks import figure_text
from .summary import Figures

#: The figures kept, in the order shown.
FIGURES = ("requests", "sent", "throttled", "dropped", "virtual_seconds", "retries")
#: Less is worse for these: a test that now sends fewer messages lost some.
LESS_IS_WORSE = frozenset({"sent"})
#: A figure may be this much worse (a fraction of its baseline) before the run fails.
DEFAULT_TOLERANCE = 0.1
VERSION = 1
# Virtual seconds are rounded to the microsecond; closer than this is equal.
_EPSILON = 1e-6

TestFigures = dict[str, float]


class BaselineError(Exception):
    """A baseline file that cannot be read; the text says what to do."""


def figures_of(figures: Figures) -> TestFigures:
    return {
        "requests": figures.requests,
        "sent": figures.accepted,
        "throttled": figures.throttled_rate + figures.throttled_daily,
        "dropped": figures.dropped,
        "virtual_seconds": figures.virtual_seconds,
        "retries": figures.retries,
    }


def load(path: Path, shown: str | None = None) -> dict[str, TestFigures]:
    """The tests' figures in a baseline file (``shown``: its name in messages)."""
    name = shown or str(path)
    fix = "delete it, or write it anew with --ses-quota-baseline-update"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as error:
        raise BaselineError(f"cannot read the SES baseline {name}: {error}; {fix}") from None
    tests = document.get("tests") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("version") != VERSION
        or not isinstance(tests, dict)
    ):
        raise BaselineError(
            f"{name} is not a pytest-sesquota baseline (version {VERSION}, with 'tests'); {fix}"
        )
    loaded: dict[str, TestFigures] = {}
    for test, figures in tests.items():
        if not isinstance(figures, dict):
            raise BaselineError(f"{name}: the figures of {test} are not an object; {fix}")
        loaded[test] = {
            k: v for k, v in figures.items() if k in FIGURES and isinstance(v, (int, float))
        }
    return loaded


def dump(path: Path, tests: Mapping[str, TestFigures]) -> None:
    """Write the figures sorted by test, one per line: a readable diff under version control."""
    document = {"version": VERSION, "tests": {t: tests[t] for t in sorted(tests)}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def is_worse(figure: str, now: float, base: float, tolerance: float) -> bool:
    if figure in LESS_IS_WORSE:
        return now < base * (1 - tolerance) - _EPSILON
    return now > base * (1 + tolerance) + _EPSILON


@dataclass(frozen=True)
class Row:
    """One test's figures now, against its baseline (``None``: a test new to it)."""

    test: str
    now: TestFigures
    baseline: TestFigures | None
    #: Figures worse than the baseline beyond the tolerance / better by any amount.
    worse: tuple[str, ...] = ()
    better: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        if self.baseline is None:
            return "new"
        return "worse" if self.worse else "better" if self.better else "same"

    def changes(self, names: Sequence[str]) -> str:
        assert self.baseline is not None
        return ", ".join(
            f"{n} {figure_text(self.baseline[n])} -> {figure_text(self.now[n])}" for n in names
        )


def compare(
    baseline: Mapping[str, TestFigures], current: Mapping[str, TestFigures], tolerance: float
) -> list[Row]:
    """A row per test run now, in test order (tests only in the baseline are not judged:
    a run of a few tests compares those)."""
    rows = []
    for test in sorted(current):
        now, base = current[test], baseline.get(test)
        if base is None:
            rows.append(Row(test, now, None))
            continue
        known = [f for f in FIGURES if f in base and f in now]
        worse = tuple(f for f in known if is_worse(f, now[f], base[f], tolerance))
        better = tuple(f for f in known if f not in worse and is_worse(f, base[f], now[f], 0.0))
        rows.append(Row(test, now, base, worse, better))
    return rows


def _tally(rows: Sequence[Row]) -> tuple[int, int, int]:
    return (
        sum(r.status == "worse" for r in rows),
        sum(r.status == "better" for r in rows),
        sum(r.status == "new" for r in rows),
    )


def verdict(rows: Sequence[Row], path: Path | str, tolerance: float) -> str:
    worse, better, new = _tally(rows)
    tests = f"{len(rows)} test" + ("s" if len(rows) != 1 else "")
    return (
        f"{tests} compared with {path} (tolerance {tolerance:.0%}): "
        f"{worse} worse, {better} better, {new} new"
    )


def terminal_lines(rows: Sequence[Row], path: Path | str, tolerance: float) -> list[str]:
    """The terminal's "SES baseline" section after a comparison."""
    lines = [f"worse   {r.test}: {r.changes(r.worse)}" for r in rows if r.status == "worse"]
    lines += [f"better  {r.test}: {r.changes(r.better)}" for r in rows if r.status == "better"]
    lines.append(verdict(rows, path, tolerance))
    if any(r.worse for r in rows):
        lines.append(
            "the run fails: a figure got worse than its baseline "
            "(--ses-quota-baseline-update accepts the new figures)"
        )
    return lines


def _cell(row: Row, figure: str) -> str:
    now = figure_text(row.now.get(figure, 0))
    if row.baseline is None or figure not in row.baseline:
        return now
    base = row.baseline[figure]
    if abs(base - row.now.get(figure, 0)) <= _EPSILON:
        return now
    text = f"{now} (was {figure_text(base)})"
    return f"**{text}**" if figure in row.worse else text


def markdown(rows: Sequence[Row], path: Path | str, tolerance: float, *, written: bool) -> str:
    """A Markdown table for ``$GITHUB_STEP_SUMMARY``: worse tests first."""
    heading = "### pytest-sesquota: SES figures against the baseline\n\n"
    if written:
        tests = f"{len(rows)} test" + ("s" if len(rows) != 1 else "")
        summary = f"Baseline written to `{path}` ({tests}); later runs compare with it."
    else:
        summary = verdict(rows, f"`{path}`", tolerance) + "."
    order = {"worse": 0, "better": 1, "new": 2, "same": 3}
    header = "| test | status | " + " | ".join(f.replace("_", " ") for f in FIGURES) + " |"
    lines = [header, "|---|---|" + "---:|" * len(FIGURES)]
    for row in sorted(rows, key=lambda r: order[r.status]):
        status = "written" if written else row.status
        cells = " | ".join(_cell(row, f) for f in FIGURES)
        lines.append(f"| `{row.test}` | {status} | {cells} |")
    return heading + summary + "\n\n" + "\n".join(lines) + "\n"


@dataclass
class BaselineRun:
    """One session's ``--ses-quota-baseline``: what it did, said and decided."""

    path: Path
    #: The path as the user wrote it (shown in messages).
    shown: str
    tolerance: float = DEFAULT_TOLERANCE
    update: bool = False
    #: The baseline read when the session started (``None``: to be written).
    baseline: dict[str, TestFigures] | None = None
    lines: list[str] = field(default_factory=list)
    failed: bool = False

    def start(self) -> None:
        """Read the baseline now: a broken file stops the run before any test."""
        if not self.update and self.path.exists():
            self.baseline = load(self.path, self.shown)

    def finish(self, per_test: Mapping[str, Figures], summary_file: str | None) -> None:
        """Compare or write; append the Markdown table to ``summary_file`` when given."""
        current = {test: figures_of(f) for test, f in per_test.items()}
        written = self.baseline is None
        if written:
            kept: dict[str, TestFigures] = {}
            if self.update and self.path.exists():
                try:  # tests not run this time keep their figures
                    kept = load(self.path)
                except BaselineError:
                    kept = {}
            dump(self.path, {**kept, **current})
            rows = compare({}, current, self.tolerance)
            verb = "updated" if self.update else "written"
            tests = f"{len(current)} test" + ("s" if len(current) != 1 else "")
            self.lines = [
                f"baseline {verb}: {self.shown} ({tests} from this run); later runs compare with it"
            ]
        else:
            assert self.baseline is not None
            rows = compare(self.baseline, current, self.tolerance)
            self.lines = terminal_lines(rows, self.shown, self.tolerance)
            self.failed = any(r.worse for r in rows)
        if summary_file:
            with open(summary_file, "a", encoding="utf-8") as out:
                out.write(markdown(rows, self.shown, self.tolerance, written=written))
