"""What a predictive inbox placement test sends (CreateDeliverabilityTestReport): the same
content as SES v2's SendEmail, from an identity that may send, to SES's own seed
addresses (no recipient of the account's, no quota)."""

from __future__ import annotations

__all__ = ["report_content"]

from email.message import EmailMessage
from typing import Any

from ..account.identities import Identities
from ..account.ledger import PAUSED_MESSAGE, SUSPENDED_MESSAGE, SentMessage
from .api import Call, Params
from .mail import ApiError, bad_request, check_address, template_data
from .send import rendered
from .sending import SendingV2


def _refusal(call: Call, source: str) -> ApiError | None:
    """The modeled refusals of the sender: AWS paused the account, sending paused, an
    unverified identity (the texts of a send's)."""
    account, region = call.account, call.region
    if account.enforcement_status(region) == "SHUTDOWN":
        return ApiError("AccountSuspendedException", SUSPENDED_MESSAGE)
    if not account.sending_enabled(region):
        return ApiError("SendingPausedException", PAUSED_MESSAGE)
    if call.part(Identities).checked(region) and not account.is_verified(source, region):
        return ApiError(
            "MessageRejected",
            "Email address is not verified. The following identities failed the check in "
            f"region {region.upper()}: {source}",
        )
    return None


def report_content(call: Call, p: Params) -> tuple[str | None, str]:
    """The test message's subject and its MIME text, or the refusal SES gives."""
    source = p["FromEmailAddress"]
    check_address(source)
    refused = _refusal(call, source)
    if refused is not None:
        raise refused
    content = p["Content"]
    kinds = [k for k in ("Simple", "Raw", "Template") if k in content]
    if len(kinds) != 1:
        raise bad_request("Content must contain exactly one of Simple, Raw or Template.")
    if kinds[0] == "Raw":
        data: bytes = content["Raw"]["Data"]
        text = data.decode("utf-8", errors="replace")
        parsed = SentMessage(
            message_id="", time=call.account.clock.now(), region=call.region, operation="",
            source=source, recipients=(), raw=data,
        )  # fmt: skip
        subject = parsed.message["Subject"]
        return (None if subject is None else str(subject)), text
    fields: dict[str, Any]
    if kinds[0] == "Simple":
        fields = SendingV2._simple(content["Simple"])
    else:
        spec = content["Template"]
        fields = rendered(SendingV2._template(call, spec), template_data(spec.get("TemplateData")))
        if "rendering_failure" in fields:
            raise bad_request(fields["rendering_failure"])
    message = EmailMessage()
    message["From"] = source
    message["Subject"] = fields.get("subject") or ""
    if fields.get("text") is not None:
        message.set_content(fields["text"])
    if fields.get("html") is not None:
        if fields.get("text") is None:
            message.set_content(fields["html"], subtype="html")
        else:
            message.add_alternative(fields["html"], subtype="html")
    return fields.get("subject"), message.as_string()
