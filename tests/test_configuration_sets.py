"""Configuration sets through boto3, SMTP and ``sesquota serve``: both APIs' operations
with SES's shapes, limits and texts, and what a set does to a send."""

from __future__ import annotations

import smtplib
from datetime import datetime, timezone

import boto3
import pytest
from conftest import MESSAGE, NO_RETRIES, SIMPLE

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.configuration_sets import ConfigurationSets
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.gate import Gate
from pytest_sesquota.serve.retention import Retention
from pytest_sesquota.serve.server import SesHttpServer
from pytest_sesquota.serve.store import Store

pytestmark = pytest.mark.ses_quota(profile="production")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"
ONE_DESTINATION = (
    "Please provide only one destination with each request. Either a Firehose Destination "
    "or a Cloudwatch Destination or an SNS Destination or an EventBridge Destination."
)


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def needs(client, operation, *members):
    """Skip where the installed botocore's model lacks ``operation`` or its ``members``:
    the oldest supported botocore (1.34) predates some of SES v2's newer options."""
    model = client.meta.service_model
    if operation not in model.operation_names:
        pytest.skip(f"this botocore has no {operation}")
    missing = set(members) - set(model.operation_model(operation).input_shape.members)
    if missing:
        pytest.skip(f"this botocore's {operation} takes no {', '.join(sorted(missing))}")


def send_v1(ses, **extra):
    return ses.send_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Message=MESSAGE,
        **extra,
    )


def send_v2(sesv2, *to, **extra):
    return sesv2.send_email(
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": list(to or ["a@example.com"])},
        Content=SIMPLE,
        **extra,
    )


# -- SES v1: the set, its event destinations and options -----------------------------
def test_v1_create_describe_list_delete(ses):
    ses.create_configuration_set(ConfigurationSet={"Name": "marketing"})
    ses.create_configuration_set(ConfigurationSet={"Name": "receipts"})
    with pytest.raises(ses.exceptions.ConfigurationSetAlreadyExistsException) as err:
        ses.create_configuration_set(ConfigurationSet={"Name": "marketing"})
    assert error_of(err) == (
        "ConfigurationSetAlreadyExists",
        400,
        "Configuration set <marketing> already exists.",
    )
    described = ses.describe_configuration_set(
        ConfigurationSetName="marketing",
        ConfigurationSetAttributeNames=["eventDestinations", "reputationOptions"],
    )
    assert described["ConfigurationSet"] == {"Name": "marketing"}
    assert described["EventDestinations"] == []
    # Made through SES v1: no reputation metrics until asked for.
    assert described["ReputationOptions"] == {
        "SendingEnabled": True,
        "ReputationMetricsEnabled": False,
    }
    first = ses.list_configuration_sets(MaxItems=1)
    assert first["ConfigurationSets"] == [{"Name": "marketing"}]
    rest = ses.list_configuration_sets(MaxItems=1, NextToken=first["NextToken"])
    assert rest["ConfigurationSets"] == [{"Name": "receipts"}] and "NextToken" not in rest
    ses.delete_configuration_set(ConfigurationSetName="marketing")
    with pytest.raises(ses.exceptions.ConfigurationSetDoesNotExistException) as err:
        ses.delete_configuration_set(ConfigurationSetName="marketing")
    assert error_of(err) == (
        "ConfigurationSetDoesNotExist",
        400,
        "Configuration set <marketing> does not exist.",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("news letters", "Invalid configuration set name <news letters>: only alphanumeric "
         "ASCII characters, '_', and '-' are allowed."),
        ("n" * 65, "Configuration set name cannot exceed 64 characters."),
        ("", "The configuration set name must be specified."),
    ],
)  # fmt: skip
def test_a_name_ses_refuses(ses, sesv2, name, message):
    with pytest.raises(ses.exceptions.InvalidConfigurationSetException) as err:
        ses.create_configuration_set(ConfigurationSet={"Name": name})
    assert error_of(err) == ("InvalidConfigurationSet", 400, message)
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.create_configuration_set(ConfigurationSetName=name or "a/")
    assert error_of(err)[:2] == ("BadRequestException", 400)
    assert ses.list_configuration_sets()["ConfigurationSets"] == []


