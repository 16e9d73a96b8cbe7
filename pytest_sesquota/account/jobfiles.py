"""The files of import and export jobs: reading an import's records (CSV or
newline-delimited JSON, as the SES guide shows them) and writing an export's.

Plain functions over bytes: where the bytes come from (moto's S3) is ``account/s3.py``'s.
"""

from __future__ import annotations

__all__ = [
    "ContactRecord",
    "SuppressionRecord",
    "contact_records",
    "render",
    "suppression_records",
]

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .ledger import address_of
from .recipients import SUPPRESSION_REASONS, SuppressionReason

_REASONS: dict[str, SuppressionReason] = {r: r for r in SUPPRESSION_REASONS}


@dataclass(frozen=True)
class SuppressionRecord:
    email_address: str
    #: ``BOUNCE`` or ``COMPLAINT`` for a PUT; ``None`` for a DELETE.
    reason: SuppressionReason | None = None


@dataclass(frozen=True)
class ContactRecord:
    email_address: str
    unsubscribe_all: bool = False
    attributes_data: str | None = None
    #: topic name -> ``OPT_IN`` / ``OPT_OUT``
    topic_preferences: Mapping[str, str] = field(default_factory=dict)


def _valid_address(text: str) -> bool:
    bare = address_of(text)
    local, at, domain = bare.rpartition("@")
    return bool(local and at and "." in domain and not any(c.isspace() for c in bare))


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def _json_objects(data: bytes) -> Iterable[Mapping[str, Any] | None]:
    for line in _lines(data):
        try:
            item = json.loads(line)
        except ValueError:
            yield None
            continue
        yield item if isinstance(item, dict) else None


def suppression_records(
    data: bytes, data_format: str, action: str
) -> tuple[list[SuppressionRecord], int]:
    """The valid records of a suppression-list import and how many were not valid
    (``PUT``: an address and a reason, ``BOUNCE`` or ``COMPLAINT``; ``DELETE``: an address)."""
    records: list[SuppressionRecord] = []
    failed = 0
    rows: Iterable[tuple[str, str | None] | None]
    if data_format == "CSV":
        rows = (
            (row[0].strip(), row[1].strip() if len(row) > 1 else None) if row else None
            for row in csv.reader(_lines(data))
        )
    else:
        rows = (
            None if item is None else (str(item.get("emailAddress", "")), _text(item.get("reason")))
            for item in _json_objects(data)
        )
    for row in rows:
        if row is None or not _valid_address(row[0]):
            failed += 1
            continue
        address, given = row
        reason: SuppressionReason | None = None
        if action == "PUT":
            reason = _REASONS.get((given or "").upper())
            if reason is None:
                failed += 1
                continue
        records.append(SuppressionRecord(address, reason))
    return records, failed


def contact_records(data: bytes, data_format: str) -> tuple[list[ContactRecord], int]:
    """The valid records of a contact-list import (the guide's CSV with a header line,
    ``topicPreferences.<topic>`` columns flattened, or one JSON object a line)."""
    records: list[ContactRecord] = []
    failed = 0
    items: list[Mapping[str, Any] | None]
    if data_format == "CSV":
        reader = csv.DictReader(io.StringIO("\n".join(_lines(data))))
        items = []
        for row in reader:
            topics = [
                {"topicName": key.partition(".")[2], "subscriptionStatus": value}
                for key, value in row.items()
                if key and key.startswith("topicPreferences.") and value
            ]
            items.append({**row, "topicPreferences": topics})
    else:
        items = list(_json_objects(data))
    for item in items:
        address = None if item is None else _text(item.get("emailAddress"))
        if item is None or address is None or not _valid_address(address):
            failed += 1
            continue
        preferences: dict[str, str] = {}
        for topic in item.get("topicPreferences") or []:
            status = str(topic.get("subscriptionStatus", "")).upper()
            if status not in ("OPT_IN", "OPT_OUT"):
                failed += 1
                break
            preferences[str(topic.get("topicName"))] = status
        else:
            unsubscribe = str(item.get("unsubscribeAll", "false")).strip().lower() == "true"
            records.append(
                ContactRecord(address, unsubscribe, _text(item.get("attributesData")), preferences)
            )
    return records, failed


def render(rows: list[dict[str, Any]], columns: list[str], data_format: str) -> bytes:
    """An export's file: CSV with a header line, or one JSON object a line."""
    if data_format == "JSON":
        return "".join(json.dumps(row, default=str) + "\n" for row in rows).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue().encode()


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
