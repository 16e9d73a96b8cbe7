"""Per send through a configuration set with two event destinations, against the same
send naming none: what a set costs a send (target: at most 1.20x), SES v1 and v2.

All four contenders run in the same rounds, timed in this process's CPU time, each
round a new account with the set made through the API, as a test would make it.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable
from typing import Any

import boto3

from pytest_sesquota import SesAccount

from ..measure import Row, Size, cpu_clock, interleaved
from .per_send import MESSAGE

APIS = {"ses": "SES v1", "sesv2": "SES v2"}
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"


def _with_set(client: Any, service: str) -> None:
    """A set with two event destinations, through the API of ``service``."""
    if service == "ses":
        client.create_configuration_set(ConfigurationSet={"Name": "bench"})
        for name in ("sns", "metrics"):
            client.create_configuration_set_event_destination(
                ConfigurationSetName="bench",
                EventDestination={
                    "Name": name,
                    "Enabled": True,
                    "MatchingEventTypes": ["send", "delivery", "bounce"],
                    "SNSDestination": {"TopicARN": TOPIC},
                },
            )
        return
    client.create_configuration_set(ConfigurationSetName="bench")
    for name in ("sns", "bus"):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="bench",
            EventDestinationName=name,
            EventDestination={
                "Enabled": True,
                "MatchingEventTypes": ["SEND", "DELIVERY", "BOUNCE"],
                "SnsDestination": {"TopicArn": TOPIC},
            },
        )


def _send(client: Any, service: str, i: int, extra: dict[str, str]) -> None:
    if service == "ses":
        client.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": [f"u{i}@example.com"]},
            Message=MESSAGE,
            **extra,
        )
    else:
        client.send_email(
            FromEmailAddress="app@example.com",
            Destination={"ToAddresses": [f"u{i}@example.com"]},
            Content={"Simple": MESSAGE},
            **extra,
        )


def _round(service: str, sends: int, through_set: bool) -> float:
    with SesAccount(max_24_hour_send=-1, max_send_rate=-1):
        client = boto3.client(service, region_name="us-east-1")
        extra = {}
        if through_set:
            _with_set(client, service)
            extra = {"ConfigurationSetName": "bench"}
        _send(client, service, -1, extra)  # what botocore caches per client, untimed
        start = cpu_clock()
        for i in range(sends):
            _send(client, service, i, extra)
        return (cpu_clock() - start) / sends


def configuration_set(size: Size) -> list[Row]:
    """Per send through a configuration set with two destinations, against no set."""
    rounds, sends = size.pick(full=(41, 100), quick=(9, 50), smoke=(1, 3))
    contenders: dict[str, Callable[[], float]] = {}
    for service, label in APIS.items():
        for through_set in (False, True):
            name = f"{label} {'through a set' if through_set else 'no set'}"
            contenders[name] = functools.partial(_round, service, sends, through_set)
    samples = interleaved(contenders, rounds)
    group = "per send through a configuration set with two event destinations, boto3"
    rows = []
    for label in APIS.values():
        base, through = samples[f"{label} no set"], samples[f"{label} through a set"]
        paired = sorted(t / b for t, b in zip(through, base, strict=True))
        rows.append(
            Row(group, f"{label}: no configuration set", statistics.median(base) * 1e6,
                "µs/send (CPU)", 1.0)
        )  # fmt: skip
        rows.append(
            Row(
                group,
                f"{label}: ConfigurationSetName, a set with two destinations",
                statistics.median(through) * 1e6,
                "µs/send (CPU)",
                statistics.median(through) / statistics.median(base),
                note=f"target <= 1.20x no set; per-round ratios: median "
                f"{statistics.median(paired):.3f}",
            )
        )
    rows[-1].note += f"; {rounds} rounds x {sends} sends, the 4 interleaved"
    return rows
