"""The plugin's hook objects, registered by ``plugin.py``: the failure report's section,
the figures and the summary (``ReportHooks``), the baseline run, ``ses_quota_real`` tests
(``RealSes``), a refused SES call the code under test swallowed (``SwallowedRefusals``),
and the doors installed when their library is imported (``BotocoreDoor``,
``ChildProcesses``). Like the plugin, it loads no library: each loads its own on first use.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT",
    "ACTIVATION",
    "CALL_ERROR",
    "CALL_FAILED",
    "DEFAULT_TOLERANCE",
    "PROPERTY_PREFIX",
    "SECTION",
    "BotocoreDoor",
    "ChildProcesses",
    "RealSes",
    "ReportHooks",
    "SwallowedRefusals",
    "baseline_run",
]

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .active import ACTIVE
from .doors import guard, on_import
from .doors.guard import REAL_MARKER

if TYPE_CHECKING:
    from .doors.activation import SesAccount
    from .report.baseline import BaselineRun
    from .report.reporting import Reporting

#: The title of the failure report's section (``report.conversation.SECTION``).
SECTION = "SES conversation"
#: Every report property of pytest-sesquota's starts so (``report.summary``).
PROPERTY_PREFIX = "ses_"
#: How much worse a baseline figure may get (``report.baseline.DEFAULT_TOLERANCE``).
DEFAULT_TOLERANCE = 0.1
#: The account of the test, readable by the report hooks after its teardown.
ACCOUNT: pytest.StashKey[SesAccount] = pytest.StashKey()
#: Whether the test's call failed: its teardown checks then stay quiet (one failure is enough).
CALL_FAILED: pytest.StashKey[bool] = pytest.StashKey()
#: What the call's failure said: a problem raised into the test is not reported again.
CALL_ERROR: pytest.StashKey[str] = pytest.StashKey()
#: The front doors' module: process hooks are installed when it is first imported.
ACTIVATION = "pytest_sesquota.doors.activation"


class ChildProcesses:
    """Child processes of a faked test reach its account. Hooked when the front doors
    load (no account can be active before): an unused plugin loads none of it."""

    def __init__(self) -> None:
        self._uninstall: Callable[[], None] | None = None

    def install(self, _module: object) -> None:
        from .serve import children

        self._uninstall = children.install()

    def uninstall(self) -> None:
        on_import.forget(ACTIVATION, self.install)
        if self._uninstall is not None:
            self._uninstall()


def baseline_run(config: pytest.Config) -> BaselineRun | None:
    """``--ses-quota-baseline``'s run, on the controller (``None``: no baseline asked)."""
    value = config.getoption("ses_quota_baseline")
    if not value:
        for option in ("tolerance", "update"):
            if config.getoption(f"ses_quota_baseline_{option}") not in (None, False):
                raise pytest.UsageError(
                    f"--ses-quota-baseline-{option} needs --ses-quota-baseline=PATH"
                )
        return None
    if hasattr(config, "workerinput"):
        return None  # an xdist worker: its figures reach the controller in its reports
    from .report.baseline import BaselineError, BaselineRun

    given = config.getoption("ses_quota_baseline_tolerance")
    run = BaselineRun(
        path=config.invocation_params.dir / Path(value).expanduser(),
        shown=value,
        tolerance=DEFAULT_TOLERANCE if given is None else given,
        update=config.getoption("ses_quota_baseline_update"),
    )
    try:
        run.start()
    except BaselineError as error:
        raise pytest.UsageError(str(error)) from None
    return run


class BotocoreDoor:
    """Installs the botocore door once botocore is imported; undone at unconfigure."""

    def install(self, _module: object) -> None:
        from .doors import botocore

        botocore.install()

    def uninstall(self) -> None:
        on_import.forget("botocore.session", self.install)


