"""SES v2's Virtual Deliverability Manager: BatchGetMetricData's daily metrics and the
advisor's ListRecommendations, computed from what the account did
(``account/metrics.py``), beside the recommendations the test set (``account/advisor.py``)."""

from __future__ import annotations

__all__ = [
    "BOUNCE_THRESHOLD",
    "COMPLAINT_THRESHOLD",
    "MAX_DAYS",
    "RECOMMENDATIONS_PAGE",
    "VdmV2",
    "check_dimension_names",
    "check_metric",
    "check_namespace",
    "traffic_recommendations",
]

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from ..account.activity import ISP_NAMES
from ..account.advisor import RECOMMENDATION_TYPES, Advisor, Recommendation
from ..account.entity_reputation import EntityReputation
from ..account.metrics import DAY, DIMENSIONS, METRICS, Metrics, reputation, series
from .api import Call, Operations, Params, Result, paginate
from .mail import ACCOUNT_ID, ApiError, bad_request

#: The most days one query may span (SES publishes no number: docs/choices.md).
MAX_DAYS = 1_000
#: ListRecommendations' page when PageSize is not given.
RECOMMENDATIONS_PAGE = 100
#: The advisor recommends on a sending domain's bounce and complaint rates over the last 30
#: days at the rates where SES's enforcement starts a review (the guide: 5% and 0.1%).
BOUNCE_THRESHOLD = 0.05
COMPLAINT_THRESHOLD = 0.001
_WINDOW_DAYS = 30
#: ListRecommendations' filters that may be combined (the model: "an individual filter,
#: or combinations of STATUS and IMPACT or STATUS and TYPE").
_FILTER_PAIRS = ({"STATUS", "IMPACT"}, {"STATUS", "TYPE"})


def _enum(where: str, value: Any, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise bad_request(
            f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(valid)}]"
        )


def check_namespace(value: Any) -> None:
    _enum("namespace", value, ("VDM",))


def check_metric(value: Any) -> None:
    _enum("metric", value, METRICS)


def check_dimension_names(dimensions: Mapping[str, Any]) -> None:
    for name in dimensions:
        _enum("dimensions", name, tuple(DIMENSIONS))


def _check_query(query: Mapping[str, Any], seen: set[str]) -> None:
    query_id = query.get("Id", "")
    if not isinstance(query_id, str) or not 1 <= len(query_id) <= 255:
        raise bad_request(
            "1 validation error detected: Value at 'queries.member.id' failed to satisfy "
            "constraint: Member must have length between 1 and 255"
        )
    if query_id in seen:
        raise bad_request(f"Duplicate query identifier: {query_id}")
    seen.add(query_id)
    check_namespace(query.get("Namespace"))
    check_metric(query.get("Metric"))
    dimensions = query.get("Dimensions")
    if dimensions is not None:
        if not 1 <= len(dimensions) <= 3:
            raise bad_request(
                "1 validation error detected: Value at 'queries.member.dimensions' failed to "
                "satisfy constraint: Member must have length between 1 and 3"
            )
        check_dimension_names(dimensions)
        isp = dimensions.get("ISP")
        if isp is not None and isp not in ISP_NAMES:
            raise bad_request(
                f"Invalid dimension value for ISP: {isp}. Valid values: {', '.join(ISP_NAMES)}"
            )
    start, end = query["StartDate"], query["EndDate"]
    if end <= start:
        raise bad_request(f"Query {query_id}: EndDate must be after StartDate.")
    if (end - start).total_seconds() > MAX_DAYS * DAY:
        raise bad_request(f"Query {query_id}: the interval may span at most {MAX_DAYS} days.")


def _arn(region: str, identity: str) -> str:
    return f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/{identity}"


