"""sesquota serve's memory stays flat: with a ledger retention, what a server holds does not
grow with the requests it answered, nor with the size of the messages.

Each test runs a server on loopback in this process (its account, state file, retention
and gate as ``sesquota serve`` makes them) and sends it signed SES v2 requests over HTTP,
keep-alive, as boto3 signs them; ``tracemalloc`` measures what stays allocated.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import http.client
import json
import tracemalloc
from collections.abc import Iterator

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from test_serve_events import TOPIC
from test_serve_events import webhook as webhook  # a loopback webhook: (what it received, its URL)
from test_server import call, client, get, serve

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.events import Events
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.gate import Gate
from pytest_sesquota.serve.retention import Retention
from pytest_sesquota.serve.server import SesHttpServer
from pytest_sesquota.serve.store import Store

MiB = 2**20


class Sender:
    """Signed SES v2 SendEmail requests on one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, document: dict) -> dict:
        body = json.dumps(document).encode()
        url = f"http://127.0.0.1:{self.port}/v2/email/outbound-emails"
        request = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials("AKIAFAKE", "fake"), "ses", "us-east-1").add_auth(request)
        self.connection.request("POST", "/v2/email/outbound-emails", body, dict(request.headers))
        reply = self.connection.getresponse()
        answer = json.loads(reply.read())
        assert reply.status == 200, answer
        return answer


SIMPLE = {
    "FromEmailAddress": "app@example.com",
    "Destination": {"ToAddresses": ["a@example.com"]},
    "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
}


@contextlib.contextmanager
def served(tmp_path, retention: Retention) -> Iterator[tuple[SesAccount, Sender]]:
    """A server with no quotas in the way, a state file and ``retention``, as
    ``sesquota serve --state --ledger-retention ...`` runs it."""
    account = SesAccount(
        profile="production", max_24_hour_send=-1, max_send_rate=-1, clock=DetachedClock()
    )
    store = Store(tmp_path / "ses.sqlite")
    store.load(account, retention)
    gate = Gate(account, store=store, retention=retention)
    try:
        with SesHttpServer(account, gate=gate) as server:
            sender = Sender(server.port)
            try:
                yield account, sender
            finally:
                sender.connection.close()
    finally:
        store.close()


def retained() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_memory_stays_flat_with_a_retention_however_many_requests(tmp_path):
    # A retention of 100: after the first few hundred requests, five hundred more or two
    # thousand more leave the server holding the same. It held ~3.6 KB more per request
    # when every message stayed in the order of decisions and every event in memory.
    with served(tmp_path, Retention(100)) as (account, sender):
        for _ in range(300):
            sender.send(SIMPLE)
        tracemalloc.start()
        try:
            for _ in range(500):
                sender.send(SIMPLE)
            early = retained()
            for _ in range(1_500):
                sender.send(SIMPLE)
            late = retained()
        finally:
            tracemalloc.stop()
        assert late - early < 1 * MiB, f"{(late - early) / 1_500:.0f} bytes more per request"
        # Usage is counted exactly, whatever the ledger keeps; the events (a Send and a
        # Delivery each) leave with their messages.
        assert account.quota()[2] == 2_300.0
        assert 100 <= len(account.sent) <= 112 and 100 <= len(account.requests) <= 112
        assert len(part_of(account, Events).events()) <= 2 * 112


