"""Per send through boto3's ``send_email``: the fake against the floor, moto and a Stubber.

The floor is the same client answered by a ``before-send`` handler returning a canned
success: botocore's own serializing, signing, retry loop and parsing, and nothing else.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from pytest_sesquota import SesAccount

from ..measure import Row, Size, against, clock, interleaved

MESSAGE = {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}
CANNED = {
    "ses": (
        b'<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        b"<SendEmailResult><MessageId>0100-x-000000</MessageId></SendEmailResult>"
        b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendEmailResponse>"
    ),
    "sesv2": b'{"MessageId": "0100-x-000000"}',
}
#: Any key: the floor signs its requests (as a real client does), the fake skips it.
KEYS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}
FLOOR = "floor: before-send canned success"
FAKE = "pytest-sesquota fake"


class Raw:
    """A canned response body, as botocore reads it."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.body


def send_v1(client: Any, i: int) -> None:
    client.send_email(
        Source="app@example.com",
        Destination={"ToAddresses": [f"u{i}@example.com"]},
        Message=MESSAGE,
    )


def send_v2(client: Any, i: int) -> None:
    client.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": [f"u{i}@example.com"]},
        Content={"Simple": MESSAGE},
    )


SENDERS: dict[str, Callable[[Any, int], None]] = {"ses": send_v1, "sesv2": send_v2}


def floor_client(service: str) -> Any:
    """A client of ``service`` whose every send is answered by a canned success."""
    client = boto3.client(service, region_name="us-east-1", **KEYS)
    client.meta.events.register_first(
        f"before-send.{service}",
        lambda request, **_: AWSResponse(request.url, 200, {}, Raw(CANNED[service])),
    )
    return client


def timed(service: str, client: Any, sends: int, stopwatch: Callable[[], float] = clock) -> float:
    """Seconds per send, over ``sends`` sends (wall time unless told)."""
    send = SENDERS[service]
    start = stopwatch()
    for i in range(sends):
        send(client, i)
    return (stopwatch() - start) / sends


def fake_round(
    service: str, sends: int, stopwatch: Callable[[], float] = clock, warm: bool = False
) -> float:
    """A round through the fake: a new account and client, as each test gets; ``warm``:
    the client's first send (which loads what botocore caches, ~1 ms) left untimed."""
    with SesAccount(max_24_hour_send=-1, max_send_rate=-1):
        client = boto3.client(service, region_name="us-east-1")
        if warm:
            SENDERS[service](client, -1)
        return timed(service, client, sends, stopwatch)


def _per_send(service: str, size: Size) -> list[Row]:
    # Imported here: moto's import adds its handler to every botocore client made after,
    # which the other groups' floors must not carry.
    from botocore.stub import Stubber
    from moto import mock_aws

    rounds, sends = size.pick(full=(15, 200), quick=(3, 100), smoke=(1, 3))
    floor = floor_client(service)

    def moto() -> float:
        with mock_aws():
            client = boto3.client(service, region_name="us-east-1", **KEYS)
            boto3.client("ses", region_name="us-east-1", **KEYS).verify_email_identity(
                EmailAddress="app@example.com"
            )
            return timed(service, client, sends)

    stub_client = boto3.client(service, region_name="us-east-1", **KEYS)
    stubber = Stubber(stub_client)
    stubber.activate()

    def stub() -> float:
        for _ in range(sends):  # queued before the clock starts
            stubber.add_response("send_email", {"MessageId": "0100-x-000000"})
        return timed(service, stub_client, sends)

    contenders = {
        FLOOR: lambda: timed(service, floor, sends),
        FAKE: lambda: fake_round(service, sends),
        "moto mock_aws": moto,
        "botocore Stubber (no retry loop)": stub,
    }
    samples = interleaved(contenders, rounds)
    rows = against(f"per send, boto3 {service}", samples, FLOOR, "µs/send", 1e6)
    fake_median = statistics.median(samples[FAKE])
    moto_median = statistics.median(samples["moto mock_aws"])
    rows[
        1
    ].note = (
        f"target <= 1.20x floor; {moto_median / fake_median:.1f}x faster than moto (target >= 2.5x)"
    )
    rows[-1].note = f"{rounds} rounds x {sends} sends, interleaved"
    return rows


def ses(size: Size) -> list[Row]:
    """SES v1 per send: the fake, moto and a Stubber against the canned floor."""
    return _per_send("ses", size)


def sesv2(size: Size) -> list[Row]:
    """SES v2 per send: the fake, moto and a Stubber against the canned floor."""
    return _per_send("sesv2", size)
