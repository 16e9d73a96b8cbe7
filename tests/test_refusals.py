"""One refusal vocabulary: the account names a refusal's kind, each dialect its words.

Adding a refusal kind is one entry in ``RefusalKind`` and one row per dialect; these
tests fail while a dialect lacks one (docs/developing.md, "Adding a refusal kind").
"""

from __future__ import annotations

import pytest

from pytest_sesquota.account.account import Account
from pytest_sesquota.account.ledger import REFUSAL_KINDS, SendRefused
from pytest_sesquota.ses.v1 import V1
from pytest_sesquota.ses.v2 import V2
from pytest_sesquota.wire.smtp import SMTP


def test_every_dialect_names_every_kind_and_nothing_else():
    assert set(REFUSAL_KINDS) == {
        "rate",
        "daily",
        "unverified",
        "paused",
        "suspended",
        "invalid",
        "transient",
    }
    for dialect in (V1, V2):
        assert set(dialect.refusals) == set(REFUSAL_KINDS), dialect
    assert set(SMTP.replies) == set(REFUSAL_KINDS)


@pytest.mark.parametrize(
    ("kind", "v1", "v2", "smtp"),
    [
        (
            "rate",
            ("Throttling", 400, "AccountThrottled"),
            ("TooManyRequestsException", 429, "ACCOUNT_THROTTLED"),
            "454 Throttling failure: it",
        ),
        (
            "daily",
            ("Throttling", 400, "AccountDailyQuotaExceeded"),
            ("TooManyRequestsException", 429, "ACCOUNT_DAILY_QUOTA_EXCEEDED"),
            "454 Throttling failure: it",
        ),
        (
            "unverified",
            ("MessageRejected", 400, "MessageRejected"),
            ("MessageRejected", 400, "MESSAGE_REJECTED"),
            "554 Message rejected: it",
        ),
        (
            "paused",
            ("AccountSendingPausedException", 400, "AccountSendingPaused"),
            ("SendingPausedException", 400, "ACCOUNT_SENDING_PAUSED"),
            "554 Message rejected: it",
        ),
        (
            "suspended",
            ("MessageRejected", 400, "AccountSuspended"),
            ("MessageRejected", 400, "ACCOUNT_SUSPENDED"),
            "554 Message rejected: it",
        ),
        (
            "invalid",
            ("InvalidParameterValue", 400, "InvalidParameterValue"),
            ("BadRequestException", 400, "INVALID_PARAMETER"),
            "554 Transaction failed: it",
        ),
        (
            "transient",
            ("ServiceUnavailable", 503, "TransientFailure"),
            ("ServiceUnavailable", 503, "TRANSIENT_FAILURE"),
            "454 Temporary service failure",
        ),
    ],
)
def test_each_dialect_s_words(kind, v1, v2, smtp):
    refused = SendRefused(kind, "it")
    for dialect, (code, status, bulk) in ((V1, v1), (V2, v2)):
        error = dialect.error(refused)
        assert (error.code, error.status, error.message) == (code, status, "it")
        assert dialect.bulk_entry(refused) == {"Status": bulk, "Error": "it"}
        assert (dialect.code(kind), dialect.code(kind, bulk=True)) == (code, bulk)
    assert SMTP.reply(refused) == smtp
    assert SMTP.code(kind) == smtp[:3]


def test_the_account_records_the_callers_code_or_the_kind_without_a_front_door():
    account = Account(profile="sandbox", verified=["app@example.com"])
    for dialect in (None, V1, V2, SMTP):
        with pytest.raises(SendRefused):
            account.send(
                region=None,
                operation="SendEmail",
                source="app@example.com",
                recipients=["nobody@example.org"],
                dialect=dialect,
            )
    assert [(r.code, r.transport) for r in account.rejected] == [
        ("unverified", "api"),
        ("MessageRejected", "api"),
        ("MessageRejected", "api"),
        ("554", "smtp"),
    ]


@pytest.mark.ses_quota(profile="production", verified=["app@example.com"])
def test_a_bulk_entry_is_recorded_with_the_status_its_caller_received(ses_account):
    import boto3
    from conftest import NO_RETRIES

    v1 = boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)
    v2 = boto3.client("sesv2", region_name="us-east-1", config=NO_RETRIES)
    v2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi", "Text": "Hello"})
    ses_account.check_identities(True)
    result = v2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        BulkEmailEntries=[
            {"Destination": {"ToAddresses": ["a@example.com"]}},
            {"Destination": {"ToAddresses": ["nobody"]}},
        ],
    )
    assert [e["Status"] for e in result["BulkEmailEntryResults"]] == [
        "SUCCESS",
        "INVALID_PARAMETER",
    ]
    ses_account.set_enforcement_status("SHUTDOWN")
    result = v1.send_bulk_templated_email(
        Source="app@example.com",
        Template="t",
        DefaultTemplateData="{}",
        Destinations=[{"Destination": {"ToAddresses": ["a@example.com"]}}],
    )
    assert [e["Status"] for e in result["Status"]] == ["AccountSuspended"]
    assert [(r.operation, r.reason, r.code) for r in ses_account.rejected] == [
        ("SendBulkEmail", "invalid", "INVALID_PARAMETER"),
        ("SendBulkTemplatedEmail", "suspended", "AccountSuspended"),
    ]
