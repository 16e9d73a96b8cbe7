"""Sending authorization through boto3 and SMTP: identity policies (v1 and v2) checked as
SES checks them, and sends naming another account's identity allowed or refused as its
owner's policies say, counted against this account's quotas."""

from __future__ import annotations

import json
import smtplib
from datetime import timedelta
from email.message import EmailMessage

import pytest
from botocore.exceptions import ClientError
from conftest import MESSAGE, SIMPLE

OWNER = "111122223333"
OWNER_ARN = f"arn:aws:ses:us-east-1:{OWNER}:identity/example.com"
OWN_ARN = "arn:aws:ses:us-east-1:123456789012:identity/{}"
CHECKED = pytest.mark.ses_quota(profile="production", verified=["app@example.org"])


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def policy(resource: str, *, effect="Allow", principal=None, action=("ses:Send*",), **extra):
    statement = {
        "Sid": "Test",
        "Effect": effect,
        "Resource": resource,
        "Principal": principal if principal is not None else {"AWS": ["123456789012"]},
        "Action": list(action),
        **extra,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def denied(action: str, arn: str, user: str = "arn:aws:iam::123456789012:root") -> str:
    return f"User `{user}' is not authorized to perform `{action}' on resource `{arn}'"


def send_as(ses, arn, *, source="sender@example.com", to=("a@example.net",), **more):
    return ses.send_email(
        Source=source,
        SourceArn=arn,
        Destination={"ToAddresses": list(to)},
        Message=MESSAGE,
        **more,
    )


# -- the identity owner's operations ---------------------------------------------------
def test_v1_policies_are_put_listed_read_and_deleted(ses, sesv2, ses_account):
    ses_account.verify("example.org")
    document = policy(OWN_ARN.format("example.org"))
    ses.put_identity_policy(Identity="example.org", PolicyName="Allow-1", Policy=document)
    compact = json.dumps(json.loads(document), separators=(",", ":"))
    assert ses.list_identity_policies(Identity="example.org")["PolicyNames"] == ["Allow-1"]
    got = ses.get_identity_policies(Identity="example.org", PolicyNames=["Allow-1", "missing"])
    assert got["Policies"] == {"Allow-1": compact}  # SES's compact form; the missing one left out
    # An identity's ARN names it too; v2 sees the same policies.
    assert ses.list_identity_policies(Identity=OWN_ARN.format("example.org"))["PolicyNames"] == [
        "Allow-1"
    ]
    assert sesv2.get_email_identity_policies(EmailIdentity="example.org")["Policies"] == {
        "Allow-1": compact
    }
    assert sesv2.get_email_identity(EmailIdentity="example.org")["Policies"] == {"Allow-1": compact}
    ses.delete_identity_policy(Identity="example.org", PolicyName="Allow-1")
    ses.delete_identity_policy(Identity="example.org", PolicyName="Allow-1")  # 200 again
    assert ses.list_identity_policies(Identity="example.org")["PolicyNames"] == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "Policy is not valid JSON."),
        ('{"Version": "2012-10-17"}', "Missing required field Statement"),
        (policy(OWN_ARN.format("example.org"), principal={}), "Missing required field Principal"),
        (
            policy(OWN_ARN.format("example.org"), principal={"AWS": "bob"}),
            "Invalid principal in policy",
        ),
        (policy(OWN_ARN.format("example.org"), effect="Maybe"), "Invalid effect: Maybe"),
        (
            policy(OWN_ARN.format("example.org"), action=["s3:GetObject"]),
            "Policy has invalid action",
        ),
        (policy(OWN_ARN.format("other.org")), "Policy has invalid resource"),
        (
            policy(
                OWN_ARN.format("example.org"),
                Condition={"StringEquals": {"AWS:SourceAccount": "123456789012"}},
            ),
            "Unknown or unapplicable condition field 'AWS:SourceAccount'.",
        ),
        (
            policy(
                OWN_ARN.format("example.org"), Condition={"StringSmells": {"ses:FromAddress": "x"}}
            ),
            "Invalid condition operator: StringSmells",
        ),
        ("{" + " " * 4100 + "}", "The policy cannot exceed 4 KB."),
    ],
)
def test_a_policy_ses_would_refuse_is_refused_in_each_api_s_words(
    ses, sesv2, ses_account, document, message
):
    ses_account.verify("example.org")
    with pytest.raises(ClientError) as v1:
        ses.put_identity_policy(Identity="example.org", PolicyName="p", Policy=document)
    assert error_of(v1) == ("InvalidPolicy", 400, message)
    with pytest.raises(ClientError) as v2:
        sesv2.create_email_identity_policy(
            EmailIdentity="example.org", PolicyName="p", Policy=document
        )
    assert error_of(v2) == ("BadRequestException", 400, message)


