"""The reputation of the account's configuration sets and tenants: each one's bounce and
complaint rates from the sends that used it, and what SES does with them.

- A **configuration set** whose reputation metrics are enabled (``ReputationOptions``'
  ``ReputationMetricsEnabled``) has its rates counted from the sends through it, and
  published to CloudWatch with the ``ses:configuration-set`` dimension (the SES guide's
  "Viewing and exporting reputation metrics"). SES never pauses a set by itself: the guide
  has users do it with an alarm on these metrics and UpdateConfigurationSetSendingEnabled.
  Enabling a disabled set's sending again is a fresh start of its rates (``LastFreshStart``).
- A **tenant** (its reputation entity) has its rates counted from the sends naming it, and
  judged against the region's reputation policy (``account/reputation.py``): a rate at its
  review threshold is a ``LOW``-impact finding, at its pause threshold a ``HIGH`` one
  (``ReputationImpact``). The entity's managed policy decides what a finding does:
  ``strict`` pauses on any, ``standard`` on a ``HIGH`` one, ``none`` never. A pause is the
  AWS-managed status ``DISABLED`` with the finding as its cause: the tenant's sends are
  refused as any paused tenant's. The customer's ``REINSTATED`` lifts a pause the policy
  made; the findings then active are tolerated until they clear or a worse one comes.

What counts is what the account's rates count (hard bounces and complaints of real
recipients, at their events' times; not the mailbox simulator's, not the suppression
list's). Nothing is judged per send without a set or a tenant.
"""

from __future__ import annotations

__all__ = [
    "PAUSES_AT",
    "EntityChange",
    "EntityKind",
    "EntityReputation",
    "EntityReputationMetrics",
]

import heapq
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from .advisor import Recommendation
from .configuration_sets import ConfigurationSets
from .ledger import SentMessage
from .mailboxes import Mailboxes
from .options import RegionSettings
from .part import Context, Part
from .reputation import (
    Feedback,
    RatePoint,
    Reputation,
    ReputationPolicy,
    counted_feedback,
    eligible_recipients,
    window_counts,
)
from .tenants import StatusRecord, Tenant, Tenants

EntityKind = Literal["configuration-set", "tenant"]
#: The least finding's impact each managed policy pauses a tenant on (a choice: SES
#: describes the policies, not their numbers; docs/choices.md).
PAUSES_AT: dict[str, str | None] = {"strict": "LOW", "standard": "HIGH", "none": None}
_RANK = {None: 0, "LOW": 1, "HIGH": 2}
_BUCKET = 3600.0  # whole hours, as the account's counts


@dataclass(frozen=True)
class EntityChange:
    """A finding or a sending status a tenant's rates (or its customer) changed."""

    time: datetime
    #: The AWS-managed status after the change (``ENABLED`` or ``DISABLED``).
    status: str
    #: The finding's impact then: ``LOW``, ``HIGH`` or ``None`` (no active finding).
    impact: str | None
    cause: str
    bounce_rate: float
    complaint_rate: float


@dataclass(frozen=True)
class EntityReputationMetrics:
    """A configuration set's or a tenant's rates now (``ses_account.tenant_reputation()``,
    ``ses_account.configuration_set_reputation()``)."""

    region: str
    kind: EntityKind
    name: str
    time: datetime
    bounce_rate: float
    complaint_rate: float
    #: Eligible recipients of its sends in the window; its hard bounces and complaints.
    volume: int
    hard_bounces: int
    complaints: int
    #: A tenant's ``ReputationImpact`` and ``SendingStatusAggregate``; ``None`` for a set.
    impact: str | None = None
    status: str | None = None
    changes: tuple[EntityChange, ...] = field(default=())


