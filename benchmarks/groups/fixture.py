"""Fixture overhead per test: a suite of tests using ``ses_account`` against the same
number without it, whole pytest runs in subprocesses, interleaved; each run reports the
CPU time of its test loop (``programs/fixture_conftest.py``)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..measure import PROGRAMS, Row, Size, interleaved


def _write_suite(root: Path, tests: int) -> None:
    shutil.copy(PROGRAMS / "fixture_conftest.py", root / "conftest.py")
    (root / "pytest.ini").write_text("[pytest]\n")
    plain = "".join(f"def test_plain_{i}():\n    pass\n\n\n" for i in range(tests))
    faked = "".join(f"def test_faked_{i}(ses_account):\n    pass\n\n\n" for i in range(tests))
    (root / "test_plain.py").write_text(plain)
    (root / "test_faked.py").write_text(faked)


def fixture_overhead(size: Size) -> list[Row]:
    """Fixture overhead per test: ses_account's added CPU time, per time backend."""
    rounds, tests = size.pick(full=(5, 500), quick=(2, 500), smoke=(1, 5))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write_suite(root, tests)
        env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true", "PYTHONDONTWRITEBYTECODE": "1"}

        def run(path: str, *options: str) -> Callable[[], float]:
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path]
            command += options

            def once() -> float:
                subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
                return float((root / "loop.txt").read_text())

            return once

        contenders = {
            "without the fixture": run("test_plain.py"),
            # No -o: what a suite gets without choosing (auto: time-machine on CPython).
            "ses_account, default settings": run("test_faked.py"),
            "ses_account, freezegun": run(
                "test_faked.py", "-o", "ses_quota_time_backend=freezegun"
            ),
            "ses_account, time-machine": run(
                "test_faked.py", "-o", "ses_quota_time_backend=time-machine"
            ),
        }
        samples = interleaved(contenders, rounds)
        modules = int((root / "modules.txt").read_text())
    base = statistics.median(samples["without the fixture"])
    group = f"fixture overhead per test ({tests} tests, {modules:,} modules loaded)"
    rows = [
        Row(
            group,
            "without the fixture: the test loop (CPU time)",
            base * 1e3 / tests,
            "ms/test",
            note=f"{rounds} rounds",
        )
    ]
    targets = {
        "ses_account, default settings": "target < 1 ms/test",
        "ses_account, freezegun": "scans every module at each start",
        "ses_account, time-machine": "target < 1 ms/test",
    }
    for name, note in targets.items():
        per_test = (statistics.median(samples[name]) - base) / tests * 1e3
        rows.append(Row(group, f"{name}: added", per_test, "ms/test", note=note))
    return rows
