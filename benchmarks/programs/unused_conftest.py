"""The conftest.py of the one-test suite that never uses the plugin (``run.py --only
unused``): how many modules the run loaded, written to ``modules.txt``."""

import sys

import pytest


def pytest_sessionfinish(session: pytest.Session) -> None:
    with open("modules.txt", "w") as out:
        out.write(str(len(sys.modules)))