def test_v1_event_destinations(ses, sesv2):
    ses.create_configuration_set(ConfigurationSet={"Name": "cs"})
    sns = {
        "Name": "bounces",
        "Enabled": True,
        "MatchingEventTypes": ["bounce", "renderingFailure"],
        "SNSDestination": {"TopicARN": TOPIC},
    }
    ses.create_configuration_set_event_destination(ConfigurationSetName="cs", EventDestination=sns)
    with pytest.raises(ses.exceptions.EventDestinationAlreadyExistsException) as err:
        ses.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestination=sns
        )
    assert error_of(err)[:2] == ("EventDestinationAlreadyExists", 400)
    metrics = {
        "Name": "metrics",
        "MatchingEventTypes": ["send"],
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {
                    "DimensionName": "campaign",
                    "DimensionValueSource": "messageTag",
                    "DefaultDimensionValue": "none",
                }
            ]
        },
    }
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="cs", EventDestination=metrics
    )
    described = ses.describe_configuration_set(
        ConfigurationSetName="cs", ConfigurationSetAttributeNames=["eventDestinations"]
    )["EventDestinations"]
    assert described == [sns, {**metrics, "Enabled": False}]  # SES v1 defaults to disabled
    # SES v2 sees the same destinations, in its own words.
    got = sesv2.get_configuration_set_event_destinations(ConfigurationSetName="cs")
    assert got["EventDestinations"][0]["MatchingEventTypes"] == ["BOUNCE", "RENDERING_FAILURE"]
    dimension = got["EventDestinations"][1]["CloudWatchDestination"]["DimensionConfigurations"]
    assert dimension[0]["DimensionValueSource"] == "MESSAGE_TAG"
    ses.update_configuration_set_event_destination(
        ConfigurationSetName="cs", EventDestination={**sns, "Enabled": False}
    )
    assert not ses_destinations(ses, "cs")[0]["Enabled"]
    ses.delete_configuration_set_event_destination(
        ConfigurationSetName="cs", EventDestinationName="bounces"
    )
    with pytest.raises(ses.exceptions.EventDestinationDoesNotExistException) as err:
        ses.delete_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="bounces"
        )
    assert error_of(err) == (
        "EventDestinationDoesNotExist",
        400,
        "No EventDestination found for cs",
    )
    with pytest.raises(ses.exceptions.ConfigurationSetDoesNotExistException) as err:
        ses.create_configuration_set_event_destination(
            ConfigurationSetName="nope", EventDestination=sns
        )
    assert error_of(err)[2] == "Configuration set <nope> does not exist."


def ses_destinations(ses, name):
    return ses.describe_configuration_set(
        ConfigurationSetName=name, ConfigurationSetAttributeNames=["eventDestinations"]
    )["EventDestinations"]


def test_event_destination_rules(ses, sesv2, ses_account):
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    both = {
        "Enabled": True,
        "MatchingEventTypes": ["SEND"],
        "SnsDestination": {"TopicArn": TOPIC},
        "KinesisFirehoseDestination": {
            "IamRoleArn": "arn:aws:iam::123456789012:role/ses",
            "DeliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/x",
        },
    }
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d", EventDestination=both
        )
    assert error_of(err) == ("BadRequestException", 400, ONE_DESTINATION)
    one = {"Enabled": True, "MatchingEventTypes": ["SEND"], "SnsDestination": {"TopicArn": TOPIC}}
    for n in range(10):  # the quotas page: 10 event destinations a set
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName=f"d{n}", EventDestination=one
        )
    with pytest.raises(sesv2.exceptions.LimitExceededException) as err:
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d10", EventDestination=one
        )
    assert error_of(err)[:2] == ("LimitExceededException", 400)
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="a.b", EventDestination=one
        )
    assert error_of(err)[2] == (
        "Invalid event destination name <a.b>: only alphanumeric ASCII characters, '_', "
        "and '-' are allowed."
    )
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        sesv2.update_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d99", EventDestination=one
        )
    assert error_of(err) == ("NotFoundException", 404, "No EventDestination found for cs")
    with pytest.raises(sesv2.exceptions.AlreadyExistsException):
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d0", EventDestination=one
        )
    # Where the events part reads them.
    destinations = part_of(ses_account, ConfigurationSets).destinations("cs")
    assert [d.name for d in destinations] == [f"d{n}" for n in range(10)]
    assert destinations[0].sns_topic_arn == TOPIC
    assert destinations[0].matching_event_types == ("SEND",)


