"""SES's publications into moto, where ``mock_aws`` is active: an event destination's or
notification topic's SNS topic is *published to* (so an SQS queue subscribed to it gets
the message as in production), an EventBridge bus gets the event (``aws.ses``), a
Firehose delivery stream a record, CloudWatch a metric in ``AWS/SES``. Each through a
botocore client, answered by moto as any other client's call.

Where moto is not active this does nothing; moto is never imported from here.
"""

from __future__ import annotations

__all__ = ["MotoPublisher", "moto_active"]

import json
import sys
import threading
from typing import Any

from ..account.event_records import (
    ACCOUNT_ID,
    DETAIL_TYPES,
    METRIC_NAMES,
    Publication,
    cloudwatch_dimensions,
)
from ..account.reputation import RatePoint
from .sns import EVENT_SUBJECT


def moto_active() -> bool:
    """Whether moto's ``mock_aws`` is on (looked up, never imported)."""
    models = sys.modules.get("moto.core.models")
    return bool(getattr(getattr(models, "botocore_stubber", None), "enabled", False))


class MotoPublisher:
    """Carries publications into moto while ``mock_aws`` is active."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, publication: Publication) -> str | None:
        if not moto_active():
            return None
        from botocore.exceptions import BotoCoreError, ClientError

        kind = publication.kind
        try:
            if kind == "sns":
                self._sns(publication)
            elif kind == "eventbridge":
                return self._eventbridge(publication)
            elif kind == "firehose":
                self._firehose(publication)
            elif kind == "cloudwatch":
                self._cloudwatch(publication)
            # Pinpoint: moto keeps no events of an application's (docs/events.md).
        except ClientError as error:
            found = error.response.get("Error", {})
            return f"{found.get('Code')}: {found.get('Message')}"
        except (BotoCoreError, ImportError) as error:  # moto may lack a service's extra
            return f"{type(error).__name__}: {error}"
        return None

    def _client(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                import botocore.session

                client = botocore.session.Session().create_client(
                    service,
                    region_name=region,
                    # moto answers; these are never sent anywhere.
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
                self._clients[service, region] = client
            return client

    def _sns(self, publication: Publication) -> None:
        arn = publication.target
        params = {"TopicArn": arn, "Message": json.dumps(publication.message)}
        if not publication.notification:
            params["Subject"] = EVENT_SUBJECT
        self._client("sns", _region(arn, publication)).publish(**params)

    def _eventbridge(self, publication: Publication) -> str | None:
        event = publication.event
        entry = {
            "Source": "aws.ses",
            "DetailType": DETAIL_TYPES[event.event_type],
            "Detail": json.dumps(publication.message),
            "EventBusName": publication.target,
            "Time": event.time,
        }
        if event.configuration_set is not None:
            entry["Resources"] = [
                f"arn:aws:ses:{event.region}:{ACCOUNT_ID}:configuration-set/"
                f"{event.configuration_set}"
            ]
        client = self._client("events", _region(publication.target, publication))
        answer = client.put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            failed = answer["Entries"][0]
            return f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
        return None

    def _firehose(self, publication: Publication) -> None:
        arn = publication.target
        stream = arn.rpartition("/")[2]
        record = (json.dumps(publication.message) + "\n").encode()
        client = self._client("firehose", _region(arn, publication))
        client.put_record(DeliveryStreamName=stream, Record={"Data": record})

    def _cloudwatch(self, publication: Publication) -> None:
        event = publication.event
        destination = publication.destination
        assert destination is not None
        configurations = list((destination.cloudwatch or {}).get("DimensionConfigurations", ()))
        metric = {
            "MetricName": METRIC_NAMES[event.event_type],
            "Dimensions": cloudwatch_dimensions(event, configurations),
            "Timestamp": event.time,
            "Value": 1.0,
            "Unit": "Count",
        }
        self._client("cloudwatch", event.region).put_metric_data(
            Namespace="AWS/SES", MetricData=[metric]
        )

    def rates(self, point: RatePoint) -> None:
        """The reputation metrics, as SES publishes them to CloudWatch (namespace
        ``AWS/SES``, a fraction: 0.05 is 5 %): the account's with no dimension, a
        configuration set's with ``ses:configuration-set``."""
        if not moto_active():
            return
        dimensions = (
            []
            if point.configuration_set is None
            else [{"Name": "ses:configuration-set", "Value": point.configuration_set}]
        )
        data = [
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": point.time,
                "Value": value,
                "Unit": "None",
            }
            for name, value in (
                ("Reputation.BounceRate", point.bounce_rate),
                ("Reputation.ComplaintRate", point.complaint_rate),
            )
        ]
        self._client("cloudwatch", point.region).put_metric_data(
            Namespace="AWS/SES", MetricData=data
        )


def _region(arn: str, publication: Publication) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else publication.event.region
