"""SES v2's S/MIME certificates of identities: Associate and
DisassociateEmailIdentityCertificate, ListEmailIdentityCertificates. Checks, texts and
their order are those an emulator probed against SES (floci, public); the fake signs
nothing, and the status is what SES decides (``account/certificates.py``)."""

from __future__ import annotations

__all__ = ["CERTIFICATE_ARN", "IdentityCertificatesV2"]

import re
from typing import Any

from ..account.certificates import IdentityCertificates
from .api import Call, Operations, Params, Result, paginate
from .mail import ApiError, bad_request

#: The model's pattern of a Certificate Manager certificate's ARN.
CERTIFICATE_ARN = r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:[\w+=/,.@-]*:[0-9]+:certificate/[\w+=,.@-]+"


def _sender(identity: str, from_address: str | None) -> str:
    """The address an association is for: a domain identity needs one of its own (or of
    a subdomain), an address identity is itself."""
    domain = "@" not in identity
    if from_address is None:
        if domain:
            raise bad_request("FromAddress is required when EmailIdentity is a domain.")
        return identity
    local, at, host = from_address.rpartition("@")
    if not at or not local or not host or "@" in local or any(c.isspace() for c in from_address):
        raise bad_request(f"FromAddress <{from_address}> is not a valid email address.")
    if domain:
        if host.lower() != identity.lower() and not host.lower().endswith("." + identity.lower()):
            raise bad_request(
                f"FromAddress <{from_address}> does not belong to the domain identity <{identity}>."
            )
    elif from_address != identity:  # not probed: the model's rule, our words
        raise bad_request(
            f"FromAddress <{from_address}> does not match the email identity <{identity}>."
        )
    return from_address


def _identity(call: Call, name: str) -> str:
    found = call.account.identity(name, call.region)
    if found is None:
        raise ApiError("NotFoundException", f"Email identity <{name}> does not exist.", 404)
    return found.name


class IdentityCertificatesV2(Operations):
    title = "identity certificates"
    names = (
        "AssociateEmailIdentityCertificate",
        "DisassociateEmailIdentityCertificate",
        "ListEmailIdentityCertificates",
    )

    def AssociateEmailIdentityCertificate(self, call: Call, p: Params) -> Result:
        arn = p["CertificateArn"]
        if not re.fullmatch(CERTIFICATE_ARN, arn):
            raise bad_request(
                "1 validation error detected: Value at 'certificateArn' failed to satisfy "
                f"constraint: Member must satisfy regular expression pattern: {CERTIFICATE_ARN}"
            )
        sender = _sender(p["EmailIdentity"], p.get("FromAddress"))
        identity = _identity(call, p["EmailIdentity"])
        part = call.part(IdentityCertificates)
        existing = part.certificate(identity, sender, call.region)
        now = call.account.clock.now()
        if existing is not None and existing.status_at(now) != "DEPROVISIONING":
            raise ApiError(
                "AlreadyExistsException",
                f"A certificate is already associated with sender <{existing.from_address}> "
                f"on identity <{p['EmailIdentity']}>.",
            )
        part.associate(identity, sender, arn, call.region)
        return {}

    def DisassociateEmailIdentityCertificate(self, call: Call, p: Params) -> Result:
        sender = _sender(p["EmailIdentity"], p.get("FromAddress"))
        identity = _identity(call, p["EmailIdentity"])
        # Idempotent: no association for the address is a success (the API reference).
        call.part(IdentityCertificates).disassociate(identity, sender, call.region)
        return {}

    def ListEmailIdentityCertificates(self, call: Call, p: Params) -> Result:
        identity = _identity(call, p["EmailIdentity"])
        now = call.account.clock.now()
        items: list[dict[str, Any]] = []
        for found in call.part(IdentityCertificates).certificates(identity, call.region):
            item: dict[str, Any] = {
                "FromAddress": found.from_address,
                "Status": found.status_at(now),
                "CertificateArn": found.certificate_arn,
            }
            if found.expiry is not None:
                item["CertificateExpiryTime"] = found.expiry
            items.append(item)
        return paginate(
            items,
            "Certificates",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )
