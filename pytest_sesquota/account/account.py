"""The fake SES account: what it can do, in one place, over the parts that do it.

Each part owns one resource's state per region (``account/part.py``); this façade builds
them, sets every region up in each, and forwards its public names to them. Front doors
(botocore, SMTP and HTTP) translate their wire format into :meth:`Account.send` and
friends; the account decides, records, and raises :class:`SendRefused` with the kind of
refusal when SES would refuse. Adding a resource is one part module and one line in
:meth:`Account._build`; its state file rows come with it (``serve/store.py``).
"""

from __future__ import annotations

__all__ = ["Account", "P", "PartT", "R", "T", "part_of", "parts_of"]

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from ..clock.sesclock import ScheduledAction, SesClock
from .advisor import Advisor
from .attributes import AccountAttributes
from .authorization import Authorization
from .book import Ledger
from .certificates import IdentityCertificates
from .configuration_sets import ConfigurationSets
from .contact_lists import ContactLists
from .dashboard import Dashboard
from .dedicated_ips import DedicatedIpPools
from .enforcement import Enforcement
from .entity_reputation import EntityReputation
from .event_records import Publication
from .events import Events, Publisher, SesEvent
from .faults import TransientFaults
from .identities import Identities
from .jobs import Jobs
from .ledger import FaultedSend, RejectedSend, SentMessage, SesRequest, ThrottledSend
from .mailboxes import Mailboxes
from .messages import DroppedMessage
from .metrics import Metrics
from .multi_region import MultiRegionEndpoints
from .notifications import IdentityNotifications
from .options import SesQuotaOptions, merge
from .part import Context, Part
from .quotas import Quotas
from .receiving import ReceiptRules
from .reputation import RatePoint, Reputation
from .review import ProductionAccess
from .sending import Sending
from .suppression import Suppression
from .tags import Tags
from .templates import Templates
from .tenants import Tenants
from .verification import CustomVerification

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
PartT = TypeVar("PartT", bound=Part)


class _Forward(Generic[PartT, P, R]):
    """A public name of the account that is a part's method (same signature, same doc)."""

    def __init__(self, method: Callable[Concatenate[PartT, P], R]) -> None:
        self.method = method
        self.name = method.__name__
        self.part = method.__qualname__.partition(".")[0]
        self.__doc__ = method.__doc__

    def __get__(self, account: Account | None, owner: type | None = None) -> Callable[P, R]:
        if account is None:
            return self.method  # type: ignore[return-value]  # for help() and docs
        bound: Callable[P, R] = getattr(account._parts[self.part], self.name)
        return bound


