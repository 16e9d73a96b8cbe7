"""sesquota serve and the ses_server fixture: SES over real sockets, for other processes.

Tests here that talk to a server from this process do so without an active fake
account in it (the in-process doors would answer first), or from a subprocess.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import jsonschema
import openapi_spec_validator
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_sesquota import SesAccount
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.control import OPENAPI
from pytest_sesquota.serve.server import SesHttpServer

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
MESSAGE = {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}
# Bounded waits, on real time: these tests run without a virtual clock.
STARTUP_SECONDS = 30


def client(service, endpoint, region="us-east-1", config=NO_RETRIES):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="fake",
        aws_secret_access_key="fake",
        config=config,
    )


@contextlib.contextmanager
def serve(tmp_path, *args, stop=signal.SIGTERM):
    """``python -m pytest_sesquota serve`` in a subprocess; yields (process, endpoint, info)."""
    ready = tmp_path / f"ready-{time.monotonic_ns()}.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_sesquota", "serve", "--ready-file", ready]
        + ["--port", "0", "--smtp-port", "0", "--smtp-tls-port", "0"]
        + [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (ready.exists() and ready.read_text()):
            if process.poll() is not None or time.monotonic() > deadline:
                _out, err = process.communicate(timeout=5)
                pytest.fail(f"sesquota serve did not start (exit {process.returncode}):\n{err}")
            time.sleep(0.05)
        info = json.loads(ready.read_text())  # where it listens, SMTP included
        yield process, info["endpoint_url"], info
    finally:
        if process.poll() is None:
            process.send_signal(stop)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def get(endpoint, path):
    with urllib.request.urlopen(endpoint + path, timeout=10) as reply:
        return json.loads(reply.read())


def call(endpoint, method, path, body=None, headers=None):
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    request = urllib.request.Request(
        endpoint + path, data=data, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def detached():
    """A server for an account with its own virtual clock, no fake active in this process."""
    account = SesAccount(profile="sandbox", clock=DetachedClock())
    with SesHttpServer(account) as server:
        yield account, server.endpoint_url


# -- any SDK, through the network ---------------------------------------------------
def test_boto3_gets_exact_v1_and_v2_shapes(tmp_path):
    with serve(tmp_path, "--clock", "virtual", "--region", "eu-west-1") as (
        _process,
        endpoint,
        _info,
    ):
        v1 = client("ses", endpoint, "eu-west-1")
        v2 = client("sesv2", endpoint, "eu-west-1")
        sent = v1.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["a@example.com"]},
            Message=MESSAGE,
        )
        assert sent["MessageId"].startswith("0100")
        with pytest.raises(ClientError) as err:
            v1.send_email(
                Source="app@example.com",
                Destination={"ToAddresses": ["a@example.com"]},
                Message=MESSAGE,
            )
        assert err.value.response["Error"] == {
            "Type": "Sender",
            "Code": "Throttling",
            "Message": "Maximum sending rate exceeded.",
        }
        with pytest.raises(v2.exceptions.TooManyRequestsException) as err:
            v2.send_email(
                FromEmailAddress="app@example.com",
                Destination={"ToAddresses": ["a@example.com"]},
                Content={"Simple": MESSAGE},
            )
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert v2.get_account()["SendQuota"] == {
            "Max24HourSend": 200.0,
            "MaxSendRate": 1.0,
            "SentLast24Hours": 1.0,
        }
        ledger = get(endpoint, "/_sesquota/ledger")
        assert [(r["api"], r["operation"], r["status"]) for r in ledger["requests"]] == [
            ("ses", "SendEmail", 200),
            ("ses", "SendEmail", 400),
            ("sesv2", "SendEmail", 429),
            ("sesv2", "GetAccount", 200),
        ]
        assert ledger["sent"][0]["message_id"] == sent["MessageId"]
        assert ledger["sent"][0]["region"] == "eu-west-1"


def aws(endpoint, *args):
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "fake",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    return subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--endpoint-url", endpoint, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_aws_cli(tmp_path):
    with serve(tmp_path, "--clock", "virtual") as (_process, endpoint, _info):
        send = [
            "ses",
            "send-email",
            "--from",
            "app@example.com",
            "--destination",
            "ToAddresses=a@example.com",
            "--message",
            "Subject={Data=Hi},Body={Text={Data=Hello}}",
        ]
        first = aws(endpoint, *send)
        assert first.returncode == 0, first.stderr
        message_id = json.loads(first.stdout)["MessageId"]
        second = aws(endpoint, *send)
        assert second.returncode != 0
        assert (
            "An error occurred (Throttling) when calling the SendEmail operation "
            "(reached max retries: 0): Maximum sending rate exceeded."
        ) in second.stderr
        account = aws(endpoint, "sesv2", "get-account")
        assert account.returncode == 0, account.stderr
        document = json.loads(account.stdout)
        assert document["SendQuota"] == {
            "Max24HourSend": 200.0,
            "MaxSendRate": 1.0,
            "SentLast24Hours": 1.0,
        }
        assert document["ProductionAccessEnabled"] is False
        assert get(endpoint, "/_sesquota/ledger")["sent"][0]["message_id"] == message_id


# -- the door: signatures, malformed HTTP, disconnects --------------------------------
def test_unsigned_and_malformed_signatures_are_refused_as_ses_does(detached):
    account, endpoint = detached
    status, headers, body = call(
        endpoint,
        "POST",
        "/",
        b"Action=GetSendQuota&Version=2010-12-01",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403
    assert (
        b"<Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>"
        b"<Message>Request is missing Authentication Token</Message></Error>"
    ) in body
    status, headers, body = call(endpoint, "GET", "/v2/email/account")
    assert (status, headers["x-amzn-ErrorType"], json.loads(body)) == (
        403,
        "MissingAuthenticationTokenException",
        {"message": "Missing Authentication Token"},
    )
    status, headers, body = call(
        endpoint, "GET", "/v2/email/account", headers={"Authorization": "AWS4-HMAC-SHA256 x"}
    )
    assert (status, headers["x-amzn-ErrorType"], json.loads(body)["message"]) == (
        400,
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 x",
    )
    assert [(r.operation, r.status, r.error_code) for r in account.requests] == [
        ("GetSendQuota", 403, "MissingAuthenticationToken"),
        ("GetAccount", 403, "MissingAuthenticationTokenException"),
        ("GetAccount", 400, "IncompleteSignatureException"),
    ]
    assert account.sent == [] and account.internal_errors == []


def raw(endpoint, payload, *, read=True):
    host, port = endpoint.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(payload)
        if not read:
            return b""
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_malformed_http_and_abrupt_disconnects_leave_the_server_up(detached):
    account, endpoint = detached
    assert raw(endpoint, b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert raw(endpoint, b"GET / HTTP/9.9\r\n\r\n").startswith(b"HTTP/1.1 505")
    assert raw(endpoint, b"POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n").startswith(
        b"HTTP/1.1 400"
    )
    assert raw(endpoint, b"POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n").startswith(
        b"HTTP/1.1 413"
    )
    # A client that goes away halfway through its body, and one that sends nothing.
    raw(endpoint, b"POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\nAction=Send", read=False)
    raw(endpoint, b"", read=False)
    ses = client("ses", endpoint)
    assert ses.get_send_quota()["Max24HourSend"] == 200.0
    ses.send_email(
        Source="app@example.com", Destination={"ToAddresses": ["a@example.com"]}, Message=MESSAGE
    )
    assert [r.operation for r in account.requests] == ["GetSendQuota", "SendEmail"]
    assert len(account.sent) == 1 and account.internal_errors == []


def test_chunked_bodies_are_read(detached):
    _account, endpoint = detached
    body = b"Action=GetSendQuota&Version=2010-12-01"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    reply = raw(
        endpoint,
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
        b"Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/ses/aws4_request, "
        b"SignedHeaders=host, Signature=0\r\nX-Amz-Date: 20260101T000000Z\r\n\r\n" + chunked,
    )
    assert reply.startswith(b"HTTP/1.1 200") and b"<Max24HourSend>200.0</Max24HourSend>" in reply


# -- the control API ------------------------------------------------------------------
def schema(name):
    return {"$ref": f"#/components/schemas/{name}", "components": OPENAPI["components"]}


def check(document, name):
    jsonschema.validate(document, schema(name), cls=jsonschema.Draft202012Validator)
    return document


def test_the_openapi_document_is_valid_and_served(detached):
    _account, endpoint = detached
    openapi_spec_validator.validate(OPENAPI)
    assert get(endpoint, "/_sesquota/openapi.json") == json.loads(json.dumps(OPENAPI))


def test_control_api_responses_match_the_openapi_document(detached):
    account, endpoint = detached
    account.verify("app@example.com")
    ses = client("ses", endpoint)
    ses.send_email(
        Source="app@example.com", Destination={"ToAddresses": ["a@example.com"]}, Message=MESSAGE
    )
    with pytest.raises(ClientError):
        ses.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["b@example.com"]},
            Message=MESSAGE,
        )
    quotas = check(get(endpoint, "/_sesquota/quotas"), "Quotas")
    assert quotas["regions"]["us-east-1"]["sent_last_24_hours"] == 1.0
    status, _h, body = call(
        endpoint, "PUT", "/_sesquota/quotas/eu-west-1", {"max_send_rate": 10, "production": True}
    )
    quota = check(json.loads(body), "Quota")
    assert (status, quota["max_send_rate"], quota["production"]) == (200, 10.0, True)
    ledger = check(get(endpoint, "/_sesquota/ledger"), "Ledger")
    assert [e["kind"] for r in ledger["requests"] for e in r["outcomes"]] == ["sent", "throttled"]
    assert ledger["throttled"][0]["message"] == "Maximum sending rate exceeded."
    page = check(get(endpoint, "/_sesquota/ledger/requests?limit=1"), "LedgerPage")
    assert [(r["number"], r["operation"]) for r in page["items"]] == [(1, "SendEmail")]
    assert (page["next"], page["first"], page["total"]) == (1, 1, 2)
    page = check(get(endpoint, "/_sesquota/ledger/requests?after=1"), "LedgerPage")
    assert [r["number"] for r in page["items"]] == [2] and page["next"] is None
    page = check(get(endpoint, "/_sesquota/ledger/sent?region=eu-west-1"), "LedgerPage")
    assert page["items"] == [] and page["total"] == 1
    clock = check(get(endpoint, "/_sesquota/clock"), "Clock")
    assert (clock["mode"], clock["elapsed"]) == ("virtual", 0.0)
    status, _h, body = call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 86400})
    assert check(json.loads(body), "Clock")["elapsed"] == 86400.0
    assert get(endpoint, "/_sesquota/quotas/us-east-1")["sent_last_24_hours"] == 0.0
    status, _h, body = call(
        endpoint, "POST", "/_sesquota/identities", {"identities": ["example.org"]}
    )
    assert check(json.loads(body), "Verified") == {
        "verified": ["example.org"],
        "region": "us-east-1",
    }
    assert account.is_verified("x@example.org")
    status, _h, body = call(endpoint, "POST", "/_sesquota/reset")
    check(json.loads(body), "Reset")
    assert account.sent == [] and not account.is_verified("x@example.org")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "/_sesquota/clock/advance", b"{", 400, "The request body is not valid JSON."),
        (
            "POST",
            "/_sesquota/clock/advance",
            {"seconds": -1},
            400,
            "seconds must be a number from 0 to 3162240000 (a century).",
        ),
        # Bad numbers and bad JSON get an answer, not a dropped connection.
        (
            "POST",
            "/_sesquota/clock/advance",
            b'{"seconds": 1e400}',
            400,
            "The request body is not valid JSON: 1e400 is out of range for a number.",
        ),
        (
            "POST",
            "/_sesquota/clock/advance",
            b'{"seconds": Infinity}',
            400,
            "The request body is not valid JSON: Infinity is not a number in JSON.",
        ),
        (
            "POST",
            "/_sesquota/clock/advance",
            b'{"seconds": NaN}',
            400,
            "The request body is not valid JSON: NaN is not a number in JSON.",
        ),
        (
            "POST",
            "/_sesquota/clock/advance",
            {"seconds": 1e300},
            400,
            "seconds must be a number from 0 to 3162240000 (a century).",
        ),
        (
            "POST",
            "/_sesquota/clock/advance",
            b'{"seconds": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            400,
            "The request body is nested too deeply.",
        ),
        (
            "PUT",
            "/_sesquota/quotas/us-east-1",
            b'{"max_24_hour_send": Infinity}',
            400,
            "The request body is not valid JSON: Infinity is not a number in JSON.",
        ),
        (
            "PUT",
            "/_sesquota/quotas/us-east-1",
            b'{"max_send_rate": -1e999}',
            400,
            "The request body is not valid JSON: -1e999 is out of range for a number.",
        ),
        # A whole number too large for the account's floats, and one past Python's
        # digit limit: the control API's 400, nothing changed (not a 500 and a traceback).
        (
            "PUT",
            "/_sesquota/quotas/us-east-1",
            b'{"max_24_hour_send": 1' + b"0" * 400 + b"}",
            400,
            "The request body is not valid JSON: 10000000000000000000... is out of range "
            "for a number.",
        ),
        (
            "PUT",
            "/_sesquota/quotas/us-east-1",
            b'{"burst": -' + b"9" * 5000 + b"}",
            400,
            "The request body is not valid JSON: -9999999999999999999... is out of range "
            "for a number.",
        ),
        (
            "PUT",
            "/_sesquota/quotas/xx-made-up-1",
            {"max_send_rate": 1},
            400,
            "'xx-made-up-1' is not an AWS region name (such as 'us-east-1').",
        ),
        (
            "POST",
            "/_sesquota/identities",
            {"identities": ["a@example.com"], "region": "zz-top-9"},
            400,
            "region must be an AWS region name.",
        ),
        (
            "GET",
            "/_sesquota/ledger/sent?limit=0",
            None,
            400,
            "limit must be a whole number from 1 to 10000, not '0'.",
        ),
        (
            "GET",
            "/_sesquota/ledger/messages",
            None,
            404,
            "No ledger list 'messages'; the lists: sent, throttled, rejected, faults, requests.",
        ),
        (
            "PUT",
            "/_sesquota/quotas/us-east-1",
            {"max_rate": 3},
            400,
            "Unknown field(s): max_rate. Valid fields: max_24_hour_send, max_send_rate, burst, "
            "daily, sent_last_24_hours, production, sending_enabled.",
        ),
        (
            "PUT",
            "/_sesquota/quotas/us-east-1",
            {"daily": "sometimes"},
            400,
            "set_quota(): daily='sometimes' is not valid; valid modes: 'would_exceed', 'below_max'",
        ),
        (
            "GET",
            "/_sesquota/nothing",
            None,
            404,
            "No control endpoint /_sesquota/nothing; see /_sesquota/openapi.json.",
        ),
        (
            "DELETE",
            "/_sesquota/quotas",
            None,
            405,
            "DELETE is not allowed on /_sesquota/quotas; use GET.",
        ),
    ],
)
def test_control_api_errors(detached, method, path, body, status, message):
    account, endpoint = detached
    before = account.quota("us-east-1")
    got, _headers, reply = call(endpoint, method, path, body)
    document = check(json.loads(reply), "Error")
    assert (got, document["message"]) == (status, message)
    assert account.quota("us-east-1") == before


def test_advancing_a_real_clock_is_a_conflict():
    account = SesAccount(clock=DetachedClock(real=True))
    with SesHttpServer(account) as server:
        status, _h, body = call(
            server.endpoint_url, "POST", "/_sesquota/clock/advance", {"seconds": 1}
        )
    assert status == 409
    assert json.loads(body)["message"].startswith("The clock runs on real time;")


# -- processes, signals, configuration -------------------------------------------------
SENDER = textwrap.dedent(
    """
    import sys, boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    ses = boto3.client("ses", endpoint_url=sys.argv[1], region_name="us-east-1",
                       aws_access_key_id="fake", aws_secret_access_key="fake",
                       config=Config(retries={"total_max_attempts": 1}))
    outcomes = []
    for n in range(10):
        try:
            ses.send_email(Source="app@example.com",
                           Destination={"ToAddresses": [f"{sys.argv[2]}-{n}@example.com"]},
                           Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "x"}}})
            outcomes.append("sent")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Message"])
    print(",".join(outcomes))
    """
)


def test_processes_sending_at_once_share_one_quota(tmp_path):
    script = tmp_path / "sender.py"
    script.write_text(SENDER)
    with serve(tmp_path, "--clock", "virtual", "--profile", "production") as (_p, endpoint, _info):
        workers = [
            subprocess.Popen(
                [sys.executable, str(script), endpoint, f"w{i}"],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(4)
        ]
        outcomes = [o for w in workers for o in w.communicate(timeout=120)[0].strip().split(",")]
        ledger = get(endpoint, "/_sesquota/ledger")
    # A frozen virtual clock: the production bucket's 14 units, then throttling, whoever sends.
    assert outcomes.count("sent") == 14
    assert outcomes.count("Maximum sending rate exceeded.") == 26
    assert (len(ledger["sent"]), len(ledger["throttled"]), len(ledger["requests"])) == (14, 26, 40)
    assert len({m["message_id"] for m in ledger["sent"]}) == 14


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signals_stop_the_server_gracefully(tmp_path, stop):
    with serve(tmp_path, stop=stop) as (process, endpoint, _info):
        ses = client("ses", endpoint)
        ses.get_send_quota()  # leaves a keep-alive connection open
        process.send_signal(stop)
        _out, err = process.communicate(timeout=15)
    assert process.returncode == 0
    assert err.strip().endswith("sesquota: stopped")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(endpoint.rsplit(":", 1)[1])), timeout=2)


def test_configuration_from_a_toml_file_and_flags(tmp_path):
    config = tmp_path / "ses.toml"
    config.write_text(
        textwrap.dedent(
            """
            profile = "production"
            max_send_rate = 20
            verified = ["example.com"]

            [regions.eu-west-1]
            profile = "sandbox"
            sent_last_24_hours = 5

            [server]
            clock = "virtual"
            """
        )
    )
    with serve(tmp_path, "--config", config, "--max-send-rate", "7") as (_p, endpoint, _info):
        quotas = get(endpoint, "/_sesquota/quotas")["regions"]
        clock = get(endpoint, "/_sesquota/clock")
    assert (quotas["us-east-1"]["max_24_hour_send"], quotas["us-east-1"]["max_send_rate"]) == (
        50000.0,
        7.0,
    )
    assert quotas["eu-west-1"]["max_send_rate"] == 1.0
    assert quotas["eu-west-1"]["sent_last_24_hours"] == 5.0
    assert clock["mode"] == "virtual" and clock["now"] == "2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--profile", "prod"], "profile='prod' is not valid; valid profiles: 'sandbox'"),
        (["--host", "0.0.0.0"], "serves on loopback addresses only"),
        (["--config", "missing.toml"], "cannot read the config file missing.toml"),
    ],
)
def test_bad_configuration_is_refused_clearly(tmp_path, args, error):
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sesquota", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode in (1, 2)
    assert error in result.stderr


# -- the ses_server fixture -----------------------------------------------------------------
WORKER = textwrap.dedent(
    """
    import time, boto3
    from botocore.exceptions import ClientError

    ses = boto3.client("sesv2")  # endpoint, credentials and region from the environment
    for n in range(3):
        while True:
            try:
                ses.send_email(FromEmailAddress="app@example.com",
                               Destination={"ToAddresses": [f"user{n}@example.com"]},
                               Content={"Simple": {"Subject": {"Data": "Hi"},
                                                   "Body": {"Text": {"Data": "x"}}}})
                break
            except ses.exceptions.TooManyRequestsException:
                time.sleep(0.05)  # real time, in this process
    """
)


@pytest.mark.ses_quota(profile="sandbox")
def test_ses_server_serves_the_tests_account_to_a_subprocess(ses_server, ses_account, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, **ses_server.env()}
    assert env["AWS_ENDPOINT_URL_SESV2"] == ses_server.endpoint_url
    # The worker sleeps on real time; let virtual time run 20 times as fast meanwhile.
    with ses_account.clock.ticking(speed=20):
        worker = subprocess.Popen([sys.executable, str(script)], env=env)
        assert worker.wait() == 0
    assert [m.recipients[0] for m in ses_account.sent] == [f"user{n}@example.com" for n in range(3)]
    assert all(r.api == "sesv2" for r in ses_account.requests)
    # At one per second, each accepted send is a virtual second after the one before.
    times = [m.time for m in ses_account.sent]
    assert all((b - a).total_seconds() >= 1 - 1e-6 for a, b in itertools.pairwise(times))
    assert len(ses_account.throttled) >= 1  # the worker met the rate and retried


def test_ses_server_env_names_everything_a_subprocess_needs(ses_server):
    env = ses_server.env()
    assert env == {
        "AWS_ENDPOINT_URL_SES": ses_server.endpoint_url,
        "AWS_ENDPOINT_URL_SESV2": ses_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": "AKIAFAKESESQUOTA0000",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key-for-pytest-sesquota",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "SESQUOTA_ENDPOINT_URL": ses_server.endpoint_url,
        "SESQUOTA_SMTP_HOST": "127.0.0.1",
        "SESQUOTA_SMTP_PORT": str(ses_server.smtp_port),
        "SESQUOTA_SMTP_TLS_PORT": str(ses_server.smtp_tls_port),
        "SESQUOTA_SMTP_USERNAME": ses_server.smtp_username,
        "SESQUOTA_SMTP_PASSWORD": ses_server.smtp_password,
        "SESQUOTA_CA_FILE": ses_server.ca_file,
    }
    assert ses_server.endpoint_url.startswith("http://127.0.0.1:")
    assert ses_server.smtp_port != ses_server.smtp_tls_port


def test_cli_help_lists_the_marker_keys():
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sesquota", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for flag in ("--max-send-rate", "--profile", "--verified", "--clock", "--state", "--config"):
        assert flag in result.stdout
    assert Path(sys.executable).exists()


def test_state_file_keeps_the_account_across_restarts(tmp_path):
    state = tmp_path / "ses.sqlite"
    with serve(tmp_path, "--clock", "virtual", "--state", state) as (_p, endpoint, _info):
        ses = client("ses", endpoint)
        v2 = client("sesv2", endpoint)
        first = ses.send_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["a@example.com", "b@example.com"]},
            Message=MESSAGE,
        )["MessageId"]
        with pytest.raises(ClientError):
            ses.send_email(
                Source="app@example.com",
                Destination={"ToAddresses": ["c@example.com"]},
                Message=MESSAGE,
            )
        call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 3600})
        v2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi {{n}}"})
        v2.create_email_identity(EmailIdentity="example.org")
        call(endpoint, "POST", "/_sesquota/identities", {"identities": ["app@example.com"]})
        call(endpoint, "PUT", "/_sesquota/quotas/us-east-1", {"max_24_hour_send": 500})
    with serve(tmp_path, "--clock", "virtual", "--state", state) as (_process, endpoint, _info):
        ses = client("ses", endpoint)
        v2 = client("sesv2", endpoint)
        quota = ses.get_send_quota()
        assert (quota["Max24HourSend"], quota["MaxSendRate"], quota["SentLast24Hours"]) == (
            500.0,
            1.0,
            2.0,
        )
        clock = get(endpoint, "/_sesquota/clock")
        assert clock["now"] == "2026-01-01T01:00:00+00:00"
        assert v2.get_email_template(TemplateName="t")["TemplateContent"] == {"Subject": "Hi {{n}}"}
        identities = {
            i["IdentityName"]: i["VerificationStatus"]
            for i in v2.list_email_identities()["EmailIdentities"]
        }
        assert identities == {"example.org": "PENDING", "app@example.com": "SUCCESS"}
        second = ses.send_templated_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["c@example.com"]},
            Template="t",
            TemplateData='{"n": 2}',
        )["MessageId"]
        ledger = get(endpoint, "/_sesquota/ledger")
        # The day goes on: 23 more virtual hours and the first send leaves the window.
        call(endpoint, "POST", "/_sesquota/clock/advance", {"seconds": 23 * 3600})
        assert ses.get_send_quota()["SentLast24Hours"] == 1.0
    assert second != first and second.endswith("-000002")
    assert [m["subject"] for m in ledger["sent"]] == ["Hi", "Hi 2"]
    assert [t["recipients"] for t in ledger["throttled"]] == [["c@example.com"]]
    assert [r["operation"] for r in ledger["requests"]][:2] == ["SendEmail", "SendEmail"]
    assert ledger["requests"][0]["outcomes"][0]["message_id"] == first


def test_a_state_file_that_is_not_sqlite_is_refused(tmp_path):
    state = tmp_path / "not-a-database"
    state.write_text("hello")
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sesquota", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"sesquota: cannot use the state file {state}" in result.stderr


SMTP_SENDER = textwrap.dedent(
    """
    import os, smtplib, ssl
    from email.message import EmailMessage

    env = os.environ
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", "a@example.com", "Hi"
    message.set_content("Hello")
    context = ssl.create_default_context(cafile=env["SESQUOTA_CA_FILE"])
    replies = []
    with smtplib.SMTP(env["SESQUOTA_SMTP_HOST"], int(env["SESQUOTA_SMTP_PORT"]), timeout=30) as s:
        s.starttls(context=context)
        s.login(env["SESQUOTA_SMTP_USERNAME"], env["SESQUOTA_SMTP_PASSWORD"])
        for _ in range(2):
            try:
                s.send_message(message)
                replies.append("250")
            except smtplib.SMTPDataError as error:
                replies.append(f"{error.smtp_code} {error.smtp_error.decode()}")
    with smtplib.SMTP_SSL(env["SESQUOTA_SMTP_HOST"], int(env["SESQUOTA_SMTP_TLS_PORT"]),
                          context=context, timeout=30) as s:
        s.login(env["SESQUOTA_SMTP_USERNAME"], env["SESQUOTA_SMTP_PASSWORD"])
        try:
            s.send_message(message)
        except smtplib.SMTPDataError as error:
            replies.append(f"{error.smtp_code} {error.smtp_error.decode()}")
    print("|".join(replies))
    """
)


def test_ses_server_serves_smtp_to_a_subprocess_on_the_tests_account(
    ses_server, ses_account, tmp_path
):
    script = tmp_path / "smtp_sender.py"
    script.write_text(SMTP_SENDER)
    result = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, **ses_server.env()},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().split("|") == [
        "250",
        "454 Throttling failure: Maximum sending rate exceeded.",
        "454 Throttling failure: Maximum sending rate exceeded.",
    ]
    assert [m.transport for m in ses_account.sent] == ["smtp"]
    assert [(r.api, r.operation, r.status) for r in ses_account.requests] == [
        ("smtp", "DATA", 250),
        ("smtp", "DATA", 454),
        ("smtp", "DATA", 454),
    ]


def test_sesquota_serve_speaks_smtp_and_saves_it(tmp_path):
    state = tmp_path / "ses.sqlite"
    script = tmp_path / "smtp_sender.py"
    script.write_text(SMTP_SENDER)
    with serve(tmp_path, "--clock", "virtual", "--state", state) as (_p, _endpoint, info):
        smtp = info["smtp"]
        env = {
            **os.environ,
            "SESQUOTA_SMTP_HOST": smtp["host"],
            "SESQUOTA_SMTP_PORT": str(smtp["port"]),
            "SESQUOTA_SMTP_TLS_PORT": str(smtp["tls_port"]),
            "SESQUOTA_SMTP_USERNAME": smtp["username"],
            "SESQUOTA_SMTP_PASSWORD": smtp["password"],
            "SESQUOTA_CA_FILE": smtp["ca_file"],
        }
        result = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.stdout.strip().startswith("250|454 Throttling failure"), result.stderr
    with serve(tmp_path, "--clock", "virtual", "--state", state) as (_p, endpoint, _info):
        ledger = get(endpoint, "/_sesquota/ledger")
    assert [(r["api"], r["status"]) for r in ledger["requests"]] == [
        ("smtp", 250),
        ("smtp", 454),
        ("smtp", 454),
    ]
    assert ledger["sent"][0]["transport"] == "smtp"


def test_the_control_api_serves_the_quota_picture(detached):
    account, endpoint = detached
    ses = client("ses", endpoint)
    ses.send_email(
        Source="app@example.com", Destination={"ToAddresses": ["a@example.com"]}, Message=MESSAGE
    )
    status, headers, body = call(endpoint, "GET", "/_sesquota/plot.png")
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert body.startswith(b"\x89PNG\r\n\x1a\n") and len(body) > 10_000
    assert len(account.sent) == 1


JS_SDK = os.environ.get("SESQUOTA_JS_SDK")


@pytest.mark.skipif(
    not JS_SDK or not Path(JS_SDK, "@aws-sdk", "client-sesv2").is_dir(),
    reason="the AWS SDK for JavaScript is not installed: .ci/run installs it from tests/js "
    "and sets SESQUOTA_JS_SDK to its node_modules",
)
def test_the_javascript_sdk(tmp_path):
    assert JS_SDK is not None
    script = tmp_path / "sdk_check.mjs"
    script.write_text((Path(__file__).parent / "js" / "sdk_check.mjs").read_text())
    (tmp_path / "node_modules").symlink_to(JS_SDK)
    with serve(tmp_path, "--clock", "virtual") as (_p, endpoint, _info):
        result = subprocess.run(
            ["node", str(script), endpoint], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        seen = json.loads(result.stdout)
        ledger = get(endpoint, "/_sesquota/ledger")
    assert seen["v1Error"] == ["Throttling", "Maximum sending rate exceeded.", 400]
    assert seen["v2Error"] == ["TooManyRequestsException", "Maximum sending rate exceeded.", 429]
    assert seen["quota"] == [200, 1, 1]
    assert seen["account"] == {"Max24HourSend": 200, "MaxSendRate": 1, "SentLast24Hours": 1}
    assert ledger["sent"][0]["message_id"] == seen["messageId"]
