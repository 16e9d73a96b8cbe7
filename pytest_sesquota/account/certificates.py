"""S/MIME certificates associated with identities, per region (SES v2's
Associate/Disassociate/ListEmailIdentityCertificates): one certificate per sender
address. The fake signs nothing; the status is what SES decides (provisioning, then
active), on the virtual clock, or as the test sets it."""

from __future__ import annotations

__all__ = [
    "CERTIFICATE_STATUSES",
    "PROVISIONING_SECONDS",
    "IdentityCertificate",
    "IdentityCertificates",
]

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .options import RegionSettings
from .part import Context, Part

CERTIFICATE_STATUSES = ("PROVISIONING", "INACTIVE", "DEPROVISIONING", "ACTIVE", "FAILED")
#: How long a new association stays PROVISIONING (not published: a choice, docs/choices.md).
PROVISIONING_SECONDS = 60.0


@dataclass
class IdentityCertificate:
    from_address: str
    certificate_arn: str
    associated: datetime
    #: The status the test set (``None``: provisioning, then active).
    status: str | None = None
    expiry: datetime | None = None

    def status_at(self, now: datetime) -> str:
        if self.status is not None:
            return self.status
        ready = self.associated + timedelta(seconds=PROVISIONING_SECONDS)
        return "ACTIVE" if now >= ready else "PROVISIONING"


class IdentityCertificates(Part):
    """Associations by identity and sender address (both compared without case)."""

    key = "identity_certificates"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._by_identity: dict[str, dict[str, dict[str, IdentityCertificate]]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._by_identity[region] = {}

    def certificates(self, identity: str, region: str | None = None) -> list[IdentityCertificate]:
        """An identity's associations, by sender address."""
        with self.lock:
            found = self._by_identity[self.region(region)].get(identity.lower(), {})
            return [found[k] for k in sorted(found)]

    def certificate(
        self, identity: str, from_address: str, region: str | None = None
    ) -> IdentityCertificate | None:
        found = self._by_identity[self.region(region)].get(identity.lower(), {})
        return found.get(from_address.lower())

    def associate(
        self, identity: str, from_address: str, certificate_arn: str, region: str | None = None
    ) -> IdentityCertificate:
        where = self.region(region)
        with self.lock:
            made = IdentityCertificate(from_address, certificate_arn, self.clock.now())
            self._by_identity[where].setdefault(identity.lower(), {})[from_address.lower()] = made
            self.changed(where)
            return made

    def disassociate(self, identity: str, from_address: str, region: str | None = None) -> bool:
        where = self.region(region)
        with self.lock:
            found = self._by_identity[where].get(identity.lower(), {})
            gone = found.pop(from_address.lower(), None) is not None
            if not found:
                self._by_identity[where].pop(identity.lower(), None)
            if gone:
                self.changed(where)
            return gone

    def set_identity_certificate_status(
        self,
        identity: str,
        from_address: str,
        status: str | None,
        *,
        expiry: datetime | None = None,
        region: str | None = None,
    ) -> None:
        """Set what SES decides for an association: its status (``"ACTIVE"``,
        ``"FAILED"``, ``"INACTIVE"``...; ``None``: provisioning, then active) and the
        certificate's expiry time that ListEmailIdentityCertificates shows."""
        if status is not None and status not in CERTIFICATE_STATUSES:
            raise ValueError(
                f"set_identity_certificate_status(status={status!r}): valid statuses: "
                + ", ".join(repr(s) for s in CERTIFICATE_STATUSES)
                + ", None"
            )
        where = self.region(region)
        with self.lock:
            found = self.certificate(identity, from_address, where)
            if found is None:
                raise LookupError(
                    f"set_identity_certificate_status({identity!r}, {from_address!r}): no "
                    f"certificate is associated with that sender in {where}"
                )
            found.status, found.expiry = status, expiry
            self.changed(where)

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            identity: [vars(c) for c in by_sender.values()]
            for identity, by_sender in self._by_identity[region].items()
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._by_identity[region] = {
            identity: {c["from_address"].lower(): IdentityCertificate(**c) for c in items}
            for identity, items in data.items()
        }
