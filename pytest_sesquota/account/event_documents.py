"""SES's JSON documents for its events, as the SES guide's "Examples of event data" and
"Amazon SNS notification contents" show them: event publishing's (``eventType``, a
``mail`` object with the headers and tags) and the identity notifications'
(``notificationType``, headers only where the identity asks for them, no tags); and
what the other destinations read of an event (EventBridge's detail-type, CloudWatch's
metric and dimensions).
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ID",
    "CALLER_IDENTITY",
    "DETAIL_KEYS",
    "DETAIL_TYPES",
    "METRIC_NAMES",
    "SOURCE_IP",
    "cloudwatch_dimensions",
    "event_document",
    "mail_object",
    "notification_document",
    "notification_message",
]

from collections.abc import Mapping
from email.message import Message
from typing import Any

from .event_records import EventType, SesEvent
from .ledger import address_of
from .lifecycle import iso

#: The fake account's AWS account id (ARNs, ``sendingAccountId``).
ACCOUNT_ID = "123456789012"
#: Who called SES, as SES says it (``ses:caller-identity``, ``callerIdentity``): a choice.
CALLER_IDENTITY = "pytest-sesquota"
#: Where the call came from: the loopback, where every front door of the fake is.
SOURCE_IP = "127.0.0.1"
#: The event's own object in SES's documents.
DETAIL_KEYS: dict[EventType, str] = {
    "Send": "send",
    "Reject": "reject",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Delivery": "delivery",
    "DeliveryDelay": "deliveryDelay",
    "Rendering Failure": "failure",
    "Subscription": "subscription",
    "Open": "open",
    "Click": "click",
}
#: EventBridge's ``detail-type`` for each (the EventBridge guide's list of SES events).
DETAIL_TYPES: dict[EventType, str] = {
    "Send": "Email Sent",
    "Reject": "Email Rejected",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Delivery": "Email Delivered",
    "DeliveryDelay": "Email Delivery Delayed",
    "Rendering Failure": "Email Rendering Failed",
    "Subscription": "Email Subscribed",
    "Open": "Email Opened",
    "Click": "Email Clicked",
}
#: CloudWatch's metric for each, in the ``AWS/SES`` namespace (the two-word types
#: without their space: a choice).
METRIC_NAMES: dict[EventType, str] = {kind: kind.replace(" ", "") for kind in DETAIL_KEYS}
#: SES truncates the headers it reports past 10 KB (the SES guide).
_HEADERS_LIMIT = 10 * 1024
#: commonHeaders' members (a Bcc header is never reported: SES removes it from the message).
_COMMON = {
    "from": "From",
    "to": "To",
    "cc": "Cc",
    "date": "Date",
    "returnPath": "Return-Path",
    "replyTo": "Reply-To",
}


def event_document(event: SesEvent) -> dict[str, Any]:
    """Event publishing's document (a configuration set's destinations get it)."""
    headers = event.event_type != "Rendering Failure"  # a message never rendered has none
    return {
        "eventType": event.event_type,
        "mail": mail_object(event, headers=headers, tags=True),
        DETAIL_KEYS[event.event_type]: dict(event.detail),
    }


def notification_document(event: SesEvent) -> dict[str, Any]:
    """An identity notification with the original headers."""
    return notification_message(event, headers=True)


def notification_message(event: SesEvent, *, headers: bool) -> dict[str, Any]:
    """An identity notification (bounce, complaint, delivery); ``headers`` as the
    identity's ``HeadersIn...NotificationsEnabled`` says."""
    return {
        "notificationType": event.event_type,
        DETAIL_KEYS[event.event_type]: dict(event.detail),
        "mail": mail_object(event, headers=headers, tags=False, notification=True),
    }


