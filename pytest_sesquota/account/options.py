"""Configuration of a fake account: one keyword-only options object, validated.

Layers, lowest first: built-in defaults, ini options, then ``ses_quota`` markers
from module to class to function (the closest marker wins, key by key).
Every bad value raises :class:`OptionsError` naming the valid choices.

:class:`SesQuotaOptions` is also the table of options: each field declares, in one
place, its type, default, check, text form, help and where it may be set (marker, ini
option, ``sesquota serve`` flag, a ``regions`` entry). Everything else reads ``OPTIONS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any, Literal

from ..clock.timebackend import (
    DEFAULT_TIME_BACKEND,
    TIME_BACKENDS,
    TimeBackendName,
    available,
)
from ..quota import DAILY_MODES, DailyMode
from . import optionchecks as checks
from .optionspec import (
    CLI,
    INI,
    INI_PREFIX,
    MARKER,
    REGION,
    OneOf,
    Option,
    OptionsError,
    boolean,
    marker_line,
    nested_keys,
    number,
    option,
    pairs,
    read_ini,
    rows,
    true_or_false,
    whole,
    words,
)
from .reputation_policy import POLICY_KEYS, ReputationPolicy, policy_from

__all__ = [
    "BUDGET_KEYS",
    "INI_OPTIONS",
    "OPTIONS",
    "PROFILES",
    "REGION_KEYS",
    "VALID_KEYS",
    "Checker",
    "OptionsError",
    "RegionSettings",
    "SesQuotaOptions",
    "from_ini",
    "marker_help",
    "merge",
]

Profile = Literal["sandbox", "production"]
BulkThrottling = Literal["per_destination", "whole_call"]
BULK_THROTTLING: tuple[BulkThrottling, ...] = ("per_destination", "whole_call")
#: profile -> (max_24_hour_send, max_send_rate), as SES grants them (the SES guide's
#: "Service quotas in Amazon SES").
PROFILES: dict[str, tuple[float, float]] = {
    "sandbox": (200.0, 1.0),
    "production": (50_000.0, 14.0),
}
DEFAULT_START = datetime(2026, 1, 1, tzinfo=timezone.utc)


#: How an ini value or a flag gives each key of ``reputation``.
_POLICY_TEXTS = {
    **dict.fromkeys(
        ("bounce_review", "bounce_pause", "complaint_review", "complaint_pause"), number
    ),
    "window": number,
    "minimum_volume": whole,
    "review_period": number,
    "enforced": boolean,
}
_EVERYWHERE = MARKER | INI | CLI
#: Settable per region too (``regions={'eu-west-1': {...}}``).
_PER_REGION = MARKER | CLI | REGION


@dataclass(frozen=True, kw_only=True)
class SesQuotaOptions:
    """Everything ``@pytest.mark.ses_quota(...)`` can say, validated."""

    profile: Profile = option(
        "sandbox",
        check=OneOf(PROFILES, "profiles"),
        where=_PER_REGION | INI,
        help="SES profile: sandbox (200 per 24 h, 1 per second) or production",
        doc='`"sandbox"`: 200 per 24 h, 1 per second (recipients must be verified too once '
        '`verified` is set); `"production"`: 50,000 per 24 h, 14 per second',
    )
    max_24_hour_send: float | None = option(
        None,
        check=checks.quota,
        text=number,
        where=_PER_REGION | INI,
        help="Max24HourSend, in recipients (-1: unlimited); default: the profile's",
        doc="Max24HourSend, in recipients; `-1` is unlimited",
        shown="the profile's",
    )
    max_send_rate: float | None = option(
        None,
        check=checks.quota,
        text=number,
        where=_PER_REGION | INI,
        help="MaxSendRate, recipients per second (-1: unlimited); default: the profile's",
        doc="MaxSendRate, recipients per second; `-1` is unlimited",
        shown="the profile's",
    )
    sent_last_24_hours: int = option(
        0,
        check=checks.whole("expected a whole number of recipients >= 0", 0, from_float=True),
        text=whole,
        where=_PER_REGION,
        help="usage already on the account (main region) at start",
        doc="usage already on the account (main region) at `start`; it ages out 24 h after `start`",
    )
    burst: float | None = option(
        None,
        check=checks.burst,
        text=number,
        where=_PER_REGION | INI,
        help="capacity of the send-rate token bucket, in recipients",
        shown="one second's worth",
    )
    daily: DailyMode = option(
        "would_exceed",
        check=OneOf(DAILY_MODES, "modes"),
        where=_PER_REGION | INI,
        help="daily quota check: would_exceed or below_max",
        doc='`"would_exceed"`: refuse when sent-in-24h + recipients > max; '
        '`"below_max"`: accept while sent-in-24h < max',
    )
    region: str = option(
        "us-east-1",
        check=checks.region,
        where=_EVERYWHERE,
        help="the account's main SES region (e.g. us-east-1)",
        doc="the account's main region (`region=None` in the API below means this one)",
    )
    regions: Mapping[str, Mapping[str, Any]] = option(
        factory=dict,
        check=checks.per_region(lambda: OPTIONS),
        text=None,
        where=MARKER,
        entries=REGION,
        help="other regions' settings, a dict of region -> dict of settings",
        doc='other regions\' settings: `{"eu-west-1": {"profile": "production", ...}}` '
        "with the keys {keys}; unlisted regions get the account-wide settings and no usage",
    )
    verified: tuple[str, ...] | None = option(
        None,
        check=checks.verified,
        text=words,
        where=_PER_REGION | INI,
        help="verified identities (separated by commas, spaces or lines); turns the check on",
        doc="`None`: identities are not checked. A list of addresses and domains turns the "
        "check on: the sender must be verified, and in the sandbox every recipient too "
        "(`MessageRejected`)",
    )
    start: datetime = option(
        DEFAULT_START,
        check=checks.start,
        where=_EVERYWHERE,
        help="virtual time at which the test starts (ISO 8601)",
        doc="virtual time at which the test starts (datetime, date or ISO 8601 string)",
    )
    sending_enabled: bool = option(
        True,
        check=true_or_false,
        text=boolean,
        where=_PER_REGION,
        help="false starts with sending paused",
        doc="`False` starts with sending paused (`AccountSendingPausedException`)",
    )
    reputation: Mapping[str, Any] = option(
        factory=dict,
        check=checks.reputation_policy,
        text=pairs(_POLICY_TEXTS),
        where=_PER_REGION | INI,
        entries=POLICY_KEYS,
        help="the reputation policy, key=value items (bounce_review=0.02 minimum_volume=100); "
        "default: SES's thresholds",
        doc="when SES acts on the bounce and complaint rates, for a test that needs another "
        'policy: e.g. `{"bounce_review": 0.02, "minimum_volume": 100}` (as an ini value or a '
        "flag: `bounce_review=0.02 minimum_volume=100`); any of {keys}; what is not given keeps "
        "its default. See [Reputation](reputation.md)",
        shown="SES's",
    )
    bulk_throttling: BulkThrottling = option(
        "per_destination",
        check=OneOf(BULK_THROTTLING, "choices"),
        where=_EVERYWHERE,
        help="bulk sends are throttled per_destination (default) or as a whole_call",
        doc="how a bulk send (v1 SendBulkTemplatedEmail, v2 SendBulkEmail) meets the quotas: "
        '`"per_destination"`, each destination decided in turn with its own status; '
        '`"whole_call"`, the quotas decide the call at once on all its recipients, and a '
        "refusal is the call's error (`Throttling`, `TooManyRequestsException`)",
    )
    time_backend: TimeBackendName = option(
        DEFAULT_TIME_BACKEND,
        check=OneOf(TIME_BACKENDS, "backends", then=checks.installed(lambda name: available(name))),
        where=_EVERYWHERE,
        help="how time is faked: auto (time-machine where installed, else freezegun), "
        "time-machine or freezegun",
        doc='how time is faked: `"auto"` (time-machine where installed, the default on CPython; '
        'else freezegun), `"time-machine"` or `"freezegun"`. See [The virtual clock](clock.md)',
    )
    auto_tick: float | None = option(
        None,
        check=checks.seconds("expected a number of seconds > 0 each read moves the clock, or None"),
        text=number,
        where=_EVERYWHERE,
        help="seconds every read of the clock moves it, for code that busy-waits without sleeping",
    )
    api_rate_limit: float | None = option(
        None,
        check=checks.seconds(
            "expected requests per second > 0 (SES allows 1), or None for no limit"
        ),
        text=number,
        where=_EVERYWHERE,
        help="requests per second for API actions but SendEmail, SendRawEmail and "
        "SendTemplatedEmail (SES: 1); default: no limit",
        doc="requests per second, per region, for API actions but SendEmail, SendRawEmail and "
        "SendTemplatedEmail, bulk sends included (SES: 1); one "
        "more is `Throttling` `Rate exceeded` (v1, 400) or `TooManyRequestsException` `Rate "
        "exceeded` (v2, 429). Off by default: under a frozen clock every call is at the same "
        "instant. Sends and SMTP are governed by the sending quotas alone",
    )
    # SMTP interface only (the ses_smtp fixture).
    smtp_require_starttls: bool = option(
        True,
        check=true_or_false,
        text=boolean,
        where=MARKER | CLI,
        help="SMTP: refuse AUTH and MAIL before STARTTLS, as SES does",
        doc="SMTP: refuse AUTH and MAIL before STARTTLS on `port` (`530 Must issue a STARTTLS "
        "command first`), as SES does; `False` lets a plain-text client in",
    )
    smtp_idle_timeout: float = option(
        10.0,
        check=checks.seconds("expected a number of seconds > 0 (real time; SES: 10)"),
        text=number,
        where=MARKER | CLI,
        help="SMTP: real seconds without data from a client before 451 and the close",
        doc="SMTP: seconds of **real** time without data from a client before `451 4.4.2 "
        "Timeout waiting for data from client.` and the close",
    )
    smtp_max_connections: int | None = option(
        None,
        check=checks.whole("expected a whole number of connections >= 1, or None", 1),
        text=whole,
        where=MARKER | CLI,
        help="SMTP: concurrent connections accepted (default: no limit)",
        doc="SMTP: concurrent connections accepted; one more gets `421 Too many concurrent "
        "SMTP connections`",
    )
    smtp_max_messages_per_connection: int | None = option(
        None,
        check=checks.whole("expected a whole number of messages >= 1, or None", 1),
        text=whole,
        where=MARKER | CLI,
        help="SMTP: messages one connection may send (default: no limit)",
        doc="SMTP: messages (DATA transactions) one connection may send; the next MAIL gets "
        "`421 Maximum message count per session reached` and the connection closes",
    )
    # CI regression checks (checked at teardown).
    fail_on_dropped: bool = option(
        False,
        check=true_or_false,
        text=boolean,
        where=_EVERYWHERE,
        help="fail a test at teardown when it dropped a message (refused, never sent again)",
        doc="fail the test at teardown when it dropped a message (see "
        "[CI regression checks](ci-checks.md))",
    )
    budget: Mapping[str, float] = option(
        factory=dict,
        check=checks.limits(lambda: BUDGET_KEYS),
        text=None,
        where=MARKER,
        # The figures a test may not exceed (each one's figure: report/checks.py).
        entries={
            "dropped": "messages refused and never sent again",
            "requests": "requests to SES",
            "throttled": "sends refused by the send rate or the daily quota",
            "virtual_seconds": "virtual time the test took",
            "bounce_rate": "the account's bounce rate at the end of the test (0.05 is 5 %)",
            "complaint_rate": "the account's complaint rate at the end of the test",
        },
        help="limits checked at teardown, a dict of figure -> limit",
        doc='limits checked at teardown, e.g. `{"throttled": 0, "requests": 10}`; any of {keys}',
    )
    transient_failures: float = option(
        0.0,
        check=checks.probability,
        text=number,
        where=_EVERYWHERE,
        help="probability (0 to 1) that a send attempt fails with SES's transient error",
    )
    seed: int | None = option(
        None,
        check=checks.whole(
            "expected a whole number >= 0 (as a failure report prints it), or None", 0
        ),
        text=whole,
        where=_EVERYWHERE,
        help="seed of the transient failures (default: random, printed in failure reports)",
        doc="seed of the transient faults (`None`: one is picked and printed in a failure report)",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            checked = OPTIONS[f.name].validate(getattr(self, f.name), "ses_quota")
            object.__setattr__(self, f.name, checked)

    def settings(self, region: str) -> RegionSettings:
        """Resolve a region: its own entry, then the account-wide keys, then the profile.

        ``sent_last_24_hours`` applies to the account's main ``region`` only;
        other regions start unused unless their entry says otherwise.
        """
        return RegionSettings.resolve(self, region)


#: The options table: name -> its row (field order).
OPTIONS: dict[str, Option] = rows(SesQuotaOptions)
VALID_KEYS = tuple(sorted(OPTIONS))
#: Keys a region entry of ``regions={...}`` may set.
REGION_KEYS = tuple(name for name, row in OPTIONS.items() if REGION in row.where)
#: Keys of ``budget={...}``: the figures a test may not exceed (checked at teardown).
BUDGET_KEYS: tuple[str, ...] = nested_keys(OPTIONS["budget"], OPTIONS)
#: ini option name -> (marker key, help): every row settable in the ini file.
INI_OPTIONS: dict[str, tuple[str, str]] = {
    INI_PREFIX + name: (name, row.help) for name, row in OPTIONS.items() if INI in row.where
}


@dataclass(frozen=True, kw_only=True)
class RegionSettings:
    """The resolved settings of one region."""

    production: bool
    max_24_hour_send: float
    max_send_rate: float
    burst: float | None
    daily: DailyMode
    sent_last_24_hours: int
    verified: tuple[str, ...] | None
    sending_enabled: bool
    reputation: ReputationPolicy

    @classmethod
    def resolve(cls, options: SesQuotaOptions, region: str) -> RegionSettings:
        entry = options.regions.get(region, {})
        profile = entry.get("profile", options.profile)
        profile_daily, profile_rate = PROFILES[profile]

        def number(key: str, profile_value: float) -> float:
            if entry.get(key) is not None:
                return float(entry[key])
            # A region that names its own profile takes that profile's numbers.
            if "profile" not in entry and getattr(options, key) is not None:
                return float(getattr(options, key))
            return profile_value

        return cls(
            production=profile == "production",
            max_24_hour_send=number("max_24_hour_send", profile_daily),
            max_send_rate=number("max_send_rate", profile_rate),
            burst=entry.get("burst", options.burst),
            daily=entry.get("daily", options.daily),
            sent_last_24_hours=entry.get(
                "sent_last_24_hours",
                options.sent_last_24_hours if region == options.region else 0,
            ),
            verified=entry.get("verified", options.verified),
            sending_enabled=entry.get("sending_enabled", options.sending_enabled),
            reputation=policy_from(entry.get("reputation", options.reputation)),
        )


class Checker:
    """Validates one key at a time, as the marker would: ``Checker("set_quota()")
    .value("max_send_rate", 5)``; ``where`` names the source in messages."""

    def __init__(self, where: str) -> None:
        self.where = where

    def value(self, key: str, value: Any) -> Any:
        return OPTIONS[key].validate(value, self.where)


def merge(layers: Iterable[tuple[str, Mapping[str, Any]]]) -> SesQuotaOptions:
    """Build options from ``(source, kwargs)`` layers given lowest priority first.

    Unknown keys fail with the source named and the valid keys listed.
    """
    merged: dict[str, Any] = {}
    for source, kwargs in layers:
        for key, value in kwargs.items():
            if key not in OPTIONS:
                raise OptionsError(
                    f"{source} got an unexpected argument {key!r}. "
                    f"Valid arguments: {', '.join(VALID_KEYS)}"
                )
            merged[key] = value
    return SesQuotaOptions(**merged)


def from_ini(get: Any) -> dict[str, Any]:
    """Read the ini options through ``get(name)`` (``config.getini``); validate them."""
    return read_ini(get, OPTIONS)


def marker_help() -> str:
    """The marker's line in ``pytest --markers``."""
    what = "run the test against a fake Amazon SES account with these quotas, on a virtual clock"
    return marker_line("ses_quota", OPTIONS, f"{what} (pytest-sesquota)")
