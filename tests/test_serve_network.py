"""sesquota serve on the network: no Nagle stalls, no burst resets, no foreign pages,
no bad input that drops a connection, a graceful stop, and its command-line flags."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_server import call, client, raw, serve

from pytest_sesquota import SesAccount
from pytest_sesquota.cli import parser, resolve
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.handler import BACKLOG
from pytest_sesquota.serve.server import SesHttpServer

SIGNED = (
    b"Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/ses/aws4_request, "
    b"SignedHeaders=host, Signature=0\r\nX-Amz-Date: 20260101T000000Z\r\n"
)
QUOTA = b"Action=GetSendQuota&Version=2010-12-01"


@pytest.fixture
def detached():
    account = SesAccount(profile="sandbox", clock=DetachedClock())
    with SesHttpServer(account) as server:
        yield account, server


def address(server):
    return ("127.0.0.1", server.port)


def read_reply(sock):
    """One HTTP reply (head and Content-Length body) from a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = int(
        next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[
            1
        ]
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_accepted_connections_have_tcp_nodelay_and_the_backlog_is_real(detached):
    _account, server = detached
    assert server._server.request_queue_size == BACKLOG == 128
    request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + SIGNED + b"Content-Length: %d\r\n\r\n%s"
    with socket.create_connection(address(server), timeout=10) as sock:
        for _ in range(3):  # keep-alive: three requests on one connection
            sock.sendall(request % (len(QUOTA), QUOTA))
            assert read_reply(sock).startswith(b"HTTP/1.1 200")
        [accepted] = server._server.connections
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_the_ses_server_fixture_sets_tcp_nodelay_too(ses_server):
    with socket.create_connection(("127.0.0.1", ses_server.http.port), timeout=10) as sock:
        sock.sendall(b"GET /_sesquota/clock HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert read_reply(sock).startswith(b"HTTP/1.1 200")
        [accepted] = ses_server.http._server.connections
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_64_clients_connecting_at_once_are_all_answered(detached):
    _account, server = detached
    socks = [socket.socket() for _ in range(64)]
    try:
        for sock in socks:
            sock.settimeout(30)
            sock.connect(address(server))
        for sock in socks:
            sock.sendall(b"GET /_sesquota/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert [read_reply(sock)[:12] for sock in socks] == [b"HTTP/1.1 200"] * 64
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({"Host": "evil.example:4579"}, 421, "MisdirectedRequest"),
        ({"Host": "127.0.0.1.nip.io"}, 421, "MisdirectedRequest"),
        ({"Origin": "https://evil.example"}, 403, "Forbidden"),
        ({"Origin": "null"}, 403, "Forbidden"),
    ],
)
def test_foreign_hosts_and_cross_origin_writes_are_refused(detached, headers, status, error):
    account, server = detached
    account.verify("a@example.com")
    got, _h, body = call(server.endpoint_url, "POST", "/_sesquota/reset", headers=headers)
    document = json.loads(body)
    assert (got, document["error"]) == (status, error)
    assert account.is_verified("a@example.com")  # not reset
    # SES's own API is behind the same door (a rebinding page could send mail).
    got, _h, _body = call(server.endpoint_url, "POST", "/", QUOTA, headers=headers)
    assert got == status and account.requests == []


def test_the_refusals_say_why(detached):
    _account, server = detached
    _s, _h, body = call(
        server.endpoint_url, "GET", "/_sesquota/clock", headers={"Host": "evil.example"}
    )
    assert json.loads(body)["message"] == (
        "This server answers for localhost and loopback addresses only, not Host: evil.example. "
        "(A page that rebinds its own name to 127.0.0.1 is refused so.)"
    )
    _s, _h, body = call(
        server.endpoint_url, "POST", "/_sesquota/reset", headers={"Origin": "https://evil.example"}
    )
    assert json.loads(body)["message"] == (
        "A POST from a page of another origin is refused (Origin: https://evil.example): only "
        "pages served from localhost may change the account."
    )


def _presigned(action: str) -> str:
    """A v1 action with a query-string signature, as a page could put in an <img src>."""
    return (
        f"/?Action={action}&Version=2010-12-01&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIA%2F20260101%2Fus-east-1%2Fses%2Faws4_request"
        "&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=0"
    )


#: What a browser sends for an <img src> on another site's page: no Origin.
IMG = {
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Dest": "image",
    "Referer": "https://evil.example/",
}


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("headers", [IMG, {}], ids=["a-page's-img", "no-browser-marks"])
def test_a_v1_action_sent_with_get_or_head_is_refused(detached, method, headers):
    # The Query API reads its action from the query string on any method: a cross-site
    # <img src> would pause sending, verify identities and send mail. Refused with 403.
    account, server = detached
    account.verify("app@example.com", "to@example.com")
    for action in (
        "UpdateAccountSendingEnabled&Enabled=false",
        "VerifyEmailIdentity&EmailAddress=attacker%40evil.example",
        "SendEmail&Source=app%40example.com&Destination.ToAddresses.member.1=to%40example.com"
        "&Message.Subject.Data=Hi&Message.Body.Text.Data=Hi",
    ):
        got, _h, body = call(server.endpoint_url, method, _presigned(action), headers=headers)
        assert got == 403
        if method == "GET":
            assert json.loads(body) == {
                "error": "Forbidden",
                "message": f"An SES v1 action sent with {method} is refused: a web page can "
                "make a browser send one (an <img src>) without an Origin. Send it with POST, "
                "as the AWS SDKs and the AWS CLI do.",
            }
    assert account.requests == [] and account.sent == []
    assert account.sending_enabled() and not account.is_verified("attacker@evil.example")
    # v2 reads and the control API's reads are GETs still served; v1 by POST is too.
    assert call(server.endpoint_url, "GET", "/_sesquota/clock?Action=x", headers=IMG)[0] == 200
    got, _h, _b = call(server.endpoint_url, "POST", "/", QUOTA, headers={"Authorization": "x"})
    assert got != 403


def test_a_loopback_alias_the_server_was_started_on_is_served(detached):
    # --host NAME where NAME resolves to loopback: the server prints http://NAME:PORT,
    # and answers there (not 421). "127.1" is 127.0.0.1 to the resolver, on any machine.
    account = SesAccount(profile="sandbox", clock=DetachedClock())
    named = [n for n in ("vm", "runsc", socket.gethostname()) if _loopback_name(n)]
    aliases = ["127.1", *named[:1]]
    for alias in aliases:
        with SesHttpServer(account, host=alias) as server:
            assert server.endpoint_url == f"http://{alias}:{server.port}"
            got, _h, body = call(server.endpoint_url, "GET", "/_sesquota/clock")
            assert got == 200, body
            got, _h, _b = call(
                server.endpoint_url, "GET", "/_sesquota/clock", headers={"Host": "evil.example"}
            )
            assert got == 421


def _loopback_name(name: str) -> bool:
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return False
    return all(info[4][0].startswith("127.") or info[4][0] == "::1" for info in infos)


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "localhost:4579"},
        {"Host": "[::1]:4579"},
        {"Host": "app.localhost"},
        {"Origin": "http://localhost:3000"},
        {"Origin": "http://127.0.0.1:8000"},
    ],
)
def test_local_hosts_and_local_pages_are_served(detached, headers):
    _account, server = detached
    got, _h, _body = call(server.endpoint_url, "POST", "/_sesquota/reset", headers=headers)
    assert got == 200


