"""The account's pieces as JSON text for the state file, and back.

Times are ``{"$time": iso}``, bytes ``{"$bytes": base64}``; ledger entries and
requests are their dataclass fields, read one level deep (not with ``dataclasses.asdict``,
which deep-copies every message body on every save); each part's state is what its
``export`` gives.
"""

from __future__ import annotations

__all__ = [
    "ENTRY_KINDS",
    "dump_entry",
    "dump_request",
    "dumps",
    "fields_of",
    "load_entry",
    "load_request",
    "loads",
]

import base64
import dataclasses
import json
from datetime import datetime
from typing import Any

from ..account.ledger import (
    FaultedSend,
    LedgerEntry,
    RejectedSend,
    SentMessage,
    SesRequest,
    ThrottledSend,
)

#: The ledger's lists of entries, by the name the state file and the control API use.
ENTRY_KINDS: dict[str, type[Any]] = {
    "sent": SentMessage,
    "throttled": ThrottledSend,
    "rejected": RejectedSend,
    "faults": FaultedSend,
}
_TUPLES = {"recipients", "to", "cc", "bcc", "suppressed", "bounced", "complained", "reply_to"}


def _tag(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"not JSON: {type(value).__name__}")


def _untag(document: dict[str, Any]) -> Any:
    if len(document) == 1:
        if "$time" in document:
            return datetime.fromisoformat(document["$time"])
        if "$bytes" in document:
            return base64.b64decode(document["$bytes"])
    return document


def dumps(value: Any) -> str:
    """JSON text, times and bytes tagged (by the C encoder: no walk in Python)."""
    return json.dumps(value, default=_tag)


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_untag)


_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def fields_of(item: Any) -> dict[str, Any]:
    """A dataclass's fields, one level deep."""
    names = _FIELDS.get(type(item))
    if names is None:
        names = _FIELDS[type(item)] = tuple(f.name for f in dataclasses.fields(item))
    return {name: getattr(item, name) for name in names}


def dump_entry(entry: LedgerEntry) -> str:
    return dumps(fields_of(entry))


def load_entry(kind: str, text: str) -> LedgerEntry:
    data = loads(text)
    for key in _TUPLES & data.keys():
        data[key] = tuple(data[key])
    entry: LedgerEntry = ENTRY_KINDS[kind](**data)
    return entry


_REQUEST_FIELDS = ("time", "region", "api", "operation", "status", "error_code", "error_message")


def dump_request(request: SesRequest, outcomes: list[tuple[str, int]]) -> str:
    """A request, its outcomes as ``(list, number)`` references to ledger entries."""
    data: dict[str, Any] = {name: getattr(request, name) for name in _REQUEST_FIELDS}
    data["outcomes"] = outcomes
    return dumps(data)


def load_request(text: str, by_number: dict[tuple[str, int], LedgerEntry]) -> SesRequest:
    data = loads(text)
    # Outcomes that have left the ledger (its retention) are left out.
    outcomes = tuple(
        by_number[kind, number]
        for kind, number in data.pop("outcomes")
        if (kind, number) in by_number
    )
    return SesRequest(**data, outcomes=outcomes)
