"""An async mail service: a web handler queues mail, a worker sends it through SES.

The handler (``post_mail``, as a FastAPI or aiohttp route would be) only queues and
answers at once; the worker drains the queue through an aiobotocore SES v2 client:

* sent: its message id is recorded;
* ``TooManyRequestsException`` ``Maximum sending rate exceeded.``: ``await
  asyncio.sleep`` a wait that doubles each time (up to ``max_wait``), and try again:
  never dropped;
* ``TooManyRequestsException`` ``Daily message quota exceeded.`` (SES v2 tells the two
  quotas apart by the message only): wait ``daily_wait`` (an hour) and try again: the
  mail goes out once the rolling 24 hours allow it;
* anything else SES refuses: recorded as failed, with SES's code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class Mail:
    to: str
    subject: str
    body: str


@dataclass
class MailService:
    ses: Any  # an aiobotocore "sesv2" client, its own retries turned off
    sender: str = "Shop <shop@example.com>"
    first_wait: float = 0.5
    max_wait: float = 8.0
    daily_wait: float = 3600.0
    queue: asyncio.Queue[Mail] = field(default_factory=asyncio.Queue)
    sent: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    #: Seconds waited after each throttle, in order, and the kind of throttle.
    waits: list[tuple[str, float]] = field(default_factory=list)

    async def post_mail(self, payload: dict[str, Any]) -> dict[str, int]:
        """``POST /mail`` with ``{"to": [...], "subject": ..., "body": ...}``: 202 Accepted."""
        for to in payload["to"]:
            self.queue.put_nowait(Mail(to, payload["subject"], payload["body"]))
        return {"queued": len(payload["to"])}

    async def worker(self) -> None:
        while True:
            mail = await self.queue.get()
            try:
                await self._deliver(mail)
            finally:
                self.queue.task_done()

    async def _deliver(self, mail: Mail) -> None:
        wait = self.first_wait
        while True:
            try:
                reply = await self.ses.send_email(
                    FromEmailAddress=self.sender,
                    Destination={"ToAddresses": [mail.to]},
                    Content={
                        "Simple": {
                            "Subject": {"Data": mail.subject},
                            "Body": {"Text": {"Data": mail.body}},
                        }
                    },
                )
            except ClientError as error:
                code = error.response["Error"]["Code"]
                daily = "Daily message quota" in error.response["Error"]["Message"]
                if code == "TooManyRequestsException" and daily:
                    self.waits.append(("daily", self.daily_wait))
                    await asyncio.sleep(self.daily_wait)
                elif code == "TooManyRequestsException":
                    self.waits.append(("rate", wait))
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, self.max_wait)
                else:
                    self.failed[mail.to] = code
                    return
            else:
                self.sent[mail.to] = reply["MessageId"]
                return
