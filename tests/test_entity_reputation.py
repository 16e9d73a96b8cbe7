"""The reputation of configuration sets and tenants through boto3 and SMTP: each one's
rates from its own sends, a set's metrics in moto's CloudWatch (``ses:configuration-set``),
a set never paused by SES itself, and a tenant's findings and the pause its reputation
entity's policy (``standard``, ``strict``, ``none``) makes of them."""

from __future__ import annotations

from datetime import timedelta

import botocore.session
import pytest
from botocore.exceptions import ClientError
from conftest import SIMPLE
from smtp_wire import Wire, message

HAS_TENANTS = (
    "CreateTenant" in botocore.session.get_session().get_service_model("sesv2").operation_names
)
needs_tenants = pytest.mark.skipif(not HAS_TENANTS, reason="this botocore has no tenants")
PRODUCTION = pytest.mark.ses_quota(profile="production", max_send_rate=-1)
POLICY = "arn:aws:ses:us-east-1:aws:reputation-policy/{}"
IDENTITY = "arn:aws:ses:us-east-1:123456789012:identity/example.com"


def through_set(sesv2, to, name="news"):
    sesv2.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": [to]},
        Content=SIMPLE,
        ConfigurationSetName=name,
    )


def for_tenant(sesv2, to, tenant="acme"):
    return sesv2.send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": [to]},
        Content=SIMPLE,
        TenantName=tenant,
    )


def plain(account, count, start=0, domain="example.org"):
    """The account's own mail, through no set and no tenant."""
    for i in range(start, start + count):
        account.send(
            region=None,
            operation="SendEmail",
            source="app@example.com",
            recipients=[f"other{i}@{domain}"],
        )


def tenant(sesv2, name="acme", policy=None):
    sesv2.create_tenant(TenantName=name)
    if not any(
        i["IdentityName"] == "example.com" for i in sesv2.list_email_identities()["EmailIdentities"]
    ):
        sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_tenant_resource_association(TenantName=name, ResourceArn=IDENTITY)
    arn = sesv2.get_tenant(TenantName=name)["Tenant"]["TenantArn"]
    if policy is not None:
        sesv2.update_reputation_entity_policy(
            ReputationEntityType="RESOURCE",
            ReputationEntityReference=arn,
            ReputationEntityPolicy=POLICY.format(policy),
        )
    return arn


def entity(sesv2, arn):
    return sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn
    )["ReputationEntity"]


# -- configuration sets --------------------------------------------------------------


@PRODUCTION
def test_a_set_s_rates_count_its_own_sends_once_its_metrics_are_enabled(
    ses_account, ses, sesv2, ses_clock, ses_smtp
):
    ses.create_configuration_set(ConfigurationSet={"Name": "news"})
    ses_account.mailbox("@typo.example", outcome="bounce")
    ses_account.mailbox("angry@example.net", outcome="complaint")
    through_set(sesv2, "x0@typo.example")  # metrics not enabled yet: not counted
    ses.update_configuration_set_reputation_metrics_enabled(
        ConfigurationSetName="news", Enabled=True
    )
    for i in range(8):
        through_set(sesv2, f"reader{i}@example.net")
    through_set(sesv2, "x1@typo.example")
    through_set(sesv2, "angry@example.net")
    plain(ses_account, 30, domain="typo.example")  # the account's, not the set's
    # SMTP names its set in a header.
    raw = message(to="x2@typo.example", X_SES_CONFIGURATION_SET="news")
    with Wire(ses_smtp).ready() as wire:
        assert wire.transaction("app@example.com", ["x2@typo.example"], raw).startswith("250")
    ses_clock.advance(3)
    rep = ses_account.configuration_set_reputation("news")
    assert (rep.kind, rep.volume, rep.hard_bounces, rep.complaints) == (
        "configuration-set",
        11,
        2,
        1,
    )
    assert (rep.bounce_rate, rep.complaint_rate) == (2 / 11, 1 / 11)
    assert (rep.impact, rep.status, rep.changes) == (None, None, ())
    # The account's rates hold everything.
    assert ses_account.reputation().hard_bounces == 33
    with pytest.raises(LookupError, match=r"no such configuration set in us-east-1; .*'news'"):
        ses_account.configuration_set_reputation("gone")


