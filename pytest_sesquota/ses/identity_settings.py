"""An identity's settings: DKIM signing (Easy DKIM, BYODKIM, key lengths), its custom
MAIL FROM domain, its default configuration set; and SES v1's legacy address family
(VerifyEmailAddress, ListVerifiedEmailAddresses, DeleteVerifiedEmailAddress).

SES's rules are checked here; the ``Identities`` part keeps what they allow.
"""

from __future__ import annotations

__all__ = [
    "VERIFICATION",
    "IdentitySettingsV1",
    "IdentitySettingsV2",
    "byodkim",
    "check_configuration_set",
    "dkim_attributes",
    "easy_dkim",
    "mail_from_attributes",
]

import base64
import binascii
import hashlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..account.configuration_sets import ConfigurationSets
from ..account.identities import Identities
from ..account.identity import Dkim, Identity
from .api import Call, Operations, Params, Result, does_not_exist
from .mail import ApiError, bad_request, check_address, invalid
from .tags import untag_gone

#: v1's status words as SES v2 says them.
VERIFICATION = {
    "Pending": "PENDING",
    "Success": "SUCCESS",
    "Failed": "FAILED",
    "TemporaryFailure": "TEMPORARY_FAILURE",
    "NotStarted": "NOT_STARTED",
}
_BEHAVIORS_V2 = {"USE_DEFAULT_VALUE": "UseDefaultValue", "REJECT_MESSAGE": "RejectMessage"}
_KEY_LENGTH_CHANGES = timedelta(hours=24)


# -- what both APIs share ---------------------------------------------------------
def _tokens(identity: Identity, salt: str = "") -> list[str]:
    """Easy DKIM's three 32-character tokens; stable per identity (and key generation)."""
    seed = (identity.token or identity.name).encode() + salt.encode()
    return [hashlib.sha256(seed + bytes([i])).hexdigest()[:32] for i in range(3)]


def easy_dkim(call: Call, identity: Identity, key_length: str | None = None) -> Dkim:
    """Easy DKIM for a domain, as SES sets it up: pending until its CNAMEs are found."""
    length = key_length or "RSA_2048_BIT"
    now = call.account.clock.now()
    return Dkim("AWS_SES", "Pending", _tokens(identity), True, now, length, length, now)


def _identity(call: Call, name: str) -> Identity:
    """The identity ``name``: in v1's words ``InvalidParameterValue``, in v2's
    ``NotFoundException`` (the text is the same as SES v2's for its identities)."""
    found = call.part(Identities).identity(name, call.region)
    if found is None:
        if call.dialect.api == "ses":
            raise invalid(f"Identity <{name}> does not exist.")
        raise ApiError("NotFoundException", f"Email identity <{name}> does not exist.", 404)
    return found


def _domain_of(call: Call, identity: Identity) -> Identity | None:
    if identity.kind == "Domain":
        return identity
    return call.part(Identities).identity(identity.name.rpartition("@")[2], call.region)


def _set_enabled(call: Call, identity: Identity, enabled: bool) -> None:
    """DKIM signing on or off; for an address only once its domain is set up for DKIM."""
    domain = _domain_of(call, identity)
    if domain is None or domain.dkim is None:
        where = identity.name.rpartition("@")[2]
        raise invalid(
            f"DKIM is not set up for the domain {where}: set up Easy DKIM or BYODKIM for it "
            f"first, then enable or disable DKIM signing for {identity.name}."
        )
    dkim = identity.dkim or Dkim(domain.dkim.origin, "NotStarted", [], enabled)
    dkim.enabled = enabled
    call.part(Identities).put_settings(identity.name, call.region, dkim=dkim)


def dkim_attributes(call: Call, identity: Identity) -> dict[str, Any]:
    """SES v2's ``DkimAttributes`` of an identity."""
    dkim = identity.dkim
    if identity.kind == "EmailAddress" or dkim is None:
        return {
            "SigningEnabled": dkim is not None and dkim.enabled,
            "Status": "NOT_STARTED",
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_1024_BIT",
        }
    found: dict[str, Any] = {
        "SigningEnabled": dkim.enabled,
        "Status": VERIFICATION[dkim.status],
        "Tokens": list(dkim.tokens),
        "SigningAttributesOrigin": dkim.origin,
        "NextSigningKeyLength": dkim.next_key_length,
        "CurrentSigningKeyLength": dkim.current_key_length,
        "LastKeyGenerationTimestamp": dkim.last_key_generation,
    }
    return {k: v for k, v in found.items() if v is not None}


