"""Receiving email (SES v1 only: SES v2 has no receiving API): receipt rule sets, their
rules and their order, the active set, IP address filters, and SendBounce."""

from __future__ import annotations

__all__ = ["ReceivingV1"]

import ipaddress
from datetime import timedelta
from typing import Any, ClassVar

from ..account.identities import Identities
from ..account.receiving import ReceiptRules, ReceiptRuleSet, SentBounce
from .api import Call, Operations, Params, Result, already_exists, limit_exceeded, paginate
from .mail import ApiError, check_address, invalid
from .receipt_rules import (
    MAX_RULE_SETS,
    MAX_RULES,
    check_name,
    rule_does_not_exist,
    rule_set_does_not_exist,
    stored_rule,
)

#: The guide's quota of IP address filters.
MAX_FILTERS = 100
#: SendBounce works "on an email up to 24 hours after you receive it" (the API reference).
BOUNCE_WINDOW = timedelta(hours=24)


def _rule_set(call: Call, name: str) -> ReceiptRuleSet:
    found = call.part(ReceiptRules).receipt_rule_set(check_name(name, "ruleSetName"), call.region)
    if found is None:
        raise rule_set_does_not_exist(name)
    return found


def _described(rule_set: ReceiptRuleSet | None) -> Result:
    # No active set: no Metadata, no Rules (probed: an empty answer).
    if rule_set is None:
        return {}
    return {
        "Metadata": {"Name": rule_set.name, "CreatedTimestamp": rule_set.created},
        "Rules": rule_set.rules,
    }


def _position(rule_set: ReceiptRuleSet, after: str | None) -> int:
    """Where a rule goes: first without ``After``, else just behind the rule it names."""
    if after is None:
        return 0
    index = rule_set.index(check_name(after, "after"))
    if index is None:
        raise rule_does_not_exist(after)
    return index + 1


