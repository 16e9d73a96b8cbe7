"""The control API's routes for SES's events, in the OpenAPI document: the events (a
page at a time), the webhooks subscribed to the account's topics, the recipients'
mailboxes, and the SNS requests a webhook makes (its certificate, its SubscribeURL)."""

from __future__ import annotations

__all__ = ["PATHS", "SCHEMAS"]

from typing import Any

PREFIX = "/_sesquota"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answers(schema: str, description: str) -> dict[str, Any]:
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


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


PATHS: dict[str, Any] = {
    f"{PREFIX}/events": {
        "get": {
            "summary": "SES's events that have happened (virtual time), oldest first",
            "parameters": [
                _query("after", {"type": "integer", "minimum": 0}, "Items numbered after this"),
                _query("limit", {"type": "integer", "minimum": 1}, "At most this many"),
                _query("region", {"type": "string"}, "Only this region's"),
                _query("type", {"type": "string"}, "Only events of this eventType"),
            ],
            "responses": _answers("EventsPage", "A page of events"),
        }
    },
    f"{PREFIX}/subscriptions": {
        "get": {
            "summary": "The HTTP endpoints subscribed to the account's SNS topics",
            "responses": _answers("Subscriptions", "The subscriptions"),
        },
        "post": {
            "summary": "Subscribe an HTTP endpoint on loopback to an SNS topic SES publishes "
            "to (a SubscriptionConfirmation POST now, then the notifications)",
            "requestBody": _body("Subscribe"),
            "responses": _answers("Subscription", "The subscription"),
        },
    },
    f"{PREFIX}/mailboxes": {
        "post": {
            "summary": "Say what the mail servers of addresses (or @domains) do with mail",
            "requestBody": _body("Mailbox"),
            "responses": _answers("Mailbox", "The mailboxes as set"),
        }
    },
}

_EVENT = {
    "type": "object",
    "required": ["number", "event_type", "time", "region", "message_id", "document"],
    "properties": {
        "number": {"type": "integer"},
        "event_type": {"type": "string"},
        "time": {"type": "string", "format": "date-time"},
        "region": {"type": "string"},
        "message_id": {"type": "string"},
        "configuration_set": {"type": ["string", "null"]},
        "recipients": {"type": "array", "items": {"type": "string"}},
        "origin": {"enum": ["recipient", "simulator", "suppression_list", "ses"]},
        "counts_toward_reputation": {"type": "boolean"},
        "document": {"type": "object", "description": "SES's event publishing document"},
        "notification": {"type": ["object", "null"]},
    },
}

SCHEMAS: dict[str, Any] = {
    "Event": _EVENT,
    "EventsPage": {
        "type": "object",
        "required": ["items", "next", "total", "pending"],
        "properties": {
            "items": {"type": "array", "items": _ref("Event")},
            "next": {"type": ["integer", "null"]},
            "total": {"type": "integer"},
            "pending": {"type": "integer", "description": "Events still to happen"},
        },
    },
    "Subscribe": {
        "type": "object",
        "required": ["topic_arn", "endpoint"],
        "additionalProperties": False,
        "properties": {
            "topic_arn": {"type": "string"},
            "endpoint": {"type": "string", "description": "http(s) URL on loopback"},
            "confirmed": {"type": "boolean"},
            "raw": {"type": "boolean"},
        },
    },
    "Subscription": {
        "type": "object",
        "required": ["arn", "topic_arn", "endpoint", "confirmed", "raw", "posts"],
        "properties": {
            "arn": {"type": "string"},
            "topic_arn": {"type": "string"},
            "endpoint": {"type": "string"},
            "confirmed": {"type": "boolean"},
            "raw": {"type": "boolean"},
            "posts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "status": {"type": ["integer", "null"]},
                        "error": {"type": ["string", "null"]},
                    },
                },
            },
        },
    },
    "Subscriptions": {
        "type": "object",
        "required": ["subscriptions"],
        "properties": {"subscriptions": {"type": "array", "items": _ref("Subscription")}},
    },
    "Mailbox": {
        "type": "object",
        "required": ["addresses", "outcome"],
        "additionalProperties": False,
        "properties": {
            "addresses": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "outcome": {"enum": ["delivery", "bounce", "ooto", "complaint", "delay"]},
            "bounce_type": {"enum": ["Undetermined", "Permanent", "Transient"]},
            "bounce_sub_type": {"type": "string"},
            "delay": {"type": "number", "exclusiveMinimum": 0},
        },
    },
}
