"""pytest wiring: the ``ses_quota`` marker, ini options and the fixtures.

The logic lives in the private modules; this one only connects them to pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import _botocore
from ._account import SesAccount
from ._clock import SesClock
from ._options import INI_OPTIONS, VALID_KEYS, OptionsError, SesQuotaOptions, from_ini, merge

# Registered at import, before test modules and conftest files create their
# boto3 clients, so every client made in this process can reach the fake.
_botocore.install()

_INI: pytest.StashKey[dict[str, Any]] = pytest.StashKey()
_BLOCKING: pytest.StashKey[str | None] = pytest.StashKey()
BLOCK_UNFAKED = "ses_quota_block_unfaked"

MARKER_HELP = (
    "ses_quota(profile='sandbox'|'production', max_24_hour_send=None, max_send_rate=None, "
    "sent_last_24_hours=0, burst=None, daily='would_exceed'|'below_max', region='us-east-1', "
    "regions=None, verified=None, start=None, sending_enabled=True, "
    "bulk_throttling='per_destination'|'whole_call', time_backend='freezegun'|'time-machine'): "
    "run the test against a "
    "fake Amazon SES account with these quotas, on a virtual clock (pytest-sesquota)"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (key, help_text) in INI_OPTIONS.items():
        if key == "verified":
            parser.addini(name, help=f"pytest-sesquota: {help_text}", type="linelist")
        else:
            parser.addini(name, help=f"pytest-sesquota: {help_text}", type="string")
    parser.addini(
        BLOCK_UNFAKED,
        help="pytest-sesquota: refuse SES calls made by tests without the fake SES account "
        "(default: false, they pass through to the real SES untouched)",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    try:
        config.stash[_INI] = from_ini(config.getini)
    except OptionsError as error:
        raise pytest.UsageError(str(error)) from None
    if config.getini(BLOCK_UNFAKED):
        config.stash[_BLOCKING] = _botocore.block_unfaked(BLOCK_UNFAKED)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _BLOCKING in config.stash:
        _botocore.block_unfaked(config.stash[_BLOCKING])


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
    try:
        options = options_for(request.node, request.config)
    except OptionsError as error:
        pytest.fail(str(error), pytrace=False)
    account = SesAccount(options)
    with account:
        yield account
    if account.internal_errors:
        pytest.fail(
            "pytest-sesquota hit an internal error while answering a request (answered "
            "as InternalFailure); this is a bug in the plugin, please report it:\n"
            + "\n".join(account.internal_errors),
            pytrace=False,
        )
    failed = [s for s in account.clock.scheduled if s.error is not None]
    if failed:
        pytest.fail(
            "an action scheduled with ses_account.schedule() raised when the virtual clock "
            "reached it:\n"
            + "\n".join(f"at {s.at.isoformat()}: {s.action!r}\n{s.error}" for s in failed),
            pytrace=False,
        )


@pytest.fixture
def ses_clock(ses_account: SesAccount) -> SesClock:
    """The virtual clock of the fake SES account (advance it, read its sleeps)."""
    return ses_account.clock


@pytest.fixture(autouse=True)
def _ses_quota_marker(request: pytest.FixtureRequest) -> None:
    """A test marked ses_quota gets the fake account even without asking for it."""
    if request.node.get_closest_marker("ses_quota") is not None:
        request.getfixturevalue("ses_account")
