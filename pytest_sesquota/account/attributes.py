"""The account's settings SES v2's GetAccount shows beside its quotas, per region: VDM
(PutAccountVdmAttributes), the pricing plan (PutAccountPricingAttributes: it changes at
the start of the next month, on the virtual clock) and the shared pool's delivery mode
(PutAccountDeliveryAttributes). None of them changes what the fake sends."""

from __future__ import annotations

__all__ = ["AccountAttributes", "month_after"]

from datetime import datetime
from typing import Any

from .options import RegionSettings
from .part import Context, Part


def month_after(moment: datetime) -> datetime:
    """The start (00:00 UTC, day 1) of the month after ``moment``'s."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


class AccountAttributes(Part):
    key = "account_attributes"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._vdm: dict[str, dict[str, Any]] = {}
        self._plans: dict[str, dict[str, Any]] = {}
        self._delivery: dict[str, str] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        # A new account: VDM off, no plan (pay as you go), and GLOBAL, which "accounts that
        # start sending in a Region on or after the launch of Global Shared Delivery use".
        self._vdm[region] = {"VdmEnabled": "DISABLED"}
        self._plans[region] = {"current": "NONE", "next": None, "from": None}
        self._delivery[region] = "GLOBAL"

    def vdm_attributes(self, region: str | None = None) -> dict[str, Any]:
        with self.lock:
            return dict(self._vdm[self.region(region)])

    def put_vdm_attributes(self, attributes: dict[str, Any], region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._vdm[where] = dict(attributes)
            self.changed(where)

    def pricing_attributes(self, region: str | None = None) -> dict[str, str]:
        """``CurrentPlan``, and ``NextPlan`` while a change waits for the next month."""
        with self.lock:
            plan = self._plans[self.region(region)]
            current, upcoming, start = plan["current"], plan["next"], plan["from"]
            if upcoming is not None and self.clock.now() >= start:
                current, upcoming = upcoming, None
            found = {"CurrentPlan": current}
            if upcoming is not None:
                found["NextPlan"] = upcoming
            return found

    def put_pricing_plan(self, plan: str, region: str | None = None) -> None:
        """Ask for ``plan`` from the start of the next month (asking for the current plan
        cancels a change asked for before)."""
        where = self.region(region)
        with self.lock:
            current = self.pricing_attributes(where)["CurrentPlan"]
            now = self.clock.now()
            if plan == current:
                self._plans[where] = {"current": current, "next": None, "from": None}
            else:
                self._plans[where] = {"current": current, "next": plan, "from": month_after(now)}
            self.changed(where)

    def delivery_mode(self, region: str | None = None) -> str:
        with self.lock:
            return self._delivery[self.region(region)]

    def put_delivery_mode(self, mode: str, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._delivery[where] = mode
            self.changed(where)

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "vdm": self._vdm[region],
            "plan": self._plans[region],
            "delivery": self._delivery[region],
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._vdm[region] = dict(data["vdm"])
        self._plans[region] = dict(data["plan"])
        self._delivery[region] = data["delivery"]