def traffic_recommendations(call: Call) -> list[Recommendation]:
    """BOUNCE and COMPLAINT recommendations for each sending domain whose rate over the
    last 30 days (as SES's reputation counts: no mailbox simulator, no suppression list) is
    at or over SES's review threshold; created at its first bounce (complaint) in that
    window, updated at its last."""
    since = call.account.clock.now() - timedelta(days=_WINDOW_DAYS)
    activity = call.part(Metrics).activity(call.region)
    found = []
    for domain, (counts, events) in sorted(reputation(activity, since).items()):
        checks = (
            ("BOUNCE", "PERMANENT_BOUNCE", counts["SEND"], BOUNCE_THRESHOLD),
            ("COMPLAINT", "COMPLAINT", counts["DELIVERY_COMPLAINT"], COMPLAINT_THRESHOLD),
        )
        for kind, metric, base, threshold in checks:
            if not (counts[metric] and base and counts[metric] / base >= threshold):
                continue
            when = [e.time for e in events if e.kind == metric]
            found.append(
                Recommendation(
                    resource_arn=_arn(call.region, domain),
                    type=kind,
                    description=(
                        f"The {kind.lower()} rate of {domain} over the last 30 days is "
                        f"{counts[metric] / base:.2%}, at or over {threshold:.1%}."
                    ),
                    status="OPEN",
                    impact="HIGH",
                    created=min(when),
                    updated=max(when),
                )
            )
    return found


class VdmV2(Operations):
    """BatchGetMetricData and ListRecommendations."""

    title = "the Virtual Deliverability Manager"
    names = ("BatchGetMetricData", "ListRecommendations")
    notes: ClassVar[dict[str, str]] = {
        "": "computed from the ledger and the account's events, on the virtual clock"
    }

    def BatchGetMetricData(self, call: Call, p: Params) -> Result:
        queries = p.get("Queries") or []
        if not 1 <= len(queries) <= 10:
            raise bad_request(
                "1 validation error detected: Value at 'queries' failed to satisfy "
                "constraint: Member must have length between 1 and 10"
            )
        seen: set[str] = set()
        for query in queries:
            _check_query(query, seen)
        traffic = call.part(Metrics).traffic(call.region)
        results = []
        for query in queries:
            points = series(
                traffic,
                query["Metric"],
                query.get("Dimensions") or {},
                query["StartDate"],
                query["EndDate"],
            )
            results.append(
                {
                    "Id": query["Id"],
                    "Timestamps": [day for day, _n in points],
                    "Values": [n for _day, n in points],
                }
            )
        return {"Results": results, "Errors": []}

    def ListRecommendations(self, call: Call, p: Params) -> Result:
        filters = p.get("Filter") or {}
        if len(filters) > 1 and set(filters) not in _FILTER_PAIRS:
            raise bad_request(
                "Filter must be a single filter, or STATUS with IMPACT, or STATUS with TYPE."
            )
        for key, value in filters.items():
            _enum("filter", key, ("TYPE", "IMPACT", "STATUS", "RESOURCE_ARN"))
            if key == "TYPE":
                _enum("filter.TYPE", value, RECOMMENDATION_TYPES)
            elif key == "IMPACT":
                _enum("filter.IMPACT", value, ("LOW", "HIGH"))
            elif key == "STATUS":
                _enum("filter.STATUS", value, ("OPEN", "FIXED"))
        found = [
            *call.part(Advisor).recommendations(call.region),
            *traffic_recommendations(call),
            # The tenants' reputation findings (GetReputationEntity's ReputationImpact).
            *call.part(EntityReputation).findings(call.region),
        ]
        fields = {
            "TYPE": "type",
            "IMPACT": "impact",
            "STATUS": "status",
            "RESOURCE_ARN": "resource_arn",
        }
        kept = [r for r in found if all(getattr(r, fields[k]) == v for k, v in filters.items())]
        # HIGH impact first (as the console sorts them), then the newest.
        kept.sort(key=lambda r: (r.impact != "HIGH", -r.updated.timestamp()))
        items = [
            {
                "ResourceArn": r.resource_arn,
                "Type": r.type,
                "Description": r.description,
                "Status": r.status,
                "CreatedTimestamp": r.created,
                "LastUpdatedTimestamp": r.updated,
                "Impact": r.impact,
            }
            for r in kept
        ]
        try:
            return paginate(
                items,
                "Recommendations",
                size=p.get("PageSize"),
                token=p.get("NextToken"),
                default=RECOMMENDATIONS_PAGE,
                size_name="PageSize",
            )
        except ApiError as error:
            raise bad_request(error.message) from None
