"""The benchmarks still run: ``benchmarks/run.py`` as the docs give it, on a tiny group.

A smoke test, not a measurement (speed is measured by the benchmarks themselves): one
round of three sends per contender, so that the harness, the groups' imports and the
commands the docs cite cannot rot unnoticed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(RUN), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_group_imports_and_the_docs_name_only_groups():
    listed = run("--list")
    groups = [line.split()[0] for line in listed.splitlines()]
    assert groups == [
        "ses",
        "sesv2",
        "floor",
        "config-set",
        "aio",
        "smtp",
        "serve",
        "engine",
        "fixture",
        "unused",
        "virtual-time",
        "children",
    ]
    only = re.compile(r"benchmarks/run\.py (?:--quick )?--only ((?:[a-z0-9-]+ ?)+)")
    cited = {
        name
        for page in PAGES
        for names in only.findall(page.read_text("utf-8"))
        for name in names.split()
    }
    assert cited, "the docs cite no --only command"
    assert cited <= set(groups), cited - set(groups)


def test_a_smoke_run_prints_the_table():
    table = run("--smoke", "--only", "floor")
    rows = [line for line in table.splitlines() if line.startswith("| per send through")]
    assert [row.split(" | ")[1] for row in rows] == [
        "SES v1: floor, before-send canned success (signed)",
        "SES v1: pytest-sesquota fake (unsigned)",
        "SES v2: floor, before-send canned success (signed)",
        "SES v2: pytest-sesquota fake (unsigned)",
    ]
    figures = re.compile(r"\| [\d,.]+ \| µs/send \(CPU\) \| \d+\.\d\d \|")
    assert all(figures.search(row) for row in rows), rows
    assert "1 rounds x 3 sends" in rows[-1]
    assert "command: python benchmarks/run.py --smoke --only floor" in table
