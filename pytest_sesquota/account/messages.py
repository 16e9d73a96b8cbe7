"""Which ledger entries carry the same message, and what that tells: the messages a test
dropped (refused, or accepted but failed to render, and never accepted later) and the send
attempts that were retries.

A message is the same when its source, its recipients (in any order, any case) and its
content are: subject and bodies, or template and data; raw MIME by its headers and its
parts' decoded bodies, leaving out what a client makes anew on each attempt (Message-ID,
Date, the multipart boundary).
"""

from __future__ import annotations

__all__ = ["DroppedMessage", "Key", "Loss", "MessageKeys", "RetryCounter", "dropped_messages"]

import email
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .ledger import (
    FaultedSend,
    LedgerEntry,
    Refusal,
    RejectedSend,
    SentMessage,
    ThrottledSend,
    address_of,
)

#: Headers a client writes anew on each attempt of the same message.
_VOLATILE = frozenset({"message-id", "date"})
_BOUNDARY = re.compile(r';\s*boundary=("[^"]*"|[^;\s]*)', re.IGNORECASE)

Key = tuple[Any, ...]
#: What lost a message: a quota's or a transient fault's refusal, or a message accepted that
#: failed to render (``SentMessage.rendering_failure``: SES delivers it to no one).
Loss = Refusal | SentMessage


@functools.lru_cache(maxsize=8192)
def _bare(address: str) -> str:
    """``address_of`` without the parser for a plain ``a@b`` (the parser costs ~20 µs, and
    the same few addresses come back in every entry)."""
    if "<" in address or "(" in address or '"' in address:
        return address_of(address)
    return address.strip().lower()


def _content(entry: LedgerEntry) -> Mapping[str, Any]:
    if isinstance(entry, SentMessage):
        return {
            "subject": entry.subject,
            "text": entry.text,
            "html": entry.html,
            "raw": entry.raw,
            "template": entry.template,
            "template_data": entry.template_data,
        }
    if isinstance(entry, (ThrottledSend, FaultedSend)):
        return entry.content
    return {}


def _raw_key(raw: bytes) -> Key:
    parsed = email.message_from_bytes(raw)  # compat32: fast, and no header is re-folded
    headers = sorted(
        (name.lower(), _BOUNDARY.sub("", " ".join(str(value).split())))
        for name, value in parsed.items()
        if name.lower() not in _VOLATILE
    )
    parts = [
        (part.get_content_type(), part.get_payload(decode=True) or b"")
        for part in parsed.walk()
        if not part.is_multipart()
    ]
    return ("raw", tuple(headers), tuple(parts))


class MessageKeys:
    """Keys of ledger entries: ``cheap`` (source and recipients) for every entry, ``full``
    (the content too) computed only when a cheap key matched, and kept."""

    def __init__(self) -> None:
        self._full: dict[int, Key] = {}

    @staticmethod
    def cheap(entry: LedgerEntry) -> Key:
        return (_bare(entry.source), tuple(sorted(_bare(r) for r in entry.recipients)))

    def full(self, entry: LedgerEntry, cheap: Key | None = None) -> Key:
        key = self._full.get(id(entry))
        if key is None:
            content = _content(entry)
            raw = content.get("raw")
            if raw is not None:
                body: Key = _raw_key(raw)
            else:
                data = content.get("template_data")
                if content.get("template") is not None:
                    # A template and its data, whatever they rendered to: the same message
                    # sent again after its template was fixed.
                    body = (
                        "template",
                        content.get("template"),
                        json.dumps(data, sort_keys=True, default=str),
                    )
                else:
                    body = (content.get("subject"), content.get("text"), content.get("html"))
            key = self._full[id(entry)] = (cheap or self.cheap(entry), body)
        return key


@dataclass(frozen=True)
class DroppedMessage:
    """A message refused by a quota or a transient fault, or accepted but failed to
    render, and never accepted (and rendered) later."""

    #: Every refusal it got since it was last accepted, in order (one per attempt): a
    #: ``ThrottledSend``, a ``FaultedSend``, or the ``SentMessage`` that failed to render.
    refusals: tuple[Loss, ...]

    @property
    def refusal(self) -> Loss:
        """The last refusal it got."""
        return self.refusals[-1]

    @property
    def reason(self) -> str:
        """Why it was lost at last: ``"rate"`` or ``"daily"`` (a quota), ``"transient"`` (a
        seeded fault) or ``"rendering_failure"`` (accepted, not rendered, not delivered)."""
        last = self.refusal
        if isinstance(last, ThrottledSend):
            return last.reason
        return "transient" if isinstance(last, FaultedSend) else "rendering_failure"

    @property
    def attempts(self) -> int:
        return len(self.refusals)

    @property
    def source(self) -> str:
        return self.refusal.source

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.refusal.recipients

    @property
    def subject(self) -> str | None:
        return self.refusal.subject


class RetryCounter:
    """A send attempt is a *retry* when it sends again a message refused (by a quota or a
    transient fault), or accepted but failed to render, and not accepted since. ``see``
    returns how many refused attempts of its message came before it (0: not a retry).
    Rejected sends (unverified, invalid) are neither refusals nor retries here: sending
    them again cannot help."""

    def __init__(self, keys: MessageKeys | None = None) -> None:
        self.keys = keys or MessageKeys()
        # cheap key -> full key -> the refusals of that message since it was last accepted
        self.pending: dict[Key, dict[Key, list[Loss]]] = {}

    def see(self, entry: LedgerEntry) -> int:
        if isinstance(entry, SentMessage):
            lost = entry.rendering_failure is not None
            if not lost and not self.pending:
                return 0  # the common case, without parsing an address
        elif isinstance(entry, RejectedSend):
            return 0
        else:
            lost = True
        cheap = self.keys.cheap(entry)
        messages = self.pending.get(cheap)
        if not lost:
            if messages is None:
                return 0
            refused = messages.pop(self.keys.full(entry, cheap), [])
            if not messages:
                del self.pending[cheap]
            return len(refused)
        if messages is None:
            messages = self.pending[cheap] = {}
        streak = messages.setdefault(self.keys.full(entry, cheap), [])
        streak.append(entry)
        return len(streak) - 1

    def dropped(self) -> list[DroppedMessage]:
        """The messages still refused after every entry seen, in the order first refused."""
        dropped = [
            DroppedMessage(tuple(refusals))
            for messages in self.pending.values()
            for refusals in messages.values()
        ]
        dropped.sort(key=lambda d: d.refusals[0].time)
        return dropped


def dropped_messages(entries: Iterable[LedgerEntry]) -> list[DroppedMessage]:
    """The messages of ``entries`` (in the order the account decided them) refused and
    never accepted later."""
    counter = RetryCounter()
    for entry in entries:
        counter.see(entry)
    return counter.dropped()
