"""Templates through boto3: UpdateTemplate, TestRenderTemplate / TestRenderEmailTemplate with
SES's rendering errors, the Handlebars SES documents, and a templated send that fails to
render: accepted, delivered to no one, and dropped."""

from __future__ import annotations

import email
import json

import pytest
from botocore.exceptions import ClientError

from pytest_sesquota.ses.handlebars import RenderingFailure, TemplateSyntaxError, render

PREFERENCES = (
    "<h1>Your Preferences</h1>\n"
    "<p>Dear {{contact.firstName}},</p>\n"
    "{{#if subscription}}\n"
    "<ul>\n"
    "  {{#each subscription}}\n"
    "  <li>{{interest}}</li>\n"
    "  {{/each}}\n"
    "</ul>\n"
    "{{else}}\n"
    "<p>Please update your preferences (id {{meta.userId}}).</p>\n"
    "{{/if}}\n"
)


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# -- the Handlebars SES documents ----------------------------------------------------------------
def test_the_guide_s_advanced_personalization_renders():
    anaya = {
        "meta": {"userId": "51806220607"},
        "contact": {"firstName": "Anaya"},
        "subscription": [{"interest": "Sports"}, {"interest": "Travel"}],
    }
    assert render(PREFERENCES, anaya) == (
        "<h1>Your Preferences</h1>\n"
        "<p>Dear Anaya,</p>\n"
        "<ul>\n"
        "  <li>Sports</li>\n"
        "  <li>Travel</li>\n"
        "</ul>\n"
    )
    shirley = {"meta": {"userId": "1981624758263"}, "contact": {"firstName": "Shirley"}}
    assert render(PREFERENCES, shirley) == (
        "<h1>Your Preferences</h1>\n"
        "<p>Dear Shirley,</p>\n"
        "<p>Please update your preferences (id 1981624758263).</p>\n"
    )


def test_the_guide_s_inline_partial_and_moto_s_aws_verified_each():
    partial = (
        '{{#* inline "fullName"}}{{firstName}}{{#if lastName}} {{lastName}}{{/if}}{{/inline}}\n'
        "Hello {{> fullName}}! Friends:{{#each friends}} {{> fullName}};{{/each}}"
    )
    data = {
        "firstName": "Ana",
        "friends": [{"firstName": "Bo", "lastName": "Li"}, {"firstName": "Cy"}],
    }
    assert render(partial, data) == "Hello Ana! Friends: Bo Li; Cy;"
    items = "{{#each items}} {{name}} is {{#if best}}the best{{else}}a {{type}}{{/if}}, {{/each}}"
    data = {"items": [{"name": "bobby", "best": True}, {"name": "pedro", "type": "cat"}]}
    assert render(items, data) == " bobby is the best,  pedro is a cat, "


def test_handlebars_details():
    data = {"a": "<b>&", "n": 2.0, "f": 0.5, "t": True, "l": [1, 2], "o": {"k": "v", "j": "w"}}
    assert render("{{a}} {{{a}}} {{n}} {{f}} {{t}} {{l}}", data) == "<b>& <b>& 2 0.5 true 1,2"
    assert render("{{#each o}}{{@key}}={{this}}{{#unless @last}},{{/unless}}{{/each}}", data) == (
        "k=v,j=w"
    )
    assert render("{{#each l}}{{@index}}{{#if @first}}!{{/if}}{{/each}}", data) == "0!1"
    assert render("{{#with o}}{{k}}/{{../a}}/{{@root.n}}{{/with}}", data) == "v/<b>&/2"
    assert render("{{lookup o 'j'}} {{!comment}}{{!-- {{a}} --}}x", data) == "w x"
    assert render("[ {{~a~}} ]", data) == "[<b>&]"
    assert render("{{#if x}}X{{else if t}}T{{else}}E{{/if}}", data) == "T"
    assert render("{{#each none}}x{{else}}empty{{/each}}", data) == "empty"
    # A value the template prints must be there, and not null (SES's rendering failure).
    for template, data in [("{{x}}", {}), ("{{x}}", {"x": None}), ("{{a.b}}", {"a": {}})]:
        with pytest.raises(RenderingFailure):
            render(template, data)
    with pytest.raises(RenderingFailure, match=r"^Attribute 'a.b' is not present"):
        render("{{a.b}}", {"a": 1})
    for template, message in [
        ("{{#if x}}", "'{{#if}}' is not closed"),
        ("{{/if}}", "'{{/if}}' closes no block"),
        ("{{#if x}}{{/each}}", "'{{#if}}' is closed by '{{/each}}'"),
        ("{{> footer}}", "The partial footer could not be found"),
        ("{{upper name}}", "Missing helper: 'upper'"),
    ]:
        with pytest.raises(TemplateSyntaxError, match=f"^{message}$"):
            render(template, {})


