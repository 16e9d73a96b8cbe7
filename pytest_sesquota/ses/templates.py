"""Email templates: SES v1's Create/Get/Update/Delete/ListTemplates and TestRenderTemplate,
SES v2's Create/Get/Update/Delete/ListEmailTemplates and TestRenderEmailTemplate, over the
account's templates (rendered by ``ses/handlebars.py``)."""

from __future__ import annotations

__all__ = ["TemplatesV1", "TemplatesV2", "rendered_mime", "template"]

import json
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from ..account.ledger import Template
from ..account.templates import Templates
from .api import Call, Operations, Params, Result, already_exists, does_not_exist, paginate
from .handlebars import RenderingFailure, TemplateSyntaxError, compile_template, render
from .in_use import deleting
from .mail import ACCOUNT_ID, ApiError, bad_request, invalid
from .tags import checked_tags, tag_list, tag_new, untag_gone


def template(call: Call, name: str) -> Template:
    """The region's template ``name``, or SES's ``TemplateDoesNotExist``."""
    found = call.part(Templates).template(name, call.region)
    if found is None:
        raise does_not_exist("TemplateDoesNotExist", f"Template {name} does not exist.")
    return found


def _readable(call: Call, name: str, content: Mapping[str, str | None]) -> None:
    """SES's ``InvalidTemplate`` (v2: ``BadRequestException``) for a part that cannot be
    read: an unclosed block, a partial that does not exist."""
    for part in ("subject", "text", "html"):
        source = content.get(part)
        try:
            if source is not None:
                compile_template(source)
        except TemplateSyntaxError as error:
            message = f"Template {name} is invalid: {error} (in its {part} part)."
            if call.dialect.api == "ses":
                raise ApiError("InvalidTemplate", message) from None
            raise bad_request(message) from None


def _create(call: Call, name: str, content: Mapping[str, str | None], *, subject: bool) -> None:
    """Store a template from its ``subject``, ``text`` and ``html`` (v1 needs a subject)."""
    templates = call.part(Templates)
    if templates.template(name, call.region) is not None:
        raise already_exists(f"Template {name} already exists for account id {ACCOUNT_ID}")
    if subject and not content.get("subject"):
        raise invalid("The subject must be specified.")
    _readable(call, name, content)
    made = Template(
        name,
        content.get("subject"),
        content.get("text"),
        content.get("html"),
        created=call.account.clock.now(),
    )
    templates.put(made, call.region)


def _by_age(call: Call) -> list[Template]:
    return sorted(call.account.templates(call.region).values(), key=lambda t: t.created)