def mail_from_attributes(identity: Identity, *, v2: bool) -> dict[str, Any]:
    """An identity's custom MAIL FROM attributes, in v1's or v2's names."""
    setting = identity.mail_from
    behavior_key = "BehaviorOnMxFailure" if v2 else "BehaviorOnMXFailure"
    if setting is None:
        return {behavior_key: "USE_DEFAULT_VALUE" if v2 else "UseDefaultValue"}
    behavior = setting.behavior
    if v2:
        behavior = {v: k for k, v in _BEHAVIORS_V2.items()}[behavior]
    return {
        "MailFromDomain": setting.domain,
        "MailFromDomainStatus": VERIFICATION[setting.status] if v2 else setting.status,
        behavior_key: behavior,
    }


def _set_mail_from(call: Call, identity: Identity, domain: str | None, behavior: str) -> None:
    if domain:
        parent = identity.name.rpartition("@")[2].lower()
        if not domain.lower().endswith("." + parent):
            # moto's wording (no capture of SES's own text is known).
            raise invalid(
                f"Provided MAIL-FROM domain '{domain}' is not subdomain of the domain of the "
                f"identity '{parent}'."
            )
    call.part(Identities).set_mail_from(identity.name, domain or None, behavior, call.region)


def check_configuration_set(call: Call, name: str | None) -> None:
    """A configuration set named for an identity must exist."""
    if name is not None and not call.part(ConfigurationSets).exists(name, call.region):
        raise does_not_exist(
            "ConfigurationSetDoesNotExist", f"Configuration set <{name}> does not exist."
        )


class IdentitySettingsV1(Operations):
    title = "identity settings"
    names = (
        "VerifyEmailAddress",
        "ListVerifiedEmailAddresses",
        "DeleteVerifiedEmailAddress",
        "VerifyDomainDkim",
        "SetIdentityDkimEnabled",
        "GetIdentityDkimAttributes",
        "SetIdentityMailFromDomain",
        "GetIdentityMailFromDomainAttributes",
    )

    def VerifyEmailAddress(self, call: Call, p: Params) -> Result:
        check_address(p["EmailAddress"])
        call.part(Identities).request_identity(p["EmailAddress"], call.region)
        return {}

    def ListVerifiedEmailAddresses(self, call: Call, p: Params) -> Result:
        # Every address submitted for verification, as the API reference's example says.
        identities = call.part(Identities).identities(call.region)
        return {"VerifiedEmailAddresses": [i.name for i in identities if i.kind == "EmailAddress"]}

    def DeleteVerifiedEmailAddress(self, call: Call, p: Params) -> Result:
        identities = call.part(Identities)
        found = identities.identity(p["EmailAddress"], call.region)
        if found is not None and found.kind == "EmailAddress":
            identities.delete_identity(found.name, call.region)
            untag_gone(call, "identity", found.name)
        return {}

    def VerifyDomainDkim(self, call: Call, p: Params) -> Result:
        domain = p["Domain"].strip()
        if "@" in domain or not domain or any(c.isspace() for c in domain):
            raise invalid(f"Invalid domain name {domain}.")
        identities = call.part(Identities)
        identity = identities.identity(domain, call.region) or identities.request_identity(
            domain, call.region
        )
        if identity.dkim is None or identity.dkim.origin != "AWS_SES":
            identity = identities.set_dkim(identity.name, easy_dkim(call, identity), call.region)
        assert identity.dkim is not None
        return {"DkimTokens": list(identity.dkim.tokens)}

    def SetIdentityDkimEnabled(self, call: Call, p: Params) -> Result:
        _set_enabled(call, _identity(call, p["Identity"]), bool(p["DkimEnabled"]))
        return {}

    def GetIdentityDkimAttributes(self, call: Call, p: Params) -> Result:
        attributes: dict[str, Any] = {}
        for name in p.get("Identities", []):
            identity = call.part(Identities).identity(name, call.region)
            if identity is None:
                continue
            dkim = identity.dkim
            found: dict[str, Any] = {
                "DkimEnabled": dkim is not None and dkim.enabled,
                "DkimVerificationStatus": "NotStarted",
            }
            if identity.kind == "Domain" and dkim is not None:
                found["DkimVerificationStatus"] = dkim.status
                found["DkimTokens"] = list(dkim.tokens)
            attributes[name] = found
        return {"DkimAttributes": attributes}

    def SetIdentityMailFromDomain(self, call: Call, p: Params) -> Result:
        identity = _identity(call, p["Identity"])
        behavior = p.get("BehaviorOnMXFailure") or "UseDefaultValue"
        if behavior not in _BEHAVIORS_V2.values():
            raise ApiError(
                "ValidationError",
                f"1 validation error detected: Value '{behavior}' at 'behaviorOnMXFailure' "
                "failed to satisfy constraint: Member must satisfy enum value set: "
                "[RejectMessage, UseDefaultValue]",
            )
        _set_mail_from(call, identity, p.get("MailFromDomain"), behavior)
        return {}

    def GetIdentityMailFromDomainAttributes(self, call: Call, p: Params) -> Result:
        attributes = {}
        for name in p.get("Identities", []):
            identity = call.part(Identities).identity(name, call.region)
            if identity is not None:
                attributes[name] = mail_from_attributes(identity, v2=False)
        return {"MailFromDomainAttributes": attributes}


