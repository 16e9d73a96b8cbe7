"""Import and export jobs through boto3, on the virtual clock: their data in moto's S3
while moto's mock_aws is on, SES's statuses and counts, failures as SES gives them (an
unreadable source, the sandbox, the test's say), and the files exports write."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from conftest import send_v2

moto = pytest.importorskip("moto")

START = datetime(2026, 6, 1, 8, tzinfo=timezone.utc)
pytestmark = pytest.mark.ses_quota(profile="production", start=START)
TO_LIST = {"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}}
OFF_LIST = {"SuppressionListDestination": {"SuppressionListImportAction": "DELETE"}}


@pytest.fixture
def s3(ses_account):
    """moto's S3, with a bucket ``lists``; SES's own calls stay the fake's."""
    with moto.mock_aws(config={"core": {"passthrough": {"services": ["ses", "sesv2"]}}}):
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="lists")
        yield client


def import_job(v2, destination, url, data_format="CSV"):
    return v2.create_import_job(
        ImportDestination=destination,
        ImportDataSource={"S3Url": url, "DataFormat": data_format},
    )["JobId"]


def refused(call, **params):
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_an_import_fills_the_suppression_list_when_it_ends(ses_account, sesv2, s3):
    s3.put_object(
        Bucket="lists",
        Key="bounced.csv",
        Body=(
            b"ann@example.com,BOUNCE\nbob@example.com,complaint\n"
            b"not an address,BOUNCE\ncy@example.com,SPAM\n"
        ),
    )
    job_id = import_job(sesv2, TO_LIST, "s3://lists/bounced.csv")
    job = sesv2.get_import_job(JobId=job_id)
    assert (job["JobStatus"], job["ImportDestination"], job["ImportDataSource"]) == (
        "CREATED",
        TO_LIST,
        {"S3Url": "s3://lists/bounced.csv", "DataFormat": "CSV"},
    )
    assert "ProcessedRecordsCount" not in job and "CompletedTimestamp" not in job
    ses_account.clock.advance(seconds=5)
    assert sesv2.get_import_job(JobId=job_id)["JobStatus"] == "PROCESSING"
    assert ses_account.suppressed() == []  # not yet
    ses_account.clock.advance(seconds=55)
    done = sesv2.get_import_job(JobId=job_id)
    assert (done["JobStatus"], done["ProcessedRecordsCount"], done["FailedRecordsCount"]) == (
        "COMPLETED",
        4,
        2,
    )
    assert done["CompletedTimestamp"].astimezone(timezone.utc) == START + timedelta(minutes=1)
    assert [(e.email_address, e.reason) for e in ses_account.suppressed()] == [
        ("ann@example.com", "BOUNCE"),
        ("bob@example.com", "COMPLAINT"),
    ]
    # A send to an imported address is accepted, and not delivered.
    send_v2(sesv2, "ann@example.com")
    assert ses_account.sent[-1].suppressed == ("ann@example.com",)
    # Newline-delimited JSON takes them off again.
    s3.put_object(Bucket="lists", Key="back.json", Body=b'{"emailAddress": "ann@example.com"}\n')
    off = import_job(sesv2, OFF_LIST, "s3://lists/back.json", "JSON")
    ses_account.clock.advance(minutes=1)
    assert sesv2.get_import_job(JobId=off)["ProcessedRecordsCount"] == 1
    assert [e.email_address for e in ses_account.suppressed()] == ["bob@example.com"]
    jobs = sesv2.list_import_jobs(ImportDestinationType="SUPPRESSION_LIST")["ImportJobs"]
    assert [(j["JobId"], j["JobStatus"]) for j in jobs] == [
        (job_id, "COMPLETED"),
        (off, "COMPLETED"),
    ]
    assert sesv2.list_import_jobs(ImportDestinationType="CONTACT_LIST")["ImportJobs"] == []
    page = sesv2.list_import_jobs(PageSize=1)
    assert [j["JobId"] for j in page["ImportJobs"]] == [job_id] and page["NextToken"]


def test_a_source_that_cannot_be_read_fails_the_job(ses_account, sesv2, s3):
    job_id = import_job(sesv2, TO_LIST, "s3://lists/missing.csv")
    ses_account.clock.advance(minutes=1)
    job = sesv2.get_import_job(JobId=job_id)
    assert job["JobStatus"] == "FAILED"
    assert job["FailureInfo"] == {
        "ErrorMessage": "Failed to read the data source s3://lists/missing.csv: Amazon SES could "
        "not access the S3 object (NoSuchKey)."
    }


