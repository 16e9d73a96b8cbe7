"""The server's control API under ``/_sesquota/``: read and steer the fake account.

JSON in and out, described by the OpenAPI document the server serves at
``/_sesquota/openapi.json`` (``OPENAPI`` below). Routes: quotas (read, set), the ledger,
the clock (read; advance when virtual), identities (verify), reset, and the quota
timeline picture.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from ..account.account import Account
from ..account.ledger import FaultedSend, RejectedSend, SentMessage, SesRequest, ThrottledSend
from ..account.options import OptionsError
from .store import Store

PREFIX = "/_sesquota"
Reply = tuple[int, dict[str, str], bytes]


class ControlError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


def _json(status: int, document: Any) -> Reply:
    body = json.dumps(document, default=_encode, sort_keys=False).encode()
    return status, {"Content-Type": "application/json"}, body


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON: {type(value).__name__}")


# -- documents ------------------------------------------------------------------
def quota_of(account: Account, region: str) -> dict[str, Any]:
    max_24, rate, used = account.quota(region)
    return {
        "region": region,
        "max_24_hour_send": max_24,
        "max_send_rate": rate,
        "sent_last_24_hours": used,
        "available_rate": account.available_rate(region),
        "production": not account.in_sandbox(region),
        "sending_enabled": account.sending_enabled(region),
    }


def clock_of(account: Account) -> dict[str, Any]:
    clock = account.clock
    return {
        "now": clock.now(),
        "time": clock.time(),
        "start": clock.start_time,
        "elapsed": clock.elapsed(),
        "mode": "real" if clock.real else "virtual",
    }


_KINDS: dict[type, str] = {
    SentMessage: "sent",
    ThrottledSend: "throttled",
    RejectedSend: "rejected",
    FaultedSend: "failed",
}


def entry(item: SentMessage | ThrottledSend | RejectedSend | FaultedSend) -> dict[str, Any]:
    document = {"kind": _KINDS[type(item)], **dataclasses.asdict(item)}
    document.pop("content", None)  # what a refused message said: for dropped, not for here
    if isinstance(item, ThrottledSend):
        document["message"] = item.message
    return document


def request_of(item: SesRequest) -> dict[str, Any]:
    return {
        "time": item.time,
        "region": item.region,
        "api": item.api,
        "operation": item.operation,
        "status": item.status,
        "error_code": item.error_code,
        "error_message": item.error_message,
        "message_ids": list(item.message_ids),
        "outcomes": [entry(o) for o in item.outcomes],
    }


def ledger_of(account: Account, region: str | None) -> dict[str, Any]:
    def keep(item: Any) -> bool:
        return region is None or item.region == region

    return {
        "sent": [entry(m) for m in account.sent if keep(m)],
        "throttled": [entry(t) for t in account.throttled if keep(t)],
        "rejected": [entry(r) for r in account.rejected if keep(r)],
        "requests": [request_of(r) for r in account.requests if keep(r)],
    }


# -- routes ---------------------------------------------------------------------
_QUOTA_KEYS = ("max_24_hour_send", "max_send_rate", "burst", "daily", "sent_last_24_hours")
_REGION = r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"


def _body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except ValueError:
        raise ControlError(400, "BadRequest", "The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise ControlError(400, "BadRequest", "The request body must be a JSON object.")
    return document


def _unknown(document: dict[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(document) - set(allowed))
    if extra:
        raise ControlError(
            400,
            "BadRequest",
            f"Unknown field(s): {', '.join(extra)}. Valid fields: {', '.join(allowed)}.",
        )


class Control:
    """Answers ``/_sesquota/...`` for one server's account."""

    def __init__(
        self,
        account: Account,
        *,
        info: Callable[[], dict[str, Any]],
        store: Store | None = None,
    ) -> None:
        self.account = account
        self.info = info
        self.store = store
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("GET", re.compile(rf"^{PREFIX}/?$"), self.index),
            ("GET", re.compile(rf"^{PREFIX}/openapi\.json$"), self.openapi),
            ("GET", re.compile(rf"^{PREFIX}/quotas$"), self.quotas),
            ("GET", re.compile(rf"^{PREFIX}/quotas/{_REGION}$"), self.quota),
            ("PUT", re.compile(rf"^{PREFIX}/quotas/{_REGION}$"), self.set_quota),
            ("GET", re.compile(rf"^{PREFIX}/ledger$"), self.ledger),
            ("GET", re.compile(rf"^{PREFIX}/clock$"), self.clock),
            ("POST", re.compile(rf"^{PREFIX}/clock/advance$"), self.advance),
            ("POST", re.compile(rf"^{PREFIX}/identities$"), self.verify),
            ("POST", re.compile(rf"^{PREFIX}/reset$"), self.reset),
            ("GET", re.compile(rf"^{PREFIX}/plot\.png$"), self.plot),
        ]

    def handle(self, method: str, path: str, query: str, body: bytes) -> Reply:
        params = dict(parse_qsl(query))
        allowed = []
        for verb, pattern, handler in self.routes:
            match = pattern.match(path)
            if match is None:
                continue
            if verb != method:
                allowed.append(verb)
                continue
            try:
                reply: Reply = handler(params=params, body=body, **match.groupdict())
                if self.store is not None and method != "GET":
                    self.store.save(self.account)  # SES requests are saved as they are logged
                return reply
            except ControlError as error:
                return _json(error.status, {"error": error.error, "message": error.message})
            except OptionsError as error:
                return _json(400, {"error": "BadRequest", "message": str(error)})
        if allowed:
            return _json(
                405,
                {
                    "error": "MethodNotAllowed",
                    "message": f"{method} is not allowed on {path}; use {', '.join(allowed)}.",
                },
            )
        return _json(
            404,
            {
                "error": "NotFound",
                "message": f"No control endpoint {path}; see {PREFIX}/openapi.json.",
            },
        )

    # handlers
    def index(self, **_: Any) -> Reply:
        return _json(200, {**self.info(), "openapi": f"{PREFIX}/openapi.json"})

    def openapi(self, **_: Any) -> Reply:
        return _json(200, OPENAPI)

    def quotas(self, **_: Any) -> Reply:
        regions = self.account.regions()
        return _json(200, {"regions": {r: quota_of(self.account, r) for r in regions}})

    def quota(self, region: str, **_: Any) -> Reply:
        return _json(200, quota_of(self.account, region))

    def set_quota(self, region: str, body: bytes, **_: Any) -> Reply:
        document = _body(body)
        _unknown(document, (*_QUOTA_KEYS, "production", "sending_enabled"))
        if "production" in document:
            if not isinstance(document["production"], bool):
                raise ControlError(400, "BadRequest", "production must be true or false.")
            if document["production"]:
                self.account.grant_production_access(region=region)
        if "sending_enabled" in document:
            if not isinstance(document["sending_enabled"], bool):
                raise ControlError(400, "BadRequest", "sending_enabled must be true or false.")
            if document["sending_enabled"]:
                self.account.resume_sending(region)
            else:
                self.account.pause_sending(region)
        self.account.set_quota(region=region, **{k: document.get(k) for k in _QUOTA_KEYS})
        return _json(200, quota_of(self.account, region))

    def ledger(self, params: dict[str, str], **_: Any) -> Reply:
        return _json(200, ledger_of(self.account, params.get("region")))

    def clock(self, **_: Any) -> Reply:
        return _json(200, clock_of(self.account))

    def advance(self, body: bytes, **_: Any) -> Reply:
        document = _body(body)
        _unknown(document, ("seconds",))
        seconds = document.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ControlError(400, "BadRequest", "seconds must be a number >= 0.")
        clock = self.account.clock
        if clock.real:
            raise ControlError(
                409,
                "Conflict",
                "The clock runs on real time; start the server with --clock virtual to advance it.",
            )
        clock.advance(seconds=seconds)
        return _json(200, clock_of(self.account))

    def verify(self, body: bytes, **_: Any) -> Reply:
        document = _body(body)
        _unknown(document, ("identities", "region"))
        identities = document.get("identities")
        region = document.get("region")
        if (
            not isinstance(identities, list)
            or not identities
            or not all(isinstance(i, str) and i.strip() for i in identities)
        ):
            raise ControlError(
                400, "BadRequest", "identities must be a non-empty list of addresses and domains."
            )
        if region is not None and not isinstance(region, str):
            raise ControlError(400, "BadRequest", "region must be a region name.")
        self.account.verify(*identities, region=region)
        return _json(200, {"verified": identities, "region": region or self.account.region})

    def reset(self, **_: Any) -> Reply:
        if self.store is not None:
            self.store.clear()
        self.account.reset()
        return _json(200, {"reset": True, "clock": clock_of(self.account)})

    def plot(self, **_: Any) -> Reply:
        try:
            from ..report.plot import render_png
        except ImportError:
            raise ControlError(
                501,
                "NotImplemented",
                'The picture needs matplotlib: pip install "pytest-sesquota[plot]"',
            ) from None
        return 200, {"Content-Type": "image/png"}, render_png(self.account, "sesquota serve")