def byodkim(call: Call, identity: Identity, attributes: Mapping[str, Any]) -> Dkim:
    selector = attributes.get("DomainSigningSelector")
    key = attributes.get("DomainSigningPrivateKey")
    if not selector or not key:
        raise bad_request(
            "DomainSigningSelector and DomainSigningPrivateKey are required to use your own "
            "DKIM keys (SigningAttributesOrigin EXTERNAL)."
        )
    try:
        base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("DomainSigningPrivateKey is not base64-encoded.") from None
    return Dkim("EXTERNAL", "Pending", [selector], True, call.account.clock.now())


def _deed(call: Call, identity: Identity, origin: str) -> Dkim:
    """DKIM replicated from the same domain's Easy DKIM in another region
    (``AWS_SES_<REGION>``, Deterministic Easy DKIM): the parent's tokens and state."""
    parent_region = origin.removeprefix("AWS_SES_").lower().replace("_", "-")
    parent = None
    if parent_region != call.region:
        parent = call.part(Identities).identity(identity.name, parent_region)
    if parent is None or parent.dkim is None or parent.dkim.origin != "AWS_SES":
        raise bad_request(
            f"{origin}: the parent identity {identity.name} must exist in {parent_region} "
            "with Easy DKIM set up."
        )
    now = call.account.clock.now()
    return Dkim(origin, parent.dkim.status, list(parent.dkim.tokens), True, now)


def _key_length(call: Call, dkim: Dkim, length: str) -> Dkim:
    """Easy DKIM's next key length: not the same again, at most one change a day but for
    a first downgrade to 1024 bits (the DKIM guide's rules)."""
    if length == dkim.next_key_length:
        raise bad_request(f"The DKIM signing key length is already {length}.")
    now = call.account.clock.now()
    changed = dkim.key_length_changed
    if changed is not None and now - changed < _KEY_LENGTH_CHANGES and length != "RSA_1024_BIT":
        raise bad_request(
            "The DKIM signing key length can be changed once in 24 hours (a first change "
            f"to RSA_1024_BIT aside); it was last changed at {changed.isoformat()}."
        )
    dkim.next_key_length, dkim.key_length_changed = length, now
    return dkim


class IdentitySettingsV2(Operations):
    title = "identity settings"
    names = (
        "PutEmailIdentityDkimAttributes",
        "PutEmailIdentityDkimSigningAttributes",
        "PutEmailIdentityMailFromAttributes",
        "PutEmailIdentityConfigurationSetAttributes",
    )

    def PutEmailIdentityDkimAttributes(self, call: Call, p: Params) -> Result:
        _set_enabled(call, _identity(call, p["EmailIdentity"]), bool(p.get("SigningEnabled")))
        return {}

    def PutEmailIdentityDkimSigningAttributes(self, call: Call, p: Params) -> Result:
        identity = _identity(call, p["EmailIdentity"])
        if identity.kind != "Domain":
            raise bad_request(
                f"DKIM signing attributes can be set for a domain only, not {identity.name}."
            )
        origin = p["SigningAttributesOrigin"]
        attributes = p.get("SigningAttributes") or {}
        length = attributes.get("NextSigningKeyLength")
        current = identity.dkim
        if origin == "EXTERNAL":
            dkim = byodkim(call, identity, attributes)
        elif origin != "AWS_SES":
            dkim = _deed(call, identity, origin)
        elif current is not None and current.origin == "AWS_SES":
            dkim = _key_length(call, current, length) if length else current
        else:
            dkim = easy_dkim(call, identity, length)
        call.part(Identities).set_dkim(identity.name, dkim, call.region)
        return {"DkimStatus": VERIFICATION[dkim.status], "DkimTokens": list(dkim.tokens)}

    def PutEmailIdentityMailFromAttributes(self, call: Call, p: Params) -> Result:
        identity = _identity(call, p["EmailIdentity"])
        behavior = _BEHAVIORS_V2[p.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"]
        _set_mail_from(call, identity, p.get("MailFromDomain"), behavior)
        return {}

    def PutEmailIdentityConfigurationSetAttributes(self, call: Call, p: Params) -> Result:
        identity = _identity(call, p["EmailIdentity"])
        name = p.get("ConfigurationSetName") or None
        check_configuration_set(call, name)
        call.part(Identities).put_settings(identity.name, call.region, configuration_set=name)
        return {}
