"""Who may talk to the server: requests for this machine, from this machine's pages.

The server listens on loopback, but a web page in the user's browser can still reach
it: by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1, with that
name in ``Host``), or with a cross-origin form post. A request whose ``Host`` is not a
loopback name (nor the name the server was started on) is refused with 421; a request
that changes something (any method but GET, HEAD and OPTIONS) from a page of another
origin is refused with 403. SES's v1 Query API takes its action from the query string on
any method, and a page makes a browser send a GET with no ``Origin`` at all (an ``<img
src>``): so a v1 action sent with GET or HEAD is refused with 403 too, from anyone. SDKs,
the AWS CLI and curl send a loopback ``Host``, no ``Origin`` and their v1 actions with
POST, so they are never refused.

No token: any process on the machine may use the server, as any may use the loopback
port itself (the state file, with the mail, is owner-only).
"""

from __future__ import annotations

__all__ = ["SAFE_METHODS", "is_local_name", "refusal"]

import ipaddress
from collections.abc import Collection
from urllib.parse import parse_qsl, urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_local_name(host: str) -> bool:
    """``localhost``, a name under ``.localhost`` (RFC 6761), or a loopback address."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_of(header: str) -> str:
    """The host of a ``Host`` header value (``name``, ``name:port``, ``[::1]:port``)."""
    header = header.strip()
    if header.startswith("["):
        return header[: header.find("]") + 1] if "]" in header else header
    name, _colon, _port = header.partition(":")
    return name


def _v1_action(target: str) -> bool:
    """Whether a request target is an SES v1 Query API call (``?Action=...``)."""
    path, _mark, query = target.partition("?")
    if not query or path.startswith(("/v2/", "/_sesquota")):
        return False
    return any(name == "Action" for name, _value in parse_qsl(query, keep_blank_values=True))


def refusal(
    method: str,
    host: str | None,
    origin: str | None,
    target: str = "/",
    names: Collection[str] = (),
) -> tuple[int, str, str] | None:
    """``(status, error, message)`` for a request to refuse, or None to serve it.
    ``names``: host names the server was started on, served like loopback names."""
    if host is not None:
        name = _host_of(host)
        if not is_local_name(name) and name.strip().lower().rstrip(".") not in names:
            return (
                421,
                "MisdirectedRequest",
                f"This server answers for localhost and loopback addresses only, not Host: "
                f"{host.strip()}. (A page that rebinds its own name to 127.0.0.1 is refused so.)",
            )
    verb = method.upper()
    if verb in ("GET", "HEAD") and _v1_action(target):
        return (
            403,
            "Forbidden",
            f"An SES v1 action sent with {verb} is refused: a web page can make a browser "
            "send one (an <img src>) without an Origin. Send it with POST, as the AWS SDKs "
            "and the AWS CLI do.",
        )
    if origin is not None and verb not in SAFE_METHODS:
        origin_host = urlsplit(origin.strip()).hostname
        if origin_host is None or not is_local_name(origin_host):
            return (
                403,
                "Forbidden",
                f"A {method} from a page of another origin is refused (Origin: "
                f"{origin.strip()}): only pages served from localhost may change the account.",
            )
    return None
