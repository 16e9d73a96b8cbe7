"""Sending: each call's recipients decided under the account's lock, and the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from .identities import Identities
from .ledger import (
    DAILY_MESSAGE,
    PAUSED_MESSAGE,
    RATE_MESSAGE,
    SIMULATOR_DOMAIN,
    SUSPENDED_MESSAGE,
    TRANSIENT_MESSAGE,
    Dialect,
    FaultedSend,
    LedgerEntry,
    RefusalKind,
    RejectedSend,
    SendRefused,
    SentMessage,
    SesRequest,
    ThrottledSend,
    Transport,
    address_of,
)
from .recipients import is_simulator, simulator_scenario
from .review import ProductionAccess
from .state import RegionState
from .statistics import Statistics


class _Call:
    """One call's sends, decided under the account's lock (see ``Account.send_many``)."""

    def __init__(
        self,
        account: Sending,
        state: RegionState,
        region: str,
        operation: str,
        source: str,
        api: str,
        now: datetime,
        dialect: Dialect | None,
        bulk: bool,
    ) -> None:
        self.account = account
        self.state = state
        self.region = region
        self.operation = operation
        self.source = source
        self.api = api
        self.transport: Transport = "smtp" if api == "smtp" else "api"
        self.now = now
        self.dialect = dialect
        self.bulk = bulk

    def code(self, kind: RefusalKind) -> str:
        """The code the caller receives, in its API's words (the kind itself when the
        account is called directly, without a front door)."""
        return kind if self.dialect is None else self.dialect.code(kind, bulk=self.bulk)

    def check(self, recipients: Sequence[str], content: dict[str, Any]) -> SendRefused | None:
        """The checks before the quotas; a refusal is recorded and returned."""
        account = self.account
        if account._faults.strike():
            # Before any other check, as a server error comes before SES looks at the
            # message; nothing is counted, not even in the statistics.
            fault = FaultedSend(
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
            account._enter(account.faults, fault)
            return SendRefused("transient", TRANSIENT_MESSAGE)
        try:
            account._check_sender(self.state, self.region, self.source, recipients)
        except SendRefused as refusal:
            account.reject(
                region=self.region,
                operation=self.operation,
                reason=refusal.kind,
                code=self.code(refusal.kind),
                message=refusal.message,
                source=self.source,
                recipients=recipients,
                transport=self.transport,
            )
            if refusal.kind == "unverified":
                account._count_stat(self.state, 3, len(recipients))
            return refusal
        return None

    def decide(
        self, messages: Sequence[tuple[Sequence[str], dict[str, Any]]], *, checked: bool = False
    ) -> list[SentMessage | SendRefused]:
        """Messages the quotas decide together: all sent, or all dropped with one refusal."""
        if not checked:
            refusal = self.check(*messages[0])
            if refusal is not None:
                return [refusal]
        account = self.account
        # The mailbox simulator's recipients take send rate but no daily quota.
        decision = account._engine.try_send(
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
                account._enter(
                    account.throttled,
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
                    ),
                )
            return [throttle] * len(messages)
        sent: list[SentMessage | SendRefused] = []
        for recipients, content in messages:
            message = SentMessage(
                message_id=account.new_message_id(),
                time=self.now,
                region=self.region,
                operation=self.operation,
                source=self.source,
                recipients=tuple(recipients),
                transport=self.transport,
                **self.fates(recipients),
                **content,
            )
            account._enter(account.sent, message)
            # Suppressed recipients are never attempted; the simulator's events are counted.
            counts = (
                len(recipients) - len(message.suppressed),
                len(message.bounced),
                len(message.complained),
            )
            for column, amount in enumerate(counts):
                if amount:
                    account._count_stat(self.state, column, amount)
            sent.append(message)
        return sent

    def fates(self, recipients: Sequence[str]) -> dict[str, Any]:
        """What became of an accepted message's recipients: suppressed by the account's
        list (not delivered, no event), or bounced or complained at the simulator."""
        suppression = self.state.suppression
        suppressed = tuple(r for r in recipients if r in suppression)
        scenarios = [(r, simulator_scenario(r)) for r in recipients if r not in suppression]
        return {
            "suppressed": suppressed,
            "bounced": tuple(r for r, s in scenarios if s in ("bounce", "suppressionlist")),
            "complained": tuple(r for r, s in scenarios if s == "complaint"),
        }


class Sending(Statistics, Identities, ProductionAccess):
    """Deciding sends and recording them in the ledger."""

    # -- sending --------------------------------------------------------------
    def new_message_id(self) -> str:
        """An id shaped like SES's: ``0100`` + virtual ms, a UUID, a counter."""
        ms = int(self.clock.time() * 1000)
        return f"0100{ms:012x}-{uuid.uuid4()}-{next(self._ids):06d}"

    def send(
        self,
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

        Checks run in this order: sending paused, identities (when checked),
        the daily quota, the send rate. Refused sends consume no quota.
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
        messages: Sequence[tuple[Sequence[str], dict[str, Any]]],
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
        if dialect is not None:
            api = dialect.api
        name = self._region_name(region)
        state = self._state(name)
        # The clock holds still meanwhile: the time in the ledger is the very instant
        # the quotas judged, even while other threads' sleeps move the clock.
        with self._lock, self.clock.still() as now:
            call = _Call(self, state, name, operation, source, api, now, dialect, bulk)
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

    def _check_sender(
        self, state: RegionState, name: str, source: str, recipients: Sequence[str]
    ) -> None:
        """The checks before the quotas: sending paused, then verified identities."""
        if state.enforcement_status == "SHUTDOWN":
            raise SendRefused("suspended", SUSPENDED_MESSAGE)
        if not state.sending_enabled:
            raise SendRefused("paused", PAUSED_MESSAGE)
        if not state.check_identities:
            return
        failed = [source] if not self.is_verified(source, name) else []
        if not state.production:
            failed += [
                r
                for r in recipients
                if not self.is_verified(r, name)
                and address_of(r).rpartition("@")[2] != SIMULATOR_DOMAIN
            ]
        if failed:
            raise SendRefused(
                "unverified",
                "Email address is not verified. The following identities failed "
                f"the check in region {name.upper()}: {', '.join(failed)}",
                failed=failed,
            )

    def reject(
        self,
        *,
        region: str | None,
        operation: str,
        reason: RefusalKind,
        code: str,
        message: str,
        source: str,
        recipients: Sequence[str],
        transport: Transport = "api",
    ) -> None:
        """Record a send refused for a reason other than a quota."""
        name = self._region_name(region)
        with self._lock:
            self._enter(
                self.rejected,
                RejectedSend(
                    time=self.clock.now(),
                    region=name,
                    operation=operation,
                    reason=reason,
                    code=code,
                    message=message,
                    source=source,
                    recipients=tuple(recipients),
                    transport=transport,
                ),
            )

    def _enter(self, ledger: list[Any], entry: LedgerEntry) -> None:
        ledger.append(entry)
        self._ledger.append(entry)
        outcomes = getattr(self._recording, "outcomes", None)
        if outcomes is not None:
            outcomes.append(entry)

    @contextmanager
    def recording(self) -> Iterator[list[LedgerEntry]]:
        """Collect what the sends made in this block (in this thread) become;
        a front door puts them in the :class:`SesRequest` it logs."""
        previous = getattr(self._recording, "outcomes", None)
        outcomes: list[LedgerEntry] = []
        self._recording.outcomes = outcomes
        try:
            yield outcomes
        finally:
            self._recording.outcomes = previous

    def log_request(self, request: SesRequest) -> None:
        with self._lock:
            self.requests.append(request)
        for observer in list(self._observers):
            observer(request)

    def on_request(self, observer: Callable[[SesRequest], object]) -> None:
        """Call ``observer(request)`` after every request any front door answers
        (``sesquota serve --state`` saves the account there)."""
        self._observers.append(observer)
