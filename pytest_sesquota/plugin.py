"""pytest wiring: the ``ses_quota`` marker, ini options and the fixtures.

The logic lives in the subpackages; this one only connects them to pytest. It imports
only what pytest needs to register options, markers and fixtures: a suite that never
uses the fake never loads botocore, requests, aiosmtpd or the fake's front doors. The
botocore door is installed the moment botocore itself is imported (``doors.on_import``),
so clients made at import time by application modules are answered too.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_TOLERANCE",
    "PROPERTY_PREFIX",
    "SECTION",
    "options_for",
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_unconfigure",
    "ses_account",
    "ses_clock",
    "ses_server",
    "ses_smtp",
    "tolerance",
]

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .account.options import (
    INI_OPTIONS,
    VALID_KEYS,
    OptionsError,
    SesQuotaOptions,
    from_ini,
    marker_help,
    merge,
)
from .active import ACTIVE
from .doors import guard, on_import
from .doors.guard import BLOCK_OPTION as BLOCK_UNFAKED
from .doors.guard import REAL_MARKER
from .hooks import (
    ACCOUNT,
    ACTIVATION,
    CALL_ERROR,
    CALL_FAILED,
    DEFAULT_TOLERANCE,
    PROPERTY_PREFIX,
    SECTION,
    BotocoreDoor,
    ChildProcesses,
    RealSes,
    ReportHooks,
    SwallowedRefusals,
    baseline_run,
)

if TYPE_CHECKING:  # the front doors and reports load on first use, not with pytest
    from .clock.sesclock import SesClock
    from .doors.activation import SesAccount
    from .doors.smtp import SesSmtpServer
    from .serve.server import SesServer


_INI: pytest.StashKey[dict[str, Any]] = pytest.StashKey()
_BOTOCORE: pytest.StashKey[BotocoreDoor] = pytest.StashKey()
_GUARD: pytest.StashKey[guard.Guard] = pytest.StashKey()
_BLOCKING: pytest.StashKey[str | None] = pytest.StashKey()
_CHILDREN: pytest.StashKey[ChildProcesses] = pytest.StashKey()


def tolerance(text: str) -> float:
    """``--ses-quota-baseline-tolerance``: ``0.1`` or ``10%`` (argparse names the option
    and this function when it raises)."""
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not value >= 0:
        raise ValueError(text)
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    # Every ini option is read as text and parsed as its row of the options table says.
    for name, (_key, help_text) in INI_OPTIONS.items():
        parser.addini(name, help=f"pytest-sesquota: {help_text}", type="string")
    parser.addini(
        "ses_quota_summary",
        help="pytest-sesquota: true adds the SES quota summary (as --ses-quota-summary does)",
        type="bool",
        default=False,
    )
    parser.addini(
        BLOCK_UNFAKED,
        help="pytest-sesquota: refuse SES calls made by tests without the fake SES account "
        f"(default: true; false lets them through to real SES; one test can say "
        f"@pytest.mark.{REAL_MARKER})",
        type="bool",
        default=True,
    )
    group = parser.getgroup("sesquota", "pytest-sesquota (fake Amazon SES account)")
    group.addoption(
        "--ses-quota-summary",
        action="store_true",
        default=False,
        help="after the tests, a table of each test's SES sends: accepted, throttled "
        "(rate, daily), rejected, retries and virtual time; totals at the end",
    )
    group.addoption(
        "--ses-quota-plot",
        metavar="DIR",
        default=None,
        help="write a PNG per test using the fake SES account into DIR: sends per second "
        'against MaxSendRate, the rolling 24 hours against Max24HourSend (needs "[plot]")',
    )
    group.addoption(
        "--ses-quota-conversation-dir",
        metavar="DIR",
        default=None,
        help="write the whole SES conversation of every failing test into DIR "
        "(default: long ones only, into pytest's cache directory)",
    )
    group.addoption(
        "--ses-quota-baseline",
        metavar="PATH",
        default=None,
        help="each test's SES figures (requests, sent, throttled, dropped, virtual seconds, "
        "retries) against the JSON file PATH: written when missing, else compared; the run "
        "fails when a figure got worse beyond the tolerance",
    )
    group.addoption(
        "--ses-quota-baseline-tolerance",
        metavar="FRACTION",
        type=tolerance,
        default=None,
        help=f"how much worse a figure may get, as a fraction or a percentage "
        f"(default: {DEFAULT_TOLERANCE:g}, that is {DEFAULT_TOLERANCE * 100:g}%%)",
    )
    group.addoption(
        "--ses-quota-baseline-update",
        action="store_true",
        default=False,
        help="rewrite the baseline with this run's figures instead of comparing",
    )


def _directory(config: pytest.Config, option: str) -> Path | None:
    value = config.getoption(option.lstrip("-").replace("-", "_"))
    if not value:
        return None
    path = config.invocation_params.dir / Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise pytest.UsageError(f"{option}={value}: {path} exists and is not a directory")
    return path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", marker_help())
    try:
        config.stash[_INI] = from_ini(config.getini)
    except OptionsError as error:
        raise pytest.UsageError(str(error)) from None
    plot_dir = _directory(config, "--ses-quota-plot")
    if plot_dir is not None:
        from .report.plot import PlotUnavailable, require_matplotlib

        try:
            require_matplotlib()
        except PlotUnavailable as error:
            raise pytest.UsageError(str(error)) from None
    cache = getattr(config, "cache", None)
    settings = {
        "summary": bool(
            config.getoption("ses_quota_summary") or config.getini("ses_quota_summary")
        ),
        "plot_dir": plot_dir,
        "conversation_dir": _directory(config, "--ses-quota-conversation-dir"),
        "cache_dir": (lambda: cache.mkdir("sesquota")) if cache is not None else (lambda: None),
    }
    config.pluginmanager.register(ReportHooks(settings, baseline_run(config)), "sesquota-reports")
    config.stash[_BOTOCORE] = BotocoreDoor()
    on_import.when_imported("botocore.session", config.stash[_BOTOCORE].install)
    config.addinivalue_line(
        "markers",
        f"{REAL_MARKER}: this test means to reach real Amazon SES; its SES calls are not "
        f"refused (pytest-sesquota refuses them by default, see {BLOCK_UNFAKED})",
    )
    config.pluginmanager.register(RealSes(), "sesquota-real")
    config.pluginmanager.register(SwallowedRefusals(), "sesquota-swallowed")
    # Every SES call of a test without the fake is refused: botocore's (its door asks the
    # guard) and every connection to an SES host (the guard's checks). Set either way: an
    # in-process run inside another has its own setting, restored after it.
    config.stash[_BLOCKING] = ACTIVE.blocking
    ACTIVE.blocking = BLOCK_UNFAKED if config.getini(BLOCK_UNFAKED) else None
    if ACTIVE.blocking is not None:
        config.stash[_GUARD] = guard.Guard()
    config.stash[_CHILDREN] = ChildProcesses()
    on_import.when_imported(ACTIVATION, config.stash[_CHILDREN].install)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CHILDREN in config.stash:
        config.stash[_CHILDREN].uninstall()
    if _GUARD in config.stash:
        config.stash[_GUARD].close()
    if _BLOCKING in config.stash:
        ACTIVE.blocking = config.stash[_BLOCKING]
    if _BOTOCORE in config.stash:
        config.stash[_BOTOCORE].uninstall()


def options_for(node: pytest.Item, config: pytest.Config) -> SesQuotaOptions:
    """Merge ini options and the ``ses_quota`` markers, the closest marker winning."""
    layers: list[tuple[str, dict[str, Any]]] = [("ini options", config.stash.get(_INI, {}))]
    for mark in reversed(list(node.iter_markers("ses_quota"))):
        if mark.args:
            raise OptionsError(
                f"ses_quota takes keyword arguments only, got {mark.args!r}. "
                f"Valid arguments: {', '.join(VALID_KEYS)}"
            )
        layers.append(("ses_quota", dict(mark.kwargs)))
    return merge(layers)


@pytest.fixture
def ses_account(request: pytest.FixtureRequest) -> Iterator[SesAccount]:
    """The fake SES account of this test: quotas, ledger and virtual clock (see ses_quota)."""
    problem: str | None = None
    try:
        options = options_for(request.node, request.config)
    except OptionsError as error:
        problem = str(error)
    if problem is not None:  # outside the except: no "During handling of..." in the report
        pytest.fail(problem, pytrace=False)
    from .doors.activation import SesAccount

    account = SesAccount(options)
    with account:
        request.node.stash[ACCOUNT] = account
        yield account
    if account.internal_errors:
        pytest.fail(
            "pytest-sesquota hit an internal error while answering a request (answered "
            "as InternalFailure); this is a bug in the plugin, please report it:\n"
            + "\n".join(account.internal_errors),
            pytrace=False,
        )
    # A stall raised into the test failed it already: once is enough.
    raised = request.node.stash.get(CALL_ERROR, None)
    problems = [p for p in account.clock.problems if p != raised]
    if problems:
        pytest.fail("pytest-sesquota's virtual clock: " + "\n".join(problems), pytrace=False)
    failed = [s for s in account.clock.scheduled if s.error is not None]
    if failed:
        pytest.fail(
            "an action scheduled with ses_account.schedule() raised when the virtual clock "
            "reached it:\n"
            + "\n".join(f"at {s.at.isoformat()}: {s.action!r}\n{s.error}" for s in failed),
            pytrace=False,
        )
    if not request.node.stash.get(CALL_FAILED, False):
        from .report.checks import teardown_failures

        problems = teardown_failures(account)
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def ses_clock(ses_account: SesAccount) -> SesClock:
    """The virtual clock of the fake SES account (advance it, read its sleeps)."""
    return ses_account.clock


@pytest.fixture(scope="session")
def _ses_smtp_certificates() -> None:
    """The SMTP server's TLS certificates, made before any test freezes the clock."""
    from .doors import certs

    certs.pems()


