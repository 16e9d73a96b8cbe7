"""The botocore front door: SES requests are answered at ``before-send``.

botocore still serializes, runs its retry loop and parses the answer for real;
only the network call is replaced. The handlers are registered once, on
``botocore.handlers.BUILTIN_HANDLERS`` as soon as botocore is imported (the plugin
watches for it, ``doors.on_import``), so they reach every session and client created
afterwards (application clients made at import time included). While no fake
account is active they return ``None`` and botocore proceeds as if they were not there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import botocore.handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.endpoint import Endpoint
from botocore.exceptions import CapacityNotAvailableError
from botocore.retries.bucket import Clock, TokenBucket
from botocore.signers import RequestSigner

from ..account.account import Account
from ..quota.timebackend import real_time
from ..wire.http import answer
from .guard import UnfakedSesCall

_current: Account | None = None
#: The ini option's name when SES calls made while no fake account is active are
#: refused (``ses_quota_block_unfaked = true``), else None: they pass through.
_blocking: str | None = None
_original_send = Endpoint._send
_original_acquire = TokenBucket._acquire
_original_current_time = Clock.current_time
_original_sign = RequestSigner.sign
_SES_SERVICES = ("ses", "sesv2")


class _Body:
    """The ``raw`` of an :class:`AWSResponse`: botocore reads it with ``stream()``."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._data


def current() -> Account | None:
    """The active fake account, if any."""
    return _current


def _refuse_unfaked(service: str, operation: str, url: str) -> UnfakedSesCall:
    return UnfakedSesCall(
        f"pytest-sesquota blocked an SES call made outside the fake SES account: {service} "
        f"{operation} to {url}. The ini option {_blocking} = true refuses SES calls from "
        "tests without the fake; use the ses_account fixture or the ses_quota marker in "
        f"this test, or set {_blocking} = false to let real SES calls through."
    )


def block_unfaked(option: str | None) -> str | None:
    """Refuse SES calls made while no fake account is active (``option`` names the
    setting in the error), or let them pass through again (``None``); returns the
    previous setting (an in-process pytest run inside another restores it)."""
    global _blocking
    previous, _blocking = _blocking, option
    if option is not None:
        install()
        # Clients lacking the handlers (sessions made before the plugin loaded)
        # still sign and send through these.
        Endpoint._send = _guarded_send
        RequestSigner.sign = _guarded_sign
    elif _current is None:
        Endpoint._send = _original_send
        RequestSigner.sign = _original_sign
    return previous


def _respond(account: Account, request: AWSPreparedRequest) -> AWSResponse:
    context = getattr(request, "context", None) or {}
    region = context.get("signing", {}).get("region") or context.get("client_region")
    reply = answer(
        account, request.method, request.url, request.headers, request.body, region=region
    )
    return AWSResponse(request.url, reply.status, reply.headers, _Body(reply.body))


def _before_call(model: Any, params: Any, **_kwargs: Any) -> None:
    # Refused before signing, so a test without credentials gets this error
    # rather than botocore's NoCredentialsError.
    if _blocking is not None and _current is None:
        url = params.get("url", "") if isinstance(params, dict) else ""
        raise _refuse_unfaked(model.service_model.service_name, model.name, url)


def _before_send(request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse | None:
    account = _current
    if account is None:
        if _blocking is not None:
            raise _refuse_unfaked("ses", "request", request.url)
        return None
    return _respond(account, request)


def _guarded_sign(self: RequestSigner, operation_name: str, request: Any, *a: Any, **k: Any) -> Any:
    # The fake needs no signature. Skipping it means no credentials are needed,
    # and real ones are never read or refreshed (a refresh can call AWS). Done at
    # the signer rather than with a choose-signer handler so that it also covers
    # clients of sessions created before the handlers were installed.
    if self._service_id.hyphenize() in _SES_SERVICES:
        if _current is not None:
            return None
        if _blocking is not None:
            raise _refuse_unfaked(self._service_id.hyphenize(), operation_name, request.url)
    return _original_sign(self, operation_name, request, *a, **k)


def _guarded_send(self: Endpoint, request: AWSPreparedRequest) -> Any:
    # Safety net for clients of sessions created before the handlers were
    # installed (they lack before-send): an SES request never leaves the process.
    account = _current
    if getattr(self, "_endpoint_prefix", None) == "email":
        if account is not None:
            return _respond(account, request)
        if _blocking is not None:
            raise _refuse_unfaked("ses", "request", request.url)
    return _original_send(self, request)


def _virtual_acquire(self: TokenBucket, amount: float, block: bool) -> bool:
    # botocore's adaptive mode waits for its client-side bucket on a
    # threading.Condition with a real timeout while reading time.time(): under a
    # frozen clock it would never refill. Here the wait is a (virtual) sleep,
    # which always moves the clock by at least a microsecond.
    self._refill()
    if amount > self._current_capacity:
        if not block:
            raise CapacityNotAvailableError()
        while (needed := self._sleep_amount(amount)) > 0:
            time.sleep(needed)
            self._refill()
    self._current_capacity -= amount
    return True


def _continuous_current_time(self: Clock) -> float:
    # The adaptive limiter's state (token bucket, CUBIC, measured rate) holds
    # timestamps from whenever the client was made: real time, or a later test's
    # virtual time. Virtual time is usually earlier, and a clock going backwards
    # would drain its bucket for months. So its clock continues from the latest
    # reading it may have seen and advances with virtual time from there.
    now = time.time()
    state = self.__dict__
    if "_sesquota_offset" not in state:
        # Readings taken before the fake started were real time, at most now.
        state["_sesquota_offset"] = max(0.0, real_time() - now)
    value: float = now + state["_sesquota_offset"]
    last = state.get("_sesquota_last", value)
    if value < last:  # a new test restarted the virtual clock
        state["_sesquota_offset"] += last - value
        value = last
    state["_sesquota_last"] = value
    return value


HANDLERS: list[tuple[str, Callable[..., Any]]] = [
    (f"{event}.{service}", handler)
    for service in _SES_SERVICES
    for event, handler in (("before-call", _before_call), ("before-send", _before_send))
]


def install() -> None:
    """Register the handlers for every session created from now on (idempotent)."""
    for handler in HANDLERS:
        if handler not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(handler)


def activate(account: Account) -> None:
    global _current
    if _current is not None:
        raise RuntimeError(
            f"another fake SES account is already active ({_current!r}); "
            "pytest-sesquota runs one account at a time per process"
        )
    install()
    _current = account
    Endpoint._send = _guarded_send
    TokenBucket._acquire = _virtual_acquire
    Clock.current_time = _continuous_current_time
    RequestSigner.sign = _guarded_sign


def deactivate(account: Account) -> None:
    global _current
    if _current is account:
        _current = None
        TokenBucket._acquire = _original_acquire
        Clock.current_time = _original_current_time
        if _blocking is None:
            Endpoint._send = _original_send
            RequestSigner.sign = _original_sign
