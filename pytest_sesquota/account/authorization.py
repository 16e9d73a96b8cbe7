"""Sending authorization, per region: the policies on the account's own identities, the
other AWS accounts that own identities and let this one send for them (delegating
accounts, set up by the test), and the check of every send that names an identity's ARN
(v1 ``SourceArn``, ``FromArn``, ``ReturnPathArn``; v2 ``FromEmailAddressIdentityArn``,
``FeedbackForwardingEmailAddressIdentityArn``; SMTP's ``X-SES-...-ARN`` headers).

The fake is one account (``ACCOUNT_ID``); an ARN's account id says whose identity it is.
A delegate send counts against this account's quotas, as the AWS guide says.
"""

from __future__ import annotations

__all__ = ["ACTIONS", "Authorization"]

import email.utils
import json
import re
from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

from .delegation import DelegatingAccount, PolicyHolder
from .identities import Identities
from .ledger import ACCOUNT_ID, SIMULATOR_DOMAIN, Outgoing, SendRefused, address_of
from .options import RegionSettings
from .part import Context, Part
from .policies import (
    MAX_POLICIES,
    Request,
    checked_policy,
    compact,
    decide,
    identity_arn,
    parse_identity_arn,
)

#: The IAM action of each sending operation (SMTP's DATA is ``ses:SendRawEmail``).
ACTIONS = {
    "SendEmail": "ses:SendEmail",
    "SendRawEmail": "ses:SendRawEmail",
    "SendTemplatedEmail": "ses:SendTemplatedEmail",
    "SendBulkTemplatedEmail": "ses:SendBulkTemplatedEmail",
    "SendBulkEmail": "ses:SendBulkEmail",
    "DATA": "ses:SendRawEmail",
}


def _covers(identity: str, address: str) -> bool:
    """Whether the identity (an address or a domain) covers ``address``, as a verified
    identity does (the address itself, or its domain)."""
    bare = address_of(address)
    return identity.lower() in (bare, bare.rpartition("@")[2])


