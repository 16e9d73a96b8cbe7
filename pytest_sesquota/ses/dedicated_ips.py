"""Dedicated IPs and their pools (SES v2): pools standard and managed, the IPs leased to
the account, moving an IP between pools, warm-up, and the account's automatic warm-up.

The texts are those a public emulator recorded from real SES where it did (see
docs/choices.md, "Dedicated IPs"); the others are choices written there.
"""

from __future__ import annotations

__all__ = ["DedicatedIpsV2"]

import re
from typing import Any, ClassVar

from ..account.dedicated_ips import (
    DEFAULT_POOL,
    RESERVED_POOLS,
    DedicatedIp,
    DedicatedIpPool,
    DedicatedIpPools,
)
from .api import Call, Operations, Params, Result, already_exists, limit_exceeded, paginate
from .mail import ApiError, bad_request
from .tags import checked_tags, tag_new, untag_gone

#: "You can't have more than 5 managed IP pools per AWS Region in your account" (the guide).
MAX_MANAGED_POOLS = 5
_SCALING_MODES = ("STANDARD", "MANAGED")
_POOL_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _pool_missing(name: str) -> ApiError:
    return ApiError("NotFoundException", f"The requested pool <{name}> does not exist.", 404)


def _ip_missing(ip: str) -> ApiError:
    return ApiError(
        "NotFoundException", f"Could not find dedicated IP <{ip}> under this account.", 404
    )


def _pool(call: Call, name: str) -> DedicatedIpPool:
    found = call.part(DedicatedIpPools).pool(name, call.region)
    if found is None:
        raise _pool_missing(name)
    return found


def _ip(call: Call, address: str) -> DedicatedIp:
    found = call.part(DedicatedIpPools).dedicated_ip(address, call.region)
    if found is None:
        raise _ip_missing(address)
    return found


def _scaling_mode(given: Any) -> str:
    if given not in _SCALING_MODES:
        raise bad_request("The ScalingMode parameter is invalid.")
    return str(given)


def _described(call: Call, ip: DedicatedIp) -> dict[str, Any]:
    pools = call.part(DedicatedIpPools)
    pool = None if ip.pool is None else pools.pool(ip.pool, call.region)
    if pool is not None and pool.scaling_mode == "MANAGED":
        # SES warms a managed pool's IPs itself (the model: NOT_APPLICABLE, -1).
        status, percentage = "NOT_APPLICABLE", -1
    else:
        percentage = ip.warmup_percentage(call.account.clock.now())
        status = "DONE" if percentage >= 100 else "IN_PROGRESS"
    return {
        "Ip": ip.ip,
        "WarmupStatus": status,
        "WarmupPercentage": percentage,
        "PoolName": ip.pool or DEFAULT_POOL,
    }


