"""The control API's say over what SES decides about the account's resources, for a
``sesquota serve`` account outside a test: a tenant's AWS-managed status, an identity
certificate's status, and the delegating accounts a delegate send names (the routes of
``serve/openapi_resources.py``). The same as ``ses_account``'s methods of those names."""

from __future__ import annotations

__all__ = ["resource_routes"]

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from ..account.account import Account
from .control_wire import (
    ControlError,
    Reply,
    document_region,
    json_reply,
    read_body,
    refuse_unknown,
)
from .openapi import PREFIX


def _strings(document: dict[str, Any], name: str) -> list[str]:
    value = document.get(name, [])
    if not isinstance(value, list) or not all(isinstance(i, str) and i.strip() for i in value):
        raise ControlError(400, "BadRequest", f"{name} must be a list of addresses and domains.")
    return value


def _said(action: Callable[[], Any]) -> Any:
    """The account's own texts for what it refuses, as the answer's message."""
    try:
        return action()
    except LookupError as error:  # no such tenant, no such certificate
        raise ControlError(404, "NotFound", str(error).strip("\"'")) from None
    except (ValueError, TypeError) as error:
        raise ControlError(400, "BadRequest", str(error).strip("\"'")) from None


def resource_routes(account: Account) -> list[tuple[str, re.Pattern[str], Callable[..., Reply]]]:
    """The routes, for ``Control``'s table."""

    def tenant_status(name: str, body: bytes, **_: Any) -> Reply:
        document = read_body(body)
        refuse_unknown(document, ("status", "cause", "impact", "region"))
        region = document_region(document)
        _said(
            lambda: account.set_tenant_status(
                name,
                document.get("status"),  # type: ignore[arg-type]  # checked by the account
                cause=document.get("cause"),
                impact=document.get("impact"),
                region=region,
            )
        )
        tenant = account.tenant(name, region)
        assert tenant is not None
        return json_reply(
            200,
            {
                "tenant": tenant.name,
                "region": region or account.region,
                "sending_status": tenant.sending_status,
                "aws_managed_status": tenant.aws_status.status,
                "customer_managed_status": tenant.customer_status.status,
                "cause": tenant.aws_status.cause,
                "impact": tenant.reputation_impact,
            },
        )

    def delegating_account(body: bytes, **_: Any) -> Reply:
        document = read_body(body)
        refuse_unknown(
            document, ("account_id", "region", "verified", "allow", "policies", "sandbox")
        )
        region = document_region(document)
        account_id = document.get("account_id")
        owner = _said(lambda: account.delegating_account(account_id, region))  # type: ignore[arg-type]
        verified, allowed = _strings(document, "verified"), _strings(document, "allow")
        if verified:
            _said(lambda: owner.verify(*verified))
        for identity in allowed:
            _said(partial(owner.allow, identity))
        policies = document.get("policies", {})
        if not isinstance(policies, dict) or not all(
            isinstance(p, dict) for p in policies.values()
        ):
            raise ControlError(400, "BadRequest", "policies must map identities to {name: policy}.")
        for identity, named in policies.items():
            for name, policy in named.items():
                text = policy if isinstance(policy, str) else json.dumps(policy)
                _said(partial(owner.put_policy, identity, name, text))
        if "sandbox" in document:
            if not isinstance(document["sandbox"], bool):
                raise ControlError(400, "BadRequest", "sandbox must be true or false.")
            owner.sandbox = document["sandbox"]
        return json_reply(
            200,
            {
                "account_id": owner.account_id,
                "region": owner.region,
                "identities": {i: owner.arn(i) for i in owner.identities()},
                "sandbox": owner.sandbox,
            },
        )

    def certificate_status(body: bytes, **_: Any) -> Reply:
        document = read_body(body)
        refuse_unknown(document, ("identity", "from_address", "status", "region"))
        region = document_region(document)
        identity, sender = document.get("identity"), document.get("from_address")
        if not isinstance(identity, str) or not isinstance(sender, str):
            raise ControlError(400, "BadRequest", "identity and from_address must be strings.")
        _said(
            lambda: account.set_identity_certificate_status(
                identity, sender, document.get("status"), region=region
            )
        )
        return json_reply(
            200,
            {
                "identity": identity,
                "from_address": sender,
                "status": document.get("status") or "PROVISIONING",
                "region": region or account.region,
            },
        )

    return [
        ("PUT", re.compile(rf"^{PREFIX}/tenants/(?P<name>[A-Za-z0-9_-]+)/status$"), tenant_status),
        ("POST", re.compile(rf"^{PREFIX}/delegating-accounts$"), delegating_account),
        ("PUT", re.compile(rf"^{PREFIX}/identity-certificates$"), certificate_status),
    ]
