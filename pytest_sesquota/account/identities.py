"""An account's identities per region: verified, pending (asked for through the API), and
whether sends are checked against them (the marker's ``verified``); each identity's DKIM
signing, custom MAIL FROM domain and default configuration set.

What SES decides on its side (a link clicked, DNS records found or not) is the test's to
say: :meth:`Identities.verify` and :meth:`Identities.set_identity_status`. Left alone, a
pending identity fails as SES's does: an address after 24 hours (its link expires), a
domain's records, DKIM's and MAIL FROM's after 72 hours, on the virtual clock.
"""

from __future__ import annotations

__all__ = ["Identities", "Status"]

import dataclasses
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from .identity import STATUSES, Dkim, Identity, MailFrom, Status, identity_from
from .ledger import SIMULATOR_DOMAIN, Outgoing, SendRefused, address_of
from .options import RegionSettings
from .part import Context, Part

#: How long SES waits for a click (an address) or for DNS records (a domain, DKIM, MAIL FROM).
LINK_EXPIRES = timedelta(hours=24)
RECORDS_LOOKED_FOR = timedelta(hours=72)


class Identities(Part):
    """Email addresses and domains, their settings, and the verified-identity check."""

    key = "identities"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        # region -> identity name, lower-cased -> identity
        self._identities: dict[str, dict[str, Identity]] = {}
        self._checked: dict[str, bool] = {}
        # Regions where an identity's MAIL FROM may reject a send: a send elsewhere skips
        # the look-up (the check runs for every send).
        self._rejecting: set[str] = set()

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._identities[region] = {}
        self._checked[region] = settings.verified is not None
        self._rejecting.discard(region)
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
        identity.started = self.clock.now() if status == "Pending" else identity.started
        self.changed(region)
        return identity

    def verify(self, *identities: str, region: str | None = None) -> None:
        """Mark addresses or domains verified in a region (as if the link was clicked, or
        SES found the domain's DNS records): their DKIM and MAIL FROM set-ups too."""
        if not identities:
            raise TypeError("verify() needs at least one address or domain")
        name = self.region(region)
        with self.lock:
            for identity in identities:
                if not isinstance(identity, str) or not identity.strip():
                    raise ValueError(f"{identity!r} is not an email address or a domain")
                found = self._add(name, identity.strip(), "Success")
                if found.dkim is not None:
                    found.dkim.status = "Success"
                if found.mail_from is not None:
                    found.mail_from.status = "Success"

    def set_identity_status(
        self,
        identity: str,
        *,
        verification: Status | None = None,
        dkim: Status | None = None,
        mail_from: Status | None = None,
        region: str | None = None,
    ) -> None:
        """Say what SES found for an identity: its verification, its DKIM records, its MAIL
        FROM domain's MX record (``"Success"``, ``"Failed"``, ``"TemporaryFailure"``,
        ``"Pending"``). A domain whose DKIM succeeds is verified, as SES verifies it so."""
        where = self.region(region)
        with self.lock:
            found = self._identities[where].get(identity.strip().lower())
            if found is None:
                known = ", ".join(i.name for i in self._identities[where].values()) or "none"
                raise ValueError(
                    f"no identity {identity!r} in {where} (its identities: {known}); create "
                    "it first (VerifyEmailIdentity, CreateEmailIdentity, ...) or verify() it"
                )
            for what, status in (("verification", verification), ("dkim", dkim)):
                if status is not None and status not in STATUSES[:4]:
                    raise ValueError(f"{what}={status!r}: expected one of {STATUSES[:4]}")
            if mail_from is not None and mail_from not in STATUSES[:4]:
                raise ValueError(f"mail_from={mail_from!r}: expected one of {STATUSES[:4]}")
            if dkim is not None and found.dkim is None:
                raise ValueError(f"{found.name} has no DKIM set up (VerifyDomainDkim, ...)")
            if mail_from is not None and found.mail_from is None:
                raise ValueError(f"{found.name} has no custom MAIL FROM domain")
            if found.dkim is not None and dkim is not None:
                found.dkim.status, found.dkim.started = dkim, self.clock.now()
                if found.kind == "Domain" and (dkim == "Success" or found.status != "Success"):
                    verification = verification or dkim
            if verification is not None:
                self._add(where, found.name, verification)
            if found.mail_from is not None and mail_from is not None:
                found.mail_from.status, found.mail_from.started = mail_from, self.clock.now()
            self.changed(where)

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
            existing = self.identity(name, where)
            if existing is not None and existing.status == "Success":
                return existing
            return self._add(where, name, "Pending")

    def identities(self, region: str | None = None) -> list[Identity]:
        name = self.region(region)
        with self.lock:
            found = list(self._identities[name].values())
            for identity in found:
                self._expire(name, identity)
            return found

    def identity(self, name: str, region: str | None = None) -> Identity | None:
        where = self.region(region)
        with self.lock:
            found = self._identities[where].get(name.strip().lower())
            if found is not None:
                self._expire(where, found)
            return found

    def _expire(self, region: str, identity: Identity) -> None:
        """What SES concluded meanwhile: what stayed pending too long has failed."""
        now = self.clock.now()
        wait = LINK_EXPIRES if identity.kind == "EmailAddress" else RECORDS_LOOKED_FOR
        moved = _expired(identity, wait, now)
        for setting in (identity.dkim, identity.mail_from):
            if setting is not None:
                moved = _expired(setting, RECORDS_LOOKED_FOR, now) or moved
        if moved:
            self.changed(region)

    def delete_identity(self, name: str, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            if self._identities[where].pop(name.strip().lower(), None) is not None:
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

    # -- settings -----------------------------------------------------------------
    def sender(self, source: str, region: str | None = None) -> Identity | None:
        """The identity a send from ``source`` uses: the address's own, else its domain's."""
        bare = address_of(source)
        return self.identity(bare, region) or self.identity(bare.rpartition("@")[2], region)

    def put_settings(self, name: str, region: str | None = None, **settings: Any) -> Identity:
        """Change an identity's ``dkim``, ``mail_from`` or ``configuration_set`` (the
        operations check SES's rules first); the identity."""
        where = self.region(region)
        with self.lock:
            identity = self._identities[where][name.strip().lower()]
            for key, value in settings.items():
                if key not in ("dkim", "mail_from", "configuration_set"):
                    raise TypeError(f"put_settings() got an unexpected setting {key!r}")
                setattr(identity, key, value)
            if identity.mail_from is not None and identity.mail_from.behavior == "RejectMessage":
                self._rejecting.add(where)
            self.changed(where)
            return identity

    def set_dkim(self, name: str, dkim: Dkim, region: str | None = None) -> Identity:
        """Set up DKIM signing for an identity (pending until its records are found)."""
        dkim.started = dkim.started or self.clock.now()
        return self.put_settings(name, region, dkim=dkim)

    def set_mail_from(
        self, name: str, domain: str | None, behavior: str, region: str | None = None
    ) -> Identity:
        """Use a custom MAIL FROM domain (pending until its MX record is found), or stop
        using one (``domain=None``)."""
        now = self.clock.now()
        setting = None if domain is None else MailFrom(domain, behavior, "Pending", now)
        return self.put_settings(name, region, mail_from=setting)

    def check_send(self, send: Outgoing) -> SendRefused | None:
        """A MAIL FROM domain not (yet) found refuses the send when its identity says
        ``RejectMessage``: SES's ``MailFromDomainNotVerified``."""
        if send.region not in self._rejecting:
            return None
        identity = self.sender(send.source, send.region)
        setting = None if identity is None else identity.mail_from
        if setting is None or setting.behavior != "RejectMessage" or setting.status == "Success":
            return None
        # The guide's words for this error, then what the test needs to know.
        return SendRefused(
            "mail_from_unverified",
            f"Mail FROM domain is not verified. Amazon SES could not read the MX record of "
            f"{setting.domain} (status {setting.status}), and the behavior on MX failure of "
            f"{identity.name if identity else send.source} is RejectMessage.",
        )

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "check_identities": self._checked[region],
            "identities": [dataclasses.asdict(i) for i in self._identities[region].values()],
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._checked[region] = data["check_identities"]
        self._identities[region] = {
            item["name"].lower(): identity_from(item) for item in data["identities"]
        }
        if any(
            i.mail_from is not None and i.mail_from.behavior == "RejectMessage"
            for i in self._identities[region].values()
        ):
            self._rejecting.add(region)


def _expired(setting: Identity | Dkim | MailFrom, wait: timedelta, now: datetime) -> bool:
    if setting.status != "Pending" or setting.started is None or now - setting.started < wait:
        return False
    setting.status = "Failed"
    return True
