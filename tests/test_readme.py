"""Every Python example in README.md runs, so the docs cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
#: First line of an example whose failure report the README shows.
FAILS_ON_PURPOSE = "# This test fails on purpose"
INI = re.findall(r"```ini\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 4 and len(INI) == 1


#: Examples with aiobotocore need the aio extra (its own venv in CI: ``-k aio``).
IDS = [f"{n}-aio" if "aiobotocore" in block else str(n) for n, block in enumerate(BLOCKS)]


@pytest.mark.parametrize("number", range(len(BLOCKS)), ids=IDS)
def test_readme_example_runs(pytester: pytest.Pytester, monkeypatch, number: int):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    source = BLOCKS[number]
    args = ["-p", "no:hypothesispytest"]
    if "aiobotocore" in source:
        pytest.importorskip("aiobotocore", reason='the aio extra: pip install -e ".[aio]"')
        args += ["-o", "asyncio_default_fixture_loop_scope=function"]
    tests = len(re.findall(r"^def test_", source, re.M))
    if not tests:  # a script: run it as the body of a test
        source = "def test_script():\n" + "".join(f"    {line}\n" for line in source.splitlines())
        tests = 1
    pytester.makepyfile(source)
    result = pytester.runpytest_inprocess(*args)
    if source.startswith(FAILS_ON_PURPOSE):  # shows a failure report
        result.assert_outcomes(failed=tests)
    else:
        result.assert_outcomes(passed=tests)


def test_readme_ini_example_is_accepted(pytester: pytest.Pytester):
    pytester.makeini(INI[0])
    pytester.makepyfile(
        """
        def test_it(ses_account):
            assert ses_account.region == "eu-west-1"
            assert ses_account.quota() == (50000.0, 20.0, 0.0)
            assert ses_account.clock.now().isoformat() == "2026-06-01T00:00:00+00:00"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)


def test_readme_opens_with_the_two_commands_ci_runs():
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["python -m pytest examples", "python -m pytest"]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*python -m pytest examples$", ci, re.M)
    assert re.search(r"^\s*python -m pytest$", ci, re.M)
