"""SES v2 (2019-09-27) operations over the fake account, independent of the wire.

The same account, quotas, ledger, identities and templates as SES v1: a recipient
sent through either API counts against the one quota. Errors of the shared rules
arrive in v1's vocabulary and leave in v2's (``BadRequestException``,
``NotFoundException``, ...), with the same texts, as real SES v2 answers them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ..account.ledger import Identity, Template
from .api import SesApi, paginate
from .dialect import ApiDialect, ApiRefusal
from .mail import (
    MAX_MESSAGE_BYTES_V2,
    ApiError,
    addressed,
    bad_request,
    check_address,
    check_recipients,
    check_size,
    raw_addressing,
    template_data,
)
from .suppression import SuppressionOperations

MAX_BULK_ENTRIES = 50
#: SES v2's answer for an empty address (captured: a Go SDK's SendEmail with ToAddresses [""]).
BLANK_ADDRESS = "Invalid email address ."

#: SES v2's words for what the account decided.
V2 = ApiDialect(
    "sesv2",
    "SES v2",
    refusals={
        "rate": ApiRefusal("TooManyRequestsException", 429, "ACCOUNT_THROTTLED"),
        # A production capture: the same code and status as the rate.
        "daily": ApiRefusal("TooManyRequestsException", 429, "ACCOUNT_DAILY_QUOTA_EXCEEDED"),
        "unverified": ApiRefusal("MessageRejected", 400, "MESSAGE_REJECTED"),
        "paused": ApiRefusal("SendingPausedException", 400, "ACCOUNT_SENDING_PAUSED"),
        "suspended": ApiRefusal("MessageRejected", 400, "ACCOUNT_SUSPENDED"),
        "invalid": ApiRefusal("BadRequestException", 400, "INVALID_PARAMETER"),
        # SES's transient server error (Common Errors: ServiceUnavailable, HTTP 503).
        "transient": ApiRefusal("ServiceUnavailable", 503, "TRANSIENT_FAILURE"),
    },
    bulk_success="SUCCESS",
    # "Rate exceeded" is seen in production (GetMessageInsights), as v1's ``Throttling`` is.
    api_throttle=("TooManyRequestsException", 429),
    # The shared rules' v1 codes, as v2 answers them (the texts stay the same).
    codes={
        "InvalidParameterValue": ("BadRequestException", 400),
        "ValidationError": ("BadRequestException", 400),
        "TemplateDoesNotExist": ("NotFoundException", 404),
        "AlreadyExists": ("AlreadyExistsException", 400),
    },
)

_VERIFICATION = {
    "Pending": "PENDING",
    "Success": "SUCCESS",
    "Failed": "FAILED",
    "TemporaryFailure": "TEMPORARY_FAILURE",
    "NotStarted": "NOT_STARTED",
}


def _not_found_identity(name: str) -> ApiError:
    return ApiError("NotFoundException", f"Email identity <{name}> does not exist.", 404)


class SesV2(SuppressionOperations, SesApi):
    """The faked SES v2 operations of one account."""

    dialect = V2
    names = (
        "SendEmail",
        "SendBulkEmail",
        "GetAccount",
        "PutAccountSendingAttributes",
        "PutAccountDetails",
        "CreateEmailIdentity",
        "GetEmailIdentity",
        "ListEmailIdentities",
        "DeleteEmailIdentity",
        "CreateEmailTemplate",
        "GetEmailTemplate",
        "UpdateEmailTemplate",
        "DeleteEmailTemplate",
        "ListEmailTemplates",
        *SuppressionOperations.names,
    )
    sends = frozenset(("SendEmail", "SendBulkEmail"))

    @staticmethod
    def _check_blank(recipients: list[str]) -> None:
        if any(not r.strip() for r in recipients):
            raise bad_request(BLANK_ADDRESS)

    def check_recipients(self, recipients: list[str]) -> None:
        self._check_blank(recipients)
        check_recipients(recipients)

    # -- sends ------------------------------------------------------------------
    def _source(self, p: Mapping[str, Any]) -> str:
        source = p.get("FromEmailAddress") or _identity_of_arn(p.get("FromEmailAddressIdentityArn"))
        if not source:
            raise bad_request("FromEmailAddress is required.")
        check_address(source)
        return source

    def _template_of(self, region: str, spec: Mapping[str, Any]) -> Template:
        """The template a ``Template`` content names (by name or ARN), or carries inline."""
        inline = spec.get("TemplateContent")
        if inline is not None:
            return Template(
                name="(inline)",
                subject=inline.get("Subject"),
                text=inline.get("Text"),
                html=inline.get("Html"),
                created=self.account.clock.now(),
            )
        name = spec.get("TemplateName") or _template_of_arn(spec.get("TemplateArn"))
        if not name:
            raise bad_request("Template name or ARN is required.")
        return self._template(region, name)

    def SendEmail(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        content = p["Content"]
        kinds = [k for k in ("Simple", "Raw", "Template") if k in content]
        recipients, addressing = addressed(p.get("Destination"))
        if len(kinds) != 1:
            raise self._refuse_invalid(
                region,
                "SendEmail",
                p.get("FromEmailAddress") or "",
                recipients,
                bad_request("Content must contain exactly one of Simple, Raw or Template."),
            )
        kind = kinds[0]
        operation = "SendEmail"
        try:
            self._check_blank(recipients)
            if kind == "Raw":
                source, recipients, fields = raw_addressing(
                    content["Raw"]["Data"],
                    p.get("FromEmailAddress"),
                    recipients,
                    limit=MAX_MESSAGE_BYTES_V2,
                )
            else:
                source = self._source(p)
                self.check_recipients(recipients)
                if kind == "Simple":
                    fields = self._simple(content["Simple"])
                else:
                    spec = content["Template"]
                    template = self._template_of(region, spec)
                    fields = self._rendered(template, template_data(spec.get("TemplateData")))
                fields.update(addressing)
        except ApiError as error:
            raise self._refuse_invalid(
                region, operation, p.get("FromEmailAddress") or "", recipients, error
            ) from None
        message_id = self._send(
            region,
            operation,
            p.get("ConfigurationSetName"),
            source=source,
            recipients=recipients,
            **fields,
        )
        return {"MessageId": message_id}

    @staticmethod
    def _simple(message: Mapping[str, Any]) -> dict[str, Any]:
        subject = message["Subject"]["Data"]
        body = message["Body"]
        text = body.get("Text", {}).get("Data")
        html_body = body.get("Html", {}).get("Data")
        size = sum(len((s or "").encode()) for s in (subject, text, html_body))
        size += sum(len(a.get("RawContent", b"")) for a in message.get("Attachments", []))
        check_size(size, MAX_MESSAGE_BYTES_V2)
        return {"subject": subject, "text": text, "html": html_body}

    def SendBulkEmail(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        entries = p["BulkEmailEntries"]
        everyone = [a for e in entries for a in addressed(e.get("Destination"))[0]]
        try:
            source = self._source(p)
            spec = p["DefaultContent"].get("Template")
            if spec is None:
                raise bad_request("DefaultContent must contain a Template.")
            if not entries:
                raise bad_request("BulkEmailEntries must contain at least one entry.")
            if len(entries) > MAX_BULK_ENTRIES:
                raise bad_request(f"Destination count exceeds {MAX_BULK_ENTRIES}.")
            template = self._template_of(region, spec)
            defaults = template_data(spec.get("TemplateData"))
        except ApiError as error:
            raise self._refuse_invalid(
                region, "SendBulkEmail", p.get("FromEmailAddress") or "", everyone, error
            ) from None
        results = self._bulk(
            region,
            "SendBulkEmail",
            source,
            template,
            defaults,
            [
                (
                    *addressed(e.get("Destination")),
                    e.get("ReplacementEmailContent", {})
                    .get("ReplacementTemplate", {})
                    .get("ReplacementTemplateData"),
                )
                for e in entries
            ],
            p.get("ConfigurationSetName"),
        )
        return {"BulkEmailEntryResults": results}

    # -- the account ------------------------------------------------------------
    def GetAccount(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        account = self.account
        max_24, rate, used = account.quota(region)
        result: dict[str, Any] = {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": account.enforcement_status(region),
            "ProductionAccessEnabled": not account.in_sandbox(region),
            "SendQuota": {"Max24HourSend": max_24, "MaxSendRate": rate, "SentLast24Hours": used},
            "SendingEnabled": account.sending_enabled(region),
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
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

    def PutAccountSendingAttributes(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        # A missing SendingEnabled means false, as for real SES v2.
        if p.get("SendingEnabled", False):
            self.account.resume_sending(region)
        else:
            self.account.pause_sending(region)
        return {}

    def PutAccountDetails(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        contacts = p.get("AdditionalContactEmailAddresses", [])
        if len(contacts) > 4:
            raise bad_request(
                "1 validation error detected: Value at 'additionalContactEmailAddresses' failed "
                "to satisfy constraint: Member must have length less than or equal to 4"
            )
        for address in contacts:
            check_address(address)
        details: dict[str, Any] = {
            key: p[key]
            for key in (
                "MailType",
                "WebsiteURL",
                "ContactLanguage",
                "UseCaseDescription",
                "AdditionalContactEmailAddresses",
            )
            if key in p
        }
        self.account.put_account_details(details, region)
        if p.get("ProductionAccessEnabled"):
            self.account.request_production_access(region)
        return {}

    # -- identities -------------------------------------------------------------
    def _identity(self, region: str, name: str) -> Identity:
        identity = self.account.identity(name, region)
        if identity is None:
            raise _not_found_identity(name)
        return identity

    @staticmethod
    def _dkim(identity: Identity) -> dict[str, Any]:
        if identity.kind == "EmailAddress":
            return {
                "SigningEnabled": False,
                "Status": "NOT_STARTED",
                "SigningAttributesOrigin": "AWS_SES",
                "NextSigningKeyLength": "RSA_1024_BIT",
            }
        return {
            "SigningEnabled": True,
            "Status": _VERIFICATION[identity.status],
            "Tokens": _dkim_tokens(identity),
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_2048_BIT",
            "CurrentSigningKeyLength": "RSA_2048_BIT",
        }

    @staticmethod
    def _type(identity: Identity) -> str:
        return "EMAIL_ADDRESS" if identity.kind == "EmailAddress" else "DOMAIN"

    def CreateEmailIdentity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p["EmailIdentity"].strip()
        if "@" in name:
            check_address(name)
        elif not name or any(c.isspace() for c in name):
            raise bad_request(f"Invalid domain name {name}.")
        if self.account.identity(name, region) is not None:
            raise ApiError("AlreadyExistsException", f"Email identity {name} already exist.")
        identity = self.account.request_identity(name, region)
        result: dict[str, Any] = {
            "IdentityType": self._type(identity),
            "VerifiedForSendingStatus": identity.status == "Success",
        }
        if identity.kind == "Domain":
            result["DkimAttributes"] = self._dkim(identity)
        return result

    def GetEmailIdentity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        identity = self._identity(region, p["EmailIdentity"])
        return {
            "IdentityType": self._type(identity),
            "FeedbackForwardingStatus": True,
            "VerifiedForSendingStatus": identity.status == "Success",
            "DkimAttributes": self._dkim(identity),
            "MailFromAttributes": {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
            "Policies": {},
            "Tags": [],
            "VerificationStatus": _VERIFICATION[identity.status],
            "VerificationInfo": {},
        }

    def ListEmailIdentities(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        filters = p.get("Filter", {})
        items = []
        for identity in self.account.identities(region):
            item = {
                "IdentityType": self._type(identity),
                "IdentityName": identity.name,
                "SendingEnabled": identity.status == "Success",
                "VerificationStatus": _VERIFICATION[identity.status],
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

    def DeleteEmailIdentity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self._identity(region, p["EmailIdentity"])
        self.account.delete_identity(p["EmailIdentity"], region)
        return {}

    # -- templates --------------------------------------------------------------
    def CreateEmailTemplate(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        content = p["TemplateContent"]
        self._create_template(region, p["TemplateName"], {k.lower(): v for k, v in content.items()})
        return {}

    def GetEmailTemplate(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        template = self._template(region, p["TemplateName"])
        content = {"Subject": template.subject, "Text": template.text, "Html": template.html}
        return {
            "TemplateName": template.name,
            "TemplateContent": {k: v for k, v in content.items() if v is not None},
            "Tags": [],
        }

    def UpdateEmailTemplate(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        template = self._template(region, p["TemplateName"])
        content = p["TemplateContent"]
        template.subject = content.get("Subject")
        template.text = content.get("Text")
        template.html = content.get("Html")
        return {}

    def DeleteEmailTemplate(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self._template(region, p["TemplateName"])
        del self.account.templates(region)[p["TemplateName"]]
        return {}

    def ListEmailTemplates(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        items = [
            {"TemplateName": t.name, "CreatedTimestamp": t.created}
            for t in self._templates_by_age(region)
        ]
        size = p.get("PageSize")
        if size is not None and size > 100:
            raise bad_request("PageSize must be less than or equal to 100.")
        return paginate(
            items,
            "TemplatesMetadata",
            size=size,
            token=p.get("NextToken"),
            default=10,
            size_name="PageSize",
        )


def _identity_of_arn(arn: str | None) -> str | None:
    """``arn:aws:ses:us-east-1:123456789012:identity/example.com`` -> ``example.com``."""
    return arn.partition(":identity/")[2] or None if arn else None


def _template_of_arn(arn: str | None) -> str | None:
    return arn.partition(":template/")[2] or None if arn else None


def _dkim_tokens(identity: Identity) -> list[str]:
    """Three 32-character tokens, as SES gives a domain; stable per identity."""
    seed = (identity.token or identity.name).encode()
    return [hashlib.sha256(seed + bytes([i])).hexdigest()[:32] for i in range(3)]


def _matches(item: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    for key, value in filters.items():
        if key == "IDENTITY_NAME_CONTAINS" and value.lower() not in item["IdentityName"].lower():
            return False
        if key == "IDENTITY_TYPE" and item["IdentityType"] != value:
            return False
        if key == "VERIFICATION_STATUS" and item["VerificationStatus"] != value:
            return False
    return True
