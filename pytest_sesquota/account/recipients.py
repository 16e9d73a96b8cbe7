"""What SES decides per recipient of an accepted send: the account-level suppression
list (its data), and the mailbox simulator's scenarios.

A suppressed address still costs quota (the send was accepted) but is not delivered;
a simulator address costs send rate but no daily quota (AWS developer guide).
"""

from __future__ import annotations

__all__ = [
    "SCENARIOS",
    "SUPPRESSION_REASONS",
    "Scenario",
    "SuppressedDestination",
    "SuppressionList",
    "SuppressionReason",
    "is_simulator",
    "simulator_scenario",
]

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .ledger import SIMULATOR_DOMAIN, address_of

SuppressionReason = Literal["BOUNCE", "COMPLAINT"]
SUPPRESSION_REASONS: tuple[SuppressionReason, ...] = ("BOUNCE", "COMPLAINT")

Scenario = Literal["success", "bounce", "ooto", "complaint", "suppressionlist"]
SCENARIOS: tuple[Scenario, ...] = ("success", "bounce", "ooto", "complaint", "suppressionlist")


@dataclass(frozen=True)
class SuppressedDestination:
    """One address on the account-level suppression list of a region."""

    email_address: str
    reason: SuppressionReason
    #: Virtual time it was put on the list (or last put again).
    last_update_time: datetime


def is_simulator(address: str) -> bool:
    """Whether ``address`` is at SES's mailbox simulator (``…@simulator.amazonses.com``)."""
    # Most addresses are not: skip parsing them (this runs for every recipient of every send).
    if SIMULATOR_DOMAIN not in address.lower():
        return False
    return address_of(address).rpartition("@")[2] == SIMULATOR_DOMAIN


def simulator_scenario(address: str) -> Scenario | None:
    """The mailbox simulator's scenario for ``address`` (``bounce+label1@…`` is
    ``"bounce"``), ``None`` for any other address. An unknown local part at the
    simulator's domain is delivered, as ``success@`` is."""
    if not is_simulator(address):
        return None
    local = address_of(address).rpartition("@")[0].partition("+")[0]
    for scenario in SCENARIOS:
        if local == scenario:
            return scenario
    return "success"


class SuppressionList:
    """One region's list: addresses compared without case, kept in the order first put.
    An address suppresses a send while its reason is one the account suppresses for
    (``reasons``: PutAccountSuppressionAttributes' ``SuppressedReasons``)."""

    def __init__(self) -> None:
        self._entries: dict[str, SuppressedDestination] = {}
        self.reasons: frozenset[str] = frozenset(SUPPRESSION_REASONS)

    def put(self, address: str, reason: SuppressionReason, now: datetime) -> SuppressedDestination:
        entry = SuppressedDestination(address.strip(), reason, now)
        self._entries[_key(address)] = entry
        return entry

    def get(self, address: str) -> SuppressedDestination | None:
        return self._entries.get(_key(address))

    def delete(self, address: str) -> bool:
        return self._entries.pop(_key(address), None) is not None

    def __contains__(self, address: object) -> bool:
        # An empty list (most accounts) answers without parsing the address.
        if not self._entries or not isinstance(address, str):
            return False
        entry = self._entries.get(_key(address))
        return entry is not None and entry.reason in self.reasons

    def entries(self) -> list[SuppressedDestination]:
        return list(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)


def _key(address: str) -> str:
    return address_of(address)
