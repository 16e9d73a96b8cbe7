"""The botocore front door: SES requests are answered at ``before-send``.

botocore still serializes, runs its retry loop and parses the answer for real;
only the network call is replaced. The handlers are registered once, on
``botocore.handlers.BUILTIN_HANDLERS`` as soon as botocore is imported (the plugin
watches for it, ``doors.on_import``), so they reach every session and client created
afterwards (application clients made at import time included). While no fake
account is active they return ``None`` and botocore proceeds as if they were not there.

aiobotocore's clients reach the same handlers (its sessions register botocore's
built-in handlers): the answer is one that both read, and its own async signer is
skipped like botocore's (``doors.aiobotocore``, loaded once aiobotocore is).
"""

from __future__ import annotations

__all__ = ["HANDLERS", "activate", "current", "deactivate", "install", "skip_signing"]

import sys
import time
from collections.abc import Generator, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore
import botocore.handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.endpoint import Endpoint
from botocore.exceptions import CapacityNotAvailableError
from botocore.retries.bucket import Clock, TokenBucket
from botocore.signers import RequestSigner

from ..account.account import Account
from ..active import ACTIVE
from ..clock.timebackend import real_time
from .guard import is_ses_host, refusal, refused
from .respond import respond
from .sns import confirm_response

_original_send = Endpoint._send
_original_acquire = TokenBucket._acquire
_original_current_time = Clock.current_time
_original_sign = RequestSigner.sign
_SES_SERVICES = ("ses", "sesv2")


class _Body:
    """The ``raw`` of an :class:`AWSResponse`: botocore reads it with ``stream()``,
    aiobotocore with ``await read()``."""

    def __init__(self, data: bytes, headers: Mapping[str, str]) -> None:
        self._data = data
        self._headers = headers

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._data

    async def read(self, _amount: int | None = None) -> bytes:
        return self._data

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """aiohttp's raw headers, which aiobotocore before 2.13 reads the headers from."""
        return tuple((k.encode(), v.encode()) for k, v in self._headers.items())


class _Content(bytes):
    """A response's body that botocore reads as bytes and aiobotocore awaits
    (``await http_response.content``): one answer for both, whichever client asked."""

    def __await__(self) -> Generator[Any, None, bytes]:
        return _ready(bytes(self)).__await__()


async def _ready(value: bytes) -> bytes:
    return value


def current() -> Account | None:
    """The active fake account, if any."""
    account: Account | None = ACTIVE.account
    return account


def _moto_answers() -> bool:
    """Whether moto's ``mock_aws`` is on: it answers at ``before-send`` (looked up, never
    imported: a suite without moto pays nothing)."""
    models = sys.modules.get("moto.core.models")
    return bool(getattr(getattr(models, "botocore_stubber", None), "enabled", False))


def _respond(account: Account, request: AWSPreparedRequest) -> AWSResponse:
    context = getattr(request, "context", None) or {}
    region = context.get("signing", {}).get("region")
    if region is None or "*" in region or "," in region:
        # SigV4a's region set (a send through a multi-region endpoint signs for "*"):
        # the client's own region.
        region = context.get("client_region")
    reply = respond(
        account, request.method, request.url, request.headers, request.body, region=region
    )
    return _response(request.url, reply.status, reply.headers, reply.body)


def _response(url: str, status: int, headers: Mapping[str, str], body: bytes) -> AWSResponse:
    response = AWSResponse(url, status, headers, _Body(body, headers))
    response._content = _Content(body)
    return response


