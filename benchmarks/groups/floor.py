"""Per send through the fake against the canned-response floor, SES v1 and v2 interleaved.

The check of the fake's own cost: botocore signs the floor's requests and the fake skips
signing, so a send through the fake can cost no more than the floor (target: ratio <= 1.00
for both APIs). All four contenders run in the same rounds, timed in this process's CPU
time: all their work is done here, and on a shared machine the wall time of the same
sends swings with the other processes' load. Besides the ratio of the medians, each
API's note gives the median of the per-round ratios (each round's fake over the same
round's floor), which a machine's slow minutes disturb less.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable

from ..measure import Row, Size, cpu_clock, interleaved
from .per_send import SENDERS, fake_round, floor_client, timed

APIS = {"ses": "SES v1", "sesv2": "SES v2"}


def floor(size: Size) -> list[Row]:
    """SES v1 and v2 per send, the fake against the canned floor, in the same rounds."""
    rounds, sends = size.pick(full=(61, 100), quick=(11, 50), smoke=(1, 3))
    contenders: dict[str, Callable[[], float]] = {}
    for service, label in APIS.items():
        # Both clients' first sends untimed: they load what botocore caches per client.
        canned = floor_client(service)
        SENDERS[service](canned, -1)
        contenders[f"{label} floor"] = functools.partial(timed, service, canned, sends, cpu_clock)
        contenders[f"{label} fake"] = functools.partial(
            fake_round, service, sends, cpu_clock, warm=True
        )
    samples = interleaved(contenders, rounds)
    group = "per send through the fake against the floor, boto3 send_email"
    rows = []
    for label in APIS.values():
        base, fake = samples[f"{label} floor"], samples[f"{label} fake"]
        paired = sorted(f / b for f, b in zip(fake, base, strict=True))
        quartiles = statistics.quantiles(paired, n=4) if len(paired) > 1 else [paired[0]] * 3
        rows.append(
            Row(
                group,
                f"{label}: floor, before-send canned success (signed)",
                statistics.median(base) * 1e6,
                "µs/send (CPU)",
                1.0,
            )
        )
        rows.append(
            Row(
                group,
                f"{label}: pytest-sesquota fake (unsigned)",
                statistics.median(fake) * 1e6,
                "µs/send (CPU)",
                statistics.median(fake) / statistics.median(base),
                note=f"target <= 1.00x floor; per-round ratios: median "
                f"{statistics.median(paired):.3f}, quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f}",
            )
        )
    rows[-1].note += f"; {rounds} rounds x {sends} sends, the 4 interleaved"
    return rows
