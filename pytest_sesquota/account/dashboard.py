"""The Deliverability dashboard of each region: its monthly subscription and subscribed
domains, predictive inbox placement tests (and what SES decides their result is), and
the blacklist listings of the account's IP addresses (which SES reports, the test sets).

The subscription runs on the virtual clock: turned off (or a domain dropped), it stays
until the end of the calendar month, as SES bills it, then ends.
"""

from __future__ import annotations

__all__ = [
    "TEST_DURATION",
    "BlacklistEntry",
    "Dashboard",
    "DeliverabilityTest",
    "Placement",
    "Subscription",
]

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from .activity import DEFAULT_ISPS
from .options import RegionSettings
from .part import Context, Part

#: A predictive inbox placement test completes this long after it was created (SES:
#: "usually complete within 24 hours").
TEST_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class Placement:
    """Where a test's messages landed at one mailbox provider, in percent."""

    inbox: float = 100.0
    spam: float = 0.0
    missing: float = 0.0
    spf: float = 100.0
    dkim: float = 100.0

    def __post_init__(self) -> None:
        for name in ("inbox", "spam", "missing", "spf", "dkim"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name}={value!r}: expected a percentage (a number)")
            if not 0 <= value <= 100:
                raise ValueError(f"{name}={value!r}: expected a percentage from 0 to 100")
        if abs(self.inbox + self.spam + self.missing - 100) > 1e-9:
            raise ValueError(
                f"inbox + spam + missing must make 100 (got {self.inbox} + {self.spam} + "
                f"{self.missing})"
            )


@dataclass
class DeliverabilityTest:
    """One predictive inbox placement test (CreateDeliverabilityTestReport)."""

    report_id: str
    report_name: str | None
    from_email_address: str
    subject: str | None
    created: datetime
    #: The message as sent, MIME text (GetDeliverabilityTestReport's ``Message``).
    message: str
    #: Placement per mailbox provider, decided when the test completes.
    result: dict[str, Placement] | None = None
    #: What the test set for this test alone (``None``: every provider).
    placement: dict[str | None, Placement] = field(default_factory=dict)

    def status(self, now: datetime) -> str:
        return "COMPLETED" if now >= self.created + TEST_DURATION else "IN_PROGRESS"


@dataclass
class Subscription:
    """A domain subscribed to the dashboard."""

    domain: str
    start: datetime
    #: ``InboxPlacementTrackingOption`` as given: ``{"Global": ..., "TrackedIsps": [...]}``.
    inbox_placement: dict[str, Any] = field(default_factory=dict)
    #: The end of the month it was dropped in; ``None`` while active.
    expires: datetime | None = None


@dataclass(frozen=True)
class BlacklistEntry:
    """A listing of an IP address on a blacklist (GetBlacklistReports)."""

    rbl_name: str
    listing_time: datetime
    description: str | None = None


def end_of_month(now: datetime) -> datetime:
    """The first instant of the next calendar month (UTC): when a cancelled
    subscription ends."""
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, tzinfo=timezone.utc)


def _decide(
    account: dict[str | None, Placement], own: dict[str | None, Placement]
) -> dict[str, Placement]:
    """A test's result: what was set for the test itself, then for every test; per
    provider, then for every provider; all inbox where nothing was set."""
    placement = dict(account) if None not in own else {}
    placement.update(own)
    every = placement.get(None, Placement())
    isps = sorted({*DEFAULT_ISPS, *(isp for isp in placement if isp is not None)})
    return {isp: placement.get(isp, every) for isp in isps}


class _Region:
    def __init__(self) -> None:
        self.enabled = False
        #: The end of the month the dashboard was turned off in; ``None`` while on.
        self.expires: datetime | None = None
        self.domains: dict[str, Subscription] = {}
        self.tests: dict[str, DeliverabilityTest] = {}
        #: What the next tests' results are, per provider (``None``: every provider).
        self.placement: dict[str | None, Placement] = {}
        self.blacklists: dict[str, list[BlacklistEntry]] = {}


