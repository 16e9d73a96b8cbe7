"""The outbox worker: ``python -m outbox.worker QUEUE_FILE``.

Runs as its own process, as a Celery or RQ worker would, and finds SES the way any
deployed worker does: boto3 reads the endpoint, region and credentials from the
environment (``AWS_ENDPOINT_URL_SESV2``, ``AWS_REGION``, ...). For each queued message:

* sent: its message id is recorded;
* ``TooManyRequestsException`` with ``Daily message quota exceeded.`` (the daily quota):
  stop; this message and the rest stay queued for tomorrow. SES v2 answers both quotas
  with the same code and HTTP 429: only the message tells them apart;
* ``TooManyRequestsException`` otherwise (the send rate): wait, doubling the wait each
  time, and try again: a throttled message is retried, never dropped;
* anything else SES refuses: recorded as failed, with SES's code.

It prints a JSON report on stdout: ``{"sent": {...}, "deferred": [...], "failed": {...},
"throttled": n}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

#: The worker handles throttles itself: botocore's own retries are turned off.
ses = boto3.client("sesv2", config=Config(retries={"total_max_attempts": 1}))

FIRST_WAIT = 0.02  # seconds, real time, in this process
DAILY_EXCEEDED = "Daily message quota exceeded."
MAX_WAIT = 0.5


def send(message: dict[str, str]) -> str:
    reply = ses.send_email(
        FromEmailAddress="Shop <shop@example.com>",
        Destination={"ToAddresses": [message["to"]]},
        Content={
            "Simple": {
                "Subject": {"Data": message["subject"]},
                "Body": {"Text": {"Data": message["body"]}},
            }
        },
    )
    return str(reply["MessageId"])


def drain(queue: list[dict[str, str]]) -> dict[str, object]:
    sent: dict[str, str] = {}
    failed: dict[str, str] = {}
    throttled = 0
    for position, message in enumerate(queue):
        wait = FIRST_WAIT
        while True:
            try:
                sent[message["to"]] = send(message)
                break
            except ses.exceptions.TooManyRequestsException as error:
                if error.response["Error"]["Message"] == DAILY_EXCEEDED:
                    deferred = [m["to"] for m in queue[position:]]
                    return {
                        "sent": sent,
                        "deferred": deferred,
                        "failed": failed,
                        "throttled": throttled,
                    }
                throttled += 1
                time.sleep(wait)
                wait = min(wait * 2, MAX_WAIT)
            except ses.exceptions.ClientError as error:
                failed[message["to"]] = error.response["Error"]["Code"]
                break
    return {"sent": sent, "deferred": [], "failed": failed, "throttled": throttled}


def main(path: str) -> None:
    queue = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    print(json.dumps(drain(queue)))


if __name__ == "__main__":
    main(sys.argv[1])
