"""Property-based tests of the quota engine (``pytest_sesquota.quota.engine``).

The engine is driven by a fake clock (a mutable float) and checked against
invariants that any correct SES-like quota must keep, and against exact models:

* the token bucket in exact rational arithmetic (``fractions.Fraction`` of the
  very float times the engine reads), and
* the rolling 24 hours both exactly and with the engine's documented 1-second
  slot granularity (a send counts until 24 h after the latest send of its slot).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_sesquota.quota.bucket import _EPSILON, RATE_SLACK_SECONDS, UNLIMITED
from pytest_sesquota.quota.engine import (
    DAILY_MODES,
    DAY,
    Decision,
    QuotaEngine,
    RegionQuota,
)

REGION = "us-east-1"
OTHER = "eu-west-1"
#: The plugin's default virtual start (2026-01-01T00:00:00Z) in epoch seconds:
#: real clock values are this large, where a float's spacing is 2**-22 s.
DEFAULT_START = 1_767_225_600.0


#: The engine's own slack for "at least one token", for a given rate.
def engine_slack(rate: float) -> float:
    return rate * RATE_SLACK_SECONDS + _EPSILON


#: Rounding of the engine's float bucket against the exact one (a few dozen
#: float operations on values < 1e4: errors ~1e-12; this leaves a wide margin).
FLOAT_TOL = 1e-9

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- fixtures of the tests ---------------------------------------------------


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@dataclass(frozen=True)
class Quota:
    """Arguments of a :class:`RegionQuota`; a fresh instance per engine."""

    max_24_hour_send: float
    max_send_rate: float
    burst: float | None
    daily: str

    def build(self) -> RegionQuota:
        return RegionQuota(
            max_24_hour_send=self.max_24_hour_send,
            max_send_rate=self.max_send_rate,
            burst=self.burst,
            daily=self.daily,  # type: ignore[arg-type]
        )

    @property
    def capacity(self) -> float:
        return self.burst if self.burst is not None else max(self.max_send_rate, 1.0)

    @property
    def rate_limited(self) -> bool:
        return self.max_send_rate != UNLIMITED

    @property
    def daily_limited(self) -> bool:
        return self.max_24_hour_send != UNLIMITED


def make_engine(clock: FakeClock, *quotas: tuple[str, Quota]) -> QuotaEngine:
    table = dict(quotas)
    return QuotaEngine(clock, lambda region: table[region].build())


# -- strategies --------------------------------------------------------------

rates = st.one_of(
    st.sampled_from([0.5, 1.0, 2.0, 3.0, 14.0]),
    st.floats(min_value=0.1, max_value=30.0, allow_nan=False, allow_infinity=False),
)
bursts = st.one_of(
    st.none(),
    st.sampled_from([1.0, 2.0, 5.0, 10.0, 50.0]),
    st.floats(min_value=1.0, max_value=60.0, allow_nan=False, allow_infinity=False),
)
daily_limits = st.one_of(
    st.integers(min_value=5, max_value=40), st.integers(min_value=5, max_value=300)
).map(float)
daily_modes = st.sampled_from(DAILY_MODES)


@st.composite
def quotas(draw: st.DrawFn, *, unlimited: bool = False) -> Quota:
    """A quota with a limited rate and a small daily limit (or, with
    ``unlimited``, either of them possibly -1)."""
    rate = draw(st.one_of(rates, st.just(UNLIMITED)) if unlimited else rates)
    limit = draw(st.one_of(daily_limits, st.just(UNLIMITED)) if unlimited else daily_limits)
    return Quota(limit, rate, draw(bursts), draw(daily_modes))


# Steps between sends: mostly none or sub-second to a few seconds (so the daily
# limit is reached), sometimes hours or about a day (so usage leaves the window,
# including right at the 24-hour horizon, within a 1-second slot).
small_steps = st.one_of(
    st.just(0.0),
    st.sampled_from([0.001, 1 / 14, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.999, 1.0, 1.5, 2.0]),
    st.floats(min_value=0.0, max_value=3.0, allow_nan=False, allow_infinity=False),
)
large_steps = st.one_of(
    st.sampled_from(
        [3600.0, 6 * 3600.0, 12 * 3600.0, DAY - 1, DAY - 0.5, DAY - 0.001, DAY, DAY + 0.5]
    ),
    st.floats(min_value=DAY - 2.0, max_value=DAY + 1.0, allow_nan=False),
    st.floats(min_value=0.0, max_value=100_000.0, allow_nan=False, allow_infinity=False),
)
steps = st.integers(min_value=0, max_value=4).flatmap(
    lambda k: large_steps if k == 0 else small_steps
)
recipient_counts = st.one_of(
    st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=50)
)
# Sequences of (step, recipients); the length is drawn first so that long
# sequences are common (plain st.lists averages about 5 sends).
sends = st.integers(min_value=1, max_value=60).flatmap(
    lambda size: st.lists(st.tuples(steps, recipient_counts), min_size=size, max_size=size)
)
starts = st.sampled_from([0.0, 0.25, 1000.5, DEFAULT_START, DEFAULT_START + 0.123456])


def run(
    engine: QuotaEngine, clock: FakeClock, plan: Iterable[tuple[float, int]]
) -> list[tuple[float, int, Decision]]:
    """Send ``plan`` (step, recipients) in REGION; return (time, recipients, decision)."""
    log = []
    for step, recipients in plan:
        now = clock.advance(step)
        log.append((now, recipients, engine.try_send(REGION, recipients)))
    return log


# -- 1 & 2: invariants over accepted sends ------------------------------------


@PROPERTY_SETTINGS
@given(quota=quotas(), start=starts, plan=sends)
def test_accepted_sends_keep_the_rate_and_daily_invariants(
    quota: Quota, start: float, plan: list[tuple[float, int]]
) -> None:
    """Whatever the sequence of sends, what the engine accepts never exceeds:

    * the rate: in any window [t_i, t_j] spanned by accepted sends, the
      recipients accepted are at most ``capacity + rate * (t_j - t_i)`` plus
      the recipients of the last send minus one (the single send allowed to
      push the bucket into debt needs only one token);
    * the daily quota: ``would_exceed`` keeps every (t - 24 h, t] window at or
      under the limit; ``below_max`` accepts a send only while the 24 h before
      it (the send itself excluded) are under the limit.
    """
    clock = FakeClock(start)
    engine = make_engine(clock, (REGION, quota))
    log = run(engine, clock, plan)

    accepted = [(t, n) for t, n, d in log if d.accepted]
    for _t, n, d in log:
        assert d.accepted == (d.reason is None)
        assert d.reason in (None, "rate", "daily")
        assert d.recipients == n
        assert d.max_24_hour_send == quota.max_24_hour_send
        assert d.max_send_rate == quota.max_send_rate
    # The first send of all finds a full bucket and an empty window.
    first_n = plan[0][1]
    first = log[0][2]
    assert first.available == quota.capacity
    assert first.sent_last_24_hours == 0
    assert first.accepted == (
        first_n <= quota.max_24_hour_send if quota.daily == "would_exceed" else True
    )

    # Rate invariant, over every window spanned by two accepted sends.
    times = [t for t, _ in accepted]
    prefix = [0]
    for _, n in accepted:
        prefix.append(prefix[-1] + n)
    for i in range(len(accepted)):
        for j in range(i, len(accepted)):
            in_window = prefix[j + 1] - prefix[i]
            bound = (
                quota.capacity + quota.max_send_rate * (times[j] - times[i]) + accepted[j][1] - 1
            )
            assert in_window <= bound + engine_slack(quota.max_send_rate) + FLOAT_TOL, (
                i,
                j,
                in_window,
                bound,
            )
            # The brief's looser form: one send (<= 50 recipients) of debt.
            assert in_window <= quota.capacity + quota.max_send_rate * (times[j] - times[i]) + 50

    # Daily invariant.
    limit = quota.max_24_hour_send
    for k, (t, _n) in enumerate(accepted):
        if quota.daily == "would_exceed":
            in_day = sum(m for s, m in accepted if t - DAY < s <= t)
            assert in_day <= limit, (t, in_day)
        else:
            before = sum(m for s, m in accepted[:k] if s > t - DAY)
            assert before < limit, (t, before)


# -- 3: refused sends consume nothing; accepted ones exactly their recipients --


@PROPERTY_SETTINGS
@given(quota=quotas(unlimited=True), start=starts, plan=sends)
def test_refused_sends_consume_nothing(
    quota: Quota, start: float, plan: list[tuple[float, int]]
) -> None:
    """At one instant, around each send: a refused send leaves the rate
    allowance and the 24-hour usage exactly as they were; an accepted one
    takes exactly its recipients from both (from the allowance only when the
    rate is limited). The decision reports what the observers read before it."""
    clock = FakeClock(start)
    engine = make_engine(clock, (REGION, quota))
    for step, n in plan:
        clock.advance(step)
        available = engine.available(REGION)
        used = engine.sent_last_24_hours(REGION)
        d = engine.try_send(REGION, n)
        assert d.available == available
        assert d.sent_last_24_hours == used
        if d.accepted:
            expected_available = available - n if quota.rate_limited else available
            assert engine.available(REGION) == expected_available
            assert engine.sent_last_24_hours(REGION) == used + n
        else:
            assert engine.available(REGION) == available
            assert engine.sent_last_24_hours(REGION) == used
        # Reading again at the same instant changes nothing either.
        assert engine.available(REGION) == engine.available(REGION)
        assert engine.sent_last_24_hours(REGION) == engine.sent_last_24_hours(REGION)


# -- 6 (and liveness): decisions against exact models ---------------------------


@PROPERTY_SETTINGS
@given(quota=quotas(unlimited=True), start=starts, plan=sends)
def test_decisions_match_exact_models(
    quota: Quota, start: float, plan: list[tuple[float, int]]
) -> None:
    """Every decision is the one an exact model predicts, so the engine refuses
    neither less (safety) nor more (liveness) than it should:

    * SentLast24Hours equals the 1-second-slot model exactly, and lies between
      the exact rolling sum and that sum plus the recipients sent in the slot
      of the 24-hour horizon, at or before it;
    * the daily answer follows from it (``daily`` is checked first);
    * the rate allowance matches an exact rational token bucket over the same
      clock readings, and a send is refused for the rate iff that bucket holds
      less than one token (up to float rounding right at 1.0).
    """
    clock = FakeClock(start)
    engine = make_engine(clock, (REGION, quota))
    capacity = Fraction(quota.capacity)
    rate = Fraction(quota.max_send_rate)
    tokens: Fraction | None = None
    refilled_at = 0.0
    accepted: list[tuple[float, int]] = []

    for step, n in plan:
        now = clock.advance(step)
        # Exact bucket, refilled at every considered send (as in the engine).
        if tokens is None:
            tokens = capacity
        elif now > refilled_at:
            tokens = min(capacity, tokens + (Fraction(now) - Fraction(refilled_at)) * rate)
        refilled_at = now
        # Rolling window: exact, and with the engine's 1 s slots.
        horizon = now - DAY
        latest: dict[int, float] = {}
        for t, _ in accepted:
            slot = math.floor(t)
            latest[slot] = max(latest.get(slot, t), t)
        slotted = sum(m for t, m in accepted if latest[math.floor(t)] > horizon)
        exact = sum(m for t, m in accepted if t > horizon)
        boundary = sum(
            m for t, m in accepted if t <= horizon and math.floor(t) == math.floor(horizon)
        )

        d = engine.try_send(REGION, n)

        assert d.sent_last_24_hours == slotted
        assert exact <= d.sent_last_24_hours <= exact + boundary
        if quota.rate_limited:
            assert abs(d.available - float(tokens)) <= FLOAT_TOL, (d.available, tokens)

        limit = quota.max_24_hour_send
        if not quota.daily_limited:
            daily_refused = False
        elif quota.daily == "would_exceed":
            daily_refused = slotted + n > limit
        else:
            daily_refused = slotted >= limit
        if daily_refused:
            assert (d.accepted, d.reason) == (False, "daily")
        elif not quota.rate_limited or tokens >= 1:
            assert (d.accepted, d.reason) == (True, None)
        elif tokens < 1 - engine_slack(quota.max_send_rate) - FLOAT_TOL:
            assert (d.accepted, d.reason) == (False, "rate")
        else:  # within the engine's slack of exactly one token: either answer
            assert d.reason in (None, "rate")

        event(f"refused: {d.reason}" if d.reason else "accepted")
        if d.sent_last_24_hours > exact:
            event("slot counted a send past the horizon")
        if exact < sum(m for _, m in accepted):
            event("usage left the window")
        if d.accepted:
            accepted.append((now, n))
            if quota.rate_limited:
                tokens -= n


def test_slot_granularity_is_conservative_at_the_horizon() -> None:
    """Two sends in one 1-second slot expire together, 24 h after the later one:
    between the two expiry instants the engine counts the earlier send still
    (refusing what an exact model would accept), and not a moment longer."""
    clock = FakeClock(0.25)  # times exact in binary
    engine = make_engine(clock, (REGION, Quota(10.0, UNLIMITED, None, "would_exceed")))
    assert engine.try_send(REGION, 3).accepted
    clock.now = 0.75
    assert engine.try_send(REGION, 4).accepted
    clock.now = DAY + 0.5  # the send at 0.25 is 24 h old, the one at 0.75 is not
    assert engine.sent_last_24_hours(REGION) == 7  # exact: 4
    d = engine.try_send(REGION, 4)
    assert (d.accepted, d.reason, d.sent_last_24_hours) == (False, "daily", 7)
    clock.now = DAY + 0.75  # the slot's latest send is 24 h old: the slot leaves
    assert engine.sent_last_24_hours(REGION) == 0
    d = engine.try_send(REGION, 10)
    assert (d.accepted, d.sent_last_24_hours) == (True, 0)
    assert engine.sent_last_24_hours(REGION) == 10


# -- 4: multi-recipient debt ---------------------------------------------------


def test_debt_of_a_ten_recipient_send_at_one_per_second() -> None:
    clock = FakeClock(DEFAULT_START)
    engine = make_engine(clock, (REGION, Quota(UNLIMITED, 1.0, None, "would_exceed")))
    d = engine.try_send(REGION, 10)
    assert (d.accepted, d.available, d.sent_last_24_hours) == (True, 1.0, 0)
    assert engine.available(REGION) == -9.0

    for offset in [0.0, 0.001, 0.5, 1.0, 2.5, 5.0, 8.0, 9.0, 9.5, 9.99, 9.999]:
        clock.now = DEFAULT_START + offset
        for recipients in (1, 3):
            d = engine.try_send(REGION, recipients)
            assert (d.accepted, d.reason) == (False, "rate"), offset
            assert d.available == pytest.approx(-9.0 + offset, abs=1e-6)
            assert d.sent_last_24_hours == 10

    clock.now = DEFAULT_START + 10.0
    d = engine.try_send(REGION, 1)
    assert (d.accepted, d.reason, d.available, d.sent_last_24_hours) == (True, None, 1.0, 10)
    assert engine.available(REGION) == 0.0
    assert engine.try_send(REGION, 1).reason == "rate"


def test_fourteen_per_second_burst_then_one_fourteenth() -> None:
    clock = FakeClock(0.0)
    engine = make_engine(clock, (REGION, Quota(UNLIMITED, 14.0, None, "would_exceed")))
    for i in range(14):
        d = engine.try_send(REGION, 1)
        assert (d.accepted, d.available) == (True, 14.0 - i)
    d = engine.try_send(REGION, 1)
    assert (d.accepted, d.reason, d.available, d.sent_last_24_hours) == (False, "rate", 0.0, 14)

    clock.advance(1 / 14)
    d = engine.try_send(REGION, 1)
    assert d.accepted
    assert d.available == pytest.approx(1.0, abs=1e-9)
    assert d.sent_last_24_hours == 14
    assert engine.try_send(REGION, 1).reason == "rate"


def test_fourteen_per_second_one_fourteenth_later_on_an_epoch_clock() -> None:
    clock = FakeClock(DEFAULT_START)
    engine = make_engine(clock, (REGION, Quota(UNLIMITED, 14.0, None, "would_exceed")))
    assert all(engine.try_send(REGION, 1).accepted for _ in range(14))
    assert engine.try_send(REGION, 1).reason == "rate"
    clock.advance(1 / 14)
    assert engine.try_send(REGION, 1).accepted


@PROPERTY_SETTINGS
@given(
    rate=st.sampled_from([0.5, 1.0, 2.0, 4.0, 8.0]),
    burst=st.one_of(st.none(), st.integers(min_value=1, max_value=10).map(float)),
    recipients=st.integers(min_value=1, max_value=50),
    start=st.sampled_from([0.0, 1000.0, DEFAULT_START]),
    probes=st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True), max_size=8),
)
def test_debt_is_repaid_at_the_rate_exactly(
    rate: float, burst: float | None, recipients: int, start: float, probes: list[float]
) -> None:
    """After one n-recipient send on a full bucket of capacity C, every send is
    throttled for exactly (n - C + 1) / rate seconds, then accepted with one
    token. Rates are powers of two and times multiples of 1/64 s, so every
    number is exact even on an epoch-scale clock."""
    quota = Quota(UNLIMITED, rate, burst, "would_exceed")
    capacity = quota.capacity
    clock = FakeClock(start)
    engine = make_engine(clock, (REGION, quota))
    assert engine.try_send(REGION, recipients).accepted
    wait = max(0.0, (recipients - capacity + 1) / rate)
    for fraction in sorted(probes) if wait > 0 else []:
        offset = math.floor(fraction * wait * 64) / 64  # in [0, wait)
        clock.now = start + offset
        d = engine.try_send(REGION, 1 + int(fraction * 49))
        assert (d.accepted, d.reason) == (False, "rate")
        assert d.available == capacity - recipients + rate * offset
    clock.now = start + wait
    d = engine.try_send(REGION, 1)
    assert (d.accepted, d.reason) == (True, None)
    assert d.available == (1.0 if wait > 0 else capacity - recipients)


# -- 5: regions are independent -------------------------------------------------


@PROPERTY_SETTINGS
@given(
    quota_a=quotas(unlimited=True),
    quota_b=quotas(unlimited=True),
    start=starts,
    plan=st.integers(min_value=1, max_value=60).flatmap(
        lambda size: st.lists(
            st.tuples(steps, st.sampled_from([REGION, OTHER]), recipient_counts),
            min_size=size,
            max_size=size,
        )
    ),
)
def test_regions_are_independent(
    quota_a: Quota, quota_b: Quota, start: float, plan: list[tuple[float, str, int]]
) -> None:
    """Sends interleaved over two regions get exactly the decisions each region
    would get alone (on an engine that never saw the other region)."""
    clock = FakeClock(start)
    both = make_engine(clock, (REGION, quota_a), (OTHER, quota_b))
    alone = {
        REGION: make_engine(clock, (REGION, quota_a)),
        OTHER: make_engine(clock, (OTHER, quota_b)),
    }
    for step, region, n in plan:
        clock.advance(step)
        assert both.try_send(region, n) == alone[region].try_send(region, n)
    for region, engine in alone.items():
        if region in engine.regions:
            assert both.sent_last_24_hours(region) == engine.sent_last_24_hours(region)
            assert both.available(region) == engine.available(region)
    assert both.regions == sorted({region for _, region, _ in plan})


# -- 7: bounded memory ------------------------------------------------------------


def test_window_memory_is_bounded() -> None:
    """Over 3+ virtual days of unlimited sending, the window keeps one entry
    per 1-second slot of the last 24 hours at most, and counts exactly the
    sends of the last 24 hours (each send is alone in its slot here)."""
    count, step = 200_000, 1.3
    clock = FakeClock(0.0)
    engine = make_engine(clock, (REGION, Quota(UNLIMITED, UNLIMITED, None, "would_exceed")))
    quota = engine.region(REGION)
    longest = 0
    for k in range(count):
        clock.now = k * step
        engine.try_send(REGION, 1)
        if k % 10_000 == 0:
            longest = max(longest, len(quota._window))
    assert count * step > 3 * DAY
    now = clock.now
    in_last_day = sum(1 for k in range(count) if k * step > now - DAY)
    assert len(quota._window) == in_last_day == engine.sent_last_24_hours(REGION)
    assert in_last_day == math.ceil(DAY / step) or in_last_day == math.floor(DAY / step)
    assert max(longest, len(quota._window)) <= DAY + 1


def test_window_memory_is_bounded_by_slots_under_dense_sending() -> None:
    """Two sends per second for 25 hours: entries merge per 1-second slot, so
    the window holds exactly 86,401 entries (the slot of the horizon included:
    its latest send is 0.5 s inside the 24 hours) and counts one send more than
    the exact rolling sum (the send exactly at the horizon)."""
    clock = FakeClock(0.0)
    engine = make_engine(clock, (REGION, Quota(UNLIMITED, UNLIMITED, None, "would_exceed")))
    quota = engine.region(REGION)
    count = 180_001  # times 0, 0.5, ..., 90000.0 (exact in binary)
    for k in range(count):
        clock.now = k * 0.5
        engine.try_send(REGION, 1)
    assert clock.now == 90_000.0
    assert len(quota._window) == 86_401 == DAY + 1
    exact = sum(1 for k in range(count) if k * 0.5 > clock.now - DAY)
    assert exact == 172_800
    assert engine.sent_last_24_hours(REGION) == 172_801
    clock.advance(0.5)  # the horizon slot's latest send leaves the window
    assert engine.sent_last_24_hours(REGION) == 172_799
    assert len(quota._window) == 86_400


# -- regressions: bugs these properties found, fixed in the engine -------------


def test_unlimited_rate_allowance_does_not_drain_with_time() -> None:
    clock = FakeClock(0.0)
    engine = make_engine(clock, (REGION, Quota(UNLIMITED, UNLIMITED, None, "would_exceed")))
    before = engine.available(REGION)
    clock.advance(10.0)
    assert engine.available(REGION) >= before


def test_configuring_a_rate_after_an_unlimited_one_starts_with_a_full_bucket() -> None:
    clock = FakeClock(0.0)
    engine = make_engine(clock, (REGION, Quota(UNLIMITED, UNLIMITED, None, "would_exceed")))
    assert engine.try_send(REGION, 1).accepted
    clock.advance(10.0)
    engine.configure(REGION, max_send_rate=1.0)
    assert engine.try_send(REGION, 1).accepted


@pytest.mark.parametrize("mode", DAILY_MODES)
def test_recipients_outside_the_daily_quota_take_rate_only(mode) -> None:
    """The mailbox simulator's: ``daily=`` counts part of a send toward the day."""
    clock = FakeClock(DEFAULT_START)
    engine = make_engine(clock, (REGION, Quota(3.0, 10.0, None, mode)))
    assert engine.try_send(REGION, 3).accepted  # the day is used up
    d = engine.try_send(REGION, 4, daily=0)
    assert (d.accepted, d.sent_last_24_hours) == (True, 3)
    assert engine.sent_last_24_hours(REGION) == 3
    assert engine.available(REGION) == 3.0  # 10 - 3 - 4
    assert engine.try_send(REGION, 2, daily=1).reason == "daily"
    with pytest.raises(ValueError, match="daily=3 is not between 0 and recipients=2"):
        engine.try_send(REGION, 2, daily=3)
