"""Identities: SES v1's Verify*Identity, ListIdentities, GetIdentityVerificationAttributes
and DeleteIdentity; SES v2's Create/Get/List/DeleteEmailIdentity."""

from __future__ import annotations

__all__ = ["IdentitiesV1", "IdentitiesV2"]

from collections.abc import Mapping
from typing import Any

from ..account.authorization import Authorization
from ..account.identities import Identities
from ..account.identity import Identity
from ..account.notifications import IdentityNotifications
from .api import Call, Operations, Params, Result, paginate
from .identity_settings import (
    VERIFICATION,
    byodkim,
    check_configuration_set,
    dkim_attributes,
    easy_dkim,
    mail_from_attributes,
)
from .in_use import deleting
from .mail import ApiError, bad_request, check_address, invalid
from .tags import checked_tags, tag_list, tag_new, untag_gone


class IdentitiesV1(Operations):
    title = "identities"
    names = (
        "VerifyEmailIdentity",
        "VerifyDomainIdentity",
        "ListIdentities",
        "GetIdentityVerificationAttributes",
        "DeleteIdentity",
    )

    def VerifyEmailIdentity(self, call: Call, p: Params) -> Result:
        check_address(p["EmailAddress"])
        call.account.request_identity(p["EmailAddress"], call.region)
        return {}

    def VerifyDomainIdentity(self, call: Call, p: Params) -> Result:
        domain = p["Domain"]
        if "@" in domain or not domain.strip() or any(c.isspace() for c in domain):
            raise invalid(f"Invalid domain name {domain}.")
        identity = call.account.request_identity(domain, call.region)
        return {"VerificationToken": identity.token}

    def ListIdentities(self, call: Call, p: Params) -> Result:
        kind = p.get("IdentityType")
        names = [i.name for i in call.account.identities(call.region) if kind in (None, i.kind)]
        return paginate(
            names,
            "Identities",
            size=p.get("MaxItems"),
            token=p.get("NextToken"),
            default=1000,
            size_name="MaxItems",
        )

    def GetIdentityVerificationAttributes(self, call: Call, p: Params) -> Result:
        attributes: dict[str, Any] = {}
        for name in p.get("Identities", []):
            identity = call.account.identity(name, call.region)
            if identity is not None:
                attributes[name] = {"VerificationStatus": identity.status}
                if identity.token:
                    attributes[name]["VerificationToken"] = identity.token
        return {"VerificationAttributes": attributes}

    def DeleteIdentity(self, call: Call, p: Params) -> Result:
        found = call.account.identity(p["Identity"], call.region)
        if found is not None:
            deleting(call, "identity", found.name)
        call.account.delete_identity(p["Identity"], call.region)
        if found is not None:
            untag_gone(call, "identity", found.name)
            call.part(IdentityNotifications).forget(found.name, call.region)
        return {}


def _not_found(name: str) -> ApiError:
    return ApiError("NotFoundException", f"Email identity <{name}> does not exist.", 404)


def _type(identity: Identity) -> str:
    return "EMAIL_ADDRESS" if identity.kind == "EmailAddress" else "DOMAIN"


def _matches(item: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    for key, value in filters.items():
        if key == "IDENTITY_NAME_CONTAINS" and value.lower() not in item["IdentityName"].lower():
            return False
        if key == "IDENTITY_TYPE" and item["IdentityType"] != value:
            return False
        if key == "VERIFICATION_STATUS" and item["VerificationStatus"] != value:
            return False
    return True


class IdentitiesV2(Operations):
    title = "identities"
    names = (
        "CreateEmailIdentity",
        "GetEmailIdentity",
        "ListEmailIdentities",
        "DeleteEmailIdentity",
    )

    @staticmethod
    def _identity(call: Call, name: str) -> Identity:
        identity = call.account.identity(name, call.region)
        if identity is None:
            raise _not_found(name)
        return identity

    def CreateEmailIdentity(self, call: Call, p: Params) -> Result:
        name = p["EmailIdentity"].strip()
        if "@" in name:
            check_address(name)
        elif not name or any(c.isspace() for c in name):
            raise bad_request(f"Invalid domain name {name}.")
        if call.account.identity(name, call.region) is not None:
            raise ApiError("AlreadyExistsException", f"Email identity {name} already exist.")
        checked_tags(p.get("Tags"))
        configuration_set = p.get("ConfigurationSetName") or None
        check_configuration_set(call, configuration_set)
        signing = p.get("DkimSigningAttributes")
        if signing is not None and "@" in name:
            raise bad_request(f"DKIM signing attributes can be set for a domain only, not {name}.")
        identities = call.part(Identities)
        identity = identities.request_identity(name, call.region)
        if identity.kind == "Domain":
            if signing and signing.get("DomainSigningPrivateKey"):
                dkim = byodkim(call, identity, signing)
            else:
                dkim = easy_dkim(call, identity, (signing or {}).get("NextSigningKeyLength"))
            identities.set_dkim(identity.name, dkim, call.region)
        identities.put_settings(identity.name, call.region, configuration_set=configuration_set)
        tag_new(call, "identity", identity.name, p.get("Tags"))
        result: dict[str, Any] = {
            "IdentityType": _type(identity),
            "VerifiedForSendingStatus": identity.status == "Success",
        }
        if identity.kind == "Domain":
            result["DkimAttributes"] = dkim_attributes(call, identity)
        return result

    def GetEmailIdentity(self, call: Call, p: Params) -> Result:
        identity = self._identity(call, p["EmailIdentity"])
        found = {
            "IdentityType": _type(identity),
            "FeedbackForwardingStatus": call.part(IdentityNotifications)
            .settings(identity.name, call.region)
            .forwarding_enabled,
            "VerifiedForSendingStatus": identity.status == "Success",
            "DkimAttributes": dkim_attributes(call, identity),
            "MailFromAttributes": mail_from_attributes(identity, v2=True),
            "Policies": call.part(Authorization).policies(identity.name, call.region),
            "Tags": tag_list(call, "identity", identity.name),
            "ConfigurationSetName": identity.configuration_set,
            "VerificationStatus": VERIFICATION[identity.status],
            "VerificationInfo": {},
        }
        return {k: v for k, v in found.items() if v is not None}

    def ListEmailIdentities(self, call: Call, p: Params) -> Result:
        filters = p.get("Filter", {})
        items = []
        for identity in call.account.identities(call.region):
            item = {
                "IdentityType": _type(identity),
                "IdentityName": identity.name,
                "SendingEnabled": identity.status == "Success",
                "VerificationStatus": VERIFICATION[identity.status],
            }
            if _matches(item, filters):
                items.append(item)
        return paginate(
            items,
            "EmailIdentities",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )

    def DeleteEmailIdentity(self, call: Call, p: Params) -> Result:
        identity = self._identity(call, p["EmailIdentity"])
        deleting(call, "identity", identity.name)
        call.account.delete_identity(p["EmailIdentity"], call.region)
        untag_gone(call, "identity", identity.name)
        call.part(IdentityNotifications).forget(identity.name, call.region)
        return {}
