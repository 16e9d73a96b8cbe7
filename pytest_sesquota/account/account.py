"""The fake SES account: quotas per region, identities, templates, and the ledger.

Front doors (botocore, and later SMTP and HTTP) translate their wire format
into :meth:`Account.send` and friends; this module decides, records, and
raises :class:`SendRefused` with the reason when SES would refuse.
"""

from __future__ import annotations

import itertools
import math
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from ..quota.clock import ScheduledAction, SesClock
from ..quota.engine import DailyMode, QuotaEngine, RegionQuota
from .faults import TransientFaults
from .ledger import (
    BULK_OPERATIONS,
    DAILY_MESSAGE,
    ENFORCEMENT_STATUSES,
    PAUSED_MESSAGE,
    RATE_MESSAGE,
    REFUSAL_CODES,
    SIMULATOR_DOMAIN,
    STATS_HORIZON,
    STATS_PERIOD,
    SUSPENDED_MESSAGE,
    TRANSIENT_MESSAGE,
    EnforcementStatus,
    FaultedSend,
    Identity,
    LedgerEntry,
    ProductionAccessReview,
    QuotaChange,
    RefusalKind,
    RejectedSend,
    ReviewStatus,
    SendRefused,
    SentMessage,
    SesRequest,
    Template,
    ThrottledSend,
    Transport,
    address_of,
)
from .messages import DroppedMessage, dropped_messages
from .options import PROFILES, Checker, SesQuotaOptions, merge


@dataclass
class _Region:
    production: bool
    sending_enabled: bool
    check_identities: bool
    identities: dict[str, Identity] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    #: PutAccountDetails' fields, as GetAccount's ``Details`` returns them.
    details: dict[str, Any] | None = None
    review: ProductionAccessReview | None = None
    enforcement_status: EnforcementStatus = "HEALTHY"
    # 15-minute period start (epoch) -> [attempts, bounces, complaints, rejects]
    stats: dict[float, list[int]] = field(default_factory=dict)


class _Call:
    """One call's sends, decided under the account's lock (see ``Account.send_many``)."""

    def __init__(
        self,
        account: Account,
        state: _Region,
        region: str,
        operation: str,
        source: str,
        api: str,
        now: datetime,
    ) -> None:
        self.account = account
        self.state = state
        self.region = region
        self.operation = operation
        self.source = source
        self.api = api
        self.transport: Transport = "smtp" if api == "smtp" else "api"
        self.now = now

    def check(self, recipients: Sequence[str], content: dict[str, Any]) -> SendRefused | None:
        """The checks before the quotas; a refusal is recorded and returned."""
        account = self.account
        if account._faults.strike():
            # Before any other check, as a server error comes before SES looks at the
            # message; nothing is counted, not even in the statistics.
            bulk = " bulk" if self.operation in BULK_OPERATIONS else ""
            account._enter(
                account.faults,
                FaultedSend(
                    time=self.now,
                    region=self.region,
                    operation=self.operation,
                    code=REFUSAL_CODES[self.api, "transient" + bulk],
                    message=TRANSIENT_MESSAGE,
                    source=self.source,
                    recipients=tuple(recipients),
                    transport=self.transport,
                    content=content,
                ),
            )
            return SendRefused("transient", TRANSIENT_MESSAGE)
        try:
            account._check_sender(self.state, self.region, self.source, recipients)
        except SendRefused as refusal:
            account.reject(
                region=self.region,
                operation=self.operation,
                reason=refusal.kind,
                code=REFUSAL_CODES[self.api, refusal.kind],
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
        decision = account._engine.try_send(self.region, sum(len(r) for r, _c in messages))
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
                **content,
            )
            account._enter(account.sent, message)
            account._count_stat(self.state, 0, len(recipients))
            sent.append(message)
        return sent


