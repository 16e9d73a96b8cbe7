"""SES v2's Deliverability dashboard: its subscription, the domain statistics and
campaigns computed from what the account sent, predictive inbox placement tests (their
result is what the test decided, ``ses_account.set_inbox_placement``), blacklist reports."""

from __future__ import annotations

__all__ = ["PAGE", "DashboardV2"]

import ipaddress
from datetime import datetime
from typing import Any, ClassVar

from ..account.dashboard import Dashboard, DeliverabilityTest, Placement, Subscription
from ..account.metrics import Metrics
from .api import Call, Operations, Params, Result, paginate
from .campaigns import campaign_of, campaigns, check_range, domain_statistics
from .mail import ApiError, bad_request
from .tags import checked_tags, tag_list, tag_new
from .testreports import report_content

#: A page of ListDeliverabilityTestReports / ListDomainDeliverabilityCampaigns.
PAGE = 100
_TEST_ARN_TYPE = "deliverability-test-report"


def _not_enabled() -> ApiError:
    # No capture of SES's answer when the dashboard is off: docs/choices.md.
    return bad_request("The Deliverability dashboard is not enabled for your account.")


def _enabled(call: Call) -> Dashboard:
    dashboard = call.part(Dashboard)
    if not dashboard.subscription(call.region)["enabled"]:
        raise _not_enabled()
    return dashboard


def _subscribed(call: Call, domain: str) -> Subscription:
    subscription = _enabled(call).subscribed(domain, call.region)
    if subscription is None:
        raise ApiError(
            "NotFoundException",
            f"Domain {domain} is not subscribed to the Deliverability dashboard.",
            404,
        )
    return subscription


def _tracking(subscription: Subscription) -> dict[str, Any]:
    item: dict[str, Any] = {
        "Domain": subscription.domain,
        "SubscriptionStartDate": subscription.start,
    }
    if subscription.inbox_placement:
        item["InboxPlacementTrackingOption"] = subscription.inbox_placement
    return item


def _placement(p: Placement) -> dict[str, float]:
    return {
        "InboxPercentage": p.inbox,
        "SpamPercentage": p.spam,
        "MissingPercentage": p.missing,
        "SpfPercentage": p.spf,
        "DkimPercentage": p.dkim,
    }


def _summary(test: DeliverabilityTest, now: datetime) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ReportId": test.report_id,
        "FromEmailAddress": test.from_email_address,
        "CreateDate": test.created,
        "DeliverabilityTestStatus": test.status(now),
    }
    if test.report_name is not None:
        item["ReportName"] = test.report_name
    if test.subject is not None:
        item["Subject"] = test.subject
    return item


def _page(items: list[dict[str, Any]], key: str, p: Params) -> Result:
    try:
        return paginate(
            items,
            key,
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=PAGE,
            size_name="PageSize",
        )
    except ApiError as error:
        raise bad_request(error.message) from None