def mail_object(
    event: SesEvent, *, headers: bool, tags: bool, notification: bool = False
) -> dict[str, Any]:
    """SES's ``mail`` object: the message the event is about."""
    message = event.message
    if message is None:
        return {"messageId": event.message_id, "destination": list(event.recipients)}
    identity = event.identity or address_of(message.source)
    mail: dict[str, Any] = {
        "timestamp": iso(message.time),
        "source": message.source,
        "sourceArn": message.source_arn
        or f"arn:aws:ses:{message.region}:{ACCOUNT_ID}:identity/{identity}",
    }
    if notification:
        mail["sourceIp"] = SOURCE_IP
        mail["callerIdentity"] = CALLER_IDENTITY
    mail["sendingAccountId"] = ACCOUNT_ID
    mail["messageId"] = message.message_id
    mail["destination"] = list(message.recipients)
    if headers or tags:
        mail["headersTruncated"] = False
    if headers:
        parsed, raw = message.message, message.raw is not None
        listed, truncated = _headers(parsed, raw=raw)
        mail["headersTruncated"] = truncated
        mail["headers"] = listed
        mail["commonHeaders"] = _common_headers(parsed, message.message_id, raw=raw)
    if tags:
        mail["tags"] = _tags(event)
    return mail


def _headers(parsed: Message, *, raw: bool) -> tuple[list[dict[str, str]], bool]:
    if raw:
        items = [(k, str(v)) for k, v in parsed.items() if k.lower() != "bcc"]
    else:
        # What SES reports of a message it built from a Simple content: the headers of
        # its own making but the Message-ID and Date it adds on the way out (captured).
        items = [
            (k, str(v))
            for k, v in parsed.items()
            if k.lower() in ("from", "to", "cc", "reply-to", "subject")
        ]
        items.append(("MIME-Version", "1.0"))
        items += [(k, str(v)) for k, v in parsed.items() if k.lower().startswith("content-")]
    listed: list[dict[str, str]] = []
    size = 0
    for name, value in items:
        size += len(name) + len(value)
        if size > _HEADERS_LIMIT:
            return listed, True
        listed.append({"name": name, "value": value})
    return listed, False


def _common_headers(parsed: Message, message_id: str, *, raw: bool) -> dict[str, Any]:
    common: dict[str, Any] = {}
    for key, name in _COMMON.items():
        value = parsed.get(name)
        if value is None:
            continue
        common[key] = str(value) if key in ("date", "returnPath") else [str(value)]
    original = parsed.get("Message-ID") if raw else None
    common["messageId"] = str(original).strip().strip("<>") if original else message_id
    common["subject"] = str(parsed.get("Subject", ""))
    return common


def _tags(event: SesEvent) -> dict[str, list[str]]:
    message = event.message
    assert message is not None
    tags = {"ses:operation": [message.operation]}
    if message.configuration_set is not None:
        tags["ses:configuration-set"] = [message.configuration_set]
    tags["ses:source-ip"] = [SOURCE_IP]
    tags["ses:from-domain"] = [address_of(message.source).rpartition("@")[2]]
    tags["ses:caller-identity"] = [CALLER_IDENTITY]
    if event.event_type == "Delivery":
        tags["ses:outgoing-ip"] = ["127.0.2.1"]
    for name, value in message.tags.items():
        tags[name] = [value]
    return tags


def cloudwatch_dimensions(
    event: SesEvent, configurations: list[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """The dimensions of an event's metric, as a CloudWatch destination's
    ``DimensionConfigurations`` name them: from a message tag (SES's auto-tags too), an
    email header, or a link tag; the configuration's default where the event has none."""
    message = event.message
    tags = _tags(event) if message is not None else {}
    parsed = message.message if message is not None else None
    link_tags = event.detail.get("linkTags", {}) if event.event_type == "Click" else {}
    dimensions = []
    for configuration in configurations:
        name = configuration["DimensionName"]
        source = configuration.get("DimensionValueSource", "messageTag")
        value: Any = None
        if source == "messageTag":
            value = next(iter(tags.get(name, ())), None)
        elif source == "emailHeader" and parsed is not None:
            value = parsed.get(name)
        elif source == "linkTag":
            value = next(iter(link_tags.get(name, ())), None)
        dimensions.append(
            {"Name": name, "Value": str(value or configuration.get("DefaultDimensionValue", ""))}
        )
    return dimensions