class Account:
    """A fake SES account: the quotas, identities and templates of every region,
    the ledger of everything sent, and the virtual clock.

    It knows no front door: :class:`pytest_sesquota.SesAccount` (``doors.activation``)
    is this account plus the switch that connects botocore, requests and the guard.
    """

    def __init__(
        self,
        options: SesQuotaOptions | None = None,
        *,
        clock: SesClock | None = None,
        **kwargs: Any,
    ) -> None:
        if options is None:
            options = merge([(f"{type(self).__name__}()", kwargs)])
        elif kwargs:
            raise TypeError("pass either options or keyword arguments, not both")
        self.options = options
        self.region = options.region
        #: The virtual clock (a ``DetachedClock`` for an account served outside a test).
        self.clock = (
            clock
            if clock is not None
            else SesClock(options.start, time_backend=options.time_backend)
        )
        self._lock = threading.RLock()
        # Per thread: the outcomes of the request being answered (see `recording`).
        self._recording = threading.local()
        self._observers: list[Callable[[SesRequest], object]] = []
        self._setup()

    def _setup(self) -> None:
        """The account as its options describe it: no usage but the options', no ledger."""
        self._engine = QuotaEngine(self.clock.time, self._default_quota)
        self._regions: dict[str, _Region] = {}
        self._ids = itertools.count(1)
        #: Accepted messages, in order.
        self.sent: list[SentMessage] = []
        #: Sends refused by a quota (rate or daily), in order.
        self.throttled: list[ThrottledSend] = []
        #: Sends refused for other reasons (unverified identity, sending paused), in order.
        self.rejected: list[RejectedSend] = []
        #: Sends failed by a seeded transient fault (``transient_failures``), in order.
        self.faults: list[FaultedSend] = []
        #: Every request, in order, retries included.
        self.requests: list[SesRequest] = []
        # Every ledger entry, in the order decided (what `dropped` reads).
        self._ledger: list[LedgerEntry] = []
        self._faults = TransientFaults(self.options.transient_failures, self.options.seed)
        #: Tracebacks of bugs in the fake itself (answered as InternalFailure);
        #: the pytest fixture fails the test when this is not empty.
        self.internal_errors: list[str] = []
        # Each region's quotas when set up and after each change, in order (reports).
        self._quota_log: list[QuotaChange] = []
        # Usage already on the account at start, in the main region and any region set up.
        for region in {self.options.region, *self.options.regions}:
            self._state(region)

    def reset(self) -> None:
        """Back to the account the options describe: quotas, usage (the options'
        ``sent_last_24_hours``, placed now), identities, templates and the ledger.
        The clock keeps its time and its scheduled actions."""
        with self._lock:
            self._setup()

    # -- configuration --------------------------------------------------------
    def _default_quota(self, region: str) -> RegionQuota:
        s = self.options.settings(region)
        return RegionQuota(
            max_24_hour_send=s.max_24_hour_send,
            max_send_rate=s.max_send_rate,
            burst=s.burst,
            daily=s.daily,
        )

    def _state(self, region: str | None) -> _Region:
        name = region or self.region
        with self._lock:
            state = self._regions.get(name)
            if state is None:
                s = self.options.settings(name)
                state = _Region(
                    production=s.production,
                    sending_enabled=s.sending_enabled,
                    check_identities=s.verified is not None,
                )
                for identity in s.verified or ():
                    self._add_identity(state, identity, "Success")
                self._regions[name] = state
                self._engine.add_usage(name, s.sent_last_24_hours)
                self._log_quota(name, s.sent_last_24_hours)
            return state

    def _log_quota(self, region: str, usage: int | None) -> None:
        q = self._engine.region(region)
        self._quota_log.append(
            QuotaChange(self.clock.now(), region, q.max_24_hour_send, q.max_send_rate, usage)
        )

    def regions(self) -> list[str]:
        """Regions the account has been used in: the main region first, then the others."""
        with self._lock:
            others = sorted(set(self._regions) | set(self._engine.regions))
        return [self.region, *(r for r in others if r != self.region)]

    def _region_name(self, region: str | None) -> str:
        self._state(region)
        return region or self.region

    @staticmethod
    def _add_identity(state: _Region, name: str, status: Any) -> Identity:
        key = name.lower()
        kind: Literal["EmailAddress", "Domain"] = "EmailAddress" if "@" in key else "Domain"
        identity = state.identities.get(key)
        if identity is None:
            token = secrets.token_urlsafe(32)[:44] if kind == "Domain" else None
            identity = state.identities[key] = Identity(name, kind, status, token)
        else:
            identity.status = status
        return identity

    def quota(self, region: str | None = None) -> tuple[float, float, float]:
        """``(max_24_hour_send, max_send_rate, sent_last_24_hours)``, as GetSendQuota says."""
        name = self._region_name(region)
        q = self._engine.region(name)
        return (
            q.max_24_hour_send,
            q.max_send_rate,
            float(self._engine.sent_last_24_hours(name)),
        )

    def available_rate(self, region: str | None = None) -> float:
        """Rate allowance available now, in recipients (negative while in debt)."""
        return self._engine.available(self._region_name(region))

    def set_quota(
        self,
        *,
        max_24_hour_send: float | None = None,
        max_send_rate: float | None = None,
        burst: float | None = None,
        daily: DailyMode | None = None,
        sent_last_24_hours: int | None = None,
        region: str | None = None,
    ) -> None:
        """Change a region's quotas; takes effect on the next send.

        ``sent_last_24_hours`` replaces the rolling usage with that many recipients sent now.
        """
        check = Checker("set_quota()")
        name = self._region_name(region)
        self._engine.configure(
            name,
            max_24_hour_send=check.value("max_24_hour_send", max_24_hour_send),
            max_send_rate=check.value("max_send_rate", max_send_rate),
            burst=check.value("burst", burst),
            daily=None if daily is None else check.value("daily", daily),
        )
        usage = None
        if sent_last_24_hours is not None:
            usage = check.value("sent_last_24_hours", sent_last_24_hours)
            self._engine.reset_usage(name, usage)
        with self._lock:
            self._log_quota(name, usage)

    def in_sandbox(self, region: str | None = None) -> bool:
        return not self._state(region).production

    def move_out_of_sandbox(
        self,
        region: str | None = None,
        *,
        max_24_hour_send: float | None = None,
        max_send_rate: float | None = None,
    ) -> None:
        """Grant production access: recipients need no verification, and the quotas
        rise to the production profile's (50,000 / 14 per second) unless given."""
        daily, rate = PROFILES["production"]
        name = self._region_name(region)
        with self._lock:
            self._state(name).production = True
        self.set_quota(
            max_24_hour_send=max_24_hour_send or daily,
            max_send_rate=max_send_rate or rate,
            region=name,
        )

    # -- leaving the sandbox (seed 004) ------------------------------------------
    def request_production_access(self, region: str | None = None) -> ProductionAccessReview:
        """Open a review of a request to leave the sandbox (what PutAccountDetails with
        ``ProductionAccessEnabled=True`` does): ``PENDING`` until the test answers it with
        :meth:`grant_production_access` or :meth:`deny_production_access`."""
        state = self._state(region)
        with self._lock:
            review = state.review
            if review is None or review.status in ("DENIED", "FAILED"):
                review = self._open_review(state, "PENDING")
            return review

    def _open_review(self, state: _Region, status: ReviewStatus) -> ProductionAccessReview:
        review = state.review = ProductionAccessReview(
            case_id=str(secrets.randbelow(9 * 10**9) + 10**9),  # ten digits
            status=status,
            opened=self.clock.now(),
        )
        return review

    def production_access_review(self, region: str | None = None) -> ProductionAccessReview | None:
        """The latest request to leave the sandbox, if any."""
        return self._state(region).review

    def _answer_review(self, state: _Region, status: ReviewStatus) -> None:
        with self._lock:
            review = state.review or self._open_review(state, status)
            review.status = status

    def grant_production_access(
        self,
        *,
        max_24_hour_send: float | None = None,
        max_send_rate: float | None = None,
        region: str | None = None,
    ) -> None:
        """Answer the review: production access granted, with these quotas (the
        production profile's 50,000 per 24 h and 14 per second unless given)."""
        state = self._state(region)
        self.move_out_of_sandbox(
            region, max_24_hour_send=max_24_hour_send, max_send_rate=max_send_rate
        )
        self._answer_review(state, "GRANTED")

    def deny_production_access(self, *, region: str | None = None) -> None:
        """Answer the review: denied. The account stays in the sandbox and may ask again."""
        self._answer_review(self._state(region), "DENIED")

    def put_account_details(self, details: dict[str, Any], region: str | None = None) -> None:
        """Store PutAccountDetails' fields (GetAccount returns them as ``Details``)."""
        state = self._state(region)
        with self._lock:
            state.details = dict(details)

    def account_details(self, region: str | None = None) -> dict[str, Any] | None:
        return self._state(region).details

    def set_enforcement_status(self, status: EnforcementStatus, region: str | None = None) -> None:
        """What GetAccount reports as ``EnforcementStatus``. ``SHUTDOWN`` is AWS pausing
        the account: every send is refused with ``MessageRejected: Sending paused for this
        account. ...`` (SMTP: ``554 Message rejected: ...``), as real SES answers then."""
        if status not in ENFORCEMENT_STATUSES:
            raise ValueError(
                f"set_enforcement_status({status!r}): valid statuses: "
                + ", ".join(repr(s) for s in ENFORCEMENT_STATUSES)
            )
        self._state(region).enforcement_status = status

    def enforcement_status(self, region: str | None = None) -> EnforcementStatus:
        return self._state(region).enforcement_status

    def schedule(
        self,
        after: timedelta | float | None = None,
        *,
        at: datetime | None = None,
        action: Callable[[], object],
    ) -> ScheduledAction:
        """Run ``action()`` when the virtual clock passes ``after`` from now (a timedelta
        or seconds) or the moment ``at``, e.g. ``schedule(after=timedelta(hours=24),
        action=account.grant_production_access)``. The clock stops at that moment to run it."""
        if (after is None) == (at is None):
            raise TypeError("schedule() takes exactly one of after= or at=")
        if at is None:
            assert after is not None
            delta = after if isinstance(after, timedelta) else timedelta(seconds=after)
            if delta < timedelta():
                raise ValueError(f"schedule(after={after!r}): the delay cannot be negative")
            at = self.clock.now() + delta
        return self.clock.call_at(at, action)

    def verify(self, *identities: str, region: str | None = None) -> None:
        """Mark addresses or domains verified in a region (as if the link was clicked)."""
        if not identities:
            raise TypeError("verify() needs at least one address or domain")
        state = self._state(region)
        with self._lock:
            for identity in identities:
                if not isinstance(identity, str) or not identity.strip():
                    raise ValueError(f"{identity!r} is not an email address or a domain")
                self._add_identity(state, identity.strip(), "Success")

    def check_identities(self, enabled: bool = True, region: str | None = None) -> None:
        """Turn the verified-identity check on or off (the marker's ``verified`` does this)."""
        self._state(region).check_identities = enabled

    def pause_sending(self, region: str | None = None) -> None:
        """Disable sending, as UpdateAccountSendingEnabled(Enabled=False) does."""
        self._state(region).sending_enabled = False

    def resume_sending(self, region: str | None = None) -> None:
        self._state(region).sending_enabled = True

    def sending_enabled(self, region: str | None = None) -> bool:
        return self._state(region).sending_enabled

    # -- identities and templates (used by the API front doors) ----------------
    def request_identity(self, name: str, region: str | None = None) -> Identity:
        """An identity asked for through the API: pending until :meth:`verify`."""
        state = self._state(region)
        with self._lock:
            existing = state.identities.get(name.lower())
            if existing is not None and existing.status == "Success":
                return existing
            return self._add_identity(state, name, "Pending")

    def identities(self, region: str | None = None) -> list[Identity]:
        with self._lock:
            return list(self._state(region).identities.values())

    def identity(self, name: str, region: str | None = None) -> Identity | None:
        return self._state(region).identities.get(name.lower())

    def delete_identity(self, name: str, region: str | None = None) -> None:
        with self._lock:
            self._state(region).identities.pop(name.lower(), None)

    def is_verified(self, address: str, region: str | None = None) -> bool:
        state = self._state(region)
        bare = address_of(address)
        domain = bare.rpartition("@")[2]
        for key in (bare, domain):
            identity = state.identities.get(key)
            if identity is not None and identity.status == "Success":
                return True
        return False

    def templates(self, region: str | None = None) -> dict[str, Template]:
        return self._state(region).templates

    # -- statistics -----------------------------------------------------------
    def _count_stat(self, state: _Region, column: int, amount: int) -> None:
        now = self.clock.time()
        period = math.floor(now / STATS_PERIOD) * STATS_PERIOD
        row = state.stats.get(period)
        if row is None:
            row = state.stats[period] = [0, 0, 0, 0]
            if len(state.stats) > STATS_HORIZON / STATS_PERIOD + 1:
                horizon = now - STATS_HORIZON
                for old in [p for p in state.stats if p < horizon]:
                    del state.stats[old]
        row[column] += amount

    def record_bounces(self, count: int = 1, *, region: str | None = None) -> None:
        """Count bounces now, as GetSendStatistics' ``Bounces`` reports them."""
        self._feedback("record_bounces", 1, count, region)

    def record_complaints(self, count: int = 1, *, region: str | None = None) -> None:
        """Count complaints now, as GetSendStatistics' ``Complaints`` reports them."""
        self._feedback("record_complaints", 2, count, region)

    def _feedback(self, what: str, column: int, count: int, region: str | None) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{what}({count!r}): expected a whole number >= 0")
        state = self._state(region)
        with self._lock:
            self._count_stat(state, column, count)

    def send_statistics(self, region: str | None = None) -> list[dict[str, Any]]:
        """GetSendStatistics' data points: one per 15-minute period with activity, last 14 days."""
        state = self._state(region)
        horizon = self.clock.time() - STATS_HORIZON
        with self._lock:
            rows = sorted(
                (p, list(r)) for p, r in state.stats.items() if p + STATS_PERIOD > horizon
            )
        return [
            {
                "Timestamp": datetime.fromtimestamp(p, timezone.utc),
                "DeliveryAttempts": r[0],
                "Bounces": r[1],
                "Complaints": r[2],
                "Rejects": r[3],
            }
            for p, r in rows
        ]

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
    ) -> list[SentMessage | SendRefused]:
        """Decide several messages of one call (a bulk send), each ``(recipients, content)``.

        Each message gets its result, in order: the :class:`SentMessage`, or the
        :class:`SendRefused` saying why not. With ``whole_call`` the quotas decide the call at
        once, on the sum of the recipients that pass the other checks: accepted together, or
        all dropped and the :class:`SendRefused` raised for the whole call.
        """
        name = self._region_name(region)
        state = self._state(name)
        # The clock holds still meanwhile: the time in the ledger is the very instant
        # the quotas judged, even while other threads' sleeps move the clock.
        with self._lock, self.clock.still() as now:
            call = _Call(self, state, name, operation, source, api, now)
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
        self, state: _Region, name: str, source: str, recipients: Sequence[str]
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

    @property
    def dropped(self) -> list[DroppedMessage]:
        """Every message refused by a quota or a transient fault and never accepted later
        (same source, recipients, subject and body), with the refusals it got."""
        with self._lock:
            return dropped_messages(list(self._ledger))

    @property
    def seed(self) -> int:
        """The seed of the transient faults (the marker's ``seed``, or one picked at random)."""
        return self._faults.seed

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

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.region} sent={len(self.sent)} "
            f"throttled={len(self.throttled)} "
            f"rejected={len(self.rejected)} at {self.clock.now().isoformat()}>"
        )
