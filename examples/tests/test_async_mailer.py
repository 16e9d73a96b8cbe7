"""The async mail service (``async_mailer``) against a fake SES account.

Its worker uses aiobotocore, so these tests need it (``pip install
"pytest-sesquota[aio]"``); without it they are skipped. The event loop runs on the
account's virtual clock: the worker's ``asyncio.sleep`` back-off moves it and takes no
real time.
"""

from __future__ import annotations

import asyncio
import time

import pytest

aiobotocore_session = pytest.importorskip(
    "aiobotocore.session", reason='needs aiobotocore: pip install "pytest-sesquota[aio]"'
)
from botocore.config import Config  # noqa: E402

from async_mailer.service import MailService  # noqa: E402


@pytest.fixture
def anyio_backend():
    """asyncio only (trio has no loop to put on the virtual clock)."""
    return "asyncio"


NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


async def run_service(payloads, **options) -> MailService:
    session = aiobotocore_session.get_session()
    async with session.create_client("sesv2", region_name="us-east-1", config=NO_RETRIES) as ses:
        service = MailService(ses, **options)
        worker = asyncio.ensure_future(service.worker())
        for payload in payloads:
            assert await service.post_mail(payload) == {"queued": len(payload["to"])}
        drained = asyncio.ensure_future(service.queue.join())
        # A worker that crashed fails the test rather than leaving it waiting.
        await asyncio.wait([drained, worker], return_when=asyncio.FIRST_COMPLETED)
        worker.cancel()
        if not drained.done():
            drained.cancel()
            await worker  # raises what killed it
    return service


def signups(count: int) -> dict:
    to = [f"user{n:02}@example.org" for n in range(count)]
    return {"to": to, "subject": "Welcome", "body": "Hi"}


@pytest.mark.anyio
@pytest.mark.ses_quota(profile="production", max_send_rate=2)
async def test_a_burst_is_sent_at_the_rate_with_back_off_and_never_twice(ses_account):
    started = time.monotonic()  # virtual: the account's clock
    service = await run_service([signups(10)])
    assert len(service.sent) == 10 and service.failed == {}
    assert len(ses_account.sent) == 10  # each message once
    assert {m.recipients[0] for m in ses_account.sent} == set(service.sent)
    # SES's bucket: two at once, then two a second; no send ahead of it.
    times = [(m.time - ses_account.clock.start_time).total_seconds() for m in ses_account.sent]
    assert all(n + 1 <= 2 + 2 * t for n, t in enumerate(times))
    assert service.waits[0] == ("rate", 0.5)
    assert len(ses_account.throttled) == len(service.waits) > 0
    assert 4 <= time.monotonic() - started < 10


@pytest.mark.anyio
@pytest.mark.ses_quota(profile="production", max_24_hour_send=200, sent_last_24_hours=198)
async def test_the_daily_quota_defers_mail_until_the_rolling_day_allows_it(ses_account):
    service = await run_service([signups(4)])
    assert len(service.sent) == 4
    # Two went out at once; the other two waited an hour at a time, until the usage
    # already on the account (placed at the start) left the rolling 24 hours.
    start = ses_account.clock.start_time
    times = sorted((m.time - start).total_seconds() for m in ses_account.sent)
    assert times == [0, 0, 24 * 3600, 24 * 3600]
    # The worker sends one at a time: the third waited 24 hours, the fourth not at all.
    assert service.waits == [("daily", 3600.0)] * 24


@pytest.mark.anyio
@pytest.mark.ses_quota(profile="sandbox", verified=["shop@example.com", "user00@example.org"])
async def test_an_unverified_recipient_fails_without_retry(ses_account):
    service = await run_service([signups(2)])
    assert list(service.sent) == ["user00@example.org"]
    assert service.failed == {"user01@example.org": "MessageRejected"}
    assert service.waits == []
