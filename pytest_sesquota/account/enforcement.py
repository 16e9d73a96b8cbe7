"""Whether an account may send, per region: its own sending switch
(UpdateAccountSendingEnabled) and AWS's enforcement status (GetAccount)."""

from __future__ import annotations

__all__ = ["Enforcement"]

from collections.abc import Callable
from typing import Any

from .ledger import (
    ENFORCEMENT_STATUSES,
    PAUSED_MESSAGE,
    SUSPENDED_MESSAGE,
    EnforcementStatus,
    SendRefused,
)
from .options import RegionSettings
from .part import Context, Part


class Enforcement(Part):
    """Sending enabled or paused, and ``HEALTHY`` / ``PROBATION`` / ``SHUTDOWN``."""

    key = "enforcement"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._enabled: dict[str, bool] = {}
        self._status: dict[str, EnforcementStatus] = {}
        #: Brings the status up to the clock's time before it is read (the account's
        #: reputation, ``account/reputation.py``, judges the bounces and complaints
        #: that have happened since): one attribute read per send when nothing is judged.
        self.judge: Callable[[str], None] | None = None

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._enabled[region] = settings.sending_enabled
        self._status[region] = "HEALTHY"

    def pause_sending(self, region: str | None = None) -> None:
        """Disable sending, as UpdateAccountSendingEnabled(Enabled=False) does."""
        self._switch(region, False)

    def resume_sending(self, region: str | None = None) -> None:
        self._switch(region, True)

    def _switch(self, region: str | None, enabled: bool) -> None:
        name = self.region(region)
        with self.lock:
            self._enabled[name] = enabled
            self.changed(name)

    def sending_enabled(self, region: str | None = None) -> bool:
        return self._enabled[self.region(region)]

    def set_enforcement_status(self, status: EnforcementStatus, region: str | None = None) -> None:
        """What GetAccount reports as ``EnforcementStatus``. ``SHUTDOWN`` is AWS pausing
        the account: every send is refused (``"suspended"``), as real SES refuses it then."""
        if status not in ENFORCEMENT_STATUSES:
            raise ValueError(
                f"set_enforcement_status({status!r}): valid statuses: "
                + ", ".join(repr(s) for s in ENFORCEMENT_STATUSES)
            )
        name = self.region(region)
        with self.lock:
            self._status[name] = status
            self.changed(name)

    def enforcement_status(self, region: str | None = None) -> EnforcementStatus:
        """GetAccount's ``EnforcementStatus`` now (virtual time): ``HEALTHY``,
        ``PROBATION`` (under review) or ``SHUTDOWN`` (sending paused by AWS)."""
        name = self.region(region)
        if self.judge is not None:
            self.judge(name)
        return self._status[name]

    def current(self, region: str) -> EnforcementStatus:
        """The status as last set, not judged anew (for the judge itself)."""
        return self._status[region]

    def refusal(self, region: str) -> SendRefused | None:
        """Why no send may go out of ``region`` now, if so: suspended, then paused."""
        if self.judge is not None:
            self.judge(region)
        if self._status[region] == "SHUTDOWN":
            return SendRefused("suspended", SUSPENDED_MESSAGE)
        if not self._enabled[region]:
            return SendRefused("paused", PAUSED_MESSAGE)
        return None

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {"sending_enabled": self._enabled[region], "status": self._status[region]}

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._enabled[region] = data["sending_enabled"]
        self._status[region] = data["status"]
