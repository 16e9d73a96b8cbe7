"""Custom verification emails, per region: their templates, the emails SES sent with them
(SendCustomVerificationEmail), and the link in each, which a test clicks."""

from __future__ import annotations

__all__ = ["CustomVerification", "VerificationEmail", "VerificationTemplate"]

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .identities import LINK_EXPIRES, Identities
from .options import RegionSettings
from .part import Context, Part


@dataclass
class VerificationTemplate:
    """A custom verification email template (CreateCustomVerificationEmailTemplate)."""

    name: str
    from_address: str
    subject: str
    content: str
    success_url: str
    failure_url: str
    created: datetime


@dataclass(frozen=True)
class VerificationEmail:
    """A verification email SES sent: the address it asks to verify and where its link
    leads (the template's redirection URLs, as they were when it was sent)."""

    message_id: str
    time: datetime
    region: str
    address: str
    template: str
    from_address: str
    subject: str
    success_url: str
    failure_url: str
    configuration_set: str | None = None


class CustomVerification(Part):
    """The templates by name and the emails sent, per region."""

    key = "custom_verification"

    def __init__(self, context: Context, identities: Identities) -> None:
        super().__init__(context)
        self.identities = identities
        self._templates: dict[str, dict[str, VerificationTemplate]] = {}
        self._emails: dict[str, list[VerificationEmail]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._templates[region] = {}
        self._emails[region] = []

    def template(self, name: str, region: str | None = None) -> VerificationTemplate | None:
        return self._templates[self.region(region)].get(name)

    def templates(self, region: str | None = None) -> list[VerificationTemplate]:
        """The region's templates, oldest first."""
        with self.lock:
            return list(self._templates[self.region(region)].values())

    def put(self, template: VerificationTemplate, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._templates[where][template.name] = template
            self.changed(where)

    def delete(self, name: str, region: str | None = None) -> bool:
        where = self.region(region)
        with self.lock:
            found = self._templates[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    def sent(self, email: VerificationEmail) -> None:
        """Record a verification email SES sent (its address is pending meanwhile)."""
        with self.lock:
            self._emails[email.region].append(email)
            self.changed(email.region)

    def verification_emails(self, region: str | None = None) -> list[VerificationEmail]:
        """The custom verification emails SES sent in a region, oldest first."""
        with self.lock:
            return list(self._emails[self.region(region)])

    def click_verification_link(self, address: str, region: str | None = None) -> str:
        """Click the link of the last verification email sent to ``address``: within 24
        hours it verifies the address and leads to the template's success URL; later it
        has expired, the address failed verification, and it leads to the failure URL."""
        where = self.region(region)
        with self.lock:
            emails = [e for e in self._emails[where] if e.address.lower() == address.lower()]
            if not emails:
                sent = sorted({e.address for e in self._emails[where]}) or ["none"]
                raise ValueError(
                    f"no verification email was sent to {address!r} in {where} (sent to: "
                    f"{', '.join(sent)}); SendCustomVerificationEmail sends one"
                )
            email = emails[-1]
            if self.clock.now() - email.time > LINK_EXPIRES:
                if self.identities.identity(address, where) is not None:
                    self.identities.set_identity_status(
                        address, verification="Failed", region=where
                    )
                return email.failure_url
            self.identities.verify(address, region=where)
            return email.success_url

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "templates": [dataclasses.asdict(t) for t in self._templates[region].values()],
            "emails": [dataclasses.asdict(e) for e in self._emails[region]],
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._templates[region] = {
            t["name"]: VerificationTemplate(**t) for t in data.get("templates", ())
        }
        self._emails[region] = [VerificationEmail(**e) for e in data.get("emails", ())]
