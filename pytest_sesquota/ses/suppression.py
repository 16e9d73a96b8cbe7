"""SES v2's account-level suppression list operations, over the account's list.

The errors are the model's (``NotFoundException`` 404, ``BadRequestException`` 400,
``InvalidNextTokenException`` 400); tenants' lists are not faked.
"""

from __future__ import annotations

__all__ = ["DEFAULT_PAGE_SIZE", "SuppressionV2", "refuse_in_the_sandbox"]

from datetime import datetime
from typing import Any, ClassVar

from ..account.recipients import SuppressedDestination
from .api import Call, Operations, Params, Result, paginate
from .mail import ApiError, bad_request, check_address

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


def _no_tenants(p: dict[str, Any]) -> None:
    if p.get("TenantName"):
        raise ApiError(
            "NotImplemented",
            "pytest-sesquota fakes the account-level suppression list only, not a tenant's "
            f"(TenantName={p['TenantName']!r}); leave TenantName out",
            status=501,
        )


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
    notes: ClassVar[dict[str, str]] = {"": "the account-level list; tenants' lists are not faked"}

    def PutSuppressedDestination(self, call: Call, p: Params) -> Result:
        _no_tenants(p)
        refuse_in_the_sandbox(call)
        # Putting an address again replaces its reason and time, as SES does.
        call.account.suppress(_address(p["EmailAddress"]), reason=p["Reason"], region=call.region)
        return {}

    def GetSuppressedDestination(self, call: Call, p: Params) -> Result:
        _no_tenants(p)
        address = _address(p["EmailAddress"])
        found = call.account.suppressed(address, call.region)
        if not found:
            raise _not_on_list(address)
        return {"SuppressedDestination": _summary(found[0])}

    def DeleteSuppressedDestination(self, call: Call, p: Params) -> Result:
        _no_tenants(p)
        address = _address(p["EmailAddress"])
        if not call.account.unsuppress(address, call.region):
            raise _not_on_list(address)
        return {}

    def ListSuppressedDestinations(self, call: Call, p: Params) -> Result:
        _no_tenants(p)
        reasons = set(p.get("Reasons") or ())
        start: datetime | None = p.get("StartDate")
        end: datetime | None = p.get("EndDate")
        items = [
            _summary(entry)
            for entry in call.account.suppressed(region=call.region)
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