def _sns_confirm(request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse | None:
    # An endpoint subscribed to one of the account's topics confirms through boto3 (as
    # Anymail does): answered for the fake's own subscriptions, never sent.
    sns = getattr(ACTIVE.account, "sns", None)
    if sns is None:
        return None
    body = request.body
    form = parse_qs(body.decode() if isinstance(body, bytes) else str(body or ""))
    found = sns.confirm(form.get("TopicArn", [""])[0], form.get("Token", [""])[0])
    if found is None:
        return None
    return _response(request.url, 200, {"Content-Type": "text/xml"}, confirm_response(found.arn))


#: A request context's key: this call would be refused, but a before-send handler of the
#: test's own may answer it; it goes unsigned (``_unsigned``).
_ANSWERED_ELSEWHERE = "sesquota_unsigned"


def _own_before_send(signer: Any, service: str, operation: str) -> bool:
    """Whether the client has a ``before-send`` handler for this operation that is not
    botocore's, moto's or ours: a hand-written stub (a documented botocore idiom)."""
    emitter = getattr(signer, "_event_emitter", None)
    event = f"before-send.{service}.{operation}"
    alias = getattr(emitter, "_alias_event_name", None)
    if alias is not None:
        event = alias(event)
    inner = getattr(emitter, "_emitter", emitter)
    trie = getattr(inner, "_handlers", None)
    if trie is None:
        return False
    builtin = {id(spec[1]) for spec in botocore.handlers.BUILTIN_HANDLERS}
    return any(id(handler) not in builtin for handler in trie.prefix_search(event))


def _unsigned(context: Any = None, **_kwargs: Any) -> Any:
    # choose-signer, registered first: no credential is read or refreshed for a call
    # that a stub of the test's own will answer (or the connection guard refuse).
    if isinstance(context, dict) and context.get(_ANSWERED_ELSEWHERE):
        return botocore.UNSIGNED
    return None


def _before_call(
    model: Any, params: Any, request_signer: Any = None, context: Any = None, **_kwargs: Any
) -> None:
    # Refused before signing, so no credential is read or refreshed (a refresh can run
    # a credential_process or call AWS) and a test without credentials gets this error
    # rather than NoCredentialsError. A Stubber answers before this (it registers
    # first); moto answers later, at before-send; a loopback endpoint is not AWS; a
    # before-send handler of the test's own answers later too, unsigned (and if it
    # does not, the connection guard refuses the request before any lookup).
    if ACTIVE.account is not None:
        if "aiobotocore.signers" in sys.modules:
            # An aiobotocore client (or one could be): its signer is its own.
            from . import aiobotocore

            aiobotocore.patch(skip_signing)
        return
    if _moto_answers():
        return
    url = params.get("url", "") if isinstance(params, dict) else ""
    if is_ses_host(urlsplit(url).hostname):
        service = model.service_model.service_name
        error = refusal(f"an SES call ({service} {model.name} to {url})")
        if error is None:
            return
        if isinstance(context, dict) and _own_before_send(request_signer, service, model.name):
            context[_ANSWERED_ELSEWHERE] = True
            return
        raise refused(error)


def _before_send(request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse | None:
    account: Account | None = ACTIVE.account
    if account is None:
        return None  # whatever leaves now meets the connection guard
    return _respond(account, request)


def skip_signing(signer: RequestSigner, _operation_name: str, _request: Any) -> bool:
    """Whether ``signer`` (botocore's or aiobotocore's) leaves this request unsigned."""
    # The fake needs no signature. Skipping it means no credentials are needed,
    # and real ones are never read or refreshed (a refresh can call AWS). Done at
    # the signer rather than with a choose-signer handler so that it also covers
    # clients of sessions created before the handlers were installed.
    return ACTIVE.account is not None and signer._service_id.hyphenize() in _SES_SERVICES


def _guarded_sign(self: RequestSigner, operation_name: str, request: Any, *a: Any, **k: Any) -> Any:
    if skip_signing(self, operation_name, request):
        return None
    return _original_sign(self, operation_name, request, *a, **k)


def _guarded_send(self: Endpoint, request: AWSPreparedRequest) -> Any:
    # Safety net for clients of sessions created before the handlers were
    # installed (they lack before-send): an SES request never leaves the process.
    account: Account | None = ACTIVE.account
    if account is not None and getattr(self, "_endpoint_prefix", None) == "email":
        return _respond(account, request)
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


HANDLERS: list[tuple[Any, ...]] = [
    *(
        (f"{event}.{service}", handler)
        for service in _SES_SERVICES
        for event, handler in (("before-call", _before_call), ("before-send", _before_send))
    ),
    ("before-send.sns.ConfirmSubscription", _sns_confirm),
    # First: botocore's own choose-signer handlers would name a signer before it.
    *((f"choose-signer.{s}", _unsigned, botocore.handlers.REGISTER_FIRST) for s in _SES_SERVICES),
]


def install() -> None:
    """Register the handlers for every session created from now on (idempotent)."""
    for handler in HANDLERS:
        if handler not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(handler)


def activate(account: Account) -> None:
    """Patch botocore for ``account``, which ``doors.activation`` is turning on: the
    handlers answer from the registry's active account (``ACTIVE.account``) once it is."""
    install()
    Endpoint._send = _guarded_send
    TokenBucket._acquire = _virtual_acquire
    Clock.current_time = _continuous_current_time
    RequestSigner.sign = _guarded_sign


def deactivate() -> None:
    """Undo :func:`activate`."""
    TokenBucket._acquire = _original_acquire
    Clock.current_time = _original_current_time
    if "pytest_sesquota.doors.aiobotocore" in sys.modules:
        from . import aiobotocore

        aiobotocore.unpatch()
    Endpoint._send = _original_send
    RequestSigner.sign = _original_sign
