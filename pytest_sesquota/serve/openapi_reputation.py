"""The control API's routes for the account's reputation, in the OpenAPI document: its
bounce and complaint rates against the thresholds, the status changes they made, and
the policy and review outcome a test sets (``serve/control_reputation.py``)."""

from __future__ import annotations

__all__ = ["PATHS", "SCHEMAS"]

from typing import Any

from .openapi_events import PREFIX, _answers, _body, _ref

_REGION = {"name": "region", "in": "path", "required": True, "schema": {"type": "string"}}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_RATE = {"type": "number", "exclusiveMinimum": 0, "maximum": 1}

PATHS: dict[str, Any] = {
    f"{PREFIX}/reputation/{{region}}": {
        "get": {
            "summary": "The region's bounce and complaint rates now (virtual time), the "
            "EnforcementStatus and every change the rates made to it",
            "parameters": [_REGION],
            "responses": _answers("Reputation", "The reputation"),
        },
        "put": {
            "summary": "Change when SES acts on the rates (thresholds, window, volume, review "
            "period), or end the review as SES's team would (review_outcome)",
            "parameters": [_REGION],
            "requestBody": _body("ReputationChange"),
            "responses": _answers("Reputation", "The reputation after the change"),
        },
    },
    f"{PREFIX}/reputation/{{region}}/tenants/{{name}}": {
        "get": {
            "summary": "A tenant's own bounce and complaint rates now (virtual time), its "
            "finding (ReputationImpact), its sending status and every change they made",
            "parameters": [_REGION, _NAME],
            "responses": _answers("EntityReputation", "The tenant's reputation"),
        },
    },
    f"{PREFIX}/reputation/{{region}}/configuration-sets/{{name}}": {
        "get": {
            "summary": "A configuration set's own bounce and complaint rates now (virtual "
            "time), from its sends while its reputation metrics are enabled",
            "parameters": [_REGION, _NAME],
            "responses": _answers("EntityReputation", "The configuration set's reputation"),
        },
    },
}

_POLICY = {
    "bounce_review": _RATE,
    "bounce_pause": _RATE,
    "complaint_review": _RATE,
    "complaint_pause": _RATE,
    "window": {"type": "number", "exclusiveMinimum": 0, "description": "Seconds"},
    "minimum_volume": {"type": "integer", "minimum": 1},
    "review_period": {"type": "number", "exclusiveMinimum": 0, "description": "Seconds"},
    "enforced": {"type": "boolean"},
}

SCHEMAS: dict[str, Any] = {
    "ReputationPolicy": {
        "type": "object",
        "required": list(_POLICY),
        "properties": _POLICY,
    },
    "ReputationChange": {
        "type": "object",
        "additionalProperties": False,
        "properties": {**_POLICY, "review_outcome": {"enum": ["resolved", "paused"]}},
    },
    "StatusChange": {
        "type": "object",
        "required": ["time", "status", "cause", "bounce_rate", "complaint_rate"],
        "properties": {
            "time": {"type": "string", "format": "date-time"},
            "status": {"enum": ["HEALTHY", "PROBATION", "SHUTDOWN"]},
            "cause": {"type": "string"},
            "bounce_rate": {"type": "number"},
            "complaint_rate": {"type": "number"},
        },
    },
    "Reputation": {
        "type": "object",
        "required": [
            "region",
            "time",
            "bounce_rate",
            "complaint_rate",
            "volume",
            "hard_bounces",
            "complaints",
            "status",
            "policy",
            "review_ends",
            "changes",
        ],
        "properties": {
            "region": {"type": "string"},
            "time": {"type": "string", "format": "date-time"},
            "bounce_rate": {"type": "number"},
            "complaint_rate": {"type": "number"},
            "volume": {"type": "integer", "description": "Eligible recipients in the window"},
            "hard_bounces": {"type": "integer"},
            "complaints": {"type": "integer"},
            "status": {"enum": ["HEALTHY", "PROBATION", "SHUTDOWN"]},
            "policy": _ref("ReputationPolicy"),
            "review_ends": {"type": ["string", "null"], "format": "date-time"},
            "changes": {"type": "array", "items": _ref("StatusChange")},
        },
    },
    "EntityChange": {
        "type": "object",
        "required": ["time", "status", "impact", "cause", "bounce_rate", "complaint_rate"],
        "properties": {
            "time": {"type": "string", "format": "date-time"},
            "status": {"enum": ["ENABLED", "DISABLED"]},
            "impact": {"enum": ["LOW", "HIGH", None]},
            "cause": {"type": "string"},
            "bounce_rate": {"type": "number"},
            "complaint_rate": {"type": "number"},
        },
    },
    "EntityReputation": {
        "type": "object",
        "required": [
            "region",
            "kind",
            "name",
            "time",
            "bounce_rate",
            "complaint_rate",
            "volume",
            "hard_bounces",
            "complaints",
            "impact",
            "status",
            "changes",
        ],
        "properties": {
            "region": {"type": "string"},
            "kind": {"enum": ["tenant", "configuration-set"]},
            "name": {"type": "string"},
            "time": {"type": "string", "format": "date-time"},
            "bounce_rate": {"type": "number"},
            "complaint_rate": {"type": "number"},
            "volume": {"type": "integer", "description": "Eligible recipients in the window"},
            "hard_bounces": {"type": "integer"},
            "complaints": {"type": "integer"},
            "impact": {"enum": ["LOW", "HIGH", None], "description": "ReputationImpact"},
            "status": {
                "enum": ["ENABLED", "REINSTATED", "DISABLED", None],
                "description": "SendingStatusAggregate (a tenant's; null for a set)",
            },
            "changes": {"type": "array", "items": _ref("EntityChange")},
        },
    },
}
