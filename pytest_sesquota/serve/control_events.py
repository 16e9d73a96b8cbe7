"""The control API's routes for SES's events (documented in ``serve.openapi_events``):

- ``GET /_sesquota/events``: the events that have happened, a page at a time;
- ``GET``/``POST /_sesquota/subscriptions``: HTTP endpoints on loopback (an application's
  bounce webhook, in any process) subscribed to the topics SES publishes to;
- ``POST /_sesquota/mailboxes``: what the recipients' mail servers do with mail;
- ``GET /_sesquota/sns/...``: SNS's own URLs for those endpoints (the signing
  certificate, the SubscribeURL), served here since the endpoints are not behind the
  fake's doors.
"""

from __future__ import annotations

__all__ = ["EventsControl"]

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ..account.account import Account, part_of
from ..account.event_records import SesEvent
from ..account.events import Events
from ..doors.sns import Sns, Subscription, answer_sns
from .control_wire import ControlError, Reply, json_reply, read_body, refuse_unknown, whole_param
from .openapi import PREFIX

#: A page of events: this many unless ``limit`` says otherwise, at most MAX_PAGE.
PAGE = 1_000
MAX_PAGE = 10_000


def event_of(number: int, event: SesEvent) -> dict[str, Any]:
    return {
        "number": number,
        "event_type": event.event_type,
        "time": event.time,
        "region": event.region,
        "message_id": event.message_id,
        "configuration_set": event.configuration_set,
        "recipients": list(event.recipients),
        "origin": event.origin,
        "counts_toward_reputation": event.counts_toward_reputation,
        "document": event.document,
        "notification": event.notification,
    }


def subscription_of(subscription: Subscription) -> dict[str, Any]:
    endpoint = subscription.endpoint
    return {
        "arn": subscription.arn,
        "topic_arn": subscription.topic_arn,
        "endpoint": endpoint if isinstance(endpoint, str) else repr(endpoint),
        "confirmed": subscription.confirmed,
        "raw": subscription.raw,
        "posts": [
            {"type": p.headers["x-amz-sns-message-type"], "status": p.status, "error": p.error}
            for p in subscription.posts
        ],
    }


class EventsControl:
    """The routes above, for one server's account."""

    def __init__(
        self, account: Account, base_url: Callable[[], str], keep_posts: int | None = None
    ) -> None:
        self.account = account
        # The server's own: its endpoints may be in any process, where no door of the fake
        # answers SNS's URLs, so those are the server's (a test's ses_account.subscribe
        # keeps the account's own, behind the test process's doors).
        self.sns = Sns(
            base_url,
            defer=lambda action: part_of(account, Events).defer(action),
            keep_posts=keep_posts,
        )
        account.add_publisher(self.sns)
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("GET", re.compile(rf"^{PREFIX}/events$"), self.events),
            ("GET", re.compile(rf"^{PREFIX}/subscriptions$"), self.subscriptions),
            ("POST", re.compile(rf"^{PREFIX}/subscriptions$"), self.subscribe),
            ("POST", re.compile(rf"^{PREFIX}/mailboxes$"), self.mailbox),
            ("GET", re.compile(rf"^{PREFIX}/sns/(?P<name>[^/]*)$"), self.sns_url),
        ]

    def events(self, params: dict[str, str], **_: Any) -> Reply:
        after = whole_param(params, "after", 0, 0, 2**63 - 1)
        limit = whole_param(params, "limit", PAGE, 1, MAX_PAGE)
        region, kind = params.get("region"), params.get("type")
        happened = self.account.events
        # The events that left with their messages (the ledger's retention) keep their
        # numbers taken: the ones kept are numbered after them.
        forgotten = part_of(self.account, Events).forgotten
        page: list[dict[str, Any]] = []
        index = max(after - forgotten, 0)
        while index < len(happened) and len(page) < limit:
            event = happened[index]
            index += 1
            if (region is None or event.region == region) and kind in (None, event.event_type):
                page.append(event_of(forgotten + index, event))
        return json_reply(
            200,
            {
                "items": page,
                "next": forgotten + index if index < len(happened) else None,
                "total": forgotten + len(happened),
                "pending": len(part_of(self.account, Events).pending_events()),
            },
        )

    def subscriptions(self, **_: Any) -> Reply:
        return json_reply(
            200, {"subscriptions": [subscription_of(s) for s in self.sns.subscriptions]}
        )

    def subscribe(self, body: bytes, **_: Any) -> Reply:
        document = read_body(body)
        refuse_unknown(document, ("topic_arn", "endpoint", "confirmed", "raw"))
        topic, endpoint = document.get("topic_arn"), document.get("endpoint")
        if not isinstance(topic, str) or not isinstance(endpoint, str):
            raise ControlError(400, "BadRequest", "topic_arn and endpoint must be strings.")
        flags = {k: document.get(k, False) for k in ("confirmed", "raw")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ControlError(400, "BadRequest", "confirmed and raw must be true or false.")
        try:
            found = self.sns.subscribe(topic, endpoint, **flags)
        except ValueError as error:
            raise ControlError(400, "BadRequest", str(error)) from None
        return json_reply(200, subscription_of(found))

    def mailbox(self, body: bytes, **_: Any) -> Reply:
        document = read_body(body)
        allowed = ("addresses", "outcome", "bounce_type", "bounce_sub_type", "delay")
        refuse_unknown(document, allowed)
        addresses = document.get("addresses")
        if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
            raise ControlError(400, "BadRequest", "addresses must be a list of strings.")
        options = {k: document[k] for k in allowed[1:] if k in document}
        if "delay" in options:
            delay = options["delay"]
            if isinstance(delay, bool) or not isinstance(delay, (int, float)):
                raise ControlError(400, "BadRequest", "delay must be a number of seconds.")
            options["delay"] = timedelta(seconds=delay)
        try:
            self.account.mailbox(*addresses, **options)
        except (TypeError, ValueError) as error:
            raise ControlError(400, "BadRequest", str(error)) from None
        return json_reply(200, document)

    def sns_url(self, name: str, params: dict[str, str], **_: Any) -> Reply:
        from urllib.parse import urlencode

        url = f"http://served/_sesquota/sns/{name}?{urlencode(params)}"
        found = answer_sns(self.sns, "GET", url)
        if found is None:
            raise ControlError(404, "NotFound", "No such subscription token or certificate.")
        return found
