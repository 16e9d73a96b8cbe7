"""The one token bucket behind SES's per-second rates: the send rate (the quota engine)
and the API rate limit. Exact numbers on a clock that moves only when told, and a
property: the two rates, given the same rate and the same calls, decide alike."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_sesquota.quota.api_rate import ApiRateLimit
from pytest_sesquota.quota.bucket import RATE_SLACK_SECONDS, UNLIMITED, TokenBucket
from pytest_sesquota.quota.engine import QuotaEngine, RegionQuota

#: Epoch seconds of the plugin's default start (floats there are 2**-22 s apart).
START = 1_767_225_600.0


def test_a_new_bucket_is_full_and_refills_at_its_rate_up_to_its_capacity():
    bucket = TokenBucket()
    assert bucket.refill(START, 2.0, 5.0) == 5.0
    assert bucket.take(START, 2.0, 5.0, 5.0)
    assert bucket.tokens == 0.0
    assert bucket.refill(START + 1, 2.0, 5.0) == 2.0
    assert bucket.refill(START + 100, 2.0, 5.0) == 5.0  # capped
    assert bucket == TokenBucket(5.0, START + 100)


def test_one_token_passes_and_a_request_may_take_more_than_it_has():
    bucket = TokenBucket()
    # A send to 50 recipients at 14 per second: one token is enough to pass, the
    # bucket goes into debt, and the next send waits for 37 tokens' worth of time.
    assert bucket.take(START, 14.0, 14.0, 50.0)
    assert bucket.tokens == -36.0
    assert not bucket.take(START + 36 / 14, 14.0, 14.0)
    assert bucket.take(START + 37 / 14, 14.0, 14.0)


def test_a_client_waiting_exactly_one_over_the_rate_passes():
    bucket = TokenBucket()
    assert bucket.take(START, 3.0, 1.0)
    # Virtual time moves in whole microseconds: 1/3 s is 333,333 µs, a hair short.
    assert bucket.take(START + 0.333333, 3.0, 1.0)
    assert not bucket.take(START + 0.333333 + 1 / 3 - 3 * RATE_SLACK_SECONDS, 3.0, 1.0)


def test_a_clock_moved_backwards_refills_nothing():
    bucket = TokenBucket()
    assert bucket.take(START, 1.0, 1.0)
    assert not bucket.take(START - 60, 1.0, 1.0)
    assert bucket == TokenBucket(0.0, START)
    assert bucket.take(START + 1, 1.0, 1.0)


def test_an_unlimited_rate_stays_full_and_charges_nothing():
    bucket = TokenBucket()
    for _ in range(1000):
        assert bucket.take(START, UNLIMITED, 1.0, 50.0)
    assert bucket == TokenBucket(1.0, START)


def test_the_engine_and_the_api_rate_limit_use_it():
    quota = RegionQuota(max_24_hour_send=200, max_send_rate=1)
    assert isinstance(quota._bucket, TokenBucket)
    limit = ApiRateLimit(lambda: START, 1.0)
    assert limit.allow("us-east-1")
    assert limit._buckets == {"us-east-1": TokenBucket(0.0, START)}


def test_the_api_rate_limit_refuses_a_rate_of_zero():
    with pytest.raises(ValueError, match=r"must be > 0 requests per second, got 0"):
        ApiRateLimit(lambda: START, 0)


@settings(max_examples=200, deadline=None)
@given(
    rate=st.sampled_from([0.5, 1.0, 2.0, 3.0, 14.0, 50.0]),
    steps=st.lists(
        st.integers(min_value=0, max_value=3_000_000).map(lambda us: us / 1e6), max_size=60
    ),
)
def test_the_send_rate_and_the_api_rate_limit_decide_alike(rate, steps):
    """One-recipient sends and API calls at the same instants, at the same rate (the
    API limit's capacity, one second's worth, is the send rate's default burst)."""
    now = [START]
    engine = QuotaEngine(lambda: now[0], lambda _r: RegionQuota(UNLIMITED, rate))
    limit = ApiRateLimit(lambda: now[0], rate)
    for step in steps:
        now[0] += step
        assert engine.try_send("us-east-1", 1).accepted == limit.allow("us-east-1")
