"""What the sending operations of both APIs share: handing a message to the account,
recording a send refused for its input, templated content, and bulk sends."""

from __future__ import annotations

__all__ = [
    "attributes",
    "bulk",
    "entry_tags",
    "merged_data",
    "refuse_invalid",
    "rendered",
    "send",
]

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..account.ledger import PAUSED_MESSAGE, SendRefused, SentMessage, Template
from .api import Call
from .handlebars import RenderingFailure, TemplateSyntaxError, render
from .mail import ApiError, check_configuration_set_name, message_tags, template_data


def _tags(given: Any) -> dict[str, str]:
    """A send's ``Tags`` / ``EmailTags`` (``[{"Name", "Value"}]``) as name -> value,
    checked as SES checks message tags."""
    if not given:
        return {}
    return message_tags([(str(t.get("Name", "")), str(t.get("Value", ""))) for t in given])


def attributes(call: Call, p: Mapping[str, Any]) -> dict[str, Any]:
    """What a send names beyond its message, as ``SentMessage``'s fields: the
    configuration set, tags, reply-to and return path, sending authorization's ARNs,
    and SES v2's tenant, multi-region endpoint and list management.

    Raises SES's ``InvalidParameterValue`` for a configuration set's name or a tag that
    SES refuses."""
    name = p.get("ConfigurationSetName")
    if name is not None:
        check_configuration_set_name(name)
    if call.dialect.api == "ses":
        found = {
            "tags": _tags(p.get("Tags") or p.get("DefaultTags")),
            "return_path": p.get("ReturnPath"),
            "source_arn": p.get("SourceArn"),
            "from_arn": p.get("FromArn"),
            "return_path_arn": p.get("ReturnPathArn"),
        }
    else:
        found = {
            "tags": _tags(p.get("EmailTags") or p.get("DefaultEmailTags")),
            "return_path": p.get("FeedbackForwardingEmailAddress"),
            # It covers a raw message's From header too, over its X-SES-FROM-ARN.
            "source_arn": p.get("FromEmailAddressIdentityArn"),
            "from_arn": p.get("FromEmailAddressIdentityArn"),
            "return_path_arn": p.get("FeedbackForwardingEmailAddressIdentityArn"),
            "tenant_name": p.get("TenantName"),
            "endpoint_id": p.get("EndpointId"),
            "list_management": p.get("ListManagementOptions"),
        }
    found["configuration_set"] = p.get("ConfigurationSetName")
    found["reply_to"] = tuple(p.get("ReplyToAddresses") or ())
    return {k: v for k, v in found.items() if v not in (None, (), {})}


def entry_tags(defaults: Mapping[str, Any], replacement: Any) -> dict[str, Any]:
    """A bulk entry's tags: the call's, with the entry's ``ReplacementTags`` over them."""
    merged = {**defaults.get("tags", {}), **_tags(replacement)}
    return {"tags": merged} if merged else {}


def send(call: Call, p: Mapping[str, Any], **content: Any) -> str:
    """Hand one message to the account, with what the request ``p`` names beyond it
    (:func:`attributes`: over what a raw message's own headers name, its X-SES-... ARNs
    and tags, as SES uses the API's rather than the headers'); its id, or the API's
    refusal error."""
    try:
        named = attributes(call, p)
    except ApiError as error:
        raise refuse_invalid(call, content["source"], content["recipients"], error) from None
    try:
        message = call.account.send(
            region=call.region,
            operation=call.operation,
            dialect=call.dialect,
            **{**content, **named},
        )
    except SendRefused as refused:
        raise call.dialect.error(refused) from None
    return message.message_id


def refuse_invalid(call: Call, source: str, recipients: Sequence[str], error: ApiError) -> ApiError:
    """Record a send refused for its input; the error to raise, in the API's words."""
    error = call.dialect.translate(error)
    call.account.reject(
        region=call.region,
        operation=call.operation,
        reason="invalid",
        code=error.code,
        message=error.message,
        source=source,
        recipients=recipients,
    )
    return error


def rendered(template: Template, data: Mapping[str, Any]) -> dict[str, Any]:
    """The ledger's subject and bodies of a templated message; a rendering failure (a
    variable the data lacks) is accepted, recorded, and kept from delivery, as SES does."""
    try:
        return {
            "template": template.name,
            "template_data": dict(data),
            "subject": render(template.subject, data),
            "text": render(template.text, data),
            "html": render(template.html, data),
        }
    except (RenderingFailure, TemplateSyntaxError) as failure:
        # SES accepts the call and reports a Rendering Failure event later.
        return {
            "template": template.name,
            "template_data": dict(data),
            "rendering_failure": str(failure),
        }


def merged_data(defaults: Mapping[str, Any], replacement: Mapping[str, Any]) -> dict[str, Any]:
    """A bulk entry's data: its replacement data over the defaults, key by key and into
    nested objects (a list or a value replaces the default's), as real SES merges them."""
    merged = dict(defaults)
    for key, value in replacement.items():
        default = merged.get(key)
        if isinstance(default, Mapping) and isinstance(value, Mapping):
            value = merged_data(default, value)
        merged[key] = value
    return merged


def bulk(
    call: Call,
    source: str,
    template: Template,
    defaults: Mapping[str, Any],
    entries: Sequence[tuple[list[str], dict[str, Any], str | None]],
    shared: Mapping[str, Any],
    check_recipients: Callable[[list[str]], None],
) -> list[dict[str, Any]]:
    """Send one templated message per entry ``(recipients, addressing, replacement data)``;
    a result per entry: ``{"Status", "Error"?, "MessageId"?}`` in the API's names.

    Throttled per destination, or as a whole call (the marker's ``bulk_throttling``).
    """
    account, dialect = call.account, call.dialect
    if not account.sending_enabled(call.region):
        raise dialect.error(SendRefused("paused", PAUSED_MESSAGE))
    results: list[dict[str, Any] | None] = [None] * len(entries)
    messages: list[tuple[list[str], dict[str, Any]]] = []
    positions: list[int] = []
    for index, (recipients, addressing, replacement) in enumerate(entries):
        try:
            check_recipients(recipients)
            data = merged_data(defaults, template_data(replacement))
        except ApiError as error:
            refused = SendRefused("invalid", error.message)
            account.reject(
                region=call.region,
                operation=call.operation,
                reason="invalid",
                code=dialect.code("invalid", bulk=True),  # the entry's status, as received
                message=error.message,
                source=source,
                recipients=recipients,
            )
            results[index] = dialect.bulk_entry(refused)
            continue
        content = {**shared, **addressing, **rendered(template, data)}
        messages.append((recipients, content))
        positions.append(index)
    try:
        decided = account.send_many(
            region=call.region,
            operation=call.operation,
            source=source,
            messages=messages,
            dialect=dialect,
            bulk=True,
            whole_call=account.options.bulk_throttling == "whole_call",
        )
    except SendRefused as refused:  # the whole call, throttled
        raise dialect.error(refused) from None
    for index, outcome in zip(positions, decided, strict=True):
        if isinstance(outcome, SentMessage):
            results[index] = {"Status": dialect.bulk_success, "MessageId": outcome.message_id}
        else:
            results[index] = dialect.bulk_entry(outcome)
    return [r for r in results if r is not None]
