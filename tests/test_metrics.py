"""SES v2's BatchGetMetricData and v1's GetSendStatistics, through boto3: computed from
what the account did, by UTC day (VDM) and by quarter hour (statistics), on the virtual
clock; and kept exact under sesquota serve's ledger retention."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import NO_RETRIES, send_v2

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.events import Events, SesEvent
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.gate import Gate
from pytest_sesquota.serve.retention import Retention
from pytest_sesquota.serve.server import SesHttpServer
from pytest_sesquota.serve.store import Store

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
WEEK = {
    "StartDate": datetime(2026, 3, 2, tzinfo=timezone.utc),
    "EndDate": datetime(2026, 3, 9, tzinfo=timezone.utc),
}
HTML = {
    "Simple": {
        "Subject": {"Data": "News"},
        "Body": {"Html": {"Data": "<p>Read <a href='https://example.com'>more</a></p>"}},
    }
}
A_MONDAY = pytest.mark.ses_quota(profile="production", start=MONDAY)


def query(query_id, metric, **extra):
    return {"Id": query_id, "Namespace": "VDM", "Metric": metric, **WEEK, **extra}


def values(v2, *queries):
    results = v2.batch_get_metric_data(Queries=list(queries))
    assert results["Errors"] == []
    return {r["Id"]: r["Values"] for r in results["Results"]}


def a_week(ses_account, v2):
    """Seven days: each day two Gmail readers, a Yahoo one, one hard bounce; Tuesday
    through a configuration set; an address on the suppression list every day."""
    ses_account.suppress("gone@example.org")
    v2.create_configuration_set(ConfigurationSetName="marketing")  # SES refuses a missing set
    for day in range(7):
        for to in (
            "ann@gmail.com",
            "bob@gmail.com",
            "cy@yahoo.com",
            "bounce@simulator.amazonses.com",
        ):
            send_v2(v2, to, content=HTML)
        send_v2(v2, "gone@example.org")
        send_v2(v2, "dee@corp.example", "eve@corp.example")  # two recipients: not in VDM
        if day == 1:
            v2.send_email(
                FromEmailAddress="news@example.com",
                Destination={"ToAddresses": ["fay@hotmail.com"]},
                Content=HTML,
                ConfigurationSetName="marketing",
            )
        ses_account.clock.advance(days=1)


@A_MONDAY
def test_vdm_metrics_by_day_and_dimension(ses_account, sesv2):
    a_week(ses_account, sesv2)
    got = values(
        sesv2,
        query("send", "SEND"),
        query("delivery", "DELIVERY"),
        query("gmail", "DELIVERY", Dimensions={"ISP": "Gmail"}),
        query("bounce", "PERMANENT_BOUNCE"),
        query("fbl", "DELIVERY_COMPLAINT"),
        query("opens", "DELIVERY_OPEN"),
        query("clicks", "DELIVERY_CLICK"),
        query("news", "SEND", Dimensions={"EMAIL_IDENTITY": "news@example.com"}),
        query("set", "SEND", Dimensions={"CONFIGURATION_SET": "marketing", "ISP": "Hotmail"}),
        query("domain", "SEND", Dimensions={"EMAIL_IDENTITY": "EXAMPLE.com"}),
    )
    # The simulator, the suppressed address's bounce and the two-recipient mail are left out.
    assert got["send"] == [4, 5, 4, 4, 4, 4, 4]
    assert got["delivery"] == [3, 4, 3, 3, 3, 3, 3]
    assert got["gmail"] == [2] * 7
    assert got["bounce"] == [0] * 7
    assert got["fbl"] == [1, 2, 1, 1, 1, 1, 1]  # Gmail gives SES no feedback loop
    assert got["opens"] == got["clicks"] == got["delivery"]  # HTML with a link: tracked
    assert got["news"] == [0, 1, 0, 0, 0, 0, 0]
    assert got["set"] == [0, 1, 0, 0, 0, 0, 0]
    assert got["domain"] == got["send"]


@A_MONDAY
def test_the_days_are_utc_days_from_the_start_s_to_the_last_beginning_before_the_end(
    ses_account, sesv2
):
    send_v2(sesv2, "ann@gmail.com")
    answer = sesv2.batch_get_metric_data(
        Queries=[
            {
                "Id": "q",
                "Namespace": "VDM",
                "Metric": "SEND",
                "StartDate": datetime(2026, 3, 1, 18, tzinfo=timezone.utc),
                "EndDate": datetime(2026, 3, 3, tzinfo=timezone.utc),
            }
        ]
    )
    [result] = answer["Results"]
    assert [t.astimezone(timezone.utc) for t in result["Timestamps"]] == [
        datetime(2026, 3, 1, tzinfo=timezone.utc),
        datetime(2026, 3, 2, tzinfo=timezone.utc),
    ]
    assert result["Values"] == [0, 1]


@A_MONDAY
def test_bounces_and_complaints_count_when_they_happen(ses_account, sesv2, ses):
    message_id = send_v2(sesv2, "ann@gmail.com")["MessageId"]
    tomorrow = MONDAY + timedelta(days=1)
    events = part_of(ses_account, Events)
    for kind, detail in (
        ("Send", {}),
        ("Bounce", {"bounceType": "Permanent", "bounceSubType": "General"}),
    ):
        when = MONDAY if kind == "Send" else tomorrow
        events.emit(SesEvent(kind, when, "us-east-1", message_id, None, ("ann@gmail.com",), detail))
    assert values(sesv2, query("b", "PERMANENT_BOUNCE"))["b"] == [0] * 7
    assert [p["Bounces"] for p in ses.get_send_statistics()["SendDataPoints"]] == [0]
    ses_account.clock.advance(days=1)
    assert values(sesv2, query("b", "PERMANENT_BOUNCE"))["b"] == [0, 1, 0, 0, 0, 0, 0]
    points = ses.get_send_statistics()["SendDataPoints"]
    assert [
        (p["Timestamp"].astimezone(timezone.utc), p["DeliveryAttempts"], p["Bounces"])
        for p in points
    ] == [
        (MONDAY, 1, 0),
        (tomorrow, 0, 1),
    ]


@A_MONDAY
def test_send_statistics_points_are_quarter_hours(ses_account, ses, sesv2):
    ses_account.clock.advance(minutes=7, seconds=30)
    send_v2(sesv2, "ann@gmail.com")
    ses_account.clock.advance(minutes=10)
    send_v2(sesv2, "bob@gmail.com")
    stamps = [
        p["Timestamp"].astimezone(timezone.utc) for p in ses.get_send_statistics()["SendDataPoints"]
    ]
    assert stamps == [MONDAY, MONDAY + timedelta(minutes=15)]


@A_MONDAY
@pytest.mark.parametrize(
    ("queries", "message"),
    [
        ([query(str(i), "SEND") for i in range(11)], "Member must have length between 1 and 10"),
        ([query("a", "SEND"), query("a", "OPEN")], "Duplicate query identifier: a"),
        (
            [{**query("a", "SEND"), "Namespace": "CloudWatch"}],
            "Value 'CloudWatch' at 'queries[0].namespace'",
        ),
        (
            [query("a", "BOUNCE")],
            "Value 'BOUNCE' at 'queries[0].metric' failed to satisfy constraint",
        ),
        (
            [query("a", "SEND", Dimensions={"ISP": "gmail"})],
            "Invalid dimension value for ISP: gmail",
        ),
        ([query("a", "SEND", Dimensions={"DOMAIN": "x"})], "Value 'DOMAIN' at 'dimensions'"),
        (
            [{**query("a", "SEND"), "EndDate": WEEK["StartDate"]}],
            "Query a: EndDate must be after StartDate.",
        ),
        (
            [{**query("a", "SEND"), "EndDate": WEEK["StartDate"] + timedelta(days=1001)}],
            "Query a: the interval may span at most 1000 days.",
        ),
    ],
)
def test_bad_queries_are_refused_whole(ses_account, sesv2, queries, message):
    with pytest.raises(ClientError) as refused:
        sesv2.batch_get_metric_data(Queries=queries)
    error = refused.value.response["Error"]
    assert error["Code"] == "BadRequestException"
    assert message in error["Message"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_numbers_survive_the_ledger_retention_and_a_restart(tmp_path):
    path = tmp_path / "ses.sqlite"
    account = SesAccount(profile="production", max_send_rate=-1, clock=DetachedClock(MONDAY))
    store = Store(path)
    retention = Retention(keep=8)
    store.load(account, retention)
    gate = Gate(account, store=store, retention=retention)
    try:
        with SesHttpServer(account, gate=gate) as server:
            v2 = boto3.client(
                "sesv2", endpoint_url=server.endpoint_url, region_name="us-east-1",
                aws_access_key_id="k", aws_secret_access_key="s", config=NO_RETRIES,
            )  # fmt: skip
            for n in range(30):
                to = "bounce@simulator.amazonses.com" if n % 10 == 0 else f"r{n}@gmail.com"
                send_v2(v2, to)
            assert len(account.sent) < 30  # the retention cut the ledger...
            account.clock.advance(seconds=2)  # SES's deliveries and bounces, a second on
            got = values(v2, query("send", "SEND"), query("delivery", "DELIVERY"))
    finally:
        store.close()
    assert got == {"send": [27, 0, 0, 0, 0, 0, 0], "delivery": [27, 0, 0, 0, 0, 0, 0]}
    [point] = account.send_statistics()  # ... but every send still counts
    assert (point["DeliveryAttempts"], point["Bounces"]) == (30, 3)
    again = SesAccount(profile="production", clock=DetachedClock(MONDAY + timedelta(seconds=2)))
    store = Store(path)
    try:
        store.load(again, Retention(keep=8))
    finally:
        store.close()
    assert again.send_statistics() == account.send_statistics()
