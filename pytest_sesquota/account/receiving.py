"""Receiving email, per region: receipt rule sets and their rules, the active set, IP
address filters, and the messages SES received (``receive_email``) that SendBounce can
bounce. SES's errors are the operations' (``ses/receiving.py``); this part keeps state.
"""

from __future__ import annotations

__all__ = ["ReceiptRuleSet", "ReceiptRules", "ReceivedMessage", "SentBounce", "rule_matches"]

import copy
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .ledger import address_of
from .options import RegionSettings
from .part import Context, Part


@dataclass
class ReceiptRuleSet:
    name: str
    created: datetime
    #: The rules in order, each as SES describes it (``{"Name", "Enabled", ...}``).
    rules: list[dict[str, Any]] = field(default_factory=list)

    def index(self, rule: str) -> int | None:
        return next((i for i, r in enumerate(self.rules) if r["Name"] == rule), None)


@dataclass(frozen=True)
class SentBounce:
    """A bounce SendBounce sent for a received message."""

    message_id: str
    time: datetime
    sender: str
    recipients: tuple[str, ...]
    explanation: str | None = None


@dataclass(frozen=True)
class ReceivedMessage:
    """A message SES received on the account's behalf (``receive_email``)."""

    message_id: str
    time: datetime
    region: str
    mail_from: str
    recipients: tuple[str, ...]
    subject: str | None = None
    #: The active rule set when it arrived, and the names of its rules that applied, in order.
    rule_set: str | None = None
    rules: tuple[str, ...] = ()
    bounces: tuple[SentBounce, ...] = ()


def rule_matches(rule: Mapping[str, Any], recipient: str) -> bool:
    """Whether a receipt rule applies to ``recipient``: an enabled rule with no recipients
    matches all; ``user@example.com`` matches that address, ``example.com`` the domain's
    addresses, ``.example.com`` its subdomains' (the guide's receipt rule recipients)."""
    if not rule.get("Enabled"):
        return False
    patterns = rule.get("Recipients") or ()
    if not patterns:
        return True
    address = address_of(recipient).lower()
    domain = address.rpartition("@")[2]
    for pattern in (p.lower() for p in patterns):
        if "@" in pattern and pattern == address:
            return True
        if pattern.startswith(".") and domain.endswith(pattern):
            return True
        if "@" not in pattern and not pattern.startswith(".") and domain == pattern:
            return True
    return False


