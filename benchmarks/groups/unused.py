"""What an installed but unused plugin costs every pytest run: a one-test suite that
never touches SES, whole pytest runs (interpreter start included) with the plugin and
with ``-p no:sesquota``, interleaved, each run's CPU time and modules loaded."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..measure import PROGRAMS, Row, Size, clock, interleaved


def unused_plugin(size: Size) -> list[Row]:
    """A one-test suite not using the plugin: the CPU time and modules it adds."""
    rounds = size.pick(full=11, quick=5, smoke=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(PROGRAMS / "unused_conftest.py", root / "conftest.py")
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
        # Bytecode caches allowed, as on a developer's machine: without them every run
        # would compile (and assertion-rewrite) the plugin's modules from source.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        modules: dict[str, int] = {}
        wall: dict[str, list[float]] = {"-p no:sesquota": [], "plugin": []}

        def run(name: str, *options: str) -> Callable[[], float]:
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]

            def once() -> float:
                # The child's CPU time (user + system): on a shared machine a run's wall
                # time is mostly other processes' load; its CPU time is its own cost.
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = clock()
                subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
                wall[name].append(clock() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                modules[name] = int((root / "modules.txt").read_text())
                return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

            return once

        samples = interleaved(
            {"-p no:sesquota": run("-p no:sesquota", "-p", "no:sesquota"), "plugin": run("plugin")},
            rounds,
        )
    base = statistics.median(samples["-p no:sesquota"])
    added = statistics.median(samples["plugin"]) - base
    wall_added = statistics.median(wall["plugin"]) - statistics.median(wall["-p no:sesquota"])
    # The least disturbed runs: on a loaded machine the medians carry others' noise.
    min_added = min(samples["plugin"]) - min(samples["-p no:sesquota"])
    group = "a one-test suite not using the plugin (whole pytest run, CPU time)"
    return [
        Row(group, "-p no:sesquota", base * 1e3, "ms", note=f"{modules['-p no:sesquota']} modules"),
        Row(
            group,
            "plugin installed: added",
            added * 1e3,
            "ms",
            note=f"+{modules['plugin'] - modules['-p no:sesquota']} modules; {rounds} rounds; "
            f"fastest runs: {min_added * 1e3:+.1f} ms; wall time {wall_added * 1e3:+.0f} ms; "
            "target <= 20 ms, <= 40 modules",
        ),
    ]
