"""Where a session's reports go: failure sections, figures as report properties, pictures."""

from __future__ import annotations

__all__ = ["PLOT_PROPERTY", "PROBLEM_PROPERTY", "Reporting", "file_name", "own_property"]

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..account.account import Account
from .conversation import section_text
from .summary import PROPERTY_PREFIX, Figures

# -- where the reports go ----------------------------------------------------------
PLOT_PROPERTY = PROPERTY_PREFIX + "plot"
PROBLEM_PROPERTY = PROPERTY_PREFIX + "report_problem"


def file_name(test_id: str, suffix: str) -> str:
    """A file name for a test id: ``tests/test_x.py::test_a[1]`` ->
    ``tests_test_x.py__test_a_1`` + suffix; long ids are cut and given a hash."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", test_id.replace("::", "__")).strip("_.") or "test"
    if len(name) > 120:
        name = f"{name[:100]}-{hashlib.sha1(test_id.encode()).hexdigest()[:10]}"
    return name + suffix


def own_property(name: object) -> bool:
    """Whether a report property is one of pytest-sesquota's (replaced on a rerun)."""
    own = {PLOT_PROPERTY, PROBLEM_PROPERTY, *(PROPERTY_PREFIX + f.name for f in fields(Figures))}
    return name in own


@dataclass
class Reporting:
    """What a session reports about the tests that used the fake, and where to."""

    summary: bool = False
    #: ``--ses-quota-plot=DIR``: one PNG per test.
    plot_dir: Path | None = None
    #: Where full conversations go: ``--ses-quota-conversation-dir``, else a
    #: function giving pytest's cache directory (``None`` without the cache plugin).
    conversation_dir: Path | None = None
    cache_dir: Callable[[], Path | None] = lambda: None
    #: Figures of each test seen (from its reports' properties), for the summary.
    per_test: dict[str, Figures] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def section(self, account: Account, test_id: str, when: str) -> str:
        """The failure report's section for the phase ``when`` that failed."""
        explicit = self.conversation_dir is not None

        def write_full(text: str) -> Path | None:
            directory = self.conversation_dir or self.cache_dir()
            if directory is None:
                return None
            suffix = ".txt" if when == "call" else f"-{when}.txt"
            path = directory / file_name(test_id, suffix)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path

        try:
            return section_text(account, test_id, write_full, always_write=explicit)
        except Exception as error:  # never break pytest's report over ours
            return f"pytest-sesquota could not tell the conversation: {error!r}"

    def teardown_properties(self, account: Account, test_id: str) -> list[tuple[str, object]]:
        """The test's figures (and picture) as properties of its reports."""
        properties: list[tuple[str, object]] = []
        try:
            properties += Figures.of(account).properties()
        except Exception as error:
            properties.append((PROBLEM_PROPERTY, f"figures of {test_id}: {error!r}"))
        if self.plot_dir is not None:
            from .plot import write_png

            try:
                path = write_png(account, self.plot_dir / file_name(test_id, ".png"), test_id)
            except Exception as error:
                properties.append((PROBLEM_PROPERTY, f"picture of {test_id}: {error!r}"))
            else:
                properties.append((PLOT_PROPERTY, str(path)))
        return properties

    def collect(self, test_id: str, properties: Iterable[tuple[str, object]]) -> None:
        """Take a teardown report's properties (this process's or an xdist worker's)."""
        properties = list(properties)
        figures = Figures.from_properties(properties)
        if figures is not None:
            self.per_test[test_id] = figures
        self.problems += [str(v) for k, v in properties if k == PROBLEM_PROPERTY]