@pytest.mark.ses_quota(verified=["app@example.com", "example.com"])
def test_v1_tracking_options(ses, ses_account):
    ses.create_configuration_set(ConfigurationSet={"Name": "cs"})
    with pytest.raises(ses.exceptions.InvalidTrackingOptionsException) as err:
        ses.create_configuration_set_tracking_options(
            ConfigurationSetName="cs", TrackingOptions={"CustomRedirectDomain": "other.org"}
        )
    assert error_of(err) == (
        "InvalidTrackingOptions",
        400,
        "Domain <other.org> is not verified under this account.",
    )
    with pytest.raises(ses.exceptions.InvalidTrackingOptionsException) as err:
        ses.create_configuration_set_tracking_options(
            ConfigurationSetName="cs", TrackingOptions={"CustomRedirectDomain": " "}
        )
    assert error_of(err)[2] == "At least one field of TrackingOptions must contain a value."
    with pytest.raises(ses.exceptions.TrackingOptionsDoesNotExistException):
        ses.update_configuration_set_tracking_options(
            ConfigurationSetName="cs", TrackingOptions={"CustomRedirectDomain": "example.com"}
        )
    ses.create_configuration_set_tracking_options(
        ConfigurationSetName="cs", TrackingOptions={"CustomRedirectDomain": "example.com"}
    )
    with pytest.raises(ses.exceptions.TrackingOptionsAlreadyExistsException):
        ses.create_configuration_set_tracking_options(
            ConfigurationSetName="cs", TrackingOptions={"CustomRedirectDomain": "example.com"}
        )
    described = ses.describe_configuration_set(
        ConfigurationSetName="cs", ConfigurationSetAttributeNames=["trackingOptions"]
    )
    assert described["TrackingOptions"] == {"CustomRedirectDomain": "example.com"}
    ses.delete_configuration_set_tracking_options(ConfigurationSetName="cs")
    assert "TrackingOptions" not in ses.describe_configuration_set(
        ConfigurationSetName="cs", ConfigurationSetAttributeNames=["trackingOptions"]
    )
    with pytest.raises(ses.exceptions.TrackingOptionsDoesNotExistException) as err:
        ses.delete_configuration_set_tracking_options(ConfigurationSetName="cs")
    assert error_of(err) == (
        "TrackingOptionsDoesNotExistException",
        400,
        "There are no tracking options for configuration set <cs>",
    )


def test_v1_delivery_reputation_and_sending(ses, ses_account, ses_clock):
    ses.create_configuration_set(ConfigurationSet={"Name": "cs"})
    ses.put_configuration_set_delivery_options(
        ConfigurationSetName="cs", DeliveryOptions={"TlsPolicy": "Require"}
    )
    with pytest.raises(ses.exceptions.ClientError) as err:
        ses.put_configuration_set_delivery_options(
            ConfigurationSetName="cs", DeliveryOptions={"TlsPolicy": "require"}
        )
    assert error_of(err) == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'deliveryOptions.tlsPolicy' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Optional, Require]",
    )
    ses.update_configuration_set_reputation_metrics_enabled(ConfigurationSetName="cs", Enabled=True)
    ses.update_configuration_set_sending_enabled(ConfigurationSetName="cs", Enabled=False)
    with pytest.raises(ses.exceptions.ConfigurationSetSendingPausedException) as err:
        send_v1(ses, ConfigurationSetName="cs")
    assert error_of(err) == (
        "ConfigurationSetSendingPausedException",
        400,
        "Sending is paused for configuration set cs",
    )
    ses_clock.advance(hours=1)
    ses.update_configuration_set_sending_enabled(ConfigurationSetName="cs", Enabled=True)
    described = ses.describe_configuration_set(
        ConfigurationSetName="cs",
        ConfigurationSetAttributeNames=["deliveryOptions", "reputationOptions"],
    )
    assert described["DeliveryOptions"] == {"TlsPolicy": "Require"}
    # Enabled again after a pause: the set's reputation metrics start afresh, now.
    assert described["ReputationOptions"] == {
        "SendingEnabled": True,
        "ReputationMetricsEnabled": True,
        "LastFreshStart": datetime(2026, 1, 1, 1, tzinfo=timezone.utc),
    }
    send_v1(ses, ConfigurationSetName="cs")
    assert ses_account.sent[0].configuration_set == "cs"


