"""Sending: SES v1's SendEmail, SendRawEmail, SendTemplatedEmail and SendBulkTemplatedEmail;
SES v2's SendEmail (Simple, Raw or Template content) and SendBulkEmail."""

from __future__ import annotations

__all__ = ["BLANK_ADDRESS", "MAX_BULK_DESTINATIONS", "MAX_BULK_ENTRIES", "SendingV1", "SendingV2"]

from collections.abc import Mapping
from typing import Any, ClassVar

from ..account.ledger import Template
from .api import Call, Operations, Params, Result
from .mail import (
    MAX_MESSAGE_BYTES,
    MAX_MESSAGE_BYTES_V2,
    ApiError,
    addressed,
    bad_request,
    check_address,
    check_recipients,
    check_size,
    invalid,
    raw_addressing,
    template_data,
)
from .multi_region import routed
from .send import attributes, bulk, entry_tags, refuse_invalid, rendered, send
from .templates import template
from .tenants import refuse_bulk_for_tenant

MAX_BULK_DESTINATIONS = 50
MAX_BULK_ENTRIES = 50
#: SES v2's answer for an empty address (captured: a Go SDK's SendEmail with ToAddresses [""]).
BLANK_ADDRESS = "Invalid email address ."


class SendingV1(Operations):
    title = "sending"
    names = ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail")
    # The quotas page: "All actions (except for SendEmail, SendRawEmail, and
    # SendTemplatedEmail) are throttled at one request per second": not the bulk send.
    sends = frozenset(("SendEmail", "SendRawEmail", "SendTemplatedEmail"))

    def SendEmail(self, call: Call, p: Params) -> Result:
        source = p["Source"]
        recipients, addressing = addressed(p.get("Destination"))
        message = p.get("Message", {})
        subject = message.get("Subject", {}).get("Data")
        body = message.get("Body", {})
        text = body.get("Text", {}).get("Data")
        html_body = body.get("Html", {}).get("Data")
        try:
            check_address(source)
            check_recipients(recipients)
            check_size(sum(len((s or "").encode()) for s in (subject, text, html_body)))
        except ApiError as error:
            raise refuse_invalid(call, source, recipients, error) from None
        message_id = send(
            call,
            p,
            source=source,
            recipients=recipients,
            subject=subject,
            text=text,
            html=html_body,
            **addressing,
        )
        return {"MessageId": message_id}

    def SendRawEmail(self, call: Call, p: Params) -> Result:
        data = p.get("RawMessage", {}).get("Data", b"")
        if isinstance(data, str):  # tolerated: some callers pass text
            data = data.encode("utf-8")
        destinations = list(p.get("Destinations", []))
        try:
            source, recipients, content = raw_addressing(
                data, p.get("Source"), destinations, limit=MAX_MESSAGE_BYTES
            )
        except ApiError as error:
            raise refuse_invalid(call, p.get("Source") or "", destinations, error) from None
        message_id = send(call, p, source=source, recipients=recipients, **content)
        return {"MessageId": message_id}

    def SendTemplatedEmail(self, call: Call, p: Params) -> Result:
        source = p["Source"]
        recipients, addressing = addressed(p.get("Destination"))
        try:
            check_address(source)
            check_recipients(recipients)
            found = template(call, p["Template"])
            data = template_data(p.get("TemplateData"))
        except ApiError as error:
            raise refuse_invalid(call, source, recipients, error) from None
        message_id = send(
            call,
            p,
            source=source,
            recipients=recipients,
            **addressing,
            **rendered(found, data),
        )
        return {"MessageId": message_id}

    def SendBulkTemplatedEmail(self, call: Call, p: Params) -> Result:
        source = p["Source"]
        destinations = p.get("Destinations", [])
        try:
            check_address(source)
            if not destinations:
                raise invalid("Missing required header 'To'.")
            if len(destinations) > MAX_BULK_DESTINATIONS:
                raise invalid(f"Destination count exceeds {MAX_BULK_DESTINATIONS}.")
            found = template(call, p["Template"])
            defaults = template_data(p.get("DefaultTemplateData"))
            shared = attributes(call, p)
            entries = [
                (
                    recipients,
                    {**addressing, **entry_tags(shared, d.get("ReplacementTags"))},
                    d.get("ReplacementTemplateData"),
                )
                for d in destinations
                for recipients, addressing in [addressed(d.get("Destination"))]
            ]
        except ApiError as error:
            everyone = [a for d in destinations for a in addressed(d.get("Destination"))[0]]
            raise refuse_invalid(call, source, everyone, error) from None
        statuses = bulk(
            call,
            source,
            found,
            defaults,
            entries,
            shared,
            check_recipients,
        )
        return {"Status": statuses}


def _check_blank(recipients: list[str]) -> None:
    if any(not r.strip() for r in recipients):
        raise bad_request(BLANK_ADDRESS)


def _check_recipients_v2(recipients: list[str]) -> None:
    """v1's rules, and v2's own word for a blank address."""
    _check_blank(recipients)
    check_recipients(recipients)


