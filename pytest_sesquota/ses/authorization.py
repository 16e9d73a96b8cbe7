"""Sending authorization policies on the account's identities: SES v1's Put, Get, List
and DeleteIdentityPolicy (idempotent, no identity check, as SES answers them) and SES v2's
Create, Get, Update and DeleteEmailIdentityPolic(y/ies) (the identity must exist). Each
policy is checked as SES checks it (``account/policies.py``) and kept as SES returns it.
"""

from __future__ import annotations

__all__ = ["MAX_GET_POLICIES", "IdentityPoliciesV1", "IdentityPoliciesV2"]

import re
from typing import ClassVar

from ..account.authorization import Authorization
from ..account.ledger import ACCOUNT_ID
from ..account.policies import PolicyError, parse_identity_arn
from .api import Call, Operations, Params, Result
from .mail import ApiError, bad_request, invalid

#: GetIdentityPolicies reads at most this many policies at a time (the API reference).
MAX_GET_POLICIES = 20
_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _policy_name(name: str) -> str:
    """SES's checks of a policy name (texts as an emulator probed them: docs/choices.md)."""
    if len(name) > 64:
        raise ApiError(
            "ValidationError",
            "1 validation error detected: Value at 'policyName' failed to satisfy constraint: "
            "Member must have length less than or equal to 64",
        )
    if not name.strip():
        raise invalid("PolicyName is required.")
    if not _NAME.fullmatch(name):
        raise invalid(
            "PolicyName is invalid. Policy names must only include alpha-numeric characters, "
            "dashes, and underscores."
        )
    return name


def _identity(call: Call, given: str) -> str:
    """v1's ``Identity``: a name, or the ARN of one of the account's identities."""
    if not given.startswith("arn:"):
        return given
    parsed = parse_identity_arn(given)
    if parsed is None or parsed[1] != ACCOUNT_ID or parsed[0] != call.region:
        # Only the owner manages an identity's policies; no capture of SES's text.
        raise invalid(
            f"Identity {given} is not an identity of account {ACCOUNT_ID} in {call.region}."
        )
    return parsed[2]


def _put(call: Call, identity: str, name: str, policy: str, *, v2: bool) -> None:
    try:
        call.part(Authorization).put_policy(identity, name, policy, call.region)
    except PolicyError as error:
        raise (bad_request(str(error)) if v2 else ApiError("InvalidPolicy", str(error))) from None
    except LookupError as error:
        text = str(error).strip("'\"")
        raise (ApiError("LimitExceededException", text) if v2 else invalid(text)) from None


class IdentityPoliciesV1(Operations):
    title = "sending authorization"
    names = (
        "PutIdentityPolicy",
        "GetIdentityPolicies",
        "ListIdentityPolicies",
        "DeleteIdentityPolicy",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "policies checked as SES checks them; sends with SourceArn, FromArn, ReturnPathArn "
        "or SMTP's X-SES-...-ARN headers allowed or refused as they say"
    }

    def PutIdentityPolicy(self, call: Call, p: Params) -> Result:
        identity = _identity(call, p["Identity"])
        _put(call, identity, _policy_name(p["PolicyName"]), p["Policy"], v2=False)
        return {}

    def GetIdentityPolicies(self, call: Call, p: Params) -> Result:
        names = list(p.get("PolicyNames") or ())
        if len(names) > MAX_GET_POLICIES:
            raise invalid(f"You can retrieve a maximum of {MAX_GET_POLICIES} policies at a time.")
        policies = call.part(Authorization).policies(_identity(call, p["Identity"]), call.region)
        return {"Policies": {n: policies[n] for n in names if n in policies}}

    def ListIdentityPolicies(self, call: Call, p: Params) -> Result:
        policies = call.part(Authorization).policies(_identity(call, p["Identity"]), call.region)
        return {"PolicyNames": list(policies)}

    def DeleteIdentityPolicy(self, call: Call, p: Params) -> Result:
        # SES answers 200 for a policy that does not exist.
        identity = _identity(call, p["Identity"])
        call.part(Authorization).delete_policy(identity, p["PolicyName"], call.region)
        return {}


def _not_found(kind: str, name: str) -> ApiError:
    return ApiError("NotFoundException", f"{kind} <{name}> does not exist.", 404)


class IdentityPoliciesV2(Operations):
    title = "sending authorization"
    names = (
        "CreateEmailIdentityPolicy",
        "GetEmailIdentityPolicies",
        "UpdateEmailIdentityPolicy",
        "DeleteEmailIdentityPolicy",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "sends with FromEmailAddressIdentityArn or "
        "FeedbackForwardingEmailAddressIdentityArn allowed or refused as the policies say"
    }

    @staticmethod
    def _identity(call: Call, name: str) -> str:
        identity = call.account.identity(name, call.region)
        if identity is None:
            raise _not_found("Email identity", name)
        return identity.name

    @staticmethod
    def _existing(call: Call, identity: str, name: str) -> None:
        if name not in call.part(Authorization).policies(identity, call.region):
            # Probed wording (an emulator's, against SES): no final period.
            raise ApiError("NotFoundException", f"Policy <{name}> does not exist", 404)

    def CreateEmailIdentityPolicy(self, call: Call, p: Params) -> Result:
        identity = self._identity(call, p["EmailIdentity"])
        name = _policy_name(p["PolicyName"])
        if name in call.part(Authorization).policies(identity, call.region):
            raise ApiError("AlreadyExistsException", f"Policy <{name}> already exists")
        _put(call, identity, name, p["Policy"], v2=True)
        return {}

    def GetEmailIdentityPolicies(self, call: Call, p: Params) -> Result:
        identity = self._identity(call, p["EmailIdentity"])
        return {"Policies": call.part(Authorization).policies(identity, call.region)}

    def UpdateEmailIdentityPolicy(self, call: Call, p: Params) -> Result:
        identity = self._identity(call, p["EmailIdentity"])
        name = _policy_name(p["PolicyName"])
        self._existing(call, identity, name)
        _put(call, identity, name, p["Policy"], v2=True)
        return {}

    def DeleteEmailIdentityPolicy(self, call: Call, p: Params) -> Result:
        identity = self._identity(call, p["EmailIdentity"])
        self._existing(call, identity, p["PolicyName"])
        call.part(Authorization).delete_policy(identity, p["PolicyName"], call.region)
        return {}
