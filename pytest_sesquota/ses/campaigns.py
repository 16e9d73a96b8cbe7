"""The Deliverability dashboard's view of what a domain sent: daily inbox volumes by
mailbox provider (GetDomainStatisticsReport) and campaigns, the messages of one sender
and subject (ListDomainDeliverabilityCampaigns, GetDomainDeliverabilityCampaign).

Computed from the ledger and the account's events. The fake has no spam folder of its
own: every delivery counts in the inbox (docs/choices.md).
"""

from __future__ import annotations

__all__ = ["MAX_RANGE", "campaign_of", "campaigns", "check_range", "domain_statistics"]

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from ..account.activity import Happening, isp_of
from ..account.ledger import SentMessage, address_of
from ..account.metrics import DAY, day_of
from ..account.recipients import is_simulator
from .mail import bad_request

#: The longest range of a report (the model: "less than or equal to 30 days after").
MAX_RANGE = timedelta(days=30)
Activity = Sequence[tuple[SentMessage, list[Happening]]]


def check_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    if end < start:
        raise bad_request("EndDate must not be before StartDate.")
    if end - start > MAX_RANGE:
        raise bad_request("EndDate must be less than or equal to 30 days after StartDate.")
    return start, end


def _from_domain(message: SentMessage) -> str:
    return address_of(message.source).rpartition("@")[2]


def _deliveries(activity: Activity, domain: str) -> list[tuple[SentMessage, Happening]]:
    """Every delivery of the domain's mail (not to the mailbox simulator), and the
    message it was part of."""
    wanted = domain.lower()
    return [
        (message, h)
        for message, found in activity
        if _from_domain(message) == wanted
        for h in found
        if h.kind == "DELIVERY" and not is_simulator(h.recipient)
    ]


def _opens(activity: Activity, domain: str) -> set[tuple[str, str]]:
    wanted = domain.lower()
    return {
        (message.message_id, address_of(h.recipient))
        for message, found in activity
        if _from_domain(message) == wanted
        for h in found
        if h.kind == "OPEN"
    }


def _volume(count: int) -> dict[str, int]:
    return {"InboxRawCount": count, "SpamRawCount": 0, "ProjectedInbox": count, "ProjectedSpam": 0}


def _placements(by_isp: Counter[str]) -> list[dict[str, Any]]:
    return [
        {
            "IspName": isp,
            "InboxRawCount": count,
            "SpamRawCount": 0,
            "InboxPercentage": 100.0,
            "SpamPercentage": 0.0,
        }
        for isp, count in sorted(by_isp.items())
    ]


def domain_statistics(
    activity: Activity, domain: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """GetDomainStatisticsReport: a day each from the day of ``start`` to the day of
    ``end``, and their sum."""
    first, last = day_of(start), day_of(end)
    days = [first + i * DAY for i in range(int((last - first) / DAY) + 1)]
    daily: dict[float, Counter[str]] = {day: Counter() for day in days}
    opened = _opens(activity, domain)
    delivered: set[tuple[str, str]] = set()
    for message, happening in _deliveries(activity, domain):
        day = day_of(happening.time)
        if day in daily:
            daily[day][isp_of(happening.recipient)] += 1
            delivered.add((message.message_id, address_of(happening.recipient)))
    total: Counter[str] = Counter()
    for counts in daily.values():
        total.update(counts)
    read = len(opened & delivered)
    overall_count = sum(total.values())
    return {
        "OverallVolume": {
            "VolumeStatistics": _volume(overall_count),
            "ReadRatePercent": round(100.0 * read / overall_count, 2) if overall_count else 0.0,
            "DomainIspPlacements": _placements(total),
        },
        "DailyVolumes": [
            {
                "StartDate": datetime.fromtimestamp(day, timezone.utc),
                "VolumeStatistics": _volume(sum(daily[day].values())),
                "DomainIspPlacements": _placements(daily[day]),
            }
            for day in days
        ],
    }


def _campaign_id(region: str, sender: str, subject: str | None) -> str:
    text = f"{region}\n{address_of(sender)}\n{subject or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _all_campaigns(region: str, activity: Activity) -> dict[str, dict[str, Any]]:
    """Every campaign of the region: the messages of one sender and one subject."""
    found: dict[str, dict[str, Any]] = {}
    for message, happened in activity:
        key = _campaign_id(region, message.source, message.subject)
        campaign = found.setdefault(
            key,
            {"messages": [], "deliveries": [], "opens": set(), "domain": _from_domain(message)},
        )
        campaign["messages"].append(message)
        for h in happened:
            if is_simulator(h.recipient):
                continue
            if h.kind == "DELIVERY":
                campaign["deliveries"].append(h)
            elif h.kind == "OPEN":
                campaign["opens"].add((message.message_id, address_of(h.recipient)))
    return found


def _document(campaign_id: str, campaign: dict[str, Any]) -> dict[str, Any]:
    messages: list[SentMessage] = campaign["messages"]
    deliveries: list[Happening] = campaign["deliveries"]
    inbox = len(deliveries)
    document: dict[str, Any] = {
        "CampaignId": campaign_id,
        "FromAddress": messages[0].source,
        "InboxCount": inbox,
        "SpamCount": 0,
        "ReadRate": round(100.0 * len(campaign["opens"]) / inbox, 2) if inbox else 0.0,
        "DeleteRate": 0.0,
        "ReadDeleteRate": 0.0,
        "ProjectedVolume": sum(len(m.recipients) for m in messages),
        "Esps": sorted({isp_of(h.recipient) for h in deliveries}),
    }
    if messages[0].subject is not None:
        document["Subject"] = messages[0].subject
    if deliveries:
        document["FirstSeenDateTime"] = min(h.time for h in deliveries)
        document["LastSeenDateTime"] = max(h.time for h in deliveries)
    return document


def campaigns(
    region: str, activity: Activity, domain: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The domain's campaigns with a message sent from ``start`` to ``end`` (the days of
    both included), in the order first sent."""
    first, stop = day_of(start), day_of(end) + DAY
    return [
        _document(key, campaign)
        for key, campaign in _all_campaigns(region, activity).items()
        if campaign["domain"] == domain.lower()
        and any(first <= m.time.timestamp() < stop for m in campaign["messages"])
    ]


def campaign_of(
    region: str, activity: Activity, campaign_id: str
) -> tuple[dict[str, Any], str] | None:
    """One campaign's document and its domain, or ``None``."""
    campaign = _all_campaigns(region, activity).get(campaign_id)
    return None if campaign is None else (_document(campaign_id, campaign), campaign["domain"])
