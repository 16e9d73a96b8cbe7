"""pytest-sesquota's benchmarks: one table of medians and ratios, measured side by side.

    python benchmarks/run.py            # the full run (a few minutes)
    python benchmarks/run.py --quick    # a short run
    python benchmarks/run.py --only ses sesv2
    python benchmarks/run.py --list     # the groups
    python benchmarks/run.py --smoke    # a round of almost nothing: do the groups run?

Every group measures its contenders in interleaved rounds in this one process
(or its subprocesses), so that a shared, noisy machine slows all of them alike:
read the ratios, not the absolute times. Needs the ``bench`` extra:
``pip install -e ".[bench]"`` (moto, django, time-machine).

The harness is ``benchmarks/harness.py``; each group is a module of
``benchmarks/groups/``, listed in ``benchmarks/groups/__init__.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _load_package() -> None:
    """Run as a script: load this folder as the package ``benchmarks``, without putting
    the repository on ``sys.path`` (pytest_sesquota stays the installed one, as in the
    subprocesses the groups start) nor this folder (its modules are no top-level names)."""
    here = Path(__file__).resolve().parent
    if sys.path and Path(sys.path[0]).resolve() == here:
        del sys.path[0]
    spec = importlib.util.spec_from_file_location(
        "benchmarks", here / "__init__.py", submodule_search_locations=[str(here)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = package
    spec.loader.exec_module(package)


if __package__ in (None, "") and "benchmarks" not in sys.modules:
    _load_package()

from benchmarks.harness import main  # noqa: E402

if __name__ == "__main__":
    main()
