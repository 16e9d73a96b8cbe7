"""The newsletter app's throttling behaviour, against a fake SES account.

No AWS account or credentials: pytest-sesquota answers every SES call made by
``newsletter.mailer.ses``, a client created when the module was imported, before
any test started. Time is virtual: ``time.sleep`` returns at once and moves the
fake clock, so a newsletter paced at one message per second takes seconds of
*virtual* time and milliseconds of real time. Assertions only read virtual time.
"""

from __future__ import annotations

from collections import Counter

import boto3
import pytest
from botocore.config import Config
from pytest_sesquota import SesAccount

from newsletter import mailer


def subscribers(count: int) -> list[str]:
    return [f"reader{i:03}@example.org" for i in range(count)]


def sent_to(ses_account: SesAccount) -> list[str]:
    """Every recipient SES accepted a message for, in order."""
    return [r for message in ses_account.sent for r in message.recipients]


@pytest.mark.ses_quota(profile="sandbox")  # 200 recipients a day, 1 per second
def test_sandbox_newsletter_is_paced_to_one_per_second(ses_account: SesAccount) -> None:
    readers = subscribers(30)

    result = mailer.send_newsletter(readers, "Issue #1", "Hello!")

    assert list(result.sent) == readers
    assert result.deferred == [] and result.failed == {}
    assert sent_to(ses_account) == readers
    assert ses_account.throttled == []  # paced, so SES never had to say no
    # 30 sends one second apart: the last goes out 29 virtual seconds after the first.
    assert ses_account.clock.elapsed() == pytest.approx(29, abs=0.01)
    assert ses_account.clock.sleeps == pytest.approx([1.0] * 29, abs=1e-3)
    # The import-time client reached the fake: the quota lookup, then 30 sends.
    assert [r.operation for r in ses_account.requests] == ["GetSendQuota"] + ["SendEmail"] * 30
    assert ses_account.quota() == (200, 1, 30)


@pytest.mark.ses_quota(profile="sandbox")
def test_burst_of_welcomes_recovers_with_backoff(
    ses_account: SesAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Turn botocore's own retries off so that every throttle reaches the app and
    # only mailer's back-off (the code under test) does the retrying. The mode is
    # pinned too: AWS_RETRY_MODE=adaptive would add client-side waits of its own.
    no_retries = Config(retries={"mode": "standard", "total_max_attempts": 1})
    client = boto3.client("ses", region_name="us-east-1", config=no_retries)
    monkeypatch.setattr(mailer, "ses", client)
    readers = subscribers(5)

    for address in readers:  # no pacing: five sends in the same instant
        mailer.send_welcome(address)

    assert sent_to(ses_account) == readers  # everyone welcomed exactly once
    assert len(ses_account.throttled) > 0
    assert {t.reason for t in ses_account.throttled} == {"rate"}
    assert {t.message for t in ses_account.throttled} == {"Maximum sending rate exceeded."}
    # Each throttle was answered by exactly one back-off sleep, and one more attempt.
    assert len(ses_account.clock.sleeps) == len(ses_account.throttled)
    assert len(ses_account.requests) == 5 + len(ses_account.throttled)
    # The first welcome goes straight through; each later one finds the bucket
    # empty. It is refused, refused again after the first back-off (0.25-0.5 s
    # refills half a token at most), then accepted after the second (0.75-1.5 s
    # in all) or surely after the third (1.75 s or more): jitter picks which.
    refusals = Counter(t.recipients[0] for t in ses_account.throttled)
    assert refusals[readers[0]] == 0
    assert all(refusals[address] in (2, 3) for address in readers[1:])
    # At 1 recipient per second, five sends cannot finish in under 4 seconds.
    assert ses_account.clock.elapsed() >= 4


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=195)
def test_daily_quota_defers_the_rest_until_tomorrow(ses_account: SesAccount) -> None:
    readers = subscribers(10)

    result = mailer.send_newsletter(readers, "Issue #2", "Hello again!")

    # 195 + 5 = 200: the quota is full, the other five are handed back, not lost.
    assert list(result.sent) == readers[:5]
    assert result.deferred == readers[5:]
    assert sent_to(ses_account) == readers[:5]
    assert ses_account.throttled[-1].reason == "daily"
    assert ses_account.throttled[-1].recipients == (readers[5],)
    # botocore retried the daily error itself (it retries every Throttling), but
    # the app stopped at the first one that reached it: no rate throttles at all.
    assert {t.reason for t in ses_account.throttled} == {"daily"}
    assert ses_account.quota() == (200, 1, 200)

    # A day later the rolling window has emptied: the deferred addresses go out.
    ses_account.clock.advance(hours=24)
    retry = mailer.send_newsletter(result.deferred, "Issue #2", "Hello again!")

    assert list(retry.sent) == readers[5:]
    assert retry.deferred == []
    assert sent_to(ses_account) == readers  # all ten, each exactly once
    assert ses_account.quota() == (200, 1, 5)


@pytest.mark.ses_quota(profile="production", max_send_rate=14)
def test_production_newsletter_runs_at_fourteen_per_second(ses_account: SesAccount) -> None:
    readers = subscribers(100)

    result = mailer.send_newsletter(readers, "Issue #3", "Hello, everyone!")

    assert len(result.sent) == 100 and result.deferred == []
    assert sent_to(ses_account) == readers
    assert ses_account.throttled == []
    # 100 sends at 14 per second: 99 intervals of 1/14 s, about 7 virtual seconds
    # (a little more in botocore's adaptive mode, whose limiter remembers the
    # throttles an earlier test caused on the same import-time client).
    assert 6 <= ses_account.clock.elapsed() <= 9
    # Never more than 14 sends in any one-second window.
    times = [m.time for m in ses_account.sent]
    assert all((times[i + 14] - times[i]).total_seconds() >= 1 - 1e-3 for i in range(86))


# In the sandbox, SES only delivers to verified addresses; the rest are refused.
@pytest.mark.ses_quota(profile="sandbox", verified=["news@example.com", "example.org"])
def test_refused_addresses_are_reported_not_dropped(ses_account: SesAccount) -> None:
    readers = ["ann@example.org", "bob@elsewhere.test", "cy@example.org"]

    result = mailer.send_newsletter(readers, "Issue #4", "Hi!")

    assert list(result.sent) == ["ann@example.org", "cy@example.org"]
    assert result.failed == {"bob@elsewhere.test": "MessageRejected"}
    assert [r.recipients for r in ses_account.rejected] == [("bob@elsewhere.test",)]
    assert ses_account.throttled == []