def rendered_mime(call: Call, found: Template, data_text: str) -> str:
    """TestRenderTemplate's answer: the whole MIME message the template and data make.
    Errors in v1's words (``InvalidRenderingParameter``, ``MissingRenderingAttribute``)."""
    try:
        data = json.loads(data_text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ApiError("InvalidRenderingParameter", "Template rendering data is invalid")
    try:
        subject, text, html = (render(s, data) for s in (found.subject, found.text, found.html))
    except RenderingFailure as failure:
        raise ApiError("MissingRenderingAttribute", str(failure)) from None
    except TemplateSyntaxError as error:
        raise ApiError("InvalidTemplate", f"Template {found.name} is invalid: {error}.") from None
    message = EmailMessage(policy=SMTP)
    message["Date"] = format_datetime(call.account.clock.now())
    message["Subject"] = subject or ""
    message["MIME-Version"] = "1.0"
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message.as_string()


class TemplatesV1(Operations):
    title = "templates"
    names = (
        "CreateTemplate",
        "GetTemplate",
        "UpdateTemplate",
        "DeleteTemplate",
        "ListTemplates",
        "TestRenderTemplate",
    )

    def CreateTemplate(self, call: Call, p: Params) -> Result:
        spec = p["Template"]
        parts = {"subject": "SubjectPart", "text": "TextPart", "html": "HtmlPart"}
        content = {k: spec.get(v) for k, v in parts.items()}
        _create(call, spec["TemplateName"], content, subject=True)
        return {}

    def GetTemplate(self, call: Call, p: Params) -> Result:
        found = template(call, p["TemplateName"])
        spec = {
            "TemplateName": found.name,
            "SubjectPart": found.subject,
            "TextPart": found.text,
            "HtmlPart": found.html,
        }
        return {"Template": {k: v for k, v in spec.items() if v is not None}}

    def UpdateTemplate(self, call: Call, p: Params) -> Result:
        spec = p["Template"]
        name = spec["TemplateName"]
        template(call, name)
        if not spec.get("SubjectPart"):
            raise invalid("The subject must be specified.")
        if not spec.get("TextPart") and not spec.get("HtmlPart"):
            # The guide names the error; its text is not captured.
            raise invalid("The template must contain a TextPart or an HtmlPart.")
        parts = {"subject": spec["SubjectPart"], "text": spec.get("TextPart")}
        parts["html"] = spec.get("HtmlPart")
        _readable(call, name, parts)
        call.part(Templates).update(name, **parts, region=call.region)
        return {}

    def TestRenderTemplate(self, call: Call, p: Params) -> Result:
        found = template(call, p["TemplateName"])
        return {"RenderedTemplate": rendered_mime(call, found, p["TemplateData"])}

    def DeleteTemplate(self, call: Call, p: Params) -> Result:
        # SES answers 200 for a template that does not exist.
        deleting(call, "template", p["TemplateName"])
        call.part(Templates).delete(p["TemplateName"], call.region)
        untag_gone(call, "template", p["TemplateName"])
        return {}

    def ListTemplates(self, call: Call, p: Params) -> Result:
        items = [{"Name": t.name, "CreatedTimestamp": t.created} for t in _by_age(call)]
        return paginate(
            items,
            "TemplatesMetadata",
            size=p.get("MaxItems"),
            token=p.get("NextToken"),
            default=10,
            size_name="MaxItems",
        )


class TemplatesV2(Operations):
    title = "templates"
    names = (
        "CreateEmailTemplate",
        "GetEmailTemplate",
        "UpdateEmailTemplate",
        "DeleteEmailTemplate",
        "ListEmailTemplates",
        "TestRenderEmailTemplate",
    )

    def CreateEmailTemplate(self, call: Call, p: Params) -> Result:
        content = {k.lower(): v for k, v in p["TemplateContent"].items()}
        checked_tags(p.get("Tags"))
        _create(call, p["TemplateName"], content, subject=False)
        tag_new(call, "template", p["TemplateName"], p.get("Tags"))
        return {}

    def GetEmailTemplate(self, call: Call, p: Params) -> Result:
        found = template(call, p["TemplateName"])
        content = {"Subject": found.subject, "Text": found.text, "Html": found.html}
        return {
            "TemplateName": found.name,
            "TemplateContent": {k: v for k, v in content.items() if v is not None},
            "Tags": tag_list(call, "template", found.name),
        }

    def UpdateEmailTemplate(self, call: Call, p: Params) -> Result:
        template(call, p["TemplateName"])
        content = p["TemplateContent"]
        _readable(call, p["TemplateName"], {k.lower(): v for k, v in content.items()})
        call.part(Templates).update(
            p["TemplateName"],
            subject=content.get("Subject"),
            text=content.get("Text"),
            html=content.get("Html"),
            region=call.region,
        )
        return {}

    def DeleteEmailTemplate(self, call: Call, p: Params) -> Result:
        template(call, p["TemplateName"])
        deleting(call, "template", p["TemplateName"])
        call.part(Templates).delete(p["TemplateName"], call.region)
        untag_gone(call, "template", p["TemplateName"])
        return {}

    def ListEmailTemplates(self, call: Call, p: Params) -> Result:
        items: list[dict[str, Any]] = [
            {"TemplateName": t.name, "CreatedTimestamp": t.created} for t in _by_age(call)
        ]
        size = p.get("PageSize")
        if size is not None and size > 100:
            raise bad_request("PageSize must be less than or equal to 100.")
        return paginate(
            items,
            "TemplatesMetadata",
            size=size,
            token=p.get("NextToken"),
            default=10,
            size_name="PageSize",
        )

    def TestRenderEmailTemplate(self, call: Call, p: Params) -> Result:
        found = template(call, p["TemplateName"])
        try:
            return {"RenderedTemplate": rendered_mime(call, found, p["TemplateData"])}
        except ApiError as error:  # v2 answers each of v1's rendering errors so
            raise bad_request(error.message) from None
