"""``api_rate_limit``: SES throttles its actions other than sends (one request per second);
off by default, since under a frozen clock every call happens at the same instant."""

from __future__ import annotations

import random
from datetime import timedelta

import boto3
import pytest
from botocore.config import Config
from conftest import send, send_v2
from test_smtp import email, starttls_client

from pytest_sesquota import OptionsError, SesAccount


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_off_by_default(ses_account, ses, sesv2):
    for _ in range(10):
        ses.get_send_quota()
        sesv2.get_account()
    assert {r.status for r in ses_account.requests} == {200}


@pytest.mark.ses_quota(api_rate_limit=1)
def test_v1_answers_throttling_rate_exceeded_400(ses_account, ses):
    ses.get_send_quota()
    with pytest.raises(ses.exceptions.ClientError) as err:
        ses.list_identities()
    assert error_of(err) == ("Throttling", 400, "Rate exceeded")
    assert err.value.response["Error"]["Type"] == "Sender"
    ses_account.clock.advance(seconds=1)
    ses.list_identities()
    assert [(r.operation, r.status, r.error_code) for r in ses_account.requests] == [
        ("GetSendQuota", 200, None),
        ("ListIdentities", 400, "Throttling"),
        ("ListIdentities", 200, None),
    ]


@pytest.mark.ses_quota(api_rate_limit=1)
def test_v2_answers_too_many_requests_rate_exceeded_429(ses_account, sesv2):
    sesv2.get_account()
    with pytest.raises(sesv2.exceptions.TooManyRequestsException) as err:
        sesv2.list_email_templates()
    assert error_of(err) == ("TooManyRequestsException", 429, "Rate exceeded")
    ses_account.clock.advance(seconds=1)
    sesv2.list_email_templates()


@pytest.mark.ses_quota(api_rate_limit=1, profile="production")
def test_sends_are_governed_by_the_sending_quotas_alone(ses_account, ses, sesv2):
    ses.get_send_quota()
    for n in range(7):  # 14 per second: all of them at this one instant
        send(ses, f"v1-{n}@example.com")
        send_v2(sesv2, f"v2-{n}@example.com")
    assert len(ses_account.sent) == 14
    with pytest.raises(ses.exceptions.ClientError) as err:
        ses.get_send_quota()
    assert error_of(err) == ("Throttling", 400, "Rate exceeded")


@pytest.mark.ses_quota(api_rate_limit=1, profile="production")
def test_bulk_sends_are_throttled_like_any_other_action(ses_account, ses, sesv2):
    # "All actions (except for SendEmail, SendRawEmail, and SendTemplatedEmail) are
    # throttled at one request per second": SendBulkTemplatedEmail is one of them, and
    # v2's SendBulkEmail is throttled as its v1 counterpart is (docs/choices.md).
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi", "TextPart": "Hi"})
    ses_account.clock.advance(seconds=1)
    bulk_v1 = {
        "Source": "app@example.com",
        "Template": "t",
        "DefaultTemplateData": "{}",
        "Destinations": [{"Destination": {"ToAddresses": ["a@example.com"]}}],
    }
    bulk_v2 = {
        "FromEmailAddress": "app@example.com",
        "DefaultContent": {"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        "BulkEmailEntries": [{"Destination": {"ToAddresses": ["b@example.com"]}}],
    }
    ses.send_bulk_templated_email(**bulk_v1)
    with pytest.raises(ses.exceptions.ClientError) as err:
        ses.send_bulk_templated_email(**bulk_v1)
    assert error_of(err) == ("Throttling", 400, "Rate exceeded")
    with pytest.raises(sesv2.exceptions.TooManyRequestsException) as err:
        sesv2.send_bulk_email(**bulk_v2)
    assert error_of(err) == ("TooManyRequestsException", 429, "Rate exceeded")
    send(ses, "c@example.com")  # the single sends are not
    send_v2(sesv2, "d@example.com")
    ses_account.clock.advance(seconds=1)
    sesv2.send_bulk_email(**bulk_v2)
    assert [m.recipients for m in ses_account.sent] == [
        ("a@example.com",),
        ("c@example.com",),
        ("d@example.com",),
        ("b@example.com",),
    ]


@pytest.mark.ses_quota(api_rate_limit=2)
def test_the_limit_is_per_region_and_shared_by_both_apis(ses_account, ses, sesv2):
    ses.get_send_quota()
    sesv2.get_account()
    with pytest.raises(sesv2.exceptions.TooManyRequestsException):
        sesv2.get_account()
    boto3.client("ses", region_name="eu-west-1", config=ses.meta.config).get_send_quota()
    ses_account.clock.advance(seconds=0.5)  # one request's worth at 2 per second
    ses.get_send_quota()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.ses_quota(api_rate_limit=1)
def test_botocore_retries_the_throttle_and_its_backoff_refills_the_bucket(ses_account, seed):
    random.seed(seed)  # botocore's jitter
    client = boto3.client("ses", region_name="us-east-1", config=Config(retries={"mode": "legacy"}))
    client.get_send_quota()
    start = ses_account.clock.now()
    client.get_send_quota()  # throttled, then retried after virtual sleeps
    attempts = ses_account.requests[1:]
    assert 2 <= len(attempts) <= 5
    # An attempt passes exactly when a full second has refilled the bucket.
    for attempt in attempts:
        assert attempt.ok == (attempt.time - start >= timedelta(seconds=1))
    assert attempts[-1].ok


@pytest.mark.parametrize("bad", [0, -1, "fast", float("inf"), True])
def test_bad_values_name_the_choices(bad):
    with pytest.raises(OptionsError) as err:
        SesAccount(api_rate_limit=bad)
    assert str(err.value) == (
        f"ses_quota: api_rate_limit={bad!r} is not valid; "
        "expected requests per second > 0 (SES allows 1), or None for no limit"
    )


def test_ini_option(pytester):
    pytester.makeini("[pytest]\nses_quota_api_rate_limit = 1\n")
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from botocore.config import Config

        def test_second_call_is_throttled(ses_account):
            ses = boto3.client(
                "ses", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
            )
            ses.get_send_quota()
            with pytest.raises(ses.exceptions.ClientError) as err:
                ses.get_send_quota()
            assert err.value.response["Error"]["Code"] == "Throttling"

        @pytest.mark.ses_quota(api_rate_limit=None)
        def test_a_marker_turns_it_off(ses_account):
            ses = boto3.client("ses", region_name="us-east-1")
            ses.get_send_quota()
            ses.get_send_quota()
            assert len(ses_account.requests) == 2
        """
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


@pytest.mark.ses_quota(api_rate_limit=1, profile="production")
def test_smtp_is_not_limited(ses_smtp, ses_account, ses):
    ses.get_send_quota()  # the one request this second
    with starttls_client(ses_smtp) as client:
        for n in range(3):
            client.sendmail("app@example.com", [f"r{n}@example.com"], email().as_bytes())
    assert len(ses_account.sent) == 3
