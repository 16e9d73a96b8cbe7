"""SES v2's account-level suppression list operations, over the account's list.

The errors are the model's (``NotFoundException`` 404, ``BadRequestException`` 400,
``InvalidNextTokenException`` 400); tenants' lists are not faked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from ..account.account import Account
from ..account.recipients import SuppressedDestination
from .api import paginate
from .mail import ApiError, bad_request, check_address

#: ListSuppressedDestinations' page when PageSize is not given.
DEFAULT_PAGE_SIZE = 1000


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


class SuppressionOperations:
    """Put, Get, List and DeleteSuppressedDestination (a part of :class:`SesV2`)."""

    names: ClassVar[tuple[str, ...]] = (
        "PutSuppressedDestination",
        "GetSuppressedDestination",
        "ListSuppressedDestinations",
        "DeleteSuppressedDestination",
    )
    account: Account

    def PutSuppressedDestination(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        _no_tenants(p)
        # Putting an address again replaces its reason and time, as SES does.
        self.account.suppress(_address(p["EmailAddress"]), reason=p["Reason"], region=region)
        return {}

    def GetSuppressedDestination(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        _no_tenants(p)
        address = _address(p["EmailAddress"])
        found = self.account.suppressed(address, region)
        if not found:
            raise _not_on_list(address)
        return {"SuppressedDestination": _summary(found[0])}

    def DeleteSuppressedDestination(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        _no_tenants(p)
        address = _address(p["EmailAddress"])
        if not self.account.unsuppress(address, region):
            raise _not_on_list(address)
        return {}

    def ListSuppressedDestinations(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        _no_tenants(p)
        reasons = set(p.get("Reasons") or ())
        start: datetime | None = p.get("StartDate")
        end: datetime | None = p.get("EndDate")
        items = [
            _summary(entry)
            for entry in self.account.suppressed(region=region)
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
