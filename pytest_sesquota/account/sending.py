"""Sending: each call's messages decided under the account's lock, from what the other
parts say (may the region send, who is verified, the quotas, the suppression list),
and recorded in the ledger (the metrics are computed from it when asked)."""

from __future__ import annotations

__all__ = ["Message", "Sending"]

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .book import Ledger
from .enforcement import Enforcement
from .faults import TransientFaults
from .identities import Identities
from .ledger import (
    DAILY_MESSAGE,
    RATE_MESSAGE,
    TRANSIENT_MESSAGE,
    Dialect,
    FaultedSend,
    Outgoing,
    RefusalKind,
    SendRefused,
    SentMessage,
    ThrottledSend,
    Transport,
)
from .mailboxes import Mailboxes
from .part import Context, Part
from .quotas import Quotas
from .recipients import is_simulator
from .suppression import Suppression

Message = tuple[Sequence[str], dict[str, Any]]


class Sending(Part):
    """Decides sends; owns no state of its own."""

    def __init__(
        self,
        context: Context,
        *,
        quotas: Quotas,
        identities: Identities,
        enforcement: Enforcement,
        suppression: Suppression,
        ledger: Ledger,
        faults: TransientFaults,
        mailboxes: Mailboxes | None = None,
        parts: Sequence[Part] = (),
    ) -> None:
        super().__init__(context)
        # The parts that have a say in sending (``Part.prepare_send`` and friends), in the
        # account's order; found once, so a send pays only for the parts that take part.
        self.preparers = _overriding(parts, "prepare_send")
        self.checkers = _overriding(parts, "check_send")
        self.keepers = _overriding(parts, "undelivered")
        self.reasoners = _overriding(parts, "suppression_reasons")
        self.listeners = _overriding(parts, "accepted")
        self.settlers = _overriding(parts, "settle")
        self.suppressors = _overriding(parts, "suppressed_recipients")
        self.quotas = quotas
        self.identities = identities
        self.enforcement = enforcement
        self.suppression = suppression
        self.ledger = ledger
        self.faults = faults
        self.mailboxes = mailboxes if mailboxes is not None else Mailboxes(context)

    def send(
        self,
        /,
        *,
        region: str | None,
        operation: str,
        source: str,
        recipients: Sequence[str],
        api: str = "ses",
        dialect: Dialect | None = None,
        **content: Any,
    ) -> SentMessage:
        """Decide one message; record it as sent, or raise :class:`SendRefused`.

        Checks run in this order: a transient fault, sending suspended or paused,
        identities (when checked), the daily quota, the send rate. Refused sends consume
        no quota.
        """
        [result] = self.send_many(
            region=region,
            operation=operation,
            source=source,
            messages=[(recipients, content)],
            api=api,
            dialect=dialect,
        )
        if isinstance(result, SendRefused):
            raise result
        return result

    def send_many(
        self,
        *,
        region: str | None,
        operation: str,
        source: str,
        messages: Sequence[Message],
        api: str = "ses",
        whole_call: bool = False,
        dialect: Dialect | None = None,
        bulk: bool = False,
    ) -> list[SentMessage | SendRefused]:
        """Decide several messages of one call (a bulk send), each ``(recipients, content)``.

        Each message gets its result, in order: the :class:`SentMessage`, or the
        :class:`SendRefused` saying why not. With ``whole_call`` the quotas decide the call at
        once, on the sum of the recipients that pass the other checks: accepted together, or
        all dropped and the :class:`SendRefused` raised for the whole call.

        ``dialect`` names the codes the ledger records (the API's, e.g. ``MessageRejected``;
        ``bulk``: a bulk send's entry statuses); ``api`` is then the dialect's.
        """
        name = self.region(region)
        if dialect is not None:
            api = dialect.api
        # The clock holds still meanwhile: the time in the ledger is the very instant
        # the quotas judged, even while other threads' sleeps move the clock.
        try:
            with self.lock, self.clock.still() as now:
                call = _Call(self, name, operation, source, api, now, dialect, bulk)
                if self.preparers:
                    messages = [call.prepare(recipients, c) for recipients, c in messages]
                if not whole_call:
                    return [call.decide([message])[0] for message in messages]
                results: list[SentMessage | SendRefused | None] = [
                    call.check(recipients, content) for recipients, content in messages
                ]
                eligible = [i for i, result in enumerate(results) if result is None]
                if eligible:
                    decided = call.decide([messages[i] for i in eligible], checked=True)
                    if isinstance(decided[0], SendRefused):
                        raise decided[0]
                    for i, result in zip(eligible, decided, strict=True):
                        results[i] = result
            return [r for r in results if r is not None]
        finally:
            # What the parts may not do under the lock (publish events a webhook hears).
            for part in self.settlers:
                part.settle()

    def refusal(
        self, region: str, source: str, recipients: Sequence[str], *, delegated: bool = False
    ) -> SendRefused | None:
        """The checks before the quotas: suspended or paused, then verified identities
        (the source's not, when ``delegated``: another account's identity, its ARN
        authorized by the ``Authorization`` part)."""
        refused = self.enforcement.refusal(region)
        if refused is not None or not self.identities.checked(region):
            return refused
        failed = self.identities.unverified(
            region, source, tuple(recipients), sandbox=self.quotas.in_sandbox(region)
        )
        if delegated and failed and failed[0] == source:
            failed = failed[1:]
        if not failed:
            return None
        return SendRefused(
            "unverified",
            "Email address is not verified. The following identities failed "
            f"the check in region {region.upper()}: {', '.join(failed)}",
            failed=failed,
        )


