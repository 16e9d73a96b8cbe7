"""An account's identities, templates and sending switch, per region."""

from __future__ import annotations

from .ledger import (
    Identity,
    Template,
    address_of,
)
from .state import AccountState


class Identities(AccountState):
    """Verified identities, templates, and pausing sending."""

    def verify(self, *identities: str, region: str | None = None) -> None:
        """Mark addresses or domains verified in a region (as if the link was clicked)."""
        if not identities:
            raise TypeError("verify() needs at least one address or domain")
        state = self._state(region)
        with self._lock:
            for identity in identities:
                if not isinstance(identity, str) or not identity.strip():
                    raise ValueError(f"{identity!r} is not an email address or a domain")
                self._add_identity(state, identity.strip(), "Success")

    def check_identities(self, enabled: bool = True, region: str | None = None) -> None:
        """Turn the verified-identity check on or off (the marker's ``verified`` does this)."""
        self._state(region).check_identities = enabled

    def pause_sending(self, region: str | None = None) -> None:
        """Disable sending, as UpdateAccountSendingEnabled(Enabled=False) does."""
        self._state(region).sending_enabled = False

    def resume_sending(self, region: str | None = None) -> None:
        self._state(region).sending_enabled = True

    def sending_enabled(self, region: str | None = None) -> bool:
        return self._state(region).sending_enabled

    # -- identities and templates (used by the API front doors) ----------------
    def request_identity(self, name: str, region: str | None = None) -> Identity:
        """An identity asked for through the API: pending until :meth:`verify`."""
        state = self._state(region)
        with self._lock:
            existing = state.identities.get(name.lower())
            if existing is not None and existing.status == "Success":
                return existing
            return self._add_identity(state, name, "Pending")

    def identities(self, region: str | None = None) -> list[Identity]:
        with self._lock:
            return list(self._state(region).identities.values())

    def identity(self, name: str, region: str | None = None) -> Identity | None:
        return self._state(region).identities.get(name.lower())

    def delete_identity(self, name: str, region: str | None = None) -> None:
        with self._lock:
            self._state(region).identities.pop(name.lower(), None)

    def is_verified(self, address: str, region: str | None = None) -> bool:
        state = self._state(region)
        bare = address_of(address)
        domain = bare.rpartition("@")[2]
        for key in (bare, domain):
            identity = state.identities.get(key)
            if identity is not None and identity.status == "Success":
                return True
        return False

    def templates(self, region: str | None = None) -> dict[str, Template]:
        return self._state(region).templates
