"""What SES checks of a receipt rule and of the names of rule sets and rules, and the rule
as SES stores and describes it (its defaults filled in).

The texts are those a public emulator's probes of real SES recorded (see docs/choices.md,
"Receiving email"); where none was recorded, the choice is written there.
"""

from __future__ import annotations

__all__ = [
    "MAX_ACTIONS",
    "MAX_RULES",
    "MAX_RULE_SETS",
    "check_name",
    "rule_does_not_exist",
    "rule_set_does_not_exist",
    "stored_rule",
]

import re
from collections.abc import Mapping
from typing import Any

from ..account.identities import Identities
from .api import Call, does_not_exist, limit_exceeded
from .mail import ApiError, invalid

#: The guide's receiving quotas ("Quotas related to email receiving").
MAX_RULE_SETS = 40
MAX_RULES = 200
MAX_ACTIONS = 10
_NAME = re.compile(r"^[a-zA-Z0-9_.-]+$")
_ACTIONS = (
    "S3Action",
    "BounceAction",
    "WorkmailAction",
    "LambdaAction",
    "StopAction",
    "AddHeaderAction",
    "SNSAction",
    "ConnectAction",
)
_SNS_TOPIC = re.compile(r"^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:\d{12}:.+$")
_LAMBDA = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:.+$")
# RFC 5322's field name: printable US-ASCII but the colon.
_HEADER_NAME = re.compile(r"^[\x21-\x39\x3b-\x7e]+$")


def check_name(name: str | None, field: str) -> str:
    """A rule set's or a rule's name as SES checks it (``field``: ``ruleSetName``,
    ``ruleName``, ``rule.name``, ``after``): ASCII letters, digits, ``_ . -``, at most 64,
    a letter or digit at each end."""
    if not name:
        raise invalid(f"{field} must not be empty")
    if not _NAME.match(name):
        raise ApiError(
            "ValidationError",
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_.-]+$",
        )
    if len(name) > 64 or not (name[0].isalnum() and name[-1].isalnum()):
        raise invalid(f"Not a valid {field}: {name}")
    return name


def rule_set_does_not_exist(name: str) -> ApiError:
    return does_not_exist("RuleSetDoesNotExist", f"Rule set does not exist: {name}")


def rule_does_not_exist(name: str) -> ApiError:
    return does_not_exist("RuleDoesNotExist", f"Rule does not exist: {name}")


def _check_action(call: Call, action: Mapping[str, Any]) -> None:
    kinds = [k for k in _ACTIONS if k in action]
    if len(kinds) != 1:
        raise invalid("Exactly one action type must be specified for each ReceiptAction")
    body = action[kinds[0]]
    topic = body.get("TopicArn")
    # SES also checks that the topic, bucket and function exist and that it may use them;
    # the fake checks their form (docs/choices.md).
    if topic is not None and not _SNS_TOPIC.match(topic):
        raise ApiError("InvalidSnsTopic", f"Invalid SNS topic: {topic}")
    if kinds[0] == "S3Action" and not body.get("BucketName"):
        raise invalid("Bucket name must not be empty")
    if kinds[0] == "LambdaAction":
        function = body.get("FunctionArn") or ""
        if not function:
            raise invalid("Lambda function ARN must not be empty")
        if not _LAMBDA.match(function):
            raise ApiError("InvalidLambdaFunction", f"Invalid Lambda function: {function}")
    if kinds[0] == "AddHeaderAction" and not _HEADER_NAME.match(body.get("HeaderName", "")):
        raise invalid(f"Invalid header name: {body.get('HeaderName', '')}")
    if kinds[0] == "BounceAction":
        sender = body.get("Sender", "")
        identities = call.part(Identities)
        if identities.checked(call.region) and not identities.is_verified(sender, call.region):
            raise invalid(f"Identity is not verified: {sender}")


def stored_rule(call: Call, rule: Mapping[str, Any]) -> dict[str, Any]:
    """The rule as SES keeps it after its checks: ``Enabled``, ``ScanEnabled`` false and
    ``TlsPolicy`` ``Optional`` unless given, recipients sorted, an SNS action's encoding
    UTF-8 unless given."""
    check_name(rule.get("Name"), "rule.name")
    actions = [dict(a) for a in rule.get("Actions") or ()]
    if len(actions) > MAX_ACTIONS:
        raise limit_exceeded("Too many actions")
    for position, action in enumerate(actions):
        _check_action(call, action)
        if "StopAction" in action and position != len(actions) - 1:
            raise invalid("Stop action, if any, must be placed at the end of the actions list")
        if "SNSAction" in action:
            action["SNSAction"] = {"Encoding": "UTF-8", **action["SNSAction"]}
    stored: dict[str, Any] = {
        "Name": rule["Name"],
        "Enabled": bool(rule.get("Enabled", False)),
        "TlsPolicy": rule.get("TlsPolicy") or "Optional",
        "Actions": actions,
        "ScanEnabled": bool(rule.get("ScanEnabled", False)),
    }
    if rule.get("Recipients"):
        stored["Recipients"] = sorted(rule["Recipients"])
    return stored