def test_policy_names_and_the_limit_of_twenty(ses, sesv2, ses_account):
    ses_account.verify("example.org")
    document = policy(OWN_ARN.format("example.org"))
    bad_name = (
        "PolicyName is invalid. Policy names must only include alpha-numeric characters, "
        "dashes, and underscores."
    )
    with pytest.raises(ClientError) as v1:
        ses.put_identity_policy(Identity="example.org", PolicyName="has space", Policy=document)
    assert error_of(v1) == ("InvalidParameterValue", 400, bad_name)
    for n in range(20):
        ses.put_identity_policy(Identity="example.org", PolicyName=f"p{n}", Policy=document)
    ses.put_identity_policy(Identity="example.org", PolicyName="p0", Policy=document)  # a replace
    limit = (
        "Number of policies for <example.org> exceeds max allowed number of policies per resource"
    )
    with pytest.raises(ClientError) as v1:
        ses.put_identity_policy(Identity="example.org", PolicyName="p20", Policy=document)
    assert error_of(v1) == ("InvalidParameterValue", 400, limit)
    with pytest.raises(ClientError) as v2:
        sesv2.create_email_identity_policy(
            EmailIdentity="example.org", PolicyName="p20", Policy=document
        )
    assert error_of(v2) == ("LimitExceededException", 400, limit)


def test_v2_policies_need_the_identity_and_say_what_exists(sesv2, ses_account):
    document = policy(OWN_ARN.format("example.org"))
    with pytest.raises(ClientError) as excinfo:
        sesv2.create_email_identity_policy(
            EmailIdentity="example.org", PolicyName="p", Policy=document
        )
    assert error_of(excinfo) == (
        "NotFoundException",
        404,
        "Email identity <example.org> does not exist.",
    )
    sesv2.create_email_identity(EmailIdentity="example.org")
    sesv2.create_email_identity_policy(EmailIdentity="example.org", PolicyName="p", Policy=document)
    with pytest.raises(ClientError) as excinfo:
        sesv2.create_email_identity_policy(
            EmailIdentity="example.org", PolicyName="p", Policy=document
        )
    assert error_of(excinfo) == ("AlreadyExistsException", 400, "Policy <p> already exists")
    with pytest.raises(ClientError) as excinfo:
        sesv2.update_email_identity_policy(
            EmailIdentity="example.org", PolicyName="q", Policy=document
        )
    assert error_of(excinfo) == ("NotFoundException", 404, "Policy <q> does not exist")
    denying = policy(OWN_ARN.format("example.org"), effect="Deny")
    sesv2.update_email_identity_policy(EmailIdentity="example.org", PolicyName="p", Policy=denying)
    assert (
        '"Effect":"Deny"'
        in sesv2.get_email_identity_policies(EmailIdentity="example.org")["Policies"]["p"]
    )
    sesv2.delete_email_identity_policy(EmailIdentity="example.org", PolicyName="p")
    with pytest.raises(ClientError) as excinfo:
        sesv2.delete_email_identity_policy(EmailIdentity="example.org", PolicyName="p")
    assert error_of(excinfo) == ("NotFoundException", 404, "Policy <p> does not exist")


def test_an_identity_s_policies_go_with_it(sesv2, ses_account):
    sesv2.create_email_identity(EmailIdentity="example.org")
    document = policy(OWN_ARN.format("example.org"))
    sesv2.create_email_identity_policy(EmailIdentity="example.org", PolicyName="p", Policy=document)
    sesv2.delete_email_identity(EmailIdentity="example.org")
    sesv2.create_email_identity(EmailIdentity="example.org")
    assert sesv2.get_email_identity_policies(EmailIdentity="example.org")["Policies"] == {}


# -- sends for another account ------------------------------------------------------------
@CHECKED
def test_a_delegate_send_is_allowed_by_the_owner_s_policy_and_counted_here(ses, ses_account):
    owner = ses_account.delegating_account(OWNER)
    arn = owner.allow("example.com")
    assert arn == OWNER_ARN
    message_id = send_as(ses, arn)["MessageId"]
    [sent] = ses_account.sent
    assert (sent.message_id, sent.source, sent.source_arn) == (
        message_id,
        "sender@example.com",
        arn,
    )
    assert ses.get_send_quota()["SentLast24Hours"] == 1.0  # this account's quota, not the owner's


