"""The last line: no connection to real Amazon SES leaves the process unless a test asks.

The front doors answer SES requests before any network code runs. This guard sits
where connections are made, and checks the host name *before* it is looked up:
``socket.getaddrinfo`` and ``gethostbyname`` (http.client, smtplib, urllib3, asyncio's
resolver), ``socket.socket.connect``/``connect_ex`` (a raw socket resolves in C),
asyncio's ``create_connection`` (a host resolved elsewhere still names its TLS
``server_hostname``), uvloop's loop (libuv resolves in C), and where a client asks a
proxy for a connection: http.client's ``set_tunnel``, httpcore's pools (httpx) and
aiohttp's connector. Only SES's API and SMTP host names are refused, in the IDNA form
the resolver would get; every other host passes untouched.

Whether a call is refused is one decision, :func:`refusal`, which every door (the
botocore and aiobotocore doors too) asks: while a fake account is active, anything
reaching SES bypassed the fake; without one, the suite refuses unfaked SES calls unless
it opted out (``ses_quota_block_unfaked = false``) or the test did (``ses_quota_real``).
"""

from __future__ import annotations

__all__ = [
    "BLOCK_OPTION",
    "REAL_MARKER",
    "Guard",
    "RealSesRefused",
    "UnfakedSesCall",
    "allowing",
    "check",
    "check_loopback",
    "installed",
    "is_loopback",
    "is_ses_host",
    "refusal",
    "refused",
    "ses_name",
]

import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from ..active import ACTIVE
from . import on_import

#: SES's API and SMTP hosts in every form AWS names them: regional, FIPS, dual-stack
#: (``api.aws``), China, and VPC endpoints (``vpce-….email.<region>.vpce.amazonaws.com``).
_SES_HOSTS = re.compile(
    r"^(?:vpce-[a-z0-9-]+\.)?(?:email|email-fips|email-smtp|email-smtp-fips)\.[a-z0-9-]+\."
    r"(?:vpce\.)?(?:amazonaws\.com(?:\.cn)?|api\.aws|api\.amazonwebservices\.com\.cn)\.?$",
    re.IGNORECASE,
)
BLOCK_OPTION = "ses_quota_block_unfaked"
REAL_MARKER = "ses_quota_real"


class UnfakedSesCall(RuntimeError):
    """A call to real Amazon SES was refused: made by a test without the fake (the
    default refuses them), or one that bypassed the fake while it was active."""


class RealSesRefused(UnfakedSesCall):
    """A connection to real Amazon SES was attempted while the fake was active."""


