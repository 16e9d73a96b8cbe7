"""A part's say in sending: it completes a send, refuses it, keeps recipients from
delivery, hears of what was accepted; the account asks only the parts that take part."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pytest_sesquota.account.account import Account, part_of, parts_of
from pytest_sesquota.account.ledger import Outgoing, SendRefused, SentMessage
from pytest_sesquota.account.part import Part
from pytest_sesquota.account.sending import Sending
from pytest_sesquota.account.templates import Templates


class Rule(Part):
    """A resource with an opinion on every send."""

    def __init__(self, context):
        super().__init__(context)
        self.heard: list[str] = []

    def prepare_send(self, send: Outgoing) -> Outgoing:
        if send.configuration_set is None:
            return replace(send, content={**send.content, "configuration_set": "default"})
        return send

    def check_send(self, send: Outgoing) -> SendRefused | None:
        if send.configuration_set == "missing":
            return SendRefused("configuration_set_missing", "Configuration set missing.")
        return None

    def undelivered(self, send: Outgoing) -> dict[str, str]:
        return {r: "unsubscribed" for r in send.recipients if r.startswith("gone")}

    def accepted(self, message: SentMessage) -> None:
        self.heard.append(message.message_id)


def account_with_rule() -> tuple[Account, Rule]:
    account = Account(profile="production")
    rule = Rule(part_of(account, Templates).context)
    sending = part_of(account, Sending)
    sending.preparers = sending.checkers = sending.keepers = sending.listeners = (rule,)
    return account, rule


def send(account: Account, *recipients: str, **content: object) -> SentMessage:
    return account.send(
        region=None,
        operation="SendEmail",
        source="app@example.com",
        recipients=list(recipients),
        **content,
    )


def test_a_part_completes_refuses_keeps_and_hears():
    account, rule = account_with_rule()
    message = send(account, "a@example.com", "gone@example.com")
    assert message.configuration_set == "default"
    assert message.undelivered == {"gone@example.com": "unsubscribed"}
    assert message.delivered == ("a@example.com",)
    assert rule.heard == [message.message_id]
    with pytest.raises(SendRefused) as refused:
        send(account, "a@example.com", configuration_set="missing")
    assert refused.value.kind == "configuration_set_missing"
    [rejected] = account.rejected
    assert (rejected.reason, rejected.code) == (
        "configuration_set_missing",
        "configuration_set_missing",
    )
    assert account.quota()[2] == 2.0  # the refused send took no quota


def test_the_account_asks_only_the_parts_that_override_a_hook():
    account = Account()
    sending = part_of(account, Sending)
    overriding = {
        hook: [
            type(p).__name__
            for p in parts_of(account)
            if getattr(type(p), hook) is not getattr(Part, hook)
        ]
        for hook in ("prepare_send", "check_send", "undelivered", "accepted", "suppression_reasons")
    }
    assert [type(p).__name__ for p in sending.preparers] == overriding["prepare_send"]
    assert [type(p).__name__ for p in sending.checkers] == overriding["check_send"]
    assert [type(p).__name__ for p in sending.keepers] == overriding["undelivered"]
    assert [type(p).__name__ for p in sending.listeners] == overriding["accepted"]
    assert [type(p).__name__ for p in sending.reasoners] == overriding["suppression_reasons"]