# -- SES v2 ------------------------------------------------------------------------
def test_v2_create_with_options_and_get(sesv2, ses_account):
    sesv2.create_configuration_set(
        ConfigurationSetName="cs",
        DeliveryOptions={"TlsPolicy": "REQUIRE", "SendingPoolName": "ses-shared-pool"},
        SuppressionOptions={"SuppressedReasons": ["COMPLAINT"]},
        VdmOptions={"DashboardOptions": {"EngagementMetrics": "ENABLED"}},
        Tags=[{"Key": "team", "Value": "mail"}],
    )
    got = sesv2.get_configuration_set(ConfigurationSetName="cs")
    got.pop("ResponseMetadata")
    assert got == {
        "ConfigurationSetName": "cs",
        "DeliveryOptions": {"TlsPolicy": "REQUIRE", "SendingPoolName": "ses-shared-pool"},
        "SuppressionOptions": {"SuppressedReasons": ["COMPLAINT"]},
        "VdmOptions": {"DashboardOptions": {"EngagementMetrics": "ENABLED"}},
        # Made through SES v2: reputation metrics on, sending on.
        "ReputationOptions": {"ReputationMetricsEnabled": True},
        "SendingOptions": {"SendingEnabled": True},
        "Tags": [{"Key": "team", "Value": "mail"}],
    }
    with pytest.raises(sesv2.exceptions.AlreadyExistsException) as err:
        sesv2.create_configuration_set(ConfigurationSetName="cs")
    assert error_of(err) == (
        "AlreadyExistsException",
        400,
        "Configuration set <cs> already exists.",
    )
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        sesv2.get_configuration_set(ConfigurationSetName="nope")
    assert error_of(err) == ("NotFoundException", 404, "Configuration set <nope> does not exist.")
    arn = "arn:aws:ses:us-east-1:123456789012:configuration-set/cs"
    sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "ci"}])
    assert sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "mail"},
        {"Key": "env", "Value": "ci"},
    ]
    sesv2.delete_configuration_set(ConfigurationSetName="cs")
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    assert sesv2.get_configuration_set(ConfigurationSetName="cs")["Tags"] == []


def test_v2_list_filters_and_pages(sesv2):
    for name in ("news-a", "receipts", "news-b"):
        sesv2.create_configuration_set(ConfigurationSetName=name)
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == ["news-a", "receipts", "news-b"]
    page = sesv2.list_configuration_sets(PageSize=2)
    assert page["ConfigurationSets"] == ["news-a", "receipts"]
    assert sesv2.list_configuration_sets(NextToken=page["NextToken"])["ConfigurationSets"] == [
        "news-b"
    ]


def test_v2_list_filter(sesv2):
    needs(sesv2, "ListConfigurationSets", "Filter")
    for name in ("news-a", "receipts", "news-b"):
        sesv2.create_configuration_set(ConfigurationSetName=name)
    found = sesv2.list_configuration_sets(Filter={"CONFIGURATION_SET_NAME_CONTAINS": "NEWS"})
    assert found["ConfigurationSets"] == ["news-a", "news-b"]