# -- the OpenAPI document -----------------------------------------------------------
def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {
        "200": {
            "description": description,
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "default": {
            "description": "An error",
            "content": {"application/json": {"schema": _ref("Error")}},
        },
    }


def _body_of(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


_REGION_PARAM = {
    "name": "region",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$"},
}
_STRING_OR_NULL = {"type": ["string", "null"]}
_ADDRESSES = {"type": "array", "items": {"type": "string"}}
_COMMON_ENTRY = {
    "kind": {"type": "string"},
    "time": {"type": "string", "format": "date-time"},
    "region": {"type": "string"},
    "operation": {"type": "string"},
    "source": {"type": "string"},
    "recipients": _ADDRESSES,
    "transport": {"enum": ["api", "smtp"]},
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "pytest-sesquota control API",
        "version": "1",
        "description": "Read and steer the fake SES account of a `sesquota serve` server. "
        "SES's own APIs are served beside it: v1 at POST /, v2 under /v2/email/.",
    },
    "paths": {
        f"{PREFIX}/quotas": {
            "get": {
                "summary": "Every region's quotas and usage (GetSendQuota's numbers and more)",
                "responses": _ok("Quotas", "The quotas of every region the account has seen"),
            }
        },
        f"{PREFIX}/quotas/{{region}}": {
            "parameters": [_REGION_PARAM],
            "get": {"summary": "One region's quotas", "responses": _ok("Quota", "The quotas")},
            "put": {
                "summary": "Change a region's quotas; takes effect on the next send",
                "requestBody": _body_of("QuotaUpdate"),
                "responses": _ok("Quota", "The quotas after the change"),
            },
        },
        f"{PREFIX}/ledger": {
            "get": {
                "summary": "Everything sent, throttled and rejected, and every request",
                "parameters": [
                    {
                        "name": "region",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": _ok("Ledger", "The ledger, in order"),
            }
        },
        f"{PREFIX}/clock": {
            "get": {"summary": "The account's clock", "responses": _ok("Clock", "The clock")}
        },
        f"{PREFIX}/clock/advance": {
            "post": {
                "summary": "Move a virtual clock forward (409 on real time)",
                "requestBody": _body_of("Advance"),
                "responses": _ok("Clock", "The clock after the move"),
            }
        },
        f"{PREFIX}/identities": {
            "post": {
                "summary": "Mark addresses and domains verified (as if the link was clicked)",
                "requestBody": _body_of("Identities"),
                "responses": _ok("Verified", "What was verified"),
            }
        },
        f"{PREFIX}/reset": {
            "post": {
                "summary": "Back to the account the configuration describes",
                "responses": _ok("Reset", "Done"),
            }
        },
        f"{PREFIX}/plot.png": {
            "get": {
                "summary": "The quota timeline picture (needs pytest-sesquota[plot])",
                "responses": {
                    "200": {
                        "description": "A PNG image",
                        "content": {"image/png": {"schema": {"type": "string"}}},
                    },
                    "default": {
                        "description": "An error",
                        "content": {"application/json": {"schema": _ref("Error")}},
                    },
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
            },
            "Quota": {
                "type": "object",
                "required": [
                    "region",
                    "max_24_hour_send",
                    "max_send_rate",
                    "sent_last_24_hours",
                    "available_rate",
                    "production",
                    "sending_enabled",
                ],
                "additionalProperties": False,
                "properties": {
                    "region": {"type": "string"},
                    "max_24_hour_send": {"type": "number", "description": "-1: unlimited"},
                    "max_send_rate": {"type": "number", "description": "-1: unlimited"},
                    "sent_last_24_hours": {"type": "number"},
                    "available_rate": {"type": "number"},
                    "production": {"type": "boolean"},
                    "sending_enabled": {"type": "boolean"},
                },
            },
            "Quotas": {
                "type": "object",
                "required": ["regions"],
                "properties": {
                    "regions": {"type": "object", "additionalProperties": _ref("Quota")}
                },
            },
            "QuotaUpdate": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "max_24_hour_send": {"type": "number"},
                    "max_send_rate": {"type": "number"},
                    "burst": {"type": "number"},
                    "daily": {"enum": ["would_exceed", "below_max"]},
                    "sent_last_24_hours": {"type": "integer", "minimum": 0},
                    "production": {"type": "boolean"},
                    "sending_enabled": {"type": "boolean"},
                },
            },
            "Clock": {
                "type": "object",
                "required": ["now", "time", "start", "elapsed", "mode"],
                "additionalProperties": False,
                "properties": {
                    "now": {"type": "string", "format": "date-time"},
                    "time": {"type": "number"},
                    "start": {"type": "string", "format": "date-time"},
                    "elapsed": {"type": "number"},
                    "mode": {"enum": ["real", "virtual"]},
                },
            },
            "Advance": {
                "type": "object",
                "required": ["seconds"],
                "additionalProperties": False,
                "properties": {"seconds": {"type": "number", "minimum": 0}},
            },
            "Identities": {
                "type": "object",
                "required": ["identities"],
                "additionalProperties": False,
                "properties": {
                    "identities": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    "region": {"type": "string"},
                },
            },
            "Verified": {
                "type": "object",
                "required": ["verified", "region"],
                "properties": {"verified": _ADDRESSES, "region": {"type": "string"}},
            },
            "Reset": {
                "type": "object",
                "required": ["reset", "clock"],
                "properties": {"reset": {"const": True}, "clock": _ref("Clock")},
            },
            "SentMessage": {
                "type": "object",
                "required": ["kind", "message_id", "time", "region", "operation", "recipients"],
                "properties": {
                    **_COMMON_ENTRY,
                    "kind": {"const": "sent"},
                    "message_id": {"type": "string"},
                    "to": _ADDRESSES,
                    "cc": _ADDRESSES,
                    "bcc": _ADDRESSES,
                    "subject": _STRING_OR_NULL,
                    "text": _STRING_OR_NULL,
                    "html": _STRING_OR_NULL,
                    "raw": {"type": ["string", "null"], "description": "base64"},
                    "template": _STRING_OR_NULL,
                    "template_data": {"type": ["object", "null"]},
                    "rendering_failure": _STRING_OR_NULL,
                    "configuration_set": _STRING_OR_NULL,
                    "suppressed": _ADDRESSES,
                    "bounced": _ADDRESSES,
                    "complained": _ADDRESSES,
                },
            },
            "ThrottledSend": {
                "type": "object",
                "required": ["kind", "time", "region", "reason", "recipients", "message"],
                "properties": {
                    **_COMMON_ENTRY,
                    "kind": {"const": "throttled"},
                    "reason": {"enum": ["rate", "daily"]},
                    "message": {"type": "string"},
                    "available": {"type": "number"},
                    "sent_last_24_hours": {"type": "integer"},
                    "max_24_hour_send": {"type": "number"},
                    "max_send_rate": {"type": "number"},
                },
            },
            "RejectedSend": {
                "type": "object",
                "required": ["kind", "time", "region", "reason", "code", "message"],
                "properties": {
                    **_COMMON_ENTRY,
                    "kind": {"const": "rejected"},
                    "reason": {"enum": ["unverified", "paused", "suspended", "invalid"]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
            "LedgerEntry": {
                "oneOf": [_ref("SentMessage"), _ref("ThrottledSend"), _ref("RejectedSend")]
            },
            "SesRequest": {
                "type": "object",
                "required": ["time", "region", "api", "operation", "status", "outcomes"],
                "properties": {
                    "time": {"type": "string", "format": "date-time"},
                    "region": {"type": "string"},
                    "api": {"enum": ["ses", "sesv2", "smtp"]},
                    "operation": {"type": "string"},
                    "status": {"type": "integer"},
                    "error_code": _STRING_OR_NULL,
                    "error_message": _STRING_OR_NULL,
                    "message_ids": _ADDRESSES,
                    "outcomes": {"type": "array", "items": _ref("LedgerEntry")},
                },
            },
            "Ledger": {
                "type": "object",
                "required": ["sent", "throttled", "rejected", "requests"],
                "properties": {
                    "sent": {"type": "array", "items": _ref("SentMessage")},
                    "throttled": {"type": "array", "items": _ref("ThrottledSend")},
                    "rejected": {"type": "array", "items": _ref("RejectedSend")},
                    "requests": {"type": "array", "items": _ref("SesRequest")},
                },
            },
        }
    },
}
