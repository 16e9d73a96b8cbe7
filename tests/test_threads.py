"""16 threads share one fake account through boto3 (SES v1 and v2 mixed).

What "the rate" means here: virtual time is one clock for the whole process, and
every thread's ``time.sleep`` advances it for all threads (two threads each
sleeping one second move it two seconds). The account judges each send at the
virtual instant it decides it, and writes that instant in the ledger (the clock
holds still while a send is decided). So the guarantees checked are on the
ledger, in decision order and virtual time:

* rate: for accepted messages i <= j, the recipients accepted from i to j are at
  most ``burst + max_send_rate * (t_j - t_i)`` plus ``n_j - 1`` (the last send may
  take the token bucket into debt; the bound of tests/test_engine_properties.py);
* daily: every rolling 24 hours (t - 24 h, t] holds at most Max24HourSend recipients;
* every attempt is accepted or throttled, exactly once, and message ids never repeat;
* nothing is throttled without reason: a rate refusal found less than one token,
  a daily refusal would have gone over the quota.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_sesquota import SentMessage, SesAccount, ThrottledSend
from pytest_sesquota.quota.bucket import _EPSILON, RATE_SLACK_SECONDS

THREADS = 16
SENDS = 500
RATE = 50.0
DAILY = 3000
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
THROTTLES = {
    "Throttling",  # v1, both quotas
    "TooManyRequestsException",  # v2, both quotas
}
DAILY_MESSAGE = "Daily message quota exceeded."


def _worker(
    number: int, v1, v2, ids: list[str], throttles: list[str], errors: list[BaseException]
) -> None:
    try:
        for k in range(SENDS):
            to = [f"t{number}-{k}-{r}@example.com" for r in range(1 + (number + k) % 3)]
            try:
                if (number + k) % 2:
                    reply = v1.send_email(
                        Source="app@example.com",
                        Destination={"ToAddresses": to},
                        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
                    )
                else:
                    reply = v2.send_email(
                        FromEmailAddress="app@example.com",
                        Destination={"ToAddresses": to},
                        Content={
                            "Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
                        },
                    )
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code not in THROTTLES:
                    raise
                throttles.append(code)
                daily = error.response["Error"]["Message"] == DAILY_MESSAGE
                # A day's quota comes back by the hour; the rate within milliseconds.
                time.sleep(3600 if daily else 0.01 * (1 + k % 4))
            else:
                ids.append(reply["MessageId"])
    except BaseException as error:  # reported by the test, not lost in the thread
        errors.append(error)


@pytest.mark.ses_quota(profile="production", max_send_rate=RATE, max_24_hour_send=DAILY)
def test_sixteen_threads_keep_every_quota(ses_account: SesAccount) -> None:
    v1 = boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)
    v2 = boto3.client("sesv2", region_name="us-east-1", config=NO_RETRIES)
    ids: list[str] = []
    throttles: list[str] = []
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_worker, args=(n, v1, v2, ids, throttles, errors))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    attempts = THREADS * SENDS
    sent, throttled = ses_account.sent, ses_account.throttled
    # Every attempt accepted or throttled, once; the ledger agrees with the callers.
    assert len(ids) + len(throttles) == attempts
    assert (len(sent), len(throttled), ses_account.rejected) == (len(ids), len(throttles), [])
    assert len(ses_account.requests) == attempts
    for request in ses_account.requests:
        assert len(request.outcomes) == 1
        assert request.ok == isinstance(request.outcomes[0], SentMessage)
    # No message id repeats, and each is the one a caller got.
    assert len(set(ids)) == len(ids)
    assert {m.message_id for m in sent} == set(ids)
    # Both APIs took part, and both quotas were met.
    assert {r.api for r in ses_account.requests} == {"ses", "sesv2"}
    assert {t.reason for t in throttled} == {"rate", "daily"}
    # The threads' sleeps carried the clock past a day: the window rolled.
    assert ses_account.clock.elapsed() > 86_400
    assert sum(len(m.recipients) for m in sent) > DAILY

    start = ses_account.clock.start_time
    times = [(m.time - start).total_seconds() for m in sent]
    assert times == sorted(times)  # the ledger is in decision order
    _check_rate(sent, times)
    _check_daily(sent)
    _check_refusals(throttled)


def _check_rate(sent: list[SentMessage], times: list[float]) -> None:
    # For each j: max over i <= j of [recipients(i..j) - RATE * (t_j - t_i)] - (n_j - 1)
    # <= burst (one second's worth by default), computed in one pass.
    burst = RATE
    # The engine forgives 2 µs of refill; times are floats of virtual seconds.
    slack = RATE * RATE_SLACK_SECONDS + _EPSILON + RATE * 1e-6
    best = float("-inf")  # max over i <= j of RATE * t_i - recipients before i
    before = 0
    for message, t in zip(sent, times, strict=True):
        n = len(message.recipients)
        best = max(best, RATE * t - before)
        before += n
        excess = before - RATE * t + best - (n - 1)
        assert excess <= burst + slack, (message, excess)


def _check_daily(sent: list[SentMessage]) -> None:
    day = timedelta(days=1)
    oldest = 0
    in_window = 0
    for message in sent:
        in_window += len(message.recipients)
        while sent[oldest].time <= message.time - day:
            in_window -= len(sent[oldest].recipients)
            oldest += 1
        assert in_window <= DAILY, (message.time, in_window)


def _check_refusals(throttled: list[ThrottledSend]) -> None:
    slack = RATE * RATE_SLACK_SECONDS + _EPSILON
    for refusal in throttled:
        if refusal.reason == "daily":
            assert refusal.sent_last_24_hours + len(refusal.recipients) > DAILY, refusal
        else:
            assert refusal.available < 1 - slack, refusal
            assert refusal.sent_last_24_hours + len(refusal.recipients) <= DAILY, refusal
