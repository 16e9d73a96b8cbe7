"""Nothing reaches real SES: each way out is refused before any name lookup or connect.

An audit hook (``sys.addaudithook``) sees every name lookup and connect the C socket
layer is asked for, whoever asks (asyncio's resolver thread too), and aborts any to a
non-loopback address: it proves that a refusal came *before* DNS, and keeps a missed
case from ever reaching the network. The suite runs with the default
(``ses_quota_block_unfaked = true``), so a test without the fixture is "unfaked".
"""

from __future__ import annotations

import asyncio
import http.client
import smtplib
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from pytest_sesquota import SesAccount, SesServer, SesSmtpServer, UnfakedSesCall
from pytest_sesquota.account.account import Account
from pytest_sesquota.doors import guard
from pytest_sesquota.serve.server import SesHttpServer


class Escape(AssertionError):
    """The socket layer was asked to look up or reach somewhere other than loopback."""


_seen: list[list[tuple[str, Any]]] = []


def _loopback(host: Any) -> bool:
    return host is None or guard.is_loopback(host)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _seen or event not in ("socket.getaddrinfo", "socket.gethostbyname", "socket.connect"):
        return
    host = args[1][0] if event == "socket.connect" and isinstance(args[1], tuple) else args[0]
    if event == "socket.connect" and not isinstance(args[1], tuple):
        return  # a Unix socket
    _seen[-1].append((event, host))
    if not _loopback(host):
        raise Escape(f"{event} {host!r}")


sys.addaudithook(_audit)


@pytest.fixture
def audit() -> Iterator[list[tuple[str, Any]]]:
    """Every name lookup and connect of the test; any beyond loopback is aborted."""
    events: list[tuple[str, Any]] = []
    _seen.append(events)
    try:
        yield events
    finally:
        _seen.remove(events)


def no_aws(events: list[tuple[str, Any]]) -> None:
    assert all(_loopback(host) for _event, host in events), events


def _asyncio_open() -> Any:
    return asyncio.run(asyncio.open_connection("email-smtp.eu-west-1.amazonaws.com", 587))


def _asyncio_sni() -> Any:
    # A resolver of its own (aiodns) hands create_connection an address: the TLS
    # server name still says where it goes.
    async def go() -> Any:
        loop = asyncio.get_running_loop()
        return await loop.create_connection(
            asyncio.Protocol, "127.0.0.1", 9, ssl=True, server_hostname="email.us-east-1.api.aws"
        )

    return asyncio.run(go())


def _aiosmtplib() -> Any:
    import aiosmtplib

    async def go() -> Any:
        client = aiosmtplib.SMTP(hostname="email-smtp.us-west-2.amazonaws.com", port=587)
        await client.connect(timeout=5)

    return asyncio.run(go())


def _raw(method: str, address: tuple[str, int]) -> Any:
    with socket.socket() as raw:
        return getattr(raw, method)(address)


def _tunnel() -> Any:
    connection = http.client.HTTPSConnection("127.0.0.1", 9, timeout=5)
    connection.set_tunnel("email.us-east-1.amazonaws.com", 443)
    connection.request("GET", "/")


#: (way out, host:port the refusal names)
SOCKET_WAYS: list[Any] = [
    pytest.param(
        lambda: socket.create_connection(("email-smtp.us-east-1.amazonaws.com", 587), timeout=5),
        "email-smtp.us-east-1.amazonaws.com:587",
        id="create_connection",
    ),
    pytest.param(
        lambda: _raw("connect", ("email.us-east-1.amazonaws.com", 443)),
        "email.us-east-1.amazonaws.com:443",
        id="raw-connect",
    ),
    pytest.param(
        lambda: _raw("connect_ex", ("email-fips.us-east-1.amazonaws.com", 443)),
        "email-fips.us-east-1.amazonaws.com:443",
        id="raw-connect_ex",
    ),
    pytest.param(
        lambda: socket.gethostbyname("email-smtp.ap-south-1.amazonaws.com"),
        "email-smtp.ap-south-1.amazonaws.com:-",
        id="gethostbyname",
    ),
    pytest.param(_asyncio_open, "email-smtp.eu-west-1.amazonaws.com:587", id="asyncio"),
    pytest.param(_asyncio_sni, "email.us-east-1.api.aws:9", id="asyncio-server_hostname"),
    pytest.param(_aiosmtplib, "email-smtp.us-west-2.amazonaws.com:587", id="aiosmtplib"),
    pytest.param(
        lambda: smtplib.SMTP("email-smtp-fips.us-gov-west-1.amazonaws.com", 587, timeout=5),
        "email-smtp-fips.us-gov-west-1.amazonaws.com:587",
        id="smtplib-fips",
    ),
    pytest.param(
        lambda: smtplib.SMTP_SSL("email-smtp.eu-central-1.api.aws", 465, timeout=5),
        "email-smtp.eu-central-1.api.aws:465",
        id="smtp-dual-stack",
    ),
    pytest.param(
        lambda: smtplib.SMTP(
            "vpce-0a1b2c3d4e5f-abcdefgh.email-smtp.us-east-1.vpce.amazonaws.com", 587, timeout=5
        ),
        "vpce-0a1b2c3d4e5f-abcdefgh.email-smtp.us-east-1.vpce.amazonaws.com:587",
        id="smtp-vpc-endpoint",
    ),
    pytest.param(_tunnel, "email.us-east-1.amazonaws.com:443", id="http.client-proxy-tunnel"),
]

