"""Per-send overhead of boto3's send_email through the fake, against the floor.

The floor is a ``before-send`` handler returning a canned success: botocore still
serializes, runs its retry loop and parses, so no faithful fake can cost less
(the fake also skips signing, which the floor does not). Both run interleaved in
one process, and the ratio of medians is what to read: the machine is shared.

    python benchmarks/per_send.py [--rounds 15] [--sends 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import boto3
from botocore.awsrequest import AWSResponse

from pytest_sesquota import SesAccount

MESSAGE = {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}
CANNED = (
    b'<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
    b"<SendEmailResult><MessageId>0100-x-000000</MessageId></SendEmailResult>"
    b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendEmailResponse>"
)


# freezegun rewrites module attributes bound to time functions, not a tuple's items:
# the fake's frozen clock must not stop the benchmark's own stopwatch.
_WALL = (time.perf_counter,)


class _Raw:
    def stream(self, **_kwargs):
        yield CANNED


def _canned(request, **_kwargs):
    return AWSResponse(request.url, 200, {}, _Raw())


def _time_sends(client, sends: int) -> float:
    start = _WALL[0]()
    for i in range(sends):
        client.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": [f"u{i}@example.com"]},
            Message=MESSAGE,
        )
    return (_WALL[0]() - start) / sends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sends", type=int, default=300)
    args = parser.parse_args()
    floor_client = boto3.client(
        "ses", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    floor_client.meta.events.register_first("before-send.ses.SendEmail", _canned)
    fake_times, floor_times = [], []
    for _ in range(args.rounds):
        floor_times.append(_time_sends(floor_client, args.sends))
        with SesAccount(max_24_hour_send=-1, max_send_rate=-1):
            fake_client = boto3.client("ses", region_name="us-east-1")
            fake_times.append(_time_sends(fake_client, args.sends))
    floor, fake = statistics.median(floor_times), statistics.median(fake_times)
    print(f"{'path':<44} {'median per send':>16} {'ratio':>7}")
    print(f"{'floor: before-send canned success':<44} {floor * 1e6:>13.0f} us {1:>7.2f}")
    label = "pytest-sesquota fake (ledger, quotas)"
    print(f"{label:<44} {fake * 1e6:>13.0f} us {fake / floor:>7.2f}")
    print(f"({args.rounds} rounds x {args.sends} sends, interleaved)")


if __name__ == "__main__":
    main()