class Dashboard(Part):
    """The dashboard's subscription, its inbox placement tests and blacklist listings."""

    key = "dashboard"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._regions: dict[str, _Region] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._regions[region] = _Region()

    def _state(self, region: str | None) -> tuple[str, _Region]:
        name = self.region(region)
        state = self._regions[name]
        now = self.clock.now()
        if state.expires is not None and now >= state.expires:
            state.enabled, state.expires = False, None
            state.domains.clear()
            self.changed(name)
        for domain, sub in list(state.domains.items()):
            if sub.expires is not None and now >= sub.expires:
                del state.domains[domain]
                self.changed(name)
        return name, state

    # -- the subscription ----------------------------------------------------------------
    def subscription(self, region: str | None = None) -> dict[str, Any]:
        """GetDeliverabilityDashboardOptions' answer, as of now."""
        with self.lock:
            _name, state = self._state(region)
            status = "DISABLED"
            if state.enabled:
                status = "ACTIVE" if state.expires is None else "PENDING_EXPIRATION"
            return {
                "enabled": state.enabled,
                "status": status,
                "expires": state.expires,
                "active": [s for s in state.domains.values() if s.expires is None],
                "pending": [s for s in state.domains.values() if s.expires is not None],
            }

    def subscribe(
        self, enabled: bool, domains: list[Subscription], region: str | None = None
    ) -> None:
        """PutDeliverabilityDashboardOption: turn the dashboard on with these domains, or
        off (it stays until the end of the month, and so does a domain left out)."""
        with self.lock:
            name, state = self._state(region)
            now = self.clock.now()
            if not enabled:
                if state.enabled and state.expires is None:
                    state.expires = end_of_month(now)
                    for sub in state.domains.values():
                        sub.expires = sub.expires or state.expires
                self.changed(name)
                return
            state.enabled, state.expires = True, None
            wanted = {d.domain.lower(): d for d in domains}
            for key, sub in state.domains.items():
                if key not in wanted and sub.expires is None:
                    sub.expires = end_of_month(now)
            for key, new in wanted.items():
                old = state.domains.get(key)
                start = old.start if old is not None else now
                state.domains[key] = replace(new, start=start, expires=None)
            self.changed(name)

    def subscribed(self, domain: str, region: str | None = None) -> Subscription | None:
        """The domain's subscription (active or ending this month), if any."""
        with self.lock:
            _name, state = self._state(region)
            return state.domains.get(domain.lower()) if state.enabled else None

    # -- predictive inbox placement tests --------------------------------------------------
    def start_test(
        self,
        *,
        report_name: str | None,
        from_email_address: str,
        subject: str | None,
        message: str,
        region: str | None = None,
    ) -> DeliverabilityTest:
        with self.lock:
            name, state = self._state(region)
            test = DeliverabilityTest(
                report_id=secrets.token_hex(16),
                report_name=report_name,
                from_email_address=from_email_address,
                subject=subject,
                created=self.clock.now(),
                message=message,
            )
            state.tests[test.report_id] = test
            self.changed(name)
            return test

    def deliverability_tests(self, region: str | None = None) -> list[DeliverabilityTest]:
        """The region's inbox placement tests, oldest first, each with its result decided
        once complete."""
        with self.lock:
            name, state = self._state(region)
            now = self.clock.now()
            for test in state.tests.values():
                if test.result is None and test.status(now) == "COMPLETED":
                    test.result = _decide(state.placement, test.placement)
                    self.changed(name)
            return list(state.tests.values())

    def set_inbox_placement(
        self,
        inbox: float = 100.0,
        spam: float = 0.0,
        missing: float = 0.0,
        *,
        spf: float = 100.0,
        dkim: float = 100.0,
        isp: str | None = None,
        report_id: str | None = None,
        region: str | None = None,
    ) -> None:
        """Decide what predictive inbox placement tests find (SES decides it on its side):
        the percentages of test messages in the inbox, in spam and missing (they make 100),
        and those passing SPF and DKIM. For one mailbox provider (``isp="Gmail"``) or every
        one; for one test (``report_id``, still running or done) or every test that
        completes from now on."""
        placement = Placement(inbox, spam, missing, spf, dkim)
        with self.lock:
            name, state = self._state(region)
            if report_id is None:
                state.placement[isp] = placement
                if isp is None:  # every provider: forget the per-provider ones
                    state.placement = {None: placement}
            else:
                test = state.tests.get(report_id)
                if test is None:
                    raise KeyError(
                        f"set_inbox_placement(report_id={report_id!r}): no such test in "
                        f"{name}; its tests: {', '.join(state.tests) or 'none'}"
                    )
                if isp is None:
                    test.placement = {None: placement}
                else:
                    test.placement[isp] = placement
                if test.result is not None:  # done already: its result changes
                    test.result = _decide(state.placement, test.placement)
            self.changed(name)

    # -- blacklists --------------------------------------------------------------------------
    def list_on_blacklist(
        self,
        ip: str,
        rbl_name: str,
        description: str | None = None,
        *,
        region: str | None = None,
    ) -> None:
        """Put an IP address on a blacklist now (what GetBlacklistReports then reports)."""
        if not isinstance(ip, str) or not ip.strip():
            raise ValueError(f"list_on_blacklist({ip!r}): expected an IP address")
        if not isinstance(rbl_name, str) or not rbl_name.strip():
            raise ValueError(f"list_on_blacklist(rbl_name={rbl_name!r}): expected a name")
        with self.lock:
            name, state = self._state(region)
            entry = BlacklistEntry(rbl_name, self.clock.now(), description)
            state.blacklists.setdefault(ip.strip(), []).append(entry)
            self.changed(name)

    def blacklist_entries(self, ip: str, region: str | None = None) -> list[BlacklistEntry]:
        with self.lock:
            _name, state = self._state(region)
            return list(state.blacklists.get(ip, ()))

    # -- the state file ------------------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        state = self._regions[region]
        return {
            "enabled": state.enabled,
            "expires": state.expires,
            "domains": [vars(s) for s in state.domains.values()],
            "tests": [
                {
                    **{k: v for k, v in vars(t).items() if k not in ("result", "placement")},
                    "result": None
                    if t.result is None
                    else {isp: vars(p) for isp, p in t.result.items()},
                    "placement": [[isp, vars(p)] for isp, p in t.placement.items()],
                }
                for t in state.tests.values()
            ],
            "placement": [[isp, vars(p)] for isp, p in state.placement.items()],
            "blacklists": {ip: [vars(e) for e in es] for ip, es in state.blacklists.items()},
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        state = self._regions[region] = _Region()
        state.enabled, state.expires = data["enabled"], data["expires"]
        for item in data["domains"]:
            state.domains[item["domain"].lower()] = Subscription(**item)
        for item in data["tests"]:
            result = item.pop("result")
            placement = item.pop("placement")
            test = DeliverabilityTest(**item)
            test.placement = {isp: Placement(**p) for isp, p in placement}
            if result is not None:
                test.result = {isp: Placement(**p) for isp, p in result.items()}
            state.tests[test.report_id] = test
        state.placement = {isp: Placement(**p) for isp, p in data["placement"]}
        state.blacklists = {
            ip: [BlacklistEntry(**e) for e in entries] for ip, entries in data["blacklists"].items()
        }
