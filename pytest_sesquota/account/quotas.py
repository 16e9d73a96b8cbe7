"""An account's sending quotas per region, and the sandbox."""

from __future__ import annotations

from ..quota.engine import DailyMode
from .options import PROFILES, Checker
from .state import AccountState


class Quotas(AccountState):
    """The quotas of each region: read, set, and the sandbox."""

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

    def allow_api_call(self, region: str | None = None) -> bool:
        """Whether a request for a non-send action may go through now, under the
        ``api_rate_limit`` option (always, when it is off); it takes a token if so."""
        if self._api_rate is None:
            return True
        return self._api_rate.allow(self._region_name(region))

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