@CHECKED
def test_a_delegate_send_no_policy_allows_is_access_denied(ses, ses_account):
    owner = ses_account.delegating_account(OWNER)
    owner.verify("example.com")  # verified, but no policy
    with pytest.raises(ClientError) as excinfo:
        send_as(ses, OWNER_ARN)
    assert error_of(excinfo) == ("AccessDenied", 403, denied("ses:SendEmail", OWNER_ARN))
    [rejected] = ses_account.rejected
    assert (rejected.reason, rejected.code) == ("not_authorized", "AccessDenied")
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0
    # Another account's address under the ARN, an identity it does not own, another region.
    owner.allow("example.com")
    for arn, source in [
        (OWNER_ARN, "sender@elsewhere.com"),
        (OWNER_ARN.replace("example.com", "example.net"), "sender@example.net"),
        (OWNER_ARN.replace("us-east-1", "eu-west-1"), "sender@example.com"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            send_as(ses, arn, source=source)
        assert error_of(excinfo) == ("AccessDenied", 403, denied("ses:SendEmail", arn))
    with pytest.raises(ClientError) as excinfo:
        send_as(ses, "arn:aws:ses:us-east-1:bogus")
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        400,
        "Invalid identity ARN: arn:aws:ses:us-east-1:bogus",
    )


@CHECKED
def test_without_its_arn_another_account_s_address_is_just_unverified(ses, ses_account):
    ses_account.delegating_account(OWNER).allow("example.com")
    with pytest.raises(ClientError) as excinfo:
        ses.send_email(
            Source="sender@example.com",
            Destination={"ToAddresses": ["a@example.net"]},
            Message=MESSAGE,
        )
    assert error_of(excinfo) == (
        "MessageRejected",
        400,
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: sender@example.com",
    )


@CHECKED
def test_a_deny_wins_and_conditions_read_the_send_and_the_virtual_clock(ses, ses_account):
    owner = ses_account.delegating_account(OWNER)
    owner.verify("example.com")
    now = ses_account.clock.now()
    owner.put_policy(
        "example.com",
        "Campaign",
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ses_account_id()}:root"},
                    "Action": ["ses:SendEmail"],
                    "Resource": OWNER_ARN,
                    "Condition": {
                        "StringLike": {"ses:FromAddress": "news*@example.com"},
                        "ForAllValues:StringLike": {"ses:Recipients": "*@example.net"},
                        "DateLessThan": {"aws:CurrentTime": (now + timedelta(days=1)).isoformat()},
                    },
                },
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "ses:*",
                    "Resource": OWNER_ARN,
                    "Condition": {"StringEquals": {"ses:Recipients": "ceo@example.net"}},
                },
            ]
        },
    )
    send_as(ses, OWNER_ARN, source="news@example.com")
    refusals = [
        {"source": "sales@example.com"},  # From address
        {"source": "news@example.com", "to": ("a@example.net", "b@example.org")},  # a recipient
        {"source": "news@example.com", "to": ("ceo@example.net",)},  # the Deny
    ]
    for case in refusals:
        with pytest.raises(ClientError) as excinfo:
            send_as(ses, OWNER_ARN, **case)
        assert error_of(excinfo)[:2] == ("AccessDenied", 403)
    ses_account.clock.advance(timedelta(days=1))  # the policy's time is over
    with pytest.raises(ClientError) as excinfo:
        send_as(ses, OWNER_ARN, source="news@example.com")
    assert error_of(excinfo)[:2] == ("AccessDenied", 403)
    assert len(ses_account.sent) == 1


def ses_account_id() -> str:
    return "123456789012"


@CHECKED
def test_a_policy_naming_an_iam_user_allows_that_principal_only(ses, ses_account):
    owner = ses_account.delegating_account(OWNER)
    owner.verify("example.com")
    app = "arn:aws:iam::123456789012:user/app"
    owner.put_policy("example.com", "App", policy(OWNER_ARN, principal={"AWS": app}))
    send_as(ses, OWNER_ARN)  # unknown principal: any of the account's
    ses_account.set_sending_principal("arn:aws:iam::123456789012:user/batch")
    with pytest.raises(ClientError) as excinfo:
        send_as(ses, OWNER_ARN)
    assert error_of(excinfo) == (
        "AccessDenied",
        403,
        denied("ses:SendEmail", OWNER_ARN, "arn:aws:iam::123456789012:user/batch"),
    )
    ses_account.set_sending_principal(app)
    send_as(ses, OWNER_ARN)
    with pytest.raises(
        ValueError, match="expected the ARN of an IAM principal of account 123456789012"
    ):
        ses_account.set_sending_principal("arn:aws:iam::999999999999:user/x")


