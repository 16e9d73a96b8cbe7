"""SES v1 (2010-12-01) operations over the fake account, independent of the wire.

Each operation takes the parameters botocore's model describes and returns the
result structure, or raises :class:`ApiError` with SES's code and message.
Error texts are those of real SES captures (see REFERENCE.md and the CHANGELOG).
"""

from __future__ import annotations

from typing import Any

from .api import SesApi, paginate
from .dialect import ApiDialect, ApiRefusal
from .mail import (
    MAX_MESSAGE_BYTES,
    ApiError,
    addressed,
    check_address,
    check_recipients,
    check_size,
    invalid,
    raw_addressing,
    template_data,
)

MAX_BULK_DESTINATIONS = 50

#: SES v1's words for what the account decided (all HTTP 400 but the transient fault).
V1 = ApiDialect(
    "ses",
    "SES v1",
    refusals={
        "rate": ApiRefusal("Throttling", 400, "AccountThrottled"),
        "daily": ApiRefusal("Throttling", 400, "AccountDailyQuotaExceeded"),
        "unverified": ApiRefusal("MessageRejected", 400, "MessageRejected"),
        "paused": ApiRefusal("AccountSendingPausedException", 400, "AccountSendingPaused"),
        "suspended": ApiRefusal("MessageRejected", 400, "AccountSuspended"),
        "invalid": ApiRefusal("InvalidParameterValue", 400, "InvalidParameterValue"),
        # SES's transient server error (Common Errors: ServiceUnavailable, HTTP 503).
        "transient": ApiRefusal("ServiceUnavailable", 503, "TransientFailure"),
    },
    bulk_success="Success",
    # Captured: ``Throttling``, ``Rate exceeded``, HTTP 400.
    api_throttle=("Throttling", 400),
)


