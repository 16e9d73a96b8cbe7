"""SES v2's request input read against botocore's shapes (``wire.rest.parse_input``,
white-box): the typed values, and the exact refusal of a wrong value deep inside a
document, its path included. The readers are built once per operation and add a
path's steps only on the way out of a refusal; these pin what they answer."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from pytest_sesquota.ses.mail import ApiError
from pytest_sesquota.wire.query import service_model
from pytest_sesquota.wire.rest import parse_input

SIMPLE = {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}}


def parse(operation: str, document: Any, query: str = "", **labels: str) -> dict[str, Any]:
    model = service_model("sesv2").operation_model(operation)
    body = b"" if document is None else json.dumps(document).encode()
    return parse_input(model, labels, query, body)


def refusal(operation: str, document: Any, query: str = "", **labels: str) -> tuple[str, str]:
    with pytest.raises(ApiError) as caught:
        parse(operation, document, query, **labels)
    return caught.value.code, caught.value.message


def test_a_send_is_read_as_typed_and_nulls_are_dropped():
    document = {
        "FromEmailAddress": "app@example.com",
        "Destination": {"ToAddresses": ["a@example.com", None], "CcAddresses": None},
        "Content": SIMPLE,
        "EmailTags": [{"Name": "campaign", "Value": "spring"}],
        "ConfigurationSetName": None,
        "NotAMember": 1,
    }
    assert parse("SendEmail", document) == {
        "FromEmailAddress": "app@example.com",
        "Destination": {"ToAddresses": ["a@example.com", None]},
        "Content": SIMPLE,
        "EmailTags": [{"Name": "campaign", "Value": "spring"}],
    }


def test_labels_and_the_query_string_are_read_with_the_models_types():
    assert parse(
        "ListSuppressedDestinations",
        {},
        "Reason=BOUNCE&Reason=COMPLAINT&PageSize=5&StartDate=2026-01-01T00:00:00Z",
    ) == {
        "Reasons": ["BOUNCE", "COMPLAINT"],
        "StartDate": datetime(2026, 1, 1, tzinfo=timezone.utc),
        "PageSize": 5,
    }
    assert parse("GetEmailTemplate", None, TemplateName="welcome") == {"TemplateName": "welcome"}


def test_timestamps_and_numbers_in_a_body():
    document = {
        "ConfigurationSetName": "marketing",
        "ReputationOptions": {"LastFreshStart": 1_767_225_600, "ReputationMetricsEnabled": True},
        "DeliveryOptions": {"TlsPolicy": "REQUIRE"},
    }
    assert parse("CreateConfigurationSet", document) == {
        "ConfigurationSetName": "marketing",
        "ReputationOptions": {
            "LastFreshStart": datetime(2026, 1, 1, tzinfo=timezone.utc),
            "ReputationMetricsEnabled": True,
        },
        "DeliveryOptions": {"TlsPolicy": "REQUIRE"},
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"Content": SIMPLE, "EmailTags": [{"Name": "a", "Value": "b"}, {"Name": 7}]},
            "Invalid type for parameter EmailTags[1].Name: expected string, got int.",
        ),
        (
            {"Content": {"Simple": {"Subject": {"Data": ["Hi"]}, "Body": {}}}},
            "Invalid type for parameter Content.Simple.Subject.Data: expected string, "
            "got a JSON array.",
        ),
        (
            {"Content": SIMPLE, "Destination": {"ToAddresses": "a@example.com"}},
            "Invalid type for parameter Destination.ToAddresses: expected list, got str.",
        ),
        (
            {"Content": {"Raw": {"Data": "***"}}},
            "Value at 'Content.Raw.Data' is not valid base64.",
        ),
        # A wrong type is refused before a missing required member (Content here).
        (
            {"FromEmailAddress": True},
            "Invalid type for parameter FromEmailAddress: expected string, got bool.",
        ),
    ],
)
def test_a_wrong_value_is_refused_with_its_path(document, message):
    assert refusal("SendEmail", document) == ("BadRequestException", message)


def test_an_enum_deep_in_a_document_is_named_as_aws_names_members():
    model = service_model("sesv2")
    events = model.shape_for("EventType").enum
    code, message = refusal(
        "CreateConfigurationSetEventDestination",
        {
            "EventDestinationName": "all",
            "EventDestination": {"MatchingEventTypes": ["SEND", "SPAM"]},
        },
        ConfigurationSetName="marketing",
    )
    assert (code, message) == (
        "BadRequestException",
        "1 validation error detected: Value 'SPAM' at "
        "'eventDestination.matchingEventTypes[1]' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(events)}]",
    )


def test_an_enum_in_the_query_is_refused_too():
    reasons = service_model("sesv2").shape_for("SuppressionListReason").enum
    assert refusal("ListSuppressedDestinations", {}, "Reason=SPAM") == (
        "BadRequestException",
        "1 validation error detected: Value 'SPAM' at 'reasons' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(reasons)}]",
    )


@pytest.mark.parametrize(
    ("document", "member"),
    [
        ({}, "content"),
        ({"Content": {"Simple": {"Subject": {"Data": "Hi"}}}}, "content.simple.body"),
        ({"Content": {"Simple": {"Subject": {}, "Body": {}}}}, "content.simple.subject.data"),
        (
            {"Content": SIMPLE, "EmailTags": [{"Name": "a", "Value": "b"}, {"Name": "c"}]},
            "emailTags.2.member.value",
        ),
    ],
)
def test_a_missing_required_member_is_named_with_its_path(document, member):
    assert refusal("SendEmail", document) == (
        "ValidationError",
        f"1 validation error detected: Value null at '{member}' failed to satisfy "
        "constraint: Member must not be null",
    )
