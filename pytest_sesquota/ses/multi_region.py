"""Multi-region endpoints (SES v2's global endpoints): Create, Get, List and Delete, and
the route of a send that names one (``EndpointId``): from the endpoint's primary region
and its secondary in turn, each region's quotas counting its own sends."""

from __future__ import annotations

__all__ = ["MultiRegionV2", "routed"]

import re
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar

from ..account.multi_region import MultiRegionEndpoint, MultiRegionEndpoints
from .api import Call, Operations, Params, Result, already_exists, paginate
from .mail import ApiError, bad_request
from .tags import checked_tags, tag_new, untag_gone

_NAME = re.compile(r"^[\w\-_]{1,64}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def routed(call: Call, p: Mapping[str, Any]) -> Call:
    """The call as it reaches SES through the endpoint its ``EndpointId`` names: in the
    region whose turn it is. Unchanged without one, or for an endpoint that does not
    exist (``MultiRegionEndpoints.check_send`` refuses that send)."""
    endpoint_id = p.get("EndpointId")
    if not endpoint_id:
        return call
    region = call.part(MultiRegionEndpoints).route(endpoint_id)
    if region is None or region == call.region:
        return call
    return Call(call.account, region, call.dialect, call.operation)


def _missing(name: str) -> ApiError:
    return ApiError("NotFoundException", f"Multi-region endpoint {name} does not exist.", 404)


def _endpoint(call: Call, name: str) -> MultiRegionEndpoint:
    # Only the primary region manages an endpoint (the API reference).
    found = call.part(MultiRegionEndpoints).endpoint(name, call.region)
    if found is None:
        raise _missing(name)
    return found


class MultiRegionV2(Operations):
    title = "multi-region endpoints"
    names = (
        "CreateMultiRegionEndpoint",
        "GetMultiRegionEndpoint",
        "ListMultiRegionEndpoints",
        "DeleteMultiRegionEndpoint",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "ready at once; a send naming one goes from its two regions in turn, a send "
        "naming none that exists is refused",
    }

    def CreateMultiRegionEndpoint(self, call: Call, p: Params) -> Result:
        name = p["EndpointName"]
        if not _NAME.match(name):
            raise bad_request(
                f"1 validation error detected: Value '{name}' at 'endpointName' failed to "
                r"satisfy constraint: Member must satisfy regular expression pattern: ^[\w\-_]+$"
            )
        routes = p["Details"].get("RoutesDetails") or []
        if len(routes) != 1:
            raise bad_request("RoutesDetails must contain exactly one route configuration.")
        secondary = routes[0]["Region"]
        if not _REGION.match(secondary):
            raise bad_request(f"Invalid region: {secondary}")
        if secondary == call.region:
            raise bad_request("The secondary region must differ from the primary region.")
        checked_tags(p.get("Tags"))
        endpoints = call.part(MultiRegionEndpoints)
        if endpoints.endpoint(name, call.region) is not None:
            raise already_exists(f"Multi-region endpoint {name} already exists.")
        # An endpoint's id is a host name's first labels (requests go to
        # <id>.endpoints.email.amazonaws.com).
        made = MultiRegionEndpoint(
            name=name,
            endpoint_id=f"{secrets.token_hex(4)}.{secrets.token_hex(2)}",
            primary=call.region,
            secondary=secondary,
            created=call.account.clock.now(),
        )
        endpoints.put(made)
        tag_new(call, "multi-region-endpoint", name, p.get("Tags"))
        return {"Status": "CREATING", "EndpointId": made.endpoint_id}

    def GetMultiRegionEndpoint(self, call: Call, p: Params) -> Result:
        found = _endpoint(call, p["EndpointName"])
        return {
            "EndpointName": found.name,
            "EndpointId": found.endpoint_id,
            "Routes": [{"Region": region} for region in found.regions],
            "Status": "READY",
            "CreatedTimestamp": found.created,
            "LastUpdatedTimestamp": found.created,
        }

    def ListMultiRegionEndpoints(self, call: Call, p: Params) -> Result:
        items = [
            {
                "EndpointName": e.name,
                "Status": "READY",
                "EndpointId": e.endpoint_id,
                "Regions": list(e.regions),
                "CreatedTimestamp": e.created,
                "LastUpdatedTimestamp": e.created,
            }
            for e in call.part(MultiRegionEndpoints).endpoints(call.region)
        ]
        size = p.get("PageSize")
        if size is not None and size > 1000:
            raise bad_request("PageSize must be less than or equal to 1000.")
        return paginate(
            items,
            "MultiRegionEndpoints",
            size=size,
            token=p.get("NextToken"),
            default=1000,
            size_name="PageSize",
        )

    def DeleteMultiRegionEndpoint(self, call: Call, p: Params) -> Result:
        found = _endpoint(call, p["EndpointName"])
        call.part(MultiRegionEndpoints).delete(found.name, call.region)
        untag_gone(call, "multi-region-endpoint", found.name)
        return {"Status": "DELETING"}
