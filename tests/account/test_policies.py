"""The policy language of sending authorization: what SES accepts, and how a request is
decided (an explicit Deny wins, then an Allow; the IAM rules for absent keys)."""

from __future__ import annotations

import pytest

from pytest_sesquota.account.policies import (
    PolicyError,
    Request,
    checked_policy,
    decide,
    identity_arn,
    parse_identity_arn,
)

ARN = "arn:aws:ses:us-east-1:111122223333:identity/example.com"
RECIPIENTS = ("a@example.net", "b@example.org")


def statement(
    condition=None, *, effect="Allow", principal="*", action="ses:SendEmail", resource=ARN
):
    found = {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}
    if condition is not None:
        found["Condition"] = condition
    return {"Statement": [found]}


def request(**context):
    values = {"ses:Recipients": RECIPIENTS, "ses:FromAddress": ("news@example.com",), **context}
    return Request("123456789012", None, "ses:SendEmail", ARN, values)


@pytest.mark.parametrize(
    ("condition", "allowed"),
    [
        ({"StringEquals": {"ses:FromAddress": "news@example.com"}}, True),
        ({"StringEquals": {"ses:FromAddress": "NEWS@example.com"}}, False),  # case counts
        ({"StringEqualsIgnoreCase": {"ses:FromAddress": "NEWS@example.com"}}, True),
        ({"StringLike": {"ses:FromAddress": "ne?s*"}}, True),
        ({"StringNotLike": {"ses:FromAddress": "*admin*"}}, True),
        ({"StringLike": {"ses:Recipients": "*@example.org"}}, True),  # any value, no qualifier
        ({"ForAllValues:StringLike": {"ses:Recipients": "*@example.org"}}, False),
        ({"ForAnyValue:StringLike": {"ses:Recipients": "*@example.org"}}, True),
        ({"ForAllValues:StringLike": {"ses:Recipients": ["*@example.org", "*@example.net"]}}, True),
        ({"StringNotEquals": {"ses:Recipients": "a@example.net"}}, False),  # not for every one
        ({"StringEquals": {"ses:FromDisplayName": "News"}}, False),  # absent: false
        ({"StringEqualsIfExists": {"ses:FromDisplayName": "News"}}, True),  # ...unless IfExists
        ({"StringNotEquals": {"ses:FromDisplayName": "News"}}, True),  # negated: true
        ({"Null": {"ses:FromDisplayName": "true"}}, True),
        ({"Null": {"ses:FromAddress": "true"}}, False),
        ({"Bool": {"aws:SecureTransport": True}}, True),
        ({"NumericLessThan": {"aws:EpochTime": "1000"}}, False),
        ({"NumericGreaterThanEquals": {"aws:EpochTime": "5"}}, True),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, True),
        ({"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, False),
        ({"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00Z"}}, True),
        ({"DateLessThan": {"aws:CurrentTime": "not a date"}}, False),
    ],
)
def test_conditions_follow_the_iam_rules(condition, allowed):
    context = {
        "aws:SecureTransport": ("true",),
        "aws:EpochTime": ("1700000000",),
        "aws:SourceIp": ("127.0.0.1",),
        "aws:CurrentTime": ("2026-06-01T00:00:00Z",),
    }
    policy = checked_policy(_json(statement(condition)), ARN)
    assert decide([policy], request(**context)) == ("allow" if allowed else "none")


def test_a_deny_wins_over_an_allow_and_nothing_allowed_is_none():
    allow = statement()
    deny = statement({"StringLike": {"ses:Recipients": "*@example.org"}}, effect="Deny")
    assert decide([allow, deny], request()) == "deny"
    assert decide([allow], request()) == "allow"
    assert decide([], request()) == "none"


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": "123456789012"}, True),
        ({"AWS": ["999999999999", "arn:aws:iam::123456789012:root"]}, True),
        ({"AWS": "arn:aws:iam::123456789012:user/app"}, True),  # the caller unknown: any of it
        ({"AWS": "arn:aws:iam::999999999999:user/app"}, False),
        ({"Service": "cognito-idp.amazonaws.com"}, False),
    ],
)
def test_principals(principal, allowed):
    assert decide([statement(principal=principal)], request()) == ("allow" if allowed else "none")


def test_a_named_caller_is_matched_exactly_and_actions_by_wildcard():
    named = Request("123456789012", "arn:aws:iam::123456789012:user/batch", "ses:SendRawEmail", ARN)
    assert (
        decide(
            [statement(principal={"AWS": "arn:aws:iam::123456789012:user/app"}, action="ses:*")],
            named,
        )
        == "none"
    )
    assert (
        decide([statement(principal={"AWS": "123456789012"}, action="SES:send*")], named) == "allow"
    )
    assert decide([statement(action=["ses:SendEmail"])], named) == "none"


def test_what_a_policy_must_hold():
    with pytest.raises(PolicyError, match=r"^Missing required field Action$"):
        checked_policy(
            _json({"Statement": {"Effect": "Allow", "Principal": "*", "Resource": ARN}}), ARN
        )
    with pytest.raises(PolicyError, match=r"^Policy has invalid resource$"):
        checked_policy(_json(statement(resource=[ARN, ARN])), ARN)
    with pytest.raises(PolicyError, match=r"^Policy has an invalid statement$"):
        checked_policy('{"Statement": ["x"]}', ARN)
    assert checked_policy(
        _json(statement(resource=ARN.upper().replace("ARN:AWS:SES", "arn:aws:ses"))), ARN
    )


def test_identity_arns():
    assert (
        identity_arn("eu-west-1", "111122223333", "a@b.c")
        == "arn:aws:ses:eu-west-1:111122223333:identity/a@b.c"
    )
    assert parse_identity_arn(ARN) == ("us-east-1", "111122223333", "example.com")
    assert parse_identity_arn("arn:aws:ses:us-east-1:1:identity/x") is None


def _json(document):
    import json

    return json.dumps(document)
