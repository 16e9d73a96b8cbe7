"""The control API's say in what SES decides on its side: import and export jobs (read
them, fail one, fetch an export's file), predictive inbox placement results, blacklist
listings, the advisor's recommendations and address verdicts. Each route calls the
account's own control (``ses_account.fail_job`` and friends) with the body's fields.

Routes and their OpenAPI description live here together; ``serve/control.py`` answers
them, ``serve/openapi.py`` serves their description.
"""

from __future__ import annotations

__all__ = ["PATHS", "ROUTES", "SCHEMAS", "Steer"]

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..account.account import Account
from ..account.jobs import DEFAULT_FAILURE, Job

#: What a route calls: (account, JSON body, query parameters, path groups) -> a JSON-able
#: document, or bytes (sent as they are). ValueError, KeyError and TypeError are the
#: caller's mistakes (400).
Steer = Callable[..., Any]
_PREFIX = "/_sesquota"


def _fields(body: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise ValueError(
            f"Unknown field(s): {', '.join(extra)}. Valid fields: {', '.join(allowed)}."
        )
    return dict(body)


def _job(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "kind": job.kind,
        "region": job.region,
        "created": job.created,
        "ends": job.ends,
        "ended": job.ended,
        "error": job.error,
        "processed": job.processed,
        "failed_records": job.failed_records,
        "exported": job.exported,
    }


def _jobs(account: Account, body: Any, params: Mapping[str, str]) -> Any:
    return {"jobs": [_job(j) for j in account.jobs(params.get("region"))]}


def _fail(account: Account, body: Mapping[str, Any], params: Mapping[str, str]) -> Any:
    given = _fields(body, ("job_id", "message", "region"))
    account.fail_job(
        given.get("job_id"), given.get("message", DEFAULT_FAILURE), region=given.get("region")
    )
    return {
        "failing": given.get("job_id") or "next",
        "message": given.get("message", DEFAULT_FAILURE),
    }


def _file(account: Account, body: Any, params: Mapping[str, str], job_id: str) -> Any:
    return account.export_file(job_id, params.get("region"))


def _placement(account: Account, body: Mapping[str, Any], params: Mapping[str, str]) -> Any:
    keys = ("inbox", "spam", "missing", "spf", "dkim", "isp", "report_id", "region")
    account.set_inbox_placement(**_fields(body, keys))
    return {"placement": body}


def _blacklist(account: Account, body: Mapping[str, Any], params: Mapping[str, str]) -> Any:
    given = _fields(body, ("ip", "rbl_name", "description", "region"))
    account.list_on_blacklist(
        given.get("ip"),  # type: ignore[arg-type]  # checked by the account
        given.get("rbl_name"),  # type: ignore[arg-type]
        given.get("description"),
        region=given.get("region"),
    )
    return {"listed": given}


def _recommend(account: Account, body: Mapping[str, Any], params: Mapping[str, str]) -> Any:
    keys = ("resource_arn", "type", "description", "impact", "status", "region")
    found = account.recommend(**_fields(body, keys))
    return {
        "resource_arn": found.resource_arn,
        "type": found.type,
        "description": found.description,
        "status": found.status,
        "impact": found.impact,
        "created": found.created,
        "updated": found.updated,
    }


def _verdicts(account: Account, body: Mapping[str, Any], params: Mapping[str, str]) -> Any:
    given = _fields(body, ("address", "verdicts", "region"))
    verdicts = given.get("verdicts") or {}
    if not isinstance(verdicts, dict):
        raise ValueError('verdicts must be an object: {"MailboxExists": "LOW", ...}.')
    account.set_address_insights(given.get("address"), region=given.get("region"), **verdicts)  # type: ignore[arg-type]
    return {"address": given.get("address"), "verdicts": verdicts}


#: (method, path pattern, what it calls)
ROUTES: list[tuple[str, re.Pattern[str], Steer]] = [
    ("GET", re.compile(rf"^{_PREFIX}/jobs$"), _jobs),
    ("POST", re.compile(rf"^{_PREFIX}/jobs/fail$"), _fail),
    ("GET", re.compile(rf"^{_PREFIX}/jobs/(?P<job_id>[0-9a-f]+)/file$"), _file),
    ("PUT", re.compile(rf"^{_PREFIX}/inbox-placement$"), _placement),
    ("POST", re.compile(rf"^{_PREFIX}/blacklists$"), _blacklist),
    ("POST", re.compile(rf"^{_PREFIX}/recommendations$"), _recommend),
    ("PUT", re.compile(rf"^{_PREFIX}/address-insights$"), _verdicts),
]


# -- the OpenAPI description ---------------------------------------------------------------
def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        "default": {
            "description": "An error",
            "content": {"application/json": {"schema": _ref("Error")}},
        },
    }


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


