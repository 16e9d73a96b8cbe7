"""What every part of the account shares: the account's options, clock and lock, and
the life of a part (a region set up from the options, its state saved and restored).

A part owns one resource's state, per region, behind public methods; the account
(``account/account.py``) lists its parts and sets every region up in each of them.
"""

from __future__ import annotations

__all__ = ["Context", "Part", "new_stamp"]

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..clock.sesclock import SesClock
from .ledger import Outgoing, SendRefused, SentMessage
from .options import RegionSettings, SesQuotaOptions

_STAMPS = itertools.count(1)


def new_stamp() -> int:
    """A version no part has had: stamps are unique across parts and accounts, so that a
    part built anew (a reset) never repeats the version a save has seen."""
    return next(_STAMPS)


@dataclass
class Context:
    """The account as its parts see it."""

    options: SesQuotaOptions
    clock: SesClock
    #: One lock for the whole account: a send reads several parts at one instant.
    lock: threading.RLock
    #: Sets a region up in every part, first time only (see :meth:`Part.region`).
    ensure_region: Callable[[str | None], str] = field(repr=False)

    @property
    def main_region(self) -> str:
        return self.options.region


class Part:
    """One resource of the account, its state kept per region."""

    #: Its key in the state file (``sesquota serve --state``); ``None``: not saved
    #: there as a whole (the ledger and the usage have tables of their own).
    key: ClassVar[str | None] = None

    def __init__(self, context: Context) -> None:
        self.context = context
        self.clock = context.clock
        self.lock = context.lock
        # Stamped by each change of a region's state: a save writes only the parts and
        # regions whose version moved since the last save.
        self._versions: dict[str, int] = {}

    def region(self, region: str | None) -> str:
        """The region's name (the main region for ``None``), set up in every part."""
        return self.context.ensure_region(region)

    def set_up(self, region: str, settings: RegionSettings) -> None:
        """Give a region seen for the first time its state, as the options describe it."""

    def changed(self, region: str) -> None:
        """Note that the region's state changed (the next save writes it)."""
        self._versions[region] = new_stamp()

    def version(self, region: str) -> int:
        return self._versions.get(region, 0)

    # -- a part's say in sending (see ``account/sending.py``) -------------------------
    # The account asks every part that overrides these, in the order it lists its parts:
    # adding a resource that changes sending is one part, not an edit of the sending code.
    def prepare_send(self, send: Outgoing) -> Outgoing:
        """The send as this part completes it before any check (an identity's default
        configuration set, say); the send itself when this part adds nothing."""
        return send

    def check_send(self, send: Outgoing) -> SendRefused | None:
        """Why this part refuses the send before the quotas (a configuration set that does
        not exist, a paused tenant), or ``None``. Runs after a transient fault and before
        the account's own checks (sending paused, identities) and the quotas."""
        return None

    def suppression_reasons(self, send: Outgoing) -> frozenset[str] | None:
        """The reasons (``BOUNCE``, ``COMPLAINT``) for which the account's suppression list
        keeps this send's recipients from delivery, when this part decides them (a
        configuration set's suppression options replace the account's), or ``None``."""
        return None

    def undelivered(self, send: Outgoing) -> Mapping[str, str]:
        """Recipients of an accepted send this part keeps from delivery, with the reason
        (``SentMessage.undelivered``): an unsubscribed contact, a rendering failure."""
        return {}

    def suppressed_recipients(self, send: Outgoing) -> Sequence[str] | None:
        """The recipients of an accepted send that a suppression list other than the
        account's keeps from delivery (a tenant's own list), replacing the account's
        list's say; ``None`` when the account's list decides."""
        return None

    def accepted(self, message: SentMessage) -> None:
        """A message was accepted (under the account's lock): what follows from it here
        (events at the virtual times they happen, a contact's subscription)."""

    def settle(self) -> None:
        """After a send call, once the account's lock is released: what may not run
        under it (events published to a webhook that may call SES back)."""

    def export(self, region: str) -> Any:
        """The region's state as JSON-able data (times and bytes allowed: the codec tags them)."""
        raise NotImplementedError(f"{type(self).__name__} is not saved as a whole")

    def restore(self, region: str, data: Any) -> None:
        """Put back what :meth:`export` gave, into a region just set up."""
        raise NotImplementedError(f"{type(self).__name__} is not saved as a whole")
