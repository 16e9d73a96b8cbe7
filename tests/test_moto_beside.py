"""moto beside the fake: while the fake is active moto never sees an SES request (either
order of activation, botocore and ``requests``), every other service is moto's, and SES's
events are published into moto's SNS, EventBridge, Firehose and CloudWatch."""

from __future__ import annotations

import json
from contextlib import ExitStack

import boto3
import pytest
import requests
from conftest import NO_RETRIES

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.configuration_sets import ConfigurationSet, ConfigurationSets
from pytest_sesquota.account.events import EventDestination

moto = pytest.importorskip("moto")
from moto.ses.models import ses_backends  # noqa: E402

REGION = "us-east-1"
EMAIL = {
    "FromEmailAddress": "app@example.com",
    "Destination": {"ToAddresses": ["bounce@simulator.amazonses.com"]},
    "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
}


@pytest.fixture(params=["moto first", "fake first"])
def both(request, monkeypatch):
    """mock_aws and an active fake account, started in either order."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    account = SesAccount(profile="production")
    with ExitStack() as stack:
        first, second = (moto.mock_aws(), account)
        if request.param == "fake first":
            first, second = second, first
        stack.enter_context(first)
        stack.enter_context(second)
        yield account


def moto_saw_nothing_of_ses():
    # moto's SES v2 keeps its messages and identities in its v1 backend (moto 5.0 keeps
    # addresses and domains apart).
    ses = ses_backends["123456789012"][REGION]
    identities = getattr(ses, "email_identities", None)
    if identities is None:
        identities = ses.addresses + ses.email_addresses + ses.domains
    assert (ses.sent_message_count, list(identities)) == (0, [])


def test_every_ses_call_is_the_fake_s_every_other_moto_s(both):
    ses = boto3.client("ses", region_name=REGION, config=NO_RETRIES)
    sesv2 = boto3.client("sesv2", region_name=REGION, config=NO_RETRIES)
    for n in range(3):
        ses.verify_email_identity(EmailAddress=f"a{n}@example.com")
    # moto would fail on the fake's NextToken had it seen the pages.
    pages = ses.get_paginator("list_identities").paginate(PaginationConfig={"PageSize": 1})
    assert [p["Identities"] for p in pages] == [
        ["a0@example.com"],
        ["a1@example.com"],
        ["a2@example.com"],
    ]
    sesv2.send_email(**EMAIL)
    url = f"https://email.{REGION}.amazonaws.com/v2/email/outbound-emails"
    assert requests.post(url, json=EMAIL, timeout=5).status_code == 200
    assert len(both.sent) == 2
    moto_saw_nothing_of_ses()
    sqs = boto3.client("sqs", region_name=REGION)
    assert sqs.create_queue(QueueName="q")["QueueUrl"].endswith("/123456789012/q")


def queue(name):
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return sqs, url, arn["QueueArn"]


def received(sqs, url):
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def with_destinations(account, **destinations):
    part_of(account, ConfigurationSets).put(
        ConfigurationSet(
            "cs",
            account.clock.now(),
            event_destinations={
                name: EventDestination(name, True, ("SEND", "BOUNCE"), **target)
                for name, target in destinations.items()
            },
        )
    )


def test_sns_destinations_and_identity_topics_reach_a_subscribed_queue(both):
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="ses")["TopicArn"]
    sqs, url, arn = queue("events")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    with_destinations(both, d={"sns_topic_arn": topic})
    ses = boto3.client("ses", region_name=REGION, config=NO_RETRIES)
    ses.set_identity_notification_topic(
        Identity="app@example.com", NotificationType="Bounce", SnsTopic=topic
    )
    boto3.client("sesv2", region_name=REGION).send_email(**EMAIL, ConfigurationSetName="cs")
    [send] = received(sqs, url)
    assert send["Subject"] == "Amazon SES Email Event Notification"
    assert json.loads(send["Message"])["eventType"] == "Send"
    both.clock.advance(seconds=1)
    bounces = received(sqs, url)
    documents = [json.loads(b["Message"]) for b in bounces]
    assert sorted(f"{d.get('eventType')} {d.get('notificationType')}" for d in documents) == [
        "Bounce None",  # the configuration set's event
        "None Bounce",  # the identity's notification
    ]
    assert [b.get("Subject") for b in bounces].count(None) == 1  # notifications have none
    assert all(p.error is None for p in both.published)


def test_a_topic_moto_does_not_have_is_an_error_on_the_publication(both):
    missing = "arn:aws:sns:us-east-1:123456789012:missing"
    with_destinations(both, d={"sns_topic_arn": missing})
    boto3.client("sesv2", region_name=REGION).send_email(**EMAIL, ConfigurationSetName="cs")
    [publication] = both.published
    assert publication.error.startswith("NotFound: ")


def test_eventbridge_firehose_and_cloudwatch_destinations(both):
    events = boto3.client("events", region_name=REGION)
    sqs, url, arn = queue("bus")
    events.put_rule(Name="ses", EventPattern=json.dumps({"source": ["aws.ses"]}))
    events.put_targets(Rule="ses", Targets=[{"Id": "q", "Arn": arn}])
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="ses-events")
    firehose = boto3.client("firehose", region_name=REGION)
    stream = firehose.create_delivery_stream(
        DeliveryStreamName="ses",
        S3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::ses-events",
        },
    )["DeliveryStreamARN"]
    dimension = {
        "DimensionName": "campaign",
        "DimensionValueSource": "messageTag",
        "DefaultDimensionValue": "none",
    }
    with_destinations(
        both,
        bus={"event_bus_arn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
        stream={"firehose": {"IamRoleArn": "arn:aws:iam::1:role/x", "DeliveryStreamArn": stream}},
        metrics={"cloudwatch": {"DimensionConfigurations": [dimension]}},
    )
    boto3.client("sesv2", region_name=REGION).send_email(
        **EMAIL, ConfigurationSetName="cs", EmailTags=[{"Name": "campaign", "Value": "spring"}]
    )
    both.clock.advance(seconds=1)
    bus = received(sqs, url)
    assert [(e["source"], e["detail-type"], e["detail"]["eventType"]) for e in bus] == [
        ("aws.ses", "Email Sent", "Send"),
        ("aws.ses", "Email Bounced", "Bounce"),
    ]
    assert bus[0]["resources"] == ["arn:aws:ses:us-east-1:123456789012:configuration-set/cs"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="ses-events")["Contents"]]
    records = [s3.get_object(Bucket="ses-events", Key=k)["Body"].read() for k in keys]
    assert sorted(json.loads(r)["eventType"] for r in records) == ["Bounce", "Send"]
    assert all(r.endswith(b"\n") for r in records)
    metrics = boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace="AWS/SES")
    assert sorted((m["MetricName"], m["Dimensions"][0]["Value"]) for m in metrics["Metrics"]) == [
        ("Bounce", "spring"),
        ("Send", "spring"),
    ]
    assert all(p.error is None for p in both.published)


def test_without_moto_nothing_is_published_into_it(ses_account):
    with_destinations(ses_account, d={"sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t"})
    boto3.client("sesv2", region_name=REGION, config=NO_RETRIES).send_email(
        **EMAIL, ConfigurationSetName="cs"
    )
    [publication] = ses_account.published  # recorded, published nowhere, no error
    assert (publication.event.event_type, publication.error) == ("Send", None)
