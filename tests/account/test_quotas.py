from __future__ import annotations

import pytest

from pytest_sesquota.account.quotas import Quotas
from pytest_sesquota.quota.engine import UNLIMITED


def test_a_region_starts_as_the_options_say_and_logs_it(make_parts):
    parts = make_parts(profile="sandbox", sent_last_24_hours=5)
    quotas = parts.add(Quotas(parts.context))
    assert quotas.quota() == (200.0, 1.0, 5.0)
    assert quotas.in_sandbox()
    assert [(c.region, c.max_24_hour_send, c.sent_last_24_hours) for c in quotas.log] == [
        ("us-east-1", 200.0, 5)
    ]


def test_sends_are_charged_and_the_sandbox_left(make_parts):
    parts = make_parts(profile="sandbox")
    quotas = parts.add(Quotas(parts.context))
    region = quotas.region(None)
    assert quotas.try_send(region, 1, daily=1).accepted
    refused = quotas.try_send(region, 1, daily=1)
    assert (refused.accepted, refused.reason) == (False, "rate")
    quotas.move_out_of_sandbox()
    assert not quotas.in_sandbox()
    assert quotas.quota()[:2] == (50_000.0, 14.0)
    assert [c.sent_last_24_hours for c in quotas.log] == [0, None]


def test_set_quota_checks_its_values(make_parts):
    parts = make_parts()
    quotas = parts.add(Quotas(parts.context))
    quotas.set_quota(max_24_hour_send=UNLIMITED, sent_last_24_hours=7, region="eu-west-1")
    assert quotas.quota("eu-west-1") == (UNLIMITED, 1.0, 7.0)
    with pytest.raises(Exception, match="max_send_rate"):
        quotas.set_quota(max_send_rate="fast")  # type: ignore[arg-type]


def test_export_and_restore_with_the_usage_apart(make_parts):
    parts = make_parts(profile="production", sent_last_24_hours=3)
    quotas = parts.add(Quotas(parts.context))
    region = quotas.region(None)
    quotas.try_send(region, 2, daily=2)
    data = quotas.export(region)
    assert "window" not in data and data["production"] is True
    _oldest, window = quotas.usage_since(region, -1.0)
    other = make_parts(profile="sandbox")
    again = other.add(Quotas(other.context))
    again.region(region)
    again.restore(region, data)
    again.restore_usage(region, window)
    assert again.quota(region) == quotas.quota(region)
    assert not again.in_sandbox(region)


def test_the_api_rate_limit_is_off_unless_set(make_parts):
    parts = make_parts()
    assert all(parts.add(Quotas(parts.context)).allow_api_call() for _ in range(10))
    limited = make_parts(api_rate_limit=1)
    quotas = limited.add(Quotas(limited.context))
    assert [quotas.allow_api_call() for _ in range(3)] == [True, False, False]
    limited.clock.advance(seconds=1)
    assert quotas.allow_api_call()