def test_v2_option_groups(sesv2):
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    name = {"ConfigurationSetName": "cs"}
    sesv2.put_configuration_set_delivery_options(**name, TlsPolicy="REQUIRE")
    sesv2.put_configuration_set_reputation_options(**name)  # nothing given: off
    sesv2.put_configuration_set_sending_options(**name)  # nothing given: off
    sesv2.put_configuration_set_suppression_options(**name, SuppressedReasons=[])
    sesv2.put_configuration_set_vdm_options(
        **name, VdmOptions={"GuardianOptions": {"OptimizedSharedDelivery": "DISABLED"}}
    )
    got = sesv2.get_configuration_set(**name)
    assert got["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}
    assert got["ReputationOptions"] == {"ReputationMetricsEnabled": False}
    assert got["SendingOptions"] == {"SendingEnabled": False}
    assert got["SuppressionOptions"] == {"SuppressedReasons": []}
    assert got["VdmOptions"] == {"GuardianOptions": {"OptimizedSharedDelivery": "DISABLED"}}
    sesv2.put_configuration_set_delivery_options(**name)  # nothing given: cleared
    assert "DeliveryOptions" not in sesv2.get_configuration_set(**name)


def test_v2_newer_option_groups(sesv2):
    needs(sesv2, "PutConfigurationSetDeliveryOptions", "MaxDeliverySeconds")
    needs(sesv2, "PutConfigurationSetArchivingOptions")
    needs(sesv2, "UpdateConfigurationSet", "MessageSecurityOptions")
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    name = {"ConfigurationSetName": "cs"}
    sesv2.put_configuration_set_delivery_options(**name, MaxDeliverySeconds=600)
    sesv2.put_configuration_set_archiving_options(
        **name, ArchiveArn="arn:aws:ses:us-east-1:123456789012:mailmanager-archive/a-" + "x" * 24
    )
    sesv2.update_configuration_set(
        **name, MessageSecurityOptions={"SigningScheme": {"DefaultScheme": {}}}
    )
    got = sesv2.get_configuration_set(**name)
    assert got["DeliveryOptions"] == {"MaxDeliverySeconds": 600}
    assert got["ArchivingOptions"]["ArchiveArn"].endswith("a-" + "x" * 24)
    assert got["MessageSecurityOptions"] == {"SigningScheme": {"DefaultScheme": {}}}
    sesv2.put_configuration_set_delivery_options(**name)  # nothing given: cleared
    sesv2.put_configuration_set_archiving_options(**name)
    got = sesv2.get_configuration_set(**name)
    assert "DeliveryOptions" not in got and "ArchivingOptions" not in got


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        ("put_configuration_set_delivery_options", {"SendingPoolName": " "},
         "sendingPoolName can't be blank."),
        ("put_configuration_set_delivery_options", {"MaxDeliverySeconds": 50401},
         "1 validation error detected: Value at 'maxDeliverySeconds' failed to satisfy "
         "constraint: Member must have value less than or equal to 50400"),
        ("put_configuration_set_delivery_options", {"TlsPolicy": "Require"},
         "1 validation error detected: Value 'Require' at 'tlsPolicy' failed to satisfy "
         "constraint: Member must satisfy enum value set: [REQUIRE, OPTIONAL]"),
        ("put_configuration_set_suppression_options", {"SuppressedReasons": ["SPAM"]},
         "1 validation error detected: Value 'SPAM' at 'suppressedReasons[0]' failed to "
         "satisfy constraint: Member must satisfy enum value set: [BOUNCE, COMPLAINT]"),
        ("put_configuration_set_tracking_options", {"HttpsPolicy": "REQUIRE"},
         "CustomRedirectDomain must be specified."),
        ("put_configuration_set_vdm_options",
         {"VdmOptions": {"DashboardOptions": {"EngagementMetrics": "ON"}}},
         "1 validation error detected: Value 'ON' at 'vdmOptions.dashboardOptions."
         "engagementMetrics' failed to satisfy constraint: Member must satisfy enum value set: "
         "[ENABLED, DISABLED]"),
    ],
)  # fmt: skip
def test_v2_option_groups_ses_refuses(sesv2, operation, params, message):
    needs(sesv2, sesv2.meta.method_to_api_mapping[operation], *params)
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        getattr(sesv2, operation)(ConfigurationSetName="cs", **params)
    assert error_of(err) == ("BadRequestException", 400, message)


def test_a_suppression_reason_refused_at_create_makes_no_set(sesv2):
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.create_configuration_set(
            ConfigurationSetName="cs", SuppressionOptions={"SuppressedReasons": ["SPAM"]}
        )
    assert error_of(err)[2] == (
        "1 validation error detected: Value 'SPAM' at 'suppressionOptions.suppressedReasons[0]' "
        "failed to satisfy constraint: Member must satisfy enum value set: [BOUNCE, COMPLAINT]"
    )
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == []


def test_a_sending_pool_must_exist(sesv2, ses_account):
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.put_configuration_set_delivery_options(
            ConfigurationSetName="cs", SendingPoolName="marketing"
        )
    assert error_of(err)[2] == "SendingPool <marketing> doesn't exist"
    sesv2.create_dedicated_ip_pool(PoolName="marketing")
    sesv2.put_configuration_set_delivery_options(
        ConfigurationSetName="cs", SendingPoolName="marketing"
    )
    send_v2(sesv2, ConfigurationSetName="cs")
    sesv2.delete_dedicated_ip_pool(PoolName="marketing")  # the set still names it
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        send_v2(sesv2, ConfigurationSetName="cs")
    assert error_of(err) == ("BadRequestException", 400, "SendingPool <marketing> doesn't exist")
    assert ses_account.rejected[-1].reason == "sending_pool_missing"


