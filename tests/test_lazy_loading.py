"""Installing the plugin costs a suite that never uses it next to nothing: the front
doors and their libraries load on first use, and botocore clients made at import time
are still answered (the botocore door installs itself when botocore is imported).

Each run is a fresh interpreter (``runpytest_subprocess``): what a process has loaded
is only measurable in a process of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: Libraries only a faked test may load (botocore is the application's, not ours).
HEAVY = ("botocore", "requests", "responses", "aiosmtpd", "trustme", "sqlite3", "matplotlib")

REPORT_MODULES = """
import json, os, sys

def pytest_sessionfinish(session):
    with open(os.environ["SESQUOTA_MODULES"], "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def loaded_modules(pytester: pytest.Pytester, *args: str) -> list[str]:
    out = pytester.path / "modules.json"
    pytester.makeconftest(REPORT_MODULES)
    env_args = ("-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:hypothesispytest")
    pytester._monkeypatch.setenv("SESQUOTA_MODULES", str(out))
    result = pytester.runpytest_subprocess(*env_args, *args)
    result.assert_outcomes(passed=1)
    return list(json.loads(out.read_text()))


def test_an_unused_plugin_loads_no_front_door(pytester: pytest.Pytester):
    pytester.makepyfile("def test_one():\n    assert 1 + 1 == 2\n")
    modules = loaded_modules(pytester)
    ours = sorted(m for m in modules if m.startswith("pytest_sesquota"))
    assert ours == [
        "pytest_sesquota",
        "pytest_sesquota.account",
        "pytest_sesquota.account.optionchecks",
        "pytest_sesquota.account.options",
        "pytest_sesquota.account.optionspec",  # the options table: ini options, help
        "pytest_sesquota.account.reputation_policy",  # the reputation option's keys
        "pytest_sesquota.active",
        "pytest_sesquota.clock",
        "pytest_sesquota.clock.timebackend",
        "pytest_sesquota.doors",
        "pytest_sesquota.doors.guard",  # the default: unfaked SES calls are refused
        "pytest_sesquota.doors.on_import",
        "pytest_sesquota.hooks",  # the plugin's hook objects
        "pytest_sesquota.plugin",
        "pytest_sesquota.quota",  # the daily quota's modes (not the engine)
    ]
    assert [m for m in modules if m.split(".")[0] in HEAVY] == []


def test_the_front_doors_load_when_a_test_uses_the_fake(pytester: pytest.Pytester):
    pytester.makepyfile("def test_one(ses_account):\n    assert ses_account.sent == []\n")
    modules = loaded_modules(pytester)
    assert "pytest_sesquota.doors.activation" in modules
    assert "requests" in modules  # the requests door, started with the account


def test_a_client_made_at_import_time_is_answered(pytester: pytest.Pytester):
    """The application module imports boto3 (so botocore) after the plugin loaded: the
    door installs itself as botocore.session finishes loading."""
    pytester.makepyfile(
        app="""
        import boto3

        SES = boto3.client("ses", region_name="us-east-1")
        """,
        test_app="""
        from app import SES

        def test_send(ses_account):
            SES.send_email(Source="a@example.com", Destination={"ToAddresses": ["a@example.com"]},
                Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
            assert len(ses_account.sent) == 1
        """,
    )
    pytester.syspathinsert()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_client_made_before_pytest_started_is_answered(tmp_path: Path):
    """botocore already imported when the plugin is configured: installed at once."""
    (tmp_path / "test_early.py").write_text(
        textwrap.dedent(
            """
            import sys

            def test_send(ses_account):
                client = sys.modules["__main__"].SES
                client.send_email(Source="a@example.com",
                    Destination={"ToAddresses": ["a@example.com"]},
                    Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
                assert len(ses_account.sent) == 1
            """
        )
    )
    script = (
        "import boto3, pytest, sys\n"
        "SES = boto3.client('ses', region_name='us-east-1')\n"
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', {str(tmp_path)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_on_import_runs_after_the_module_is_loaded(tmp_path: Path, monkeypatch):
    from pytest_sesquota.doors import on_import

    (tmp_path / "sesquota_probe_mod.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[int] = []
    on_import.when_imported("sesquota_probe_mod", lambda module: seen.append(module.VALUE))
    assert seen == []
    import sesquota_probe_mod

    assert seen == [42]
    # Its real loader stays (inspect, importlib.resources look at it).
    assert type(sesquota_probe_mod.__loader__).__name__ == "SourceFileLoader"
    assert "sesquota_probe_mod" not in on_import._pending
    on_import.when_imported("sesquota_probe_mod", lambda module: seen.append(module.VALUE + 1))
    assert seen == [42, 43]  # already loaded: at once
    monkeypatch.delitem(sys.modules, "sesquota_probe_mod")


def test_forget_removes_a_pending_callback():
    from pytest_sesquota.doors import on_import

    def callback(module):
        raise AssertionError("must not run")

    on_import.when_imported("sesquota_never_imported", callback)
    assert any(type(f).__name__ == "_Finder" for f in sys.meta_path)
    on_import.forget("sesquota_never_imported", callback)
    assert "sesquota_never_imported" not in on_import._pending


def test_every_public_name_is_importable():
    import pytest_sesquota

    for name in pytest_sesquota.__all__:
        # A class's name, or a public module's (pytest_sesquota.real_time).
        assert getattr(pytest_sesquota, name).__name__ in (name, f"pytest_sesquota.{name}")
    assert set(pytest_sesquota.__all__) <= set(dir(pytest_sesquota))
    with pytest.raises(AttributeError, match="has no attribute 'SesAcount'"):
        pytest_sesquota.SesAcount  # noqa: B018
