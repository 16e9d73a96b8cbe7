"""The REST-JSON protocol of SES v2, both ways, driven by botocore's service model.

Requests are routed by method and path (``POST /v2/email/outbound-emails``), their
JSON body, URI labels and query string read back into the operation's input
structure with the types the model gives; results are written as the JSON SES
returns (timestamps as epoch seconds), errors with their code in the
``x-amzn-ErrorType`` header and ``{"message": ...}`` as the body.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, Shape

from ..ses.mail import ApiError, bad_request
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
    shape = operation.input_shape
    if shape is None:
        return {}
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    if raw.strip():
        try:
            document = json.loads(raw)
        except ValueError:
            raise bad_request("The request body is not valid JSON.") from None
        if not isinstance(document, dict):
            raise bad_request("The request body must be a JSON object.")
    else:
        document = {}
    params: dict[str, Any] = {}
    pairs = parse_qsl(query, keep_blank_values=True)
    arguments = dict(pairs)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        key = member.serialization.get("name", name)
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
            value = _read(member, document[name], name)
            if value is not None:
                params[name] = value
    check_required(shape, params)
    return params


def _from_text(shape: Shape, text: str, path: str) -> Any:
    if shape.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise bad_request(f"Invalid value {text!r} for parameter {path}.") from None
    if shape.type_name == "boolean":
        return text.lower() == "true"
    if shape.type_name == "timestamp" or (shape.type_name == "string" and shape.enum):
        return _read(shape, text, path)
    return text


def _read(shape: Shape, value: Any, path: str) -> Any:
    """Check one JSON value against its shape; refuse what the type does not allow."""
    if value is None:
        return None
    kind = shape.type_name
    expected = {
        "structure": dict,
        "map": dict,
        "list": list,
        "string": str,
        "boolean": bool,
    }.get(kind)
    if expected is not None and not isinstance(value, expected):
        raise _wrong_type(path, value, kind)
    if kind == "structure":
        return {
            name: item
            for name, member in shape.members.items()
            if name in value and (item := _read(member, value[name], f"{path}.{name}")) is not None
        }
    if kind == "list":
        return [_read(shape.member, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "map":
        return {str(k): _read(shape.value, v, f"{path}.{k}") for k, v in value.items()}
    if kind == "string" and shape.enum and value not in shape.enum:
        member = ".".join(part[:1].lower() + part[1:] for part in path.split("."))
        raise bad_request(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(shape.enum)}]"
        )
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(path, value, kind)
        return value
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong_type(path, value, kind)
        return float(value)
    if kind == "blob":
        if not isinstance(value, str):
            raise _wrong_type(path, value, kind)
        try:
            return base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise bad_request(f"Value at '{path}' is not valid base64.") from None
    if kind == "timestamp":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, timezone.utc)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        raise _wrong_type(path, value, kind)
    return value


def _wrong_type(path: str, value: Any, kind: str) -> ApiError:
    shown = (
        type(value).__name__
        if not isinstance(value, (dict, list))
        else "a JSON " + ("object" if isinstance(value, dict) else "array")
    )
    return bad_request(f"Invalid type for parameter {path}: expected {kind}, got {shown}.")


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
