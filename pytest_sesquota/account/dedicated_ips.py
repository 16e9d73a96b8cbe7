"""Dedicated IPs and their pools, per region: the pools the account made (standard or
managed), the IPs AWS leased to it (``lease_dedicated_ips``: what SES decides, after a
support case), each IP's pool and warm-up on the virtual clock, and the account's
automatic warm-up switch. SES's errors are the operations' (``ses/dedicated_ips.py``).
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_POOL",
    "RESERVED_POOLS",
    "SHARED_POOL",
    "WARMUP_DAYS",
    "DedicatedIp",
    "DedicatedIpPool",
    "DedicatedIpPools",
]

import ipaddress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from .options import RegionSettings
from .part import Context, Part

ScalingMode = Literal["STANDARD", "MANAGED"]
#: The pools every account has (the guide's "Assigning IP pools"): the dedicated IPs in
#: no pool of the account's, and the IPs shared by all SES customers.
DEFAULT_POOL = "ses-default-dedicated-pool"
SHARED_POOL = "ses-shared-pool"
RESERVED_POOLS = (DEFAULT_POOL, SHARED_POOL)
#: Automatic warm-up "steadily increases over 45 days, independently from your sending
#: volume" (the guide's "Warming up dedicated IP addresses (standard)").
WARMUP_DAYS = 45
#: Leased IPs come from TEST-NET-2 (RFC 5737): addresses no real host has.
_FIRST_IP = ipaddress.IPv4Address("198.51.100.1")


@dataclass(frozen=True)
class DedicatedIpPool:
    name: str
    scaling_mode: ScalingMode
    created: datetime


@dataclass(frozen=True)
class DedicatedIp:
    """A leased IP: its pool (``None``: the default pool) and its warm-up, which moves
    from ``warmup_base`` percent at ``warmup_since`` by 100 % in 45 days while ``warming``."""

    ip: str
    pool: str | None
    warmup_base: float
    warmup_since: datetime
    warming: bool

    def warmup_percentage(self, now: datetime) -> int:
        if not self.warming:
            return int(self.warmup_base)
        elapsed = (now - self.warmup_since) / timedelta(days=WARMUP_DAYS)
        return int(min(100.0, self.warmup_base + 100.0 * max(0.0, elapsed)))


class DedicatedIpPools(Part):
    """Pools by name (in the order made) and leased IPs by address, per region."""

    key = "dedicated_ips"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._pools: dict[str, dict[str, DedicatedIpPool]] = {}
        self._ips: dict[str, dict[str, DedicatedIp]] = {}
        self._auto_warmup: dict[str, bool] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._pools[region] = {}
        self._ips[region] = {}
        # "The automatic IP address warmup feature is enabled by default" (the guide).
        self._auto_warmup[region] = True

    # -- pools ---------------------------------------------------------------------
    def exists(self, pool: str, region: str | None = None) -> bool:
        """Whether a configuration set may name ``pool`` as its sending pool: one of the
        account's pools in the region, or one of SES's own (``RESERVED_POOLS``)."""
        return pool in RESERVED_POOLS or self.pool(pool, region) is not None

    def pool(self, name: str, region: str | None = None) -> DedicatedIpPool | None:
        with self.lock:
            return self._pools[self.region(region)].get(name)

    def pools(self, region: str | None = None) -> list[DedicatedIpPool]:
        with self.lock:
            return list(self._pools[self.region(region)].values())

    def put_pool(self, pool: DedicatedIpPool, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._pools[where][pool.name] = pool
            self.changed(where)

    def delete_pool(self, name: str, region: str | None = None) -> bool:
        """Delete a pool; its IPs go back to the default pool."""
        where = self.region(region)
        with self.lock:
            if self._pools[where].pop(name, None) is None:
                return False
            ips = self._ips[where]
            for ip, found in list(ips.items()):
                if found.pool == name:
                    ips[ip] = replace(found, pool=None)
            self.changed(where)
            return True

    # -- leased IPs (what SES decides) ---------------------------------------------------
    def lease_dedicated_ips(
        self, count: int = 1, *, pool: str | None = None, region: str | None = None
    ) -> list[str]:
        """Have AWS lease ``count`` dedicated IPs (standard) to the account in a region, as
        it does after a support case, in the standard ``pool`` (default: in none, the
        default pool); their addresses. With automatic warm-up on (the default), they
        start at 0 % and warm up over 45 virtual days; off, they are warmed up already."""
        if not isinstance(count, int) or count < 1:
            raise ValueError(f"lease_dedicated_ips(count={count!r}): expected a whole number >= 1")
        where = self.region(region)
        with self.lock:
            if pool is not None and pool not in self._pools[where]:
                made = ", ".join(self._pools[where]) or "none"
                raise ValueError(
                    f"lease_dedicated_ips(pool={pool!r}): no such pool in {where} "
                    f"(pools: {made}); create it with CreateDedicatedIpPool first"
                )
            taken = {ip for ips in self._ips.values() for ip in ips}
            leased: list[str] = []
            candidate = _FIRST_IP
            while len(leased) < count:
                if str(candidate) not in taken:
                    leased.append(str(candidate))
                candidate += 1
            warming = self._auto_warmup[where]
            now = self.clock.now()
            for ip in leased:
                self._ips[where][ip] = DedicatedIp(
                    ip, pool, 0.0 if warming else 100.0, now, warming
                )
            self.changed(where)
            return leased

    def release_dedicated_ip(self, ip: str, region: str | None = None) -> bool:
        """AWS takes a leased IP back (the account relinquished it); whether it was leased."""
        where = self.region(region)
        with self.lock:
            found = self._ips[where].pop(ip, None) is not None
            if found:
                self.changed(where)
            return found

    def dedicated_ip(self, ip: str, region: str | None = None) -> DedicatedIp | None:
        with self.lock:
            return self._ips[self.region(region)].get(ip)

    def dedicated_ips(self, region: str | None = None) -> list[DedicatedIp]:
        """The IPs leased in a region, in address order."""
        with self.lock:
            ips = self._ips[self.region(region)].values()
            return sorted(ips, key=lambda i: ipaddress.IPv4Address(i.ip))

    def put_ip(self, ip: DedicatedIp, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._ips[where][ip.ip] = ip
            self.changed(where)

    # -- the account's warm-up switch ------------------------------------------------------
    def auto_warmup_enabled(self, region: str | None = None) -> bool:
        with self.lock:
            return self._auto_warmup[self.region(region)]

    def set_auto_warmup(self, enabled: bool, region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            self._auto_warmup[where] = enabled
            self.changed(where)

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {
            "pools": [vars(p) for p in self._pools[region].values()],
            "ips": [vars(i) for i in self._ips[region].values()],
            "auto_warmup": self._auto_warmup[region],
        }

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._pools[region] = {p["name"]: DedicatedIpPool(**p) for p in data["pools"]}
        self._ips[region] = {i["ip"]: DedicatedIp(**i) for i in data["ips"]}
        self._auto_warmup[region] = data["auto_warmup"]