@dataclass
class _Scope:
    """One set's or tenant's counts, as the account's (``account/reputation.py``)."""

    #: hour (epoch // 3600) -> [eligible recipients, hard bounces, complaints]
    counts: dict[int, list[int]] = field(default_factory=dict)
    pending: list[Feedback] = field(default_factory=list)
    #: Whether the counts hold a bounce or complaint (then each send is weighed too), and
    #: the latest send not weighed yet (epoch).
    feedback: bool = False
    unweighed: float | None = None
    #: A set's fresh start counted from (epoch), if any.
    since: float | None = None
    #: The tenant's creation (epoch): a tenant deleted and made again starts afresh.
    owner: float | None = None
    #: The active finding, for ListRecommendations: since when, its last change, its cause.
    found: tuple[datetime, datetime, str] | None = None
    impact: str | None = None
    #: When the policy paused the tenant (its AWS-managed status's time), if it did.
    paused: datetime | None = None
    #: The impact a reinstatement tolerates (rank): only a worse finding pauses again.
    tolerated: int = 0
    changes: list[EntityChange] = field(default_factory=list)

    @property
    def due(self) -> bool:
        return bool(self.pending) or self.unweighed is not None


class EntityReputation(Part):
    """Bounce and complaint rates per configuration set and per tenant, per region."""

    key = "entity_reputation"

    def __init__(
        self,
        context: Context,
        *,
        reputation: Reputation,
        mailboxes: Mailboxes,
        configuration_sets: ConfigurationSets,
        tenants: Tenants,
    ) -> None:
        super().__init__(context)
        self.reputation = reputation
        self.mailboxes = mailboxes
        self.configuration_sets = configuration_sets
        self.tenants = tenants
        self._scopes: dict[str, dict[tuple[EntityKind, str], _Scope]] = {}
        # The account's judge brings these up too (a set's CloudWatch points at a send or
        # GetAccount); the tenants ask before a status is read.
        reputation.entities = self.judge
        tenants.judge = self._judge_if_due
        tenants.on_entity_change = self._entity_changed

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._scopes[region] = {}

    # -- counting (each accepted message, under the account's lock) --------------------
    def accepted(self, message: SentMessage) -> None:
        set_name, tenant = message.configuration_set, message.tenant_name
        if set_name is None and tenant is None:
            return
        region = message.region
        targets: list[tuple[EntityKind, str]] = []
        fresh: datetime | None = None
        if set_name is not None:
            found = self.configuration_sets.get(set_name, region)
            if found is not None and found.reputation_metrics_enabled:
                targets.append(("configuration-set", set_name))
                fresh = found.last_fresh_start
        owner: float | None = None
        if tenant is not None:
            targets.append(("tenant", tenant))
            made = self.tenants.stored(tenant, region)
            owner = None if made is None else made.created.timestamp()
        if not targets:
            return
        eligible = eligible_recipients(message)
        if not eligible:
            return
        feedback: list[Feedback] = []
        if (message.bounced or message.complained) and message.rendering_failure is None:
            feedback = counted_feedback(message, self.mailboxes)
        scopes = self._scopes[region]
        sent = message.time.timestamp()
        window = self.reputation.policy(region).window
        for key in targets:
            scope = scopes.get(key)
            if scope is None or (key[0] == "tenant" and scope.owner != owner):
                scope = scopes[key] = _Scope(owner=owner)
            if key[0] == "configuration-set" and fresh is not None:
                _fresh_start(scope, fresh.timestamp())
            _row(scope, sent, window)[0] += eligible
            if scope.feedback and key[0] == "tenant":
                scope.unweighed = sent
            for item in feedback:
                heapq.heappush(scope.pending, item)
            if scope.due:
                self.reputation.busy.add(region)
        self.changed(region)

    # -- judging ------------------------------------------------------------------------
    def _judge_if_due(self, region: str) -> None:
        if region in self.reputation.busy:
            self.judge(region)

    def judge(self, region: str) -> None:
        """Bring the region's sets and tenants up to now: each counted event in time
        order, each tenant weighed at it."""
        now = self.clock.now()
        with self.lock:
            due = False
            for (kind, name), scope in self._scopes[region].items():
                if scope.due:
                    self._bring(region, kind, name, scope, now)
                    due = due or scope.due
            if not due:
                self.reputation.busy.discard(region)

    def _bring(
        self, region: str, kind: EntityKind, name: str, scope: _Scope, now: datetime
    ) -> None:
        limit = now.timestamp()
        while True:
            due = scope.pending[0][0] if scope.pending else math.inf
            sent = math.inf if scope.unweighed is None else scope.unweighed
            moment = min(due, sent)
            if moment > limit:
                return
            at = datetime.fromtimestamp(moment, now.tzinfo)
            if sent == moment:
                scope.unweighed = None
                self._weigh(region, name, scope, at)
                continue
            epoch, what = heapq.heappop(scope.pending)
            if scope.since is not None and epoch < scope.since:
                continue  # sent before the set's fresh start
            row = scope.counts.setdefault(math.floor(epoch / _BUCKET), [0, 0, 0])
            row[1 if what == "bounce" else 2] += 1
            scope.feedback = True
            self.changed(region)
            if kind == "tenant":
                self._weigh(region, name, scope, at)
            else:
                self._tell(region, name, scope, at)

    def _tell(self, region: str, name: str, scope: _Scope, at: datetime) -> None:
        """The set's rates at a counted bounce or complaint, to CloudWatch (while its
        reputation metrics are enabled)."""
        found = self.configuration_sets.get(name, region)
        if found is None or not found.reputation_metrics_enabled:
            return
        volume, bounces, complaints = self._window(region, scope, at)
        if volume:
            self.reputation.publish(
                RatePoint(region, at, bounces / volume, complaints / volume, name)
            )

    def _weigh(self, region: str, name: str, scope: _Scope, at: datetime) -> None:
        """A counted event of the tenant, or a send while its window holds one: its
        finding, and what its policy does with it."""
        tenant = self.tenants.stored(name, region)
        policy = self.reputation.policy(region)
        if tenant is None or not policy.enforced or scope.owner != tenant.created.timestamp():
            return
        volume, bounces, complaints = self._window(region, scope, at)
        rates = (bounces / volume, complaints / volume) if volume else (0.0, 0.0)
        impact, cause = _finding(policy, *rates)
        if volume < policy.minimum_volume:  # too little mail to judge: no finding
            impact, cause = None, f"{volume} eligible emails in the window: too few to judge"
        if impact != scope.impact:
            scope.impact = tenant.reputation_impact = impact
            if impact is None:
                scope.tolerated, scope.found = 0, None
            else:
                since = at if scope.found is None else scope.found[0]
                scope.found = (since, at, cause)
            self._note(region, tenant, scope, at, cause, rates)
        self._apply(region, tenant, scope, at, cause, rates)

    def _apply(
        self,
        region: str,
        tenant: Tenant,
        scope: _Scope,
        at: datetime,
        cause: str,
        rates: tuple[float, float],
    ) -> None:
        """Pause the tenant if its policy pauses on its finding (and no reinstatement
        tolerates it)."""
        least = PAUSES_AT.get(tenant.reputation_policy.rpartition("/")[2])
        rank = _RANK[scope.impact]
        if least is None or rank < _RANK[least] or rank <= scope.tolerated:
            return
        if tenant.aws_status.status == "DISABLED":
            return
        policy = tenant.reputation_policy.rpartition("/")[2]
        text = f"{cause} ({scope.impact} impact): sending paused by the {policy} policy."
        tenant.aws_status = StatusRecord("DISABLED", at, text)
        scope.paused = at
        self._note(region, tenant, scope, at, text, rates)

    def _note(
        self,
        region: str,
        tenant: Tenant,
        scope: _Scope,
        at: datetime,
        cause: str,
        rates: tuple[float, float],
    ) -> None:
        scope.changes.append(
            EntityChange(at, tenant.aws_status.status, scope.impact, cause, *rates)
        )
        self.tenants.update(region)
        self.changed(region)

    def _entity_changed(self, region: str, name: str, reinstated: bool) -> None:
        """The tenant's policy or customer status changed: a reinstatement lifts the
        policy's pause, another policy may pause on the finding now."""
        now = self.clock.now()
        with self.lock:
            self.judge(region)
            tenant = self.tenants.stored(name, region)
            scope = self._scopes[region].get(("tenant", name))
            if tenant is None or scope is None or scope.owner != tenant.created.timestamp():
                return
            volume, bounces, complaints = self._window(region, scope, now)
            rates = (bounces / volume, complaints / volume) if volume else (0.0, 0.0)
            if reinstated:
                scope.tolerated = _RANK[scope.impact]
                ours = tenant.aws_status.status == "DISABLED" and (
                    tenant.aws_status.updated == scope.paused
                )
                if ours:
                    tenant.aws_status = StatusRecord("ENABLED", now)
                    scope.paused = None
                    self._note(region, tenant, scope, now, "reinstated by the customer", rates)
                return
            if scope.impact is not None and self.reputation.policy(region).enforced:
                cause = _finding(self.reputation.policy(region), *rates)[1]
                self._apply(region, tenant, scope, now, cause, rates)

    def _window(self, region: str, scope: _Scope, at: datetime) -> tuple[int, int, int]:
        return window_counts(scope.counts, self.reputation.policy(region).window, at)

    def findings(self, region: str) -> list[Recommendation]:
        """The tenants' active findings as the advisor lists them (ListRecommendations:
        type ``BOUNCE`` or ``COMPLAINT``, the tenant's ARN, the finding's impact)."""
        self._judge_if_due(region)
        found = []
        with self.lock:
            for (kind, name), scope in self._scopes[region].items():
                tenant = self.tenants.stored(name, region) if kind == "tenant" else None
                if tenant is None or scope.found is None or scope.impact is None:
                    continue
                if scope.owner != tenant.created.timestamp():
                    continue
                since, updated, cause = scope.found
                found.append(
                    Recommendation(
                        resource_arn=tenant.arn(region),
                        type="BOUNCE" if cause.startswith("Bounce") else "COMPLAINT",
                        description=f"Tenant {name}: {cause}.",
                        status="OPEN",
                        impact=scope.impact,
                        created=since,
                        updated=updated,
                    )
                )
        return found

    # -- what tests read ----------------------------------------------------------------
    def tenant_reputation(self, name: str, region: str | None = None) -> EntityReputationMetrics:
        """A tenant's bounce and complaint rates now (virtual time), over the region's
        window, its finding (``impact``), its sending status and every change its rates
        made (``changes``)."""
        where = self.region(region)
        tenant = self.tenants.tenant(name, where)
        if tenant is None:
            known = ", ".join(repr(t.name) for t in self.tenants.tenants(where)) or "none"
            raise LookupError(
                f"tenant_reputation({name!r}): no such tenant in {where}; tenants: {known}"
            )
        return self._metrics(where, "tenant", name, tenant)

    def configuration_set_reputation(
        self, name: str, region: str | None = None
    ) -> EntityReputationMetrics:
        """A configuration set's bounce and complaint rates now (virtual time), from its
        sends while its reputation metrics were enabled, since its last fresh start."""
        where = self.region(region)
        found = self.configuration_sets.get(name, where)
        if found is None:
            known = ", ".join(repr(n) for n in self.configuration_sets.names(where)) or "none"
            raise LookupError(
                f"configuration_set_reputation({name!r}): no such configuration set in "
                f"{where}; configuration sets: {known}"
            )
        self.judge(where)
        with self.lock:
            scope = self._scopes[where].get(("configuration-set", name))
            if scope is not None and found.last_fresh_start is not None:
                _fresh_start(scope, found.last_fresh_start.timestamp())
        return self._metrics(where, "configuration-set", name, None)

    def _metrics(
        self, region: str, kind: EntityKind, name: str, tenant: Tenant | None
    ) -> EntityReputationMetrics:
        now = self.clock.now()
        with self.lock:
            scope = self._scopes[region].get((kind, name)) or _Scope()
            if tenant is not None and scope.owner != tenant.created.timestamp():
                scope = _Scope()  # the rates of a tenant deleted since
            volume, bounces, complaints = self._window(region, scope, now)
            return EntityReputationMetrics(
                region=region,
                kind=kind,
                name=name,
                time=now,
                bounce_rate=bounces / volume if volume else 0.0,
                complaint_rate=complaints / volume if volume else 0.0,
                volume=volume,
                hard_bounces=bounces,
                complaints=complaints,
                impact=None if tenant is None else tenant.reputation_impact,
                status=None if tenant is None else tenant.sending_status,
                changes=tuple(scope.changes),
            )

    # -- the state file --------------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [
            {
                "kind": kind,
                "name": name,
                "counts": [[hour, *row] for hour, row in scope.counts.items()],
                "pending": [list(item) for item in scope.pending],
                "feedback": scope.feedback,
                "unweighed": scope.unweighed,
                "since": scope.since,
                "owner": scope.owner,
                "found": None if scope.found is None else list(scope.found),
                "impact": scope.impact,
                "paused": scope.paused,
                "tolerated": scope.tolerated,
                "changes": [asdict(change) for change in scope.changes],
            }
            for (kind, name), scope in self._scopes[region].items()
        ]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        scopes: dict[tuple[EntityKind, str], _Scope] = {}
        for item in data:
            scope = _Scope(
                counts={int(hour): list(row) for hour, *row in item["counts"]},
                pending=[(float(at), kind) for at, kind in item["pending"]],
                feedback=item["feedback"],
                unweighed=item["unweighed"],
                since=item["since"],
                owner=item["owner"],
                found=None if item["found"] is None else tuple(item["found"]),
                impact=item["impact"],
                paused=item["paused"],
                tolerated=item["tolerated"],
                changes=[EntityChange(**change) for change in item["changes"]],
            )
            heapq.heapify(scope.pending)
            scopes[item["kind"], item["name"]] = scope
            if scope.due:
                self.reputation.busy.add(region)
        self._scopes[region] = scopes


