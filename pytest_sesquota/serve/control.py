"""The server's control API under ``/_sesquota/``: read and steer the fake account.

JSON in and out, described by the OpenAPI document the server serves at
``/_sesquota/openapi.json`` (``serve.openapi``). Routes: quotas (read, set), the ledger
(whole, or a page at a time), the clock (read; advance when virtual), identities
(verify), reset, the quota picture, what SES decides (``serve.steering``), SES's events
(``serve.control_events``). Each request takes its turn at the server's gate, so a reset
never lands amid a send; changes are saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from ..account.account import Account
from ..account.ledger import FaultedSend, RejectedSend, SentMessage, SesRequest, ThrottledSend
from ..account.options import OptionsError
from . import steering
from .codec import fields_of
from .control_events import EventsControl
from .control_reputation import ReputationControl
from .control_wire import (
    REGION,
    ControlError,
    Reply,
    document_region,
    json_reply,
    read_body,
    refuse_unknown,
    region_name,
    whole_param,
)
from .gate import Gate, SaveFailed
from .openapi import OPENAPI, PREFIX
from .resource_controls import resource_routes
from .retention import LISTS, ledger_lists

__all__ = ["OPENAPI", "PREFIX", "Control", "ControlError", "Reply"]
#: A page of the ledger: this many items unless ``limit`` says otherwise, at most MAX_PAGE.
PAGE = 1_000
MAX_PAGE = 10_000
#: The longest clock move the API takes (a century), so that time stays a datetime.
MAX_ADVANCE = 100 * 366 * 86_400.0


# -- documents ------------------------------------------------------------------
def quota_of(account: Account, region: str) -> dict[str, Any]:
    max_24, rate, used = account.quota(region)
    return {
        "region": region,
        "max_24_hour_send": max_24,
        "max_send_rate": rate,
        "sent_last_24_hours": used,
        "available_rate": account.available_rate(region),
        "production": not account.in_sandbox(region),
        "sending_enabled": account.sending_enabled(region),
    }


def clock_of(account: Account) -> dict[str, Any]:
    clock = account.clock
    return {
        "now": clock.now(),
        "time": clock.time(),
        "start": clock.start_time,
        "elapsed": clock.elapsed(),
        "mode": "real" if clock.real else "virtual",
    }


_KINDS: dict[type, str] = {
    SentMessage: "sent",
    ThrottledSend: "throttled",
    RejectedSend: "rejected",
    FaultedSend: "failed",
}


def entry(item: SentMessage | ThrottledSend | RejectedSend | FaultedSend) -> dict[str, Any]:
    document = {"kind": _KINDS[type(item)], **fields_of(item)}
    document.pop("content", None)  # what a refused message said: for dropped, not for here
    if isinstance(item, ThrottledSend):
        document["message"] = item.message
    return document


def request_of(item: SesRequest) -> dict[str, Any]:
    return {
        "time": item.time,
        "region": item.region,
        "api": item.api,
        "operation": item.operation,
        "status": item.status,
        "error_code": item.error_code,
        "error_message": item.error_message,
        "message_ids": list(item.message_ids),
        "outcomes": [entry(o) for o in item.outcomes],
    }


def ledger_of(account: Account, region: str | None) -> dict[str, Any]:
    def keep(item: Any) -> bool:
        return region is None or item.region == region

    return {
        "sent": [entry(m) for m in account.sent if keep(m)],
        "throttled": [entry(t) for t in account.throttled if keep(t)],
        "rejected": [entry(r) for r in account.rejected if keep(r)],
        "faults": [entry(f) for f in account.faults if keep(f)],
        "requests": [request_of(r) for r in account.requests if keep(r)],
    }


# -- routes ---------------------------------------------------------------------
_QUOTA_KEYS = ("max_24_hour_send", "max_send_rate", "burst", "daily", "sent_last_24_hours")
_STATUSES = ("verification", "dkim", "mail_from")  # what SES found, in POST /identities


class Control:
    """Answers ``/_sesquota/...`` for one server's account."""

    def __init__(
        self,
        account: Account,
        *,
        info: Callable[[], dict[str, Any]],
        gate: Gate | None = None,
    ) -> None:
        self.account = account
        self.info = info
        self.gate = gate or Gate(account)
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("GET", re.compile(rf"^{PREFIX}/?$"), self.index),
            ("GET", re.compile(rf"^{PREFIX}/openapi\.json$"), self.openapi),
            ("GET", re.compile(rf"^{PREFIX}/quotas$"), self.quotas),
            ("GET", re.compile(rf"^{PREFIX}/quotas/{REGION}$"), self.quota),
            ("PUT", re.compile(rf"^{PREFIX}/quotas/{REGION}$"), self.set_quota),
            ("GET", re.compile(rf"^{PREFIX}/ledger$"), self.ledger),
            ("GET", re.compile(rf"^{PREFIX}/ledger/(?P<name>[a-z]+)$"), self.ledger_page),
            ("GET", re.compile(rf"^{PREFIX}/clock$"), self.clock),
            ("POST", re.compile(rf"^{PREFIX}/clock/advance$"), self.advance),
            ("POST", re.compile(rf"^{PREFIX}/identities$"), self.verify),
            ("POST", re.compile(rf"^{PREFIX}/dedicated-ips$"), self.lease),
            ("POST", re.compile(rf"^{PREFIX}/reset$"), self.reset),
            ("GET", re.compile(rf"^{PREFIX}/plot\.png$"), self.plot),
            *((verb, pattern, self.steer(call)) for verb, pattern, call in steering.ROUTES),
        ]
        # The webhooks' POSTs are kept as the ledger's items are (memory stays flat).
        self.routes += EventsControl(
            account, lambda: self.info().get("endpoint_url", ""), self.gate.retention.keep
        ).routes
        self.routes += ReputationControl(account).routes
        self.routes += resource_routes(account)

    def handle(self, method: str, path: str, query: str, body: bytes) -> Reply:
        params = dict(parse_qsl(query))
        allowed = []
        for verb, pattern, handler in self.routes:
            match = pattern.match(path)
            if match is None:
                continue
            if verb != method:
                allowed.append(verb)
                continue
            # A read holds the account still; a change is also saved (every region).
            turn = self.gate.hold() if method == "GET" else self.gate.request()
            try:
                with turn:
                    reply: Reply = handler(params=params, body=body, **match.groupdict())
                return reply
            except ControlError as error:
                return json_reply(error.status, {"error": error.error, "message": error.message})
            except OptionsError as error:
                return json_reply(400, {"error": "BadRequest", "message": str(error)})
            except SaveFailed as failure:
                return json_reply(500, {"error": "InternalFailure", "message": failure.message})
        if allowed:
            return json_reply(
                405,
                {
                    "error": "MethodNotAllowed",
                    "message": f"{method} is not allowed on {path}; use {', '.join(allowed)}.",
                },
            )
        return json_reply(
            404,
            {
                "error": "NotFound",
                "message": f"No control endpoint {path}; see {PREFIX}/openapi.json.",
            },
        )

    def steer(self, call: steering.Steer) -> Callable[..., Reply]:
        """A route of ``serve/steering.py``: the account's control, its mistakes a 400."""

        def handler(params: dict[str, str], body: bytes, **groups: str) -> Reply:
            try:
                result = call(self.account, read_body(body), params, **groups)
            except (ValueError, KeyError, TypeError) as e:
                raise ControlError(400, "BadRequest", str(e.args[0] if e.args else e)) from None
            if isinstance(result, bytes):
                return 200, {"Content-Type": "application/octet-stream"}, result
            return json_reply(200, result)

        return handler

    # handlers
    def index(self, **_: Any) -> Reply:
        return json_reply(200, {**self.info(), "openapi": f"{PREFIX}/openapi.json"})

    def openapi(self, **_: Any) -> Reply:
        return json_reply(200, OPENAPI)

    def quotas(self, **_: Any) -> Reply:
        regions = self.account.regions()
        return json_reply(200, {"regions": {r: quota_of(self.account, r) for r in regions}})

    def quota(self, region: str, **_: Any) -> Reply:
        return json_reply(200, quota_of(self.account, region_name(region)))

    def set_quota(self, region: str, body: bytes, **_: Any) -> Reply:
        region_name(region)
        document = read_body(body)
        refuse_unknown(document, (*_QUOTA_KEYS, "production", "sending_enabled"))
        if "production" in document:
            if not isinstance(document["production"], bool):
                raise ControlError(400, "BadRequest", "production must be true or false.")
            if document["production"]:
                self.account.grant_production_access(region=region)
        if "sending_enabled" in document:
            if not isinstance(document["sending_enabled"], bool):
                raise ControlError(400, "BadRequest", "sending_enabled must be true or false.")
            if document["sending_enabled"]:
                self.account.resume_sending(region)
            else:
                self.account.pause_sending(region)
        self.account.set_quota(region=region, **{k: document.get(k) for k in _QUOTA_KEYS})
        return json_reply(200, quota_of(self.account, region))

    def ledger(self, params: dict[str, str], **_: Any) -> Reply:
        return json_reply(200, ledger_of(self.account, params.get("region")))

    def ledger_page(self, name: str, params: dict[str, str], **_: Any) -> Reply:
        """Items of one list numbered after ``after``, ``limit`` at most, oldest first."""
        if name not in LISTS:
            raise ControlError(
                404, "NotFound", f"No ledger list {name!r}; the lists: {', '.join(LISTS)}."
            )
        after = whole_param(params, "after", 0, 0, 2**63 - 1)
        limit = whole_param(params, "limit", PAGE, 1, MAX_PAGE)
        region = params.get("region")
        items = ledger_lists(self.account)[name]
        dropped = self.gate.retention.dropped[name]
        render = request_of if name == "requests" else entry
        page: list[dict[str, Any]] = []
        index = max(after - dropped, 0)
        while index < len(items) and len(page) < limit:
            item = items[index]
            index += 1
            if region is None or item.region == region:
                page.append({"number": dropped + index, **render(item)})
        more = index < len(items)
        return json_reply(
            200,
            {
                "items": page,
                # Pass as `after` for the next page; null when this page ends the list.
                "next": dropped + index if more else None,
                "first": dropped + 1,
                "total": dropped + len(items),
            },
        )

    def clock(self, **_: Any) -> Reply:
        return json_reply(200, clock_of(self.account))

    def advance(self, body: bytes, **_: Any) -> Reply:
        document = read_body(body)
        refuse_unknown(document, ("seconds",))
        seconds = document.get("seconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not 0 <= seconds <= MAX_ADVANCE
        ):
            raise ControlError(
                400,
                "BadRequest",
                f"seconds must be a number from 0 to {MAX_ADVANCE:.0f} (a century).",
            )
        clock = self.account.clock
        if clock.real:
            raise ControlError(
                409,
                "Conflict",
                "The clock runs on real time; start the server with --clock virtual to advance it.",
            )
        clock.advance(seconds=seconds)
        return json_reply(200, clock_of(self.account))

    def verify(self, body: bytes, **_: Any) -> Reply:
        document = read_body(body)
        refuse_unknown(document, ("identities", "region", *_STATUSES))
        identities = document.get("identities")
        region = document_region(document)
        if (
            not isinstance(identities, list)
            or not identities
            or not all(isinstance(i, str) and i.strip() for i in identities)
        ):
            raise ControlError(
                400, "BadRequest", "identities must be a non-empty list of addresses and domains."
            )
        statuses = {k: document[k] for k in _STATUSES if k in document}
        try:  # what SES found for each (a verification, DKIM or MAIL FROM status), or verified
            for identity in identities if statuses else ():
                self.account.set_identity_status(identity, **statuses, region=region)
        except ValueError as error:
            raise ControlError(400, "BadRequest", str(error)) from None
        if not statuses:
            self.account.verify(*identities, region=region)
        return json_reply(200, {"verified": identities, "region": region or self.account.region})

    def lease(self, body: bytes, **_: Any) -> Reply:
        """Dedicated IPs leased to the account, as AWS leases them after a support case."""
        document = read_body(body)
        refuse_unknown(document, ("count", "pool", "region"))
        count, pool = document.get("count", 1), document.get("pool")
        region = document_region(document)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 256:
            raise ControlError(400, "BadRequest", "count must be a whole number from 1 to 256.")
        try:
            leased = self.account.lease_dedicated_ips(count, pool=pool, region=region)
        except ValueError as error:
            raise ControlError(400, "BadRequest", str(error)) from None
        return json_reply(200, {"leased": leased, "region": region or self.account.region})

    def reset(self, **_: Any) -> Reply:
        self.gate.reset()
        return json_reply(200, {"reset": True, "clock": clock_of(self.account)})

    def plot(self, **_: Any) -> Reply:
        try:
            from ..report.plot import render_png
        except ImportError:
            raise ControlError(
                501,
                "NotImplemented",
                'The picture needs matplotlib: pip install "pytest-sesquota[plot]"',
            ) from None
        return 200, {"Content-Type": "image/png"}, render_png(self.account, "sesquota serve")
