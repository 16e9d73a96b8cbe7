"""SES v2's JSON request bodies read against botocore's shapes: one reader per shape,
built once (``reader(shape)``), that checks each value's type and returns it typed.

A request then walks no model and builds no path: a refused value raises
:class:`Invalid` bare, and each container on the way out adds its step to the path
(``EmailTags[1].Name``). ``wire.rest`` reads an operation's input with these.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from botocore.model import Shape

from ..ses.mail import ApiError, bad_request

__all__ = ["Invalid", "Reader", "reader"]

#: Checks one JSON value (never None) against its shape and returns it typed; raises
#: :class:`Invalid` for what the type does not allow.
Reader = Callable[[Any], Any]


class Invalid(Exception):
    """A JSON value its shape does not allow: ``error(path)`` is SES's refusal of it.
    Raised bare deep inside a document; each container on the way out adds its step
    (``.Name``, ``[2]``), so that a valid document never pays for paths."""

    def __init__(self, error: Callable[[str], ApiError]) -> None:
        super().__init__()
        self.error = error
        self.steps: list[str] = []

    def path(self, member: str) -> str:
        """The path of the refused value inside the input's ``member``."""
        return member + "".join(reversed(self.steps))


def reader(shape: Shape) -> Reader:
    """The reader of ``shape`` and everything below it."""
    return _reader(shape, {})


def _reader(shape: Shape, building: dict[int, list[Reader]]) -> Reader:
    """The reader of one shape, with the readers of the shapes below it built in."""
    kind = shape.type_name
    if kind in ("structure", "list", "map"):
        if id(shape) in building:  # a shape inside itself: read through its final reader
            cell = building[id(shape)]
            return lambda value: cell[0](value)
        building[id(shape)] = cell = []
        if kind == "structure":
            built = _structure(shape, building)
        elif kind == "list":
            built = _list(_reader(shape.member, building))
        else:
            built = _map(_reader(shape.value, building))
        cell.append(built)
        del building[id(shape)]
        return built
    if kind == "string":
        return _enum(frozenset(shape.enum), shape.enum) if shape.enum else _string
    return _SCALARS.get(kind, _as_is)


def _wrong_type(kind: str, value: Any) -> Invalid:
    shown = (
        type(value).__name__
        if not isinstance(value, (dict, list))
        else "a JSON " + ("object" if isinstance(value, dict) else "array")
    )
    return Invalid(
        lambda path: bad_request(
            f"Invalid type for parameter {path}: expected {kind}, got {shown}."
        )
    )


def _structure(shape: Shape, building: dict[int, list[Reader]]) -> Reader:
    members = tuple((name, _reader(member, building)) for name, member in shape.members.items())

    def read(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _wrong_type("structure", value)
        out = {}
        name = ""
        try:
            for name, read_member in members:
                if name in value:
                    item = value[name]
                    if item is not None:
                        out[name] = read_member(item)
        except Invalid as failure:
            failure.steps.append(f".{name}")
            raise
        return out

    return read


def _list(read_item: Reader) -> Reader:
    def read(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise _wrong_type("list", value)
        out: list[Any] = []
        try:
            for item in value:
                out.append(None if item is None else read_item(item))
        except Invalid as failure:
            failure.steps.append(f"[{len(out)}]")  # the item that failed
            raise
        return out

    return read


def _map(read_value: Reader) -> Reader:
    def read(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _wrong_type("map", value)
        out = {}
        key = ""
        try:
            for key, item in value.items():
                out[str(key)] = None if item is None else read_value(item)
        except Invalid as failure:
            failure.steps.append(f".{key}")
            raise
        return out

    return read


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _wrong_type("string", value)
    return value


def _enum(allowed: frozenset[str], listed: list[str]) -> Reader:
    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise _wrong_type("string", value)
        if value not in allowed:
            raise Invalid(lambda path: _not_in_enum(path, value, listed))
        return value

    return read


def _not_in_enum(path: str, value: str, listed: list[str]) -> ApiError:
    member = ".".join(part[:1].lower() + part[1:] for part in path.split("."))
    return bad_request(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(listed)}]"
    )


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type("boolean", value)
    return value


def _integer(kind: str) -> Reader:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(kind, value)
        return value

    return read


def _number(kind: str) -> Reader:
    def read(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong_type(kind, value)
        return float(value)

    return read


def _blob(value: Any) -> bytes:
    if not isinstance(value, str):
        raise _wrong_type("blob", value)
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise Invalid(_not_base64) from None


def _not_base64(path: str) -> ApiError:
    return bad_request(f"Value at '{path}' is not valid base64.")


def _timestamp(value: Any) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise _wrong_type("timestamp", value)


def _as_is(value: Any) -> Any:
    return value


_SCALARS: dict[str, Reader] = {
    "boolean": _boolean,
    "integer": _integer("integer"),
    "long": _integer("long"),
    "double": _number("double"),
    "float": _number("float"),
    "blob": _blob,
    "timestamp": _timestamp,
}
