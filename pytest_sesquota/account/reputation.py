"""The account's reputation: its bounce and complaint rates, judged on the virtual clock.

SES computes an account's bounce rate from the hard bounces of the mail it sends and its
complaint rate from the complaints, and acts on them (the AWS guide): at 5 % bounces or
0.1 % complaints the account is placed under review (``EnforcementStatus`` ``PROBATION``)
for a review period; still over at its end, or at 10 % / 0.5 % at any time, its sending
is paused (``SHUTDOWN``), and every send is refused with SES's captured text.

Only the recipients' own hard bounces and complaints count: not the mailbox simulator's,
not the suppression list's (the SES guide). The rates are taken over a window of time,
once the window holds enough mail to judge by: SES speaks of a "representative volume"
without numbers, so the window, the volume and the review period are choices
(docs/choices.md), each settable per region with :meth:`Reputation.set_reputation_policy`.

Nothing is decided per send but the counting: the status is judged when it is read (a
send's checks, GetAccount), at each counted bounce or complaint in time order, at each
send once the window holds one (the volume may reach the minimum), and at the end of a
review period, so that each change has the virtual time it happened.
"""

from __future__ import annotations

__all__ = [
    "REVIEW_OUTCOMES",
    "Feedback",
    "RatePoint",
    "Reputation",
    "ReputationMetrics",
    "ReputationPolicy",
    "StatusChange",
    "counted_feedback",
    "eligible_recipients",
    "window_counts",
]

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, get_args

from .enforcement import Enforcement
from .event_records import DELIVERY_AFTER
from .ledger import EnforcementStatus, SentMessage
from .lifecycle import COMPLAINT_AFTER
from .mailboxes import Mailboxes
from .options import RegionSettings
from .part import Context, Part
from .recipients import is_simulator
from .reputation_policy import ReputationPolicy

#: How a test ends a review, as SES's team would: the account resumes, or stays paused.
ReviewOutcome = Literal["resolved", "paused"]
REVIEW_OUTCOMES: tuple[ReviewOutcome, ...] = get_args(ReviewOutcome)
#: The counts are kept per hour of virtual time: the window's edges are whole hours.
_BUCKET = 3600.0
_Kind = Literal["bounce", "complaint"]
#: A counted hard bounce or complaint, at its event's time (epoch seconds).
Feedback = tuple[float, _Kind]
_Hour = tuple[datetime, datetime, list[int]]


@dataclass(frozen=True)
class StatusChange:
    """A change of ``EnforcementStatus`` the account's reputation made, and why."""

    time: datetime
    status: EnforcementStatus
    #: What SES's notice would say: the rate and its threshold, or the review's end.
    cause: str
    bounce_rate: float
    complaint_rate: float


@dataclass(frozen=True)
class ReputationMetrics:
    """The account's rates in a region now, against the policy (``ses_account.reputation()``)."""

    region: str
    time: datetime
    #: Hard bounces and complaints over the eligible recipients of the window.
    bounce_rate: float
    complaint_rate: float
    #: The eligible recipients in the window (the simulator and the suppression list apart).
    volume: int
    hard_bounces: int
    complaints: int
    status: EnforcementStatus
    policy: ReputationPolicy
    #: When the current review period ends (``PROBATION`` only).
    review_ends: datetime | None
    changes: tuple[StatusChange, ...] = field(default=())


@dataclass(frozen=True)
class RatePoint:
    """The rates at one moment, as CloudWatch's ``AWS/SES`` metrics carry them."""

    region: str
    time: datetime
    bounce_rate: float
    complaint_rate: float
    #: The configuration set whose rates these are (CloudWatch's ``ses:configuration-set``
    #: dimension); ``None`` for the account's.
    configuration_set: str | None = None