class ReceiptRules(Part):
    """Rule sets by name (in the order created), the active set's name, IP filters by
    name, and the messages received."""

    key = "receiving"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._sets: dict[str, dict[str, ReceiptRuleSet]] = {}
        self._active: dict[str, str | None] = {}
        self._filters: dict[str, dict[str, dict[str, Any]]] = {}
        self._received: dict[str, dict[str, ReceivedMessage]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._sets[region] = {}
        self._active[region] = None
        self._filters[region] = {}
        self._received[region] = {}

    # -- rule sets -------------------------------------------------------------------
    def receipt_rule_set(self, name: str, region: str | None = None) -> ReceiptRuleSet | None:
        """The region's receipt rule set ``name`` (a copy), or ``None``."""
        with self.lock:
            found = self._sets[self.region(region)].get(name)
            return None if found is None else copy.deepcopy(found)

    def receipt_rule_sets(self, region: str | None = None) -> list[ReceiptRuleSet]:
        """The region's receipt rule sets, in the order created (copies)."""
        with self.lock:
            return copy.deepcopy(list(self._sets[self.region(region)].values()))

    def put_rule_set(self, rule_set: ReceiptRuleSet, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._sets[where][rule_set.name] = copy.deepcopy(rule_set)
            self.changed(where)

    def delete_rule_set(self, name: str, region: str | None = None) -> bool:
        where = self.region(region)
        with self.lock:
            found = self._sets[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    def active_receipt_rule_set(self, region: str | None = None) -> ReceiptRuleSet | None:
        """The region's active receipt rule set (a copy), ``None`` when receiving is off."""
        where = self.region(region)
        with self.lock:
            name = self._active[where]
            return None if name is None else self.receipt_rule_set(name, where)

    def set_active(self, name: str | None, region: str | None = None) -> None:
        """Make ``name`` the active set (``None``: no set, receiving off)."""
        where = self.region(region)
        with self.lock:
            self._active[where] = name
            self.changed(where)

    # -- IP address filters ----------------------------------------------------------
    def receipt_filters(self, region: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(list(self._filters[self.region(region)].values()))

    def put_filter(self, receipt_filter: Mapping[str, Any], region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._filters[where][receipt_filter["Name"]] = copy.deepcopy(dict(receipt_filter))
            self.changed(where)

    def delete_filter(self, name: str, region: str | None = None) -> bool:
        where = self.region(region)
        with self.lock:
            found = self._filters[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    # -- received messages (what SES decides: mail arrives from outside) -------------------
    def receive_email(
        self,
        mail_from: str,
        recipients: Sequence[str],
        *,
        subject: str | None = None,
        region: str | None = None,
    ) -> ReceivedMessage:
        """Have SES receive a message for the account (as mail arriving at its MX would),
        at the virtual now: its message id for SendBounce, and the rules of the active
        rule set that apply to it, in order, up to a rule with a stop action. The rules'
        actions themselves (S3, SNS, Lambda, ...) are not run."""
        if isinstance(recipients, str) or not recipients:
            raise TypeError("receive_email() needs a list of at least one recipient")
        where = self.region(region)
        with self.lock:
            active = self.active_receipt_rule_set(where)
            applied: list[str] = []
            for rule in active.rules if active is not None else ():
                if any(rule_matches(rule, r) for r in recipients):
                    applied.append(rule["Name"])
                    if any("StopAction" in a for a in rule.get("Actions") or ()):
                        break
            message = ReceivedMessage(
                # SES's receipt ids are 40 lower-case letters and digits.
                message_id=secrets.token_hex(20),
                time=self.clock.now(),
                region=where,
                mail_from=mail_from,
                recipients=tuple(recipients),
                subject=subject,
                rule_set=None if active is None else active.name,
                rules=tuple(applied),
            )
            self._received[where][message.message_id] = message
            self.changed(where)
            return message

    def received(self, region: str | None = None) -> list[ReceivedMessage]:
        """The messages the region received, oldest first, with the bounces sent for them."""
        with self.lock:
            return list(self._received[self.region(region)].values())

    def received_message(
        self, message_id: str, region: str | None = None
    ) -> ReceivedMessage | None:
        with self.lock:
            return self._received[self.region(region)].get(message_id)

    def record_bounce(self, message_id: str, bounce: SentBounce, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            message = self._received[where][message_id]
            self._received[where][message_id] = replace(message, bounces=(*message.bounces, bounce))
            self.changed(where)

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "sets": [vars(s) for s in self._sets[region].values()],
            "active": self._active[region],
            "filters": list(self._filters[region].values()),
            "received": [
                {**vars(m), "bounces": [vars(b) for b in m.bounces]}
                for m in self._received[region].values()
            ],
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._sets[region] = {s["name"]: ReceiptRuleSet(**s) for s in copy.deepcopy(data["sets"])}
        self._active[region] = data["active"]
        self._filters[region] = {f["Name"]: f for f in copy.deepcopy(data["filters"])}
        received = {}
        for item in data["received"]:
            bounces = tuple(
                SentBounce(**{**b, "recipients": tuple(b["recipients"])}) for b in item["bounces"]
            )
            message = ReceivedMessage(
                **{
                    **item,
                    "recipients": tuple(item["recipients"]),
                    "rules": tuple(item["rules"]),
                    "bounces": bounces,
                }
            )
            received[message.message_id] = message
        self._received[region] = received
