"""The account itself: SES v1's GetSendQuota, GetSendStatistics and the sending switch;
SES v2's GetAccount, PutAccountSendingAttributes and PutAccountDetails."""

from __future__ import annotations

__all__ = ["AccountV1", "AccountV2"]

from typing import Any

from .account_attributes import account_attributes
from .api import Call, Operations, Params, Result
from .mail import bad_request, check_address

#: PutAccountDetails' fields that GetAccount returns as ``Details``.
_DETAILS = (
    "MailType",
    "WebsiteURL",
    "ContactLanguage",
    "UseCaseDescription",
    "AdditionalContactEmailAddresses",
)


class AccountV1(Operations):
    title = "the account"
    names = (
        "GetSendQuota",
        "GetSendStatistics",
        "GetAccountSendingEnabled",
        "UpdateAccountSendingEnabled",
    )

    def GetSendQuota(self, call: Call, p: Params) -> Result:
        max_24, rate, used = call.account.quota(call.region)
        return {"Max24HourSend": max_24, "MaxSendRate": rate, "SentLast24Hours": used}

    def GetSendStatistics(self, call: Call, p: Params) -> Result:
        return {"SendDataPoints": call.account.send_statistics(call.region)}

    def GetAccountSendingEnabled(self, call: Call, p: Params) -> Result:
        return {"Enabled": call.account.sending_enabled(call.region)}

    def UpdateAccountSendingEnabled(self, call: Call, p: Params) -> Result:
        if p.get("Enabled", False):
            call.account.resume_sending(call.region)
        else:
            call.account.pause_sending(call.region)
        return {}


class AccountV2(Operations):
    title = "the account"
    names = ("GetAccount", "PutAccountSendingAttributes", "PutAccountDetails")

    def GetAccount(self, call: Call, p: Params) -> Result:
        account, region = call.account, call.region
        max_24, rate, used = account.quota(region)
        result: dict[str, Any] = {
            "EnforcementStatus": account.enforcement_status(region),
            "ProductionAccessEnabled": not account.in_sandbox(region),
            "SendQuota": {"Max24HourSend": max_24, "MaxSendRate": rate, "SentLast24Hours": used},
            "SendingEnabled": account.sending_enabled(region),
            **account_attributes(call),
        }
        details = account.account_details(region)
        review = account.production_access_review(region)
        if details is not None or review is not None:
            result["Details"] = dict(details or {})
            if review is not None:
                result["Details"]["ReviewDetails"] = {
                    "Status": review.status,
                    "CaseId": review.case_id,
                }
        return result

    def PutAccountSendingAttributes(self, call: Call, p: Params) -> Result:
        # A missing SendingEnabled means false, as for real SES v2.
        if p.get("SendingEnabled", False):
            call.account.resume_sending(call.region)
        else:
            call.account.pause_sending(call.region)
        return {}

    def PutAccountDetails(self, call: Call, p: Params) -> Result:
        contacts = p.get("AdditionalContactEmailAddresses", [])
        if len(contacts) > 4:
            raise bad_request(
                "1 validation error detected: Value at 'additionalContactEmailAddresses' failed "
                "to satisfy constraint: Member must have length less than or equal to 4"
            )
        for address in contacts:
            check_address(address)
        details = {key: p[key] for key in _DETAILS if key in p}
        call.account.put_account_details(details, call.region)
        if p.get("ProductionAccessEnabled"):
            call.account.request_production_access(call.region)
        return {}