class SesV1(SesApi):
    """The faked SES v1 operations of one account."""

    dialect = V1
    names = (
        "SendEmail",
        "SendRawEmail",
        "SendTemplatedEmail",
        "SendBulkTemplatedEmail",
        "GetSendQuota",
        "GetSendStatistics",
        "GetAccountSendingEnabled",
        "UpdateAccountSendingEnabled",
        "VerifyEmailIdentity",
        "VerifyDomainIdentity",
        "ListIdentities",
        "GetIdentityVerificationAttributes",
        "DeleteIdentity",
        "CreateTemplate",
        "GetTemplate",
        "DeleteTemplate",
        "ListTemplates",
    )
    sends = frozenset(("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail"))

    # sends
    def SendEmail(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        source = p["Source"]
        recipients, addressing = addressed(p.get("Destination"))
        message = p.get("Message", {})
        subject = message.get("Subject", {}).get("Data")
        body = message.get("Body", {})
        text = body.get("Text", {}).get("Data")
        html_body = body.get("Html", {}).get("Data")
        try:
            check_address(source)
            check_recipients(recipients)
            check_size(sum(len((s or "").encode()) for s in (subject, text, html_body)))
        except ApiError as error:
            raise self._refuse_invalid(region, "SendEmail", source, recipients, error) from None
        message_id = self._send(
            region,
            "SendEmail",
            p.get("ConfigurationSetName"),
            source=source,
            recipients=recipients,
            subject=subject,
            text=text,
            html=html_body,
            **addressing,
        )
        return {"MessageId": message_id}

    def SendRawEmail(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        data = p.get("RawMessage", {}).get("Data", b"")
        if isinstance(data, str):  # tolerated: some callers pass text
            data = data.encode("utf-8")
        destinations = list(p.get("Destinations", []))
        try:
            source, recipients, content = raw_addressing(
                data, p.get("Source"), destinations, limit=MAX_MESSAGE_BYTES
            )
        except ApiError as error:
            raise self._refuse_invalid(
                region, "SendRawEmail", p.get("Source") or "", destinations, error
            ) from None
        message_id = self._send(
            region,
            "SendRawEmail",
            p.get("ConfigurationSetName"),
            source=source,
            recipients=recipients,
            **content,
        )
        return {"MessageId": message_id}

    def SendTemplatedEmail(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        source = p["Source"]
        recipients, addressing = addressed(p.get("Destination"))
        try:
            check_address(source)
            check_recipients(recipients)
            template = self._template(region, p["Template"])
            data = template_data(p.get("TemplateData"))
        except ApiError as error:
            raise self._refuse_invalid(
                region, "SendTemplatedEmail", source, recipients, error
            ) from None
        message_id = self._send(
            region,
            "SendTemplatedEmail",
            p.get("ConfigurationSetName"),
            source=source,
            recipients=recipients,
            **addressing,
            **self._rendered(template, data),
        )
        return {"MessageId": message_id}

    def SendBulkTemplatedEmail(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        source = p["Source"]
        destinations = p.get("Destinations", [])
        try:
            check_address(source)
            if not destinations:
                raise invalid("Missing required header 'To'.")
            if len(destinations) > MAX_BULK_DESTINATIONS:
                raise invalid(f"Destination count exceeds {MAX_BULK_DESTINATIONS}.")
            template = self._template(region, p["Template"])
            defaults = template_data(p.get("DefaultTemplateData"))
        except ApiError as error:
            everyone = [a for d in destinations for a in addressed(d.get("Destination"))[0]]
            raise self._refuse_invalid(
                region, "SendBulkTemplatedEmail", source, everyone, error
            ) from None
        entries = [
            (*addressed(d.get("Destination")), d.get("ReplacementTemplateData"))
            for d in destinations
        ]
        statuses = self._bulk(
            region,
            "SendBulkTemplatedEmail",
            source,
            template,
            defaults,
            entries,
            p.get("ConfigurationSetName"),
        )
        return {"Status": statuses}

    # quotas and account
    def GetSendQuota(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        max_24, rate, used = self.account.quota(region)
        return {"Max24HourSend": max_24, "MaxSendRate": rate, "SentLast24Hours": used}

    def GetSendStatistics(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return {"SendDataPoints": self.account.send_statistics(region)}

    def GetAccountSendingEnabled(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return {"Enabled": self.account.sending_enabled(region)}

    def UpdateAccountSendingEnabled(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("Enabled", False):
            self.account.resume_sending(region)
        else:
            self.account.pause_sending(region)
        return {}

    # identities
    def VerifyEmailIdentity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        check_address(p["EmailAddress"])
        self.account.request_identity(p["EmailAddress"], region)
        return {}

    def VerifyDomainIdentity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        domain = p["Domain"]
        if "@" in domain or not domain.strip() or any(c.isspace() for c in domain):
            raise invalid(f"Invalid domain name {domain}.")
        identity = self.account.request_identity(domain, region)
        return {"VerificationToken": identity.token}

    def ListIdentities(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        kind = p.get("IdentityType")
        names = [i.name for i in self.account.identities(region) if kind in (None, i.kind)]
        return paginate(
            names,
            "Identities",
            size=p.get("MaxItems"),
            token=p.get("NextToken"),
            default=1000,
            size_name="MaxItems",
        )

    def GetIdentityVerificationAttributes(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        for name in p.get("Identities", []):
            identity = self.account.identity(name, region)
            if identity is not None:
                attributes[name] = {"VerificationStatus": identity.status}
                if identity.token:
                    attributes[name]["VerificationToken"] = identity.token
        return {"VerificationAttributes": attributes}

    def DeleteIdentity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self.account.delete_identity(p["Identity"], region)
        return {}

    # templates
    def CreateTemplate(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        spec = p["Template"]
        parts = {"subject": "SubjectPart", "text": "TextPart", "html": "HtmlPart"}
        self._create_template(
            region, spec["TemplateName"], {k: spec.get(v) for k, v in parts.items()}
        )
        return {}

    def GetTemplate(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        template = self._template(region, p["TemplateName"])
        spec = {
            "TemplateName": template.name,
            "SubjectPart": template.subject,
            "TextPart": template.text,
            "HtmlPart": template.html,
        }
        return {"Template": {k: v for k, v in spec.items() if v is not None}}

    def DeleteTemplate(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        # SES answers 200 for a template that does not exist.
        self.account.templates(region).pop(p["TemplateName"], None)
        return {}

    def ListTemplates(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        items = [
            {"Name": t.name, "CreatedTimestamp": t.created} for t in self._templates_by_age(region)
        ]
        return paginate(
            items,
            "TemplatesMetadata",
            size=p.get("MaxItems"),
            token=p.get("NextToken"),
            default=10,
            size_name="MaxItems",
        )
