"""The ``requests`` front door: calls to SES's HTTPS endpoints are answered by the fake.

A private :class:`responses.RequestsMock` answers ``https://email.<region>.amazonaws.com/``
(v1 and v2 paths; FIPS, dual-stack ``api.aws`` and VPC endpoint names too) with the
same implementation as the botocore door (``wire.http.answer``)
and lets every other URL through to whatever ``HTTPAdapter.send`` was in place when it
started, so a test's own ``responses`` mock keeps working alongside.
"""

from __future__ import annotations

__all__ = ["RequestsDoor", "add_ses_callbacks"]

import re
from typing import Any, cast

from ..account.account import Account
from ..wire.http import SES_URL, SES_URL_START
from .respond import respond

# Imported with the plugin, not when the first test starts: modules first imported
# inside a test are dropped again by pytester's in-process runs, leaving requests'
# classes out of step with themselves.
try:
    import requests.adapters
    import responses
except ImportError:  # without requests there is no door to open
    responses = None  # type: ignore[assignment]

# Everything that is not an SES endpoint passes through untouched.
_NOT_SES = re.compile(f"^(?!{SES_URL_START})")
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def add_ses_callbacks(mock: Any, account: Account) -> None:
    """Have a :class:`responses.RequestsMock` answer SES's endpoints from ``account``
    (for a test that starts a mock of its own on top of the fake's)."""

    def callback(request: Any) -> tuple[int, dict[str, str], bytes]:
        reply = respond(account, request.method, request.url, request.headers, request.body)
        headers = {k: v for k, v in reply.headers.items() if k.lower() != "content-length"}
        return reply.status, headers, reply.body

    for method in _METHODS:
        mock.add_callback(method, SES_URL, callback=callback)


class RequestsDoor:
    """Started with the account, stopped with it."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self._mock: Any = None

    def start(self) -> None:
        if responses is None:
            return
        mock = responses.RequestsMock(
            assert_all_requests_are_fired=False,
            # (responses' annotations are narrower than what it accepts)
            passthru_prefixes=cast(Any, (_NOT_SES,)),
            real_adapter_send=cast(Any, requests.adapters.HTTPAdapter.send),
        )
        add_ses_callbacks(mock, self.account)
        mock.start()
        self._mock = mock

    def stop(self) -> None:
        mock, self._mock = self._mock, None
        if mock is not None:
            mock.stop(allow_assert=False)
            mock.reset()
