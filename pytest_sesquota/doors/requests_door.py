"""The ``requests`` front door: calls to SES's HTTPS endpoints are answered by the fake.

A private :class:`responses.RequestsMock` answers ``https://email.<region>.amazonaws.com/``
(v1 and v2 paths; FIPS, dual-stack ``api.aws`` and VPC endpoint names too) with the
same implementation as the botocore door (``wire.http.answer``), and the two SNS requests a
webhook subscribed to the account's topics makes (its signing certificate, the
SubscribeURL: ``doors.sns``), and lets every other URL through to whatever
``HTTPAdapter.send`` was in place when it started, so a test's own ``responses`` mock
keeps working alongside.
"""

from __future__ import annotations

__all__ = ["SNS_URL", "RequestsDoor", "add_ses_callbacks", "fake_answer"]

import re
from collections.abc import Callable
from typing import Any, cast

from ..account.account import Account
from ..wire.http import SES_URL, SES_URL_START
from .respond import respond
from .sns import CERT_NAME, Sns, answer_sns

# Imported with the plugin, not when the first test starts: modules first imported
# inside a test are dropped again by pytester's in-process runs, leaving requests'
# classes out of step with themselves.
try:
    import requests.adapters
    import responses
except ImportError:  # without requests there is no door to open
    responses = None  # type: ignore[assignment]

#: The SNS requests answered here: the signing certificate, a SubscribeURL.
_SNS_START = r"https://sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/"
SNS_URL = re.compile(
    f"^{_SNS_START}(?:{re.escape(CERT_NAME)}$|\\?(?:.*&)?Action=ConfirmSubscription(?:&|$))"
)
# Everything else passes through untouched.
_NOT_OURS = re.compile(f"^(?!{SES_URL_START})(?!{SNS_URL.pattern[1:]})")
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
Answer = tuple[int, dict[str, str], bytes]


def fake_answer(
    account: Account, sns: Sns | None, method: str, url: str, headers: Any, body: Any
) -> Answer | None:
    """The fake's answer to an HTTP request, or ``None`` when it is not the fake's: SES's
    APIs, the SNS requests of endpoints subscribed to the account's topics."""
    if SES_URL.match(url):
        reply = respond(account, method, url, headers, body)
        kept = {k: v for k, v in reply.headers.items() if k.lower() != "content-length"}
        return reply.status, kept, reply.body
    if SNS_URL.match(url):
        found = answer_sns(sns, method, url)
        if found is None:  # a token of no subscription of ours: SNS's refusal
            return 400, {"Content-Type": "text/xml"}, _invalid_token()
        return found
    return None


def _invalid_token() -> bytes:
    return (
        b'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
        b"<Type>Sender</Type><Code>InvalidParameter</Code>"
        b"<Message>Invalid token</Message></Error></ErrorResponse>"
    )


def add_ses_callbacks(
    mock: Any, account: Account, sns: Callable[[], Sns | None] = lambda: None
) -> None:
    """Have a :class:`responses.RequestsMock` answer SES's endpoints from ``account``
    (for a test that starts a mock of its own on top of the fake's)."""

    def callback(request: Any) -> Answer:
        found = fake_answer(
            account, sns(), request.method, request.url, request.headers, request.body
        )
        assert found is not None  # registered for the fake's URLs only
        return found

    for method in _METHODS:
        mock.add_callback(method, SES_URL, callback=callback)
    mock.add_callback("GET", SNS_URL, callback=callback)


class RequestsDoor:
    """Started with the account, stopped with it."""

    def __init__(self, account: Account, sns: Callable[[], Sns | None] = lambda: None) -> None:
        self.account = account
        self.sns = sns
        self._mock: Any = None

    def start(self) -> None:
        if responses is None:
            return
        mock = responses.RequestsMock(
            assert_all_requests_are_fired=False,
            # (responses' annotations are narrower than what it accepts)
            passthru_prefixes=cast(Any, (_NOT_OURS,)),
            real_adapter_send=cast(Any, requests.adapters.HTTPAdapter.send),
        )
        add_ses_callbacks(mock, self.account, self.sns)
        mock.start()
        self._mock = mock

    def stop(self) -> None:
        mock, self._mock = self._mock, None
        if mock is not None:
            mock.stop(allow_assert=False)
            mock.reset()