# -- what a set does to a send -----------------------------------------------------
def test_a_send_naming_a_missing_set_is_refused(ses, sesv2, ses_account):
    with pytest.raises(ses.exceptions.ConfigurationSetDoesNotExistException) as err:
        send_v1(ses, ConfigurationSetName="typo")
    assert error_of(err) == (
        "ConfigurationSetDoesNotExist",
        400,
        "Configuration set <typo> does not exist.",
    )
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        send_v2(sesv2, ConfigurationSetName="typo")
    assert error_of(err) == ("NotFoundException", 404, "Configuration set <typo> does not exist.")
    assert [(r.reason, r.code) for r in ses_account.rejected] == [
        ("configuration_set_missing", "ConfigurationSetDoesNotExist"),
        ("configuration_set_missing", "NotFoundException"),
    ]
    assert ses_account.sent == [] and ses_account.quota()[2] == 0.0
    # Sets are per region.
    sesv2.create_configuration_set(ConfigurationSetName="typo")
    eu = boto3.client("sesv2", region_name="eu-west-1", config=NO_RETRIES)
    with pytest.raises(eu.exceptions.NotFoundException):
        send_v2(eu, ConfigurationSetName="typo")
    send_v2(sesv2, ConfigurationSetName="typo")
    assert ses_account.sent[0].configuration_set == "typo"


def test_bulk_entries_are_refused_one_by_one(ses, sesv2, ses_account):
    sesv2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi"})
    v1 = ses.send_bulk_templated_email(
        Source="app@example.com",
        Template="t",
        DefaultTemplateData="{}",
        ConfigurationSetName="typo",
        Destinations=[{"Destination": {"ToAddresses": ["a@example.com"]}}],
    )
    assert v1["Status"] == [
        {
            "Status": "ConfigurationSetDoesNotExist",
            "Error": "Configuration set <typo> does not exist.",
        }
    ]
    sesv2.create_configuration_set(
        ConfigurationSetName="paused", SendingOptions={"SendingEnabled": False}
    )
    v2 = sesv2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        ConfigurationSetName="paused",
        BulkEmailEntries=[{"Destination": {"ToAddresses": ["a@example.com"]}}],
    )
    assert v2["BulkEmailEntryResults"] == [
        {
            "Status": "CONFIGURATION_SET_SENDING_PAUSED",
            "Error": "Sending is paused for configuration set paused",
        }
    ]
    assert ses_account.sent == []


def test_v2_paused_set_is_sending_paused(sesv2):
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    sesv2.put_configuration_set_sending_options(ConfigurationSetName="cs", SendingEnabled=False)
    with pytest.raises(sesv2.exceptions.SendingPausedException) as err:
        send_v2(sesv2, ConfigurationSetName="cs")
    assert error_of(err) == (
        "SendingPausedException",
        400,
        "Sending is paused for configuration set cs",
    )


@pytest.mark.ses_quota(max_send_rate=100)
def test_a_set_s_suppression_options_replace_the_account_s(sesv2, ses_account):
    ses_account.suppress("bounced@example.com", reason="BOUNCE")
    ses_account.suppress("complained@example.com", reason="COMPLAINT")
    everyone = ("bounced@example.com", "complained@example.com", "a@example.com")
    sesv2.create_configuration_set(ConfigurationSetName="plain")
    sesv2.create_configuration_set(
        ConfigurationSetName="complaints", SuppressionOptions={"SuppressedReasons": ["COMPLAINT"]}
    )
    sesv2.create_configuration_set(
        ConfigurationSetName="none", SuppressionOptions={"SuppressedReasons": []}
    )
    for name in ("plain", "complaints", "none"):
        send_v2(sesv2, *everyone, ConfigurationSetName=name)
    send_v2(sesv2, *everyone)
    assert [m.delivered for m in ses_account.sent] == [
        ("a@example.com",),  # no options: the account's list, for both reasons
        ("bounced@example.com", "a@example.com"),
        everyone,  # suppression overridden, no reason given: none at all
        ("a@example.com",),
    ]
    # The set's reasons replace the account's, even when the account suppresses for none.
    sesv2.put_account_suppression_attributes(SuppressedReasons=[])
    send_v2(sesv2, *everyone)
    send_v2(sesv2, *everyone, ConfigurationSetName="complaints")
    assert [m.delivered for m in ses_account.sent[4:]] == [
        everyone,
        ("bounced@example.com", "a@example.com"),
    ]


