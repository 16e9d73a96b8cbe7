"""An application's webhook on loopback subscribed to a topic SES publishes to: SNS's
subscription confirmation, then signed notifications, as SNS POSTs them."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import requests
from conftest import NO_RETRIES

from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.configuration_sets import ConfigurationSet, ConfigurationSets
from pytest_sesquota.account.events import EventDestination

pytestmark = pytest.mark.ses_quota(profile="production")
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"
EMAIL = {
    "FromEmailAddress": "app@example.com",
    "Destination": {"ToAddresses": ["bounce@simulator.amazonses.com"]},
    "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
    "ConfigurationSetName": "cs",
}


class Webhook(BaseHTTPRequestHandler):
    """A bounce webhook: keeps what it gets; confirms with ``requests`` when told to."""

    received: list[tuple[dict[str, str], bytes]]
    confirm = True
    password: str | None = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.password is not None:
            expected = "Basic " + base64.b64encode(f"hook:{self.password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="hook"')
                self.end_headers()
                return
        self.received.append((dict(self.headers), body))
        message = json.loads(body)
        if self.confirm and message.get("Type") == "SubscriptionConfirmation":
            requests.get(message["SubscribeURL"], timeout=5).raise_for_status()
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def webhook():
    handler = type("Hook", (Webhook,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_port}/ses/events"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def django_ses_utils():
    """django-ses's signature verifier (settings configured once per process)."""
    pytest.importorskip("django")
    from django.conf import settings

    # Before django_ses is imported: its settings module reads Django's at import.
    if not settings.configured:  # nothing here depends on settings
        settings.configure()
    utils = pytest.importorskip("django_ses.utils")

    utils.clear_cert_cache()
    return utils


def with_set(account):
    destination = EventDestination("d", True, ("SEND", "BOUNCE"), sns_topic_arn=TOPIC)
    part_of(account, ConfigurationSets).put(
        ConfigurationSet("cs", account.clock.now(), event_destinations={"d": destination})
    )


def send():
    boto3.client("sesv2", region_name="us-east-1", config=NO_RETRIES).send_email(**EMAIL)


def test_a_webhook_confirms_then_gets_each_event_signed_as_sns_signs(
    ses_account, webhook, django_ses_utils
):
    hook, url = webhook
    subscription = ses_account.subscribe(TOPIC, url)
    assert subscription.confirmed  # the webhook fetched its SubscribeURL
    with_set(ses_account)
    send()
    ses_account.clock.advance(seconds=1)
    types = [h["x-amz-sns-message-type"] for h, _ in hook.received]
    assert types == ["SubscriptionConfirmation", "Notification", "Notification"]
    headers, body = hook.received[1]
    message = json.loads(body)
    assert headers["x-amz-sns-topic-arn"] == TOPIC
    assert headers["x-amz-sns-subscription-arn"] == subscription.arn
    assert headers["x-amz-sns-message-id"] == message["MessageId"]
    assert headers["User-Agent"] == "Amazon Simple Notification Service Agent"
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert message["Subject"] == "Amazon SES Email Event Notification"
    assert message["SignatureVersion"] == "1"
    assert message["SigningCertURL"].startswith("https://sns.us-east-1.amazonaws.com/")
    assert [json.loads(b["Message"])["eventType"] for b in _notifications(hook)] == [
        "Send",
        "Bounce",
    ]
    assert [d["eventType"] for d in subscription.notifications] == ["Send", "Bounce"]
    # django-ses verifies each one, fetching the certificate with requests.
    for _headers, raw in hook.received:
        assert django_ses_utils.verify_event_message(json.loads(raw))
    tampered = {**message, "Message": message["Message"].replace("Send", "Sent")}
    assert not django_ses_utils.verify_event_message(tampered)


def test_an_unconfirmed_endpoint_gets_nothing_until_it_confirms(ses_account, webhook):
    hook, url = webhook
    hook.confirm = False
    subscription = ses_account.subscribe(TOPIC, url)
    with_set(ses_account)
    send()
    assert not subscription.confirmed and len(hook.received) == 1
    confirmation = json.loads(hook.received[0][1])
    assert confirmation["Message"] == (
        f"You have chosen to subscribe to the topic {TOPIC}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
    )
    # Confirmed as Anymail does, through boto3: answered by the fake, never sent.
    sns = boto3.client("sns", region_name="us-east-1")
    answer = sns.confirm_subscription(TopicArn=TOPIC, Token=confirmation["Token"])
    assert answer["SubscriptionArn"] == subscription.arn and subscription.confirmed
    ses_account.clock.advance(seconds=1)
    assert [json.loads(b["Message"])["eventType"] for b in _notifications(hook)] == ["Bounce"]


def test_an_unknown_token_is_refused_as_sns_refuses_it(ses_account):
    url = (
        f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=x"
    )
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 400 and b"<Code>InvalidParameter</Code>" in answer.content


def test_basic_auth_is_sent_after_the_endpoint_asks_for_it(ses_account, webhook):
    hook, url = webhook
    hook.password = "s3cret"
    secured = url.replace("http://", "http://hook:s3cret@")
    subscription = ses_account.subscribe(TOPIC, secured, confirmed=True)
    with_set(ses_account)
    send()
    assert [p.status for p in subscription.posts] == [200]
    assert len(hook.received) == 1


def test_a_callable_endpoint_and_raw_delivery(ses_account):
    posts = []
    subscription = ses_account.subscribe(TOPIC, posts.append, confirmed=True, raw=True)
    with_set(ses_account)
    send()
    [post] = posts
    assert json.loads(post.body)["eventType"] == "Send"  # the bare document
    assert post.headers["x-amz-sns-message-type"] == "Notification"
    assert subscription.notifications[0]["eventType"] == "Send"


@pytest.mark.parametrize(
    ("topic", "endpoint", "match"),
    [
        ("ses-events", "http://127.0.0.1:1/", r"not an SNS topic ARN"),
        (TOPIC, "http://example.com/hook", r"an http\(s\) URL on loopback"),
        (TOPIC, "ftp://127.0.0.1/hook", r"an http\(s\) URL on loopback"),
    ],
)
def test_a_wrong_subscription_is_refused(ses_account, topic, endpoint, match):
    with pytest.raises(ValueError, match=match):
        ses_account.subscribe(topic, endpoint)


def test_the_certificate_is_answered_with_moto_on_top(
    ses_account, monkeypatch, webhook, django_ses_utils
):
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    hook, url = webhook
    with moto.mock_aws():  # its requests mock, started after the fake's, is on top
        subscription = ses_account.subscribe(TOPIC, url)
        assert subscription.confirmed
        assert django_ses_utils.verify_event_message(json.loads(hook.received[0][1]))


def _notifications(hook):
    return [
        json.loads(b) for h, b in hook.received if h["x-amz-sns-message-type"] == "Notification"
    ]