class DedicatedIpsV2(Operations):
    title = "dedicated IPs"
    names = (
        "CreateDedicatedIpPool",
        "GetDedicatedIpPool",
        "ListDedicatedIpPools",
        "DeleteDedicatedIpPool",
        "PutDedicatedIpPoolScalingAttributes",
        "GetDedicatedIp",
        "GetDedicatedIps",
        "PutDedicatedIpInPool",
        "PutDedicatedIpWarmupAttributes",
        "PutAccountDedicatedIpWarmupAttributes",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "IPs leased by ses_account.lease_dedicated_ips (what AWS decides); warm-up on "
        "the virtual clock",
    }

    def CreateDedicatedIpPool(self, call: Call, p: Params) -> Result:
        name = p["PoolName"]
        if not _POOL_NAME.match(name):
            raise bad_request(f"Invalid pool name <{name}>.")
        mode = _scaling_mode(p.get("ScalingMode", "STANDARD"))
        checked_tags(p.get("Tags"))
        pools = call.part(DedicatedIpPools)
        existing = pools.pools(call.region)
        if name in RESERVED_POOLS or any(pool.name == name for pool in existing):
            raise already_exists(f"The pool <{name}> already exists.")
        if mode == "MANAGED" and (
            sum(pool.scaling_mode == "MANAGED" for pool in existing) >= MAX_MANAGED_POOLS
        ):
            raise limit_exceeded(
                f"You can't have more than {MAX_MANAGED_POOLS} managed IP pools in a Region."
            )
        made = DedicatedIpPool(name, "MANAGED" if mode == "MANAGED" else "STANDARD", _now(call))
        pools.put_pool(made, call.region)
        tag_new(call, "dedicated-ip-pool", name, p.get("Tags"))
        return {}

    def GetDedicatedIpPool(self, call: Call, p: Params) -> Result:
        pool = _pool(call, p["PoolName"])
        return {"DedicatedIpPool": {"PoolName": pool.name, "ScalingMode": pool.scaling_mode}}

    def ListDedicatedIpPools(self, call: Call, p: Params) -> Result:
        names = sorted(pool.name for pool in call.part(DedicatedIpPools).pools(call.region))
        return paginate(
            names,
            "DedicatedIpPools",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=100,
            size_name="PageSize",
        )

    def DeleteDedicatedIpPool(self, call: Call, p: Params) -> Result:
        name = p["PoolName"]
        if not call.part(DedicatedIpPools).delete_pool(name, call.region):
            raise _pool_missing(name)
        untag_gone(call, "dedicated-ip-pool", name)
        return {}

    def PutDedicatedIpPoolScalingAttributes(self, call: Call, p: Params) -> Result:
        mode = _scaling_mode(p.get("ScalingMode"))
        pool = _pool(call, p["PoolName"])
        if pool.scaling_mode == "MANAGED" and mode == "STANDARD":
            # "MANAGED pools cannot be converted to STANDARD scaling mode" (the model).
            raise bad_request("The ScalingMode parameter is invalid.")
        pools = call.part(DedicatedIpPools)
        changed = DedicatedIpPool(
            pool.name, "MANAGED" if mode == "MANAGED" else "STANDARD", pool.created
        )
        pools.put_pool(changed, call.region)
        return {}

    def GetDedicatedIp(self, call: Call, p: Params) -> Result:
        return {"DedicatedIp": _described(call, _ip(call, p["Ip"]))}

    def GetDedicatedIps(self, call: Call, p: Params) -> Result:
        pools = call.part(DedicatedIpPools)
        name = p.get("PoolName")
        if name is not None and name != DEFAULT_POOL:
            _pool(call, name)
        ips = [
            _described(call, ip)
            for ip in pools.dedicated_ips(call.region)
            if name is None or (ip.pool or DEFAULT_POOL) == name
        ]
        return paginate(
            ips,
            "DedicatedIps",
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=100,
            size_name="PageSize",
        )

    def PutDedicatedIpInPool(self, call: Call, p: Params) -> Result:
        destination = p["DestinationPoolName"]
        if not destination.strip():
            raise bad_request("Pool name can't be blank.")
        ip = _ip(call, p["Ip"])
        pool = None if destination == DEFAULT_POOL else _pool(call, destination)
        if pool is not None and pool.scaling_mode == "MANAGED":
            raise bad_request(f"The pool <{destination}> is a managed pool: SES chooses its IPs.")
        call.part(DedicatedIpPools).put_ip(
            DedicatedIp(
                ip.ip,
                None if pool is None else pool.name,
                ip.warmup_base,
                ip.warmup_since,
                ip.warming,
            ),
            call.region,
        )
        return {}

    def PutDedicatedIpWarmupAttributes(self, call: Call, p: Params) -> Result:
        percentage = p["WarmupPercentage"]
        if not 0 <= percentage <= 100:
            raise bad_request("Warmup Percentage must be between 0 and 100.")
        ip = _ip(call, p["Ip"])
        call.part(DedicatedIpPools).put_ip(
            DedicatedIp(ip.ip, ip.pool, float(percentage), _now(call), ip.warming), call.region
        )
        return {}

    def PutAccountDedicatedIpWarmupAttributes(self, call: Call, p: Params) -> Result:
        # A missing AutoWarmupEnabled means false, as a missing boolean does elsewhere.
        enabled = bool(p.get("AutoWarmupEnabled", False))
        call.part(DedicatedIpPools).set_auto_warmup(enabled, call.region)
        return {}


def _now(call: Call) -> Any:
    return call.account.clock.now()
