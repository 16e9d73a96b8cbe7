"""Identities' feedback notifications: SES v1's SetIdentityNotificationTopic,
GetIdentityNotificationAttributes, SetIdentityFeedbackForwardingEnabled and
SetIdentityHeadersInNotificationsEnabled; SES v2's PutEmailIdentityFeedbackAttributes.

The settings are kept by ``account/notifications.py``; the events part publishes an
identity's bounces, complaints and deliveries to its topics.
"""

from __future__ import annotations

__all__ = ["NotificationsV1", "NotificationsV2", "identity_name"]

from typing import Any

from ..account.identities import Identities
from ..account.notifications import IdentityNotifications
from .api import Call, Operations, Params, Result
from .mail import ApiError, invalid

_TYPES = ("Bounce", "Complaint", "Delivery")


def identity_name(identity: str) -> str:
    """``arn:aws:ses:us-east-1:123456789012:identity/example.com`` -> ``example.com``."""
    if identity.startswith("arn:") and ":identity/" in identity:
        return identity.rpartition(":identity/")[2]
    return identity


def _verified(call: Call, identity: str) -> str:
    """The identity's name, if SES would take it here: a verified address or domain (any
    name while the account checks no identities, ``verified`` not given)."""
    name = identity_name(identity)
    found = call.account.identity(name, call.region)
    if found is not None and found.status == "Success":
        return found.name
    if found is None and not call.part(Identities).checked(call.region):
        return name
    # Captured (the identity as the caller gave it, an ARN too).
    raise invalid(f"Identity {identity} is invalid. Must be a verified email address or domain.")


def _notification_type(value: Any) -> str:
    if value not in _TYPES:
        raise ApiError(
            "ValidationError",
            f"1 validation error detected: Value '{value}' at 'notificationType' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(_TYPES)}]",
        )
    return str(value)


class NotificationsV1(Operations):
    title = "identity notifications"
    names = (
        "SetIdentityNotificationTopic",
        "GetIdentityNotificationAttributes",
        "SetIdentityFeedbackForwardingEnabled",
        "SetIdentityHeadersInNotificationsEnabled",
    )

    def SetIdentityNotificationTopic(self, call: Call, p: Params) -> Result:
        name = _verified(call, p["Identity"])
        kind = _notification_type(p["NotificationType"])
        topic = p.get("SnsTopic") or None
        if topic is not None:
            parts = topic.split(":")
            if len(parts) != 6 or parts[:3] != ["arn", "aws", "sns"] or parts[3] != call.region:
                # SES publishes to topics of its own region only (the SES guide).
                raise invalid(f"SNS topic <{topic}> is invalid.")
        call.part(IdentityNotifications).set_topic(name, kind, topic, call.region)
        return {}

    def GetIdentityNotificationAttributes(self, call: Call, p: Params) -> Result:
        part = call.part(IdentityNotifications)
        attributes: dict[str, Any] = {}
        for identity in p.get("Identities", []):
            name = identity_name(identity)
            found = call.account.identity(name, call.region)
            settings = part.settings(name, call.region)
            if found is None and not part.has(name, call.region):
                continue  # SES answers for the identities it knows
            item: dict[str, Any] = {f"{k}Topic": v for k, v in sorted(settings.topics.items())}
            item["ForwardingEnabled"] = settings.forwarding_enabled
            for kind in _TYPES:
                item[f"HeadersIn{kind}NotificationsEnabled"] = kind in settings.headers
            attributes[identity] = item
        return {"NotificationAttributes": attributes}

    def SetIdentityFeedbackForwardingEnabled(self, call: Call, p: Params) -> Result:
        name = _verified(call, p["Identity"])
        part = call.part(IdentityNotifications)
        enabled = bool(p["ForwardingEnabled"])
        topics = part.settings(name, call.region).topics
        if not enabled and not ("Bounce" in topics and "Complaint" in topics):
            # The API reference's rule; SES's own wording is not captured (docs/choices.md).
            raise invalid(
                "Feedback forwarding can only be disabled when Amazon SNS topics are "
                "specified for both bounces and complaints."
            )
        part.set_forwarding(name, enabled, call.region)
        return {}

    def SetIdentityHeadersInNotificationsEnabled(self, call: Call, p: Params) -> Result:
        name = _verified(call, p["Identity"])
        kind = _notification_type(p["NotificationType"])
        part = call.part(IdentityNotifications)
        enabled = bool(p["Enabled"])
        if enabled and kind not in part.settings(name, call.region).topics:
            # "This value can only be set when NotificationType is already set to use a
            # particular Amazon SNS topic" (the API reference; the wording is ours).
            raise invalid(
                f"Headers can only be included in {kind} notifications once an Amazon SNS "
                f"topic is set for them."
            )
        part.set_headers(name, kind, enabled, call.region)
        return {}


class NotificationsV2(Operations):
    title = "identity notifications"
    names = ("PutEmailIdentityFeedbackAttributes",)

    def PutEmailIdentityFeedbackAttributes(self, call: Call, p: Params) -> Result:
        name = p["EmailIdentity"]
        found = call.account.identity(name, call.region)
        if found is None:
            raise ApiError("NotFoundException", f"Email identity <{name}> does not exist.", 404)
        # SES v2 takes it either way: with no topic, SES forwards by email regardless.
        enabled = bool(p.get("EmailForwardingEnabled", False))
        call.part(IdentityNotifications).set_forwarding(found.name, enabled, call.region)
        return {}