class ReceivingV1(Operations):
    title = "receiving email"
    names = (
        "CreateReceiptRuleSet",
        "DeleteReceiptRuleSet",
        "DescribeReceiptRuleSet",
        "ListReceiptRuleSets",
        "CloneReceiptRuleSet",
        "ReorderReceiptRuleSet",
        "SetActiveReceiptRuleSet",
        "DescribeActiveReceiptRuleSet",
        "CreateReceiptRule",
        "DescribeReceiptRule",
        "UpdateReceiptRule",
        "DeleteReceiptRule",
        "SetReceiptRulePosition",
        "CreateReceiptFilter",
        "DeleteReceiptFilter",
        "ListReceiptFilters",
        "SendBounce",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "rules kept and ordered, not run: ses_account.receive_email has SES receive a "
        "message and names the rules that apply",
        "SendBounce": "for a message received in the last 24 hours; not a send",
    }

    # -- rule sets ---------------------------------------------------------------------
    def CreateReceiptRuleSet(self, call: Call, p: Params) -> Result:
        self._create(call, check_name(p["RuleSetName"], "ruleSetName"), rules=[])
        return {}

    def _create(self, call: Call, name: str, rules: list[dict[str, Any]]) -> None:
        receiving = call.part(ReceiptRules)
        existing = receiving.receipt_rule_sets(call.region)
        if any(s.name == name for s in existing):
            raise already_exists(f"Rule set already exists: {name}")
        if len(existing) >= MAX_RULE_SETS:
            raise limit_exceeded("Too many rule sets")
        made = ReceiptRuleSet(name, call.account.clock.now(), rules)
        receiving.put_rule_set(made, call.region)

    def DeleteReceiptRuleSet(self, call: Call, p: Params) -> Result:
        name = check_name(p["RuleSetName"], "ruleSetName")
        receiving = call.part(ReceiptRules)
        active = receiving.active_receipt_rule_set(call.region)
        if active is not None and active.name == name:
            raise ApiError("CannotDelete", f"Cannot delete active rule set: {name}")
        # A rule set that does not exist is deleted without an error (probed).
        receiving.delete_rule_set(name, call.region)
        return {}

    def DescribeReceiptRuleSet(self, call: Call, p: Params) -> Result:
        return _described(_rule_set(call, p["RuleSetName"]))

    def ListReceiptRuleSets(self, call: Call, p: Params) -> Result:
        sets = call.part(ReceiptRules).receipt_rule_sets(call.region)
        items = [{"Name": s.name, "CreatedTimestamp": s.created} for s in sets]
        # The model has no page size: SES's pages are of 100 (a choice: not documented).
        return paginate(
            items, "RuleSets", size=None, token=p.get("NextToken"), default=100, size_name=""
        )

    def CloneReceiptRuleSet(self, call: Call, p: Params) -> Result:
        original = _rule_set(call, p["OriginalRuleSetName"])
        self._create(call, check_name(p["RuleSetName"], "ruleSetName"), original.rules)
        return {}

    def ReorderReceiptRuleSet(self, call: Call, p: Params) -> Result:
        rule_set = _rule_set(call, p["RuleSetName"])
        names = list(p["RuleNames"])
        for name in names:
            if rule_set.index(name) is None:
                raise rule_does_not_exist(name)
        if sorted(set(names)) != sorted(r["Name"] for r in rule_set.rules) or len(names) != len(
            set(names)
        ):
            raise invalid("All of the rules in the rule set must be named, each once.")
        by_name = {r["Name"]: r for r in rule_set.rules}
        rule_set.rules = [by_name[n] for n in names]
        call.part(ReceiptRules).put_rule_set(rule_set, call.region)
        return {}

    def SetActiveReceiptRuleSet(self, call: Call, p: Params) -> Result:
        receiving = call.part(ReceiptRules)
        if "RuleSetName" not in p:  # no name: receiving is turned off
            receiving.set_active(None, call.region)
            return {}
        if not p["RuleSetName"]:
            raise invalid("ruleSetName must not be empty")  # captured
        receiving.set_active(_rule_set(call, p["RuleSetName"]).name, call.region)
        return {}

    def DescribeActiveReceiptRuleSet(self, call: Call, p: Params) -> Result:
        return _described(call.part(ReceiptRules).active_receipt_rule_set(call.region))

    # -- rules -----------------------------------------------------------------------
    def CreateReceiptRule(self, call: Call, p: Params) -> Result:
        rule_set = _rule_set(call, p["RuleSetName"])
        rule = p["Rule"]
        check_name(rule.get("Name"), "rule.name")
        if rule_set.index(rule["Name"]) is not None:
            raise already_exists(f"Rule already exists: {rule['Name']}")
        position = _position(rule_set, p.get("After"))
        if len(rule_set.rules) >= MAX_RULES:
            raise limit_exceeded("Too many rules")
        rule_set.rules.insert(position, stored_rule(call, rule))
        call.part(ReceiptRules).put_rule_set(rule_set, call.region)
        return {}

    def DescribeReceiptRule(self, call: Call, p: Params) -> Result:
        rule_set = _rule_set(call, p["RuleSetName"])
        index = rule_set.index(check_name(p["RuleName"], "ruleName"))
        if index is None:
            raise rule_does_not_exist(p["RuleName"])
        return {"Rule": rule_set.rules[index]}

    def UpdateReceiptRule(self, call: Call, p: Params) -> Result:
        # The whole rule is replaced (what is left out takes its default) in its place.
        rule_set = _rule_set(call, p["RuleSetName"])
        index = rule_set.index(check_name(p["Rule"].get("Name"), "rule.name"))
        if index is None:
            raise rule_does_not_exist(p["Rule"]["Name"])
        rule_set.rules[index] = stored_rule(call, p["Rule"])
        call.part(ReceiptRules).put_rule_set(rule_set, call.region)
        return {}

    def DeleteReceiptRule(self, call: Call, p: Params) -> Result:
        rule_set = _rule_set(call, p["RuleSetName"])
        # A rule that does not exist is deleted without an error (probed).
        index = rule_set.index(check_name(p["RuleName"], "ruleName"))
        if index is not None:
            del rule_set.rules[index]
            call.part(ReceiptRules).put_rule_set(rule_set, call.region)
        return {}

    def SetReceiptRulePosition(self, call: Call, p: Params) -> Result:
        rule_set = _rule_set(call, p["RuleSetName"])
        name = check_name(p["RuleName"], "ruleName")
        index = rule_set.index(name)
        if index is None:
            raise rule_does_not_exist(name)
        after = p.get("After")
        if after == name:  # after itself: nothing moves (probed)
            return {}
        _position(rule_set, after)  # the rule it names exists
        moved = rule_set.rules.pop(index)
        rule_set.rules.insert(_position(rule_set, after), moved)
        call.part(ReceiptRules).put_rule_set(rule_set, call.region)
        return {}

    # -- IP address filters ------------------------------------------------------------
    def CreateReceiptFilter(self, call: Call, p: Params) -> Result:
        spec = p["Filter"]
        name = check_name(spec["Name"], "filter.name")
        cidr = spec["IpFilter"]["Cidr"]
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise invalid(f"Invalid CIDR: {cidr}") from None
        receiving = call.part(ReceiptRules)
        existing = receiving.receipt_filters(call.region)
        if any(f["Name"] == name for f in existing):
            raise already_exists(f"Filter already exists: {name}")
        if len(existing) >= MAX_FILTERS:
            raise limit_exceeded("Too many filters")
        policy = spec["IpFilter"]["Policy"]
        receiving.put_filter(
            {"Name": name, "IpFilter": {"Policy": policy, "Cidr": cidr}}, call.region
        )
        return {}

    def DeleteReceiptFilter(self, call: Call, p: Params) -> Result:
        # The model gives DeleteReceiptFilter no error: a missing filter is no error.
        call.part(ReceiptRules).delete_filter(p["FilterName"], call.region)
        return {}

    def ListReceiptFilters(self, call: Call, p: Params) -> Result:
        return {"Filters": call.part(ReceiptRules).receipt_filters(call.region)}

    # -- bouncing a received message ---------------------------------------------------
    def SendBounce(self, call: Call, p: Params) -> Result:
        receiving = call.part(ReceiptRules)
        original = receiving.received_message(p["OriginalMessageId"], call.region)
        now = call.account.clock.now()
        if original is None or now - original.time > BOUNCE_WINDOW:
            raise ApiError(
                "MessageRejected",
                f"Could not find the original message {p['OriginalMessageId']} received "
                "in the last 24 hours.",
            )
        sender = p["BounceSender"]
        check_address(sender)
        identities = call.part(Identities)
        if identities.checked(call.region) and not identities.is_verified(sender, call.region):
            raise ApiError(
                "MessageRejected",
                "Email address is not verified. The following identities failed the check "
                f"in region {call.region.upper()}: {sender}",
            )
        recipients = tuple(info["Recipient"] for info in p["BouncedRecipientInfoList"])
        if not recipients:
            raise invalid("BouncedRecipientInfoList must contain at least one recipient.")
        for info in p["BouncedRecipientInfoList"]:
            if "BounceType" not in info and "RecipientDsnFields" not in info:
                raise invalid("Either BounceType or RecipientDsnFields must be specified.")
        bounce = SentBounce(
            message_id=call.account.new_message_id(),
            time=now,
            sender=sender,
            recipients=recipients,
            explanation=p.get("Explanation"),
        )
        receiving.record_bounce(original.message_id, bounce, call.region)
        return {"MessageId": bounce.message_id}
