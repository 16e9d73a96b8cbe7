"""Custom verification emails: Create/Get/List/Update/DeleteCustomVerificationEmailTemplate(s)
and SendCustomVerificationEmail, the same names in SES v1 and v2.

SendCustomVerificationEmail is an API action like any other (one a second, as the API
reference says), not a send: the email SES sends is not the account's mail, so it takes
nothing from the sending quotas (docs/choices.md). Its address becomes a pending identity;
``ses_account.click_verification_link(address)`` is the recipient clicking its link.
"""

from __future__ import annotations

__all__ = ["MAX_TEMPLATES", "CustomVerificationV1", "CustomVerificationV2"]

from collections.abc import Mapping
from typing import Any, ClassVar

from ..account.enforcement import Enforcement
from ..account.identities import Identities
from ..account.ledger import Outgoing
from ..account.quotas import Quotas
from ..account.verification import CustomVerification, VerificationEmail, VerificationTemplate
from .api import Call, Operations, Params, Result, does_not_exist, limit_exceeded, paginate
from .identity_settings import check_configuration_set
from .mail import ACCOUNT_ID, ApiError, bad_request, check_address
from .tags import checked_tags, tag_list, tag_new, untag_gone

#: Templates an account may have (the guide's custom verification FAQ), per region here.
MAX_TEMPLATES = 50
#: "Custom verification email templates can't exceed 10 MB in size."
MAX_CONTENT_BYTES = 10 * 1024 * 1024
_FIELDS = {
    "from_address": "FromEmailAddress",
    "subject": "TemplateSubject",
    "content": "TemplateContent",
    "success_url": "SuccessRedirectionURL",
    "failure_url": "FailureRedirectionURL",
}


def _error(call: Call, v1_code: str, v2_code: str, message: str, status: int = 400) -> ApiError:
    """One refusal in each API's words (v1's are this family's own codes)."""
    if call.dialect.api == "ses":
        return ApiError(v1_code, message)
    return ApiError(v2_code, message, status)


def _template(call: Call, name: str) -> VerificationTemplate:
    found = call.part(CustomVerification).template(name, call.region)
    if found is None:
        raise does_not_exist(
            "CustomVerificationEmailTemplateDoesNotExist",
            f"Custom verification email template {name} does not exist.",
        )
    return found


def _checked(call: Call, fields: Mapping[str, Any]) -> None:
    """The sender must be verified (when the account checks identities) and the content
    within the guide's limits: 10 MB, no HTML comments."""
    sender = fields["from_address"]
    check_address(sender)
    identities = call.part(Identities)
    if identities.checked(call.region) and not identities.is_verified(sender, call.region):
        raise _error(
            call,
            "FromEmailAddressNotVerified",
            "BadRequestException",
            f"The from email address {sender} of the custom verification email template "
            f"is not verified in region {call.region.upper()}.",
        )
    content = fields["content"]
    if len(content.encode()) > MAX_CONTENT_BYTES:
        raise _error(
            call,
            "CustomVerificationEmailInvalidContent",
            "BadRequestException",
            f"The template content is larger than {MAX_CONTENT_BYTES} bytes.",
        )
    if "<!--" in content:
        raise _error(
            call,
            "CustomVerificationEmailInvalidContent",
            "BadRequestException",
            "Custom verification email templates can't include comment tags.",
        )


def _fields(p: Mapping[str, Any]) -> dict[str, Any]:
    return {key: p.get(name) for key, name in _FIELDS.items()}


def _shown(template: VerificationTemplate) -> dict[str, Any]:
    return {"TemplateName": template.name} | {
        name: getattr(template, key) for key, name in _FIELDS.items() if key != "content"
    }