def _identity_of_arn(arn: str | None) -> str | None:
    """``arn:aws:ses:us-east-1:123456789012:identity/example.com`` -> ``example.com``."""
    return arn.partition(":identity/")[2] or None if arn else None


def _template_of_arn(arn: str | None) -> str | None:
    return arn.partition(":template/")[2] or None if arn else None


class SendingV2(Operations):
    title = "sending"
    names = ("SendEmail", "SendBulkEmail")
    # SendBulkEmail is not named by the quotas page: throttled as its v1 counterpart
    # SendBulkTemplatedEmail is (docs/choices.md).
    sends = frozenset(("SendEmail",))
    notes: ClassVar[dict[str, str]] = {
        "SendEmail": "Simple, Raw and Template content; a template by name, ARN or inline"
    }

    @staticmethod
    def _source(p: Mapping[str, Any]) -> str:
        source = p.get("FromEmailAddress") or _identity_of_arn(p.get("FromEmailAddressIdentityArn"))
        if not source:
            raise bad_request("FromEmailAddress is required.")
        check_address(source)
        return source

    @staticmethod
    def _template(call: Call, spec: Mapping[str, Any]) -> Template:
        """The template a ``Template`` content names (by name or ARN), or carries inline."""
        inline = spec.get("TemplateContent")
        if inline is not None:
            return Template(
                name="(inline)",
                subject=inline.get("Subject"),
                text=inline.get("Text"),
                html=inline.get("Html"),
                created=call.account.clock.now(),
            )
        name = spec.get("TemplateName") or _template_of_arn(spec.get("TemplateArn"))
        if not name:
            raise bad_request("Template name or ARN is required.")
        return template(call, name)

    @staticmethod
    def _simple(message: Mapping[str, Any]) -> dict[str, Any]:
        subject = message["Subject"]["Data"]
        body = message["Body"]
        text = body.get("Text", {}).get("Data")
        html_body = body.get("Html", {}).get("Data")
        size = sum(len((s or "").encode()) for s in (subject, text, html_body))
        size += sum(len(a.get("RawContent", b"")) for a in message.get("Attachments", []))
        check_size(size, MAX_MESSAGE_BYTES_V2)
        return {"subject": subject, "text": text, "html": html_body}

    def SendEmail(self, call: Call, p: Params) -> Result:
        call = routed(call, p)  # through a multi-region endpoint: one of its regions
        content = p["Content"]
        kinds = [k for k in ("Simple", "Raw", "Template") if k in content]
        recipients, addressing = addressed(p.get("Destination"))
        given = p.get("FromEmailAddress") or ""
        if len(kinds) != 1:
            error = bad_request("Content must contain exactly one of Simple, Raw or Template.")
            raise refuse_invalid(call, given, recipients, error)
        kind = kinds[0]
        try:
            _check_blank(recipients)
            if kind == "Raw":
                source, recipients, fields = raw_addressing(
                    content["Raw"]["Data"], p.get("FromEmailAddress"), recipients,
                    limit=MAX_MESSAGE_BYTES_V2,
                )  # fmt: skip
            else:
                source = self._source(p)
                _check_recipients_v2(recipients)
                if kind == "Simple":
                    fields = self._simple(content["Simple"])
                else:
                    spec = content["Template"]
                    found = self._template(call, spec)
                    fields = rendered(found, template_data(spec.get("TemplateData")))
                fields.update(addressing)
        except ApiError as error:
            raise refuse_invalid(call, given, recipients, error) from None
        message_id = send(call, p, source=source, recipients=recipients, **fields)
        return {"MessageId": message_id}

    def SendBulkEmail(self, call: Call, p: Params) -> Result:
        call = routed(call, p)
        entries = p["BulkEmailEntries"]
        everyone = [a for e in entries for a in addressed(e.get("Destination"))[0]]
        try:
            source = self._source(p)
            spec = p["DefaultContent"].get("Template")
            if spec is None:
                raise bad_request("DefaultContent must contain a Template.")
            if not entries:
                raise bad_request("BulkEmailEntries must contain at least one entry.")
            if len(entries) > MAX_BULK_ENTRIES:
                raise bad_request(f"Destination count exceeds {MAX_BULK_ENTRIES}.")
            found = self._template(call, spec)
            defaults = template_data(spec.get("TemplateData"))
            shared = attributes(call, p)
            messages = [
                (
                    recipients,
                    {**addressing, **entry_tags(shared, e.get("ReplacementTags"))},
                    e.get("ReplacementEmailContent", {})
                    .get("ReplacementTemplate", {})
                    .get("ReplacementTemplateData"),
                )
                for e in entries
                for recipients, addressing in [addressed(e.get("Destination"))]
            ]
        except ApiError as error:
            given = p.get("FromEmailAddress") or ""
            raise refuse_invalid(call, given, everyone, error) from None
        refuse_bulk_for_tenant(call, source, shared, found.name, everyone)
        results = bulk(call, source, found, defaults, messages, shared, _check_recipients_v2)
        return {"BulkEmailEntryResults": results}