def test_a_cross_origin_read_is_served_without_cors_headers(detached):
    """A browser lets a foreign page send a GET but not read its reply without CORS."""
    _account, server = detached
    got, headers, _body = call(
        server.endpoint_url, "GET", "/_sesquota/clock", headers={"Origin": "https://evil.example"}
    )
    assert got == 200 and not any(h.lower().startswith("access-control") for h in headers)


@pytest.mark.parametrize("size", [b"-1", b"+5", b"0x5", b"1_0", b" ", b"fffffffff"])
def test_malformed_chunk_sizes_are_refused(detached, size):
    account, server = detached
    reply = raw(
        server.endpoint_url,
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        + SIGNED
        + b"\r\n5\r\nAction\r\n"
        + size
        + b"\r\n"
        + b"x" * 100
        + b"\r\n0\r\n\r\n",
    )
    assert reply.startswith(b"HTTP/1.1 400 Bad Request") and reply.endswith(b"Bad chunked encoding")
    assert account.requests == []
    assert client("ses", server.endpoint_url).get_send_quota()["Max24HourSend"] == 200.0


def test_chunks_past_the_body_limit_are_refused_unread(detached):
    _account, server = detached
    reply = raw(
        server.endpoint_url,
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        + SIGNED
        + b"\r\n4000001\r\n",  # a byte past 64 MiB, announced in one chunk
    )
    assert reply.startswith(b"HTTP/1.1 413")