def mime(size: int, n: int) -> bytes:
    """A raw message of about ``size`` bytes, numbered ``n``."""
    body = (f"{n:08d}" * (size // 8)).encode()
    return b"From: app@example.com\r\nTo: a@example.com\r\nSubject: big\r\n\r\n" + body


def raw_send(size: int, n: int) -> dict:
    return {
        "FromEmailAddress": "app@example.com",
        "Destination": {"ToAddresses": ["a@example.com"]},
        "Content": {"Raw": {"Data": base64.b64encode(mime(size, n)).decode()}},
    }


def test_the_ledger_keeps_its_bytes_within_the_budget(tmp_path):
    # Twelve 3 MB messages with a budget of 8 MB: the ledger keeps the newest two (the
    # budget's seven eighths once a cut is due), the rest leaves it, and memory with it.
    retention = Retention(10_000, 8 * MiB)
    with served(tmp_path, retention) as (account, sender):
        ids = [sender.send(raw_send(3 * MiB, 0))["MessageId"]]
        tracemalloc.start()
        try:
            before = retained()
            ids += [sender.send(raw_send(3 * MiB, n))["MessageId"] for n in range(1, 12)]
            after = retained()
        finally:
            tracemalloc.stop()
        kept = [m.message_id for m in account.sent]
        assert kept == ids[-2:]
        assert retention.dropped["sent"] == 12 - len(kept)
        assert retention.bytes <= 8 * MiB
        # Its request stays; the message it accepted left with its bodies.
        assert len(account.requests) == 12
        assert [r.message_ids for r in account.requests[-len(kept) :]] == [(i,) for i in kept]
        assert account.requests[0].message_ids == ()
        assert account.quota()[2] == 12.0
    # Eleven 3 MB messages more, and the server holds less than two more of them.
    assert after - before < 7 * MiB, f"{(after - before) / MiB:.1f} MiB more"


def test_a_message_larger_than_the_budget_keeps_only_itself(tmp_path):
    retention = Retention(10_000, 1 * MiB)
    with served(tmp_path, retention) as (account, sender):
        ids = [sender.send(raw_send(2 * MiB, n))["MessageId"] for n in range(3)]
        assert [m.message_id for m in account.sent] == ids[-1:]
        assert retention.dropped["sent"] == 2


def test_sesquota_serve_ledger_retention_bytes(tmp_path):
    args = ("--profile", "production", "--max-send-rate", "-1")
    args += ("--ledger-retention-bytes", str(4 * MiB))
    with serve(tmp_path, *args) as (_p, endpoint, _i):
        v2 = client("sesv2", endpoint)
        ids = [
            v2.send_email(Content={"Raw": {"Data": mime(3 * MiB, n)}})["MessageId"]
            for n in range(3)
        ]
        page = get(endpoint, "/_sesquota/ledger/sent")
        assert [i["message_id"] for i in page["items"]] == ids[-1:]
        assert (page["first"], page["total"]) == (3, 3)
        assert client("ses", endpoint).get_send_quota()["SentLast24Hours"] == 3.0


def test_webhook_posts_and_events_are_kept_as_the_ledger_is(tmp_path, webhook):
    # A webhook gets every notification; the server keeps the newest POSTs only, as many
    # as the ledger keeps items, and the events of the messages it keeps.
    received, hook = webhook
    args = ("--clock", "virtual", "--profile", "production", "--max-send-rate", "-1")
    with serve(tmp_path, *args, "--ledger-retention", "20") as (_p, endpoint, _i):
        ses = client("ses", endpoint)
        ses.set_identity_notification_topic(
            Identity="app@example.com", NotificationType="Delivery", SnsTopic=TOPIC
        )
        call(endpoint, "POST", "/_sesquota/subscriptions", {"topic_arn": TOPIC, "endpoint": hook})
        for n in range(200):
            ses.send_email(
                Source="app@example.com",
                Destination={"ToAddresses": [f"u{n}@example.com"]},
                Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}},
            )
        call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 1})
        [subscription] = get(endpoint, "/_sesquota/subscriptions")["subscriptions"]
        page = get(endpoint, "/_sesquota/events?limit=10000")
    # Every delivery was published, those of messages that left the ledger too.
    assert [m["Type"] for m in received] == ["SubscriptionConfirmation"] + ["Notification"] * 200
    assert 20 <= len(subscription["posts"]) <= 22
    assert {p["type"] for p in subscription["posts"]} == {"Notification"}
    # A Send and a Delivery for each of the 20 messages kept, numbered after the 180 Sends
    # that had happened when their messages left (their deliveries, published since, are
    # not listed).
    assert len(page["items"]) == 40 and page["total"] == 220
    assert [e["number"] for e in page["items"]] == list(range(181, 221))