class Authorization(Part):
    """Identity policies and delegating accounts; refuses sends their owners do not allow."""

    key = "authorization"

    def __init__(self, context: Context, identities: Identities) -> None:
        super().__init__(context)
        self.identities = identities
        self._own: dict[str, PolicyHolder] = {}
        self._others: dict[str, dict[str, PolicyHolder]] = {}
        self._principal: str | None = None

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._own[region] = PolicyHolder()
        self._others[region] = {}

    # -- policies (the identity owner's operations) --------------------------------
    def holder(self, region: str, account: str) -> PolicyHolder:
        if account == ACCOUNT_ID:
            return self._own[region]
        return self._others[region].setdefault(account, PolicyHolder())

    def put_policy(
        self,
        identity: str,
        name: str,
        policy: str,
        region: str | None = None,
        *,
        account: str = ACCOUNT_ID,
    ) -> str:
        """Attach (or replace) a policy; the policy as kept, or :class:`PolicyError`
        (a ``ValueError``) saying what SES refuses in it. ``LookupError`` past 20 policies."""
        where = self.region(region)
        document = checked_policy(policy, identity_arn(where, account, identity))
        with self.lock:
            policies = self.holder(where, account).policies.setdefault(identity.lower(), {})
            if name not in policies and len(policies) >= MAX_POLICIES:
                raise LookupError(
                    f"Number of policies for <{identity}> exceeds max allowed number of "
                    "policies per resource"
                )
            policies[name] = (compact(document), document)
            self.changed(where)
            return policies[name][0]

    def delete_policy(
        self, identity: str, name: str, region: str | None = None, *, account: str = ACCOUNT_ID
    ) -> bool:
        where = self.region(region)
        with self.lock:
            found = self.holder(where, account).policies.get(identity.lower(), {})
            gone = found.pop(name, None) is not None
            if gone:
                self.changed(where)
            return gone

    def policies(
        self, identity: str, region: str | None = None, *, account: str = ACCOUNT_ID
    ) -> dict[str, str]:
        """An identity's policies, name -> document, in the order first attached."""
        where = self.region(region)
        with self.lock:
            found = self.holder(where, account).policies.get(identity.lower(), {})
            return {name: text for name, (text, _doc) in found.items()}

    def forget_identity(self, identity: str, region: str | None = None) -> None:
        """The account's identity was deleted: its policies go with it."""
        where = self.region(region)
        with self.lock:
            if self._own[where].policies.pop(identity.lower(), None) is not None:
                self.changed(where)

    # -- the delegate sender's side ------------------------------------------------
    def delegating_account(self, account_id: str, region: str | None = None) -> DelegatingAccount:
        """Another AWS account (a 12-digit id) that owns identities in ``region`` and
        attaches policies to them, for this account to send on its behalf with their ARN
        (``SourceArn``, ``FromEmailAddressIdentityArn``...). Created on first use: set it
        up with :meth:`DelegatingAccount.verify` and :meth:`DelegatingAccount.allow`."""
        if not isinstance(account_id, str) or not re.fullmatch(r"\d{12}", account_id):
            raise ValueError(f"delegating_account({account_id!r}): an AWS account id is 12 digits")
        if account_id == ACCOUNT_ID:
            raise ValueError(
                f"delegating_account({account_id!r}) is this account: verify its identities "
                "with ses_account.verify() and attach policies through the API"
            )
        where = self.region(region)
        with self.lock:
            self.holder(where, account_id)
            self.changed(where)
        return DelegatingAccount(self, account_id, where)

    def set_sending_principal(self, principal: str | None) -> None:
        """The IAM principal this account sends as, as policies name it
        (``arn:aws:iam::123456789012:user/app``); ``None`` (the default): any principal of
        the account, since the fake reads no credentials."""
        if principal is not None and not re.fullmatch(
            rf"arn:aws[\w-]*:(?:iam|sts)::{ACCOUNT_ID}:.+", principal
        ):
            raise ValueError(
                f"set_sending_principal({principal!r}): expected the ARN of an IAM principal "
                f"of account {ACCOUNT_ID}, such as 'arn:aws:iam::{ACCOUNT_ID}:user/app'"
            )
        with self.lock:
            self._principal = principal
            for region in self._own:
                self.changed(region)

    # -- sending ---------------------------------------------------------------------
    def check_send(self, send: Outgoing) -> SendRefused | None:
        content = send.content
        arns = (content.get("source_arn"), content.get("from_arn"), content.get("return_path_arn"))
        if not any(arns) and not self._own[send.region].policies:
            return None  # nothing named, no policy: nothing to authorize
        return _Check(self, send).run(*arns)

    def _evaluate(
        self,
        send: Outgoing,
        holder: PolicyHolder,
        address: str,
        identity: str,
        arn: str,
        context: Mapping[str, Any],
    ) -> str:
        """``"allow"``, ``"deny"`` or ``"none"`` for sending as ``address`` under
        ``identity``: an address identity's own policies take precedence over its
        domain's (the AWS guide, "Creating a policy")."""
        policies = holder.policies.get(address_of(address)) or holder.policies.get(
            identity.lower(), {}
        )
        action = ACTIONS.get(send.operation, "ses:SendEmail")
        request = Request(ACCOUNT_ID, self._principal, action, arn, context)
        return decide((doc for _text, doc in policies.values()), request)

    def caller(self) -> str:
        """The principal a refusal names."""
        return self._principal or f"arn:aws:iam::{ACCOUNT_ID}:root"

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        def holder(h: PolicyHolder) -> dict[str, Any]:
            return {
                "identities": list(h.identities.values()),
                "policies": {i: {n: t for n, (t, _d) in p.items()} for i, p in h.policies.items()},
                "sandbox": h.sandbox,
            }

        return {
            "principal": self._principal,
            "own": holder(self._own[region]),
            "others": {account: holder(h) for account, h in self._others[region].items()},
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        def holder(item: dict[str, Any]) -> PolicyHolder:
            return PolicyHolder(
                identities={i.lower(): i for i in item["identities"]},
                policies={
                    i: {n: (t, json.loads(t)) for n, t in p.items()}
                    for i, p in item["policies"].items()
                },
                sandbox=item["sandbox"],
            )

        self._principal = data["principal"]
        self._own[region] = holder(data["own"])
        self._others[region] = {a: holder(h) for a, h in data["others"].items()}


class _Check:
    """One send's authorization: each address it names with an ARN, and the policies."""

    def __init__(self, part: Authorization, send: Outgoing) -> None:
        self.part = part
        self.send = send
        self.region = send.region
        self.delegated_owners: list[PolicyHolder] = []

    def run(
        self, source_arn: str | None, from_arn: str | None, return_path_arn: str | None
    ) -> SendRefused | None:
        send, content = self.send, self.send.content
        from_address = send.source
        raw = content.get("raw")
        if raw is not None and (source_arn or from_arn):
            from_address = _header_address(raw, "From") or send.source
        feedback = content.get("return_path") or (
            _header_address(raw, "Return-Path") if raw is not None and return_path_arn else None
        )
        context = self.context(from_address, feedback or send.source)
        checks = [(source_arn, send.source), (from_arn, from_address)]
        if return_path_arn and feedback:
            checks.append((return_path_arn, feedback))
        for arn, address in checks:
            if arn:
                refused = self.delegated(arn, address, context)
                if refused is not None:
                    return refused
        if not source_arn:
            refused = self.own(send.source, context)
            if refused is not None:
                return refused
        if (
            (source_arn or from_arn)
            and not from_arn
            and address_of(from_address) != address_of(send.source)
        ):
            # The From header of a raw message is an identity too: not covered by an ARN,
            # it must be this account's own verified identity (SES's usual check).
            if self.part.identities.checked(self.region) and not self.part.identities.is_verified(
                from_address, self.region
            ):
                return _unverified(self.region, [from_address])
        return self.owners_sandbox()

    def context(self, from_address: str, feedback: str) -> dict[str, Any]:
        now = self.part.clock.now()
        name, bare = email.utils.parseaddr(from_address)
        return {
            "ses:Recipients": tuple(email.utils.parseaddr(r)[1] or r for r in self.send.recipients),
            "ses:FromAddress": (bare or from_address,),
            "ses:FromDisplayName": (name,) if name else (),
            "ses:FeedbackAddress": (email.utils.parseaddr(feedback)[1] or feedback,),
            "aws:CurrentTime": (now.strftime("%Y-%m-%dT%H:%M:%SZ"),),
            "aws:EpochTime": (str(int(now.timestamp())),),
            "aws:SecureTransport": ("true",),
            "aws:SourceIp": ("127.0.0.1",),
            "aws:PrincipalAccount": (ACCOUNT_ID,),
            "aws:PrincipalArn": (self.part.caller(),),
        }

    def refusal(self, arn: str) -> SendRefused:
        action = ACTIONS.get(self.send.operation, "ses:SendEmail")
        # The wording of SES's captured AccessDenied (v1 API and SMTP).
        return SendRefused(
            "not_authorized",
            f"User `{self.part.caller()}' is not authorized to perform `{action}' "
            f"on resource `{arn}'",
        )

    def delegated(self, arn: str, address: str, context: Mapping[str, Any]) -> SendRefused | None:
        parsed = parse_identity_arn(arn)
        if parsed is None:
            return SendRefused("invalid", f"Invalid identity ARN: {arn}")
        region, account, identity = parsed
        identities = self.part.identities
        if account == ACCOUNT_ID:  # one of this account's own identities
            if identities.checked(self.region) and not identities.is_verified(
                identity, self.region
            ):
                return _unverified(self.region, [address])
            if region != self.region or not _covers(identity, address):
                return self.refusal(arn)
            return self.own(address, context, identity=identity, arn=arn)
        owner = self.part._others[self.region].get(account)
        # The identity must be the owner's, verified in the region the send is made in.
        if owner is None or region != self.region or identity.lower() not in owner.identities:
            return self.refusal(arn)
        if not _covers(identity, address):
            return self.refusal(arn)
        if self.part._evaluate(self.send, owner, address, identity, arn, context) != "allow":
            return self.refusal(arn)
        self.delegated_owners.append(owner)
        return None

    def own(
        self,
        address: str,
        context: Mapping[str, Any],
        *,
        identity: str | None = None,
        arn: str | None = None,
    ) -> SendRefused | None:
        """This account's own identity: its IAM allows the send, a policy's explicit
        Deny still refuses it."""
        holder = self.part._own[self.region]
        if not holder.policies:
            return None
        bare = address_of(address)
        for name in (identity, bare, bare.rpartition("@")[2]):
            if name and name.lower() in holder.policies:
                target = arn or identity_arn(self.region, ACCOUNT_ID, name)
                if self.part._evaluate(self.send, holder, address, name, target, context) == "deny":
                    return self.refusal(target)
                return None
        return None

    def owners_sandbox(self) -> SendRefused | None:
        """Both accounts must be out of the sandbox to send to unverified addresses."""
        for owner in self.delegated_owners:
            if owner.sandbox:
                failed = [
                    r
                    for r in self.send.recipients
                    if not any(_covers(i, r) for i in owner.identities)
                    and address_of(r).rpartition("@")[2] != SIMULATOR_DOMAIN
                ]
                if failed:
                    return _unverified(self.region, failed)
        return None


def _unverified(region: str, failed: list[str]) -> SendRefused:
    return SendRefused(
        "unverified",
        "Email address is not verified. The following identities failed the check in region "
        f"{region.upper()}: {', '.join(failed)}",
        failed=failed,
    )


def _header_address(raw: bytes, name: str) -> str | None:
    """The first address of a raw message's header ``name``."""
    try:
        message = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
    except Exception:  # a malformed message was refused before; nothing to read here
        return None
    value = message.get(name)
    if value is None:
        return None
    display, bare = email.utils.parseaddr(str(value))
    if not bare:
        return None
    return email.utils.formataddr((display, bare)) if display else bare