@dataclass
class _Region:
    """One region's counts and judgement."""

    policy: ReputationPolicy
    #: hour (epoch // 3600) -> [eligible recipients, hard bounces, complaints]
    counts: dict[int, list[int]] = field(default_factory=dict)
    #: Counted bounces and complaints still in the virtual future: (epoch, kind).
    pending: list[tuple[float, _Kind]] = field(default_factory=list)
    review_ends: datetime | None = None
    changes: list[StatusChange] = field(default_factory=list)
    #: Whether the counts hold a bounce or complaint: then each send may move the rate
    #: over a threshold too (the volume reaching the minimum), and is weighed.
    feedback: bool = False
    #: The latest send not weighed yet (epoch), while ``feedback``.
    unweighed: float | None = None
    #: The current hour's start, end and row of ``counts`` (not saved: found again).
    hour: _Hour | None = None


class Reputation(Part):
    """Bounce and complaint rates per region, and the ``EnforcementStatus`` they lead to."""

    key = "reputation"

    def __init__(
        self,
        context: Context,
        *,
        enforcement: Enforcement,
        mailboxes: Mailboxes,
        defer: Callable[[Callable[[], object]], None] | None = None,
    ) -> None:
        super().__init__(context)
        self.enforcement = enforcement
        self.mailboxes = mailboxes
        # Runs an action once nothing holds the account (the events' publishing turn).
        self._defer = defer or (lambda action: action())
        self._listeners: list[Callable[[RatePoint], object]] = []
        self._regions: dict[str, _Region] = {}
        #: The regions where configuration sets or tenants have rates to judge, and who
        #: judges them (``account/entity_reputation.py``): a set lookup per send else.
        self.busy: set[str] = set()
        self.entities: Callable[[str], None] | None = None
        enforcement.judge = self._judge

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._regions[region] = _Region(settings.reputation)

    # -- counting (each accepted message, under the account's lock) --------------------
    def accepted(self, message: SentMessage) -> None:
        state = self._regions[message.region]
        eligible = eligible_recipients(message)
        if not eligible:
            return
        # The hour's row, found again only when the hour changes (an aware datetime's
        # timestamp() costs more than the rest of this method).
        hour = state.hour
        if hour is None or not hour[0] <= message.time < hour[1]:
            hour = state.hour = self._hour(state, message.time)
        hour[2][0] += eligible
        if state.feedback:
            state.unweighed = message.time.timestamp()
        if (message.bounced or message.complained) and message.rendering_failure is None:
            for item in counted_feedback(message, self.mailboxes):
                heapq.heappush(state.pending, item)
        self.changed(message.region)

    @staticmethod
    def _hour(state: _Region, moment: datetime) -> _Hour:
        index = math.floor(moment.timestamp() / _BUCKET)
        row = state.counts.get(index)
        if row is None:
            row = state.counts[index] = [0, 0, 0]
            # An hour begins: what has left the window is forgotten (the state file
            # keeps the window's hours only).
            oldest = index - math.ceil(state.policy.window.total_seconds() / _BUCKET)
            for gone in [h for h in state.counts if h < oldest]:
                del state.counts[gone]
        start = datetime.fromtimestamp(index * _BUCKET, moment.tzinfo)
        return start, start + timedelta(seconds=_BUCKET), row

    # -- judging ------------------------------------------------------------------------
    def _judge(self, region: str) -> None:
        """Bring the region's status up to now: each counted event and review end in
        time order (the enforcement part asks before its status is read)."""
        if region in self.busy and self.entities is not None:
            self.entities(region)  # the configuration sets' and tenants' own rates
        state = self._regions[region]
        if not state.pending and state.review_ends is None and state.unweighed is None:
            return
        now = self.clock.now()
        with self.lock:
            while True:
                due = state.pending[0][0] if state.pending else math.inf
                ends = state.review_ends.timestamp() if state.review_ends is not None else math.inf
                sent = math.inf if state.unweighed is None else state.unweighed
                moment = min(due, ends, sent)
                if moment > now.timestamp():
                    return
                if ends == moment:
                    self._end_review(region, state, state.review_ends)  # type: ignore[arg-type]
                elif sent == moment:
                    state.unweighed = None
                    self._weigh(region, state, _at(sent, now))
                else:
                    at, kind = heapq.heappop(state.pending)
                    row = state.counts.setdefault(math.floor(at / _BUCKET), [0, 0, 0])
                    row[1 if kind == "bounce" else 2] += 1
                    state.feedback = True
                    self.changed(region)
                    self._weigh(region, state, _at(at, now))
                    if self._listeners:
                        self._tell(region, state, _at(at, now))

    def on_rates(self, listener: Callable[[RatePoint], object]) -> None:
        """Call ``listener(point)`` with the rates at each counted bounce or complaint
        (as SES publishes ``Reputation.BounceRate`` and ``Reputation.ComplaintRate`` to
        CloudWatch), once the call that judged it has returned."""
        self._listeners.append(listener)

    def _tell(self, region: str, state: _Region, at: datetime) -> None:
        volume, bounces, complaints = self._window(state, at)
        self.publish(RatePoint(region, at, bounces / volume, complaints / volume))

    def publish(self, point: RatePoint) -> None:
        """Hand ``point`` to the listeners of :meth:`on_rates` once the call that judged
        it has returned (a configuration set's points come this way too)."""
        for listener in self._listeners:
            self._defer(partial(listener, point))

    def policy(self, region: str) -> ReputationPolicy:
        """The region's policy as it stands (not judged anew)."""
        return self._regions[region].policy

    def _weigh(self, region: str, state: _Region, at: datetime) -> None:
        """A counted bounce or complaint happened at ``at``, or a send while the window
        holds some: does the status move?"""
        policy = state.policy
        status = self.enforcement.current(region)
        if not policy.enforced or status == "SHUTDOWN":
            return
        volume, bounces, complaints = self._window(state, at)
        if volume < policy.minimum_volume:
            return
        bounce_rate, complaint_rate = bounces / volume, complaints / volume
        if bounce_rate >= policy.bounce_pause or complaint_rate >= policy.complaint_pause:
            cause = _over(bounce_rate, complaint_rate, policy.bounce_pause, policy.complaint_pause)
            self._move(
                region,
                state,
                at,
                "SHUTDOWN",
                f"{cause}: sending paused",
                volume,
                bounces,
                complaints,
            )
        elif status == "HEALTHY" and (
            bounce_rate >= policy.bounce_review or complaint_rate >= policy.complaint_review
        ):
            cause = _over(
                bounce_rate, complaint_rate, policy.bounce_review, policy.complaint_review
            )
            state.review_ends = at + policy.review_period
            self._move(
                region,
                state,
                at,
                "PROBATION",
                f"{cause}: under review",
                volume,
                bounces,
                complaints,
            )

    def _end_review(self, region: str, state: _Region, at: datetime) -> None:
        policy = state.policy
        state.review_ends = None
        if self.enforcement.current(region) != "PROBATION":
            return  # the test set another status meanwhile
        volume, bounces, complaints = self._window(state, at)
        bounce_rate = bounces / volume if volume else 0.0
        complaint_rate = complaints / volume if volume else 0.0
        if bounce_rate >= policy.bounce_review or complaint_rate >= policy.complaint_review:
            cause = _over(
                bounce_rate, complaint_rate, policy.bounce_review, policy.complaint_review
            )
            self._move(
                region,
                state,
                at,
                "SHUTDOWN",
                f"review period ended, {cause}: sending paused",
                volume,
                bounces,
                complaints,
            )
        else:
            self._move(
                region,
                state,
                at,
                "HEALTHY",
                "review period ended, rates below the review thresholds",
                volume,
                bounces,
                complaints,
            )

    def _move(
        self,
        region: str,
        state: _Region,
        at: datetime,
        status: EnforcementStatus,
        cause: str,
        volume: int,
        bounces: int,
        complaints: int,
    ) -> None:
        if status != "PROBATION":
            state.review_ends = None
        rates = (bounces / volume, complaints / volume) if volume else (0.0, 0.0)
        state.changes.append(StatusChange(at, status, cause, *rates))
        self.enforcement.set_enforcement_status(status, region)
        self.changed(region)

    def _window(self, state: _Region, at: datetime) -> tuple[int, int, int]:
        return window_counts(state.counts, state.policy.window, at)

    # -- what tests read and set ------------------------------------------------------------
    def reputation(self, region: str | None = None) -> ReputationMetrics:
        """The bounce and complaint rates now (virtual time), the volume they are taken
        over, the ``EnforcementStatus`` and every change the rates made to it."""
        name = self.region(region)
        self._judge(name)
        now = self.clock.now()
        with self.lock:
            state = self._regions[name]
            volume, bounces, complaints = self._window(state, now)
            return ReputationMetrics(
                region=name,
                time=now,
                bounce_rate=bounces / volume if volume else 0.0,
                complaint_rate=complaints / volume if volume else 0.0,
                volume=volume,
                hard_bounces=bounces,
                complaints=complaints,
                status=self.enforcement.current(name),
                policy=state.policy,
                review_ends=state.review_ends,
                changes=tuple(state.changes),
            )

    def set_reputation_policy(
        self,
        *,
        bounce_review: float | None = None,
        bounce_pause: float | None = None,
        complaint_review: float | None = None,
        complaint_pause: float | None = None,
        window: timedelta | float | None = None,
        minimum_volume: int | None = None,
        review_period: timedelta | float | None = None,
        enforced: bool | None = None,
        region: str | None = None,
    ) -> ReputationPolicy:
        """Change when SES acts on the rates in a region (the others keep theirs); what is
        not given keeps its value. Rates are fractions (``bounce_review=0.05`` is 5 %);
        ``window`` and ``review_period`` a timedelta or seconds; ``enforced=False`` keeps
        the rates without ever moving the status."""
        name = self.region(region)
        given: dict[str, Any] = {
            "bounce_review": bounce_review,
            "bounce_pause": bounce_pause,
            "complaint_review": complaint_review,
            "complaint_pause": complaint_pause,
            "window": _span(window),
            "minimum_volume": minimum_volume,
            "review_period": _span(review_period),
            "enforced": enforced,
        }
        self._judge(name)
        with self.lock:
            state = self._regions[name]
            state.policy = replace(
                state.policy, **{k: v for k, v in given.items() if v is not None}
            )
            self.changed(name)
            return state.policy

    def set_review_outcome(self, outcome: ReviewOutcome, region: str | None = None) -> None:
        """End the account's review now as SES's team would: ``"resolved"`` (back to
        ``HEALTHY``, counting afresh from now) or ``"paused"`` (``SHUTDOWN``). An account
        paused for its reputation is resumed by ``"resolved"`` too."""
        if outcome not in REVIEW_OUTCOMES:
            raise ValueError(
                f"set_review_outcome({outcome!r}): valid outcomes: "
                + ", ".join(repr(o) for o in REVIEW_OUTCOMES)
            )
        name = self.region(region)
        self._judge(name)
        now = self.clock.now()
        with self.lock:
            state = self._regions[name]
            status = self.enforcement.current(name)
            if status == "HEALTHY":
                raise ValueError(
                    f"set_review_outcome({outcome!r}): the account in {name} is HEALTHY: "
                    "no review is open and its sending is not paused"
                )
            volume, bounces, complaints = self._window(state, now)
            if outcome == "resolved":
                # A fresh start: what was counted before the review's end no longer weighs.
                state.counts.clear()
                state.feedback, state.unweighed, state.hour = False, None, None
                self._move(
                    name, state, now, "HEALTHY", "review resolved", volume, bounces, complaints
                )
            elif status != "SHUTDOWN":
                self._move(
                    name,
                    state,
                    now,
                    "SHUTDOWN",
                    "review ended: sending paused",
                    volume,
                    bounces,
                    complaints,
                )

    # -- the state file --------------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        state = self._regions[region]
        policy = asdict(state.policy)
        for name in ("window", "review_period"):
            policy[name] = policy[name].total_seconds()
        return {
            "policy": policy,
            "counts": [[hour, *row] for hour, row in state.counts.items()],
            "pending": [list(item) for item in state.pending],
            "review_ends": state.review_ends,
            "changes": [asdict(change) for change in state.changes],
            "feedback": state.feedback,
            "unweighed": state.unweighed,
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        policy = dict(data["policy"])
        for name in ("window", "review_period"):
            policy[name] = timedelta(seconds=policy[name])
        state = _Region(ReputationPolicy(**policy))
        state.counts = {int(hour): list(row) for hour, *row in data["counts"]}
        state.pending = [(float(at), kind) for at, kind in data["pending"]]
        heapq.heapify(state.pending)
        state.review_ends = data["review_ends"]
        state.changes = [StatusChange(**change) for change in data["changes"]]
        state.feedback, state.unweighed = data["feedback"], data["unweighed"]
        self._regions[region] = state


def eligible_recipients(message: SentMessage) -> int:
    """How many of the message's recipients the rates are taken over: all but the mailbox
    simulator's, the suppressed ones and those kept from delivery."""
    skipped = message.suppressed or message.undelivered
    eligible = 0
    for recipient in message.recipients:
        if not is_simulator(recipient) and not (skipped and _skipped(message, recipient)):
            eligible += 1
    return eligible


def counted_feedback(message: SentMessage, mailboxes: Mailboxes) -> list[Feedback]:
    """The message's hard bounces and complaints that reputation counts, at the times
    SES's events have them (``account/lifecycle.py``)."""
    sent = message.time.timestamp()
    found: list[Feedback] = []
    feedback: tuple[tuple[tuple[str, ...], _Kind, timedelta], ...] = (
        (message.bounced, "bounce", DELIVERY_AFTER),
        (message.complained, "complaint", COMPLAINT_AFTER),
    )
    for recipients, kind, after in feedback:
        for recipient in recipients:
            box = mailboxes.of(recipient)
            if box is None or box.origin != "recipient" or _skipped(message, recipient):
                continue
            if kind == "bounce" and not (
                box.outcome == "bounce" and box.bounce_type == "Permanent"
            ):
                continue
            found.append((sent + after.total_seconds(), kind))
    return found


def _skipped(message: SentMessage, recipient: str) -> bool:
    """Never attempted: on the suppression list, or kept back by a part (a virus)."""
    return recipient in message.suppressed or recipient in message.undelivered


def _over(
    bounce_rate: float, complaint_rate: float, bounce_limit: float, complaint_limit: float
) -> str:
    if bounce_rate >= bounce_limit:
        return f"bounce rate {bounce_rate:.2%} >= {bounce_limit:.2%}"
    return f"complaint rate {complaint_rate:.2%} >= {complaint_limit:.2%}"


def _at(epoch: float, now: datetime) -> datetime:
    return datetime.fromtimestamp(epoch, now.tzinfo)


def _span(value: timedelta | float | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"set_reputation_policy(): {value!r} is no timedelta nor seconds")
    return timedelta(seconds=value)


def window_counts(
    counts: Mapping[int, Sequence[int]], window: timedelta, at: datetime
) -> tuple[int, int, int]:
    """Eligible recipients, hard bounces and complaints in the window ending at ``at``
    (the hours it overlaps), from counts kept per hour of virtual time."""
    moment = at.timestamp()
    first = math.floor((moment - window.total_seconds()) / _BUCKET) + 1
    last = math.floor(moment / _BUCKET)
    volume = bounces = complaints = 0
    for hour, (sent, bounced, complained) in counts.items():
        if first <= hour <= last:
            volume += sent
            bounces += bounced
            complaints += complained
    return volume, bounces, complaints
