"""Each part of the account, alone: built on a context of its own (no account around it)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from pytest_sesquota.account.options import merge
from pytest_sesquota.account.part import Context, Part
from pytest_sesquota.clock.sesclock import DetachedClock

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Parts:
    """Parts sharing one context; a region is set up in every part made so far."""

    def __init__(self, **options: object) -> None:
        self.options = merge([("test", options)])
        self.clock = DetachedClock(START)
        self.parts: list[Part] = []
        self.set_up: set[str] = set()
        self.context = Context(self.options, self.clock, threading.RLock(), self.ensure)

    def ensure(self, region: str | None) -> str:
        name = region or self.options.region
        if name not in self.set_up:
            self.set_up.add(name)
            for part in self.parts:
                part.set_up(name, self.options.settings(name))
        return name

    def add(self, part: Part) -> Part:
        self.parts.append(part)
        for region in self.set_up:
            part.set_up(region, self.options.settings(region))
        return part


@pytest.fixture
def make_parts():
    return Parts