class DashboardV2(Operations):
    """The Deliverability dashboard's operations."""

    title = "the Deliverability dashboard"
    names = (
        "GetDeliverabilityDashboardOptions",
        "PutDeliverabilityDashboardOption",
        "CreateDeliverabilityTestReport",
        "GetDeliverabilityTestReport",
        "ListDeliverabilityTestReports",
        "GetDomainStatisticsReport",
        "ListDomainDeliverabilityCampaigns",
        "GetDomainDeliverabilityCampaign",
        "GetBlacklistReports",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "statistics and campaigns from what the account sent; test results and "
        "blacklist listings as the test sets them"
    }

    # -- the subscription ----------------------------------------------------------------
    def GetDeliverabilityDashboardOptions(self, call: Call, p: Params) -> Result:
        state = call.part(Dashboard).subscription(call.region)
        result: dict[str, Any] = {
            "DashboardEnabled": state["enabled"],
            "AccountStatus": state["status"],
            "ActiveSubscribedDomains": [_tracking(s) for s in state["active"]],
            "PendingExpirationSubscribedDomains": [_tracking(s) for s in state["pending"]],
        }
        if state["expires"] is not None:
            result["SubscriptionExpiryDate"] = state["expires"]
        return result

    def PutDeliverabilityDashboardOption(self, call: Call, p: Params) -> Result:
        enabled = bool(p["DashboardEnabled"])
        domains: list[Subscription] = []
        now = call.account.clock.now()
        for item in p.get("SubscribedDomains") or () if enabled else ():
            domain = str(item.get("Domain") or "").strip()
            identity = call.account.identity(domain, call.region) if domain else None
            if identity is None or identity.kind != "Domain" or identity.status != "Success":
                raise ApiError(
                    "NotFoundException", f"Domain {domain} is not a verified identity.", 404
                )
            if any(d.domain.lower() == domain.lower() for d in domains):
                raise bad_request(f"Domain {domain} is listed more than once.")
            tracking = dict(item.get("InboxPlacementTrackingOption") or {})
            domains.append(Subscription(domain, now, tracking))
        call.part(Dashboard).subscribe(enabled, domains, call.region)
        return {}

    # -- predictive inbox placement tests --------------------------------------------------
    def CreateDeliverabilityTestReport(self, call: Call, p: Params) -> Result:
        dashboard = _enabled(call)
        checked_tags(p.get("Tags"))
        subject, message = report_content(call, p)
        test = dashboard.start_test(
            report_name=p.get("ReportName"),
            from_email_address=p["FromEmailAddress"],
            subject=subject,
            message=message,
            region=call.region,
        )
        tag_new(call, _TEST_ARN_TYPE, test.report_id, p.get("Tags"))
        return {"ReportId": test.report_id, "DeliverabilityTestStatus": "IN_PROGRESS"}

    def GetDeliverabilityTestReport(self, call: Call, p: Params) -> Result:
        now = call.account.clock.now()
        for test in call.part(Dashboard).deliverability_tests(call.region):
            if test.report_id == p["ReportId"]:
                break
        else:
            raise ApiError(
                "NotFoundException", f"Deliverability test report {p['ReportId']} not found.", 404
            )
        result = test.result or {}
        overall: dict[str, float] = {}
        if result:
            placements = [_placement(x) for x in result.values()]
            overall = {
                key: round(sum(x[key] for x in placements) / len(placements), 2)
                for key in placements[0]
            }
        return {
            "DeliverabilityTestReport": _summary(test, now),
            "OverallPlacement": overall,
            "IspPlacements": [
                {"IspName": isp, "PlacementStatistics": _placement(x)} for isp, x in result.items()
            ],
            "Message": test.message,
            "Tags": tag_list(call, _TEST_ARN_TYPE, test.report_id),
        }

    def ListDeliverabilityTestReports(self, call: Call, p: Params) -> Result:
        now = call.account.clock.now()
        items = [_summary(t, now) for t in call.part(Dashboard).deliverability_tests(call.region)]
        return _page(items, "DeliverabilityTestReports", p)

    # -- what the account sent, as the dashboard shows it -------------------------------------
    def GetDomainStatisticsReport(self, call: Call, p: Params) -> Result:
        domain = p["Domain"]
        _subscribed(call, domain)
        start, end = check_range(p["StartDate"], p["EndDate"])
        activity = call.part(Metrics).activity(call.region)
        return domain_statistics(activity, domain, start, end)

    def ListDomainDeliverabilityCampaigns(self, call: Call, p: Params) -> Result:
        domain = p["SubscribedDomain"]
        _subscribed(call, domain)
        start, end = check_range(p["StartDate"], p["EndDate"])
        activity = call.part(Metrics).activity(call.region)
        found = campaigns(call.region, activity, domain, start, end)
        return _page(found, "DomainDeliverabilityCampaigns", p)

    def GetDomainDeliverabilityCampaign(self, call: Call, p: Params) -> Result:
        dashboard = _enabled(call)
        activity = call.part(Metrics).activity(call.region)
        found = campaign_of(call.region, activity, p["CampaignId"])
        if found is None or dashboard.subscribed(found[1], call.region) is None:
            raise ApiError("NotFoundException", f"Campaign {p['CampaignId']} not found.", 404)
        return {"DomainDeliverabilityCampaign": found[0]}

    # -- blacklists ----------------------------------------------------------------------------
    def GetBlacklistReports(self, call: Call, p: Params) -> Result:
        names = p["BlacklistItemNames"]
        report = {}
        for name in names:
            try:
                ipaddress.ip_address(name)
            except ValueError:
                raise bad_request(f"Invalid IP address: {name}") from None
            report[name] = [
                {
                    "RblName": e.rbl_name,
                    "ListingTime": e.listing_time,
                    **({"Description": e.description} if e.description else {}),
                }
                for e in call.part(Dashboard).blacklist_entries(name, call.region)
            ]
        return {"BlacklistReport": report}