def _row(scope: _Scope, sent: float, window: timedelta) -> list[int]:
    index = math.floor(sent / _BUCKET)
    row = scope.counts.get(index)
    if row is None:
        row = scope.counts[index] = [0, 0, 0]
        # An hour begins: what has left the window is forgotten.
        oldest = index - math.ceil(window.total_seconds() / _BUCKET)
        for gone in [h for h in scope.counts if h < oldest]:
            del scope.counts[gone]
    return row


def _fresh_start(scope: _Scope, since: float) -> None:
    """A set's sending enabled again: its rates count afresh from then."""
    if scope.since is None or scope.since < since:
        scope.since = since
        first = math.floor(since / _BUCKET)
        for hour in [h for h in scope.counts if h < first]:
            del scope.counts[hour]


def _finding(
    policy: ReputationPolicy, bounce_rate: float, complaint_rate: float
) -> tuple[str | None, str]:
    """The finding's impact for these rates, and its cause in words."""
    for impact, bounce_limit, complaint_limit in (
        ("HIGH", policy.bounce_pause, policy.complaint_pause),
        ("LOW", policy.bounce_review, policy.complaint_review),
    ):
        if bounce_rate >= bounce_limit:
            return impact, f"Bounce rate {bounce_rate:.2%} >= {bounce_limit:.2%}"
        if complaint_rate >= complaint_limit:
            return impact, f"Complaint rate {complaint_rate:.2%} >= {complaint_limit:.2%}"
    return None, (
        f"Bounce rate {bounce_rate:.2%}, complaint rate {complaint_rate:.2%}: "
        "below the review thresholds"
    )
