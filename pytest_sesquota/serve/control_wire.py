"""The control API's shared wire: its replies, its errors, and how it reads a body.

Every route module of the control API (``serve.control`` and the modules it gathers
routes from) answers through these, so that a bad request reads the same whatever the
route: JSON in, strict (no NaN, no number too large for the account), and a 400 that
names what was wrong.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime
from typing import Any

from ..wire.sigv4 import REGION_NAME

__all__ = [
    "REGION",
    "ControlError",
    "Reply",
    "document_region",
    "json_reply",
    "read_body",
    "refuse_unknown",
    "region_name",
    "whole_param",
]
#: What a route answers: status, headers, body.
Reply = tuple[int, dict[str, str], bytes]


class ControlError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


def json_reply(status: int, document: Any) -> Reply:
    # allow_nan=False: Infinity and NaN are not JSON; nothing of ours should hold them.
    body = json.dumps(document, default=_encode, allow_nan=False).encode()
    return status, {"Content-Type": "application/json"}, body


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON: {type(value).__name__}")


REGION = r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"


def region_name(region: str) -> str:
    if not REGION_NAME.fullmatch(region):
        raise ControlError(
            400, "BadRequest", f"{region!r} is not an AWS region name (such as 'us-east-1')."
        )
    return region


def whole_param(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ControlError(
            400, "BadRequest", f"{name} must be a whole number from {low} to {high}, not {text!r}."
        )
    return int(text)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range for a number")
    return number


def _integer(text: str) -> int:
    # JSON has no limit on integers; the account's numbers are floats (1.8e308 at most).
    shown = text if len(text) <= 24 else f"{text[:20]}..."
    try:
        number = int(text) if len(text) <= 400 else None
        if number is None or not math.isfinite(float(number)):
            raise OverflowError
    except OverflowError:
        raise ValueError(f"{shown} is out of range for a number") from None
    return number


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON")


def read_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        # Strict JSON: no Infinity, NaN, or numbers too large for a float (1e400).
        document = json.loads(
            raw, parse_float=_finite, parse_int=_integer, parse_constant=_constant
        )
    except json.JSONDecodeError:
        raise ControlError(400, "BadRequest", "The request body is not valid JSON.") from None
    except ValueError as error:  # Infinity, NaN, 1e400, 10**400
        raise ControlError(
            400, "BadRequest", f"The request body is not valid JSON: {error}."
        ) from None
    except RecursionError:
        raise ControlError(400, "BadRequest", "The request body is nested too deeply.") from None
    if not isinstance(document, dict):
        raise ControlError(400, "BadRequest", "The request body must be a JSON object.")
    return document


def refuse_unknown(document: dict[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(document) - set(allowed))
    if extra:
        raise ControlError(
            400,
            "BadRequest",
            f"Unknown field(s): {', '.join(extra)}. Valid fields: {', '.join(allowed)}.",
        )


def document_region(document: dict[str, Any]) -> str | None:
    """The body's optional ``region``: None, or an AWS region name (else a 400)."""
    region = document.get("region")
    if region is not None and not (isinstance(region, str) and REGION_NAME.fullmatch(region)):
        raise ControlError(400, "BadRequest", "region must be an AWS region name.")
    return region
