"""What deleting an identity or a template must respect: SES refuses to delete one that
a tenant still has, or (an identity) that still has certificates, and an identity's
sending authorization policies go with it."""

from __future__ import annotations

__all__ = ["deleting"]

from ..account.authorization import Authorization
from ..account.certificates import IdentityCertificates
from ..account.ledger import ACCOUNT_ID
from ..account.tenants import Tenants
from .api import Call
from .mail import invalid


def deleting(call: Call, kind: str, name: str) -> None:
    """Refuse (in the API's words for ``InvalidParameterValue``) to delete a resource in
    use, with the texts an emulator probed against SES; else forget what goes with it.
    Called by each delete operation just before it deletes."""
    arn = f"arn:aws:ses:{call.region}:{ACCOUNT_ID}:{kind}/{name}"
    tenants = call.part(Tenants).tenants(call.region)
    if any(arn in t.resources for t in tenants):
        raise invalid(
            f"Cannot delete <{arn}> because it has tenant associations. Remove all tenant "
            "associations and try again."
        )
    if kind == "identity":
        if call.part(IdentityCertificates).certificates(name, call.region):
            raise invalid(
                f"Cannot delete <{arn}> because it has certificates associated with it. "
                "Disassociate all certificates and try again."
            )
        call.part(Authorization).forget_identity(name, call.region)