def test_message_tags_travel_and_are_checked(ses, sesv2, ses_account):
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    send_v1(ses, ConfigurationSetName="cs", Tags=[{"Name": "campaign", "Value": "a.b@c"}])
    assert ses_account.sent[0].tags == {"campaign": "a.b@c"}
    with pytest.raises(ses.exceptions.ClientError) as err:
        send_v1(ses, Tags=[{"Name": "campaign:x", "Value": "v"}])
    assert error_of(err) == (
        "InvalidParameterValue",
        400,
        "Invalid tag name <campaign:x>: only alphanumeric ASCII characters, '_',  '-' are allowed.",
    )
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        send_v2(sesv2, EmailTags=[{"Name": "k", "Value": "a:b"}])
    assert error_of(err)[2] == (
        "Invalid tag value <a:b>: only alphanumeric ASCII characters, '_',  '-' , '.', '@' "
        "are allowed."
    )
    with pytest.raises(ses.exceptions.ClientError) as err:
        send_v1(ses, ConfigurationSetName="bad name")
    assert error_of(err)[:2] == ("InvalidParameterValue", 400)
    assert [r.reason for r in ses_account.rejected] == ["invalid"] * 3
    # The feedback tags SES names for the Feedback-ID header pass.
    send_v2(sesv2, EmailTags=[{"Name": "ses:feedback-id-a", "Value": "campaign-1"}])


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("", "", "The tag name must be specified."),
        ("k", "", "The tag value must be specified."),
        ("k" * 256, "v", "Tag name cannot exceed 255 characters."),
        ("k", "v" * 256, "Tag value cannot exceed 255 characters."),
        ("k@x", "v" * 256, "Invalid tag name <k@x>: only alphanumeric ASCII characters, '_',  "
         "'-' are allowed."),
    ],
)  # fmt: skip
def test_message_tag_texts(ses, name, value, message):
    with pytest.raises(ses.exceptions.ClientError) as err:
        send_v1(ses, Tags=[{"Name": name, "Value": value}])
    assert error_of(err) == ("InvalidParameterValue", 400, message)


RAW = (
    b"X-SES-CONFIGURATION-SET: cs\r\n"
    b"From: app@example.com\r\n"
    b"X-SES-MESSAGE-TAGS: campaign=spring, batch=7\r\n"
    b"To: a@example.com\r\n"
    b"Subject: Hi\r\n\r\nHello\r\n"
)


def test_a_raw_message_names_its_set_and_tags_in_ses_headers(ses, sesv2, ses_account):
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    ses.send_raw_email(RawMessage={"Data": RAW})
    sent = ses_account.sent[0]
    assert (sent.configuration_set, sent.tags) == ("cs", {"campaign": "spring", "batch": "7"})
    # SES removes its headers before sending.
    assert sent.raw == b"From: app@example.com\r\nTo: a@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"
    # The API's parameters win over the headers (SES does not join the tags).
    sesv2.create_configuration_set(ConfigurationSetName="api")
    sesv2.send_email(
        Content={"Raw": {"Data": RAW}},
        ConfigurationSetName="api",
        EmailTags=[{"Name": "k", "Value": "v"}],
    )
    assert (ses_account.sent[1].configuration_set, ses_account.sent[1].tags) == (
        "api",
        {"k": "v"},
    )
    with pytest.raises(ses.exceptions.ConfigurationSetDoesNotExistException):
        ses.send_raw_email(RawMessage={"Data": RAW.replace(b": cs", b": gone")})


def test_smtp_names_the_set_in_a_header(ses_account, ses_smtp, sesv2):
    sesv2.create_configuration_set(ConfigurationSetName="cs")
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port, timeout=15) as client:
        client.starttls(context=ses_smtp.ssl_context())
        client.login(ses_smtp.username, ses_smtp.password)
        client.sendmail("app@example.com", ["a@example.com"], RAW)
        with pytest.raises(smtplib.SMTPDataError) as err:
            client.sendmail("app@example.com", ["a@example.com"], RAW.replace(b": cs", b": gone"))
        assert (err.value.smtp_code, err.value.smtp_error) == (
            554,
            b"Transaction failed: Configuration set <gone> does not exist.",
        )
        with pytest.raises(smtplib.SMTPDataError) as err:
            client.sendmail(
                "app@example.com", ["a@example.com"], RAW.replace(b"batch=7", b"batch=7:8")
            )
        assert err.value.smtp_error == (
            b"Transaction failed: Invalid tag value <7:8>: only alphanumeric ASCII characters, "
            b"'_',  '-' , '.', '@' are allowed."
        )
    [sent] = ses_account.sent
    assert (sent.configuration_set, sent.tags, sent.transport) == (
        "cs",
        {"campaign": "spring", "batch": "7"},
        "smtp",
    )
    assert b"X-SES-" not in sent.raw
    assert [r.reason for r in ses_account.rejected] == ["configuration_set_missing", "invalid"]


