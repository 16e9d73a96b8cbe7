"""How the failure report of an SES refusal reads: the traceback ends in the caller's
code, and the short summary line (pytest's ``FAILED … - …`` and JUnit's ``message``) says
what happened, not where the exception class lives.

Plain functions over exceptions and module names; the plugin applies them to pytest's
reports. Nothing here imports the SDKs: an exception is recognised by its attributes.
"""

from __future__ import annotations

__all__ = ["LIBRARIES", "is_unfaked_call", "library_tail", "short_line", "without_library_tail"]

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from ..account.ledger import SesRequest

#: Packages a refused SES call goes through on its way out: the SDKs, the transports,
#: the standard library's network modules and the plugin itself. Their frames at the end
#: of a refusal's traceback say nothing about the caller's code (``--fulltrace`` keeps them).
LIBRARIES = frozenset(
    {
        "aioboto3",
        "aiobotocore",
        "aiohttp",
        "aiosmtplib",
        "asyncio",
        "boto3",
        "botocore",
        "http",
        "pytest_sesquota",
        "requests",
        "smtplib",
        "socket",
        "ssl",
        "urllib3",
    }
)
#: The plugin's own refusal, recognised by name: ``doors`` is a layer beside this one.
_UNFAKED = "UnfakedSesCall"


def library_tail(modules: Sequence[str | None]) -> int:
    """How many frames at the end of a traceback belong to :data:`LIBRARIES`, given each
    frame's module name (``None``: unknown, kept). The first frame is always kept."""
    tail = 0
    for module in reversed(modules[1:]):
        if module is None or module.split(".")[0] not in LIBRARIES:
            break
        tail += 1
    return tail


def without_library_tail(tb: TracebackType) -> TracebackType | None:
    """A copy of the traceback ``tb`` without its trailing :data:`LIBRARIES` frames, or
    None when there are none. A copy: the exception's own traceback (what ``--pdb`` and
    the exception's other readers see) stays whole."""
    chain: list[TracebackType] = []
    link: TracebackType | None = tb
    while link is not None:
        chain.append(link)
        link = link.tb_next
    tail = library_tail([entry.tb_frame.f_globals.get("__name__") for entry in chain])
    if not tail:
        return None
    copy: TracebackType | None = None
    for entry in reversed(chain[: len(chain) - tail]):
        copy = TracebackType(copy, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return copy


def is_unfaked_call(error: BaseException) -> bool:
    """Whether ``error`` is the plugin's refusal of a call to real SES."""
    return any(
        cls.__name__ == _UNFAKED and cls.__module__.startswith("pytest_sesquota.")
        for cls in type(error).__mro__
    )


def _first_sentence(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].partition(". ")[0] if lines else ""


def _unfaked_line(error: BaseException) -> str:
    # "pytest-sesquota refused <what>: <why>. <advice>": the refusal and its reason.
    text = _first_sentence(str(error)).removeprefix("pytest-sesquota ")
    return f"{type(error).__name__}: {text}"


def _answered(error: Any, requests: Sequence[SesRequest]) -> SesRequest | None:
    """The request of the fake's ledger whose answer ``error`` (a botocore
    ``ClientError``) is, or None: another service's error, or a Stubber's."""
    response = getattr(error, "response", None)
    operation = getattr(error, "operation_name", None)
    if not isinstance(response, dict) or not isinstance(operation, str):
        return None
    code = (response.get("Error") or {}).get("Code")
    for request in reversed(requests):
        if request.operation == operation and request.error_code == code:
            return request
    return None


def _client_error_line(error: Any, request: SesRequest) -> str:
    """``Throttling: Maximum sending rate exceeded. (ses SendEmail, 1 attempt)``."""
    response: dict[str, Any] = error.response
    detail = response.get("Error") or {}
    code = detail.get("Code") or request.error_code
    message = detail.get("Message") or request.error_message or ""
    where = f"{request.api} {request.operation}"
    retries = (response.get("ResponseMetadata") or {}).get("RetryAttempts")
    if isinstance(retries, int):
        attempts = retries + 1
        where += f", {attempts} attempt" + ("s" if attempts != 1 else "")
    return f"{code}: {message} ({where})"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _smtp_line(error: Any) -> str | None:
    """``SMTPDataError: 454 Throttling failure: ...`` for smtplib's and aiosmtplib's
    reply errors (``SMTPSenderRefused`` adds the sender)."""
    name = type(error).__name__
    recipients = getattr(error, "recipients", None)
    if isinstance(recipients, dict) and recipients:  # smtplib.SMTPRecipientsRefused
        address, (code, reply) = next(iter(recipients.items()))
        more = f" (+{len(recipients) - 1} more)" if len(recipients) > 1 else ""
        return f"{name}: {address}: {code} {_text(reply)}{more}"
    code = getattr(error, "smtp_code", getattr(error, "code", None))
    reply = getattr(error, "smtp_error", getattr(error, "message", None))
    if not isinstance(code, int) or reply is None:
        return None
    line = f"{name}: {code} {_text(reply)}"
    sender = getattr(error, "sender", None)
    if sender:
        line += f" (MAIL FROM {_text(sender)})"
    return line


def _is_smtp_error(error: BaseException) -> bool:
    return type(error).__module__.split(".")[0] in ("smtplib", "aiosmtplib")


def short_line(error: BaseException, requests: Sequence[SesRequest] | None) -> str | None:
    """The short summary of a failure caused by SES refusing, or None for any other
    failure (pytest's own line stays). ``requests``: the test's fake account's requests
    (None: the test had no fake)."""
    if is_unfaked_call(error):
        return _unfaked_line(error)
    if requests is None:
        return None
    if _is_smtp_error(error):
        return _smtp_line(error)
    request = _answered(error, requests)
    if request is not None:
        return _client_error_line(error, request)
    return None
