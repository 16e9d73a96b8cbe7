"""botocore's real retry loop against the fake: every attempt counts, back-off is virtual."""

from __future__ import annotations

import random
from datetime import timedelta

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import send, send_v2

MAX_ATTEMPTS = {"legacy": 5, "standard": 3, "adaptive": 3}

# Made on real time, before any virtual clock: its adaptive limiter's timestamps
# are months ahead of the fake's default start.
ADAPTIVE_AT_IMPORT = boto3.client(
    "ses", region_name="us-east-1", config=Config(retries={"mode": "adaptive"})
)


# The quota error of each API (rate and daily alike): v1's HTTP 400 Throttling, v2's HTTP 429.
RATE_CODE = {"ses": "Throttling", "sesv2": "TooManyRequestsException"}
SEND = {"ses": send, "sesv2": send_v2}


@pytest.mark.parametrize("service", ["ses", "sesv2"])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_throttled_send_retried_by_botocore_succeeds_exactly_when_the_rate_allows(
    ses_account, mode, seed, service
):
    random.seed(seed)  # botocore's jitter uses the random module
    client = boto3.client(service, region_name="us-east-1", config=Config(retries={"mode": mode}))
    send = SEND[service]
    start = ses_account.clock.now()
    send(client, "first@example.com")  # takes the only unit of the 1/s bucket
    try:
        send(client, "second@example.com")
        raised = None
    except ClientError as error:
        raised = error
    attempts = ses_account.requests[1:]
    assert 1 <= len(attempts) <= MAX_ATTEMPTS[mode]
    # Real SES: an attempt is accepted once a full second has refilled one unit.
    for attempt in attempts:
        assert attempt.ok == (attempt.time - start >= timedelta(seconds=1))
    # Only botocore's back-off moved the clock, and it retried until success or the limit.
    moved = (ses_account.clock.now() - start).total_seconds()
    sleeps = ses_account.clock.sleeps
    assert moved == pytest.approx(sum(sleeps), abs=1e-6 * len(sleeps))  # microsecond ticks
    assert all(not a.ok for a in attempts[:-1])
    if attempts[-1].ok:
        assert raised is None and len(ses_account.sent) == 2
    else:
        assert len(attempts) == MAX_ATTEMPTS[mode]
        assert raised.response["Error"]["Code"] == RATE_CODE[service]
        assert f"(reached max retries: {MAX_ATTEMPTS[mode] - 1})" in str(raised)
    assert len(ses_account.throttled) == sum(not a.ok for a in attempts)


@pytest.mark.parametrize("service", ["ses", "sesv2"])
@pytest.mark.parametrize("mode", ["legacy", "standard"])
@pytest.mark.ses_quota(sent_last_24_hours=200)
def test_daily_quota_error_is_retried_pointlessly_in_every_mode(ses_account, mode, service):
    # v1's Throttling 400 and v2's TooManyRequestsException 429 (as real SES answers the
    # daily quota) are both retried: 5 attempts in legacy mode, 3 in standard.
    client = boto3.client(service, region_name="us-east-1", config=Config(retries={"mode": mode}))
    with pytest.raises(ClientError) as err:
        SEND[service](client, "a@example.com")
    attempts = MAX_ATTEMPTS[mode]
    assert str(err.value) == (
        f"An error occurred ({RATE_CODE[service]}) when calling the SendEmail operation "
        f"(reached max retries: {attempts - 1}): Daily message quota exceeded."
    )
    status = {"ses": 400, "sesv2": 429}[service]
    assert [(r.status, r.error_code) for r in ses_account.requests] == [
        (status, RATE_CODE[service])
    ] * attempts
    assert [t.reason for t in ses_account.throttled] == ["daily"] * attempts
    assert len(ses_account.clock.sleeps) == attempts - 1


@pytest.mark.ses_quota(sent_last_24_hours=200)
def test_default_retry_mode_of_the_installed_botocore(ses_account):
    mode = botocore.session.get_session().get_config_variable("retry_mode")
    client = boto3.client("ses", region_name="us-east-1")
    with pytest.raises(ClientError):
        send(client, "a@example.com")
    assert len(ses_account.requests) == MAX_ATTEMPTS[mode]


@pytest.mark.parametrize("run", range(2))  # the second run meets the first run's later timestamps
@pytest.mark.ses_quota(sent_last_24_hours=195)
def test_adaptive_client_made_before_the_fake_keeps_sane_waits(ses_account, run):
    for i in range(10):
        try:
            send(ADAPTIVE_AT_IMPORT, f"r{i}@example.com")
        except ClientError as error:
            assert error.response["Error"]["Message"] in (
                "Maximum sending rate exceeded.",
                "Daily message quota exceeded.",
            )
    # Its limiter waits seconds, not the months between its timestamps and virtual time.
    assert max(ses_account.clock.sleeps) < 30
    assert ses_account.clock.elapsed() < 300
    assert ses_account.quota() == (200.0, 1.0, 200.0)
    assert len(ses_account.sent) == 5