UNFAKED = (
    ": a call to real Amazon SES from a test without the fake SES account. Use the "
    "ses_account fixture or @pytest.mark.ses_quota in this test; a test that really means "
    "to reach AWS can say so with @pytest.mark.ses_quota_real, and "
    "ses_quota_block_unfaked = false lets every test's SES calls through."
)
FAKED = (
    ": the fake SES account is active and nothing may reach AWS. The call bypassed the "
    "fake's front doors (boto3, aiobotocore, requests); point the client at the fake "
    "instead (ses_smtp's host and port, ses_server's endpoint_url)."
)


@pytest.mark.parametrize(("way", "target"), SOCKET_WAYS)
def test_unfaked_connections_to_ses_are_refused_before_any_lookup(audit, way, target):
    with pytest.raises(UnfakedSesCall) as error:
        way()
    what = "a proxy tunnel (CONNECT) to" if "tunnel" in str(way) else "a connection to"
    assert str(error.value) == f"pytest-sesquota refused {what} real Amazon SES ({target}){UNFAKED}"
    assert type(error.value) is UnfakedSesCall
    no_aws(audit)


@pytest.mark.parametrize(("way", "target"), SOCKET_WAYS)
def test_with_the_fake_a_bypass_is_refused_too(ses_account, audit, way, target):
    with pytest.raises(guard.RealSesRefused) as error:
        way()
    what = "a proxy tunnel (CONNECT) to" if "tunnel" in str(way) else "a connection to"
    assert str(error.value) == f"pytest-sesquota refused {what} real Amazon SES ({target}){FAKED}"
    no_aws(audit)
    assert ses_account.requests == []


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[Any]]]:
    """A loopback HTTP proxy that records whoever connects (none may)."""
    connected: list[Any] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)

    def accept() -> None:
        try:
            connection, _address = server.accept()
        except OSError:
            return
        connected.append(connection.recv(1024))
        connection.close()

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", connected
    finally:
        thread.join()
        server.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://email.us-east-1.amazonaws.com/v2/email/account",
        "https://vpce-0a1b2c3d4e5f-abcdefgh.email.eu-west-1.vpce.amazonaws.com/",
    ],
)
def test_a_proxy_is_never_asked_to_connect_to_ses(audit, proxy, url):
    address, connected = proxy
    with pytest.raises(UnfakedSesCall, match=r"refused a proxy tunnel \(CONNECT\) to real Amazon"):
        requests.get(url, proxies={"https": address}, timeout=5)
    assert connected == []
    no_aws(audit)


HOSTS = [
    "email.us-east-1.amazonaws.com",
    "email-fips.us-gov-west-1.amazonaws.com",
    "email.us-east-1.api.aws",
    "email-fips.us-east-1.api.aws",
    "email.cn-north-1.amazonaws.com.cn",
    "vpce-0a1b2c3d4e5f-abcdefgh.email.eu-west-1.vpce.amazonaws.com",
    "vpce-0a1b2c3d4e5f-abcdefgh-eu-west-1a.email.eu-west-1.vpce.amazonaws.com",
]


@pytest.mark.parametrize("host", HOSTS)
def test_requests_to_every_ses_api_name_are_refused_unfaked(audit, host):
    with pytest.raises(UnfakedSesCall, match=rf"a connection to real Amazon SES \({host}:443\)"):
        requests.post(f"https://{host}/", data={"Action": "GetSendQuota"}, timeout=5)
    no_aws(audit)


@pytest.mark.parametrize("host", HOSTS)
def test_the_requests_door_answers_every_ses_api_name(ses_account, audit, host):
    form = {"Action": "GetSendQuota", "Version": "2010-12-01"}
    reply = requests.post(f"https://{host}/", data=form, timeout=5)
    assert reply.status_code == 200
    assert b"<Max24HourSend>" in reply.content
    assert [r.operation for r in ses_account.requests] == ["GetSendQuota"]
    no_aws(audit)


@pytest.mark.parametrize(
    ("config", "url"),
    [
        ({}, "https://email.eu-west-1.amazonaws.com/"),
        ({"use_dualstack_endpoint": True}, "https://email.eu-west-1.api.aws/"),
        ({"use_fips_endpoint": True}, "https://email-fips.eu-west-1.amazonaws.com/"),
    ],
    ids=["regional", "dual-stack", "fips"],
)
def test_boto3_unfaked_is_refused_before_signing(audit, monkeypatch, config, url):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("ses", region_name="eu-west-1", config=Config(**config))
    with pytest.raises(UnfakedSesCall) as error:
        client.get_send_quota()  # no credentials: refused before botocore looks for any
    assert str(error.value) == (
        f"pytest-sesquota refused an SES call (ses GetSendQuota to {url}){UNFAKED}"
    )
    no_aws(audit)


