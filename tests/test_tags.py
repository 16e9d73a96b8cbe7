"""Tags by ARN (SES v2) and what a send names beyond its message, through boto3."""

from __future__ import annotations

import pytest
from conftest import MESSAGE, SIMPLE

ARN = "arn:aws:ses:us-east-1:123456789012:{}/{}"


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_an_identity_keeps_the_tags_it_was_created_with(sesv2):
    sesv2.create_email_identity(
        EmailIdentity="example.com", Tags=[{"Key": "team", "Value": "mail"}]
    )
    assert sesv2.get_email_identity(EmailIdentity="example.com")["Tags"] == [
        {"Key": "team", "Value": "mail"}
    ]
    arn = ARN.format("identity", "example.com")
    sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "ci"}])
    assert sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "mail"},
        {"Key": "env", "Value": "ci"},
    ]
    sesv2.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "ci"}]
    sesv2.delete_email_identity(EmailIdentity="example.com")
    sesv2.create_email_identity(EmailIdentity="example.com")
    assert sesv2.get_email_identity(EmailIdentity="example.com")["Tags"] == []


def test_a_template_keeps_its_tags(sesv2):
    model = sesv2.meta.service_model.operation_model("CreateEmailTemplate")
    if "Tags" not in model.input_shape.members:
        pytest.skip("this botocore's CreateEmailTemplate takes no Tags (botocore < 1.35)")
    sesv2.create_email_template(
        TemplateName="welcome",
        TemplateContent={"Subject": "Hi"},
        Tags=[{"Key": "k", "Value": "v"}],
    )
    assert sesv2.get_email_template(TemplateName="welcome")["Tags"] == [{"Key": "k", "Value": "v"}]


def test_tagging_what_does_not_exist_is_not_found(sesv2):
    arn = ARN.format("template", "nope")
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert error_of(err) == ("NotFoundException", 404, f"Resource {arn} does not exist.")
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.list_tags_for_resource(ResourceArn="not-an-arn")
    assert error_of(err) == ("BadRequestException", 400, "Invalid ARN: not-an-arn")


def test_tags_have_limits(sesv2):
    sesv2.create_email_identity(EmailIdentity="example.com")
    arn = ARN.format("identity", "example.com")
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.tag_resource(ResourceArn=arn, Tags=many)
    assert error_of(err)[2] == "A resource can have at most 50 tags."
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "k" * 129, "Value": "v"}])
    assert error_of(err)[2] == "Tag keys must be 1 to 128 characters long."


@pytest.mark.ses_quota(profile="production")
def test_a_v1_send_carries_what_it_names(ses_account, ses):
    ses_account.delegating_account("111122223333").allow("example.com")  # SourceArn's owner
    ses.send_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Message=MESSAGE,
        ReplyToAddresses=["help@example.com"],
        ReturnPath="bounces@example.com",
        SourceArn="arn:aws:ses:us-east-1:111122223333:identity/example.com",
        Tags=[{"Name": "campaign", "Value": "welcome"}],
    )
    [sent] = ses_account.sent
    assert sent.tags == {"campaign": "welcome"}
    assert sent.reply_to == ("help@example.com",)
    assert sent.return_path == "bounces@example.com"
    assert sent.source_arn == "arn:aws:ses:us-east-1:111122223333:identity/example.com"
    assert sent.tenant_name is None


@pytest.mark.ses_quota(profile="production")
def test_a_v2_bulk_entry_s_tags_replace_the_defaults(ses_account, sesv2):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi"})
    sesv2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        DefaultEmailTags=[{"Name": "kind", "Value": "news"}, {"Name": "batch", "Value": "1"}],
        BulkEmailEntries=[
            {"Destination": {"ToAddresses": ["a@example.com"]}},
            {
                "Destination": {"ToAddresses": ["b@example.com"]},
                "ReplacementTags": [{"Name": "batch", "Value": "2"}],
            },
        ],
    )
    assert [m.tags for m in ses_account.sent] == [
        {"kind": "news", "batch": "1"},
        {"kind": "news", "batch": "2"},
    ]


@pytest.mark.ses_quota(profile="production")
def test_a_v2_send_carries_its_tags_and_feedback_address(ses_account, sesv2):
    sesv2.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Content=SIMPLE,
        EmailTags=[{"Name": "k", "Value": "v"}],
        FeedbackForwardingEmailAddress="bounces@example.com",
    )
    [sent] = ses_account.sent
    assert sent.tags == {"k": "v"}
    assert sent.return_path == "bounces@example.com"