@pytest.mark.ses_quota(profile="production", verified=["feedback@example.org"])
def test_return_path_arn_needs_the_owner_s_policy_too(ses, ses_account):
    owner = ses_account.delegating_account(OWNER)
    owner.allow("example.com")
    owner.verify("bounces.example.com")
    bounces = OWNER_ARN.replace("example.com", "bounces.example.com")
    with pytest.raises(ClientError) as excinfo:
        send_as(ses, OWNER_ARN, ReturnPath="fb@bounces.example.com", ReturnPathArn=bounces)
    assert error_of(excinfo) == ("AccessDenied", 403, denied("ses:SendEmail", bounces))
    owner.allow("bounces.example.com")
    send_as(ses, OWNER_ARN, ReturnPath="fb@bounces.example.com", ReturnPathArn=bounces)
    assert ses_account.sent[-1].return_path_arn == bounces


@CHECKED
def test_the_owner_in_the_sandbox_reaches_only_its_verified_addresses(ses, ses_account):
    owner = ses_account.delegating_account(OWNER)
    owner.allow("example.com")
    owner.sandbox = True
    owner.verify("friend@example.net")
    send_as(ses, OWNER_ARN, to=("friend@example.net", "success@simulator.amazonses.com"))
    with pytest.raises(ClientError) as excinfo:
        send_as(ses, OWNER_ARN, to=("stranger@example.net",))
    assert error_of(excinfo)[2].endswith("US-EAST-1: stranger@example.net")


@CHECKED
def test_an_own_identity_s_deny_refuses_this_account_s_sends(ses, ses_account):
    ses_account.verify("example.org")
    ses.put_identity_policy(
        Identity="example.org",
        PolicyName="NoRaw",
        Policy=policy(
            OWN_ARN.format("example.org"), effect="Deny", principal="*", action=["ses:SendRawEmail"]
        ),
    )
    ses.send_email(
        Source="app@example.org", Destination={"ToAddresses": ["a@x.net"]}, Message=MESSAGE
    )
    with pytest.raises(ClientError) as excinfo:
        ses.send_raw_email(RawMessage={"Data": b"From: app@example.org\r\nTo: a@x.net\r\n\r\nhi"})
    assert error_of(excinfo) == (
        "AccessDenied",
        403,
        denied("ses:SendRawEmail", OWN_ARN.format("example.org")),
    )


@CHECKED
def test_raw_sends_read_the_x_headers_and_ses_removes_them(ses, ses_account):
    ses_account.delegating_account(OWNER).allow("example.com")
    ses.create_configuration_set(ConfigurationSet={"Name": "news"})  # the sender's own set
    raw = (
        f"X-SES-SOURCE-ARN: {OWNER_ARN}\r\nX-SES-FROM-ARN: {OWNER_ARN}\r\n"
        "X-SES-CONFIGURATION-SET: news\r\nX-SES-MESSAGE-TAGS: campaign=spring\r\n"
        "From: News <news@example.com>\r\nTo: a@example.net\r\nSubject: Hi\r\n\r\nHello"
    ).encode()
    ses.send_raw_email(RawMessage={"Data": raw})
    sent = ses_account.sent[-1]
    assert (sent.source_arn, sent.from_arn) == (OWNER_ARN, OWNER_ARN)
    assert (sent.configuration_set, sent.tags) == ("news", {"campaign": "spring"})
    assert b"X-SES" not in sent.raw and sent.message["Subject"] == "Hi"
    # SourceArn covers Source, not the From header: that one is checked as this account's.
    raw = b"From: news@example.com\r\nTo: a@example.net\r\n\r\nHello"
    with pytest.raises(ClientError) as excinfo:
        ses.send_raw_email(RawMessage={"Data": raw}, Source="app@example.org", SourceArn=OWNER_ARN)
    assert error_of(excinfo)[0] == "AccessDenied"  # app@example.org is not example.com's
    with pytest.raises(ClientError) as excinfo:
        ses.send_raw_email(RawMessage={"Data": raw}, Source="x@example.com", SourceArn=OWNER_ARN)
    assert error_of(excinfo)[2].endswith("US-EAST-1: news@example.com")
    ses.send_raw_email(
        RawMessage={"Data": raw}, Source="x@example.com", SourceArn=OWNER_ARN, FromArn=OWNER_ARN
    )


