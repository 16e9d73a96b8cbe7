"""Tags by ARN: SES v2's TagResource, UntagResource and ListTagsForResource, and what
every taggable resource's create, get and delete share (``Tags`` kept by ARN).

A resource becomes taggable with one entry in ``RESOURCE_TYPES``: its ARN's resource
type and how to tell whether one of that name exists in a region.
"""

from __future__ import annotations

__all__ = [
    "MAX_KEY",
    "MAX_TAGS",
    "MAX_VALUE",
    "RESOURCE_TYPES",
    "TagsV2",
    "arn",
    "checked_tags",
    "tag_list",
    "tag_new",
    "untag_gone",
]

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ..account.configuration_sets import ConfigurationSets
from ..account.contact_lists import ContactLists
from ..account.dedicated_ips import DedicatedIpPools
from ..account.multi_region import MultiRegionEndpoints
from ..account.tags import Tags
from ..account.tenants import Tenants
from ..account.verification import CustomVerification
from .api import Call, Operations, Params, Result
from .mail import ACCOUNT_ID, ApiError, bad_request

#: Tags a resource may carry, and the lengths of a key and a value (SES v2's API reference).
MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256

#: ARN resource type -> whether a resource of that name exists (in the call's region).
RESOURCE_TYPES: dict[str, Callable[[Call, str], bool]] = {
    "identity": lambda call, name: call.account.identity(name, call.region) is not None,
    "template": lambda call, name: name in call.account.templates(call.region),
    "contact-list": lambda call, name: (
        call.part(ContactLists).contact_list(name, call.region) is not None
    ),
    # A tenant's ARN ends in <name>/<id>: SES finds it by its id (probed).
    "tenant": lambda call, name: (
        call.part(Tenants).by_id(name.rpartition("/")[2], call.region) is not None
    ),
    "configuration-set": lambda call, name: call.part(ConfigurationSets).exists(name, call.region),
    "custom-verification-email-template": lambda call, name: (
        call.part(CustomVerification).template(name, call.region) is not None
    ),
    "deliverability-test-report": lambda call, name: any(
        t.report_id == name for t in call.account.deliverability_tests(call.region)
    ),
    "dedicated-ip-pool": lambda call, name: (
        call.part(DedicatedIpPools).pool(name, call.region) is not None
    ),
    "multi-region-endpoint": lambda call, name: (
        call.part(MultiRegionEndpoints).endpoint(name, call.region) is not None
    ),
}


def arn(call: Call, resource_type: str, name: str) -> str:
    """The ARN of a resource of the account in the call's region."""
    return f"arn:aws:ses:{call.region}:{ACCOUNT_ID}:{resource_type}/{name}"


def _not_found(resource: str) -> ApiError:
    # No capture of SES's text for an unknown ARN; the wording is the model's own.
    return ApiError("NotFoundException", f"Resource {resource} does not exist.", 404)


def _resolve(call: Call, resource: str) -> str:
    """Check that ``resource`` is the ARN of an existing resource of the account in the
    call's region; its ARN as given."""
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "ses" or "/" not in parts[5]:
        raise bad_request(f"Invalid ARN: {resource}")
    region, account = parts[3], parts[4]
    kind, _, name = parts[5].partition("/")
    exists = RESOURCE_TYPES.get(kind)
    if region != call.region or account != ACCOUNT_ID or exists is None or not exists(call, name):
        raise _not_found(resource)
    return resource


def checked_tags(given: Any) -> dict[str, str]:
    """``[{"Key", "Value"}]`` as key -> value, with SES's limits."""
    tags: dict[str, str] = {}
    for tag in given or ():
        key, value = str(tag.get("Key", "")), str(tag.get("Value", ""))
        if not 1 <= len(key) <= MAX_KEY:
            raise bad_request(f"Tag keys must be 1 to {MAX_KEY} characters long.")
        if len(value) > MAX_VALUE:
            raise bad_request(f"Tag values must be at most {MAX_VALUE} characters long.")
        tags[key] = value
    if len(tags) > MAX_TAGS:
        raise bad_request(f"A resource can have at most {MAX_TAGS} tags.")
    return tags


def tag_new(call: Call, resource_type: str, name: str, given: Any) -> None:
    """Keep the ``Tags`` a resource was created with (call after its checks passed, with
    ``checked_tags`` called before the resource was made)."""
    tags = checked_tags(given)
    if tags:
        call.part(Tags).tag(arn(call, resource_type, name), tags, call.region)


def tag_list(call: Call, resource_type: str, name: str) -> list[dict[str, str]]:
    """A resource's tags as its Get operation returns them."""
    tags = call.part(Tags).tags_of(arn(call, resource_type, name), call.region)
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def untag_gone(call: Call, resource_type: str, name: str) -> None:
    """A resource was deleted: its tags go with it."""
    call.part(Tags).forget(arn(call, resource_type, name), call.region)


class TagsV2(Operations):
    title = "tags"
    names = ("TagResource", "UntagResource", "ListTagsForResource")
    notes: ClassVar[dict[str, str]] = {"": "on every taggable resource, by ARN"}

    def TagResource(self, call: Call, p: Params) -> Result:
        resource = _resolve(call, p["ResourceArn"])
        tags = call.part(Tags)
        merged: Mapping[str, str] = {**tags.tags_of(resource, call.region)}
        merged = {**merged, **checked_tags(p["Tags"])}
        checked_tags([{"Key": k, "Value": v} for k, v in merged.items()])  # the limit, after
        tags.tag(resource, merged, call.region)
        return {}

    def UntagResource(self, call: Call, p: Params) -> Result:
        resource = _resolve(call, p["ResourceArn"])
        call.part(Tags).untag(resource, p["TagKeys"], call.region)
        return {}

    def ListTagsForResource(self, call: Call, p: Params) -> Result:
        resource = _resolve(call, p["ResourceArn"])
        tags = call.part(Tags).tags_of(resource, call.region)
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