def test_sigterm_lets_a_request_in_flight_finish_its_reply(tmp_path):
    with serve(tmp_path) as (process, endpoint, _info):
        port = int(endpoint.rpartition(":")[2])
        idle = socket.create_connection(("127.0.0.1", port), timeout=30)
        busy = socket.create_connection(("127.0.0.1", port), timeout=30)
        idle.sendall(b"GET /_sesquota/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_reply(idle).startswith(b"HTTP/1.1 200")  # now idle, kept alive
        busy.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + SIGNED
            + b"Content-Length: %d\r\n\r\n" % len(QUOTA)
            + QUOTA[:10]
        )
        time.sleep(0.5)  # the server reads the head, then waits for the rest of the body
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert idle.recv(100) == b""  # the idle connection is closed at once
        busy.sendall(QUOTA[10:])
        reply = read_reply(busy)
        assert reply.startswith(b"HTTP/1.1 200") and b"<Max24HourSend>" in reply
        assert b"Connection: close" in reply
        assert process.wait(30) == 0
        idle.close()
        busy.close()


def test_kill_9_leaves_no_private_key_behind_and_the_next_start_cleans_up(tmp_path):
    with serve(tmp_path) as (process, _endpoint, info):
        directory = Path(info["smtp"]["ca_file"]).parent
        # The key was read at start and removed: only the CA certificate is on disk.
        assert sorted(p.name for p in directory.iterdir()) == ["ca.pem"]
        process.kill()
        process.wait(30)
    assert directory.exists()
    with serve(tmp_path):
        assert not directory.exists()


def test_smtp_flags_are_converted_like_the_toml_keys():
    args = parser().parse_args(
        [
            "serve",
            "--smtp-idle-timeout",
            "2.5",
            "--smtp-max-connections",
            "3",
            "--smtp-require-starttls",
            "false",
        ]
    )
    options, _settings = resolve(args)
    assert (
        options.smtp_idle_timeout,
        options.smtp_max_connections,
        options.smtp_require_starttls,
    ) == (2.5, 3, False)


@pytest.mark.parametrize(
    ("flag", "value", "error"),
    [
        ("--smtp-idle-timeout", "soon", "expected a number, got 'soon'"),
        ("--smtp-idle-timeout", "inf", "expected a finite number, got 'inf'"),
        ("--max-24-hour-send", "Infinity", "expected a finite number, got 'Infinity'"),
        ("--smtp-max-connections", "2.5", "expected a whole number, got '2.5'"),
        ("--smtp-require-starttls", "maybe", "expected true or false, got 'maybe'"),
    ],
)
def test_bad_flag_values_are_refused_clearly(flag, value, error):
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sesquota", "serve", flag, value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"argument {flag}: {error}" in result.stderr