# -- UpdateTemplate, TestRenderTemplate ---------------------------------------------------------
def test_update_and_test_render_through_v1(ses_account, ses):
    ses.create_template(
        Template={"TemplateName": "t", "SubjectPart": "Hi {{name}}", "TextPart": "Dear {{name}}"}
    )
    ses.update_template(
        Template={
            "TemplateName": "t",
            "SubjectPart": "Hello {{name}}",
            "TextPart": "Your animal: {{animal}}",
            "HtmlPart": "<p>{{animal}}</p>",
        }
    )
    assert ses.get_template(TemplateName="t")["Template"]["SubjectPart"] == "Hello {{name}}"
    rendered = ses.test_render_template(
        TemplateName="t", TemplateData=json.dumps({"name": "Ann", "animal": "Lion & co"})
    )["RenderedTemplate"]
    message = email.message_from_string(rendered)
    assert message["Subject"] == "Hello Ann"
    assert message["Date"] == "Thu, 01 Jan 2026 00:00:00 +0000"  # the virtual clock's
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert parts["text/plain"].strip() == "Your animal: Lion & co"
    assert parts["text/html"].strip() == "<p>Lion & co</p>"
    with pytest.raises(ClientError) as err:
        ses.test_render_template(TemplateName="t", TemplateData='{"name": "Ann"}')
    assert error_of(err) == (
        "MissingRenderingAttribute",
        400,
        "Attribute 'animal' is not present in the rendering data.",
    )
    with pytest.raises(ClientError) as err:
        ses.test_render_template(TemplateName="t", TemplateData="{not json")
    assert error_of(err) == ("InvalidRenderingParameter", 400, "Template rendering data is invalid")
    with pytest.raises(ClientError) as err:
        ses.test_render_template(TemplateName="nope", TemplateData="{}")
    assert error_of(err) == ("TemplateDoesNotExist", 400, "Template nope does not exist.")


def test_update_template_errors(ses):
    template = {"TemplateName": "t", "SubjectPart": "Hi", "TextPart": "x"}
    with pytest.raises(ClientError) as err:
        ses.update_template(Template=template)
    assert error_of(err) == ("TemplateDoesNotExist", 400, "Template t does not exist.")
    ses.create_template(Template=template)
    with pytest.raises(ClientError) as err:
        ses.update_template(Template={"TemplateName": "t", "SubjectPart": "Hi"})
    assert error_of(err) == (
        "InvalidParameterValue",
        400,
        "The template must contain a TextPart or an HtmlPart.",
    )
    with pytest.raises(ClientError) as err:
        ses.update_template(Template={**template, "HtmlPart": "{{#each x}}"})
    assert error_of(err) == (
        "InvalidTemplate",
        400,
        "Template t is invalid: '{{#each}}' is not closed (in its html part).",
    )
    with pytest.raises(ClientError) as err:
        ses.create_template(Template={**template, "TemplateName": "u", "TextPart": "{{> footer}}"})
    assert error_of(err) == (
        "InvalidTemplate",
        400,
        "Template u is invalid: The partial footer could not be found (in its text part).",
    )


def test_test_render_email_template_through_v2(ses_account, sesv2):
    sesv2.create_email_template(
        TemplateName="t", TemplateContent={"Subject": "Hi {{name}}", "Html": PREFERENCES}
    )
    data = {"contact": {"firstName": "Bo"}, "meta": {"userId": "7"}, "name": "Bo"}
    rendered = sesv2.test_render_email_template(TemplateName="t", TemplateData=json.dumps(data))
    message = email.message_from_string(rendered["RenderedTemplate"])
    assert (message["Subject"], message.get_content_type()) == ("Hi Bo", "text/html")
    assert (
        "<p>Please update your preferences (id 7).</p>" in message.get_payload(decode=True).decode()
    )
    with pytest.raises(ClientError) as err:
        sesv2.test_render_email_template(TemplateName="t", TemplateData='{"name": "Bo"}')
    assert error_of(err) == (
        "BadRequestException",
        400,
        "Attribute 'contact.firstName' is not present in the rendering data.",
    )
    with pytest.raises(ClientError) as err:
        sesv2.test_render_email_template(TemplateName="nope", TemplateData="{}")
    assert error_of(err) == ("NotFoundException", 404, "Template nope does not exist.")
    with pytest.raises(ClientError) as err:
        sesv2.update_email_template(TemplateName="t", TemplateContent={"Subject": "{{#if a}}"})
    assert error_of(err) == (
        "BadRequestException",
        400,
        "Template t is invalid: '{{#if}}' is not closed (in its subject part).",
    )


