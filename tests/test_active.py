"""The registry of what is active in the process (``pytest_sesquota.active.ACTIVE``):
an account turned on fills it, turned off leaves it as it was; a second is refused
before anything changes; a clock alone, or an activation that fails halfway, leaves
nothing behind either."""

from __future__ import annotations

import asyncio
import time

import pytest

from pytest_sesquota import SesAccount, SesClock, current_account
from pytest_sesquota.active import ACTIVE, Active
from pytest_sesquota.doors import requests_door


def snapshot() -> dict[str, object]:
    """Every slot of the registry (containers copied, so later changes show)."""
    return {
        name: list(value)
        if isinstance(value, list)
        else dict(value)
        if isinstance(value, dict)
        else value
        for name, value in vars(ACTIVE).items()
    }


def test_an_account_fills_the_registry_and_leaves_it_as_it_was():
    before = snapshot()
    assert before["account"] is None and before["clock"] is None and before["loops"] is None
    with SesAccount() as account:
        assert ACTIVE.account is account is current_account()
        assert ACTIVE.activation.account is account
        assert ACTIVE.clock is account.clock
        assert ACTIVE.faked
        # The test thread's event loops run on the same clock.
        asyncio.run(asyncio.sleep(30))
        assert account.clock.elapsed() == 30
    assert snapshot() == before
    assert not ACTIVE.faked


def test_the_fixture_is_the_active_account(ses_account, ses_clock):
    assert ACTIVE.account is ses_account
    assert ACTIVE.clock is ses_clock


def test_a_second_account_is_refused_before_anything_changes():
    with SesAccount() as first:
        during = snapshot()
        second = SesAccount()
        with pytest.raises(RuntimeError) as raised:
            second.__enter__()
        assert str(raised.value) == (
            f"another fake SES account is already active ({first!r}); "
            "pytest-sesquota runs one account at a time per process"
        )
        assert snapshot() == during
        assert not second.active and not second.clock.running
        time.sleep(5)  # still the first account's clock
        assert first.clock.elapsed() == 5
    assert ACTIVE.account is None


def test_an_activation_failing_halfway_leaves_nothing_behind(monkeypatch):
    before = snapshot()

    def refuse(_door):
        raise OSError("no requests door today")

    monkeypatch.setattr(requests_door.RequestsDoor, "start", refuse)
    account = SesAccount()
    with pytest.raises(OSError, match="no requests door today"):
        account.__enter__()
    assert snapshot() == before
    assert not account.clock.running


def test_a_clock_alone_is_the_time_source_while_it_runs():
    before = snapshot()
    clock = SesClock(SesAccount().clock.start_time)
    clock.start()
    try:
        assert ACTIVE.clock is clock and ACTIVE.account is None
        time.sleep(60)
        assert clock.elapsed() == 60
        with pytest.raises(RuntimeError, match="one virtual clock at a time"):
            SesClock(clock.start_time).start()
    finally:
        clock.stop()
    assert snapshot() == before


def test_turning_off_another_activation_changes_nothing():
    registry = Active()
    mine, other = object(), object()
    registry.turn_on(mine, "account")
    registry.turn_off(other)
    assert (registry.activation, registry.account) == (mine, "account")
    registry.turn_off(mine)
    assert (registry.activation, registry.account) == (None, None)
    assert repr(registry) == "<Active nothing>"
