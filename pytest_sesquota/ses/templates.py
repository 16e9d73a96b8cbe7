"""Email templates: SES v1's Create/Get/Delete/ListTemplates and SES v2's
Create/Get/Update/Delete/ListEmailTemplates, over the account's templates."""

from __future__ import annotations

__all__ = ["TemplatesV1", "TemplatesV2", "template"]

from collections.abc import Mapping
from typing import Any

from ..account.ledger import Template
from ..account.templates import Templates
from .api import Call, Operations, Params, Result, already_exists, does_not_exist, paginate
from .in_use import deleting
from .mail import ACCOUNT_ID, bad_request, invalid
from .tags import checked_tags, tag_list, tag_new, untag_gone


def template(call: Call, name: str) -> Template:
    """The region's template ``name``, or SES's ``TemplateDoesNotExist``."""
    found = call.part(Templates).template(name, call.region)
    if found is None:
        raise does_not_exist("TemplateDoesNotExist", f"Template {name} does not exist.")
    return found


def _create(call: Call, name: str, content: Mapping[str, str | None], *, subject: bool) -> None:
    """Store a template from its ``subject``, ``text`` and ``html`` (v1 needs a subject)."""
    templates = call.part(Templates)
    if templates.template(name, call.region) is not None:
        raise already_exists(f"Template {name} already exists for account id {ACCOUNT_ID}")
    if subject and not content.get("subject"):
        raise invalid("The subject must be specified.")
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


class TemplatesV1(Operations):
    title = "templates"
    names = ("CreateTemplate", "GetTemplate", "DeleteTemplate", "ListTemplates")

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
