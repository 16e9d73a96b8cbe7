"""The control API's routes for the account's reputation (documented in
``serve.openapi_reputation``): ``GET /_sesquota/reputation/{region}`` reads the rates
and the status changes; ``PUT`` sets the policy or ends a review, for a test in any
process that needs another policy or SES's team's answer. ``GET
/_sesquota/reputation/{region}/tenants/{name}`` and ``.../configuration-sets/{name}``
read a tenant's or a configuration set's own rates."""

from __future__ import annotations

__all__ = ["ReputationControl", "entity_reputation_of", "reputation_of"]

import re
from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from urllib.parse import unquote

from ..account.account import Account
from ..account.entity_reputation import EntityReputationMetrics
from ..account.reputation import ReputationMetrics
from .control_wire import (
    REGION,
    ControlError,
    Reply,
    json_reply,
    read_body,
    refuse_unknown,
    region_name,
)
from .openapi import PREFIX

_POLICY = (
    "bounce_review",
    "bounce_pause",
    "complaint_review",
    "complaint_pause",
    "window",
    "minimum_volume",
    "review_period",
    "enforced",
)


def reputation_of(metrics: ReputationMetrics) -> dict[str, Any]:
    document = asdict(metrics)
    for name in ("window", "review_period"):
        document["policy"][name] = getattr(metrics.policy, name).total_seconds()
    return document


def entity_reputation_of(metrics: EntityReputationMetrics) -> dict[str, Any]:
    return asdict(metrics)


class ReputationControl:
    """The routes above, for one server's account."""

    def __init__(self, account: Account) -> None:
        self.account = account
        path = re.compile(rf"^{PREFIX}/reputation/{REGION}$")
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("GET", path, self.reputation),
            ("PUT", path, self.change),
        ]
        entity = re.compile(
            rf"^{PREFIX}/reputation/{REGION}/(?P<kind>tenants|configuration-sets)/(?P<name>[^/]+)$"
        )
        self.routes.append(("GET", entity, self.entity))

    def reputation(self, region: str, **_: Any) -> Reply:
        return json_reply(200, reputation_of(self.account.reputation(region_name(region))))

    def entity(self, region: str, kind: str, name: str, **_: Any) -> Reply:
        region_name(region)
        name = unquote(name)
        try:
            if kind == "tenants":
                metrics = self.account.tenant_reputation(name, region)
            else:
                metrics = self.account.configuration_set_reputation(name, region)
        except LookupError as error:
            raise ControlError(404, "NotFound", str(error)) from None
        return json_reply(200, entity_reputation_of(metrics))

    def change(self, region: str, body: bytes, **_: Any) -> Reply:
        region_name(region)
        document = read_body(body)
        refuse_unknown(document, (*_POLICY, "review_outcome"))
        policy = {k: document[k] for k in _POLICY if k in document}
        if "enforced" in policy and not isinstance(policy["enforced"], bool):
            raise ControlError(400, "BadRequest", "enforced must be true or false.")
        try:
            if policy:
                self.account.set_reputation_policy(region=region, **policy)
            if "review_outcome" in document:
                self.account.set_review_outcome(document["review_outcome"], region)
        except (TypeError, ValueError) as error:
            raise ControlError(400, "BadRequest", str(error)) from None
        return json_reply(200, reputation_of(self.account.reputation(region)))