class _CustomVerification(Operations):
    title = "custom verification emails"
    names = (
        "CreateCustomVerificationEmailTemplate",
        "GetCustomVerificationEmailTemplate",
        "ListCustomVerificationEmailTemplates",
        "UpdateCustomVerificationEmailTemplate",
        "DeleteCustomVerificationEmailTemplate",
        "SendCustomVerificationEmail",
    )
    notes: ClassVar[dict[str, str]] = {
        "SendCustomVerificationEmail": "the address pending until the test clicks the link"
    }

    def CreateCustomVerificationEmailTemplate(self, call: Call, p: Params) -> Result:
        name = p["TemplateName"]
        part = call.part(CustomVerification)
        if part.template(name, call.region) is not None:
            raise _error(
                call,
                "CustomVerificationEmailTemplateAlreadyExists",
                "AlreadyExistsException",
                f"Custom verification email template {name} already exists for account id "
                f"{ACCOUNT_ID}.",
            )
        if len(part.templates(call.region)) >= MAX_TEMPLATES:
            raise limit_exceeded(
                f"An account can have at most {MAX_TEMPLATES} custom verification email templates."
            )
        fields = _fields(p)
        _checked(call, fields)
        checked_tags(p.get("Tags"))
        now = call.account.clock.now()
        part.put(VerificationTemplate(name, **fields, created=now), call.region)
        tag_new(call, "custom-verification-email-template", name, p.get("Tags"))
        return {}

    def GetCustomVerificationEmailTemplate(self, call: Call, p: Params) -> Result:
        found = _template(call, p["TemplateName"])
        result = _shown(found) | {"TemplateContent": found.content}
        if call.dialect.api == "sesv2":
            result["Tags"] = tag_list(call, "custom-verification-email-template", found.name)
        return result

    def ListCustomVerificationEmailTemplates(self, call: Call, p: Params) -> Result:
        items = [_shown(t) for t in call.part(CustomVerification).templates(call.region)]
        if call.dialect.api == "ses":
            size = p.get("MaxResults")
            # "If you specify a value less than 1 or greater than 50, the operation returns
            # up to 50 results."
            size = 50 if size is None or not 1 <= size <= 50 else size
            name = "MaxResults"
        else:
            size = p.get("PageSize")
            if size is not None and size > 50:
                raise bad_request("PageSize must be less than or equal to 50.")
            name = "PageSize"
        return paginate(
            items,
            "CustomVerificationEmailTemplates",
            size=size,
            token=p.get("NextToken"),
            default=50,
            size_name=name,
        )

    def UpdateCustomVerificationEmailTemplate(self, call: Call, p: Params) -> Result:
        found = _template(call, p["TemplateName"])
        fields = {k: v if v is not None else getattr(found, k) for k, v in _fields(p).items()}
        _checked(call, fields)
        updated = VerificationTemplate(found.name, **fields, created=found.created)
        call.part(CustomVerification).put(updated, call.region)
        return {}

    def DeleteCustomVerificationEmailTemplate(self, call: Call, p: Params) -> Result:
        name = p["TemplateName"]
        if call.dialect.api == "sesv2":
            _template(call, name)  # v2 answers NotFoundException; v1 answers 200
        call.part(CustomVerification).delete(name, call.region)
        untag_gone(call, "custom-verification-email-template", name)
        return {}

    def SendCustomVerificationEmail(self, call: Call, p: Params) -> Result:
        address = p["EmailAddress"]
        check_address(address)
        found = _template(call, p["TemplateName"])
        configuration_set = p.get("ConfigurationSetName")
        check_configuration_set(call, configuration_set)
        if call.part(Quotas).in_sandbox(call.region):
            raise _error(
                call,
                "ProductionAccessNotGranted",
                "MessageRejected",
                "Custom verification emails can be sent only once the account has production "
                f"access (it is in the sandbox in region {call.region}).",
            )
        refused = call.part(Enforcement).refusal(call.region)
        if refused is None:
            sent = Outgoing(call.region, call.operation, found.from_address, (address,), {})
            refused = call.part(Identities).check_send(sent)
        if refused is not None:
            raise call.dialect.error(refused)
        identities = call.part(Identities)
        if identities.checked(call.region) and not identities.is_verified(
            found.from_address, call.region
        ):
            raise _error(
                call,
                "FromEmailAddressNotVerified",
                "MessageRejected",
                f"The from email address {found.from_address} of template {found.name} is "
                f"not verified in region {call.region.upper()}.",
            )
        identities.request_identity(address, call.region)
        message_id = call.account.new_message_id()
        email = VerificationEmail(
            message_id,
            call.account.clock.now(),
            call.region,
            address,
            found.name,
            found.from_address,
            found.subject,
            found.success_url,
            found.failure_url,
            configuration_set,
        )
        call.part(CustomVerification).sent(email)
        return {"MessageId": message_id}


class CustomVerificationV1(_CustomVerification):
    pass


class CustomVerificationV2(_CustomVerification):
    pass
