"""SES v1 (2010-12-01) operations over the fake account, independent of the wire.

Each operation takes the parameters botocore's model describes and returns the
result structure, or raises :class:`ApiError` with SES's code and message.
Error texts are those of real SES captures (see REFERENCE.md and the CHANGELOG).
"""

from __future__ import annotations

import base64
import email.utils
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any, ClassVar

from ._account import (
    MAX_RECIPIENTS,
    PAUSED_MESSAGE,
    SendRefused,
    SentMessage,
    SesAccount,
    Template,
)

MAX_MESSAGE_BYTES = 10_485_760
MAX_BULK_DESTINATIONS = 50
ACCOUNT_ID = "123456789012"


class ApiError(Exception):
    """An SES error answer: code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValue", message)


def refusal_error(refused: SendRefused) -> ApiError:
    if refused.kind in ("rate", "daily"):
        return ApiError("Throttling", refused.message)
    if refused.kind == "unverified":
        return ApiError("MessageRejected", refused.message)
    if refused.kind == "paused":
        return ApiError("AccountSendingPausedException", refused.message)
    return invalid(refused.message)


# -- addresses and messages -------------------------------------------------
def check_address(text: str) -> None:
    """Refuse an address as SES does (JavaMail's wording, no final period)."""
    addr = email.utils.parseaddr(text)[1] or text.strip()
    if not addr:
        raise invalid("Illegal address")
    local, at, domain = addr.rpartition("@")
    if not at:
        raise invalid("Missing final '@domain'")
    if not domain:
        raise invalid("Missing domain")
    if not local:
        raise invalid("Illegal address")
    if any(c.isspace() or ord(c) < 32 for c in local):
        raise invalid("Local address contains control or whitespace")
    if any(c.isspace() or ord(c) < 32 for c in domain):
        raise invalid("Domain contains control or whitespace")


def addressed(destination: Mapping[str, Any] | None) -> tuple[list[str], dict[str, Any]]:
    """Every recipient of a Destination, and its To/Cc/Bcc as ledger fields."""
    d = destination or {}
    to, cc, bcc = (list(d.get(k, [])) for k in ("ToAddresses", "CcAddresses", "BccAddresses"))
    return to + cc + bcc, {"to": tuple(to), "cc": tuple(cc), "bcc": tuple(bcc)}


def check_recipients(recipients: Sequence[str]) -> None:
    if not recipients:
        raise invalid("Missing required header 'To'.")
    if len(recipients) > MAX_RECIPIENTS:
        raise invalid(f"Recipient count exceeds {MAX_RECIPIENTS}.")
    for recipient in recipients:
        check_address(recipient)


def check_size(size: int) -> None:
    if size > MAX_MESSAGE_BYTES:
        raise invalid(f"Message length is more than {MAX_MESSAGE_BYTES} bytes long: '{size}'.")


def parse_raw(data: bytes) -> EmailMessage:
    try:
        message = BytesParser(policy=default_policy).parsebytes(data)
    except Exception:  # the email package raises many kinds on garbage
        raise invalid("Illegal content.") from None
    assert isinstance(message, EmailMessage)
    for key in message.keys():
        if not key.strip():
            raise invalid("Empty header names are illegal.")
    return message


def header_addresses(message: EmailMessage, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        values += [str(v) for v in message.get_all(name, [])]
    return [
        email.utils.formataddr((n, a)) if n else a for n, a in email.utils.getaddresses(values) if a
    ]


# -- templates ----------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{\{\{\s*([\w.\-]+)\s*\}\}\}|\{\{\s*([\w.\-]+)\s*\}\}")


class RenderingFailure(Exception):
    pass


def render(text: str | None, data: Mapping[str, Any], *, escape_html: bool) -> str | None:
    """Fill ``{{name}}`` (and dotted ``{{a.b}}``) as SES's Handlebars does.

    ``{{x}}`` is HTML-escaped in HTML parts; ``{{{x}}}`` never is.
    """
    if text is None:
        return None

    def fill(match: re.Match[str]) -> str:
        raw_name, name = match.group(1), match.group(2)
        value: Any = data
        for part in (raw_name or name).split("."):
            if not isinstance(value, Mapping) or part not in value:
                raise RenderingFailure(
                    f"Attribute '{raw_name or name}' is not present in the rendering data."
                )
            value = value[part]
        shown = (
            "" if value is None else (json.dumps(value) if isinstance(value, bool) else str(value))
        )
        return html.escape(shown) if escape_html and name else shown

    return _PLACEHOLDER.sub(fill, text)


def template_data(text: str | None) -> dict[str, Any]:
    if text is None or text == "":
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        raise invalid("The template data is invalid") from None
    if not isinstance(data, dict):
        raise invalid("The template data is invalid")
    return data


# -- the operations -----------------------------------------------------------
class SesV1:
    """The faked SES v1 operations of one account, called with a region per request."""

    def __init__(self, account: SesAccount) -> None:
        self.account = account
        self.operations: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            name: getattr(self, name)
            for name in (
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
        }

    def _deliver(
        self, region: str, operation: str, p: Mapping[str, Any], **content: Any
    ) -> SentMessage:
        """Hand one message to the account (raises :class:`SendRefused`)."""
        return self.account.send(
            region=region,
            operation=operation,
            api="ses",
            configuration_set=p.get("ConfigurationSetName"),
            **content,
        )

    def _send(self, region: str, operation: str, p: Mapping[str, Any], **content: Any) -> str:
        try:
            return self._deliver(region, operation, p, **content).message_id
        except SendRefused as refused:
            raise refusal_error(refused) from None

    def _refuse_invalid(
        self, region: str, operation: str, source: str, recipients: Sequence[str], error: ApiError
    ) -> ApiError:
        self.account.reject(
            region=region,
            operation=operation,
            reason="invalid",
            code=error.code,
            message=error.message,
            source=source,
            recipients=recipients,
        )
        return error

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
            p,
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
        source = p.get("Source")
        recipients = list(p.get("Destinations", []))
        try:
            check_size(len(data))
            message = parse_raw(data)
            if not source:
                senders = header_addresses(message, "From")
                if not senders:
                    raise invalid("Missing required header 'From'.")
                source = senders[0]
            check_address(source)
            if not recipients:
                if not any(message.get_all(h) for h in ("To", "Cc", "Bcc")):
                    raise invalid("Missing required header 'To'.")
                recipients = header_addresses(message, "To", "Cc", "Bcc")
                if not recipients:
                    raise invalid("Empty required header 'To'.")
            check_recipients(recipients)
        except ApiError as error:
            raise self._refuse_invalid(
                region, "SendRawEmail", source or "", recipients, error
            ) from None
        to = header_addresses(message, "To")
        cc = header_addresses(message, "Cc")
        shown = set(to + cc)  # whoever is not in a visible header was a Bcc
        message_id = self._send(
            region,
            "SendRawEmail",
            p,
            source=source,
            recipients=recipients,
            to=tuple(to),
            cc=tuple(cc),
            bcc=tuple(a for a in recipients if a not in shown),
            subject=message.get("Subject"),
            raw=data,
        )
        return {"MessageId": message_id}

    def _template(self, region: str, name: str) -> Template:
        template = self.account.templates(region).get(name)
        if template is None:
            raise ApiError("TemplateDoesNotExist", f"Template {name} does not exist.")
        return template

    def _rendered(self, template: Template, data: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return {
                "subject": render(template.subject, data, escape_html=False),
                "text": render(template.text, data, escape_html=False),
                "html": render(template.html, data, escape_html=True),
            }
        except RenderingFailure as failure:
            # SES accepts the call and reports a Rendering Failure event later.
            return {"rendering_failure": str(failure)}

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
            p,
            source=source,
            recipients=recipients,
            template=template.name,
            template_data=data,
            **addressing,
            **self._rendered(template, data),
        )
        return {"MessageId": message_id}

    _BULK_STATUS: ClassVar[dict[str, str]] = {
        "rate": "AccountThrottled",
        "daily": "AccountDailyQuotaExceeded",
        "unverified": "MessageRejected",
        "paused": "AccountSendingPaused",
        "invalid": "InvalidParameterValue",
    }

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
        if not self.account.sending_enabled(region):
            raise ApiError("AccountSendingPausedException", PAUSED_MESSAGE)
        statuses: list[dict[str, Any]] = []
        for entry in destinations:
            recipients, addressing = addressed(entry.get("Destination"))
            try:
                check_recipients(recipients)
                data = {**defaults, **template_data(entry.get("ReplacementTemplateData"))}
            except ApiError as error:
                self._refuse_invalid(region, "SendBulkTemplatedEmail", source, recipients, error)
                statuses.append({"Status": "InvalidParameterValue", "Error": error.message})
                continue
            try:
                message = self._deliver(
                    region,
                    "SendBulkTemplatedEmail",
                    p,
                    source=source,
                    recipients=recipients,
                    template=template.name,
                    template_data=data,
                    **addressing,
                    **self._rendered(template, data),
                )
            except SendRefused as refused:
                statuses.append(
                    {"Status": self._BULK_STATUS[refused.kind], "Error": refused.message}
                )
                continue
            statuses.append({"Status": "Success", "MessageId": message.message_id})
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
        return paginate(names, p, "Identities", limit=1000)

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
        name = spec["TemplateName"]
        templates = self.account.templates(region)
        if name in templates:
            raise ApiError(
                "AlreadyExists", f"Template {name} already exists for account id {ACCOUNT_ID}"
            )
        if not spec.get("SubjectPart"):
            raise invalid("The subject must be specified.")
        templates[name] = Template(
            name=name,
            subject=spec.get("SubjectPart"),
            text=spec.get("TextPart"),
            html=spec.get("HtmlPart"),
            created=self.account.clock.now(),
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
            {"Name": t.name, "CreatedTimestamp": t.created}
            for t in sorted(self.account.templates(region).values(), key=lambda t: t.created)
        ]
        return paginate(items, p, "TemplatesMetadata", limit=10)


def paginate(items: Sequence[Any], p: Mapping[str, Any], key: str, *, limit: int) -> dict[str, Any]:
    """Slice ``items`` with MaxItems / NextToken (an opaque offset)."""
    size = p.get("MaxItems") or limit
    if size < 1:
        raise invalid("MaxItems must be greater than 0.")
    start = 0
    token = p.get("NextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except (ValueError, UnicodeError):
            raise invalid("Invalid NextToken.") from None
    result: dict[str, Any] = {key: list(items[start : start + size])}
    if start + size < len(items):
        result["NextToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return result