def test_smtp_flags_reach_the_smtp_server(tmp_path):
    with serve(tmp_path, "--smtp-max-connections", "1", "--smtp-require-starttls", "false") as (
        _p,
        _endpoint,
        info,
    ):
        smtp = info["smtp"]
        with smtplib.SMTP(smtp["host"], smtp["port"], timeout=30) as first:
            first.ehlo()
            # No STARTTLS needed before AUTH, as --smtp-require-starttls false says.
            first.login(smtp["username"], smtp["password"])
            with pytest.raises(smtplib.SMTPConnectError) as refused:
                smtplib.SMTP(smtp["host"], smtp["port"], timeout=30)
            assert refused.value.smtp_code == 421


def test_a_made_up_region_in_the_credential_scope_is_refused(detached):
    account, server = detached
    for region, v2 in (("xx-made-up-1", False), ("us-east-1-and-more", True)):
        path = b"/v2/email/account" if v2 else b"/"
        method = b"GET" if v2 else b"POST"
        reply = raw(
            server.endpoint_url,
            method + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260101/"
            + region.encode()
            + b"/ses/aws4_request, SignedHeaders=host, Signature=0\r\n"
            b"X-Amz-Date: 20260101T000000Z\r\nContent-Length: %d\r\n\r\n%s"
            % ((0, b"") if v2 else (len(QUOTA), QUOTA)),
        )
        assert reply.startswith(b"HTTP/1.1 403")
        message = f"Credential should be scoped to a valid region, not '{region}'. "
        if v2:
            assert b"x-amzn-ErrorType: InvalidSignatureException" in reply
            assert reply.endswith(json.dumps({"message": message}).encode())
        else:
            assert b"<Code>SignatureDoesNotMatch</Code>" in reply
            assert f"<Message>{message}</Message>".encode() in reply
    assert account.regions() == ["us-east-1"]
    assert os.environ.get("AWS_REGION") != "xx-made-up-1"


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            "max_24_hour_send = inf",
            "ses_quota: max_24_hour_send=inf is not valid; expected a finite number; "
            "-1 means unlimited",
        ),
        (
            "burst = nan",
            "ses_quota: burst=nan is not valid; expected a number of recipients >= 1 "
            "(the token bucket's capacity)",
        ),
        (
            "[server]\nledger_retention = 0",
            "ledger_retention=0 is not valid; expected a whole number >= 1, or -1 to keep the "
            "whole ledger",
        ),
    ],
)
def test_infinite_quotas_and_a_zero_retention_in_the_config_file_are_refused(tmp_path, toml, error):
    config = tmp_path / "sesquota.toml"
    config.write_text(toml + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sesquota", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (
        2,
        "sesquota: " + error.format(config=config) + "\n",
    )


def test_every_typed_marker_key_works_as_a_flag():
    """Numbers, whole numbers and booleans arrive as the marker takes them, key by key."""
    import dataclasses

    from pytest_sesquota.account.options import SesQuotaOptions

    samples = {"float": ("2.5", 2.5), "int": ("3", 3), "bool": ("false", False)}
    checked = []
    for field in dataclasses.fields(SesQuotaOptions):
        kind = str(field.type).partition(" ")[0]
        if kind not in samples:
            continue
        text, value = samples[kind]
        if field.name == "sent_last_24_hours":
            text, value = "7", 7
        if field.name == "transient_failures":  # a probability
            text, value = "0.25", 0.25
        options, _settings = resolve(
            parser().parse_args(["serve", f"--{field.name.replace('_', '-')}", text])
        )
        assert getattr(options, field.name) == value, field.name
        checked.append(field.name)
    assert {"smtp_idle_timeout", "smtp_max_connections", "smtp_require_starttls"} <= set(checked)
    assert {"api_rate_limit", "smtp_max_messages_per_connection"} <= set(checked)
    assert {"transient_failures", "seed", "fail_on_dropped"} <= set(checked)
