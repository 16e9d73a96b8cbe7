"""An account's identities per region: verified, pending (asked for through the API), and
whether sends are checked against them (the marker's ``verified``)."""

from __future__ import annotations

__all__ = ["Identities", "Status"]

import secrets
from typing import Any, Literal

from .ledger import SIMULATOR_DOMAIN, Identity, address_of
from .options import RegionSettings
from .part import Context, Part

Status = Literal["Pending", "Success", "Failed", "TemporaryFailure", "NotStarted"]


class Identities(Part):
    """Email addresses and domains, and the verified-identity check."""

    key = "identities"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        # region -> identity name, lower-cased -> identity
        self._identities: dict[str, dict[str, Identity]] = {}
        self._checked: dict[str, bool] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._identities[region] = {}
        self._checked[region] = settings.verified is not None
        for name in settings.verified or ():
            self._add(region, name, "Success")

    def _add(self, region: str, name: str, status: Status) -> Identity:
        key = name.lower()
        kind: Literal["EmailAddress", "Domain"] = "EmailAddress" if "@" in key else "Domain"
        identities = self._identities[region]
        identity = identities.get(key)
        if identity is None:
            token = secrets.token_urlsafe(32)[:44] if kind == "Domain" else None
            identity = identities[key] = Identity(name, kind, status, token)
        else:
            identity.status = status
        self.changed(region)
        return identity

    def verify(self, *identities: str, region: str | None = None) -> None:
        """Mark addresses or domains verified in a region (as if the link was clicked)."""
        if not identities:
            raise TypeError("verify() needs at least one address or domain")
        name = self.region(region)
        with self.lock:
            for identity in identities:
                if not isinstance(identity, str) or not identity.strip():
                    raise ValueError(f"{identity!r} is not an email address or a domain")
                self._add(name, identity.strip(), "Success")

    def check_identities(self, enabled: bool = True, region: str | None = None) -> None:
        """Turn the verified-identity check on or off (the marker's ``verified`` does this)."""
        name = self.region(region)
        with self.lock:
            self._checked[name] = enabled
            self.changed(name)

    def checked(self, region: str) -> bool:
        """Whether sends in ``region`` must come from (and, in the sandbox, go to) verified
        identities."""
        return self._checked[region]

    def request_identity(self, name: str, region: str | None = None) -> Identity:
        """An identity asked for through the API: pending until :meth:`verify`."""
        where = self.region(region)
        with self.lock:
            existing = self._identities[where].get(name.lower())
            if existing is not None and existing.status == "Success":
                return existing
            return self._add(where, name, "Pending")

    def identities(self, region: str | None = None) -> list[Identity]:
        name = self.region(region)
        with self.lock:
            return list(self._identities[name].values())

    def identity(self, name: str, region: str | None = None) -> Identity | None:
        return self._identities[self.region(region)].get(name.lower())

    def delete_identity(self, name: str, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            if self._identities[where].pop(name.lower(), None) is not None:
                self.changed(where)

    def is_verified(self, address: str, region: str | None = None) -> bool:
        identities = self._identities[self.region(region)]
        bare = address_of(address)
        domain = bare.rpartition("@")[2]
        for key in (bare, domain):
            identity = identities.get(key)
            if identity is not None and identity.status == "Success":
                return True
        return False

    def unverified(
        self, region: str, source: str, recipients: list[str] | tuple[str, ...], *, sandbox: bool
    ) -> list[str]:
        """Who fails the check: the source unless verified, and in the sandbox every
        recipient neither verified nor at the mailbox simulator."""
        failed = [source] if not self.is_verified(source, region) else []
        if sandbox:
            failed += [
                r
                for r in recipients
                if not self.is_verified(r, region)
                and address_of(r).rpartition("@")[2] != SIMULATOR_DOMAIN
            ]
        return failed

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "check_identities": self._checked[region],
            "identities": [
                {"name": i.name, "kind": i.kind, "status": i.status, "token": i.token}
                for i in self._identities[region].values()
            ],
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._checked[region] = data["check_identities"]
        self._identities[region] = {
            item["name"].lower(): Identity(**item) for item in data["identities"]
        }
