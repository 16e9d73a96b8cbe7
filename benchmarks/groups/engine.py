"""The quota engine alone (``QuotaEngine`` on a fake clock): decisions per second over a
virtual day, and its peak memory, which must not grow with the number of sends."""

from __future__ import annotations

import gc
import statistics
import tracemalloc

from pytest_sesquota import QuotaEngine, RegionQuota

from ..measure import Row, Size, clock, interleaved

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _day(decisions: int, rate: float, daily: float, trace: bool = False) -> tuple[float, int, int]:
    """Spread ``decisions`` one-recipient sends evenly over 24 virtual hours.

    Returns (decisions per wall second, accepted, peak bytes if traced)."""
    now = [START]
    engine = QuotaEngine(
        lambda: now[0], lambda _r: RegionQuota(max_24_hour_send=daily, max_send_rate=rate)
    )
    step = 86_400.0 / decisions
    try_send = engine.try_send
    accepted = 0
    gc.collect()
    if trace:
        tracemalloc.start()
    start = clock()
    for i in range(decisions):
        now[0] = START + i * step
        accepted += try_send("us-east-1", 1).accepted
    wall = clock() - start
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return decisions / wall, accepted, peak


def engine(size: Size) -> list[Row]:
    """The quota engine alone: decisions per second, and memory flat over a day's sends."""
    rounds = size.pick(full=3, quick=1, smoke=1)
    # A full day of attempts at 14 per second (a tenth of it when smoking).
    production = size.pick(full=14 * 86_400, quick=14 * 86_400, smoke=14 * 8_640)
    small, large = size.pick(
        full=(1_000_000, 10_000_000), quick=(200_000, 2_000_000), smoke=(10_000, 20_000)
    )
    outcome: dict[str, int] = {}

    def day_at_14() -> float:
        rate, outcome["production"], _ = _day(production, 14.0, 50_000.0)
        return rate

    def unlimited() -> float:
        rate, _, _ = _day(small, -1.0, -1.0)
        return rate

    samples = interleaved({"production": day_at_14, "unlimited": unlimited}, rounds)
    _, _, peak_small = _day(small, -1.0, -1.0, trace=True)
    _, _, peak_large = _day(large, -1.0, -1.0, trace=True)
    group = "quota engine (QuotaEngine, fake clock)"
    return [
        Row(
            group,
            f"production day: {production:,} attempts at 14/s, 50,000/24 h",
            statistics.median(samples["production"]),
            "decisions/s",
            note=f"{outcome['production']:,} accepted (the quota), the rest refused",
        ),
        Row(
            group,
            f"unlimited day: {small:,} sends",
            statistics.median(samples["unlimited"]),
            "decisions/s",
        ),
        Row(
            group,
            f"peak memory, a day of {small:,} sends",
            peak_small / 2**20,
            "MiB",
            note="tracemalloc",
        ),
        Row(
            group,
            f"peak memory, a day of {large:,} sends",
            peak_large / 2**20,
            "MiB",
            peak_large / peak_small,
            note=f"ratio to the {small:,}-send day: memory does not grow with sends",
        ),
    ]
