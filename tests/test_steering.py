"""What SES decides on its side, steered through sesquota serve's control API, and kept by
its state file: jobs (and their failure), an export's file, inbox placement results,
blacklist listings, recommendations, address verdicts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import jsonschema
import pytest
from test_server import call, client, get
from test_server import schema as openapi_schema

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.advisor import Advisor
from pytest_sesquota.account.dashboard import Dashboard
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.gate import Gate
from pytest_sesquota.serve.retention import Retention
from pytest_sesquota.serve.server import SesHttpServer
from pytest_sesquota.serve.store import Store

START = datetime(2026, 6, 1, tzinfo=timezone.utc)
ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"


def served(path):
    """A served account on a state file, at START on a virtual clock."""
    account = SesAccount(profile="production", verified=["example.com"], clock=DetachedClock(START))
    store = Store(path)
    retention = Retention()
    store.load(account, retention)
    return account, store, Gate(account, store=store, retention=retention)


def steer(endpoint, method, path, body=None):
    status, _headers, reply = call(endpoint, method, path, body)
    return status, json.loads(reply)


def test_steering_through_the_control_api_and_a_restart(tmp_path):
    path = tmp_path / "ses.sqlite"
    account, store, gate = served(path)
    try:
        with SesHttpServer(account, gate=gate) as server:
            endpoint = server.endpoint_url
            v2 = client("sesv2", endpoint)
            status, reply = steer(
                endpoint, "POST", "/_sesquota/jobs/fail", {"message": "KMS denied"}
            )
            assert (status, reply) == (200, {"failing": "next", "message": "KMS denied"})
            failed = v2.create_import_job(
                ImportDestination={
                    "SuppressionListDestination": {"SuppressionListImportAction": "PUT"}
                },
                ImportDataSource={"S3Url": "s3://lists/a.csv", "DataFormat": "CSV"},
            )["JobId"]
            export = v2.create_export_job(
                ExportDataSource={
                    "MessageInsightsDataSource": {
                        "StartDate": START,
                        "EndDate": START + timedelta(days=1),
                    }
                },
                ExportDestination={"DataFormat": "CSV"},
            )["JobId"]
            call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 60})
            jobs = get(endpoint, "/_sesquota/jobs")
            jsonschema.validate(jobs, openapi_schema("Jobs"), cls=jsonschema.Draft202012Validator)
            assert [(j["job_id"], j["kind"], j["ended"], j["error"]) for j in jobs["jobs"]] == [
                (failed, "IMPORT", "FAILED", "KMS denied"),
                (export, "EXPORT", "COMPLETED", None),
            ]
            status, _h, body = call(endpoint, "GET", f"/_sesquota/jobs/{export}/file")
            assert (status, body.splitlines()[0]) == (
                200,
                b"messageId,timestamp,fromEmailAddress,destination,subject,isp,tenantName,"
                b"lastDeliveryEvent,lastEngagementEvent",
            )
            status, reply = steer(
                endpoint,
                "PUT",
                "/_sesquota/inbox-placement",
                {"inbox": 60, "spam": 40, "isp": "Gmail"},
            )
            assert status == 200
            assert (
                steer(
                    endpoint,
                    "POST",
                    "/_sesquota/blacklists",
                    {"ip": "192.0.2.1", "rbl_name": "spamcop"},
                )[0]
                == 200
            )
            recommendation = {"resource_arn": ARN, "type": "SPF", "description": "No SPF record."}
            status, reply = steer(
                endpoint, "POST", "/_sesquota/recommendations", {**recommendation, "impact": "LOW"}
            )
            assert (status, reply["status"], reply["created"]) == (
                200,
                "OPEN",
                "2026-06-01T00:01:00+00:00",
            )
            status, reply = steer(
                endpoint, "PUT", "/_sesquota/address-insights",
                {"address": "ann@gmial.com", "verdicts": {"IsValid": "LOW"}},
            )  # fmt: skip
            assert status == 200
            v2.put_deliverability_dashboard_option(
                DashboardEnabled=True, SubscribedDomains=[{"Domain": "example.com"}]
            )
            report = v2.create_deliverability_test_report(
                FromEmailAddress="shop@example.com",
                Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "x"}}}},
            )["ReportId"]
    finally:
        store.close()
    again, store, gate = served(path)
    store.close()
    assert [(j.job_id, j.ended, j.error) for j in again.jobs()] == [
        (failed, "FAILED", "KMS denied"),
        (export, "COMPLETED", None),
    ]
    assert again.export_file(export) == account.export_file(export)
    assert [e.rbl_name for e in part_of(again, Dashboard).blacklist_entries("192.0.2.1")] == [
        "spamcop"
    ]
    assert [r.type for r in part_of(again, Advisor).recommendations()] == ["SPF"]
    assert part_of(again, Advisor).address_verdicts("ann@gmial.com") == {"IsValid": "LOW"}
    again.clock.advance(hours=24)
    [test] = again.deliverability_tests()
    assert (test.report_id, test.result["Gmail"].spam, test.result["Yahoo"].inbox) == (
        report,
        40.0,
        100.0,
    )


TYPES = "DKIM, DMARC, SPF, BIMI, COMPLAINT, BOUNCE, FEEDBACK_3P, IP_LISTING"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        (
            "POST", "/_sesquota/jobs/fail", {"job_id": "abc"},
            "fail_job('abc'): no such job in us-east-1; its jobs: none",
        ),
        (
            "POST", "/_sesquota/jobs/fail", {"jobid": "abc"},
            "Unknown field(s): jobid. Valid fields: job_id, message, region.",
        ),
        (
            "PUT", "/_sesquota/inbox-placement", {"inbox": 50},
            "inbox + spam + missing must make 100 (got 50 + 0.0 + 0.0)",
        ),
        (
            "POST", "/_sesquota/recommendations",
            {"resource_arn": ARN, "type": "X", "description": "d"},
            f"type='X': valid choices: {TYPES}",
        ),
        (
            "PUT", "/_sesquota/address-insights", {"address": "a@b.c", "verdicts": ["LOW"]},
            'verdicts must be an object: {"MailboxExists": "LOW", ...}.',
        ),
        (
            "GET", "/_sesquota/jobs/abc/file", None,
            "export_file('abc'): no completed export job of that id",
        ),
    ],
)  # fmt: skip
def test_steering_mistakes_are_400s_that_say_why(tmp_path, method, path, body, message):
    account, store, gate = served(tmp_path / "ses.sqlite")
    try:
        with SesHttpServer(account, gate=gate) as server:
            status, reply = steer(server.endpoint_url, method, path, body)
    finally:
        store.close()
    assert (status, reply) == (400, {"error": "BadRequest", "message": message})