@PRODUCTION
def test_ses_never_pauses_a_set_the_user_does_and_re_enabling_is_a_fresh_start(
    ses_account, ses, sesv2, ses_clock
):
    ses.create_configuration_set(ConfigurationSet={"Name": "news"})
    ses.update_configuration_set_reputation_metrics_enabled(
        ConfigurationSetName="news", Enabled=True
    )
    ses_account.set_reputation_policy(minimum_volume=10)
    ses_account.mailbox("@typo.example", outcome="bounce")
    plain(ses_account, 1000)  # keeps the account's own rate low
    for i in range(20):
        through_set(sesv2, f"x{i}@typo.example")  # 100 % bounces through the set
    ses_clock.advance(2)
    assert ses_account.configuration_set_reputation("news").bounce_rate == 1.0
    through_set(sesv2, "reader@example.net")  # SES pauses the account, not the set
    described = ses.describe_configuration_set(
        ConfigurationSetName="news", ConfigurationSetAttributeNames=["reputationOptions"]
    )["ReputationOptions"]
    assert (described["SendingEnabled"], described["ReputationMetricsEnabled"]) == (True, True)
    # The guide's alarm + Lambda: the user pauses the set, then enables it again.
    ses.update_configuration_set_sending_enabled(ConfigurationSetName="news", Enabled=False)
    with pytest.raises(ClientError) as excinfo:
        through_set(sesv2, "reader@example.net")
    assert excinfo.value.response["Error"]["Code"] == "SendingPausedException"
    ses_clock.advance(timedelta(hours=2))
    ses.update_configuration_set_sending_enabled(ConfigurationSetName="news", Enabled=True)
    fresh = sesv2.get_configuration_set(ConfigurationSetName="news")["ReputationOptions"]
    assert fresh["LastFreshStart"] == ses_clock.now()
    through_set(sesv2, "reader@example.net")
    rep = ses_account.configuration_set_reputation("news")
    assert (rep.volume, rep.hard_bounces, rep.bounce_rate) == (1, 0, 0.0)


