"""The requests front door: SES's HTTPS endpoints answered through responses, nothing else."""

from __future__ import annotations

import http.server
import smtplib
import socket
import threading

import boto3
import pytest
import requests
import responses
from conftest import NO_RETRIES, send

from pytest_sesquota.doors import guard as _guard

V1 = "https://email.us-east-1.amazonaws.com/"
V2 = "https://email.eu-west-1.amazonaws.com/v2/email"
SEND_FORM = {
    "Action": "SendEmail",
    "Version": "2010-12-01",
    "Source": "app@example.com",
    "Destination.ToAddresses.member.1": "a@example.com",
    "Message.Subject.Data": "Hi",
    "Message.Body.Text.Data": "Hello",
}
SEND_JSON = {
    "FromEmailAddress": "app@example.com",
    "Destination": {"ToAddresses": ["a@example.com"]},
    "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
}


def test_v1_query_through_requests(ses_account):
    reply = requests.post(V1, data=SEND_FORM, timeout=5)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/xml"
    assert reply.text.startswith(
        '<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        "<SendEmailResult><MessageId>"
    )
    assert ses_account.sent[0].message_id in reply.text
    throttled = requests.post(V1, data=SEND_FORM, timeout=5)
    assert throttled.status_code == 400
    assert (
        "<Error><Type>Sender</Type><Code>Throttling</Code>"
        "<Message>Maximum sending rate exceeded.</Message></Error>"
    ) in throttled.text
    assert [r.status for r in ses_account.requests] == [200, 400]


def test_v2_json_through_requests_in_its_region(ses_account):
    reply = requests.post(f"{V2}/outbound-emails", json=SEND_JSON, timeout=5)
    assert reply.status_code == 200 and reply.json()["MessageId"] == ses_account.sent[0].message_id
    assert ses_account.sent[0].region == "eu-west-1"
    throttled = requests.post(f"{V2}/outbound-emails", json=SEND_JSON, timeout=5)
    assert throttled.status_code == 429
    assert throttled.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert throttled.json() == {"message": "Maximum sending rate exceeded."}
    account = requests.get(f"{V2}/account", timeout=5).json()
    assert account["SendQuota"] == {
        "Max24HourSend": 200.0,
        "MaxSendRate": 1.0,
        "SentLast24Hours": 1.0,
    }


def test_requests_and_boto3_share_the_account(ses_account):
    ses = boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)
    send(ses, "a@example.com")
    ses_account.clock.advance(seconds=1)
    assert requests.post(V1, data=SEND_FORM, timeout=5).status_code == 200
    assert ses.get_send_quota()["SentLast24Hours"] == 2.0
    assert {r.api for r in ses_account.requests} == {"ses"}


def test_malformed_requests_get_ses_errors(ses_account):
    reply = requests.post(V1, data={"Version": "2010-12-01"}, timeout=5)
    assert reply.status_code == 400 and "<Code>MissingAction</Code>" in reply.text
    reply = requests.post(f"{V2}/outbound-emails", data=b"{nope", timeout=5)
    assert (reply.status_code, reply.headers["x-amzn-ErrorType"], reply.json()) == (
        400,
        "BadRequestException",
        {"message": "The request body is not valid JSON."},
    )
    reply = requests.get(f"{V2}/no-such-thing", timeout=5)
    assert (reply.status_code, reply.headers["x-amzn-ErrorType"]) == (
        404,
        "UnknownOperationException",
    )
    assert ses_account.internal_errors == []


def test_other_hosts_are_untouched(ses_account):
    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"real")

        def log_message(self, *args):
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            assert requests.get(url, timeout=5).text == "real"
        finally:
            server.shutdown()
            thread.join()
    assert ses_account.requests == []


@pytest.fixture
def own_mock_first():
    """A test's responses mock started before the fake (a fixture set up earlier)."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add(responses.GET, "https://api.example.com/health", json={"ok": True})
        yield mock


def test_a_mock_started_before_the_fake_keeps_working_underneath(own_mock_first, ses_account):
    assert requests.get("https://api.example.com/health", timeout=5).json() == {"ok": True}
    assert requests.post(V1, data=SEND_FORM, timeout=5).status_code == 200
    assert len(own_mock_first.calls) == 1  # the SES call never reached it
    assert len(ses_account.sent) == 1


@responses.activate
def test_a_mock_started_on_top_answers_ses_once_told_to(ses_account):
    responses.add(responses.GET, "https://api.example.com/health", json={"ok": True})
    ses_account.add_ses_callbacks(responses.mock)
    assert requests.get("https://api.example.com/health", timeout=5).json() == {"ok": True}
    assert requests.post(V1, data=SEND_FORM, timeout=5).status_code == 200
    assert len(ses_account.sent) == 1


def test_the_door_closes_with_the_account(pytester):
    pytester.makepyfile(
        """
        import requests
        import requests.adapters

        REAL = requests.adapters.HTTPAdapter.send

        def test_open(ses_account):
            assert requests.adapters.HTTPAdapter.send is not REAL

        def test_closed():
            assert requests.adapters.HTTPAdapter.send is REAL
        """
    )
    pytester.runpytest_inprocess("-p", "no:hypothesispytest").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    "connect",
    [
        lambda: socket.create_connection(("email-smtp.us-east-1.amazonaws.com", 587), timeout=1),
        lambda: smtplib.SMTP("email-smtp.eu-west-1.amazonaws.com", 587, timeout=1),
        lambda: requests.Session().get(
            "https://email.us-east-1.amazonaws.com/", timeout=1, allow_redirects=False
        ),
    ],
    ids=["socket", "smtplib", "bypassing-mock"],
)
def test_nothing_connects_to_real_ses_while_the_fake_is_active(ses_account, connect, monkeypatch):
    # The last case bypasses the door (as a library with its own adapter could).
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", responses._real_send, raising=True)
    with pytest.raises(_guard.RealSesRefused, match="refused a connection to real Amazon SES"):
        connect()


def test_the_guard_lets_other_hosts_through(ses_account):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
