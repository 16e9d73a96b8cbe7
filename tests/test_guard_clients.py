"""The guard where clients of their own meet SES: names written to look different, a
proxy asked for the connection, an event loop that resolves in C.

Each case runs with the audit hook of ``test_guard`` (any lookup or connect beyond
loopback is aborted), against a loopback proxy that records whoever reaches it (none
may), or, for uvloop (libuv resolves in C, unseen by the audit hook), in a network
namespace of its own with no route out. Refused before any lookup, without the fake
(``UnfakedSesCall``) and with it (``RealSesRefused``).
"""

from __future__ import annotations

import asyncio
import http.client
import shutil
import smtplib
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import test_guard
from test_guard import FAKED, UNFAKED, no_aws

from pytest_sesquota import RealSesRefused, UnfakedSesCall

#: Every lookup and connect of each test is seen; any beyond loopback is aborted.
pytestmark = pytest.mark.usefixtures("audit")
audit = test_guard.audit

#: Names that IDNA-encode to SES's: what the resolver would be asked.
LOOKALIKES = [
    pytest.param("\uff45\uff4d\uff41\uff49\uff4c.us-east-1.amazonaws.com", id="fullwidth-letters"),
    pytest.param("email\uff0eus-east-1\u3002amazonaws\uff61com", id="fullwidth-ideographic-dots"),
    pytest.param("em\u00adail-smtp.us-east-1.amazonaws.com", id="soft-hyphen"),
    pytest.param(
        "EMAIL.US-EAST-1.\uff21\uff2d\uff21\uff3a\uff2f\uff2e\uff21\uff37\uff33.COM",
        id="fullwidth-capitals",
    ),
]


def _ways(host: str) -> list[tuple[str, Any]]:
    def http_client() -> Any:
        connection = http.client.HTTPSConnection(host, 443, timeout=5)
        connection.request("GET", "/")

    return [
        ("getaddrinfo", lambda: socket.getaddrinfo(host, 443)),
        ("create_connection", lambda: socket.create_connection((host, 443), timeout=5)),
        ("http.client", http_client),
        ("smtplib", lambda: smtplib.SMTP(host, 587, timeout=5)),
    ]


def _refusal(host: str, port: int, faked: bool) -> str:
    ascii_name = host.encode("idna").decode("ascii")
    return (
        f"pytest-sesquota refused a connection to real Amazon SES ({ascii_name}:{port}, "
        f"written {host!r}){FAKED if faked else UNFAKED}"
    )


@pytest.mark.parametrize("host", LOOKALIKES)
@pytest.mark.parametrize("faked", [False, True], ids=["unfaked", "faked"])
def test_a_name_that_idna_encodes_to_ses_is_refused_before_any_lookup(request, host, faked):
    if faked:
        request.getfixturevalue("ses_account")
    for name, way in _ways(host):
        with pytest.raises(UnfakedSesCall) as error:
            way()
        port = 587 if name == "smtplib" else 443
        assert str(error.value) == _refusal(host, port, faked), name
        assert isinstance(error.value, RealSesRefused) is faked
    no_aws(test_guard._seen[-1])


# -- clients that ask a proxy themselves ---------------------------------------------
@pytest.fixture
def proxy() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback HTTP proxy that records the first bytes of every connection it gets
    for as long as the test runs, answers nothing and forwards nothing."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _address = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(5)
                try:
                    received.append(connection.recv(4096))
                except OSError:
                    received.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join()
        server.close()


URL = "https://email.us-east-1.amazonaws.com/v2/email/account"
THROUGH_PROXY = (
    "pytest-sesquota refused a connection through a proxy to real Amazon SES "
    "(email.us-east-1.amazonaws.com:443)"
)


def _httpx_proxy(address: str) -> Any:
    httpx = pytest.importorskip("httpx")
    with httpx.Client(proxy=address, timeout=5) as client:
        return client.get(URL)


