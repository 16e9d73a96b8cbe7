"""Sending authorization policies: the JSON document an identity owner attaches to an
identity to say who may send for it, and when (the AWS guide's "Policy anatomy").

Checked as SES checks it when attached (:func:`checked_policy`), and evaluated as the IAM
policy language evaluates a request when a delegate sender sends (:func:`decide`): an
explicit ``Deny`` wins, then an ``Allow``, and nothing allowed is refused. Plain data and
functions: the account's parts keep the documents and build the requests.
"""

from __future__ import annotations

__all__ = [
    "MAX_POLICIES",
    "MAX_POLICY_BYTES",
    "SES_CONDITION_KEYS",
    "Decision",
    "PolicyError",
    "Request",
    "checked_policy",
    "compact",
    "decide",
    "identity_arn",
    "parse_identity_arn",
]

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

#: The guide's limits: 20 policies an identity, 4 KB a policy.
MAX_POLICIES = 20
MAX_POLICY_BYTES = 4096
#: The condition keys SES adds to the AWS-wide ones (``aws:...``).
SES_CONDITION_KEYS = (
    "ses:Recipients",
    "ses:FromAddress",
    "ses:FromDisplayName",
    "ses:FeedbackAddress",
)
_EFFECTS = ("Allow", "Deny")
_ACCOUNT = re.compile(r"\d{12}")
_IAM_ARN = re.compile(r"arn:aws[\w-]*:(?:iam|sts)::(\d{12}):(.+)")
_IDENTITY_ARN = re.compile(r"arn:aws[\w-]*:ses:([a-z0-9-]+):(\d{12}):identity/(.+)")

Decision = Literal["allow", "deny", "none"]


def identity_arn(region: str, account: str, identity: str) -> str:
    return f"arn:aws:ses:{region}:{account}:identity/{identity}"


def parse_identity_arn(arn: str) -> tuple[str, str, str] | None:
    """``(region, account, identity)`` of an identity's ARN, or ``None``."""
    match = _IDENTITY_ARN.fullmatch(arn.strip())
    return None if match is None else (match.group(1), match.group(2), match.group(3))


class PolicyError(ValueError):
    """Why SES refuses a policy document (the ``InvalidPolicy`` error's text)."""


def compact(document: Mapping[str, Any]) -> str:
    """The document as SES returns it: the JSON with insignificant whitespace removed."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def checked_policy(text: str, resource: str) -> dict[str, Any]:
    """The policy ``text`` for the identity whose ARN is ``resource``, parsed, or
    :class:`PolicyError` saying what SES would not accept."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise PolicyError("The policy cannot exceed 4 KB.")
    try:
        document = json.loads(text)
    except ValueError:
        raise PolicyError("Policy is not valid JSON.") from None
    if not isinstance(document, dict):
        raise PolicyError("Policy is not valid JSON.")
    statements = _listed(document.get("Statement"))
    if not statements:
        raise PolicyError("Missing required field Statement")
    for statement in statements:
        _check_statement(statement, resource)
    return document


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _check_statement(statement: Any, resource: str) -> None:
    if not isinstance(statement, dict):
        raise PolicyError("Policy has an invalid statement")
    for name in ("Effect", "Principal", "Action", "Resource"):
        if statement.get(name) in (None, "", [], {}):
            raise PolicyError(f"Missing required field {name}")
    if statement["Effect"] not in _EFFECTS:
        raise PolicyError(f"Invalid effect: {statement['Effect']}")
    if not _principals_valid(statement["Principal"]):
        raise PolicyError("Invalid principal in policy")
    for action in _listed(statement["Action"]):
        if not isinstance(action, str) or not action.lower().startswith("ses:"):
            raise PolicyError("Policy has invalid action")
    resources = _listed(statement["Resource"])
    if len(resources) != 1 or not isinstance(resources[0], str):
        raise PolicyError("Policy has invalid resource")
    if resources[0].lower() != resource.lower():
        raise PolicyError("Policy has invalid resource")
    condition = statement.get("Condition", {})
    if not isinstance(condition, dict):
        raise PolicyError("Policy has invalid condition")
    for operator, tests in condition.items():
        if _operator(operator) is None or not isinstance(tests, dict):
            raise PolicyError(f"Invalid condition operator: {operator}")
        for key in tests:
            if not _known_key(key):
                # The one text of this kind SES is known to answer (the Cognito guide's fix).
                raise PolicyError(f"Unknown or unapplicable condition field '{key}'.")


def _principals_valid(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict) or not principal:
        return False
    for kind, values in principal.items():
        if kind not in ("AWS", "Service"):
            return False
        for value in _listed(values):
            if not isinstance(value, str) or not value:
                return False
            if kind == "AWS" and value != "*" and not _ACCOUNT.fullmatch(value):
                if _IAM_ARN.fullmatch(value) is None:
                    return False
    return True