def test_a_set_s_rates_go_to_moto_s_cloudwatch_with_its_dimension(monkeypatch):
    moto = pytest.importorskip("moto")
    import boto3

    from pytest_sesquota import SesAccount

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws(), SesAccount(profile="production", max_send_rate=-1) as account:
        account.mailbox("@typo.example", outcome="bounce")
        ses = boto3.client("ses", region_name="us-east-1")
        sesv2 = boto3.client("sesv2", region_name="us-east-1")
        for name in ("news", "quiet"):
            ses.create_configuration_set(ConfigurationSet={"Name": name})
        ses.update_configuration_set_reputation_metrics_enabled(
            ConfigurationSetName="news", Enabled=True
        )
        for to in ["a@example.net", "b@example.net", "c@example.net", "x@typo.example"]:
            through_set(sesv2, to)
            through_set(sesv2, to, name="quiet")  # metrics not enabled: nothing published
        account.clock.advance(3)
        sesv2.get_account()  # a read judges what happened meanwhile
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        found = sorted(
            {
                (m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
                for m in cloudwatch.list_metrics(Namespace="AWS/SES")["Metrics"]
            }
        )
        dimension = (("ses:configuration-set", "news"),)
        assert found == [
            ("Reputation.BounceRate", ()),
            ("Reputation.BounceRate", dimension),
            ("Reputation.ComplaintRate", ()),
            ("Reputation.ComplaintRate", dimension),
        ]
        start = account.clock.start_time
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/SES",
            MetricName="Reputation.BounceRate",
            Dimensions=[{"Name": "ses:configuration-set", "Value": "news"}],
            StartTime=start - timedelta(minutes=1),
            EndTime=start + timedelta(minutes=1),
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        assert [p["Maximum"] for p in points] == [0.25]


# -- tenants ---------------------------------------------------------------------------


@needs_tenants
@PRODUCTION
def test_standard_notes_a_low_finding_and_pauses_the_tenant_on_a_high_one(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=100)
    ses_account.mailbox("@typo.example", outcome="bounce")
    arn = tenant(sesv2)
    tenant(sesv2, "beta")
    plain(ses_account, 2000)  # the account's own mail: its rate stays low
    for i in range(95):
        for_tenant(sesv2, f"reader{i}@example.net")
    for i in range(4):
        for_tenant(sesv2, f"x{i}@typo.example")
    ses_clock.advance(2)
    assert entity(sesv2, arn).get("ReputationImpact") is None  # 4 in 99
    for_tenant(sesv2, "x4@typo.example")  # 5 in 100: 5 %
    sent_at = ses_account.sent[-1].time
    ses_clock.advance(1)
    found = entity(sesv2, arn)
    assert (found["ReputationImpact"], found["SendingStatusAggregate"]) == ("LOW", "ENABLED")
    [low] = ses_account.tenant_reputation("acme").changes
    assert (low.time, low.impact, low.status) == (sent_at + timedelta(seconds=1), "LOW", "ENABLED")
    assert low.cause == "Bounce rate 5.00% >= 5.00%"
    for i in range(5, 11):
        for_tenant(sesv2, f"x{i}@typo.example")  # 11 in 106: 10.4 %
    ses_clock.advance(1)
    found = entity(sesv2, arn)
    assert found["ReputationImpact"] == "HIGH"
    assert found["SendingStatusAggregate"] == "DISABLED"
    assert found["CustomerManagedStatus"]["Status"] == "ENABLED"
    cause = "Bounce rate 10.38% >= 10.00% (HIGH impact): sending paused by the standard policy."
    assert found["AwsSesManagedStatus"]["Status"] == "DISABLED"
    assert found["AwsSesManagedStatus"]["Cause"] == cause
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"
    with pytest.raises(sesv2.exceptions.SendingPausedException) as excinfo:
        for_tenant(sesv2, "reader@example.net")
    assert excinfo.value.response["Error"]["Message"] == (
        f"Sending is paused for tenant acme. {cause}"
    )
    # The other tenant and the account go on.
    for_tenant(sesv2, "reader@example.net", tenant="beta")
    assert sesv2.get_account()["EnforcementStatus"] == "HEALTHY"
    listed = sesv2.list_reputation_entities(Filter={"SENDING_STATUS": "DISABLED"})
    assert [e["ReputationEntityReference"] for e in listed["ReputationEntities"]] == [arn]
    rep = ses_account.tenant_reputation("acme")
    assert (rep.volume, rep.hard_bounces, rep.impact, rep.status) == (106, 11, "HIGH", "DISABLED")
    # Each send weighs the rates anew: the 101st mail took the rate under 5 % again.
    assert [(c.impact, c.status, round(c.bounce_rate, 4)) for c in rep.changes] == [
        ("LOW", "ENABLED", 0.05),
        (None, "ENABLED", 0.0495),
        ("LOW", "ENABLED", 0.0566),
        ("HIGH", "ENABLED", 0.1038),
        ("HIGH", "DISABLED", 0.1038),
    ]
    with pytest.raises(LookupError, match=r"no such tenant in us-east-1; tenants: 'acme'"):
        ses_account.tenant_reputation("gamma")
    # The finding, where ReputationImpact says to look: ListRecommendations.
    [finding] = sesv2.list_recommendations(Filter={"RESOURCE_ARN": arn})["Recommendations"]
    assert finding == {
        "ResourceArn": arn,
        "Type": "BOUNCE",
        "Description": "Tenant acme: Bounce rate 10.38% >= 10.00%.",
        "Status": "OPEN",
        "CreatedTimestamp": rep.changes[2].time,  # since the rate last reached 5 %
        "LastUpdatedTimestamp": rep.changes[-1].time,
        "Impact": "HIGH",
    }


@needs_tenants
@PRODUCTION
def test_strict_pauses_on_a_low_finding_and_a_reinstatement_tolerates_it_until_worse(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=100)
    ses_account.mailbox("angry@example.net", outcome="complaint")
    ses_account.mailbox("@typo.example", outcome="bounce")
    arn = tenant(sesv2, policy="strict")
    plain(ses_account, 2000)
    for i in range(99):
        for_tenant(sesv2, f"reader{i}@example.net")
    for_tenant(sesv2, "angry@example.net")  # 1 complaint in 100: 1 % >= 0.1 %
    ses_clock.advance(3)
    found = entity(sesv2, arn)
    assert (found["ReputationImpact"], found["SendingStatusAggregate"]) == ("HIGH", "DISABLED")
    assert found["AwsSesManagedStatus"]["Cause"] == (
        "Complaint rate 1.00% >= 0.50% (HIGH impact): sending paused by the strict policy."
    )
    # The customer reinstates: the policy's pause is lifted, the finding tolerated.
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="REINSTATED"
    )
    found = entity(sesv2, arn)
    assert found["AwsSesManagedStatus"]["Status"] == "ENABLED"
    assert found["SendingStatusAggregate"] == "REINSTATED"
    for_tenant(sesv2, "reader@example.net")
    assert ses_account.tenant_reputation("acme").changes[-1].cause == "reinstated by the customer"


