"""The Authorization part alone: delegating accounts, policies, a send's check, and its
state saved and restored."""

from __future__ import annotations

from pytest_sesquota.account.authorization import Authorization
from pytest_sesquota.account.identities import Identities
from pytest_sesquota.account.ledger import Outgoing

ARN = "arn:aws:ses:us-east-1:111122223333:identity/example.com"


def outgoing(**content):
    return Outgoing("us-east-1", "SendEmail", "news@example.com", ("a@example.net",), content)


def build(make_parts):
    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    part = parts.add(Authorization(parts.context, identities))
    part.region(None)
    return part


def test_a_delegate_send_is_decided_by_the_owner_s_policy(make_parts):
    part = build(make_parts)
    assert part.check_send(outgoing()) is None  # nothing named, no policy: the fast path
    owner = part.delegating_account("111122223333")
    owner.verify("example.com")
    refused = part.check_send(outgoing(source_arn=ARN))
    assert refused is not None and refused.kind == "not_authorized"
    assert owner.allow("example.com") == ARN
    assert part.check_send(outgoing(source_arn=ARN)) is None
    owner.sandbox = True
    refused = part.check_send(outgoing(source_arn=ARN))
    assert refused is not None and (refused.kind, refused.failed) == (
        "unverified",
        ("a@example.net",),
    )


def test_the_state_is_saved_and_restored(make_parts):
    part = build(make_parts)
    owner = part.delegating_account("111122223333")
    owner.allow("example.com")
    owner.sandbox = True
    part.set_sending_principal("arn:aws:iam::123456789012:user/app")
    region = part.region(None)
    again = build(make_parts)
    again.region(region)
    again.restore(region, part.export(region))
    assert again.export(region) == part.export(region)
    restored = again.delegating_account("111122223333")
    assert (restored.identities(), restored.sandbox) == (["example.com"], True)
    assert again.check_send(outgoing(source_arn=ARN)) is not None  # the sandbox, restored
