"""SES v2's message and address insights: GetMessageInsights tells what happened to each
recipient of one message (from the ledger and the account's events); GetEmailAddressInsights
judges an address from what the account saw of it, plain rules, and the test's verdicts."""

from __future__ import annotations

__all__ = ["DISPOSABLE_DOMAINS", "ROLE_NAMES", "InsightsV2", "address_insights"]

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from ..account.activity import Happening, isp_of, on_suppression_list
from ..account.advisor import Advisor
from ..account.ledger import SentMessage, address_of
from ..account.metrics import Metrics
from ..account.recipients import simulator_scenario
from .api import Call, Operations, Params, Result
from .mail import ApiError, bad_request

_TYPES = {
    "PERMANENT_BOUNCE": ("BOUNCE", "PERMANENT"),
    "TRANSIENT_BOUNCE": ("BOUNCE", "TRANSIENT"),
    "UNDETERMINED_BOUNCE": ("BOUNCE", "UNDETERMINED"),
}
#: Local parts of role addresses (a team's mailbox, not a person's).
ROLE_NAMES = frozenset(
    "abuse admin administrator billing contact help hello hostmaster info marketing "
    "no-reply noreply office postmaster sales security support team webmaster".split()
)
#: Domains of disposable (temporary) mailboxes the fake knows.
DISPOSABLE_DOMAINS = frozenset(
    "10minutemail.com dispostable.com guerrillamail.com mailinator.com sharklasers.com "
    "temp-mail.org tempmail.com throwawaymail.com trashmail.com yopmail.com".split()
)
#: Domains that receive no mail (RFC 2606 and RFC 6761 names).
_NO_MAIL = re.compile(r"(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$")


def _subject(message: SentMessage) -> str | None:
    if message.subject is not None:
        return message.subject
    if message.raw is not None:
        subject = message.message["Subject"]
        return None if subject is None else str(subject)
    return None


def _tags(message: SentMessage) -> list[dict[str, str]]:
    """The message's tags and SES's auto-tags that the fake knows."""
    tags = [{"Name": k, "Value": v} for k, v in message.tags.items()]
    tags.append({"Name": "ses:operation", "Value": message.operation})
    if message.configuration_set:
        tags.append({"Name": "ses:configuration-set", "Value": message.configuration_set})
    tags.append({"Name": "ses:from-domain", "Value": address_of(message.source).rpartition("@")[2]})
    return tags


def _event(happening: Happening) -> dict[str, Any]:
    kind, bounce_type = _TYPES.get(happening.kind, (happening.kind, None))
    event: dict[str, Any] = {"Timestamp": happening.time, "Type": kind}
    if bounce_type is not None:
        bounce = {"BounceType": bounce_type}
        if happening.sub_type:
            bounce["BounceSubType"] = happening.sub_type
        if happening.detail.get("DiagnosticCode"):
            bounce["DiagnosticCode"] = happening.detail["DiagnosticCode"]
        event["Details"] = {"Bounce": bounce}
    elif kind == "COMPLAINT":
        complaint = {}
        if happening.sub_type:
            complaint["ComplaintSubType"] = happening.sub_type
        if happening.detail.get("ComplaintFeedbackType"):
            complaint["ComplaintFeedbackType"] = happening.detail["ComplaintFeedbackType"]
        event["Details"] = {"Complaint": complaint}
    return event


def _verdict(value: bool | None) -> dict[str, str]:
    """``True``: HIGH confidence the check holds; ``False``: LOW; ``None``: MEDIUM."""
    return {"ConfidenceVerdict": {True: "HIGH", False: "LOW", None: "MEDIUM"}[value]}


def address_insights(
    address: str, seen: Sequence[tuple[SentMessage, list[Happening]]]
) -> dict[str, bool | None]:
    """What the fake can tell of an address: its syntax, its domain, whether the account's
    mail to it was delivered or bounced (hard), and plain rules for role, disposable and
    random-looking addresses. ``None`` where it cannot tell."""
    bare = address_of(address)
    local, at, domain = bare.rpartition("@")
    syntax = bool(local and at and "." in domain.strip(".")) and not any(c.isspace() for c in bare)
    scenario = simulator_scenario(bare)
    delivered = bounced = False
    for _message, found in seen:
        for happening in found:
            if address_of(happening.recipient) != bare or on_suppression_list(happening):
                continue
            delivered |= happening.kind == "DELIVERY"
            bounced |= happening.kind == "PERMANENT_BOUNCE"
    exists: bool | None = None
    if scenario is not None:
        exists = scenario not in ("bounce", "suppressionlist")
    elif bounced:
        exists = False
    elif delivered:
        exists = True
    dns: bool | None = True if scenario is not None or delivered else None
    if not syntax or _NO_MAIL.search(domain):
        dns = False
    letters = [c for c in local if c.isalpha()]
    vowels = sum(c in "aeiouy" for c in letters)
    random = len(letters) >= 8 and vowels / len(letters) < 0.15
    valid: bool | None = None
    if not syntax or exists is False or dns is False or domain in DISPOSABLE_DOMAINS:
        valid = False
    elif exists:
        valid = True
    return {
        "IsValid": valid,
        "HasValidSyntax": syntax,
        "HasValidDnsRecords": dns,
        "MailboxExists": exists if syntax else False,
        "IsRoleAddress": local.partition("+")[0] in ROLE_NAMES,
        "IsDisposable": domain in DISPOSABLE_DOMAINS,
        "IsRandomInput": random,
    }


class InsightsV2(Operations):
    """GetMessageInsights and GetEmailAddressInsights."""

    title = "message and address insights"
    names = ("GetMessageInsights", "GetEmailAddressInsights")
    notes: ClassVar[dict[str, str]] = {
        "GetEmailAddressInsights": "from what the account saw, plain rules, and the test's verdicts"
    }

    def GetMessageInsights(self, call: Call, p: Params) -> Result:
        found = call.part(Metrics).message(p["MessageId"], call.region)
        if found is None:
            # No capture of SES's text; the model's code and status.
            raise ApiError(
                "NotFoundException", f"No message insights found for {p['MessageId']}.", 404
            )
        message, happened = found
        result: dict[str, Any] = {
            "MessageId": message.message_id,
            "FromEmailAddress": message.source,
            "EmailTags": _tags(message),
            "Insights": [
                {
                    "Destination": recipient,
                    "Isp": isp_of(recipient),
                    "Events": [_event(h) for h in happened if h.recipient == recipient],
                }
                for recipient in dict.fromkeys(message.recipients)
            ],
        }
        subject = _subject(message)
        if subject:
            result["Subject"] = subject
        return result

    def GetEmailAddressInsights(self, call: Call, p: Params) -> Result:
        address = p["EmailAddress"]
        if not isinstance(address, str) or not address.strip() or len(address) > 320:
            raise bad_request("Invalid email address.")
        bare = address_of(address)
        seen = [
            (m, found)
            for m, found in call.part(Metrics).activity(call.region)
            if bare in {address_of(r) for r in m.recipients}
        ]
        judged = address_insights(address, seen)
        verdicts = {name: _verdict(value) for name, value in judged.items()}
        for name, verdict in call.part(Advisor).address_verdicts(address, call.region).items():
            verdicts[name] = {"ConfidenceVerdict": verdict}
        return {
            "MailboxValidation": {
                "IsValid": verdicts.pop("IsValid"),
                "Evaluations": verdicts,
            }
        }
