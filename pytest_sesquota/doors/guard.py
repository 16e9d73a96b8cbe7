"""The last line: while a fake account is active, no connection to real SES is opened.

The front doors answer SES requests before any network code runs. This guard sits
where connections are made — ``socket.create_connection`` (http.client, smtplib and
most clients) and urllib3's own ``create_connection`` (requests, botocore) — and
refuses any connection to an SES API or SMTP host, whatever path the request took.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from typing import Any

_SES_HOSTS = re.compile(
    r"^(?:email|email-fips|email-smtp|email-smtp-fips)\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\.?$",
    re.IGNORECASE,
)


class RealSesRefused(RuntimeError):
    """A connection to real Amazon SES was attempted while the fake was active."""


class UnfakedSesCall(RuntimeError):
    """An SES call made while no fake account was active, refused because the suite
    opted into blocking them (``ses_quota_block_unfaked = true``)."""


def is_ses_host(host: object) -> bool:
    return isinstance(host, str) and bool(_SES_HOSTS.match(host))


def _refuse(host: str, port: object) -> RealSesRefused:
    return RealSesRefused(
        f"pytest-sesquota refused a connection to real Amazon SES ({host}:{port}) while the "
        "fake SES account is active: nothing may reach AWS. The request bypassed the fake's "
        "front doors (botocore, requests, the SMTP server); point the client at the fake "
        "(ses_smtp's host and port, ses_server's endpoint_url) instead."
    )


Refusal = Callable[[str, Any], Exception]


def _guarded(original: Callable[..., Any], refuse: Refusal) -> Callable[..., Any]:
    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        host, port = address[0], address[1]
        if is_ses_host(host):
            raise refuse(host, port)
        return original(address, *args, **kwargs)

    create_connection.__wrapped__ = original  # type: ignore[attr-defined]
    return create_connection


class Guard:
    """Installs the checks; :meth:`close` puts back exactly what was there.

    ``refuse(host, port)`` makes the exception raised (by default :class:`RealSesRefused`)."""

    def __init__(self, refuse: Refusal = _refuse) -> None:
        self._patched: list[tuple[Any, str, Any]] = []
        targets: list[Any] = [socket]
        try:
            import urllib3.util.connection

            targets.append(urllib3.util.connection)
        except ImportError:  # no urllib3, nothing of it to guard
            pass
        for module in targets:
            original = module.create_connection
            module.create_connection = _guarded(original, refuse)
            self._patched.append((module, "create_connection", original))

    def close(self) -> None:
        while self._patched:
            module, name, original = self._patched.pop()
            setattr(module, name, original)
