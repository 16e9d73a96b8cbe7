"""The sending quotas of each region (the quota engine), the sandbox, and the API rate limit."""

from __future__ import annotations

__all__ = ["Quotas"]

from typing import Any

from ..quota.api_rate import ApiRateLimit
from ..quota.engine import (
    DailyMode,
    Decision,
    QuotaEngine,
    RegionQuota,
    export_region,
    import_region,
    usage_since,
)
from .ledger import QuotaChange
from .options import PROFILES, Checker, RegionSettings
from .part import Context, Part, new_stamp


class Quotas(Part):
    """Max24HourSend and MaxSendRate per region, the usage in the rolling 24 hours, whether
    the region is in the sandbox, and the ``api_rate_limit`` of the other actions."""

    key = "quotas"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._engine = QuotaEngine(self.clock.time, self._default)
        rate = context.options.api_rate_limit
        self._api_rate = None if rate is None else ApiRateLimit(self.clock.time, rate)
        self._production: dict[str, bool] = {}
        #: Each region's quotas when set up and after each change, in order (reports).
        self.log: list[QuotaChange] = []

    def _default(self, region: str) -> RegionQuota:
        s = self.context.options.settings(region)
        return RegionQuota(
            max_24_hour_send=s.max_24_hour_send,
            max_send_rate=s.max_send_rate,
            burst=s.burst,
            daily=s.daily,
        )

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._production[region] = settings.production
        self._engine.add_usage(region, settings.sent_last_24_hours)
        self._log(region, settings.sent_last_24_hours)

    def _log(self, region: str, usage: int | None) -> None:
        q = self._engine.region(region)
        change = QuotaChange(self.clock.now(), region, q.max_24_hour_send, q.max_send_rate, usage)
        with self.lock:
            self.log.append(change)

    @property
    def regions(self) -> list[str]:
        """Regions the engine has seen (a quota read sets one up)."""
        return self._engine.regions

    # -- reading and changing ------------------------------------------------------
    def quota(self, region: str | None = None) -> tuple[float, float, float]:
        """``(max_24_hour_send, max_send_rate, sent_last_24_hours)``, as GetSendQuota says."""
        name = self.region(region)
        q = self._engine.region(name)
        return (q.max_24_hour_send, q.max_send_rate, float(self._engine.sent_last_24_hours(name)))

    def available_rate(self, region: str | None = None) -> float:
        """Rate allowance available now, in recipients (negative while in debt)."""
        return self._engine.available(self.region(region))

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
        name = self.region(region)
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
        self._log(name, usage)

    def try_send(self, region: str, recipients: int, *, daily: int) -> Decision:
        """The engine's decision on a send (charged when accepted)."""
        return self._engine.try_send(region, recipients, daily=daily)

    def allow_api_call(self, region: str | None = None) -> bool:
        """Whether a request for a non-send action may go through now, under the
        ``api_rate_limit`` option (always, when it is off); it takes a token if so."""
        if self._api_rate is None:
            return True
        return self._api_rate.allow(self.region(region))

    # -- the sandbox ---------------------------------------------------------------
    def in_sandbox(self, region: str | None = None) -> bool:
        return not self._production[self.region(region)]

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
        name = self.region(region)
        with self.lock:
            self._production[name] = True
        self.set_quota(
            max_24_hour_send=max_24_hour_send or daily,
            max_send_rate=max_send_rate or rate,
            region=name,
        )

    # -- the state file ------------------------------------------------------------
    def version(self, region: str) -> int:
        # The bucket's balance moves at every read of the clock: always look again
        # (a few numbers; the store writes them only when their text changed).
        return new_stamp()

    def export(self, region: str) -> dict[str, Any]:
        """The region's quotas and bucket; its usage is saved apart (:meth:`usage_since`)."""
        quota = self._engine.region(region)
        return {"production": self._production[region], **export_region(quota, window=False)}

    def restore(self, region: str, data: dict[str, Any]) -> None:
        """Put back :meth:`export`'s data (the usage: :meth:`restore_usage`)."""
        self._production[region] = data["production"]
        self._engine.restore(region, import_region({**data, "window": []}))

    def restore_usage(self, region: str, window: list[list[float]]) -> None:
        """Put back the usage slots :meth:`usage_since` gave, oldest first."""
        quota = self._engine.region(region)
        self._engine.restore(region, import_region({**export_region(quota), "window": window}))

    def usage_since(self, region: str, slot: float) -> tuple[float | None, list[list[float]]]:
        """``(oldest slot, [slots from `slot` on])`` of the region's usage: what an
        incremental save writes, at a cost that does not grow with the usage."""
        return usage_since(self._engine.region(region), slot)
