"""aiobotocore's ``send_email`` through the fake against the same client answered by a
canned ``before-send`` handler: the fake's cost over aiobotocore's own.

Needs the ``aio`` extra, in a venv of its own (aiobotocore pins botocore); skipped
without it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from pytest_sesquota import SesAccount

from ..measure import Row, Size, against, clock, interleaved
from .per_send import CANNED, FAKE, FLOOR, KEYS, MESSAGE, Raw


async def _send(client: Any, i: int) -> None:
    await client.send_email(
        Source="app@example.com",
        Destination={"ToAddresses": [f"u{i}@example.com"]},
        Message=MESSAGE,
    )


def aio(size: Size) -> list[Row]:
    """aiobotocore SES v1 per send: the fake against the canned floor (the aio extra)."""
    try:
        from aiobotocore.awsrequest import AioAWSResponse
        from aiobotocore.session import get_session
    except ImportError:
        print('aio: skipped, needs pip install -e ".[aio]"', file=sys.stderr)
        return []

    rounds, sends = size.pick(full=(15, 200), quick=(3, 100), smoke=(1, 3))

    class AioRaw(Raw):
        raw_headers = ()  # aiobotocore before 2.13 reads the headers from here

        async def read(self, _amount: int | None = None) -> bytes:
            return self.body

    async def timed(canned: bool) -> float:
        session = get_session()
        async with session.create_client("ses", region_name="us-east-1", **KEYS) as client:
            if canned:
                client.meta.events.register_first(
                    "before-send.ses",
                    lambda request, **_: AioAWSResponse(
                        request.url, 200, {}, AioRaw(CANNED["ses"])
                    ),
                )
            await _send(client, 0)  # the client's first call loads its models
            start = clock()
            for i in range(sends):
                await _send(client, i)
            return (clock() - start) / sends

    def floor() -> float:
        return asyncio.run(timed(True))

    def fake() -> float:
        with SesAccount(max_24_hour_send=-1, max_send_rate=-1):
            return asyncio.run(timed(False))

    samples = interleaved({FLOOR: floor, FAKE: fake}, rounds)
    rows = against("per send, aiobotocore ses", samples, FLOOR, "µs/send", 1e6)
    rows[1].note = "target <= 1.20x floor"
    rows[0].note = f"{rounds} rounds x {sends} sends, interleaved"
    return rows
