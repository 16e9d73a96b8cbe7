"""The AWS Query protocol of SES v1, both ways, driven by botocore's service model.

Requests arrive form-encoded (``Destination.ToAddresses.member.1=...``) and are
read back into the operation's input structure; results and errors are written
as the XML SES returns. Using the model rather than hand-written templates keeps
every faked operation's shape exactly what botocore's parser expects.
"""

from __future__ import annotations

__all__ = [
    "API_VERSION",
    "NAMESPACE",
    "check_required",
    "error_xml",
    "escape",
    "parse_form",
    "parse_input",
    "result_xml",
    "service_model",
]

import base64
import binascii
import functools
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape as _escape

from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel, Shape

from ..ses.mail import ApiError

#: Characters XML 1.0 cannot carry, even escaped (control characters, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """Text as XML character data; what XML cannot carry becomes U+FFFD, so that a
    value echoed back (an unknown Action, a template's text) never breaks the answer."""
    return _escape(_NOT_XML.sub("\ufffd", text))


NAMESPACE = "http://ses.amazonaws.com/doc/2010-12-01/"
API_VERSION = "2010-12-01"


@functools.cache
def service_model(service: str = "ses") -> ServiceModel:
    """The botocore model of ``service``, loaded once per process."""
    loader = create_loader()
    return ServiceModel(loader.load_service_model(service, "service-2"), service)


def parse_form(body: bytes | str | None) -> dict[str, str]:
    if body is None:
        return {}
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError("MalformedQueryString", "The request body is not UTF-8.") from None
    else:
        text = body
    return dict(parse_qsl(text, keep_blank_values=True))


def _tree(form: Mapping[str, str]) -> dict[str, Any]:
    """``{"A.B.member.1": v}`` -> ``{"A": {"B": {"member": {"1": v}}}}``."""
    root: dict[str, Any] = {}
    for key, value in form.items():
        node = root
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                # "X=" (an empty list) followed by "X.member.1": the members win.
                child = node[part] = {}
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
    return root


class _Missing:
    pass


_MISSING = _Missing()


def parse_input(operation: OperationModel, form: Mapping[str, str]) -> dict[str, Any]:
    """The operation's input parameters, typed as botocore's shapes say."""
    shape = operation.input_shape
    if shape is None:
        return {}
    tree = _tree({k: v for k, v in form.items() if k not in ("Action", "Version")})
    value = _read(shape, tree, shape.name)
    return value if isinstance(value, dict) else {}


def _read(shape: Shape, node: Any, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(node, dict):
            return {} if node == "" else _MISSING
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            if key in node:
                value = _read(member, node[key], f"{path}.{key}")
                if value is not _MISSING:
                    out[name] = value
        return out
    if kind == "list":
        if node == "":
            return []
        if not isinstance(node, dict):
            raise _bad_value(path, node)
        member_shape = shape.member
        items = node if shape.serialization.get("flattened") else node.get("member", {})
        if not isinstance(items, dict):
            raise _bad_value(path, items)
        try:
            ordered = sorted(items.items(), key=lambda kv: int(kv[0]))
        except ValueError:
            raise _bad_value(path, items) from None
        return [_read(member_shape, v, f"{path}.member.{i}") for i, v in ordered]
    if kind == "map":
        if node == "":
            return {}
        if not isinstance(node, dict):
            raise _bad_value(path, node)
        entries = node.get("entry", {})
        out_map: dict[str, Any] = {}
        if isinstance(entries, dict):
            for _i, entry in sorted(entries.items()):
                if isinstance(entry, dict) and "key" in entry:
                    out_map[str(entry["key"])] = _read(shape.value, entry.get("value", ""), path)
        return out_map
    if isinstance(node, dict):
        raise _bad_value(path, node)
    text = str(node)
    if kind == "string":
        return text
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise _bad_value(path, text) from None
    if kind in ("double", "float"):
        try:
            return float(text)
        except ValueError:
            raise _bad_value(path, text) from None
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise _bad_value(path, text)
        return text.lower() == "true"
    if kind == "blob":
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ApiError(
                "InvalidParameterValue", f"Value at '{path}' is not valid base64."
            ) from None
    if kind == "timestamp":
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise _bad_value(path, text) from None
    return text


def _bad_value(path: str, value: Any) -> ApiError:
    shown = value if isinstance(value, str) else "(structure)"
    return ApiError("InvalidParameterValue", f"Invalid value {shown!r} for parameter {path}.")


def check_required(shape: Shape | None, params: Mapping[str, Any], path: str = "") -> None:
    """Refuse missing required members as AWS's Coral validation does (both protocols)."""
    rule = None if shape is None else _required(shape)
    if rule is not None:
        rule.check(params, path)


class _Required:
    """The required members of one structure, and the members below it that hold some:
    worked out once per shape, so that a request walks only what can be missing."""

    __slots__ = ("names", "nested")

    def __init__(self) -> None:
        self.names: tuple[str, ...] = ()
        #: (member, its name in a message, a list of structures?, the rule below).
        self.nested: tuple[tuple[str, str, bool, _Required], ...] = ()

    def check(self, params: Mapping[str, Any], path: str) -> None:
        for name in self.names:
            if name not in params:
                member = path + name[:1].lower() + name[1:]
                raise ApiError(
                    "ValidationError",
                    f"1 validation error detected: Value null at '{member}' failed to "
                    "satisfy constraint: Member must not be null",
                )
        for name, shown, in_list, inner in self.nested:
            value = params.get(name)
            if in_list:
                if isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, Mapping):
                            inner.check(item, f"{path}{shown}.{i + 1}.member.")
            elif isinstance(value, Mapping):
                inner.check(value, f"{path}{shown}.")


@functools.lru_cache(maxsize=1024)
def _required(shape: Shape) -> _Required | None:
    return _required_rule(shape, {})


def _required_rule(shape: Shape, building: dict[int, _Required]) -> _Required | None:
    """The rule of a structure (None if nothing in it or below is required)."""
    if shape.type_name != "structure":
        return None
    if id(shape) in building:  # a structure inside itself: its rule, once built
        return building[id(shape)]
    rule = building[id(shape)] = _Required()
    nested = []
    for name, member in shape.members.items():
        in_list = member.type_name == "list"
        inner = _required_rule(member.member if in_list else member, building)
        if inner is not None:
            nested.append((name, name[:1].lower() + name[1:], in_list, inner))
    del building[id(shape)]
    rule.names, rule.nested = tuple(shape.required_members), tuple(nested)
    return rule if rule.names or rule.nested else None


# -- responses ----------------------------------------------------------------
def _write(shape: Shape, value: Any, out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                tag = member.serialization.get("name", name)
                out.append(f"<{tag}>")
                _write(member, value[name], out)
                out.append(f"</{tag}>")
    elif kind == "list":
        member = shape.member
        for item in value:
            out.append("<member>")
            _write(member, item, out)
            out.append("</member>")
    elif kind == "map":
        for key, item in value.items():
            out.append(f"<entry><key>{escape(str(key))}</key><value>")
            _write(shape.value, item, out)
            out.append("</value></entry>")
    elif kind == "boolean":
        out.append("true" if value else "false")
    elif kind in ("double", "float"):
        out.append(repr(float(value)))
    elif kind == "timestamp":
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        out.append(moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    elif kind == "blob":
        out.append(base64.b64encode(value).decode("ascii"))
    else:
        out.append(escape(str(value)))


def result_xml(operation: OperationModel, result: Mapping[str, Any], request_id: str) -> bytes:
    """``<OpResponse><OpResult>...</OpResult><ResponseMetadata>...`` as SES writes it."""
    name = operation.name
    out = [f'<{name}Response xmlns="{NAMESPACE}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        out.append(f"<{wrapper}>")
        _write(shape, result, out)
        out.append(f"</{wrapper}>")
    out.append(
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>"
    )
    return "".join(out).encode("utf-8")


def error_xml(code: str, message: str, request_id: str, fault: str = "Sender") -> bytes:
    return (
        f'<ErrorResponse xmlns="{NAMESPACE}">'
        f"<Error><Type>{fault}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
