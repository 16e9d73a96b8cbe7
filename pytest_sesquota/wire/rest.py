"""The REST-JSON protocol of SES v2, both ways, driven by botocore's service model.

Requests are routed by method and path (``POST /v2/email/outbound-emails``), their
JSON body, URI labels and query string read back into the operation's input
structure with the types the model gives; results are written as the JSON SES
returns (timestamps as epoch seconds), errors with their code in the
``x-amzn-ErrorType`` header and ``{"message": ...}`` as the body.
"""

from __future__ import annotations

__all__ = ["error_json", "parse_input", "result_json", "route"]

import base64
import functools
import json
import re
from collections.abc import Mapping
from datetime import timezone
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, Shape

from ..ses.mail import bad_request
from .json_input import Invalid, Reader, reader
from .query import check_required, service_model

#: Routes older botocore releases (1.34, and other SDKs of their age) use for operations
#: the newer models moved: any SDK of any age must reach the same operation.
_LEGACY_ROUTES = [
    ("GET", "/v2/email/identities", "ListEmailIdentities"),
    ("GET", "/v2/email/configuration-sets", "ListConfigurationSets"),
    ("GET", "/v2/email/contact-lists/{ContactListName}/contacts", "ListContacts"),
    ("GET", "/v2/email/import-jobs", "ListImportJobs"),
    (
        "PUT",
        "/v1/email/identities/{EmailIdentity}/dkim/signing",
        "PutEmailIdentityDkimSigningAttributes",
    ),
]


def _compile(template: str) -> re.Pattern[str]:
    """``/v2/email/templates/{TemplateName}`` -> a pattern with a group per label."""
    path = template.split("?")[0]
    pattern = re.sub(
        r"\{(\w+)(\+?)\}",
        lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})",
        re.escape(path).replace(r"\{", "{").replace(r"\}", "}"),
    )
    return re.compile(f"^{pattern}/?$")


@functools.cache
def _routes() -> list[tuple[str, re.Pattern[str], str]]:
    model = service_model("sesv2")
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        routes.append((http["method"], _compile(http["requestUri"]), name))
    # Literal paths first: /v2/email/templates before /v2/email/templates/{TemplateName}.
    routes.sort(key=lambda r: r[1].pattern.count("(?P<"))
    # The installed model's routes win; the legacy ones catch older clients.
    routes += [(method, _compile(template), name) for method, template, name in _LEGACY_ROUTES]
    return routes


def route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The operation a request is for, and its URI labels (decoded), or None."""
    found = _route(method, path)
    return None if found is None else (found[0], dict(found[1]))


@functools.lru_cache(maxsize=512)
def _route(method: str, path: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    for verb, pattern, name in _routes():
        match = pattern.match(path)
        if match is not None and verb == method:
            return name, tuple((k, unquote(v)) for k, v in match.groupdict().items())
    return None


def parse_input(
    operation: OperationModel, labels: Mapping[str, str], query: str, body: bytes | str | None
) -> dict[str, Any]:
    """The operation's input parameters, typed as botocore's shapes say."""
    plan = _plan(operation)
    if plan is None:
        return {}
    document = _document(body)
    pairs = parse_qsl(query, keep_blank_values=True) if query else []
    arguments = dict(pairs)
    params: dict[str, Any] = {}
    for name, location, key, member, read in plan:
        if location == "uri":
            if key in labels:
                params[name] = labels[key]
        elif location == "querystring" or (location is None and name in arguments):
            # An older route may carry in the query what the model now puts in the body.
            value = arguments.get(key if location else name)
            if member.type_name == "list" and location:
                # A list in the query repeats its key: ?Reason=BOUNCE&Reason=COMPLAINT.
                items = [v for k, v in pairs if k == key]
                if items:
                    params[name] = [_from_text(member.member, v, name) for v in items]
            elif value is not None:
                params[name] = _from_text(member, value, name)
        elif location is None and name in document:
            value = document[name]
            if value is not None:
                try:
                    params[name] = read(value)
                except Invalid as failure:
                    raise failure.error(failure.path(name)) from None
    check_required(operation.input_shape, params)
    return params


#: An input member as parse_input reads it: (name, location, key, shape, reader).
_Member = tuple[str, "str | None", str, Shape, Reader]


@functools.lru_cache(maxsize=512)
def _plan(operation: OperationModel) -> tuple[_Member, ...] | None:
    """How to read an operation's input, worked out once: the model's members with their
    locations and a reader for each (a request then walks no model and builds no path)."""
    shape = operation.input_shape
    if shape is None:
        return None
    return tuple(
        (
            name,
            member.serialization.get("location"),
            member.serialization.get("name", name),
            member,
            reader(member),
        )
        for name, member in shape.members.items()
    )


def _document(body: bytes | str | None) -> dict[str, Any]:
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to read
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise bad_request("The request body must be a JSON object.")
    return document


def _from_text(shape: Shape, text: str, path: str) -> Any:
    if shape.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise bad_request(f"Invalid value {text!r} for parameter {path}.") from None
    if shape.type_name == "boolean":
        return text.lower() == "true"
    if shape.type_name == "timestamp" or (shape.type_name == "string" and shape.enum):
        try:
            return reader(shape)(text)
        except Invalid as failure:
            raise failure.error(path) from None
    return text


# -- responses ----------------------------------------------------------------
def _write(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {
            name: _write(member, value[name])
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if kind == "list":
        return [_write(shape.member, item) for item in value]
    if kind == "map":
        return {str(k): _write(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return round(moment.timestamp(), 3)
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    if kind in ("double", "float"):
        return float(value)
    return value


def result_json(operation: OperationModel, result: Mapping[str, Any]) -> bytes:
    shape = operation.output_shape
    document = _write(shape, result) if shape is not None else {}
    return json.dumps(document).encode("utf-8")


def error_json(message: str) -> bytes:
    return json.dumps({"message": message}).encode("utf-8")
