"""The recipients' side of every message: what their mail servers do with it (deliver,
bounce, answer out of the office, complain, delay) — SES's mailbox simulator for its
addresses, and whatever a test says of any other (``ses_account.mailbox(...)``).

Nothing here reads mail: a test that needs a hard bounce from a mistyped address, a
full mailbox or a reader who marks the message as spam says so here, and the account
produces what SES would (the ledger's ``bounced`` and ``complained``, SES's events).
"""

from __future__ import annotations

__all__ = [
    "BOUNCE_SUB_TYPES",
    "MAILBOX_OUTCOMES",
    "MAX_DELIVERY",
    "SIMULATOR",
    "Mailbox",
    "MailboxOutcome",
    "Mailboxes",
]

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, get_args

from .event_records import BounceType, EventOrigin
from .ledger import address_of
from .part import Context, Part
from .recipients import Scenario, simulator_scenario

MailboxOutcome = Literal["delivery", "bounce", "ooto", "complaint", "delay"]
MAILBOX_OUTCOMES: tuple[MailboxOutcome, ...] = get_args(MailboxOutcome)
#: SES's bounce types and their subtypes (the event publishing guide's table). The
#: suppression lists' subtypes are SES's own decisions, never a mail server's.
BOUNCE_SUB_TYPES: dict[BounceType, tuple[str, ...]] = {
    "Undetermined": ("Undetermined",),
    "Permanent": ("General", "NoEmail", "Suppressed", "OnAccountSuppressionList"),
    "Transient": (
        "General",
        "MailboxFull",
        "MessageTooLarge",
        "ContentRejected",
        "AttachmentRejected",
    ),
}
_SES_SUB_TYPES = ("Suppressed", "OnAccountSuppressionList")
#: How long SES keeps trying a delayed message (v2 DeliveryOptions' largest
#: ``MaxDeliverySeconds``, 50,400 s): a mailbox delayed longer bounces (Transient).
MAX_DELIVERY = timedelta(hours=14)


@dataclass(frozen=True)
class Mailbox:
    """What a recipient's mail server, and its reader, do with mail to one address."""

    outcome: MailboxOutcome
    bounce_type: BounceType = "Permanent"
    bounce_sub_type: str = "General"
    #: ``"delay"``: delivered this long after the send (from ``MAX_DELIVERY``: bounced).
    delay: timedelta = timedelta(hours=1)
    origin: EventOrigin = "recipient"

    @property
    def bounces(self) -> bool:
        """Whether the message never reaches the mailbox (a bounce of any type)."""
        return self.outcome == "bounce" or (self.outcome == "delay" and self.delay >= MAX_DELIVERY)


#: SES's mailbox simulator (the SES guide's table of scenarios).
SIMULATOR: dict[Scenario, Mailbox] = {
    "success": Mailbox("delivery", origin="simulator"),
    "bounce": Mailbox("bounce", origin="simulator"),
    "ooto": Mailbox("ooto", origin="simulator"),
    "complaint": Mailbox("complaint", origin="simulator"),
    # "as if the recipient's address is on the global suppression list"
    "suppressionlist": Mailbox("bounce", "Permanent", "Suppressed", origin="simulator"),
}


class Mailboxes(Part):
    """The mailboxes a test described, by address or ``@domain``; the simulator's."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        # Mail servers are the world's, not a region's: one table for the account.
        self._boxes: dict[str, Mailbox] = {}

    def mailbox(
        self,
        *addresses: str,
        outcome: MailboxOutcome = "delivery",
        bounce_type: BounceType = "Permanent",
        bounce_sub_type: str = "General",
        delay: timedelta | float = timedelta(hours=1),
    ) -> None:
        """Say what happens to mail sent from now on to ``addresses`` (an address, or
        ``@domain`` for every address there): ``"bounce"`` (with SES's ``bounce_type``
        and ``bounce_sub_type``), ``"ooto"`` (delivered, then an automatic answer),
        ``"complaint"`` (delivered, then marked as spam), ``"delay"`` (delivered
        ``delay`` later, a DeliveryDelay first), or ``"delivery"`` (as any mailbox)."""
        if not addresses:
            raise TypeError("mailbox() needs at least one address or @domain")
        if outcome not in MAILBOX_OUTCOMES:
            raise ValueError(
                f"mailbox(outcome={outcome!r}): valid outcomes: "
                + ", ".join(repr(o) for o in MAILBOX_OUTCOMES)
            )
        subtypes = BOUNCE_SUB_TYPES.get(bounce_type)
        if subtypes is None:
            raise ValueError(
                f"mailbox(bounce_type={bounce_type!r}): SES's bounce types are "
                + ", ".join(repr(t) for t in BOUNCE_SUB_TYPES)
            )
        allowed = [s for s in subtypes if s not in _SES_SUB_TYPES]
        if bounce_sub_type not in allowed:
            raise ValueError(
                f"mailbox(bounce_sub_type={bounce_sub_type!r}): a {bounce_type} bounce from a "
                f"mail server is one of {', '.join(repr(s) for s in allowed)} (the suppression "
                "lists' subtypes are SES's: ses_account.suppress() puts an address on the list)"
            )
        step = delay if isinstance(delay, timedelta) else timedelta(seconds=delay)
        if step <= timedelta():
            raise ValueError(f"mailbox(delay={delay!r}): the delay must be positive")
        box = Mailbox(outcome, bounce_type, bounce_sub_type, step)
        with self.lock:
            for address in addresses:
                key = _key(address)
                if outcome == "delivery":
                    self._boxes.pop(key, None)
                else:
                    self._boxes[key] = box

    def of(self, address: str) -> Mailbox | None:
        """The mailbox behind ``address``: the test's (by address, then ``@domain``),
        the simulator's, or ``None`` for an ordinary one that takes the mail."""
        if self._boxes:
            bare = address_of(address)
            found = self._boxes.get(bare) or self._boxes.get("@" + bare.rpartition("@")[2])
            if found is not None:
                return found
        scenario = simulator_scenario(address)
        return None if scenario is None else SIMULATOR[scenario]

    def snapshot(self, recipients: tuple[str, ...]) -> dict[str, Mailbox | None] | None:
        """The recipients' mailboxes as they are now; ``None`` while the test described
        none (the simulator's never change)."""
        if not self._boxes:
            return None
        return {r: self.of(r) for r in recipients}

    def bounces(self, address: str) -> bool:
        """Whether mail to ``address`` bounces (``SentMessage.bounced``)."""
        box = self.of(address)
        return box is not None and box.bounces

    def complains(self, address: str) -> bool:
        """Whether the reader at ``address`` marks the mail as spam (``.complained``)."""
        box = self.of(address)
        return box is not None and box.outcome == "complaint"


def _key(address: str) -> str:
    if not isinstance(address, str) or "@" not in address:
        raise ValueError(f"mailbox({address!r}): not an email address nor an @domain")
    if address.strip().startswith("@"):
        return address.strip().lower()
    return address_of(address)