def test_without_moto_an_s3_source_cannot_be_read(ses_account, sesv2):
    job_id = import_job(sesv2, TO_LIST, "s3://lists/bounced.csv")
    ses_account.clock.advance(minutes=1)
    job = sesv2.get_import_job(JobId=job_id)
    assert job["JobStatus"] == "FAILED"
    assert job["FailureInfo"]["ErrorMessage"] == (
        "Failed to read the data source s3://lists/bounced.csv: Amazon SES could not access the "
        "S3 object (pytest-sesquota reads S3 from moto, and moto's mock_aws is not on)."
    )


@pytest.mark.ses_quota(profile="sandbox")
def test_the_sandbox_cannot_import_into_the_suppression_list(ses_account, sesv2):
    assert refused(
        sesv2.create_import_job,
        ImportDestination=TO_LIST,
        ImportDataSource={"S3Url": "s3://lists/a.csv", "DataFormat": "CSV"},
    ) == (
        "BadRequestException",
        "CreateImportJob into the suppression list is not available while your account is in "
        "the sandbox; request production access first.",
        400,
    )


def test_the_test_decides_a_job_fails(ses_account, sesv2, s3):
    s3.put_object(Bucket="lists", Key="a.csv", Body=b"ann@example.com,BOUNCE\n")
    first = import_job(sesv2, TO_LIST, "s3://lists/a.csv")
    ses_account.fail_job(first, "Access denied to the KMS key.")
    ses_account.fail_job()  # the next job created
    second = import_job(sesv2, TO_LIST, "s3://lists/a.csv")
    third = import_job(sesv2, TO_LIST, "s3://lists/a.csv")
    ses_account.clock.advance(minutes=1)
    got = [sesv2.get_import_job(JobId=j) for j in (first, second, third)]
    assert [(j["JobStatus"], j.get("FailureInfo")) for j in got] == [
        ("FAILED", {"ErrorMessage": "Access denied to the KMS key."}),
        ("FAILED", {"ErrorMessage": "The job failed."}),
        ("COMPLETED", None),
    ]
    assert [e.email_address for e in ses_account.suppressed()] == ["ann@example.com"]
    with pytest.raises(ValueError, match=r"^fail_job\('" + first + r"'\): the job has ended"):
        ses_account.fail_job(first)
    with pytest.raises(KeyError, match="no such job in us-east-1"):
        ses_account.fail_job("0000")


@pytest.mark.parametrize(
    ("destination", "source", "message"),
    [
        (
            {},
            {"S3Url": "s3://b/k", "DataFormat": "CSV"},
            "ImportDestination must contain exactly one",
        ),
        (TO_LIST, {"S3Url": "https://b/k", "DataFormat": "CSV"}, "Invalid S3 URL: https://b/k"),
    ],
)
def test_bad_import_requests(ses_account, sesv2, destination, source, message):
    code, text, status = refused(
        sesv2.create_import_job, ImportDestination=destination, ImportDataSource=source
    )
    assert (code, status) == ("BadRequestException", 400) and message in text


def test_an_unknown_job_is_not_found(ses_account, sesv2):
    assert refused(sesv2.get_import_job, JobId="nope") == (
        "NotFoundException",
        "Import job nope does not exist.",
        404,
    )
    assert refused(sesv2.cancel_export_job, JobId="nope")[:2] == (
        "NotFoundException",
        "Export job nope does not exist.",
    )


def metrics_export(v2, data_format="CSV"):
    return v2.create_export_job(
        ExportDataSource={
            "MetricsDataSource": {
                "Dimensions": {"ISP": ["Gmail", "Yahoo"]},
                "Namespace": "VDM",
                "Metrics": [
                    {"Name": "SEND", "Aggregation": "VOLUME"},
                    {"Name": "DELIVERY", "Aggregation": "RATE"},
                ],
                "StartDate": START.replace(hour=0),
                "EndDate": START.replace(hour=0) + timedelta(days=2),
            }
        },
        ExportDestination={"DataFormat": data_format},
    )["JobId"]


def test_a_metrics_export_writes_its_file_to_moto_s3(ses_account, sesv2, s3):
    send_v2(sesv2, "ann@gmail.com")
    send_v2(sesv2, "bounce@simulator.amazonses.com")
    job_id = metrics_export(sesv2)
    assert sesv2.get_export_job(JobId=job_id)["ExportDestination"] == {"DataFormat": "CSV"}
    ses_account.clock.advance(minutes=1)
    job = sesv2.get_export_job(JobId=job_id)
    assert (job["JobStatus"], job["ExportSourceType"]) == ("COMPLETED", "METRICS_DATA")
    assert job["Statistics"] == {"ProcessedRecordsCount": 4, "ExportedRecordsCount": 4}
    expected = (
        b"timestamp,ISP,SEND,DELIVERY_RATE\n"
        b"2026-06-01T00:00:00+00:00,Gmail,1,1.0\n"
        b"2026-06-02T00:00:00+00:00,Gmail,0,0.0\n"
        b"2026-06-01T00:00:00+00:00,Yahoo,0,0.0\n"
        b"2026-06-02T00:00:00+00:00,Yahoo,0,0.0\n"
    )
    url = job["ExportDestination"]["S3Url"]
    assert url.startswith("https://sesquota-export-jobs-us-east-1.s3.amazonaws.com/")
    assert requests.get(url, timeout=10).content == expected  # the pre-signed URL, from moto
    assert ses_account.export_file(job_id) == expected
    listed = sesv2.list_export_jobs(JobStatus="COMPLETED", ExportSourceType="METRICS_DATA")
    assert [j["JobId"] for j in listed["ExportJobs"]] == [job_id]