def _httpx_env(address: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    httpx = pytest.importorskip("httpx")
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", address)
    with httpx.Client(timeout=5) as client:
        return client.get(URL)


def _httpx_async(address: str) -> Any:
    httpx = pytest.importorskip("httpx")

    async def go() -> Any:
        async with httpx.AsyncClient(proxy=address, timeout=5) as client:
            return await client.get(URL)

    return asyncio.run(go())


def _aiohttp_proxy(address: str) -> Any:
    aiohttp = pytest.importorskip("aiohttp")

    async def go() -> Any:
        async with aiohttp.ClientSession() as session:
            async with session.get(URL, proxy=address, timeout=aiohttp.ClientTimeout(5)) as r:
                return await r.read()

    return asyncio.run(go())


PROXIED = [
    pytest.param(lambda address, _m: _httpx_proxy(address), id="httpx-proxy="),
    pytest.param(_httpx_env, id="httpx-HTTPS_PROXY"),
    pytest.param(lambda address, _m: _httpx_async(address), id="httpx-async-proxy="),
    pytest.param(lambda address, _m: _aiohttp_proxy(address), id="aiohttp-proxy="),
]


@pytest.mark.parametrize("way", PROXIED)
@pytest.mark.parametrize("faked", [False, True], ids=["unfaked", "faked"])
def test_a_proxy_is_never_asked_for_ses_by_httpx_or_aiohttp(
    request, proxy, monkeypatch, way, faked
):
    if faked:
        request.getfixturevalue("ses_account")
    address, connected = proxy
    with pytest.raises(UnfakedSesCall) as error:
        way(address, monkeypatch)
    assert str(error.value) == THROUGH_PROXY + (FAKED if faked else UNFAKED)
    assert connected == []  # no CONNECT line, no ClientHello
    no_aws(test_guard._seen[-1])


def test_httpx_and_aiohttp_reach_other_hosts_through_a_proxy(proxy):
    # Only SES's names are refused: the proxy is asked for anything else.
    httpx = pytest.importorskip("httpx")
    address, connected = proxy
    with pytest.raises(httpx.HTTPError), httpx.Client(proxy=address, timeout=5) as client:
        client.get("https://example.invalid/")
    assert connected and connected[0].startswith(b"CONNECT example.invalid:443 ")


# -- uvloop, in a network namespace (libuv resolves in C) ---------------------------
UVLOOP_CHILD = """
import asyncio, socket, sys
import uvloop
from pytest_sesquota.active import ACTIVE
from pytest_sesquota.doors import guard

ACTIVE.blocking = "ses_quota_block_unfaked"
guard.Guard()

async def open_connection():
    await asyncio.open_connection("email-smtp.eu-west-1.amazonaws.com", 587)

async def resolve():
    await asyncio.get_running_loop().getaddrinfo("email.us-east-1.amazonaws.com", 443)

async def sock_connect():
    with socket.socket() as raw:
        raw.setblocking(False)
        await asyncio.get_running_loop().sock_connect(raw, ("email.us-east-1.api.aws", 443))

async def lookalike():
    await asyncio.open_connection("\uff45\uff4d\uff41\uff49\uff4c.us-east-1.amazonaws.com", 443)

for way in (open_connection, resolve, sock_connect, lookalike):
    try:
        uvloop.run(way())
    except guard.UnfakedSesCall as error:
        print(way.__name__, "refused", str(error).split(":")[0] + ":" + str(error).split(":")[1])
    except Exception as error:
        print(way.__name__, "NOT REFUSED", type(error).__name__, error)
    else:
        print(way.__name__, "NOT REFUSED, connected")
"""


def test_uvloop_is_refused_before_any_lookup_in_a_network_namespace(tmp_path):
    pytest.importorskip("uvloop")
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rn", "true"]).returncode != 0:
        pytest.skip("needs a network namespace (unshare -rn): the only safe place for libuv")
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(UVLOOP_CHILD), encoding="utf-8")
    done = subprocess.run(
        [unshare, "-rn", sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "open_connection refused pytest-sesquota refused a connection to real Amazon SES "
        "(email-smtp.eu-west-1.amazonaws.com:587)",
        "resolve refused pytest-sesquota refused a connection to real Amazon SES "
        "(email.us-east-1.amazonaws.com:443)",
        "sock_connect refused pytest-sesquota refused a connection to real Amazon SES "
        "(email.us-east-1.api.aws:443)",
        "lookalike refused pytest-sesquota refused a connection to real Amazon SES "
        "(email.us-east-1.amazonaws.com:443, written "
        "'\uff45\uff4d\uff41\uff49\uff4c.us-east-1.amazonaws.com')",
    ]
