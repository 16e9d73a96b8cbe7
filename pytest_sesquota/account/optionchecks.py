"""The checks of the marker's values: each returns the value as the options keep it, or
raises :class:`~.optionspec.Invalid` saying what was expected (the caller adds where)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .optionspec import REGION, Check, Invalid, Option, is_number, quoted, true_or_false
from .reputation_policy import POLICY_KEYS, policy_from

__all__ = [
    "burst",
    "installed",
    "limits",
    "per_region",
    "probability",
    "quota",
    "region",
    "reputation_policy",
    "seconds",
    "start",
    "verified",
    "whole",
]

_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def quota(value: Any) -> float:
    if not is_number(value) or not (value > 0 or value == -1):
        raise Invalid("expected a positive number, or -1 for unlimited")
    if not math.isfinite(value):  # SES says "unlimited" with -1, and JSON has no inf
        raise Invalid("expected a finite number; -1 means unlimited")
    return float(value)


def seconds(expected: str) -> Check:
    """A finite number > 0 (of seconds, of requests per second)."""

    def check(value: Any) -> float:
        if not is_number(value) or not 0 < value < math.inf:
            raise Invalid(expected)
        return float(value)

    return check


def burst(value: Any) -> float:
    if not is_number(value) or not 1 <= value < math.inf:
        raise Invalid("expected a number of recipients >= 1 (the token bucket's capacity)")
    return float(value)


def whole(expected: str, least: int, *, from_float: bool = False) -> Check:
    """A whole number >= ``least`` (never a bool)."""

    def check(value: Any) -> int:
        if from_float and isinstance(value, float) and value.is_integer():
            value = int(value)  # a count of recipients from JSON may arrive as 7.0
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise Invalid(expected)
        return value

    return check


def installed(available: Callable[[str], bool]) -> Check:
    """A time backend that is installed (``available`` is asked at each check)."""

    def check(value: str) -> str:
        if not available(value):
            raise Invalid(
                'it needs the time-machine package: pip install "pytest-sesquota[time-machine]"'
            )
        return value

    return check


def probability(value: Any) -> float:
    if not is_number(value) or not 0 <= value <= 1:
        raise Invalid("expected a probability from 0 to 1 (0.1: one send attempt in ten)")
    return float(value)


def region(value: Any) -> str:
    if not isinstance(value, str) or not _REGION_RE.match(value):
        raise Invalid("expected an AWS region name such as 'us-east-1'")
    return value


def per_region(table: Callable[[], Mapping[str, Option]]) -> Check:
    """``regions={'eu-west-1': {...}}``: each entry may set ``table()``'s rows marked
    REGION, checked as those rows check them (``table`` is read when checking: the table
    is built after its rows)."""

    def check(value: Any) -> Mapping[str, Mapping[str, Any]]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise Invalid("expected a dict such as {'eu-west-1': {'profile': 'production'}}")
        rows = table()
        valid = tuple(key for key, row in rows.items() if REGION in row.where)
        resolved: dict[str, dict[str, Any]] = {}
        for name, entry in value.items():
            try:
                region(name)
            except Invalid as invalid:
                raise Invalid(invalid.expected, key="regions key", value=name) from None
            within = f"regions[{name!r}]"
            if not isinstance(entry, Mapping):
                raise Invalid(f"expected a dict of {quoted(valid)}", key=within, value=entry)
            checked: dict[str, Any] = {}
            for key, item in entry.items():
                if key not in valid:
                    raise Invalid(
                        message=f"{within} got an unexpected key {key!r}. "
                        f"Valid keys: {', '.join(valid)}"
                    )
                try:
                    checked[key] = rows[key].accept(item)
                except Invalid as invalid:
                    raise invalid.inside(within, key, item) from None
            resolved[name] = checked
        return resolved

    return check


def limits(keys: Callable[[], Iterable[str]]) -> Check:
    """``budget={...}``: numbers >= 0 for some of ``keys()`` (read when checking)."""

    def check(value: Any) -> Mapping[str, float]:
        valid = tuple(keys())
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise Invalid("expected a dict such as {'throttled': 0, 'requests': 10}")
        for name, limit in value.items():
            if name not in valid:
                raise Invalid(
                    message=f"budget got an unexpected key {name!r}. Valid keys: {', '.join(valid)}"
                )
            if not is_number(limit) or limit < 0:
                raise Invalid("expected a number >= 0", key=f"budget[{name!r}]", value=limit)
        return dict(value)

    return check


def fraction(value: Any) -> float:
    if not is_number(value) or not 0 < value <= 1:
        raise Invalid("expected a fraction above 0 and at most 1 (0.05 is 5 %)")
    return float(value)


def span(value: Any) -> float:
    """Seconds, from a number or a timedelta (kept as seconds: the options hold plain values)."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if not is_number(value) or not 0 < value < math.inf:
        raise Invalid("expected a positive number of seconds or a timedelta")
    return float(value)


_POLICY_CHECKS: dict[str, Check] = {
    "bounce_review": fraction,
    "bounce_pause": fraction,
    "complaint_review": fraction,
    "complaint_pause": fraction,
    "window": span,
    "minimum_volume": whole("expected a whole number of recipients >= 1", 1, from_float=True),
    "review_period": span,
    "enforced": true_or_false,
}
assert _POLICY_CHECKS.keys() == POLICY_KEYS.keys()


def reputation_policy(value: Any) -> Mapping[str, Any]:
    """``reputation={...}``: some of the policy's keys, each checked, and the policy they
    make with the others' defaults (a pause threshold not below its review threshold)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Invalid("expected a dict such as {'bounce_review': 0.02, 'minimum_volume': 100}")
    checked: dict[str, Any] = {}
    for name, item in value.items():
        if name not in POLICY_KEYS:
            raise Invalid(
                message=f"reputation got an unexpected key {name!r}. "
                f"Valid keys: {', '.join(POLICY_KEYS)}"
            )
        try:
            checked[name] = _POLICY_CHECKS[name](item)
        except Invalid as invalid:
            raise Invalid(invalid.expected, key=f"reputation[{name!r}]", value=item) from None
    try:
        policy_from(checked)
    except ValueError as error:
        reason = str(error).removeprefix("set_reputation_policy(): ")
        raise Invalid(message=f"reputation: {reason}") from None
    return checked


def verified(value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise Invalid(
            "expected a list of addresses and domains, e.g. "
            "verified=['app@example.com', 'example.org'], or None to skip the check"
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, str) or not item or item != item.strip():
            raise Invalid(f"{item!r} is not an email address or a domain")
    return items


def start(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise Invalid("expected an ISO 8601 time such as '2026-01-01T00:00:00Z'") from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise Invalid("expected a datetime, a date or an ISO 8601 string")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    moment: datetime = value.astimezone(timezone.utc)
    return moment
