"""A delegating account as a test sets it up: another AWS account that owns verified
identities in a region and attaches sending authorization policies to them, so that this
account sends for it with the identities' ARNs. A view over the ``Authorization`` part,
which keeps the state (and ``sesquota serve --state`` with it)."""

from __future__ import annotations

__all__ = ["DelegatingAccount", "PolicyHolder", "PolicyKeeper"]

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .ledger import ACCOUNT_ID
from .policies import PolicyError, compact, identity_arn


@dataclass
class PolicyHolder:
    """Identities and their policies, of this account or of a delegating one."""

    #: Verified identities, lower-cased name -> name (a delegating account's only).
    identities: dict[str, str] = field(default_factory=dict)
    #: identity (lower-cased) -> policy name -> (the policy as SES returns it, parsed).
    policies: dict[str, dict[str, tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    #: Whether this (delegating) account is still in the sandbox.
    sandbox: bool = False


class PolicyKeeper(Protocol):
    """What keeps the holders (the ``Authorization`` part): a view changes them through it,
    under its lock, and tells it what changed so that the state file is written."""

    lock: Any

    def holder(self, region: str, account: str) -> PolicyHolder: ...
    def changed(self, region: str) -> None: ...
    def put_policy(
        self, identity: str, name: str, policy: str, region: str | None = None, *, account: str
    ) -> str: ...
    def delete_policy(
        self, identity: str, name: str, region: str | None = None, *, account: str
    ) -> bool: ...
    def policies(
        self, identity: str, region: str | None = None, *, account: str
    ) -> dict[str, str]: ...


#: The policy ``allow()`` attaches unless told otherwise: every sending action.
_ALLOW_ACTIONS = ("ses:Send*",)


class DelegatingAccount:
    """Another AWS account, as the test sets it up: its verified identities in one region
    and the policies it attaches to them. Sends naming one of their ARNs are allowed or
    refused as its policies say."""

    def __init__(self, part: PolicyKeeper, account_id: str, region: str) -> None:
        self._part = part
        self.account_id = account_id
        self.region = region

    def _holder(self) -> PolicyHolder:
        return self._part.holder(self.region, self.account_id)

    def verify(self, *identities: str) -> None:
        """Mark addresses or domains of this account verified (in its region)."""
        if not identities:
            raise TypeError("verify() needs at least one address or domain")
        with self._part.lock:
            for identity in identities:
                if not isinstance(identity, str) or not identity.strip():
                    raise ValueError(f"{identity!r} is not an email address or a domain")
                self._holder().identities[identity.strip().lower()] = identity.strip()
            self._part.changed(self.region)

    def identities(self) -> list[str]:
        with self._part.lock:
            return list(self._holder().identities.values())

    def arn(self, identity: str) -> str:
        """The ARN a delegate send names: ``arn:aws:ses:<region>:<account>:identity/<identity>``."""
        return identity_arn(self.region, self.account_id, identity)

    def put_policy(self, identity: str, name: str, policy: str | Mapping[str, Any]) -> str:
        """Attach a policy (a JSON text or a dict) to one of its identities; the policy
        as kept. SES's checks apply (``ValueError`` with its text)."""
        text = policy if isinstance(policy, str) else compact(policy)
        if identity.lower() not in self._holder().identities:
            raise ValueError(
                f"put_policy({identity!r}): not a verified identity of account "
                f"{self.account_id}; verify it first"
            )
        try:
            return self._part.put_policy(identity, name, text, self.region, account=self.account_id)
        except (PolicyError, LookupError) as error:
            raise ValueError(f"put_policy({identity!r}, {name!r}): {error}") from None

    def delete_policy(self, identity: str, name: str) -> bool:
        return self._part.delete_policy(identity, name, self.region, account=self.account_id)

    def policies(self, identity: str) -> dict[str, str]:
        return self._part.policies(identity, self.region, account=self.account_id)

    def allow(
        self,
        identity: str,
        *,
        actions: tuple[str, ...] = _ALLOW_ACTIONS,
        condition: Mapping[str, Any] | None = None,
        name: str = "AllowDelegateSender",
    ) -> str:
        """Verify ``identity`` if need be and attach a policy letting this account send
        for it (``actions``, under ``condition`` if given); the identity's ARN."""
        if identity.lower() not in self._holder().identities:
            self.verify(identity)
        statement: dict[str, Any] = {
            "Sid": name,
            "Effect": "Allow",
            "Resource": self.arn(identity),
            "Principal": {"AWS": [ACCOUNT_ID]},
            "Action": list(actions),
        }
        if condition:
            statement["Condition"] = dict(condition)
        self.put_policy(identity, name, {"Version": "2012-10-17", "Statement": [statement]})
        return self.arn(identity)

    @property
    def sandbox(self) -> bool:
        """Whether this account is in the sandbox (``False`` by default): then a delegate
        send reaches only its verified identities and the mailbox simulator."""
        return self._holder().sandbox

    @sandbox.setter
    def sandbox(self, value: bool) -> None:
        with self._part.lock:
            self._holder().sandbox = bool(value)
            self._part.changed(self.region)

    def __repr__(self) -> str:
        return (
            f"<DelegatingAccount {self.account_id} {self.region}: {', '.join(self.identities())}>"
        )
