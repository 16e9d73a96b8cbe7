"""Per send through a configuration set with two event destinations (SES's events made
and published at each send), against a send through none and the canned floor, SES v2.

The issue's budget: a send through a set with two destinations costs at most 1.2x a send
through none. Timed in this process's CPU time, all three in the same rounds (see
``floor.py``); without moto nothing is published further than the account's record.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable
from typing import Any

import boto3

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.configuration_sets import ConfigurationSet, ConfigurationSets
from pytest_sesquota.account.events import EventDestination

from ..measure import Row, Size, cpu_clock, interleaved
from .per_send import MESSAGE, SENDERS, floor_client, timed

TOPICS = ("arn:aws:sns:us-east-1:123456789012:events", "arn:aws:sns:us-east-1:123456789012:b")


def _with_set(client: Any, i: int) -> None:
    client.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": [f"u{i}@example.com"]},
        Content={"Simple": MESSAGE},
        ConfigurationSetName="tracked",
    )


def _round(sends: int, *, tracked: bool) -> float:
    with SesAccount(max_24_hour_send=-1, max_send_rate=-1) as account:
        if tracked:
            destinations = {
                f"d{n}": EventDestination(
                    f"d{n}", True, ("SEND", "DELIVERY", "BOUNCE"), sns_topic_arn=topic
                )
                for n, topic in enumerate(TOPICS)
            }
            part_of(account, ConfigurationSets).put(
                ConfigurationSet("tracked", account.clock.now(), event_destinations=destinations)
            )
        client = boto3.client("sesv2", region_name="us-east-1")
        send = _with_set if tracked else SENDERS["sesv2"]
        send(client, -1)  # the client's first send loads what botocore caches
        start = cpu_clock()
        for i in range(sends):
            send(client, i)
        return (cpu_clock() - start) / sends


def events(size: Size) -> list[Row]:
    """SES v2 per send through a configuration set with two event destinations."""
    rounds, sends = size.pick(full=(41, 100), quick=(11, 50), smoke=(1, 3))
    canned = floor_client("sesv2")
    SENDERS["sesv2"](canned, -1)
    contenders: dict[str, Callable[[], float]] = {
        "floor": functools.partial(timed, "sesv2", canned, sends, cpu_clock),
        "plain": functools.partial(_round, sends, tracked=False),
        "tracked": functools.partial(_round, sends, tracked=True),
    }
    samples = interleaved(contenders, rounds)
    group = "per send through a configuration set with two event destinations, SES v2"
    floor, plain, tracked = (statistics.median(samples[k]) for k in contenders)
    paired = sorted(t / p for t, p in zip(samples["tracked"], samples["plain"], strict=True))
    return [
        Row(group, "floor, before-send canned success (signed)", floor * 1e6, "µs/send (CPU)", 1.0),
        Row(
            group,
            "pytest-sesquota fake, no configuration set",
            plain * 1e6,
            "µs/send (CPU)",
            plain / floor,
        ),
        Row(
            group,
            "pytest-sesquota fake, a set with two destinations",
            tracked * 1e6,
            "µs/send (CPU)",
            tracked / floor,
            note=f"target <= 1.20x the send through no set: {tracked / plain:.2f}x "
            f"(per-round median {statistics.median(paired):.3f}); {rounds} rounds x {sends} sends",
        ),
    ]