# -- an identity's default set -----------------------------------------------------
def default_set(ses_account, identity, name):
    """Give an identity a default configuration set, as PutEmailIdentityConfigurationSet
    Attributes does (the identity's own attribute)."""
    ses_account.identity(identity).configuration_set = name


@pytest.mark.ses_quota(verified=["example.com"])
def test_an_identity_s_default_set_applies_to_sends_that_name_none(ses_account, sesv2):
    for name in ("domain-set", "address-set", "named"):
        sesv2.create_configuration_set(ConfigurationSetName=name)
    default_set(ses_account, "example.com", "domain-set")
    send_v2(sesv2)  # from app@example.com: its domain's set
    ses_account.verify("app@example.com")
    send_v2(sesv2)  # an address verified on its own: the domain's set no longer applies
    default_set(ses_account, "app@example.com", "address-set")
    send_v2(sesv2)
    send_v2(sesv2, ConfigurationSetName="named")  # a set named wins
    assert [m.configuration_set for m in ses_account.sent] == [
        "domain-set",
        None,
        "address-set",
        "named",
    ]
    sesv2.delete_configuration_set(ConfigurationSetName="address-set")
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        send_v2(sesv2)
    assert error_of(err)[2] == "Configuration set <address-set> does not exist."


@pytest.mark.ses_quota(verified=[])
def test_a_default_set_applies_only_once_its_identity_is_verified(ses_account, sesv2):
    sesv2.create_configuration_set(
        ConfigurationSetName="paused", SendingOptions={"SendingEnabled": False}
    )
    sesv2.create_email_identity(EmailIdentity="example.com")  # pending verification
    default_set(ses_account, "example.com", "paused")
    with pytest.raises(sesv2.exceptions.MessageRejected):
        send_v2(sesv2)
    ses_account.verify("example.com")
    with pytest.raises(sesv2.exceptions.SendingPausedException):
        send_v2(sesv2)
    # Refused as unverified first: the set was not applied until the domain was verified.
    assert [r.reason for r in ses_account.rejected] == ["unverified", "configuration_set_paused"]


# -- the API rate limit, and sesquota serve's state file -----------------------------
@pytest.mark.ses_quota(api_rate_limit=1)
def test_configuration_set_operations_are_throttled_like_any_action(sesv2):
    sesv2.create_configuration_set(ConfigurationSetName="a")
    with pytest.raises(sesv2.exceptions.TooManyRequestsException):
        sesv2.create_configuration_set(ConfigurationSetName="b")


def test_sesquota_serve_keeps_configuration_sets_across_a_restart(tmp_path):
    path = tmp_path / "ses.sqlite"

    def serve():
        account = SesAccount(profile="production", clock=DetachedClock())
        store, retention = Store(path), Retention()
        store.load(account, retention)
        return account, store, Gate(account, store=store, retention=retention)

    account, store, gate = serve()
    try:
        with SesHttpServer(account, gate=gate) as server:
            v2 = boto3.client(
                "sesv2",
                region_name="eu-west-1",
                endpoint_url=server.endpoint_url,
                aws_access_key_id="x",
                aws_secret_access_key="y",
                config=NO_RETRIES,
            )
            v2.create_configuration_set(
                ConfigurationSetName="cs", SuppressionOptions={"SuppressedReasons": ["BOUNCE"]}
            )
            v2.create_configuration_set_event_destination(
                ConfigurationSetName="cs",
                EventDestinationName="sns",
                EventDestination={
                    "MatchingEventTypes": ["SEND"],
                    "SnsDestination": {"TopicArn": TOPIC},
                },
            )
            v2.put_configuration_set_sending_options(ConfigurationSetName="cs")
            before = v2.get_configuration_set(ConfigurationSetName="cs")
    finally:
        store.close()
    again, store, gate = serve()
    try:
        with SesHttpServer(again, gate=gate) as server:
            v2 = boto3.client(
                "sesv2",
                region_name="eu-west-1",
                endpoint_url=server.endpoint_url,
                aws_access_key_id="x",
                aws_secret_access_key="y",
                config=NO_RETRIES,
            )
            after = v2.get_configuration_set(ConfigurationSetName="cs")
            destinations = v2.get_configuration_set_event_destinations(ConfigurationSetName="cs")
            with pytest.raises(v2.exceptions.SendingPausedException):
                send_v2(v2, ConfigurationSetName="cs")
    finally:
        store.close()
    for answer in (before, after):
        answer.pop("ResponseMetadata")
    assert after == before
    assert [d["Name"] for d in destinations["EventDestinations"]] == ["sns"]
