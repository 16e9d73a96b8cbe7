"""What SES's subscription management does to a list-managed message as its recipient
receives it: the one-click unsubscribe link, the ``List-Unsubscribe`` headers, the
``{{amazonSESUnsubscribeUrl}}`` footer placeholder, and the SMTP interface's
``X-SES-LIST-MANAGEMENT-OPTIONS`` header (read, then taken out of the message).

Plain functions over :mod:`email` messages: the ledger's ``SentMessage.message`` and the
contact lists part both use them, and neither imports the other.
"""

from __future__ import annotations

__all__ = [
    "LINK_PREFIX",
    "OPTIONS_HEADER",
    "PLACEHOLDER",
    "as_delivered",
    "link",
    "message_of_link",
    "options_from_header",
]

from email.message import EmailMessage

#: Where the fake's unsubscribe links point: SES's own host is not documented, and a
#: ``.invalid`` name (RFC 2606) can never reach anything (docs/choices.md).
LINK_PREFIX = "https://unsubscribe.sesquota.invalid/"
#: The footer placeholder SES replaces with the link, in text and HTML parts.
PLACEHOLDER = "{{amazonSESUnsubscribeUrl}}"
#: "You can include the placeholder two times maximum. If used more than two times, only
#: the first two occurrences are replaced." (the guide's subscription management page)
_MAX_REPLACED = 2
#: ``X-SES-LIST-MANAGEMENT-OPTIONS: {contactListName}; topic={topicName}`` (the guide's
#: list management page): the SMTP interface's ListManagementOptions.
OPTIONS_HEADER = "X-SES-LIST-MANAGEMENT-OPTIONS"


def link(region: str, message_id: str) -> str:
    """The one-click unsubscribe link of a message."""
    return f"{LINK_PREFIX}{region}/{message_id}"


def message_of_link(url: str) -> tuple[str, str] | None:
    """``(region, message id)`` of a link :func:`link` made, or ``None``."""
    if not url.startswith(LINK_PREFIX):
        return None
    region, _, message_id = url[len(LINK_PREFIX) :].partition("/")
    return (region, message_id) if region and message_id and "/" not in message_id else None


def options_from_header(value: str | None) -> dict[str, str] | None:
    """ListManagementOptions from the header's value (``None`` for no header or a blank one):
    ``news; topic=weekly`` -> ``{"ContactListName": "news", "TopicName": "weekly"}``."""
    if value is None or not value.strip():
        return None
    name, *pairs = (part.strip() for part in value.split(";"))
    options = {"ContactListName": name}
    for pair in pairs:
        key, _, topic = pair.partition("=")
        if key.strip().lower() == "topic" and topic.strip():
            options["TopicName"] = topic.strip()
    return options


def as_delivered(message: EmailMessage, url: str | None, *, from_smtp: bool) -> None:
    """Make ``message`` what the recipient of a list-managed send receives: SES's header
    read from SMTP taken out; with a link (a single recipient), SES's ``List-Unsubscribe``
    and ``List-Unsubscribe-Post`` (RFC 8058) in place of any the sender wrote, and the
    first two footer placeholders of each text and HTML part replaced."""
    if from_smtp:
        del message[OPTIONS_HEADER]
    if url is None:
        return
    # A link is longer than a folded line: without this, the email package would write
    # the header as RFC 2047 encoded words rather than as a link.
    message.policy = message.policy.clone(max_line_length=998)
    del message["List-Unsubscribe"]
    del message["List-Unsubscribe-Post"]
    message["List-Unsubscribe"] = f"<{url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for part in message.walk():
        subtype = part.get_content_subtype()
        if (
            part.is_multipart()
            or part.get_content_maintype() != "text"
            or subtype not in ("plain", "html")
            or part.is_attachment()
        ):
            continue
        text = part.get_content()
        if PLACEHOLDER in text:
            assert isinstance(part, EmailMessage)
            part.set_content(text.replace(PLACEHOLDER, url, _MAX_REPLACED), subtype=subtype)
