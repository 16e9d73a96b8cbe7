"""A configuration set's event destinations as both APIs give and show them, checked as
SES checks them, kept as one ``EventDestination`` (SES v2's names) for the events part.

SES v1 writes ``SNSDestination.TopicARN`` and event types as ``renderingFailure``; SES v2
``SnsDestination.TopicArn`` and ``RENDERING_FAILURE``, and adds EventBridge and Pinpoint.
Errors are raised in SES v1's words (``InvalidParameterValue``, ``EventDestination...``);
SES v2 answers them in its own (``ses/v2.py``).
"""

from __future__ import annotations

__all__ = [
    "EVENT_TYPES_V2",
    "MAX_DESTINATIONS",
    "MAX_DIMENSIONS",
    "already_there",
    "from_v1",
    "from_v2",
    "not_there",
    "to_v1",
    "to_v2",
    "too_many",
]

import re
from collections.abc import Mapping
from typing import Any

from ..account.events import EventDestination
from .api import does_not_exist, limit_exceeded
from .mail import ApiError, check_name, invalid

#: SES v2's event types (botocore's model); SES v1 writes the same in camelCase.
EVENT_TYPES_V2 = (
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "OPEN",
    "CLICK",
    "RENDERING_FAILURE",
    "DELIVERY_DELAY",
    "SUBSCRIPTION",
)
_SOURCES_V2 = ("MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG")
#: Event destinations a configuration set may have, and dimensions a CloudWatch
#: destination may have (the SES quotas page, "Quotas related to event publishing").
MAX_DESTINATIONS = 10
MAX_DIMENSIONS = 10
_DIMENSION_NAME = re.compile(r"[A-Za-z0-9_:-]{1,256}")
_DIMENSION_VALUE = re.compile(r"[A-Za-z0-9_.@-]{1,256}")
#: Captured (SES v2's CreateConfigurationSetEventDestination with two destinations).
ONE_DESTINATION = (
    "Please provide only one destination with each request. Either a Firehose Destination "
    "or a Cloudwatch Destination or an SNS Destination or an EventBridge Destination."
)


def _v2_word(camel: str) -> str:
    """``renderingFailure`` -> ``RENDERING_FAILURE`` (v1's words to v2's)."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel).upper()


def _v1_word(upper: str) -> str:
    """``RENDERING_FAILURE`` -> ``renderingFailure``."""
    first, *rest = upper.lower().split("_")
    return first + "".join(word.capitalize() for word in rest)


def already_there(configuration_set: str, destination: str) -> ApiError:
    # No capture of SES's text: this wording follows its other "<name>" texts.
    return ApiError(
        "EventDestinationAlreadyExists",
        f"Event destination <{destination}> already exists in configuration set "
        f"<{configuration_set}>.",
    )


def not_there(configuration_set: str) -> ApiError:
    # Captured: v1 DeleteConfigurationSetEventDestination naming no destination of the set.
    return does_not_exist(
        "EventDestinationDoesNotExist", f"No EventDestination found for {configuration_set}"
    )


def too_many(configuration_set: str) -> ApiError:
    # No capture of SES's text; the limit is the quotas page's.
    return limit_exceeded(
        f"Configuration set <{configuration_set}> already has {MAX_DESTINATIONS} event "
        "destinations, the most it can have."
    )


def _types(given: Any, *, path: str) -> tuple[str, ...]:
    types = tuple(given or ())
    if not types:
        raise invalid("At least one event type must be specified.")
    unknown = [t for t in types if t not in EVENT_TYPES_V2]
    if unknown:
        raise ApiError(
            "ValidationError",
            f"1 validation error detected: Value at '{path}' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must satisfy enum value set: "
            f"[{', '.join(EVENT_TYPES_V2)}]]",
        )
    return tuple(dict.fromkeys(types))  # SES keeps each type once


def _dimensions(given: Mapping[str, Any], *, v1: bool) -> dict[str, Any]:
    dimensions = list(given.get("DimensionConfigurations") or ())
    if not dimensions:
        raise ApiError(
            "InvalidCloudWatchDestination",
            "CloudWatch metrics dimension configuration list cannot be empty.",
        )
    if len(dimensions) > MAX_DIMENSIONS:
        raise ApiError(
            "InvalidCloudWatchDestination",
            f"A CloudWatch destination can have at most {MAX_DIMENSIONS} dimensions.",
        )
    kept = []
    for dimension in dimensions:
        name = str(dimension.get("DimensionName", ""))
        default = str(dimension.get("DefaultDimensionValue", ""))
        source = str(dimension.get("DimensionValueSource", ""))
        source = _v2_word(source) if v1 else source
        if not _DIMENSION_NAME.fullmatch(name):
            raise ApiError("InvalidCloudWatchDestination", f"Invalid dimension name <{name}>.")
        if not _DIMENSION_VALUE.fullmatch(default):
            raise ApiError(
                "InvalidCloudWatchDestination", f"Invalid default dimension value <{default}>."
            )
        if source not in _SOURCES_V2:
            raise ApiError(
                "InvalidCloudWatchDestination", f"Invalid dimension value source <{source}>."
            )
        kept.append(
            {
                "DimensionName": name,
                "DimensionValueSource": source,
                "DefaultDimensionValue": default,
            }
        )
    return {"DimensionConfigurations": kept}


def _one(spec: Mapping[str, Any], kinds: tuple[str, ...]) -> str:
    given = [kind for kind in kinds if spec.get(kind) is not None]
    if not given:
        raise invalid("Event destination is not provided.")
    if len(given) > 1:
        raise invalid(ONE_DESTINATION)
    return given[0]


def from_v1(spec: Mapping[str, Any]) -> EventDestination:
    """SES v1's ``EventDestination`` (its name included), checked."""
    name = str(spec.get("Name", ""))
    check_name("event destination", name)
    types = _types(
        [_v2_word(t) for t in spec.get("MatchingEventTypes") or ()],
        path="eventDestination.matchingEventTypes",
    )
    kind = _one(spec, ("KinesisFirehoseDestination", "CloudWatchDestination", "SNSDestination"))
    given = spec[kind]
    found: dict[str, Any] = {}
    if kind == "SNSDestination":
        found["sns_topic_arn"] = given["TopicARN"]
    elif kind == "KinesisFirehoseDestination":
        found["firehose"] = {
            "IamRoleArn": given["IAMRoleARN"],
            "DeliveryStreamArn": given["DeliveryStreamARN"],
        }
    else:
        found["cloudwatch"] = _dimensions(given, v1=True)
    # SES v1's Enabled defaults to false (its API reference).
    return EventDestination(name, bool(spec.get("Enabled", False)), types, **found)


