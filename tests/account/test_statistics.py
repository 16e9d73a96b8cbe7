from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_sesquota.account.statistics import Counts, Statistics

from .conftest import START


def test_counts_are_named_and_grouped_by_quarter_hour(make_parts):
    parts = make_parts()
    statistics = parts.add(Statistics(parts.context))
    region = statistics.region(None)
    statistics.count(region, delivery_attempts=3, rejects=1)
    statistics.record_bounces(2)
    parts.clock.advance(minutes=15)
    statistics.record_complaints()
    statistics.count(region)  # nothing to count: no data point
    assert statistics.send_statistics() == [
        {"Timestamp": START, "DeliveryAttempts": 3, "Bounces": 2, "Complaints": 0, "Rejects": 1},
        {
            "Timestamp": START + timedelta(minutes=15),
            "DeliveryAttempts": 0,
            "Bounces": 0,
            "Complaints": 1,
            "Rejects": 0,
        },
    ]
    assert statistics.rows(region, newest_only=True) == [(START.timestamp() + 900, (0, 0, 1, 0))]
    assert Counts(1, 2, 3, 4).as_row() == (1, 2, 3, 4)
    with pytest.raises(ValueError, match=r"record_bounces\(-1\): expected a whole number >= 0"):
        statistics.record_bounces(-1)


def test_two_weeks_are_kept(make_parts):
    parts = make_parts()
    statistics = parts.add(Statistics(parts.context))
    region = statistics.region(None)
    for _ in range(14 * 96 + 3):
        statistics.count(region, delivery_attempts=1)
        parts.clock.advance(minutes=15)
    assert len(statistics.send_statistics()) == 14 * 96
    assert statistics.oldest(region) >= parts.clock.time() - 14 * 86_400 - 900