def test_a_vpc_endpoint_url_is_refused_too(audit):
    client = boto3.client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url="https://vpce-0a1b2c3d4e5f-abcdefgh.email.us-east-1.vpce.amazonaws.com",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )
    with pytest.raises(UnfakedSesCall, match=r"\(sesv2 GetAccount to https://vpce-0a1b2c3d4e5f"):
        client.get_account()
    no_aws(audit)


def test_other_hosts_pass_untouched(audit):
    # The lookup reaches the resolver (the audit hook stops it there): not refused.
    with pytest.raises(Escape, match=r"example\.invalid"):
        socket.getaddrinfo("email.example.invalid", 443)
    with pytest.raises(Escape, match=r"smtp\.example\.invalid"):
        socket.create_connection(("smtp.example.invalid", 25), timeout=5)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5):
            pass


# -- what passes by default: another in-process fake, a loopback endpoint -----------
def test_a_stubber_answers_unfaked(audit):
    from botocore.stub import Stubber

    client = boto3.client(
        "ses", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    with Stubber(client) as stubber:
        stubber.add_response("get_send_quota", {"Max24HourSend": 7.0})
        assert client.get_send_quota()["Max24HourSend"] == 7.0
    no_aws(audit)


def test_moto_answers_unfaked(audit):
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        client = boto3.client("ses", region_name="us-east-1")
        client.verify_email_identity(EmailAddress="a@example.com")
        assert client.list_identities()["Identities"] == ["a@example.com"]
    no_aws(audit)


def test_a_responses_mock_answers_unfaked(audit):
    import responses

    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://email.us-east-1.amazonaws.com/v2/email/account", body="{}")
        assert requests.get("https://email.us-east-1.amazonaws.com/v2/email/account").text == "{}"
    no_aws(audit)


def test_a_loopback_endpoint_passes_unfaked(audit):
    with SesHttpServer(Account()) as server:  # stands in for LocalStack or moto's server
        client = boto3.client(
            "ses",
            region_name="us-east-1",
            endpoint_url=server.endpoint_url,
            aws_access_key_id="k",
            aws_secret_access_key="s",
        )
        assert client.get_send_quota()["Max24HourSend"] == 200.0
    no_aws(audit)


# -- every server listens on loopback only -----------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda account: SesSmtpServer(account, host="0.0.0.0"),
        lambda account: SesHttpServer(account, host="0.0.0.0"),
        lambda account: SesServer(account, host="0.0.0.0"),
        lambda account: SesSmtpServer(account, host="::"),
    ],
    ids=["SesSmtpServer", "SesHttpServer", "SesServer", "SesSmtpServer-ipv6-any"],
)
def test_every_server_refuses_a_non_loopback_address(make):
    with pytest.raises(ValueError, match="loopback addresses only") as error:
        make(Account())
    assert "a fake SES must not be reachable from the network" in str(error.value)


# -- the guard undoes itself ------------------------------------------------------
def test_a_guard_puts_back_exactly_what_was_there():
    before = (
        socket.getaddrinfo,
        "connect" in vars(socket.socket),
        http.client.HTTPConnection.set_tunnel,
    )
    extra = guard.Guard()
    assert socket.getaddrinfo is not before[0]
    extra.close()
    after = (
        socket.getaddrinfo,
        "connect" in vars(socket.socket),
        http.client.HTTPConnection.set_tunnel,
    )
    assert after == before


def test_refusal_is_one_function_every_door_asks():
    assert guard.refusal("x") is not None  # the suite's default: unfaked calls refused
    with guard.allowing("@pytest.mark.ses_quota_real"):
        assert guard.refusal("x") is None
    with SesAccount():
        assert isinstance(guard.refusal("x"), guard.RealSesRefused)


def test_with_the_block_off_the_guard_lives_only_while_faked(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nses_quota_block_unfaked = false\n")
    pytester.makepyfile(
        """
        import asyncio.base_events, http.client, socket

        import pytest
        from pytest_sesquota import SesAccount
        from pytest_sesquota.doors import guard

        def patched():
            return (socket.getaddrinfo, "connect" in vars(socket.socket),
                    asyncio.base_events.BaseEventLoop.create_connection,
                    http.client.HTTPConnection.set_tunnel)

        def test_it():
            before = patched()
            assert not guard.installed() and guard.refusal("x") is None
            with SesAccount():
                assert guard.installed()
                with pytest.raises(guard.RealSesRefused):
                    socket.create_connection(("email.us-east-1.amazonaws.com", 443))
            assert patched() == before and not guard.installed()
        """
    )
    # A process of its own: this one's session guard is installed.
    result = pytester.runpytest_subprocess("-p", "no:hypothesispytest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_real_ses_refused_is_importable_from_the_package():
    # The README names it: a test can catch the fake-active refusal by its own name.
    from pytest_sesquota import RealSesRefused

    assert RealSesRefused is guard.RealSesRefused
    assert issubclass(RealSesRefused, UnfakedSesCall)
