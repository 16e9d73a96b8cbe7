"""SES v2's account-level suppression list operations, over the account's list.

The errors are the model's (``NotFoundException`` 404, ``BadRequestException`` 400,
``InvalidNextTokenException`` 400). ``TenantName`` reaches a tenant's own list (which its
sends use when its suppression scope is ``TENANT``).
"""

from __future__ import annotations

__all__ = ["DEFAULT_PAGE_SIZE", "SuppressionV2", "refuse_in_the_sandbox"]

from datetime import datetime
from typing import Any, ClassVar

from ..account.recipients import SuppressedDestination
from ..account.tenants import Tenant, Tenants
from .api import Call, Operations, Params, Result, paginate
from .mail import ApiError, bad_request, check_address
from .tenants import check_tenant_name

#: ListSuppressedDestinations' page when PageSize is not given.
DEFAULT_PAGE_SIZE = 1000


def refuse_in_the_sandbox(call: Call) -> None:
    """Refuse ``call`` while its region's account is in the sandbox: the suppression-list
    guide says "you can't use the PutSuppressedDestination or CreateImportJob operation
    until your account is removed from the sandbox". SES's code and text are not
    documented: the model's ``BadRequestException`` and words of ours (docs/choices.md)."""
    if call.account.in_sandbox(call.region):
        raise bad_request(
            f"{call.operation} is not available while your account is in the sandbox in "
            f"{call.region}; it can be used once the account has production access."
        )


def _not_on_list(address: str) -> ApiError:
    # No capture of SES's own text was found; this is the wording SES emulators and
    # runbooks quote for `aws sesv2 get-suppressed-destination` on an unlisted address.
    return ApiError(
        "NotFoundException",
        f"Email address {address} does not exist on your suppression list.",
        404,
    )


def _tenant(call: Call, p: dict[str, Any]) -> Tenant | None:
    """The tenant whose own list ``TenantName`` names (``None``: the account's list)."""
    if p.get("TenantName") is None:
        return None
    found = call.part(Tenants).tenant(check_tenant_name(p["TenantName"]), call.region)
    if found is None:
        raise ApiError(
            "NotFoundException", f"The requested tenant <{p['TenantName']}> does not exist.", 404
        )
    return found


def _address(text: str) -> str:
    if not text.strip():
        raise bad_request("Invalid email address .")
    check_address(text)
    return text.strip()


def _summary(entry: SuppressedDestination) -> dict[str, Any]:
    return {
        "EmailAddress": entry.email_address,
        "Reason": entry.reason,
        "LastUpdateTime": entry.last_update_time,
    }


class SuppressionV2(Operations):
    """Put, Get, List and DeleteSuppressedDestination."""

    title = "the suppression list"
    names = (
        "PutSuppressedDestination",
        "GetSuppressedDestination",
        "ListSuppressedDestinations",
        "DeleteSuppressedDestination",
    )
    notes: ClassVar[dict[str, str]] = {"": "the account's list, or a tenant's own (TenantName)"}

    def PutSuppressedDestination(self, call: Call, p: Params) -> Result:
        refuse_in_the_sandbox(call)
        tenant = _tenant(call, p)
        address = _address(p["EmailAddress"])
        # Putting an address again replaces its reason and time, as SES does.
        if tenant is None:
            call.account.suppress(address, reason=p["Reason"], region=call.region)
        else:
            tenant.suppression.put(address, p["Reason"], call.account.clock.now())
            call.part(Tenants).update(call.region)
        return {}

    def GetSuppressedDestination(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p)
        address = _address(p["EmailAddress"])
        entry = (
            next(iter(call.account.suppressed(address, call.region)), None)
            if tenant is None
            else tenant.suppression.get(address)
        )
        if entry is None:
            raise _not_on_list(address)
        found = _summary(entry)
        if tenant is not None:
            found["TenantName"] = tenant.name
        return {"SuppressedDestination": found}

    def DeleteSuppressedDestination(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p)
        address = _address(p["EmailAddress"])
        if tenant is None:
            gone = call.account.unsuppress(address, call.region)
        else:
            gone = tenant.suppression.delete(address)
            call.part(Tenants).update(call.region)
        if not gone:
            raise _not_on_list(address)
        return {}

    def ListSuppressedDestinations(self, call: Call, p: Params) -> Result:
        tenant = _tenant(call, p)
        reasons = set(p.get("Reasons") or ())
        start: datetime | None = p.get("StartDate")
        end: datetime | None = p.get("EndDate")
        entries = (
            call.account.suppressed(region=call.region)
            if tenant is None
            else tenant.suppression.entries()
        )
        items = [
            _summary(entry)
            for entry in entries
            if (not reasons or entry.reason in reasons)
            and (start is None or entry.last_update_time >= start)
            and (end is None or entry.last_update_time <= end)
        ]
        try:
            return paginate(
                items,
                "SuppressedDestinationSummaries",
                size=p.get("PageSize"),
                token=p.get("NextToken"),
                default=DEFAULT_PAGE_SIZE,
                size_name="PageSize",
            )
        except ApiError as error:
            if "NextToken" in error.message:
                raise ApiError("InvalidNextTokenException", error.message) from None
            raise