@needs_tenants
@PRODUCTION
def test_strict_pauses_where_standard_only_notes_and_a_worse_finding_pauses_again(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=100)
    ses_account.mailbox("@typo.example", outcome="bounce")
    arn = tenant(sesv2, policy="strict")
    plain(ses_account, 2000)
    for i in range(94):
        for_tenant(sesv2, f"reader{i}@example.net")
    for i in range(6):
        for_tenant(sesv2, f"x{i}@typo.example")  # 6 in 100: a LOW finding
    ses_clock.advance(2)
    found = entity(sesv2, arn)
    assert (found["ReputationImpact"], found["SendingStatusAggregate"]) == ("LOW", "DISABLED")
    assert found["AwsSesManagedStatus"]["Cause"] == (
        "Bounce rate 5.00% >= 5.00% (LOW impact): sending paused by the strict policy."
    )
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="REINSTATED"
    )
    for i in range(6, 12):
        for_tenant(sesv2, f"x{i}@typo.example")  # 12 in 106: HIGH, worse than tolerated
    ses_clock.advance(2)
    found = entity(sesv2, arn)
    assert (found["ReputationImpact"], found["SendingStatusAggregate"]) == ("HIGH", "DISABLED")
    assert found["AwsSesManagedStatus"]["Cause"].startswith("Bounce rate 10.")
    with pytest.raises(sesv2.exceptions.SendingPausedException):
        for_tenant(sesv2, "reader@example.net")
    # Switching to standard pauses nothing more, and lifts nothing either.
    sesv2.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arn,
        ReputationEntityPolicy=POLICY.format("standard"),
    )
    assert entity(sesv2, arn)["SendingStatusAggregate"] == "DISABLED"


@needs_tenants
@PRODUCTION
def test_a_policy_changed_to_strict_pauses_on_the_active_finding(ses_account, sesv2, ses_clock):
    ses_account.set_reputation_policy(minimum_volume=100)
    ses_account.mailbox("@typo.example", outcome="bounce")
    arn = tenant(sesv2)  # standard
    plain(ses_account, 2000)
    for i in range(94):
        for_tenant(sesv2, f"reader{i}@example.net")
    for i in range(6):
        for_tenant(sesv2, f"x{i}@typo.example")
    ses_clock.advance(2)
    assert entity(sesv2, arn)["SendingStatusAggregate"] == "ENABLED"
    ses_clock.advance(60)
    sesv2.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arn,
        ReputationEntityPolicy=POLICY.format("strict"),
    )
    found = entity(sesv2, arn)
    assert found["SendingStatusAggregate"] == "DISABLED"
    assert found["AwsSesManagedStatus"]["LastUpdatedTimestamp"] == ses_clock.now()


@needs_tenants
@PRODUCTION
def test_a_send_is_refused_at_the_moment_the_complaints_reach_the_pause_threshold(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=100, complaint_pause=0.019)
    ses_account.mailbox("@angry.example", outcome="complaint")
    tenant(sesv2)  # standard
    plain(ses_account, 2000)
    for i in range(98):
        for_tenant(sesv2, f"reader{i}@example.net")
    for i in range(2):
        for_tenant(sesv2, f"a{i}@angry.example")  # 2 in 101 by then: over the (lowered) 1.9 %
    ses_clock.advance(1)  # the complaints come 2 s after their sends: not yet
    for_tenant(sesv2, "reader@example.net")
    ses_clock.advance(1)  # now: nothing read in between, the send itself judges
    with pytest.raises(sesv2.exceptions.SendingPausedException) as excinfo:
        for_tenant(sesv2, "reader@example.net")
    assert excinfo.value.response["Error"]["Message"] == (
        "Sending is paused for tenant acme. Complaint rate 1.98% >= 1.90% (HIGH impact): "
        "sending paused by the standard policy."
    )