class RealSes:
    """A test marked ``ses_quota_real`` may reach real SES, from setup to teardown."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, Any, None]:
        marked = item.get_closest_marker(REAL_MARKER) is not None
        with guard.allowing(f"@pytest.mark.{REAL_MARKER}" if marked else None):
            yield


class SwallowedRefusals:
    """A refused SES call that the code under test caught (an application's ``except
    Exception`` around its send) fails the test at teardown, naming the call: nothing
    reached AWS, but nothing was tested either. Only the test's call counts (a fixture or
    ``setUpClass`` may probe and catch), and a refusal that reached the test function
    itself (``pytest.raises(UnfakedSesCall)``, its own ``except``) was seen by the test."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, None]:
        ACTIVE.refused.clear()
        try:
            yield
        finally:
            item.stash[_REFUSED] = list(ACTIVE.refused)
            ACTIVE.refused.clear()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        errors = item.stash.get(_REFUSED, [])
        item.stash[_REFUSED] = []
        # A call that failed is failure enough.
        if not errors or item.stash.get(CALL_FAILED, True):
            return
        code = getattr(getattr(item, "function", None), "__code__", None)
        unseen = [error for error in errors if not _reached(error, code)]
        if unseen:
            pytest.fail(
                "pytest-sesquota refused an SES call and the code under test caught the "
                "error: the test passed, but nothing it sent reached SES, real or fake.\n"
                + "\n".join(f"{type(e).__name__}: {e}" for e in unseen),
                pytrace=False,
            )


#: The refusals raised during a test's call, for its teardown's check.
_REFUSED: pytest.StashKey[list[BaseException]] = pytest.StashKey()


def _reached(error: BaseException, code: object) -> bool:
    """Whether ``error`` went through the frame of the code ``code`` (the test function)."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return True
        tb = tb.tb_next
    return False


class ReportHooks:
    """The failure report's section, the figures as test properties, the summary."""

    def __init__(self, settings: dict[str, Any], baseline: BaselineRun | None = None) -> None:
        self._settings = settings
        self._reporting: Reporting | None = None
        self.baseline = baseline

    def reporting(self) -> Reporting:
        """Made on first use: a session without a faked test never loads the reports.
        (A method, not a property: pytest 7 reads every attribute of a plugin object.)"""
        if self._reporting is None:
            from .report.reporting import Reporting

            self._reporting = Reporting(**self._settings)
        return self._reporting

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, None]:
        account = item.stash.get(ACCOUNT, None)
        if account is not None and call.when == "teardown":
            # On the item before the teardown report is made, so that the report
            # carries them (to JUnit XML, and from xdist workers).
            from .report.reporting import own_property

            item.user_properties[:] = [p for p in item.user_properties if not own_property(p[0])]
            item.user_properties += self.reporting().teardown_properties(account, item.nodeid)
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        if call.when == "call":
            item.stash[CALL_FAILED] = report.failed
            if report.failed and call.excinfo is not None:
                item.stash[CALL_ERROR] = str(call.excinfo.value)
        if account is not None and report.failed:
            text = self.reporting().section(account, item.nodeid, report.when or "call")
            report.sections.append((SECTION, text))
        if account is not None and call.when == "teardown":
            del item.stash[ACCOUNT]  # items live all session; the ledger need not

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown" and any(
            str(name).startswith(PROPERTY_PREFIX) for name, _ in report.user_properties
        ):
            self.reporting().collect(report.nodeid, report.user_properties)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        # Without a faked test or a summary asked for, the reports never load.
        if self._reporting is not None or self._settings["summary"]:
            from .report.summary import summary_lines

            reporting = self.reporting()
            if reporting.problems:
                terminalreporter.write_sep("-", "pytest-sesquota could not report everything")
                for problem in reporting.problems:
                    terminalreporter.write_line(problem)
            if reporting.summary:
                terminalreporter.write_sep("=", "SES quota summary")
                for line in summary_lines(list(reporting.per_test.items())):
                    terminalreporter.write_line(line)
        if self.baseline is not None and self.baseline.lines:
            terminalreporter.write_sep("=", "SES baseline")
            for line in self.baseline.lines:
                terminalreporter.write_line(line)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Compare with the baseline (before the terminal summary tells of it)."""
        baseline = self.baseline
        if baseline is None:
            return
        try:
            baseline.finish(self.reporting().per_test, os.environ.get("GITHUB_STEP_SUMMARY"))
        except OSError as error:
            baseline.lines = [f"pytest-sesquota could not write the baseline: {error}"]
            baseline.failed = True
        if baseline.failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
