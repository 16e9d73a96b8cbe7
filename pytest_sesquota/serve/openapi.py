"""The control API's OpenAPI 3.1 document, served at ``/_sesquota/openapi.json``."""

from __future__ import annotations

__all__ = ["OPENAPI", "PREFIX"]

from typing import Any

from ..account.ledger import REFUSAL_KINDS
from .openapi_events import PATHS as EVENTS_PATHS
from .openapi_events import SCHEMAS as EVENTS_SCHEMAS
from .openapi_reputation import PATHS as REPUTATION_PATHS
from .openapi_reputation import SCHEMAS as REPUTATION_SCHEMAS
from .openapi_resources import PATHS, SCHEMAS
from .steering import PATHS as STEERING_PATHS
from .steering import SCHEMAS as STEERING_SCHEMAS

PREFIX = "/_sesquota"


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
_STATUS = {"enum": ["Pending", "Success", "Failed", "TemporaryFailure"]}
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
        f"{PREFIX}/ledger/{{list}}": {
            "get": {
                "summary": "One list of the ledger, a page at a time, oldest first",
                "parameters": [
                    {
                        "name": "list",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": ["sent", "throttled", "rejected", "requests"]},
                    },
                    {
                        "name": "after",
                        "in": "query",
                        "required": False,
                        "description": "Items numbered after this one (a page's `next`)",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 10000},
                    },
                    {
                        "name": "region",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
                "responses": _ok("LedgerPage", "A page of the list"),
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
                "summary": "Mark addresses and domains verified (as if the link was clicked), "
                "or say what SES found: a verification, DKIM or MAIL FROM status",
                "requestBody": _body_of("Identities"),
                "responses": _ok("Verified", "What was verified"),
            }
        },
        f"{PREFIX}/dedicated-ips": {
            "post": {
                "summary": "Lease dedicated IPs to the account (what AWS decides)",
                "requestBody": _body_of("Lease"),
                "responses": _ok("Leased", "The IPs leased"),
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
                    "verification": _STATUS,
                    "dkim": _STATUS,
                    "mail_from": _STATUS,
                },
            },
            "Verified": {
                "type": "object",
                "required": ["verified", "region"],
                "properties": {"verified": _ADDRESSES, "region": {"type": "string"}},
            },
            "Lease": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "count": {"type": "integer", "minimum": 1, "maximum": 256},
                    "pool": {"type": "string"},
                    "region": {"type": "string"},
                },
            },
            "Leased": {
                "type": "object",
                "required": ["leased", "region"],
                "properties": {
                    "leased": {"type": "array", "items": {"type": "string"}},
                    "region": {"type": "string"},
                },
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
                    "reason": {"enum": [k for k in REFUSAL_KINDS if k not in ("rate", "daily")]},
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
            "LedgerPage": {
                "type": "object",
                "required": ["items", "next", "first", "total"],
                "additionalProperties": False,
                "properties": {
                    "items": {
                        "type": "array",
                        "items": {
                            "allOf": [
                                {
                                    "type": "object",
                                    "required": ["number"],
                                    "properties": {"number": {"type": "integer", "minimum": 1}},
                                },
                                {"oneOf": [_ref("LedgerEntry"), _ref("SesRequest")]},
                            ]
                        },
                    },
                    "next": {
                        "type": ["integer", "null"],
                        "description": "`after` for the next page; null at the end of the list",
                    },
                    "first": {
                        "type": "integer",
                        "description": "The oldest number the ledger still keeps (retention)",
                    },
                    "total": {"type": "integer", "description": "Items ever in the list"},
                },
            },
        }
    },
}
# What SES decides about the account's resources (serve/resource_controls.py).
OPENAPI["paths"].update(PATHS)
OPENAPI["components"]["schemas"].update(SCHEMAS)

# The routes of what SES decides on its side (jobs, inbox placement, the advisor).
OPENAPI["paths"].update(STEERING_PATHS)
OPENAPI["components"]["schemas"].update(STEERING_SCHEMAS)
# SES's events, the webhooks subscribed to topics, the recipients' mailboxes.
OPENAPI["paths"].update(EVENTS_PATHS)
OPENAPI["components"]["schemas"].update(EVENTS_SCHEMAS)
# The account's reputation: its rates, the policy, a review's outcome.
OPENAPI["paths"].update(REPUTATION_PATHS)
OPENAPI["components"]["schemas"].update(REPUTATION_SCHEMAS)