@pytest.fixture
def ses_smtp(_ses_smtp_certificates: None, ses_account: SesAccount) -> Iterator[SesSmtpServer]:
    """A loopback SMTP server answering like SES's SMTP interface, on the test's account."""
    from .doors.smtp import SesSmtpServer

    with SesSmtpServer(ses_account) as server:
        yield server


@pytest.fixture
def ses_server(_ses_smtp_certificates: None, ses_account: SesAccount) -> Iterator[SesServer]:
    """SES's APIs and SMTP on loopback ports for this test, on ses_account's state and clock."""
    from .serve.server import SesServer

    with SesServer(ses_account) as server:
        yield server


@pytest.fixture(autouse=True)
def _ses_quota_marker(request: pytest.FixtureRequest) -> None:
    """A test marked ses_quota gets the fake account even without asking for it."""
    if request.node.get_closest_marker("ses_quota") is not None:
        request.getfixturevalue("ses_account")


# -- reading a failure: SES's refusals, misspelled markers ----------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """A failure SES caused reads short: its traceback ends in the code that made the
    call (not in botocore's hooks or the plugin), and its summary line says what SES
    answered (``report.failure``). ``--fulltrace`` keeps every frame."""
    excinfo = call.excinfo
    account = item.stash.get(ACCOUNT, None)
    line: str | None = None
    if excinfo is not None and (
        account is not None or isinstance(excinfo.value, guard.UnfakedSesCall)
    ):
        from .report.failure import short_line, without_library_tail

        line = short_line(excinfo.value, None if account is None else account.requests)
        if line is not None and not item.config.getoption("fulltrace", False):
            shorter = without_library_tail(excinfo.tb)
            if shorter is not None:  # a copy: the exception's own traceback is left whole
                excinfo.traceback = type(excinfo.traceback)(shorter)
    outcome = yield
    reprcrash = getattr(outcome.get_result().longrepr, "reprcrash", None)
    if line is not None and reprcrash is not None:
        reprcrash.message = line


#: The plugin's markers, which a misspelling would silently leave out.
_MARKERS = ("ses_quota", REAL_MARKER)
_REGISTERED: pytest.StashKey[frozenset[str]] = pytest.StashKey()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A marker spelled close to one of the plugin's (``ses_qouta``) fails the test at
    setup: pytest only warns about an unknown marker, and the test would run on the
    defaults. Registered markers are never questioned."""
    config = item.config
    if _REGISTERED not in config.stash:
        lines = config.getini("markers")
        config.stash[_REGISTERED] = frozenset(
            line.split(":")[0].split("(")[0].strip() for line in lines
        )
    registered = config.stash[_REGISTERED]
    for mark in item.iter_markers():
        if mark.name in registered:
            continue
        import difflib

        close = difflib.get_close_matches(mark.name.lower(), _MARKERS, n=1, cutoff=0.8)
        if close:
            pytest.fail(
                f"@pytest.mark.{mark.name} is not a marker pytest knows: did you mean "
                f"@pytest.mark.{close[0]} (pytest-sesquota)? As written, the test would run "
                "without it. Run pytest with --strict-markers to make every unknown marker "
                "an error.",
                pytrace=False,
            )