def ses_name(host: object) -> str | None:
    """The SES host name ``host`` stands for, or None. A name is matched in the form the
    resolver is given: Python encodes a text host with IDNA before looking it up, which
    maps fullwidth letters, the ideographic and fullwidth dots and a soft hyphen
    (``\uff45\uff4d\uff41\uff49\uff4c.us-east-1.amazonaws.com``) to plain ASCII."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:  # not a name the resolver would take either
            return None
    return host if _SES_HOSTS.match(host) else None


def is_ses_host(host: object) -> bool:
    return ses_name(host) is not None


def refusal(what: str) -> UnfakedSesCall | None:
    """The error for a call to real SES described by ``what`` ("a connection to
    email.us-east-1.amazonaws.com:443", "ses SendEmail to https://…"), or None if it
    may go."""
    # While an account is on (or in its test's child processes), the doors answer; the
    # guard refuses what bypassed them. Otherwise the session's setting decides
    # (ACTIVE.blocking, named in the error) unless the test may reach SES (ACTIVE.allowed).
    if ACTIVE.faked:
        return RealSesRefused(
            f"pytest-sesquota refused {what}: the fake SES account is active and nothing may "
            "reach AWS. The call bypassed the fake's front doors (boto3, aiobotocore, "
            "requests); point the client at the fake instead (ses_smtp's host and port, "
            "ses_server's endpoint_url)."
        )
    if ACTIVE.blocking is None or ACTIVE.allowed is not None:
        return None
    return UnfakedSesCall(
        f"pytest-sesquota refused {what}: a call to real Amazon SES from a test without the "
        f"fake SES account. Use the ses_account fixture or @pytest.mark.ses_quota in this "
        f"test; a test that really means to reach AWS can say so with "
        f"@pytest.mark.{REAL_MARKER}, and {ACTIVE.blocking} = false lets every test's SES "
        "calls through."
    )


#: How many refusals a test keeps for its teardown check: the first few name the problem.
_KEPT = 10


def refused(error: UnfakedSesCall) -> UnfakedSesCall:
    """``error``, noted as raised to the code that made the call: should that code catch
    it (an application's ``except Exception`` around its send), the test still fails at
    teardown, naming the call (``hooks.SwallowedRefusals``)."""
    if len(ACTIVE.refused) < _KEPT:
        ACTIVE.refused.append(error)
    return error


def check(host: object, port: object, what: str = "a connection to") -> None:
    """Raise the refusal for a connection to ``host`` if it is SES's and must not go."""
    name = ses_name(host)
    if name is not None:
        written = "" if name == host or isinstance(host, bytes) else f", written {host!r}"
        error = refusal(f"{what} real Amazon SES ({name}:{port}{written})")
        if error is not None:
            raise refused(error)


@contextmanager
def allowing(reason: str | None) -> Iterator[None]:
    """Within the block, unfaked SES calls go through (``reason`` is not None)."""
    previous, ACTIVE.allowed = ACTIVE.allowed, reason
    try:
        yield
    finally:
        ACTIVE.allowed = previous


def _address(address: Any) -> tuple[Any, Any]:
    if isinstance(address, tuple) and len(address) >= 2:
        return address[0], address[1]
    return None, None


def _getaddrinfo(original: Callable[..., Any]) -> Callable[..., Any]:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        check(host, port)
        return original(host, port, *args, **kwargs)

    return getaddrinfo


def _gethostbyname(original: Callable[..., Any]) -> Callable[..., Any]:
    def gethostbyname(host: Any) -> Any:
        check(host, "-")
        return original(host)

    return gethostbyname


def _connect(original: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: socket.socket, address: Any) -> Any:
        check(*_address(address))
        return original(self, address)

    return connect


def _create_connection(original: Callable[..., Any]) -> Callable[..., Any]:
    async def create_connection(
        self: Any, protocol_factory: Any, host: Any = None, port: Any = None, **kwargs: Any
    ) -> Any:
        check(host, port)
        check(kwargs.get("server_hostname"), port)
        return await original(self, protocol_factory, host, port, **kwargs)

    return create_connection


def _loop_getaddrinfo(original: Callable[..., Any]) -> Callable[..., Any]:
    # uvloop resolves in libuv, not through socket.getaddrinfo.
    async def getaddrinfo(self: Any, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        check(host, port)
        return await original(self, host, port, *args, **kwargs)

    return getaddrinfo


def _sock_connect(original: Callable[..., Any]) -> Callable[..., Any]:
    async def sock_connect(self: Any, sock: Any, address: Any) -> Any:
        check(*_address(address))
        return await original(self, sock, address)

    return sock_connect


_THROUGH_PROXY = "a connection through a proxy to"


def _pool_connection(original: Callable[..., Any]) -> Callable[..., Any]:
    # httpcore (httpx) opens each connection of a pool here, for an origin. Through a
    # proxy, only the proxy's address reaches the socket layer: the origin is SES's name
    # in the CONNECT line (or SOCKS request) the proxy would act on.
    def create_connection(self: Any, origin: Any) -> Any:
        proxied = getattr(self, "_proxy", None) is not None or "Proxy" in type(self).__name__
        check(origin.host, origin.port, _THROUGH_PROXY if proxied else "a connection to")
        return original(self, origin)

    return create_connection


def _aiohttp_connection(original: Callable[..., Any]) -> Callable[..., Any]:
    # aiohttp's TCPConnector, direct or through a proxy (which would get the CONNECT).
    async def _create_connection(self: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
        what = _THROUGH_PROXY if getattr(req, "proxy", None) else "a connection to"
        check(getattr(req, "host", None), getattr(req, "port", None), what)
        return await original(self, req, *args, **kwargs)

    return _create_connection


def _set_tunnel(original: Callable[..., Any]) -> Callable[..., Any]:
    def set_tunnel(self: Any, host: str, port: Any = None, *args: Any, **kwargs: Any) -> Any:
        name, _sep, inline_port = host.rpartition(":") if "]" not in host else (host, "", "")
        if not name or not inline_port.isdigit():
            name, inline_port = host, ""
        check(name, port or inline_port or 443, "a proxy tunnel (CONNECT) to")
        return original(self, host, port, *args, **kwargs)

    return set_tunnel


#: (module, class or None, function, wrapper): all but socket are patched when first
#: imported (a session without them pays nothing for them); a class or function a
#: version lacks is left alone.
_PATCHES: list[tuple[str, str | None, str, Callable[[Any], Callable[..., Any]]]] = [
    ("socket", None, "getaddrinfo", _getaddrinfo),
    ("socket", None, "gethostbyname", _gethostbyname),
    ("socket", None, "gethostbyname_ex", _gethostbyname),
    ("socket", "socket", "connect", _connect),
    ("socket", "socket", "connect_ex", _connect),
    ("asyncio.base_events", "BaseEventLoop", "create_connection", _create_connection),
    ("http.client", "HTTPConnection", "set_tunnel", _set_tunnel),
    # uvloop's loop is its own (libuv resolves and connects in C).
    ("uvloop", "Loop", "create_connection", _create_connection),
    ("uvloop", "Loop", "getaddrinfo", _loop_getaddrinfo),
    ("uvloop", "Loop", "sock_connect", _sock_connect),
    # Clients that speak to a proxy themselves, never telling the socket layer the origin.
    ("httpcore._sync.connection_pool", "ConnectionPool", "create_connection", _pool_connection),
    (
        "httpcore._async.connection_pool",
        "AsyncConnectionPool",
        "create_connection",
        _pool_connection,
    ),
    ("httpcore._sync.http_proxy", "HTTPProxy", "create_connection", _pool_connection),
    ("httpcore._async.http_proxy", "AsyncHTTPProxy", "create_connection", _pool_connection),
    ("httpcore._sync.socks_proxy", "SOCKSProxy", "create_connection", _pool_connection),
    ("httpcore._async.socks_proxy", "AsyncSOCKSProxy", "create_connection", _pool_connection),
    ("aiohttp.connector", "TCPConnector", "_create_connection", _aiohttp_connection),
]
_INHERITED = object()


def installed() -> bool:
    """Whether the checks are in place (the session's guard, or an account's)."""
    return bool(ACTIVE.guards)


class Guard:
    """Installs the checks; :meth:`close` puts back exactly what was there."""

    def __init__(self) -> None:
        self._patched: list[tuple[Any, str, Any]] = []
        self._watched = list(dict.fromkeys(module for module, *_rest in _PATCHES))
        ACTIVE.guards.append(self)
        for name in self._watched:
            on_import.when_imported(name, self._patch)

    def _patch(self, module: ModuleType) -> None:
        for module_name, owner, name, wrap in _PATCHES:
            if module_name != module.__name__:
                continue
            target = getattr(module, owner, None) if owner else module
            original = getattr(target, name, None)
            if original is None:
                continue
            # A method a class inherits (socket.socket's connect) is deleted again at
            # close rather than copied onto the class.
            own = vars(target).get(name, _INHERITED)
            patched = wrap(original)
            patched.__wrapped__ = original  # type: ignore[attr-defined]
            setattr(target, name, patched)
            self._patched.append((target, name, own))

    def close(self) -> None:
        if self in ACTIVE.guards:
            ACTIVE.guards.remove(self)
        for name in self._watched:
            on_import.forget(name, self._patch)
        while self._patched:
            target, name, own = self._patched.pop()
            if own is _INHERITED:
                delattr(target, name)
            else:
                setattr(target, name, own)


def is_loopback(host: object) -> bool:
    """Whether ``host`` names this machine, decided without a name lookup."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or not host:
        return False
    import ipaddress  # (only servers and loopback checks need it)

    text = host.strip("[]").split("%")[0]
    if text.lower() == "localhost" or text.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def check_loopback(host: str) -> str:
    """Refuse to listen anywhere but on this machine (every server of the fake)."""
    import ipaddress

    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        raise ValueError(
            f"cannot resolve the host {host!r} to listen on; pytest-sesquota serves on "
            "loopback addresses only (127.0.0.1, ::1, localhost)"
        ) from None
    for info in infos:
        if not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback:
            raise ValueError(
                f"pytest-sesquota serves on loopback addresses only (127.0.0.1, ::1, "
                f"localhost), not {host!r}: a fake SES must not be reachable from the network"
            )
    return host
