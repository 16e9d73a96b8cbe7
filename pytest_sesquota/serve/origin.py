"""Who may talk to the server: requests for this machine, from this machine's pages.

The server listens on loopback, but a web page in the user's browser can still reach
it: by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1, with that
name in ``Host``), or with a cross-origin form post. A request whose ``Host`` is not a
loopback name is refused with 421; a request that changes something (any method but
GET, HEAD and OPTIONS) from a page of another origin is refused with 403. SDKs, the AWS
CLI and curl send a loopback ``Host`` and no ``Origin``, so they are never refused.

No token: any process on the machine may use the server, as any may use the loopback
port itself (the state file, with the mail, is owner-only).
"""

from __future__ import annotations

__all__ = ["SAFE_METHODS", "is_local_name", "refusal"]

import ipaddress
from urllib.parse import urlsplit

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


def refusal(method: str, host: str | None, origin: str | None) -> tuple[int, str, str] | None:
    """``(status, error, message)`` for a request to refuse, or None to serve it."""
    if host is not None and not is_local_name(_host_of(host)):
        return (
            421,
            "MisdirectedRequest",
            f"This server answers for localhost and loopback addresses only, not Host: "
            f"{host.strip()}. (A page that rebinds its own name to 127.0.0.1 is refused so.)",
        )
    if origin is not None and method.upper() not in SAFE_METHODS:
        origin_host = urlsplit(origin.strip()).hostname
        if origin_host is None or not is_local_name(origin_host):
            return (
                403,
                "Forbidden",
                f"A {method} from a page of another origin is refused (Origin: "
                f"{origin.strip()}): only pages served from localhost may change the account.",
            )
    return None