class _LedgerList(Generic[T]):
    """One of the ledger's lists as an attribute of the account (``+=`` extends it)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, account: None, owner: type | None = None) -> _LedgerList[T]: ...
    @overload
    def __get__(self, account: Account, owner: type | None = None) -> list[T]: ...
    def __get__(
        self, account: Account | None, owner: type | None = None
    ) -> list[T] | _LedgerList[T]:
        if account is None:
            return self
        items: list[T] = getattr(account._ledger, self.name)
        return items

    def __set__(self, account: Account, value: list[T]) -> None:
        items = self.__get__(account)
        if value is not items:  # the ledger keeps its own list, which others hold
            items[:] = value


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
            else SesClock(
                options.start, time_backend=options.time_backend, auto_tick=options.auto_tick
            )
        )
        self._lock = threading.RLock()
        # Where SES's publications go besides the record (the doors' publishers): kept
        # across resets, which build the events part anew.
        self._publishers: list[Publisher] = []
        self._rate_listeners: list[Callable[[RatePoint], object]] = []
        self._build()

    def _build(self) -> None:
        """The parts, as the options describe them: no usage but the options', no ledger."""
        context = Context(self.options, self.clock, self._lock, self._ensure_region)
        self._faults = TransientFaults(self.options.transient_failures, self.options.seed)
        quotas = Quotas(context)
        # A configuration set's sending pool must be one of the account's dedicated IP pools.
        pools = DedicatedIpPools(context)
        parts: list[Part] = [
            quotas,
            identities := Identities(context),
            templates := Templates(context),
            enforcement := Enforcement(context),
            ProductionAccess(context, quotas),
            suppression := Suppression(context),
            ledger := Ledger(context),
            Tags(context),
            sets := ConfigurationSets(context, identities, pools.exists),
            CustomVerification(context, identities),
            Authorization(context, identities),
            tenants := Tenants(context, identities, templates),
            IdentityCertificates(context),
            mailboxes := Mailboxes(context),
            notifications := IdentityNotifications(context),
            events := Events(
                context,
                ledger=ledger,
                identities=identities,
                mailboxes=mailboxes,
                notifications=notifications,
                configuration_sets=sets,
            ),
            metrics := Metrics(context, ledger, events),
            Dashboard(context),
            Advisor(context),
            Jobs(context, suppression, metrics),
            ReceiptRules(context),
            pools,
            AccountAttributes(context),
            MultiRegionEndpoints(context),
            ContactLists(context, events, ledger),
            reputation := Reputation(
                context, enforcement=enforcement, mailboxes=mailboxes, defer=events.defer
            ),
            EntityReputation(
                context,
                reputation=reputation,
                mailboxes=mailboxes,
                configuration_sets=sets,
                tenants=tenants,
            ),
        ]
        parts.append(
            Sending(
                context,
                quotas=quotas,
                identities=identities,
                enforcement=enforcement,
                suppression=suppression,
                ledger=ledger,
                faults=self._faults,
                mailboxes=mailboxes,
                parts=list(parts),
            )
        )
        for publisher in self._publishers:
            events.add_publisher(publisher)
        for listener in self._rate_listeners:
            reputation.on_rates(listener)
        self._parts: dict[str, Part] = {type(part).__name__: part for part in parts}
        self._ledger = ledger
        self._set_up: set[str] = set()
        # Usage already on the account at start, in the main region and any region set up.
        for region in sorted({self.options.region, *self.options.regions}):
            self._ensure_region(region)

    def _ensure_region(self, region: str | None) -> str:
        name = region or self.region
        if name not in self._set_up:
            with self._lock:
                if name not in self._set_up:
                    settings = self.options.settings(name)
                    for part in self._parts.values():
                        part.set_up(name, settings)
                        part.changed(name)
                    self._set_up.add(name)
        return name

    def reset(self) -> None:
        """Back to the account the options describe: quotas, usage (the options'
        ``sent_last_24_hours``, placed now), identities, templates and the ledger.
        The clock keeps its time and its scheduled actions."""
        with self._lock:
            self._build()

    def regions(self) -> list[str]:
        """Regions the account has been used in: the main region first, then the others."""
        quotas = part_of(self, Quotas)
        with self._lock:
            others = sorted(self._set_up | set(quotas.regions))
        return [self.region, *(r for r in others if r != self.region)]

    # -- quotas and the sandbox ---------------------------------------------------
    quota = _Forward(Quotas.quota)
    available_rate = _Forward(Quotas.available_rate)
    set_quota = _Forward(Quotas.set_quota)
    allow_api_call = _Forward(Quotas.allow_api_call)
    in_sandbox = _Forward(Quotas.in_sandbox)
    move_out_of_sandbox = _Forward(Quotas.move_out_of_sandbox)
    # -- identities -----------------------------------------------------------------
    verify = _Forward(Identities.verify)
    check_identities = _Forward(Identities.check_identities)
    request_identity = _Forward(Identities.request_identity)
    identities = _Forward(Identities.identities)
    identity = _Forward(Identities.identity)
    delete_identity = _Forward(Identities.delete_identity)
    is_verified = _Forward(Identities.is_verified)
    set_identity_status = _Forward(Identities.set_identity_status)
    verification_emails = _Forward(CustomVerification.verification_emails)
    click_verification_link = _Forward(CustomVerification.click_verification_link)
    # -- templates ------------------------------------------------------------------
    templates = _Forward(Templates.templates)
    # -- sending authorization: delegating accounts, the principal that sends ----------
    delegating_account = _Forward(Authorization.delegating_account)
    set_sending_principal = _Forward(Authorization.set_sending_principal)
    # -- tenants, their reputation entities, identity certificates ---------------------
    tenant = _Forward(Tenants.tenant)
    tenants = _Forward(Tenants.tenants)
    set_tenant_status = _Forward(Tenants.set_tenant_status)
    set_identity_certificate_status = _Forward(IdentityCertificates.set_identity_certificate_status)
    # -- configuration sets ------------------------------------------------------------
    configuration_set = _Forward(ConfigurationSets.configuration_set)
    configuration_sets = _Forward(ConfigurationSets.configuration_sets)
    # -- may the account send: its switch, AWS's enforcement --------------------------
    pause_sending = _Forward(Enforcement.pause_sending)
    resume_sending = _Forward(Enforcement.resume_sending)
    sending_enabled = _Forward(Enforcement.sending_enabled)
    set_enforcement_status = _Forward(Enforcement.set_enforcement_status)
    enforcement_status = _Forward(Enforcement.enforcement_status)
    # -- the account's reputation: bounce and complaint rates, reviews ----------------
    reputation = _Forward(Reputation.reputation)
    set_reputation_policy = _Forward(Reputation.set_reputation_policy)
    set_review_outcome = _Forward(Reputation.set_review_outcome)
    tenant_reputation = _Forward(EntityReputation.tenant_reputation)
    configuration_set_reputation = _Forward(EntityReputation.configuration_set_reputation)
    # -- leaving the sandbox ----------------------------------------------------------
    request_production_access = _Forward(ProductionAccess.request_production_access)
    production_access_review = _Forward(ProductionAccess.production_access_review)
    grant_production_access = _Forward(ProductionAccess.grant_production_access)
    deny_production_access = _Forward(ProductionAccess.deny_production_access)
    put_account_details = _Forward(ProductionAccess.put_account_details)
    account_details = _Forward(ProductionAccess.account_details)
    # -- the suppression list ---------------------------------------------------------
    suppress = _Forward(Suppression.suppress)
    unsuppress = _Forward(Suppression.unsuppress)
    suppressed = _Forward(Suppression.suppressed)
    # -- metrics ----------------------------------------------------------------------
    record_bounces = _Forward(Metrics.record_bounces)
    record_complaints = _Forward(Metrics.record_complaints)
    send_statistics = _Forward(Metrics.send_statistics)
    # -- what SES decides on its side: the dashboard, the advisor, jobs -------------------
    set_inbox_placement = _Forward(Dashboard.set_inbox_placement)
    deliverability_tests = _Forward(Dashboard.deliverability_tests)
    list_on_blacklist = _Forward(Dashboard.list_on_blacklist)
    recommend = _Forward(Advisor.recommend)
    set_address_insights = _Forward(Advisor.set_address_insights)
    jobs = _Forward(Jobs.jobs)
    fail_job = _Forward(Jobs.fail_job)
    export_file = _Forward(Jobs.export_file)
    # -- receiving email, dedicated IPs: what SES decides, and what it keeps -----------
    receive_email = _Forward(ReceiptRules.receive_email)
    received = _Forward(ReceiptRules.received)
    active_receipt_rule_set = _Forward(ReceiptRules.active_receipt_rule_set)
    lease_dedicated_ips = _Forward(DedicatedIpPools.lease_dedicated_ips)
    release_dedicated_ip = _Forward(DedicatedIpPools.release_dedicated_ip)
    dedicated_ips = _Forward(DedicatedIpPools.dedicated_ips)
    # -- contact lists ------------------------------------------------------------------
    unsubscribe = _Forward(ContactLists.unsubscribe)
    # -- sending ----------------------------------------------------------------------
    send = _Forward(Sending.send)
    send_many = _Forward(Sending.send_many)
    # -- SES's events, and the recipients' side -----------------------------------------
    on_event = _Forward(Events.on_event)
    pending_events = _Forward(Events.pending_events)
    mailbox = _Forward(Mailboxes.mailbox)
    open = _Forward(Events.open)
    click = _Forward(Events.click)
    # -- the ledger -------------------------------------------------------------------
    new_message_id = _Forward(Ledger.new_message_id)
    reject = _Forward(Ledger.reject)
    recording = _Forward(Ledger.recording)
    log_request = _Forward(Ledger.log_request)
    on_request = _Forward(Ledger.on_request)

    #: Accepted messages, in order.
    sent = _LedgerList[SentMessage]()
    #: Sends refused by a quota (rate or daily), in order.
    throttled = _LedgerList[ThrottledSend]()
    #: Sends refused for other reasons (unverified identity, sending paused), in order.
    rejected = _LedgerList[RejectedSend]()
    #: Sends failed by a seeded transient fault (``transient_failures``), in order.
    faults = _LedgerList[FaultedSend]()
    #: Every request, in order, retries included.
    requests = _LedgerList[SesRequest]()
    #: Tracebacks of bugs in the fake itself (answered as InternalFailure);
    #: the pytest fixture fails the test when this is not empty.
    internal_errors = _LedgerList[str]()

    @property
    def events(self) -> list[SesEvent]:
        """SES's events about the account's messages that have happened by now (virtual
        time), oldest first: sends, deliveries, bounces, complaints, ..."""
        return part_of(self, Events).events()

    def on_rates(self, listener: Callable[[RatePoint], object]) -> None:
        """Call ``listener(point)`` with the bounce and complaint rates at each counted
        bounce or complaint (what SES publishes to CloudWatch as ``Reputation.BounceRate``
        and ``Reputation.ComplaintRate``), once the call that judged it has returned."""
        self._rate_listeners.append(listener)
        part_of(self, Reputation).on_rates(listener)

    def add_publisher(self, publisher: Publisher) -> None:
        """Have ``publisher(publication)`` carry every event published from now on to
        its target (into moto, to the HTTP endpoints subscribed to a topic)."""
        self._publishers.append(publisher)
        part_of(self, Events).add_publisher(publisher)

    @property
    def published(self) -> list[Publication]:
        """Every event published to a target (an event destination of its configuration
        set, a notification topic of its identity), in the order published."""
        return part_of(self, Events).published

    @property
    def dropped(self) -> list[DroppedMessage]:
        """Every message refused by a quota or a transient fault and never accepted later
        (same source, recipients, subject and body), with the refusals it got."""
        return self._ledger.dropped

    @property
    def seed(self) -> int:
        """The seed of the transient faults (the marker's ``seed``, or one picked at random)."""
        return self._faults.seed

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


def parts_of(account: Account) -> list[Part]:
    """The account's parts, in the order built: for the state file, which saves and
    restores each through its public methods."""
    return list(account._parts.values())


def part_of(account: Account, kind: type[PartT]) -> PartT:
    """The account's part of class ``kind`` (the reports read the quota log there)."""
    part = account._parts[kind.__name__]
    assert isinstance(part, kind)
    return part
