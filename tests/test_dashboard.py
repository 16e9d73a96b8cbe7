"""The Deliverability dashboard through boto3: a monthly subscription on the virtual
clock, the statistics and campaigns of what a subscribed domain sent, predictive inbox
placement tests whose result the test decides, blacklist reports."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError
from conftest import send_v2

START = datetime(2026, 1, 30, 10, tzinfo=timezone.utc)
FEBRUARY = datetime(2026, 2, 1, tzinfo=timezone.utc)
pytestmark = pytest.mark.ses_quota(
    profile="production", start=START, verified=["example.com", "other.org"], max_send_rate=-1
)
SIMPLE = {"Simple": {"Subject": {"Data": "Sale"}, "Body": {"Text": {"Data": "50% off"}}}}


def utc(value):
    return value.astimezone(timezone.utc)


def refused(call, **params):
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def subscribe(v2, *domains):
    v2.put_deliverability_dashboard_option(
        DashboardEnabled=True, SubscribedDomains=[{"Domain": d} for d in domains]
    )


def test_the_subscription_runs_to_the_end_of_the_month(ses_account, sesv2):
    off = sesv2.get_deliverability_dashboard_options()
    assert (off["DashboardEnabled"], off["AccountStatus"]) == (False, "DISABLED")
    subscribe(sesv2, "example.com", "other.org")
    on = sesv2.get_deliverability_dashboard_options()
    assert (on["DashboardEnabled"], on["AccountStatus"]) == (True, "ACTIVE")
    assert [
        (d["Domain"], utc(d["SubscriptionStartDate"])) for d in on["ActiveSubscribedDomains"]
    ] == [
        ("example.com", START),
        ("other.org", START),
    ]
    subscribe(sesv2, "example.com")  # other.org dropped: it stays until February
    on = sesv2.get_deliverability_dashboard_options()
    assert [d["Domain"] for d in on["PendingExpirationSubscribedDomains"]] == ["other.org"]
    sesv2.put_deliverability_dashboard_option(DashboardEnabled=False)
    ending = sesv2.get_deliverability_dashboard_options()
    assert (ending["DashboardEnabled"], ending["AccountStatus"]) == (True, "PENDING_EXPIRATION")
    assert utc(ending["SubscriptionExpiryDate"]) == FEBRUARY
    ses_account.clock.advance(days=2)
    ended = sesv2.get_deliverability_dashboard_options()
    assert (ended["DashboardEnabled"], ended["AccountStatus"]) == (False, "DISABLED")
    assert ended["ActiveSubscribedDomains"] == ended["PendingExpirationSubscribedDomains"] == []
    assert "SubscriptionExpiryDate" not in ended


def test_only_verified_domains_are_subscribed(ses_account, sesv2):
    ses_account.request_identity("pending.net")
    assert refused(
        sesv2.put_deliverability_dashboard_option,
        DashboardEnabled=True,
        SubscribedDomains=[{"Domain": "pending.net"}],
    ) == ("NotFoundException", "Domain pending.net is not a verified identity.", 404)


def test_domain_statistics_and_campaigns_from_what_the_domain_sent(ses_account, sesv2):
    subscribe(sesv2, "example.com")
    for to in ("ann@gmail.com", "bob@gmail.com", "cy@yahoo.com", "bounce@simulator.amazonses.com"):
        send_v2(sesv2, to, source="shop@example.com", content=SIMPLE)
    ses_account.clock.advance(days=1)
    send_v2(sesv2, "dee@hotmail.com", source="shop@example.com", content=SIMPLE)
    send_v2(sesv2, "eve@gmail.com", source="shop@example.com")  # another subject
    send_v2(sesv2, "fay@gmail.com", source="app@other.org")  # another domain
    ses_account.clock.advance(
        seconds=2
    )  # SES's deliveries and bounces come a second after the send
    report = sesv2.get_domain_statistics_report(
        Domain="example.com", StartDate=START, EndDate=START + timedelta(days=2)
    )
    overall = report["OverallVolume"]
    assert overall["VolumeStatistics"] == {
        "InboxRawCount": 5,
        "SpamRawCount": 0,
        "ProjectedInbox": 5,
        "ProjectedSpam": 0,
    }
    assert [(p["IspName"], p["InboxRawCount"]) for p in overall["DomainIspPlacements"]] == [
        ("Gmail", 3),
        ("Hotmail", 1),
        ("Yahoo", 1),
    ]
    assert [
        (utc(d["StartDate"]).day, d["VolumeStatistics"]["InboxRawCount"])
        for d in report["DailyVolumes"]
    ] == [(30, 3), (31, 2), (1, 0)]
    campaigns = sesv2.list_domain_deliverability_campaigns(
        SubscribedDomain="example.com", StartDate=START, EndDate=START + timedelta(days=1)
    )["DomainDeliverabilityCampaigns"]
    sale = campaigns[0]
    assert (sale["Subject"], sale["FromAddress"], sale["InboxCount"], sale["ProjectedVolume"]) == (
        "Sale",
        "shop@example.com",
        4,
        5,
    )
    assert sale["Esps"] == ["Gmail", "Hotmail", "Yahoo"]
    assert (utc(sale["FirstSeenDateTime"]), utc(sale["LastSeenDateTime"])) == (
        START + timedelta(seconds=1),  # its deliveries, a second after the sends
        START + timedelta(days=1, seconds=1),
    )
    assert [c["Subject"] for c in campaigns] == ["Sale", "Hello"]
    again = sesv2.get_domain_deliverability_campaign(CampaignId=sale["CampaignId"])
    assert again["DomainDeliverabilityCampaign"] == sale


def test_reports_need_the_dashboard_and_a_subscribed_domain(ses_account, sesv2):
    week = {"StartDate": START, "EndDate": START + timedelta(days=7)}
    assert refused(sesv2.get_domain_statistics_report, Domain="example.com", **week) == (
        "BadRequestException",
        "The Deliverability dashboard is not enabled for your account.",
        400,
    )
    subscribe(sesv2, "example.com")
    assert refused(sesv2.get_domain_statistics_report, Domain="other.org", **week) == (
        "NotFoundException",
        "Domain other.org is not subscribed to the Deliverability dashboard.",
        404,
    )
    too_long = {"StartDate": START, "EndDate": START + timedelta(days=31)}
    assert refused(sesv2.get_domain_statistics_report, Domain="example.com", **too_long)[1] == (
        "EndDate must be less than or equal to 30 days after StartDate."
    )
    assert refused(sesv2.get_domain_deliverability_campaign, CampaignId="nope")[:2] == (
        "NotFoundException",
        "Campaign nope not found.",
    )


def test_inbox_placement_tests_end_a_day_later_as_the_test_decided(ses_account, sesv2):
    subscribe(sesv2, "example.com")
    ses_account.set_inbox_placement(80, 15, 5, dkim=90)
    ses_account.set_inbox_placement(50, 50, 0, isp="Gmail")
    created = sesv2.create_deliverability_test_report(
        ReportName="spring",
        FromEmailAddress="shop@example.com",
        Content=SIMPLE,
        Tags=[{"Key": "team", "Value": "growth"}],
    )
    assert created["DeliverabilityTestStatus"] == "IN_PROGRESS"
    report_id = created["ReportId"]
    running = sesv2.get_deliverability_test_report(ReportId=report_id)
    assert running["OverallPlacement"] == {} and running["IspPlacements"] == []
    assert running["DeliverabilityTestReport"]["Subject"] == "Sale"
    assert "Subject: Sale" in running["Message"]
    assert running["Tags"] == [{"Key": "team", "Value": "growth"}]
    ses_account.clock.advance(hours=24)
    done = sesv2.get_deliverability_test_report(ReportId=report_id)
    assert done["DeliverabilityTestReport"]["DeliverabilityTestStatus"] == "COMPLETED"
    placements = {p["IspName"]: p["PlacementStatistics"] for p in done["IspPlacements"]}
    assert sorted(placements) == ["AOL", "Gmail", "Hotmail", "Yahoo", "iCloud"]
    assert placements["Gmail"]["InboxPercentage"] == 50.0
    assert placements["Yahoo"] == {
        "InboxPercentage": 80.0,
        "SpamPercentage": 15.0,
        "MissingPercentage": 5.0,
        "SpfPercentage": 100.0,
        "DkimPercentage": 90.0,
    }
    assert done["OverallPlacement"]["InboxPercentage"] == 74.0  # (50 + 4 * 80) / 5
    ses_account.set_inbox_placement(0, 100, 0, report_id=report_id)  # SES changes its mind
    assert (
        sesv2.get_deliverability_test_report(ReportId=report_id)["OverallPlacement"][
            "SpamPercentage"
        ]
        == 100.0
    )
    listed = sesv2.list_deliverability_test_reports()["DeliverabilityTestReports"]
    assert [(r["ReportId"], r["ReportName"]) for r in listed] == [(report_id, "spring")]
    with pytest.raises(ValueError, match=r"inbox \+ spam \+ missing must make 100"):
        ses_account.set_inbox_placement(50, 10, 0)


def test_an_inbox_placement_test_is_refused_as_a_send_would_be(ses_account, sesv2):
    assert refused(
        sesv2.create_deliverability_test_report, FromEmailAddress="a@example.com", Content=SIMPLE
    )[:2] == (
        "BadRequestException",
        "The Deliverability dashboard is not enabled for your account.",
    )
    subscribe(sesv2, "example.com")
    assert refused(
        sesv2.create_deliverability_test_report, FromEmailAddress="a@unknown.net", Content=SIMPLE
    ) == (
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: a@unknown.net",
        400,
    )
    ses_account.pause_sending()
    assert (
        refused(
            sesv2.create_deliverability_test_report,
            FromEmailAddress="a@example.com",
            Content=SIMPLE,
        )[0]
        == "SendingPausedException"
    )
    ses_account.set_enforcement_status("SHUTDOWN")
    assert (
        refused(
            sesv2.create_deliverability_test_report,
            FromEmailAddress="a@example.com",
            Content=SIMPLE,
        )[0]
        == "AccountSuspendedException"
    )


def test_blacklist_reports_show_what_the_test_listed(ses_account, sesv2):
    ses_account.list_on_blacklist("192.0.2.10", "spamhaus", "Listed for spam traps")
    report = sesv2.get_blacklist_reports(BlacklistItemNames=["192.0.2.10", "192.0.2.11"])
    [entry] = report["BlacklistReport"]["192.0.2.10"]
    assert (entry["RblName"], utc(entry["ListingTime"]), entry["Description"]) == (
        "spamhaus",
        START,
        "Listed for spam traps",
    )
    assert report["BlacklistReport"]["192.0.2.11"] == []
    assert refused(sesv2.get_blacklist_reports, BlacklistItemNames=["not-an-ip"])[:2] == (
        "BadRequestException",
        "Invalid IP address: not-an-ip",
    )