def _known_key(key: str) -> bool:
    # Global keys are case-sensitive in their prefix: SES refuses 'AWS:SourceAccount'.
    return key in SES_CONDITION_KEYS or (key.startswith("aws:") and len(key) > 4)


# -- evaluation -----------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """A send as a policy sees it."""

    #: The caller's account and, when the test named one, its IAM principal's ARN
    #: (``None``: the fake does not know which principal of the account calls).
    account: str
    principal: str | None
    #: ``ses:SendEmail``, ``ses:SendRawEmail``, ...
    action: str
    #: The identity's ARN.
    resource: str
    #: Condition keys and their values at the request (``ses:Recipients`` has several).
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)


def decide(policies: Iterable[Mapping[str, Any]], request: Request) -> Decision:
    """``"deny"`` if a statement denies the request, else ``"allow"`` if one allows it,
    else ``"none"`` (nothing allows it: refused too, unless the caller owns the identity)."""
    allowed = False
    for policy in policies:
        for statement in _listed(policy.get("Statement")):
            if not _applies(statement, request):
                continue
            if statement["Effect"] == "Deny":
                return "deny"
            allowed = True
    return "allow" if allowed else "none"


def _applies(statement: Mapping[str, Any], request: Request) -> bool:
    return (
        _principal_matches(statement["Principal"], request)
        and any(_like(str(a), request.action, fold=True) for a in _listed(statement["Action"]))
        and any(_like(str(r), request.resource, fold=True) for r in _listed(statement["Resource"]))
        and all(
            _condition(operator, key, expected, request.context.get(key, ()))
            for operator, tests in statement.get("Condition", {}).items()
            for key, expected in tests.items()
        )
    )


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    for value in _listed(principal.get("AWS")):  # a service principal is never the caller
        if value == "*" or value == request.account:
            return True
        match = _IAM_ARN.fullmatch(value)
        if match is None or match.group(1) != request.account:
            continue
        if match.group(2) == "root" or request.principal in (None, value):
            return True
    return False


def _like(pattern: str, value: str, *, fold: bool = False) -> bool:
    """IAM's wildcards: ``*`` any run of characters, ``?`` any one."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, value, re.IGNORECASE if fold else 0) is not None


def _date(text: str) -> datetime | None:
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _ip(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _ordered(
    parse: Callable[[str], Any], test: Callable[[Any, Any], bool]
) -> Callable[[str, str], bool]:
    def compare(value: str, expected: str) -> bool:
        a, b = parse(value), parse(expected)
        return a is not None and b is not None and test(a, b)

    return compare


_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}
#: Each operator as a positive test of one value against one expected value; its
#: ``Not...`` form (``StringNotEquals``, ``DateNotEquals``, ``NotIpAddress``) negates it.
_TESTS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda v, e: v == e,
    "StringEqualsIgnoreCase": lambda v, e: v.lower() == e.lower(),
    "StringLike": lambda v, e: _like(e, v),
    "Bool": lambda v, e: v.lower() == e.lower(),
    "IpAddress": _ip,
    **{f"Date{name}": _ordered(_date, test) for name, test in _ORDERINGS.items()},
    **{f"Numeric{name}": _ordered(_number, test) for name, test in _ORDERINGS.items()},
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "DateNotEquals": "DateEquals",
    "NumericNotEquals": "NumericEquals",
    "NotIpAddress": "IpAddress",
}


def _operator(name: str) -> tuple[str, str, bool, bool] | None:
    """``ForAllValues:StringLikeIfExists`` -> (set qualifier, base test, negated,
    if-exists), or ``None`` for an operator IAM does not have."""
    qualifier, _, base = name.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        return None
    if_exists = base.endswith("IfExists") and base != "Null"
    if if_exists:
        base = base[: -len("IfExists")]
    if base == "Null":
        return (qualifier, base, False, False)
    negated = base in _NEGATED
    test = _NEGATED.get(base, base)
    if test not in _TESTS:
        return None
    return (qualifier, test, negated, if_exists)


def _condition(operator: str, key: str, expected: Any, values: Sequence[str]) -> bool:
    parsed = _operator(operator)
    assert parsed is not None  # checked when the policy was put
    qualifier, base, negated, if_exists = parsed
    wanted = [str(e).lower() if isinstance(e, bool) else str(e) for e in _listed(expected)]
    if base == "Null":  # "true": the key is absent
        return any((not values) == (w.lower() == "true") for w in wanted)
    if not values:
        # An absent key satisfies IfExists, the negated tests and ForAllValues (IAM's rules).
        return if_exists or negated or qualifier == "ForAllValues"

    def one(value: str) -> bool:
        hit = any(_TESTS[base](value, w) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAllValues" or (negated and not qualifier):
        return all(one(v) for v in values)
    return any(one(v) for v in values)