def from_v2(name: str, spec: Mapping[str, Any]) -> EventDestination:
    """SES v2's ``EventDestinationDefinition`` of the destination ``name``, checked."""
    check_name("event destination", name)
    types = _types(spec.get("MatchingEventTypes"), path="eventDestination.matchingEventTypes")
    kind = _one(
        spec,
        (
            "KinesisFirehoseDestination",
            "CloudWatchDestination",
            "SnsDestination",
            "EventBridgeDestination",
            "PinpointDestination",
        ),
    )
    given = spec[kind]
    found: dict[str, Any] = {}
    if kind == "SnsDestination":
        found["sns_topic_arn"] = given["TopicArn"]
    elif kind == "KinesisFirehoseDestination":
        found["firehose"] = {
            "IamRoleArn": given["IamRoleArn"],
            "DeliveryStreamArn": given["DeliveryStreamArn"],
        }
    elif kind == "CloudWatchDestination":
        found["cloudwatch"] = _dimensions(given, v1=False)
    elif kind == "EventBridgeDestination":
        found["event_bus_arn"] = given["EventBusArn"]
    else:
        found["pinpoint_application_arn"] = given.get("ApplicationArn", "")
    return EventDestination(name, bool(spec.get("Enabled", False)), types, **found)


def to_v1(destination: EventDestination) -> dict[str, Any]:
    """A destination as SES v1's DescribeConfigurationSet shows it (EventBridge and
    Pinpoint destinations, which v1 cannot name, without their target)."""
    shown: dict[str, Any] = {
        "Name": destination.name,
        "Enabled": destination.enabled,
        "MatchingEventTypes": [_v1_word(t) for t in destination.matching_event_types],
    }
    if destination.sns_topic_arn is not None:
        shown["SNSDestination"] = {"TopicARN": destination.sns_topic_arn}
    if destination.firehose is not None:
        shown["KinesisFirehoseDestination"] = {
            "IAMRoleARN": destination.firehose["IamRoleArn"],
            "DeliveryStreamARN": destination.firehose["DeliveryStreamArn"],
        }
    if destination.cloudwatch is not None:
        shown["CloudWatchDestination"] = {
            "DimensionConfigurations": [
                {**d, "DimensionValueSource": _v1_word(d["DimensionValueSource"])}
                for d in destination.cloudwatch["DimensionConfigurations"]
            ]
        }
    return shown


def to_v2(destination: EventDestination) -> dict[str, Any]:
    """A destination as SES v2's GetConfigurationSetEventDestinations shows it."""
    shown: dict[str, Any] = {
        "Name": destination.name,
        "Enabled": destination.enabled,
        "MatchingEventTypes": list(destination.matching_event_types),
    }
    if destination.sns_topic_arn is not None:
        shown["SnsDestination"] = {"TopicArn": destination.sns_topic_arn}
    if destination.firehose is not None:
        shown["KinesisFirehoseDestination"] = dict(destination.firehose)
    if destination.cloudwatch is not None:
        shown["CloudWatchDestination"] = {
            "DimensionConfigurations": [
                dict(d) for d in destination.cloudwatch["DimensionConfigurations"]
            ]
        }
    if destination.event_bus_arn is not None:
        shown["EventBridgeDestination"] = {"EventBusArn": destination.event_bus_arn}
    if destination.pinpoint_application_arn is not None:
        app = destination.pinpoint_application_arn
        shown["PinpointDestination"] = {"ApplicationArn": app} if app else {}
    return shown
