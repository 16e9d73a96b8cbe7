"""The control API's routes for what SES decides on its side about the account's
resources (a tenant's status, an identity certificate's) and for the other accounts a
delegate send names: their part of the OpenAPI document (``serve/openapi.py``)."""

from __future__ import annotations

__all__ = ["PATHS", "SCHEMAS"]

from typing import Any

PREFIX = "/_sesquota"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(summary: str, body: str, answer: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        },
        "responses": {
            "200": {
                "description": answer,
                "content": {"application/json": {"schema": _ref(answer)}},
            },
            "default": {
                "description": "An error",
                "content": {"application/json": {"schema": _ref("Error")}},
            },
        },
    }


_STATUS = {"enum": ["ENABLED", "REINSTATED", "DISABLED"]}
_REGION = {"type": "string"}

PATHS: dict[str, Any] = {
    f"{PREFIX}/tenants/{{name}}/status": {
        "parameters": [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "put": _operation(
            "What SES decides for a tenant: its reputation entity's AWS-managed sending status",
            "TenantStatusUpdate",
            "TenantStatus",
        ),
    },
    f"{PREFIX}/delegating-accounts": {
        "post": _operation(
            "Set up another AWS account that lets this one send for its identities",
            "DelegatingAccountUpdate",
            "DelegatingAccount",
        ),
    },
    f"{PREFIX}/identity-certificates": {
        "put": _operation(
            "What SES decides for an identity's S/MIME certificate: its status",
            "CertificateStatusUpdate",
            "CertificateStatus",
        ),
    },
}

SCHEMAS: dict[str, Any] = {
    "TenantStatusUpdate": {
        "type": "object",
        "required": ["status"],
        "additionalProperties": False,
        "properties": {
            "status": _STATUS,
            "cause": {"type": ["string", "null"]},
            "impact": {"enum": ["LOW", "HIGH", None]},
            "region": _REGION,
        },
    },
    "TenantStatus": {
        "type": "object",
        "required": ["tenant", "region", "sending_status", "aws_managed_status"],
        "additionalProperties": False,
        "properties": {
            "tenant": {"type": "string"},
            "region": _REGION,
            "sending_status": _STATUS,
            "aws_managed_status": _STATUS,
            "customer_managed_status": _STATUS,
            "cause": {"type": ["string", "null"]},
            "impact": {"type": ["string", "null"]},
        },
    },
    "DelegatingAccountUpdate": {
        "type": "object",
        "required": ["account_id"],
        "additionalProperties": False,
        "properties": {
            "account_id": {"type": "string", "pattern": "^[0-9]{12}$"},
            "region": _REGION,
            "verified": {"type": "array", "items": {"type": "string"}},
            "allow": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Identities to verify, with a policy allowing this account to send",
            },
            "policies": {
                "type": "object",
                "description": "identity -> policy name -> policy (a JSON text or object)",
                "additionalProperties": {"type": "object"},
            },
            "sandbox": {"type": "boolean"},
        },
    },
    "DelegatingAccount": {
        "type": "object",
        "required": ["account_id", "region", "identities", "sandbox"],
        "additionalProperties": False,
        "properties": {
            "account_id": {"type": "string"},
            "region": _REGION,
            "identities": {
                "type": "object",
                "description": "identity -> its ARN, for SourceArn and friends",
                "additionalProperties": {"type": "string"},
            },
            "sandbox": {"type": "boolean"},
        },
    },
    "CertificateStatusUpdate": {
        "type": "object",
        "required": ["identity", "from_address", "status"],
        "additionalProperties": False,
        "properties": {
            "identity": {"type": "string"},
            "from_address": {"type": "string"},
            "status": {
                "enum": ["PROVISIONING", "INACTIVE", "DEPROVISIONING", "ACTIVE", "FAILED", None]
            },
            "region": _REGION,
        },
    },
    "CertificateStatus": {
        "type": "object",
        "required": ["identity", "from_address", "status", "region"],
        "additionalProperties": False,
        "properties": {
            "identity": {"type": "string"},
            "from_address": {"type": "string"},
            "status": {"type": "string"},
            "region": _REGION,
        },
    },
}
