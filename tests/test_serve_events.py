"""SES's events through ``sesquota serve``: listed by the control API, and published to a
webhook in another process subscribed through it (on a virtual clock and on real time)."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
from test_server import call, check, client, get, serve

from pytest_sesquota.doors.sns import _SIGNED

TOPIC = "arn:aws:sns:us-east-1:123456789012:bounces"


class Webhook(BaseHTTPRequestHandler):
    received: list[dict]

    def do_POST(self):
        message = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append(message)
        if message["Type"] == "SubscriptionConfirmation":
            with urllib.request.urlopen(message["SubscribeURL"], timeout=5) as reply:
                assert reply.status == 200
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def webhook():
    handler = type("Hook", (Webhook,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield handler.received, f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()
        server.server_close()


def verified(message):
    """SNS's signature, checked with the certificate its SigningCertURL serves."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    with urllib.request.urlopen(message["SigningCertURL"], timeout=5) as reply:
        key = x509.load_pem_x509_certificate(reply.read()).public_key()
    text = "".join(f"{k}\n{message[k]}\n" for k in _SIGNED[message["Type"]] if k in message)
    key.verify(
        base64.b64decode(message["Signature"]), text.encode(), padding.PKCS1v15(), hashes.SHA1()
    )
    return True


def set_up(endpoint, hook):
    ses = client("ses", endpoint)
    ses.set_identity_notification_topic(
        Identity="app@example.com", NotificationType="Bounce", SnsTopic=TOPIC
    )
    status, _h, body = call(
        endpoint, "POST", "/_sesquota/subscriptions", {"topic_arn": TOPIC, "endpoint": hook}
    )
    assert status == 200
    subscription = check(json.loads(body), "Subscription")
    assert subscription["confirmed"] is False  # not yet: the webhook confirms as it gets it
    return ses


def send_bounce(ses):
    ses.send_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["bounce@simulator.amazonses.com"]},
        Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}},
    )


def test_events_listed_and_published_to_a_webhook_elsewhere(tmp_path, webhook):
    received, hook = webhook
    with serve(tmp_path, "--clock", "virtual", "--profile", "production") as (_p, endpoint, _i):
        ses = set_up(endpoint, hook)
        [subscription] = get(endpoint, "/_sesquota/subscriptions")["subscriptions"]
        assert subscription["confirmed"] and subscription["posts"][0]["status"] == 200
        send_bounce(ses)
        page = check(get(endpoint, "/_sesquota/events"), "EventsPage")
        assert ([e["event_type"] for e in page["items"]], page["pending"]) == (["Send"], 1)
        call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 1})
        page = check(get(endpoint, "/_sesquota/events?type=Bounce"), "EventsPage")
        [bounce] = page["items"]
        assert (bounce["origin"], bounce["counts_toward_reputation"]) == ("simulator", False)
        assert bounce["document"]["bounce"]["bounceSubType"] == "General"
        assert [m["Type"] for m in received] == ["SubscriptionConfirmation", "Notification"]
        notification = json.loads(received[1]["Message"])
        assert notification["notificationType"] == "Bounce"
        assert received[1]["SigningCertURL"].startswith(endpoint + "/_sesquota/sns/")
        assert all(verified(m) for m in received)


def test_on_real_time_events_are_published_when_their_time_comes(tmp_path, webhook):
    received, hook = webhook
    with serve(tmp_path, "--profile", "production") as (_p, endpoint, _i):
        send_bounce(set_up(endpoint, hook))
        deadline = time.monotonic() + 10
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["Type"] for m in received] == ["SubscriptionConfirmation", "Notification"]


def test_mailboxes_through_the_control_api(tmp_path):
    with serve(tmp_path, "--clock", "virtual", "--profile", "production") as (_p, endpoint, _i):
        status, _h, body = call(
            endpoint,
            "POST",
            "/_sesquota/mailboxes",
            {"addresses": ["@gmial.com"], "outcome": "bounce", "bounce_sub_type": "NoEmail"},
        )
        assert status == 200 and check(json.loads(body), "Mailbox")["outcome"] == "bounce"
        ses = client("ses", endpoint)
        ses.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["ann@gmial.com"]},
            Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}},
        )
        call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 1})
        [bounce] = get(endpoint, "/_sesquota/events?type=Bounce")["items"]
        assert (bounce["document"]["bounce"]["bounceSubType"], bounce["origin"]) == (
            "NoEmail",
            "recipient",
        )
        status, _h, body = call(
            endpoint, "POST", "/_sesquota/mailboxes", {"addresses": ["x@y.z"], "outcome": "gone"}
        )
        assert status == 400
        assert json.loads(body)["message"].startswith("mailbox(outcome='gone'): valid outcomes")
        status, _h, body = call(
            endpoint,
            "POST",
            "/_sesquota/subscriptions",
            {"topic_arn": TOPIC, "endpoint": "http://example.com/hook"},
        )
        assert status == 400 and "on loopback" in json.loads(body)["message"]


def test_the_events_page_schema_rejects_what_it_should():
    from test_server import schema

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"items": []}, schema("EventsPage"))