def test_a_message_insights_export_without_moto(ses_account, sesv2):
    send_v2(sesv2, "ann@gmail.com", source="shop@example.com")
    ses_account.clock.advance(hours=1)
    send_v2(sesv2, "bob@yahoo.com")
    job_id = sesv2.create_export_job(
        ExportDataSource={
            "MessageInsightsDataSource": {
                "StartDate": START,
                "EndDate": START + timedelta(days=1),
                "Include": {"LastDeliveryEvent": ["DELIVERY"]},
                "Exclude": {"FromEmailAddress": ["shop@example.com"]},
            }
        },
        ExportDestination={"DataFormat": "JSON"},
    )["JobId"]
    ses_account.clock.advance(minutes=1)
    job = sesv2.get_export_job(JobId=job_id)
    assert job["ExportDestination"]["S3Url"] == f"s3://sesquota-export-jobs-us-east-1/{job_id}.json"
    assert job["Statistics"] == {"ProcessedRecordsCount": 2, "ExportedRecordsCount": 1}
    [record] = [json.loads(line) for line in ses_account.export_file(job_id).splitlines()]
    assert record == {
        "messageId": ses_account.sent[1].message_id,
        "timestamp": "2026-06-01T09:00:00+00:00",
        "fromEmailAddress": "app@example.com",
        "destination": "bob@yahoo.com",
        "subject": "Hello",
        "isp": "Yahoo",
        "tenantName": None,
        "lastDeliveryEvent": "DELIVERY",
        "lastEngagementEvent": None,
    }


def test_an_export_is_cancelled_until_it_ends(ses_account, sesv2):
    job_id = metrics_export(sesv2)
    sesv2.cancel_export_job(JobId=job_id)
    ses_account.clock.advance(minutes=1)
    job = sesv2.get_export_job(JobId=job_id)
    assert (job["JobStatus"], job["CompletedTimestamp"].astimezone(timezone.utc)) == (
        "CANCELLED",
        START,
    )
    assert refused(sesv2.cancel_export_job, JobId=job_id) == (
        "BadRequestException",
        f"Export job {job_id} is CANCELLED and can no longer be cancelled.",
        400,
    )


@pytest.mark.parametrize(
    ("source", "destination", "message"),
    [
        (
            {"MetricsDataSource": {"Dimensions": {"ISP": ["Gmail"]}, "Namespace": "VDM",
             "Metrics": [{"Name": "SEND"}], "StartDate": START, "EndDate": START}},
            {"DataFormat": "CSV"},
            "MetricsDataSource: EndDate must be after StartDate.",
        ),
        (
            {"MessageInsightsDataSource": {"StartDate": START, "EndDate": START}},
            {"DataFormat": "CSV", "S3Url": "s3://mine/export.csv"},
            "ExportDestination.S3Url must not be specified",
        ),
        (
            {"MessageInsightsDataSource": {"StartDate": START, "EndDate": START,
             "Include": {"Subject": ["a", "b"]}}},
            {"DataFormat": "CSV"},
            "MessageInsightsDataSource.Include.Subject takes at most 1 values.",
        ),
        ({}, {"DataFormat": "CSV"}, "ExportDataSource must contain exactly one"),
    ],
)  # fmt: skip
def test_bad_export_requests(ses_account, sesv2, source, destination, message):
    code, text, _status = refused(
        sesv2.create_export_job, ExportDataSource=source, ExportDestination=destination
    )
    assert code == "BadRequestException" and message in text


def test_an_import_into_a_contact_list_says_what_is_missing(ses_account, sesv2, s3):
    s3.put_object(Bucket="lists", Key="c.csv", Body=b"emailAddress\nann@example.com\n")
    job_id = import_job(
        sesv2,
        {"ContactListDestination": {"ContactListName": "news", "ContactListImportAction": "PUT"}},
        "s3://lists/c.csv",
    )
    ses_account.clock.advance(minutes=1)
    job = sesv2.get_import_job(JobId=job_id)
    assert job["JobStatus"] == "FAILED"
    assert "contact lists" in job["FailureInfo"]["ErrorMessage"]