class _Call:
    """One call's sends, decided under the account's lock (see :meth:`Sending.send_many`)."""

    def __init__(
        self,
        sending: Sending,
        region: str,
        operation: str,
        source: str,
        api: str,
        now: datetime,
        dialect: Dialect | None,
        bulk: bool,
    ) -> None:
        self.sending = sending
        self.region = region
        self.operation = operation
        self.source = source
        self.transport: Transport = "smtp" if api == "smtp" else "api"
        self.now = now
        self.dialect = dialect
        self.bulk = bulk
        self._last: tuple[Sequence[str], dict[str, Any], Outgoing] | None = None

    def outgoing(self, recipients: Sequence[str], content: dict[str, Any]) -> Outgoing:
        """The message as the parts see it; made once for the checks and the delivery of
        one message (a frozen dataclass costs microseconds to make)."""
        last = self._last
        if last is not None and last[0] is recipients and last[1] is content:
            return last[2]
        made = Outgoing(
            region=self.region,
            operation=self.operation,
            source=self.source,
            recipients=tuple(recipients),
            content=content,
            transport=self.transport,
        )
        self._last = (recipients, content, made)
        return made

    def prepare(self, recipients: Sequence[str], content: dict[str, Any]) -> Message:
        """The message as the parts complete it (``Part.prepare_send``)."""
        given = outgoing = self.outgoing(recipients, content)
        for part in self.sending.preparers:
            outgoing = part.prepare_send(outgoing)
        if outgoing is given:  # no part changed it (most sends): no copy
            return recipients, content
        return outgoing.recipients, dict(outgoing.content)

    def code(self, kind: RefusalKind) -> str:
        """The code the caller receives, in its API's words (the kind itself when the
        account is called directly, without a front door)."""
        return kind if self.dialect is None else self.dialect.code(kind, bulk=self.bulk)

    def check(self, recipients: Sequence[str], content: dict[str, Any]) -> SendRefused | None:
        """The checks before the quotas; a refusal is recorded and returned."""
        sending = self.sending
        if sending.faults.strike():
            # Before any other check, as a server error comes before SES looks at the
            # message; nothing is counted, not even in the metrics.
            sending.ledger.enter(
                FaultedSend(
                    time=self.now,
                    region=self.region,
                    operation=self.operation,
                    code=self.code("transient"),
                    message=TRANSIENT_MESSAGE,
                    source=self.source,
                    recipients=tuple(recipients),
                    transport=self.transport,
                    content=content,
                )
            )
            return SendRefused("transient", TRANSIENT_MESSAGE)
        refusal = None
        if sending.checkers:
            outgoing = self.outgoing(recipients, content)
            for part in sending.checkers:
                refusal = part.check_send(outgoing)
                if refusal is not None:
                    break
        if refusal is None:
            delegated = bool(content.get("source_arn"))
            refusal = sending.refusal(self.region, self.source, recipients, delegated=delegated)
        if refusal is None:
            return None
        sending.ledger.reject(
            region=self.region,
            operation=self.operation,
            reason=refusal.kind,
            code=self.code(refusal.kind),
            message=refusal.message,
            source=self.source,
            recipients=recipients,
            transport=self.transport,
        )
        return refusal

    def decide(
        self, messages: Sequence[Message], *, checked: bool = False
    ) -> list[SentMessage | SendRefused]:
        """Messages the quotas decide together: all sent, or all dropped with one refusal."""
        if not checked:
            refusal = self.check(*messages[0])
            if refusal is not None:
                return [refusal]
        sending = self.sending
        # The mailbox simulator's recipients take send rate but no daily quota.
        decision = sending.quotas.try_send(
            self.region,
            sum(len(r) for r, _c in messages),
            daily=sum(not is_simulator(a) for r, _c in messages for a in r),
        )
        if not decision.accepted:
            reason = decision.reason
            assert reason is not None
            throttle = SendRefused(
                reason, RATE_MESSAGE if reason == "rate" else DAILY_MESSAGE, decision=decision
            )
            for recipients, content in messages:
                sending.ledger.enter(
                    ThrottledSend(
                        time=self.now,
                        region=self.region,
                        operation=self.operation,
                        reason=reason,
                        source=self.source,
                        recipients=tuple(recipients),
                        available=decision.available,
                        sent_last_24_hours=decision.sent_last_24_hours,
                        max_24_hour_send=decision.max_24_hour_send,
                        max_send_rate=decision.max_send_rate,
                        transport=self.transport,
                        content=content,
                    )
                )
            return [throttle] * len(messages)
        sent: list[SentMessage | SendRefused] = []
        for recipients, content in messages:
            # The parts that keep recipients from delivery see the send as it was asked.
            outgoing = (
                self.outgoing(recipients, content)
                if sending.keepers or sending.suppressors
                else None
            )
            if outgoing is not None and sending.keepers:
                kept: dict[str, str] = {}
                for part in sending.keepers:
                    kept.update(part.undelivered(outgoing))
                if kept:
                    content = {**content, "undelivered": kept}
            message = SentMessage(
                message_id=sending.ledger.new_message_id(),
                time=self.now,
                region=self.region,
                operation=self.operation,
                source=self.source,
                recipients=tuple(recipients),
                transport=self.transport,
                **self.fates(recipients, content, outgoing),
                **content,
            )
            sending.ledger.enter(message)
            for part in sending.listeners:
                part.accepted(message)
            sent.append(message)
        return sent

    def fates(
        self, recipients: Sequence[str], content: dict[str, Any], outgoing: Outgoing | None
    ) -> dict[str, Any]:
        """What became of an accepted message's recipients: suppressed by the account's
        list (or a part's own list, ``Part.suppressed_recipients``: not delivered, no
        event), or bounced or complained at their mailbox (the simulator's, or one the test
        described: ``account/mailboxes.py``)."""
        suppressed: tuple[str, ...] | None = None
        for part in self.sending.suppressors:
            assert outgoing is not None
            said = part.suppressed_recipients(outgoing)
            if said is not None:
                suppressed = tuple(said)
                break
        if suppressed is None:
            suppression = self.sending.suppression.list_of(self.region)
            # A part may say for which reasons the list suppresses this send, in place of
            # the account's (a configuration set's suppression options); an empty list, none.
            reasons = (
                self.suppression_reasons(recipients, content)
                if self.sending.reasoners and len(suppression)
                else None
            )
            if reasons is None:
                suppressed = tuple(r for r in recipients if r in suppression)
            else:
                suppressed = tuple(
                    r for r in recipients if getattr(suppression.get(r), "reason", None) in reasons
                )
        boxes = [(r, self.sending.mailboxes.of(r)) for r in recipients if r not in suppressed]
        return {
            "suppressed": suppressed,
            "bounced": tuple(r for r, box in boxes if box is not None and box.bounces),
            "complained": tuple(
                r for r, box in boxes if box is not None and box.outcome == "complaint"
            ),
        }

    def suppression_reasons(
        self, recipients: Sequence[str], content: dict[str, Any]
    ) -> frozenset[str] | None:
        """The reasons the first part that decides them gives (``Part.suppression_reasons``)."""
        outgoing = self.outgoing(recipients, content)
        for part in self.sending.reasoners:
            reasons = part.suppression_reasons(outgoing)
            if reasons is not None:
                return reasons
        return None


def _overriding(parts: Sequence[Part], hook: str) -> tuple[Part, ...]:
    """The parts whose class overrides ``Part.<hook>``."""
    default = getattr(Part, hook)
    return tuple(p for p in parts if getattr(type(p), hook) is not default)
