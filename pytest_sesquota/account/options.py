"""Configuration of a fake account: one keyword-only options object, validated.

Layers, lowest first: built-in defaults, ini options, then ``ses_quota`` markers
from module to class to function (the closest marker wins, key by key).
Every bad value raises :class:`OptionsError` naming the valid choices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from typing import Any, Literal

from ..clock.timebackend import (
    DEFAULT_TIME_BACKEND,
    TIME_BACKENDS,
    TimeBackendName,
    available,
)
from ..quota.engine import DAILY_MODES, DailyMode

Profile = Literal["sandbox", "production"]
BulkThrottling = Literal["per_destination", "whole_call"]
BULK_THROTTLING: tuple[BulkThrottling, ...] = ("per_destination", "whole_call")
#: profile -> (max_24_hour_send, max_send_rate), as SES grants them (seed 002).
PROFILES: dict[str, tuple[float, float]] = {
    "sandbox": (200.0, 1.0),
    "production": (50_000.0, 14.0),
}
DEFAULT_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

#: Keys a region entry of ``regions={...}`` may set.
REGION_KEYS = (
    "profile",
    "max_24_hour_send",
    "max_send_rate",
    "sent_last_24_hours",
    "burst",
    "daily",
    "verified",
    "sending_enabled",
)
#: Keys of ``budget={...}``: the figures a test may not exceed (checked at teardown).
BUDGET_KEYS = ("dropped", "requests", "throttled", "virtual_seconds")


class OptionsError(ValueError):
    """A marker argument or ini option that cannot be used; the text names the choices."""


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


@dataclass(frozen=True, kw_only=True)
class SesQuotaOptions:
    """Everything ``@pytest.mark.ses_quota(...)`` can say, validated."""

    profile: Profile = "sandbox"
    max_24_hour_send: float | None = None
    max_send_rate: float | None = None
    sent_last_24_hours: int = 0
    burst: float | None = None
    daily: DailyMode = "would_exceed"
    region: str = "us-east-1"
    regions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    verified: tuple[str, ...] | None = None
    start: datetime = DEFAULT_START
    sending_enabled: bool = True
    bulk_throttling: BulkThrottling = "per_destination"
    time_backend: TimeBackendName = DEFAULT_TIME_BACKEND
    #: Seconds every read of the clock moves it (for loops that poll it without sleeping).
    auto_tick: float | None = None
    #: Requests per second for the API's actions other than sends (SES: 1); None: no limit.
    api_rate_limit: float | None = None
    # SMTP interface only (the ses_smtp fixture).
    smtp_require_starttls: bool = True
    smtp_idle_timeout: float = 10.0
    smtp_max_connections: int | None = None
    smtp_max_messages_per_connection: int | None = None
    # CI regression checks (checked at teardown).
    fail_on_dropped: bool = False
    budget: Mapping[str, float] = field(default_factory=dict)
    #: Probability (0..1) that a send attempt fails with SES's transient error.
    transient_failures: float = 0.0
    #: Seed of the transient faults (``None``: a random one, printed in failure reports).
    seed: int | None = None

    def __post_init__(self) -> None:
        check = Checker("ses_quota")
        for f in fields(self):
            object.__setattr__(self, f.name, check.value(f.name, getattr(self, f.name)))

    def settings(self, region: str) -> RegionSettings:
        """Resolve a region: its own entry, then the account-wide keys, then the profile.

        ``sent_last_24_hours`` applies to the account's main ``region`` only;
        other regions start unused unless their entry says otherwise.
        """
        entry = self.regions.get(region, {})
        profile = entry.get("profile", self.profile)
        profile_daily, profile_rate = PROFILES[profile]

        def number(key: str, profile_value: float) -> float:
            if entry.get(key) is not None:
                return float(entry[key])
            # A region that names its own profile takes that profile's numbers.
            if "profile" not in entry and getattr(self, key) is not None:
                return float(getattr(self, key))
            return profile_value

        return RegionSettings(
            production=profile == "production",
            max_24_hour_send=number("max_24_hour_send", profile_daily),
            max_send_rate=number("max_send_rate", profile_rate),
            burst=entry.get("burst", self.burst),
            daily=entry.get("daily", self.daily),
            sent_last_24_hours=entry.get(
                "sent_last_24_hours", self.sent_last_24_hours if region == self.region else 0
            ),
            verified=entry.get("verified", self.verified),
            sending_enabled=entry.get("sending_enabled", self.sending_enabled),
        )


VALID_KEYS = tuple(sorted(f.name for f in fields(SesQuotaOptions)))


def _choices(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


class Checker:
    """Validates one value at a time; ``where`` names the source in messages."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, value: Any, expected: str) -> OptionsError:
        return OptionsError(f"{self.where}: {key}={value!r} is not valid; {expected}")

    def value(self, key: str, value: Any) -> Any:
        method = getattr(self, f"_{key}")
        return method(key, value)

    def _profile(self, key: str, value: Any) -> Any:
        if value not in PROFILES:
            raise self.fail(key, value, f"valid profiles: {_choices(PROFILES)}")
        return value

    def _bulk_throttling(self, key: str, value: Any) -> Any:
        if value not in BULK_THROTTLING:
            raise self.fail(key, value, f"valid choices: {_choices(BULK_THROTTLING)}")
        return value

    def _time_backend(self, key: str, value: Any) -> Any:
        if value not in TIME_BACKENDS:
            raise self.fail(key, value, f"valid backends: {_choices(TIME_BACKENDS)}")
        if not available(value):
            raise self.fail(
                key,
                value,
                'it needs the time-machine package: pip install "pytest-sesquota[time-machine]"',
            )
        return value

    def _auto_tick(self, key: str, value: Any) -> float | None:
        if value is None:
            return None
        if not _is_number(value) or not 0 < value < float("inf"):
            raise self.fail(
                key, value, "expected a number of seconds > 0 each read moves the clock, or None"
            )
        return float(value)

    def _daily(self, key: str, value: Any) -> Any:
        if value not in DAILY_MODES:
            raise self.fail(key, value, f"valid modes: {_choices(DAILY_MODES)}")
        return value

    def _quota(self, key: str, value: Any) -> float | None:
        if value is None:
            return None
        if not _is_number(value) or not (value > 0 or value == -1):
            raise self.fail(key, value, "expected a positive number, or -1 for unlimited")
        if not math.isfinite(value):  # SES says "unlimited" with -1, and JSON has no inf
            raise self.fail(key, value, "expected a finite number; -1 means unlimited")
        return float(value)

    _max_24_hour_send = _max_send_rate = _quota

    def _burst(self, key: str, value: Any) -> float | None:
        if value is None:
            return None
        if not _is_number(value) or not 1 <= value < math.inf:
            raise self.fail(
                key, value, "expected a number of recipients >= 1 (the token bucket's capacity)"
            )
        return float(value)

    def _sent_last_24_hours(self, key: str, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(key, value, "expected a whole number of recipients >= 0")
        return value

    def _region(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not _REGION_RE.match(value):
            raise self.fail(key, value, "expected an AWS region name such as 'us-east-1'")
        return value

    def _regions(self, key: str, value: Any) -> Mapping[str, Mapping[str, Any]]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(
                key, value, "expected a dict such as {'eu-west-1': {'profile': 'production'}}"
            )
        resolved: dict[str, dict[str, Any]] = {}
        for region, entry in value.items():
            self._region(f"{key} key", region)
            if not isinstance(entry, Mapping):
                raise self.fail(
                    f"regions[{region!r}]", entry, f"expected a dict of {_choices(REGION_KEYS)}"
                )
            inner = Checker(f"{self.where}: regions[{region!r}]")
            checked: dict[str, Any] = {}
            for name, item in entry.items():
                if name not in REGION_KEYS:
                    raise OptionsError(
                        f"{self.where}: regions[{region!r}] got an unexpected key {name!r}. "
                        f"Valid keys: {', '.join(REGION_KEYS)}"
                    )
                checked[name] = inner.value(name, item)
            resolved[region] = checked
        return resolved

    def _verified(self, key: str, value: Any) -> tuple[str, ...] | None:
        if value is None:
            return None
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise self.fail(
                key,
                value,
                "expected a list of addresses and domains, e.g. "
                "verified=['app@example.com', 'example.org'], or None to skip the check",
            )
        items = tuple(value)
        for item in items:
            if not isinstance(item, str) or not item or item != item.strip():
                raise self.fail(key, value, f"{item!r} is not an email address or a domain")
        return items

    def _start(self, key: str, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(
                    key, value, "expected an ISO 8601 time such as '2026-01-01T00:00:00Z'"
                ) from None
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if not isinstance(value, datetime):
            raise self.fail(key, value, "expected a datetime, a date or an ISO 8601 string")
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        moment: datetime = value.astimezone(timezone.utc)
        return moment

    def _sending_enabled(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, value, "expected True or False")
        return value

    _smtp_require_starttls = _fail_on_dropped = _sending_enabled

    def _budget(self, key: str, value: Any) -> Mapping[str, float]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(key, value, "expected a dict such as {'throttled': 0, 'requests': 10}")
        checked: dict[str, float] = {}
        for name, limit in value.items():
            if name not in BUDGET_KEYS:
                raise OptionsError(
                    f"{self.where}: budget got an unexpected key {name!r}. "
                    f"Valid keys: {', '.join(BUDGET_KEYS)}"
                )
            if not _is_number(limit) or limit < 0:
                raise self.fail(f"budget[{name!r}]", limit, "expected a number >= 0")
            checked[name] = limit
        return checked

    def _transient_failures(self, key: str, value: Any) -> float:
        if not _is_number(value) or not 0 <= value <= 1:
            raise self.fail(
                key, value, "expected a probability from 0 to 1 (0.1: one send attempt in ten)"
            )
        return float(value)

    def _seed(self, key: str, value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(
                key, value, "expected a whole number >= 0 (as a failure report prints it), or None"
            )
        return value

    def _smtp_idle_timeout(self, key: str, value: Any) -> float:
        if not _is_number(value) or not value > 0 or value == float("inf"):
            raise self.fail(key, value, "expected a number of seconds > 0 (real time; SES: 10)")
        return float(value)

    def _smtp_max_connections(self, key: str, value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.fail(key, value, "expected a whole number of connections >= 1, or None")
        return value

    def _smtp_max_messages_per_connection(self, key: str, value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.fail(key, value, "expected a whole number of messages >= 1, or None")
        return value

    def _api_rate_limit(self, key: str, value: Any) -> float | None:
        if value is None:
            return None
        if not _is_number(value) or not 0 < value < float("inf"):
            raise self.fail(
                key, value, "expected requests per second > 0 (SES allows 1), or None for no limit"
            )
        return float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def merge(layers: Iterable[tuple[str, Mapping[str, Any]]]) -> SesQuotaOptions:
    """Build options from ``(source, kwargs)`` layers given lowest priority first.

    Unknown keys fail with the source named and the valid keys listed.
    """
    merged: dict[str, Any] = {}
    for source, kwargs in layers:
        for key, value in kwargs.items():
            if key not in VALID_KEYS:
                raise OptionsError(
                    f"{source} got an unexpected argument {key!r}. "
                    f"Valid arguments: {', '.join(VALID_KEYS)}"
                )
            merged[key] = value
    return SesQuotaOptions(**merged)


#: ini option name -> (marker key, help). Values are strings, converted below.
INI_OPTIONS: dict[str, tuple[str, str]] = {
    "ses_quota_profile": ("profile", "default SES profile: sandbox or production"),
    "ses_quota_region": ("region", "default SES region (e.g. us-east-1)"),
    "ses_quota_daily": ("daily", "daily quota check: would_exceed or below_max"),
    "ses_quota_bulk_throttling": (
        "bulk_throttling",
        "bulk sends are throttled per_destination (default) or as a whole_call",
    ),
    "ses_quota_time_backend": (
        "time_backend",
        "how time is faked: auto (default: time-machine where installed, else freezegun), "
        "time-machine or freezegun",
    ),
    "ses_quota_auto_tick": (
        "auto_tick",
        "seconds each read of the virtual clock moves it (default: none; for busy loops)",
    ),
    "ses_quota_max_24_hour_send": ("max_24_hour_send", "default Max24HourSend (-1: unlimited)"),
    "ses_quota_max_send_rate": ("max_send_rate", "default MaxSendRate (-1: unlimited)"),
    "ses_quota_burst": ("burst", "default token bucket capacity, in recipients"),
    "ses_quota_api_rate_limit": (
        "api_rate_limit",
        "requests per second for API actions other than sends (SES: 1); default: no limit",
    ),
    "ses_quota_start": ("start", "default virtual start time (ISO 8601)"),
    "ses_quota_verified": (
        "verified",
        "verified identities (one per line or space-separated); turns the check on",
    ),
    "ses_quota_fail_on_dropped": (
        "fail_on_dropped",
        "true fails a test at teardown when it dropped a message (refused and never sent again)",
    ),
    "ses_quota_transient_failures": (
        "transient_failures",
        "probability (0..1) that a send attempt fails with SES's transient error",
    ),
    "ses_quota_seed": ("seed", "seed of the transient failures (default: random, printed)"),
}
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True}
_BOOLEANS |= {"false": False, "no": False, "off": False, "0": False}


def from_ini(get: Any) -> dict[str, Any]:
    """Read the ini options through ``get(name)`` (``config.getini``); validate them."""
    values: dict[str, Any] = {}
    for name, (key, _help) in INI_OPTIONS.items():
        raw = get(name)
        if raw in (None, "", []):
            continue
        if key == "verified":
            values[key] = list(raw)
            continue
        text = str(raw).strip()
        if key == "fail_on_dropped":
            if text.lower() not in _BOOLEANS:
                raise OptionsError(
                    f"ini option {name}={text!r} is not valid; expected true or false"
                )
            values[key] = _BOOLEANS[text.lower()]
        elif key == "seed":
            try:
                values[key] = int(text)
            except ValueError:
                raise OptionsError(
                    f"ini option {name}={text!r} is not valid; expected a whole number"
                ) from None
        elif key in (
            "max_24_hour_send",
            "max_send_rate",
            "burst",
            "auto_tick",
            "api_rate_limit",
            "transient_failures",
        ):
            try:
                number: Any = float(text)
            except ValueError:
                raise OptionsError(
                    f"ini option {name}={text!r} is not valid; expected a number"
                ) from None
            values[key] = number
        else:
            values[key] = text
    checker = Checker("ini option")
    for key, value in values.items():
        name = next(n for n, (k, _h) in INI_OPTIONS.items() if k == key)
        checker.where = f"ini option {name}"
        checker.value(key, value)
    return values
