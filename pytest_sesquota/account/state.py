"""An account's state: its options, clock, regions, quota engine and ledger lists.

Every part of the account (quotas, review, identities, statistics, sending) builds on
:class:`AccountState`; the parts hold behaviour only.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ..clock.sesclock import ScheduledAction, SesClock
from ..quota.api_rate import ApiRateLimit
from ..quota.engine import QuotaEngine, RegionQuota
from .faults import TransientFaults
from .ledger import (
    EnforcementStatus,
    FaultedSend,
    Identity,
    LedgerEntry,
    ProductionAccessReview,
    QuotaChange,
    RejectedSend,
    SentMessage,
    SesRequest,
    Template,
    ThrottledSend,
)
from .options import SesQuotaOptions, merge
from .recipients import SuppressionList


@dataclass
class RegionState:
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
    suppression: SuppressionList = field(default_factory=SuppressionList)


class AccountState:
    """The state every part of the account shares, and its life (set up, reset, schedule)."""

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
            else SesClock(
                options.start, time_backend=options.time_backend, auto_tick=options.auto_tick
            )
        )
        self._lock = threading.RLock()
        # Per thread: the outcomes of the request being answered (see `recording`).
        self._recording = threading.local()
        self._observers: list[Callable[[SesRequest], object]] = []
        self._setup()

    def _setup(self) -> None:
        """The account as its options describe it: no usage but the options', no ledger."""
        self._engine = QuotaEngine(self.clock.time, self._default_quota)
        self._regions: dict[str, RegionState] = {}
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
        rate = self.options.api_rate_limit
        self._api_rate = None if rate is None else ApiRateLimit(self.clock.time, rate)
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

    def _state(self, region: str | None) -> RegionState:
        name = region or self.region
        with self._lock:
            state = self._regions.get(name)
            if state is None:
                s = self.options.settings(name)
                state = RegionState(
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
    def _add_identity(state: RegionState, name: str, status: Any) -> Identity:
        key = name.lower()
        kind: Literal["EmailAddress", "Domain"] = "EmailAddress" if "@" in key else "Domain"
        identity = state.identities.get(key)
        if identity is None:
            token = secrets.token_urlsafe(32)[:44] if kind == "Domain" else None
            identity = state.identities[key] = Identity(name, kind, status, token)
        else:
            identity.status = status
        return identity

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

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.region} sent={len(self.sent)} "
            f"throttled={len(self.throttled)} "
            f"rejected={len(self.rejected)} at {self.clock.now().isoformat()}>"
        )