@CHECKED
def test_v2_from_email_address_identity_arn(sesv2, ses_account):
    with pytest.raises(ClientError) as excinfo:
        sesv2.send_email(
            FromEmailAddress="sender@example.com",
            FromEmailAddressIdentityArn=OWNER_ARN,
            Destination={"ToAddresses": ["a@example.net"]},
            Content=SIMPLE,
        )
    assert error_of(excinfo) == ("AccessDeniedException", 403, denied("ses:SendEmail", OWNER_ARN))
    ses_account.delegating_account(OWNER).allow("example.com")
    sesv2.send_email(
        FromEmailAddress="sender@example.com",
        FromEmailAddressIdentityArn=OWNER_ARN,
        Destination={"ToAddresses": ["a@example.net"]},
        Content=SIMPLE,
    )
    # Raw content: the ARN covers the From header, over any X-SES-FROM-ARN.
    raw = b"X-SES-FROM-ARN: arn:aws:ses:us-east-1:111122223333:identity/wrong.com\r\n"
    raw += b"From: sender@example.com\r\nTo: a@example.net\r\n\r\nHello"
    sesv2.send_email(FromEmailAddressIdentityArn=OWNER_ARN, Content={"Raw": {"Data": raw}})
    assert ses_account.sent[-1].from_arn == OWNER_ARN and b"X-SES" not in ses_account.sent[-1].raw


@pytest.mark.ses_quota(profile="production", verified=["app@example.org"])
def test_a_bulk_entry_not_authorized_is_message_rejected(ses, ses_account):
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi", "TextPart": "Hi"})
    ses_account.delegating_account(OWNER).verify("example.com")
    result = ses.send_bulk_templated_email(
        Source="news@example.com",
        SourceArn=OWNER_ARN,
        Template="t",
        DefaultTemplateData="{}",
        Destinations=[{"Destination": {"ToAddresses": ["a@example.net"]}}],
    )
    assert result["Status"] == [
        {"Status": "MessageRejected", "Error": denied("ses:SendBulkTemplatedEmail", OWNER_ARN)}
    ]


@CHECKED
def test_smtp_reads_the_arn_headers_and_answers_access_denied(ses, ses_smtp, ses_account):
    def message(arn):
        msg = EmailMessage()
        msg["X-SES-SOURCE-ARN"] = arn
        msg["X-SES-FROM-ARN"] = arn
        msg["X-SES-CONFIGURATION-SET"] = "news"
        msg["From"] = "news@example.com"
        msg["To"] = "a@example.net"
        msg["Subject"] = "Hi"
        msg.set_content("Hello")
        return msg

    owner = ses_account.delegating_account(OWNER)
    owner.verify("example.com")
    ses.create_configuration_set(ConfigurationSet={"Name": "news"})
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port, timeout=15) as client:
        client.starttls(context=ses_smtp.ssl_context())
        client.login(ses_smtp.username, ses_smtp.password)
        with pytest.raises(smtplib.SMTPDataError) as excinfo:
            client.send_message(message(OWNER_ARN))
        assert (excinfo.value.smtp_code, excinfo.value.smtp_error.decode()) == (
            554,
            "Access denied: " + denied("ses:SendRawEmail", OWNER_ARN),
        )
        owner.allow("example.com")
        client.send_message(message(OWNER_ARN))
    sent = ses_account.sent[-1]
    assert (sent.transport, sent.source_arn, sent.configuration_set) == ("smtp", OWNER_ARN, "news")
    assert b"X-SES-" not in sent.raw


def test_delegating_accounts_say_what_is_wrong(ses_account):
    with pytest.raises(ValueError, match=r"an AWS account id is 12 digits"):
        ses_account.delegating_account("1234")
    with pytest.raises(ValueError, match=r"is this account: verify its identities"):
        ses_account.delegating_account("123456789012")
    owner = ses_account.delegating_account(OWNER)
    with pytest.raises(ValueError, match=r"not a verified identity of account 111122223333"):
        owner.put_policy("example.com", "p", policy(OWNER_ARN))
    owner.verify("example.com")
    with pytest.raises(ValueError, match=r"Policy has invalid resource"):
        owner.put_policy("example.com", "p", policy(OWN_ARN.format("example.com")))
    assert repr(owner) == "<DelegatingAccount 111122223333 us-east-1: example.com>"
