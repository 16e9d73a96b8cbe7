"""What SES's advisor decides on its side, per region: recommendations it cannot derive
from the account's traffic (a DKIM, SPF, DMARC or BIMI record it looked up in DNS), and
its verdicts on email addresses (mailbox validation), as the test sets them.

Recommendations that follow from the traffic itself (bounces, complaints) are computed
from the metrics when listed (``ses/vdm.py``); these are kept beside them.
"""

from __future__ import annotations

__all__ = [
    "ADDRESS_CHECKS",
    "RECOMMENDATION_TYPES",
    "VERDICTS",
    "Advisor",
    "Recommendation",
]

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .ledger import address_of
from .options import RegionSettings
from .part import Context, Part

RECOMMENDATION_TYPES = (
    "DKIM",
    "DMARC",
    "SPF",
    "BIMI",
    "COMPLAINT",
    "BOUNCE",
    "FEEDBACK_3P",
    "IP_LISTING",
)
VERDICTS = ("LOW", "MEDIUM", "HIGH")
#: GetEmailAddressInsights' evaluations, and its overall verdict ``IsValid``.
ADDRESS_CHECKS = (
    "IsValid",
    "HasValidSyntax",
    "HasValidDnsRecords",
    "MailboxExists",
    "IsRoleAddress",
    "IsDisposable",
    "IsRandomInput",
)


@dataclass(frozen=True)
class Recommendation:
    """One recommendation of the advisor (ListRecommendations)."""

    resource_arn: str
    type: str
    description: str
    status: str
    impact: str
    created: datetime
    updated: datetime


def _choice(what: str, value: Any, valid: tuple[str, ...]) -> str:
    if value not in valid:
        raise ValueError(f"{what}={value!r}: valid choices: {', '.join(valid)}")
    return str(value)


class Advisor(Part):
    """Recommendations and address verdicts set by the test."""

    key = "advisor"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._recommendations: dict[str, list[Recommendation]] = {}
        self._verdicts: dict[str, dict[str, dict[str, str]]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._recommendations[region] = []
        self._verdicts[region] = {}

    def recommend(
        self,
        resource_arn: str,
        type: str,
        description: str,
        *,
        impact: str = "HIGH",
        status: str = "OPEN",
        region: str | None = None,
    ) -> Recommendation:
        """Add a recommendation now (or change the one with the same resource, type and
        description: its status and impact, its last update now), as SES's advisor would
        after looking at the identity's DNS records."""
        _choice("type", type, RECOMMENDATION_TYPES)
        _choice("impact", impact, ("LOW", "HIGH"))
        _choice("status", status, ("OPEN", "FIXED"))
        if not isinstance(resource_arn, str) or not resource_arn.startswith("arn:"):
            raise ValueError(f"recommend({resource_arn!r}): expected an ARN")
        if not isinstance(description, str) or not description:
            raise ValueError(f"recommend(description={description!r}): expected a text")
        name = self.region(region)
        now = self.clock.now()
        with self.lock:
            items = self._recommendations[name]
            for i, item in enumerate(items):
                if (item.resource_arn, item.type, item.description) == (
                    resource_arn,
                    type,
                    description,
                ):
                    items[i] = replace(item, status=status, impact=impact, updated=now)
                    self.changed(name)
                    return items[i]
            item = Recommendation(resource_arn, type, description, status, impact, now, now)
            items.append(item)
            self.changed(name)
            return item

    def recommendations(self, region: str | None = None) -> list[Recommendation]:
        """The recommendations the test set, oldest first."""
        name = self.region(region)
        with self.lock:
            return list(self._recommendations[name])

    def set_address_insights(
        self, address: str, /, *, region: str | None = None, **verdicts: str
    ) -> None:
        """Decide GetEmailAddressInsights' verdicts for an address (or for every address
        of a domain, given as the domain): ``IsValid="LOW"``, ``MailboxExists="LOW"``, ...
        each ``"LOW"``, ``"MEDIUM"`` or ``"HIGH"``; the others keep the fake's own."""
        if not isinstance(address, str) or not address.strip():
            raise ValueError(f"set_address_insights({address!r}): expected an address or domain")
        for check, verdict in verdicts.items():
            _choice("check", check, ADDRESS_CHECKS)
            _choice(check, verdict, VERDICTS)
        name = self.region(region)
        key = address_of(address) if "@" in address else address.strip().lower()
        with self.lock:
            self._verdicts[name].setdefault(key, {}).update(verdicts)
            self.changed(name)

    def address_verdicts(self, address: str, region: str | None = None) -> dict[str, str]:
        """The verdicts the test set for an address: its domain's, then its own."""
        name = self.region(region)
        bare = address_of(address)
        with self.lock:
            found = dict(self._verdicts[name].get(bare.rpartition("@")[2], {}))
            found.update(self._verdicts[name].get(bare, {}))
            return found

    # -- the state file ------------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "recommendations": [vars(r) for r in self._recommendations[region]],
            "verdicts": self._verdicts[region],
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._recommendations[region] = [Recommendation(**r) for r in data["recommendations"]]
        self._verdicts[region] = {k: dict(v) for k, v in data["verdicts"].items()}