# -- a send that fails to render -------------------------------------------------------------------
@pytest.mark.ses_quota(profile="production")
def test_a_send_that_fails_to_render_is_accepted_delivered_to_no_one_and_dropped(ses_account, ses):
    ses.create_template(
        Template={"TemplateName": "t", "SubjectPart": "Hi {{name}}", "TextPart": "{{code}}"}
    )
    message_id = ses.send_templated_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["a@example.com"], "CcAddresses": ["b@example.com"]},
        Template="t",
        TemplateData='{"name": "Ann"}',
    )["MessageId"]
    [sent] = ses_account.sent
    assert sent.message_id == message_id
    assert sent.rendering_failure == "Attribute 'code' is not present in the rendering data."
    assert sent.undelivered == {
        "a@example.com": "rendering_failure",
        "b@example.com": "rendering_failure",
    }
    assert sent.delivered == ()
    [dropped] = ses_account.dropped
    assert (dropped.reason, dropped.refusal, dropped.attempts) == ("rendering_failure", sent, 1)
    assert ses.get_send_quota()["SentLast24Hours"] == 2.0  # accepted: counted, as SES does
    assert ses.get_send_statistics()["SendDataPoints"] == []  # no delivery attempted
    # SES tells the application through a Rendering Failure event, with its text.
    ses_account.clock.advance(seconds=5)
    events = [e for e in ses_account.events if e.message_id == message_id]
    assert [e.event_type for e in events] == ["Send", "Rendering Failure"]
    assert events[1].detail == {
        "errorMessage": "Attribute 'code' is not present in the rendering data.",
        "templateName": "t",
    }
    # The template fixed, the same message sent again is no longer dropped (a retry).
    ses.update_template(
        Template={"TemplateName": "t", "SubjectPart": "Hi {{name}}", "TextPart": "no code"}
    )
    ses.send_templated_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["a@example.com"], "CcAddresses": ["b@example.com"]},
        Template="t",
        TemplateData='{"name": "Ann"}',
    )
    assert ses_account.dropped == []
    assert ses_account.sent[1].delivered == ("a@example.com", "b@example.com")


@pytest.mark.ses_quota(profile="production")
def test_bulk_data_merges_key_by_key_and_a_failing_entry_is_dropped(ses_account, sesv2):
    sesv2.create_email_template(
        TemplateName="t",
        TemplateContent={"Subject": "{{greeting}} {{user.name}} ({{user.city}})", "Text": "x"},
    )
    entries = [
        {"user": {"name": "Ann"}},  # the default's city, nested
        {"greeting": "Hey", "user": {"name": "Bo", "city": "Rome"}},
        {"user": "Cy"},  # a value replaces the default object: user.name is missing
    ]
    results = sesv2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={
            "Template": {
                "TemplateName": "t",
                "TemplateData": json.dumps({"greeting": "Hi", "user": {"city": "Oslo"}}),
            }
        },
        BulkEmailEntries=[
            {
                "Destination": {"ToAddresses": [f"{n}@example.com"]},
                "ReplacementEmailContent": {
                    "ReplacementTemplate": {"ReplacementTemplateData": json.dumps(data)}
                },
            }
            for n, data in zip("abc", entries, strict=True)
        ],
    )["BulkEmailEntryResults"]
    assert [r["Status"] for r in results] == ["SUCCESS"] * 3  # all accepted, as SES does
    assert [m.subject for m in ses_account.sent] == ["Hi Ann (Oslo)", "Hey Bo (Rome)", None]
    [dropped] = ses_account.dropped
    assert (dropped.recipients, dropped.reason) == (("c@example.com",), "rendering_failure")
