"""What an export job writes: VDM metrics by day and dimension, or message insights,
computed from the account's metrics (``account/metrics.py``) as GetExportJob's file."""

from __future__ import annotations

__all__ = ["LAST_DELIVERY", "insights_rows", "last_events", "metrics_rows"]

import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .activity import Happening, isp_of, on_suppression_list
from .ledger import SentMessage, address_of
from .metrics import Traffic, series

#: What each metric's RATE is a share of (the VDM dashboard: "the metric total divided by
#: either the sent or delivered total, depending on the metric").
RATE_BASE = {
    "SEND": "SEND",
    "DELIVERY": "SEND",
    "PERMANENT_BOUNCE": "SEND",
    "TRANSIENT_BOUNCE": "SEND",
    "COMPLAINT": "DELIVERY_COMPLAINT",
    "OPEN": "DELIVERY_OPEN",
    "CLICK": "DELIVERY_CLICK",
    "DELIVERY_OPEN": "DELIVERY",
    "DELIVERY_CLICK": "DELIVERY",
    "DELIVERY_COMPLAINT": "DELIVERY",
}
#: MessageInsightsFilters' LastDeliveryEvent order: SEND < BOUNCE < DELIVERY < COMPLAINT.
LAST_DELIVERY = {
    "SEND": 0,
    "TRANSIENT_BOUNCE": 1,
    "PERMANENT_BOUNCE": 1,
    "UNDETERMINED_BOUNCE": 1,
    "DELIVERY": 2,
    "COMPLAINT": 3,
}
_ENGAGEMENT = {"OPEN": 0, "CLICK": 1}


def metrics_rows(
    traffic: Traffic, source: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """A MetricsDataSource's records: one per UTC day and combination of the dimension
    values asked, a column per metric (``SEND``, or ``SEND_RATE`` for a RATE)."""
    dimensions: Mapping[str, Sequence[str]] = source["Dimensions"]
    names = list(dimensions)
    metric_columns = [
        (m["Name"], m.get("Aggregation", "VOLUME"), _column(m)) for m in source["Metrics"]
    ]
    rows: list[dict[str, Any]] = []
    for values in itertools.product(*(dimensions[n] for n in names)):
        chosen = dict(zip(names, values, strict=True))
        sums: dict[str, list[tuple[datetime, int]]] = {}
        for metric, _aggregation, _c in metric_columns:
            for wanted in (metric, RATE_BASE[metric]):
                if wanted not in sums:
                    sums[wanted] = series(
                        traffic, wanted, chosen, source["StartDate"], source["EndDate"]
                    )
        days = [day for day, _n in next(iter(sums.values()))] if sums else []
        for i, day in enumerate(days):
            row: dict[str, Any] = {"timestamp": day.isoformat(), **chosen}
            for metric, aggregation, column in metric_columns:
                volume = sums[metric][i][1]
                if aggregation == "RATE":
                    base = sums[RATE_BASE[metric]][i][1]
                    row[column] = round(volume / base, 4) if base else 0.0
                else:
                    row[column] = volume
            rows.append(row)
    return rows, ["timestamp", *names, *(c for _m, _a, c in metric_columns)]


def _column(metric: Mapping[str, str]) -> str:
    name = metric["Name"]
    return f"{name}_RATE" if metric.get("Aggregation") == "RATE" else name


def last_events(found: Sequence[Happening], recipient: str) -> tuple[str | None, str | None]:
    """The last delivery event and the last engagement event of one recipient."""
    delivery = engagement = None
    for happening in found:
        if happening.recipient != recipient or on_suppression_list(happening):
            continue
        kind = happening.kind
        if kind in LAST_DELIVERY and (
            delivery is None or LAST_DELIVERY[kind] >= LAST_DELIVERY[delivery]
        ):
            delivery = kind
        elif kind in _ENGAGEMENT and (
            engagement is None or _ENGAGEMENT[kind] >= _ENGAGEMENT[engagement]
        ):
            engagement = kind
    return delivery, engagement


_INSIGHT_COLUMNS = [
    "messageId",
    "timestamp",
    "fromEmailAddress",
    "destination",
    "subject",
    "isp",
    "tenantName",
    "lastDeliveryEvent",
    "lastEngagementEvent",
]


def insights_rows(
    activity: Sequence[tuple[SentMessage, list[Happening]]], source: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[str], int]:
    """A MessageInsightsDataSource's records: one per message and recipient sent from
    StartDate to EndDate (both inclusive) that the filters keep, newest first, at most
    MaxResults (1,000 when not given); and how many records were looked at."""
    start, end = source["StartDate"], source["EndDate"]
    include = source.get("Include") or {}
    exclude = source.get("Exclude") or {}
    limit = source.get("MaxResults") or 1000
    rows: list[dict[str, Any]] = []
    processed = 0
    for message, found in sorted(activity, key=lambda item: item[0].time, reverse=True):
        if not start <= message.time <= end:
            continue
        for recipient in message.recipients:
            processed += 1
            delivery, engagement = last_events(found, recipient)
            row = {
                "messageId": message.message_id,
                "timestamp": message.time.isoformat(),
                "fromEmailAddress": message.source,
                "destination": recipient,
                "subject": message.subject,
                "isp": isp_of(recipient),
                "tenantName": message.tenant_name,
                "lastDeliveryEvent": delivery,
                "lastEngagementEvent": engagement,
            }
            if _matches(row, include, every=True) and not _matches(row, exclude, every=False):
                rows.append(row)
    return rows[:limit], list(_INSIGHT_COLUMNS), processed


_FILTERS = {
    "FromEmailAddress": "fromEmailAddress",
    "Destination": "destination",
    "Subject": "subject",
    "Isp": "isp",
    "TenantName": "tenantName",
    "LastDeliveryEvent": "lastDeliveryEvent",
    "LastEngagementEvent": "lastEngagementEvent",
}


def _matches(row: Mapping[str, Any], filters: Mapping[str, Any], *, every: bool) -> bool:
    """Filters are joined by AND, a filter's values by OR (the model); addresses are
    compared bare, other values as given (case-sensitive)."""
    tests = []
    for name, values in filters.items():
        if not values or name not in _FILTERS:
            continue
        value = row[_FILTERS[name]]
        if name in ("FromEmailAddress", "Destination"):
            value = address_of(value or "")
            values = [address_of(v) for v in values]
        tests.append(value in values)
    if not tests:
        return every
    return all(tests)