_REGION_QUERY = {"name": "region", "in": "query", "required": False, "schema": {"type": "string"}}
_OBJECT = {"type": "object"}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_PERCENT = {"type": "number", "minimum": 0, "maximum": 100}
_TEXT_OR_NULL = {"type": ["string", "null"]}

PATHS: dict[str, Any] = {
    f"{_PREFIX}/jobs": {
        "get": {
            "summary": "Import and export jobs, oldest first (those whose time has come ended)",
            "parameters": [_REGION_QUERY],
            "responses": _ok(_ref("Jobs"), "The region's jobs"),
        }
    },
    f"{_PREFIX}/jobs/fail": {
        "post": {
            "summary": "Make a job fail when it ends (no job_id: the next job created)",
            "requestBody": _body("JobFailure"),
            "responses": _ok(_OBJECT, "What will fail"),
        }
    },
    f"{_PREFIX}/jobs/{{job_id}}/file": {
        "get": {
            "summary": "The file a completed export job wrote",
            "parameters": [
                {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}},
                _REGION_QUERY,
            ],
            "responses": {
                "200": {
                    "description": "The file (CSV or newline-delimited JSON)",
                    "content": {"application/octet-stream": {"schema": {"type": "string"}}},
                },
                "default": {
                    "description": "An error",
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
            },
        }
    },
    f"{_PREFIX}/inbox-placement": {
        "put": {
            "summary": "Decide what predictive inbox placement tests find",
            "requestBody": _body("InboxPlacement"),
            "responses": _ok(_OBJECT, "The placement set"),
        }
    },
    f"{_PREFIX}/blacklists": {
        "post": {
            "summary": "List an IP address on a blacklist now (GetBlacklistReports)",
            "requestBody": _body("BlacklistListing"),
            "responses": _ok(_OBJECT, "The listing"),
        }
    },
    f"{_PREFIX}/recommendations": {
        "post": {
            "summary": "Add (or update) a recommendation of the advisor (ListRecommendations)",
            "requestBody": _body("RecommendationInput"),
            "responses": _ok(_OBJECT, "The recommendation"),
        }
    },
    f"{_PREFIX}/address-insights": {
        "put": {
            "summary": "Decide GetEmailAddressInsights' verdicts for an address or domain",
            "requestBody": _body("AddressVerdicts"),
            "responses": _ok(_OBJECT, "The verdicts set"),
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "Job": {
        "type": "object",
        "required": ["job_id", "kind", "region", "created", "ends", "ended"],
        "properties": {
            "job_id": {"type": "string"},
            "kind": {"enum": ["IMPORT", "EXPORT"]},
            "region": {"type": "string"},
            "created": _TIME,
            "ends": _TIME,
            "ended": {"enum": ["COMPLETED", "FAILED", "CANCELLED", None]},
            "error": _TEXT_OR_NULL,
            "processed": {"type": "integer"},
            "failed_records": {"type": "integer"},
            "exported": {"type": ["integer", "null"]},
        },
    },
    "Jobs": {
        "type": "object",
        "required": ["jobs"],
        "properties": {"jobs": {"type": "array", "items": _ref("Job")}},
    },
    "JobFailure": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "job_id": {"type": "string"},
            "message": {"type": "string"},
            "region": {"type": "string"},
        },
    },
    "InboxPlacement": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "inbox": _PERCENT,
            "spam": _PERCENT,
            "missing": _PERCENT,
            "spf": _PERCENT,
            "dkim": _PERCENT,
            "isp": {"type": "string"},
            "report_id": {"type": "string"},
            "region": {"type": "string"},
        },
    },
    "BlacklistListing": {
        "type": "object",
        "required": ["ip", "rbl_name"],
        "additionalProperties": False,
        "properties": {
            "ip": {"type": "string"},
            "rbl_name": {"type": "string"},
            "description": {"type": "string"},
            "region": {"type": "string"},
        },
    },
    "RecommendationInput": {
        "type": "object",
        "required": ["resource_arn", "type", "description"],
        "additionalProperties": False,
        "properties": {
            "resource_arn": {"type": "string"},
            "type": {"type": "string"},
            "description": {"type": "string"},
            "impact": {"enum": ["LOW", "HIGH"]},
            "status": {"enum": ["OPEN", "FIXED"]},
            "region": {"type": "string"},
        },
    },
    "AddressVerdicts": {
        "type": "object",
        "required": ["address", "verdicts"],
        "additionalProperties": False,
        "properties": {
            "address": {"type": "string"},
            "verdicts": {
                "type": "object",
                "additionalProperties": {"enum": ["LOW", "MEDIUM", "HIGH"]},
            },
            "region": {"type": "string"},
        },
    },
}