@needs_tenants
@PRODUCTION
def test_a_tenant_made_again_starts_with_no_rates(ses_account, sesv2, ses_clock):
    ses_account.set_reputation_policy(minimum_volume=10)
    ses_account.mailbox("@typo.example", outcome="bounce")
    tenant(sesv2, policy="none")
    plain(ses_account, 2000)
    for i in range(10):
        for_tenant(sesv2, f"x{i}@typo.example")
    ses_clock.advance(2)
    assert ses_account.tenant_reputation("acme").impact == "HIGH"
    sesv2.delete_tenant(TenantName="acme")
    tenant(sesv2)
    for_tenant(sesv2, "reader@example.net")
    rep = ses_account.tenant_reputation("acme")
    assert (rep.volume, rep.hard_bounces, rep.impact, rep.changes) == (1, 0, None, ())


@needs_tenants
@PRODUCTION
def test_none_never_pauses_and_findings_need_the_volume_and_the_window(
    ses_account, sesv2, ses_clock
):
    ses_account.set_reputation_policy(minimum_volume=100)
    ses_account.mailbox("@typo.example", outcome="bounce")
    arn = tenant(sesv2, policy="none")
    plain(ses_account, 2000)
    for i in range(50):
        for_tenant(sesv2, f"x{i}@typo.example")  # 100 %, but 50 emails: too few to judge
    ses_clock.advance(2)
    assert entity(sesv2, arn).get("ReputationImpact") is None
    for i in range(50):
        for_tenant(sesv2, f"reader{i}@example.net")  # 100 emails: 50 %
    found = entity(sesv2, arn)
    assert (found["ReputationImpact"], found["SendingStatusAggregate"]) == ("HIGH", "ENABLED")
    rep = ses_account.tenant_reputation("acme")
    assert (rep.volume, rep.bounce_rate) == (100, 0.5)
    # 14 days on, the window holds none of it: the next send finds no finding.
    ses_clock.advance(timedelta(days=14, hours=1))
    for_tenant(sesv2, "reader@example.net")
    rep = ses_account.tenant_reputation("acme")
    assert (rep.volume, rep.hard_bounces, rep.impact) == (1, 0, None)
    assert rep.changes[-1].cause == "1 eligible emails in the window: too few to judge"


@needs_tenants
@PRODUCTION
def test_a_tenant_s_thresholds_are_the_region_s_policy_s(ses_account, sesv2, ses_clock):
    ses_account.set_reputation_policy(
        minimum_volume=10, bounce_review=0.2, bounce_pause=0.3, window=3600
    )
    ses_account.mailbox("@typo.example", outcome="bounce")
    arn = tenant(sesv2)
    plain(ses_account, 2000)
    for i in range(8):
        for_tenant(sesv2, f"reader{i}@example.net")
    for i in range(2):
        for_tenant(sesv2, f"x{i}@typo.example")  # 20 %: LOW
    ses_clock.advance(2)
    assert entity(sesv2, arn)["ReputationImpact"] == "LOW"
    for_tenant(sesv2, "x3@typo.example")
    ses_clock.advance(2)  # 3 in 11: 27 %, still LOW
    assert entity(sesv2, arn)["SendingStatusAggregate"] == "ENABLED"
    for_tenant(sesv2, "x4@typo.example")
    ses_clock.advance(2)  # 4 in 12: 33 %: HIGH
    assert entity(sesv2, arn)["SendingStatusAggregate"] == "DISABLED"


