"""Identities' feedback notifications, per region: the SNS topic each of an identity's
bounce, complaint and delivery notifications go to, whether their SNS notifications carry
the original headers, and whether SES also forwards bounces and complaints by email
(SES v1's SetIdentityNotificationTopic family, v2's PutEmailIdentityFeedbackAttributes).
"""

from __future__ import annotations

__all__ = ["IdentityNotifications", "NotificationSettings"]

from dataclasses import dataclass, field, replace
from typing import Any

from .options import RegionSettings
from .part import Context, Part


@dataclass(frozen=True)
class NotificationSettings:
    """One identity's notification attributes (``GetIdentityNotificationAttributes``)."""

    #: ``"Bounce"``, ``"Complaint"``, ``"Delivery"`` -> topic ARN
    topics: dict[str, str] = field(default_factory=dict)
    #: The notification types whose SNS notifications include the original headers.
    headers: frozenset[str] = frozenset()
    forwarding_enabled: bool = True


_DEFAULT = NotificationSettings()


class IdentityNotifications(Part):
    """Notification settings by identity (lower-cased name) and region."""

    key = "identity_notifications"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._settings: dict[str, dict[str, NotificationSettings]] = {}
        # Regions with any topic: a send through none of them asks nothing more.
        self._with_topics: set[str] = set()

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._settings[region] = {}

    # -- reading ------------------------------------------------------------------------
    def settings(self, identity: str, region: str | None = None) -> NotificationSettings:
        """An identity's settings (SES's defaults for one never set)."""
        return self._settings[self.region(region)].get(identity.lower(), _DEFAULT)

    def has(self, identity: str, region: str | None = None) -> bool:
        """Whether the identity has settings of its own."""
        return identity.lower() in self._settings[self.region(region)]

    def any(self) -> bool:
        """Whether some identity of some region has a topic."""
        return bool(self._with_topics)

    def topic(self, identity: str, notification_type: str, region: str) -> str | None:
        if region not in self._with_topics:
            return None
        return self.settings(identity, region).topics.get(notification_type)

    def headers_included(self, identity: str, notification_type: str, region: str) -> bool:
        return notification_type in self.settings(identity, region).headers

    # -- changing (the operations check SES's rules first) ------------------------------
    def _change(self, identity: str, region: str | None, **changes: Any) -> None:
        where = self.region(region)
        with self.lock:
            key = identity.lower()
            changed = replace(self._settings[where].get(key, _DEFAULT), **changes)
            if changed == _DEFAULT:
                self._settings[where].pop(key, None)
            else:
                self._settings[where][key] = changed
            if any(s.topics for s in self._settings[where].values()):
                self._with_topics.add(where)
            else:
                self._with_topics.discard(where)
            self.changed(where)

    def set_topic(
        self, identity: str, notification_type: str, topic: str | None, region: str | None = None
    ) -> None:
        """Send an identity's notifications of one type to ``topic`` (``None``: to none).
        Without a bounce or complaint topic, email forwarding comes back on (SES allows it
        off only while both are set), and a type without a topic carries no headers."""
        current = self.settings(identity, region)
        topics = {k: v for k, v in current.topics.items() if k != notification_type}
        if topic is not None:
            topics[notification_type] = topic
        headers = current.headers if topic is not None else current.headers - {notification_type}
        forwarding = current.forwarding_enabled or not (
            "Bounce" in topics and "Complaint" in topics
        )
        self._change(
            identity, region, topics=topics, headers=headers, forwarding_enabled=forwarding
        )

    def set_headers(
        self, identity: str, notification_type: str, enabled: bool, region: str | None = None
    ) -> None:
        current = self.settings(identity, region)
        headers = (
            current.headers | {notification_type}
            if enabled
            else current.headers - {notification_type}
        )
        self._change(identity, region, headers=frozenset(headers))

    def set_forwarding(self, identity: str, enabled: bool, region: str | None = None) -> None:
        self._change(identity, region, forwarding_enabled=enabled)

    def forget(self, identity: str, region: str | None = None) -> None:
        """An identity deleted: its settings go with it."""
        where = self.region(region)
        if identity.lower() in self._settings[where]:
            self._change(identity, where, **vars(_DEFAULT))

    def publish_failed(self, identity: str, notification_type: str, region: str) -> None:
        """SES could not publish to the topic: a bounce or complaint topic is removed
        and email forwarding comes back on (a delivery topic stays), as the SES guide says."""
        if notification_type in ("Bounce", "Complaint"):
            self.set_topic(identity, notification_type, None, region)
            self.set_forwarding(identity, True, region)

    # -- the state file ------------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [
            {
                "identity": name,
                "topics": dict(s.topics),
                "headers": sorted(s.headers),
                "forwarding_enabled": s.forwarding_enabled,
            }
            for name, s in self._settings[region].items()
        ]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        self._settings[region] = {
            item["identity"]: NotificationSettings(
                topics=dict(item["topics"]),
                headers=frozenset(item["headers"]),
                forwarding_enabled=item["forwarding_enabled"],
            )
            for item in data
        }
        if any(s.topics for s in self._settings[region].values()):
            self._with_topics.add(region)
