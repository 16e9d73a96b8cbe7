"""Receiving email through SES v1: receipt rule sets, rules and their order, the active
set, IP address filters, a message received (``ses_account.receive_email``) and
SendBounce; SES's errors, exact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from pytest_sesquota.account.account import Account
from pytest_sesquota.serve.store import Store

TOPIC = "arn:aws:sns:us-east-1:123456789012:inbound"


def error_of(call, **params):
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def names(ses, rule_set):
    return [r["Name"] for r in ses.describe_receipt_rule_set(RuleSetName=rule_set)["Rules"]]


def test_rule_sets_created_listed_described_and_deleted(ses_account, ses):
    ses.create_receipt_rule_set(RuleSetName="inbound")
    ses_account.clock.advance(minutes=1)
    ses.create_receipt_rule_set(RuleSetName="spare.set-2")
    listed = ses.list_receipt_rule_sets()["RuleSets"]
    assert [(s["Name"], s["CreatedTimestamp"]) for s in listed] == [
        ("inbound", ses_account.clock.start_time),
        ("spare.set-2", ses_account.clock.start_time + timedelta(minutes=1)),
    ]
    described = ses.describe_receipt_rule_set(RuleSetName="inbound")
    assert described["Metadata"]["Name"] == "inbound"
    assert described["Rules"] == []
    assert error_of(ses.create_receipt_rule_set, RuleSetName="inbound") == (
        "AlreadyExists",
        400,
        "Rule set already exists: inbound",
    )
    ses.delete_receipt_rule_set(RuleSetName="spare.set-2")
    ses.delete_receipt_rule_set(RuleSetName="never-made")  # no error, as SES
    assert error_of(ses.describe_receipt_rule_set, RuleSetName="spare.set-2") == (
        "RuleSetDoesNotExist",
        400,
        "Rule set does not exist: spare.set-2",
    )
    # botocore names the modeled error
    with pytest.raises(ses.exceptions.RuleSetDoesNotExistException):
        ses.describe_receipt_rule_set(RuleSetName="nope")


def test_names_are_checked(ses_account, ses):
    assert error_of(ses.create_receipt_rule_set, RuleSetName="bad name") == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'ruleSetName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_.-]+$",
    )
    assert error_of(ses.create_receipt_rule_set, RuleSetName="-dash") == (
        "InvalidParameterValue",
        400,
        "Not a valid ruleSetName: -dash",
    )
    assert error_of(ses.create_receipt_rule_set, RuleSetName="x" * 65)[2] == (
        f"Not a valid ruleSetName: {'x' * 65}"
    )


def test_rules_are_ordered_by_after_and_moved(ses_account, ses):
    ses.create_receipt_rule_set(RuleSetName="inbound")
    ses.create_receipt_rule(RuleSetName="inbound", Rule={"Name": "last"})
    ses.create_receipt_rule(RuleSetName="inbound", Rule={"Name": "first"})  # no After: first
    ses.create_receipt_rule(RuleSetName="inbound", After="first", Rule={"Name": "middle"})
    assert names(ses, "inbound") == ["first", "middle", "last"]
    ses.set_receipt_rule_position(RuleSetName="inbound", RuleName="first", After="last")
    assert names(ses, "inbound") == ["middle", "last", "first"]
    ses.set_receipt_rule_position(RuleSetName="inbound", RuleName="first")
    assert names(ses, "inbound") == ["first", "middle", "last"]
    ses.reorder_receipt_rule_set(RuleSetName="inbound", RuleNames=["last", "first", "middle"])
    assert names(ses, "inbound") == ["last", "first", "middle"]
    assert error_of(
        ses.reorder_receipt_rule_set, RuleSetName="inbound", RuleNames=["last", "first"]
    ) == (
        "InvalidParameterValue",
        400,
        "All of the rules in the rule set must be named, each once.",
    )
    assert error_of(ses.reorder_receipt_rule_set, RuleSetName="inbound", RuleNames=["ghost"]) == (
        "RuleDoesNotExist",
        400,
        "Rule does not exist: ghost",
    )
    assert error_of(
        ses.create_receipt_rule, RuleSetName="inbound", After="ghost", Rule={"Name": "x"}
    ) == ("RuleDoesNotExist", 400, "Rule does not exist: ghost")
    assert error_of(ses.create_receipt_rule, RuleSetName="inbound", Rule={"Name": "first"}) == (
        "AlreadyExists",
        400,
        "Rule already exists: first",
    )
    assert error_of(ses.create_receipt_rule, RuleSetName="nope", Rule={"Name": "x"}) == (
        "RuleSetDoesNotExist",
        400,
        "Rule set does not exist: nope",
    )
    ses.delete_receipt_rule(RuleSetName="inbound", RuleName="first")
    ses.delete_receipt_rule(RuleSetName="inbound", RuleName="first")  # again: no error
    assert names(ses, "inbound") == ["last", "middle"]


@pytest.mark.ses_quota(verified=["postmaster@example.com"])
def test_a_rule_is_stored_with_ses_s_defaults_and_replaced_whole(ses_account, ses):
    ses.create_receipt_rule_set(RuleSetName="inbound")
    rule = {
        "Name": "store",
        "Enabled": True,
        "Recipients": ["b@example.com", "a@example.com"],
        "Actions": [
            {"SNSAction": {"TopicArn": TOPIC}},
            {
                "BounceAction": {
                    "SmtpReplyCode": "550",
                    "Message": "gone",
                    "Sender": "postmaster@example.com",
                }
            },
            {"StopAction": {"Scope": "RuleSet"}},
        ],
    }
    ses.create_receipt_rule(RuleSetName="inbound", Rule=rule)
    described = ses.describe_receipt_rule(RuleSetName="inbound", RuleName="store")["Rule"]
    assert described == {
        "Name": "store",
        "Enabled": True,
        "TlsPolicy": "Optional",
        "Recipients": ["a@example.com", "b@example.com"],
        "Actions": [
            {"SNSAction": {"TopicArn": TOPIC, "Encoding": "UTF-8"}},
            rule["Actions"][1],
            rule["Actions"][2],
        ],
        "ScanEnabled": False,
    }
    ses.update_receipt_rule(RuleSetName="inbound", Rule={"Name": "store"})
    assert ses.describe_receipt_rule(RuleSetName="inbound", RuleName="store")["Rule"] == {
        "Name": "store",
        "Enabled": False,
        "TlsPolicy": "Optional",
        "Actions": [],
        "ScanEnabled": False,
    }
    assert error_of(ses.update_receipt_rule, RuleSetName="inbound", Rule={"Name": "ghost"}) == (
        "RuleDoesNotExist",
        400,
        "Rule does not exist: ghost",
    )
    assert error_of(ses.describe_receipt_rule, RuleSetName="inbound", RuleName="ghost") == (
        "RuleDoesNotExist",
        400,
        "Rule does not exist: ghost",
    )


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (
            [
                {"StopAction": {"Scope": "RuleSet"}},
                {"AddHeaderAction": {"HeaderName": "X-A", "HeaderValue": "1"}},
            ],
            (
                "InvalidParameterValue",
                "Stop action, if any, must be placed at the end of the actions list",
            ),
        ),
        (
            [{"SNSAction": {"TopicArn": "inbound"}}],
            ("InvalidSnsTopic", "Invalid SNS topic: inbound"),
        ),
        (
            [{"LambdaAction": {"FunctionArn": "arn:aws:lambda:us-east-1:1:fn"}}],
            ("InvalidLambdaFunction", "Invalid Lambda function: arn:aws:lambda:us-east-1:1:fn"),
        ),
        (
            [
                {
                    "BounceAction": {
                        "SmtpReplyCode": "550",
                        "Message": "no",
                        "Sender": "x@example.net",
                    }
                }
            ],
            ("InvalidParameterValue", "Identity is not verified: x@example.net"),
        ),
        (
            [{"AddHeaderAction": {"HeaderName": "Bad:Name", "HeaderValue": "1"}}],
            ("InvalidParameterValue", "Invalid header name: Bad:Name"),
        ),
        (
            [
                {
                    "StopAction": {"Scope": "RuleSet"},
                    "AddHeaderAction": {"HeaderName": "X", "HeaderValue": "1"},
                }
            ],
            (
                "InvalidParameterValue",
                "Exactly one action type must be specified for each ReceiptAction",
            ),
        ),
        ([{"StopAction": {"Scope": "RuleSet"}}] * 11, ("LimitExceeded", "Too many actions")),
    ],
)
@pytest.mark.ses_quota(verified=["postmaster@example.com"])
def test_a_rule_s_actions_are_checked(ses_account, ses, actions, expected):
    ses.create_receipt_rule_set(RuleSetName="inbound")
    code, status, message = error_of(
        ses.create_receipt_rule, RuleSetName="inbound", Rule={"Name": "r", "Actions": actions}
    )
    assert (code, status, message) == (expected[0], 400, expected[1])


def test_limits_on_rule_sets_and_rules(ses_account, ses):
    for n in range(40):
        ses_account.clock.advance(seconds=1)  # an API call a second, as SES allows
        ses.create_receipt_rule_set(RuleSetName=f"set{n}")
    assert error_of(ses.create_receipt_rule_set, RuleSetName="set40") == (
        "LimitExceeded",
        400,
        "Too many rule sets",
    )
    assert (
        error_of(ses.clone_receipt_rule_set, RuleSetName="copy", OriginalRuleSetName="set0")[0]
        == "LimitExceeded"
    )
    for n in range(200):
        ses.create_receipt_rule(RuleSetName="set0", Rule={"Name": f"r{n}"})
    assert error_of(ses.create_receipt_rule, RuleSetName="set0", Rule={"Name": "r200"}) == (
        "LimitExceeded",
        400,
        "Too many rules",
    )


def test_the_active_set_cannot_be_deleted_and_a_clone_is_independent(ses_account, ses):
    assert ses.describe_active_receipt_rule_set().keys() == {"ResponseMetadata"}
    ses.create_receipt_rule_set(RuleSetName="inbound")
    ses.create_receipt_rule(RuleSetName="inbound", Rule={"Name": "one", "Enabled": True})
    assert error_of(ses.set_active_receipt_rule_set, RuleSetName="nope") == (
        "RuleSetDoesNotExist",
        400,
        "Rule set does not exist: nope",
    )
    assert error_of(ses.set_active_receipt_rule_set, RuleSetName="") == (
        "InvalidParameterValue",
        400,
        "ruleSetName must not be empty",
    )
    ses.set_active_receipt_rule_set(RuleSetName="inbound")
    active = ses.describe_active_receipt_rule_set()
    assert active["Metadata"]["Name"] == "inbound"
    assert [r["Name"] for r in active["Rules"]] == ["one"]
    assert ses_account.active_receipt_rule_set().name == "inbound"
    assert error_of(ses.delete_receipt_rule_set, RuleSetName="inbound") == (
        "CannotDelete",
        400,
        "Cannot delete active rule set: inbound",
    )
    ses.clone_receipt_rule_set(RuleSetName="copy", OriginalRuleSetName="inbound")
    ses.delete_receipt_rule(RuleSetName="inbound", RuleName="one")
    assert names(ses, "copy") == ["one"]
    assert (
        error_of(ses.clone_receipt_rule_set, RuleSetName="copy", OriginalRuleSetName="inbound")[2]
        == "Rule set already exists: copy"
    )
    assert (
        error_of(ses.clone_receipt_rule_set, RuleSetName="c2", OriginalRuleSetName="nope")[2]
        == "Rule set does not exist: nope"
    )
    ses.set_active_receipt_rule_set()  # no name: receiving off
    assert "Metadata" not in ses.describe_active_receipt_rule_set()
    ses.delete_receipt_rule_set(RuleSetName="inbound")


def test_ip_filters(ses_account, ses):
    ses.create_receipt_filter(
        Filter={"Name": "block-spam", "IpFilter": {"Policy": "Block", "Cidr": "192.0.2.0/24"}}
    )
    ses.create_receipt_filter(
        Filter={"Name": "allow-one", "IpFilter": {"Policy": "Allow", "Cidr": "198.51.100.7"}}
    )
    assert ses.list_receipt_filters()["Filters"] == [
        {"Name": "block-spam", "IpFilter": {"Policy": "Block", "Cidr": "192.0.2.0/24"}},
        {"Name": "allow-one", "IpFilter": {"Policy": "Allow", "Cidr": "198.51.100.7"}},
    ]
    spec = {"Name": "block-spam", "IpFilter": {"Policy": "Block", "Cidr": "192.0.2.1"}}
    assert error_of(ses.create_receipt_filter, Filter=spec) == (
        "AlreadyExists",
        400,
        "Filter already exists: block-spam",
    )
    bad = {"Name": "bad", "IpFilter": {"Policy": "Block", "Cidr": "not-an-ip"}}
    assert error_of(ses.create_receipt_filter, Filter=bad) == (
        "InvalidParameterValue",
        400,
        "Invalid CIDR: not-an-ip",
    )
    ses.delete_receipt_filter(FilterName="block-spam")
    ses.delete_receipt_filter(FilterName="block-spam")
    assert [f["Name"] for f in ses.list_receipt_filters()["Filters"]] == ["allow-one"]


def test_rules_apply_to_a_received_message_in_order_up_to_a_stop(ses_account, ses):
    ses.create_receipt_rule_set(RuleSetName="inbound")
    stop = [{"StopAction": {"Scope": "RuleSet"}}]
    ses.create_receipt_rule(RuleSetName="inbound", Rule={"Name": "catch-all", "Enabled": True})
    ses.create_receipt_rule(RuleSetName="inbound", After="catch-all", Rule={"Name": "off"})
    ses.create_receipt_rule(
        RuleSetName="inbound",
        After="off",
        Rule={"Name": "sub", "Enabled": True, "Recipients": [".example.com"], "Actions": stop},
    )
    ses.create_receipt_rule(
        RuleSetName="inbound",
        After="sub",
        Rule={"Name": "domain", "Enabled": True, "Recipients": ["example.com"]},
    )
    before = ses_account.receive_email("someone@example.net", ["a@example.com"])
    assert (before.rule_set, before.rules) == (None, ())  # no active set yet
    ses.set_active_receipt_rule_set(RuleSetName="inbound")
    to_domain = ses_account.receive_email("x@example.net", ["a@example.com"], subject="Hi")
    assert to_domain.rules == ("catch-all", "domain")
    to_sub = ses_account.receive_email("x@example.net", ["a@mail.example.com"])
    assert to_sub.rules == ("catch-all", "sub")  # stopped there
    assert ses_account.received() == [before, to_domain, to_sub]


@pytest.mark.ses_quota(verified=["mailer-daemon@example.com"])
def test_send_bounce_for_a_received_message(ses_account, ses):
    received = ses_account.receive_email("sender@example.net", ["gone@example.com"])
    bounced = ses.send_bounce(
        OriginalMessageId=received.message_id,
        BounceSender="mailer-daemon@example.com",
        Explanation="No such user.",
        BouncedRecipientInfoList=[{"Recipient": "gone@example.com", "BounceType": "DoesNotExist"}],
    )
    (bounce,) = ses_account.received()[0].bounces
    assert (bounce.message_id, bounce.sender, bounce.recipients, bounce.explanation) == (
        bounced["MessageId"],
        "mailer-daemon@example.com",
        ("gone@example.com",),
        "No such user.",
    )
    assert ses_account.sent == []  # a bounce is not a send: no quota, no ledger entry
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0
    info = [{"Recipient": "gone@example.com", "BounceType": "DoesNotExist"}]
    assert error_of(
        ses.send_bounce,
        OriginalMessageId=received.message_id,
        BounceSender="someone@example.org",
        BouncedRecipientInfoList=info,
    ) == (
        "MessageRejected",
        400,
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: someone@example.org",
    )
    ses_account.clock.advance(hours=24, seconds=1)
    assert error_of(
        ses.send_bounce,
        OriginalMessageId=received.message_id,
        BounceSender="mailer-daemon@example.com",
        BouncedRecipientInfoList=info,
    ) == (
        "MessageRejected",
        400,
        f"Could not find the original message {received.message_id} received in the last 24 hours.",
    )
    with pytest.raises(ses.exceptions.MessageRejected):
        ses.send_bounce(
            OriginalMessageId="never-received",
            BounceSender="mailer-daemon@example.com",
            BouncedRecipientInfoList=info,
        )


def test_receiving_is_per_region_and_survives_a_state_file(tmp_path):
    first = Account(profile="production")
    first.verify("postmaster@example.com")
    from pytest_sesquota.account.account import part_of
    from pytest_sesquota.account.receiving import ReceiptRules, ReceiptRuleSet

    part = part_of(first, ReceiptRules)
    made = ReceiptRuleSet("inbound", first.clock.now(), [{"Name": "r", "Enabled": True}])
    part.put_rule_set(made, "eu-west-1")
    part.set_active("inbound", "eu-west-1")
    part.put_filter({"Name": "f", "IpFilter": {"Policy": "Block", "Cidr": "192.0.2.0/24"}})
    first.receive_email("x@example.net", ["a@example.com"], region="eu-west-1")
    assert first.active_receipt_rule_set() is None
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(first)
        second = Account(profile="production")
        store.load(second)
    finally:
        store.close()
    assert second.active_receipt_rule_set("eu-west-1") == made
    assert second.received("eu-west-1") == first.received("eu-west-1")
    assert part_of(second, ReceiptRules).receipt_filters() == part.receipt_filters()