def test_sesquota_serve_state_keeps_a_tenant_s_and_a_set_s_reputation(tmp_path):
    from pytest_sesquota import SesAccount
    from pytest_sesquota.account.account import part_of
    from pytest_sesquota.account.configuration_sets import ConfigurationSet, ConfigurationSets
    from pytest_sesquota.account.tenants import Tenants
    from pytest_sesquota.clock.sesclock import DetachedClock
    from pytest_sesquota.serve.store import Store

    account = SesAccount(profile="production", max_send_rate=-1, clock=DetachedClock())
    account.set_reputation_policy(minimum_volume=10)
    account.mailbox("@typo.example", outcome="bounce")
    acme = part_of(account, Tenants).create("acme")
    acme.resources[IDENTITY] = account.clock.now()
    acme.resources[IDENTITY.replace("identity/example.com", "configuration-set/news")] = (
        account.clock.now()
    )
    part_of(account, ConfigurationSets).put(
        ConfigurationSet("news", account.clock.now(), reputation_metrics_enabled=True)
    )
    for i in range(10):
        domain = "typo.example" if i < 2 else "example.net"
        account.send(
            region=None,
            operation="SendEmail",
            source="news@example.com",
            recipients=[f"r{i}@{domain}"],
            tenant_name="acme",
            configuration_set="news",
        )
    account.clock.advance(2)
    before = account.tenant_reputation("acme")
    assert (before.impact, before.status) == ("HIGH", "DISABLED")
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(account)
    finally:
        store.close()
    again = SesAccount(profile="production", clock=DetachedClock(account.clock.now()))
    store = Store(tmp_path / "ses.sqlite")
    try:
        assert store.load(again)
    finally:
        store.close()
    after = again.tenant_reputation("acme")
    assert (after.volume, after.hard_bounces, after.status, after.changes) == (
        10,
        2,
        "DISABLED",
        before.changes,
    )
    assert again.configuration_set_reputation("news").bounce_rate == 0.2


@needs_tenants
def test_the_control_api_reads_a_tenant_s_and_a_set_s_rates_of_a_served_account():
    import json

    from test_server import call, check, client, get

    from pytest_sesquota import SesAccount
    from pytest_sesquota.clock.sesclock import DetachedClock
    from pytest_sesquota.serve.server import SesHttpServer

    account = SesAccount(profile="production", max_send_rate=-1, clock=DetachedClock())
    with SesHttpServer(account) as server:
        endpoint = server.endpoint_url
        call(endpoint, "PUT", "/_sesquota/reputation/us-east-1", {"minimum_volume": 10})
        call(
            endpoint,
            "POST",
            "/_sesquota/mailboxes",
            {"addresses": ["@typo.example"], "outcome": "bounce"},
        )
        v1, v2 = client("ses", endpoint), client("sesv2", endpoint)
        v1.create_configuration_set(ConfigurationSet={"Name": "news"})
        v1.update_configuration_set_reputation_metrics_enabled(
            ConfigurationSetName="news", Enabled=True
        )
        tenant(v2, policy="strict")
        v2.create_tenant_resource_association(
            TenantName="acme",
            ResourceArn=IDENTITY.replace("identity/example.com", "configuration-set/news"),
        )
        for i in range(10):
            to = f"x{i}@typo.example" if i < 1 else f"r{i}@example.net"
            v2.send_email(
                FromEmailAddress="news@example.com",
                Destination={"ToAddresses": [to]},
                Content=SIMPLE,
                TenantName="acme",
                ConfigurationSetName="news",
            )
        call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 2})
        path = "/_sesquota/reputation/us-east-1"
        rep = check(get(endpoint, f"{path}/tenants/acme"), "EntityReputation")
        assert (rep["kind"], rep["volume"], rep["bounce_rate"]) == ("tenant", 10, 0.1)
        assert (rep["impact"], rep["status"]) == ("HIGH", "DISABLED")
        assert [c["status"] for c in rep["changes"]] == ["ENABLED", "DISABLED"]
        rep = check(get(endpoint, f"{path}/configuration-sets/news"), "EntityReputation")
        assert (rep["kind"], rep["hard_bounces"], rep["impact"], rep["status"]) == (
            "configuration-set",
            1,
            None,
            None,
        )
        status, _h, body = call(endpoint, "GET", f"{path}/tenants/gone")
        assert (status, json.loads(body)["message"]) == (
            404,
            "tenant_reputation('gone'): no such tenant in us-east-1; tenants: 'acme'",
        )
