"""One HTTP implementation of the SES APIs, behind every front door.

``answer(account, method, url, headers, body)`` takes a request as it would
reach ``email.<region>.amazonaws.com`` and returns the status, headers and body
SES would send back, logging the attempt in the account's ledger through the
answering step every door shares (``wire/answer.py``). The botocore, aiobotocore and
requests doors and ``sesquota serve`` all call it.
"""

from __future__ import annotations

__all__ = [
    "SES_HOST",
    "SES_URL",
    "SES_URL_START",
    "V1_WIRE",
    "V2_WIRE",
    "HttpAnswer",
    "answer",
    "error_answer",
    "refuse",
    "region_from_host",
]

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..account.account import Account
from ..ses.mail import ApiError
from ..ses.v1 import SesV1
from ..ses.v2 import SesV2
from .answer import Exchange
from .answer import answer as answered
from .query import (
    API_VERSION,
    check_required,
    error_xml,
    parse_form,
    parse_input,
    result_xml,
    service_model,
)
from .rest import error_json, result_json, route
from .rest import parse_input as parse_rest_input

#: SES's API hosts, with the region as the group: ``email.us-east-1.amazonaws.com``,
#: FIPS (``email-fips.``), dual-stack (``email.us-east-1.api.aws``), China, and VPC
#: endpoints (``vpce-0a1b-c2d3.email.us-east-1.vpce.amazonaws.com``).
SES_HOST = (
    r"(?:vpce-[a-z0-9-]+\.)?email(?:-fips)?\.([a-z0-9-]+)\."
    r"(?:vpce\.)?(?:amazonaws\.com(?:\.cn)?|api\.aws|api\.amazonwebservices\.com\.cn)"
)
_HOST = re.compile(rf"^{SES_HOST}$")
#: The start of a URL of SES's HTTPS endpoint (both APIs), as a pattern.
SES_URL_START = rf"https?://{SES_HOST}(?::\d+)?(?:[/?]|$)"
SES_URL = re.compile(f"^{SES_URL_START}")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    #: The SES error it carries, if any (for the ledger's request log).
    error_code: str | None = None
    error_message: str | None = None


def region_from_host(host: str | None) -> str | None:
    match = _HOST.match(host or "")
    return match.group(1) if match else None


def answer(
    account: Account,
    method: str,
    url: str,
    headers: Any,
    body: bytes | str | None,
    *,
    region: str | None = None,
) -> HttpAnswer:
    """Answer one HTTP request to SES as the fake account."""
    parts = urlsplit(url)
    region = region or region_from_host(parts.hostname) or account.region
    if parts.path.startswith(("/v2/", "/v1/email/")):  # (one old v2 route said /v1/email/)
        return _answer_v2(account, method, parts.path, parts.query, body, region)
    return _answer_v1(account, method, parts.query, body, region)


def refuse(
    account: Account,
    method: str,
    url: str,
    code: str,
    message: str,
    status: int,
    *,
    body: bytes | str | None = None,
    region: str | None = None,
) -> HttpAnswer:
    """Refuse a request before SES would read it (a missing signature, say): logged,
    and shaped as the API it was meant for."""
    parts = urlsplit(url)
    region = region or region_from_host(parts.hostname) or account.region
    v2 = parts.path.startswith("/v2/")

    def run(exchange: Exchange) -> HttpAnswer:
        exchange.operation = f"{method} {parts.path}"
        if v2:
            found = route(method, parts.path)
            exchange.operation = found[0] if found else exchange.operation
        else:
            try:
                exchange.operation = parse_form(body).get("Action") or exchange.operation
            except ApiError:
                pass
        raise ApiError(code, message, status)

    return answered(account, V2_WIRE if v2 else V1_WIRE, region, run)


def error_answer(url: str, code: str, message: str, status: int) -> HttpAnswer:
    """SES's error shape for the API ``url`` is for, logged nowhere: for a failure of the
    server itself (a state file that cannot be written), which leaves the account as it was."""
    v2 = urlsplit(url).path.startswith(("/v2/", "/v1/email/"))
    return (V2_WIRE if v2 else V1_WIRE).error(code, message, status, str(uuid.uuid4()))


def _xml(status: int, body: bytes, request_id: str) -> HttpAnswer:
    return HttpAnswer(
        status,
        {
            "x-amzn-RequestId": request_id,
            "Content-Type": "text/xml",
            "Content-Length": str(len(body)),
        },
        body,
    )


class _HttpWire:
    """How an SES API answers over HTTP, for the answering step."""

    def __init__(self, api: str, error: Callable[[str, str, int, str], HttpAnswer]) -> None:
        self.api = api
        self.error = error

    def refused(self, error: ApiError, request_id: str) -> HttpAnswer:
        return self.error(error.code, error.message, error.status, request_id)

    def internal(self, message: str, request_id: str) -> HttpAnswer:
        return self.error("InternalFailure", message, 500, request_id)

    def outcome(self, reply: HttpAnswer) -> tuple[int, str | None, str | None]:
        return reply.status, reply.error_code, reply.error_message


def _xml_error(code: str, message: str, status: int, request_id: str) -> HttpAnswer:
    fault = "Receiver" if status >= 500 and code != "NotImplemented" else "Sender"
    body = error_xml(code, message, request_id, fault=fault)
    answer = _xml(status, body, request_id)
    return HttpAnswer(answer.status, answer.headers, answer.body, code, message)


V1_WIRE = _HttpWire("ses", _xml_error)


def _answer_v1(
    account: Account, method: str, query: str, body: bytes | str | None, region: str
) -> HttpAnswer:
    def run(exchange: Exchange) -> HttpAnswer:
        form = dict(parse_qsl(query, keep_blank_values=True))
        form.update(parse_form(body))
        exchange.operation = operation = form.get("Action", "") or "Unknown"
        if "Action" not in form:
            raise ApiError("MissingAction", "Missing Action")
        version = form.get("Version", API_VERSION)
        model = service_model("ses")
        if version != API_VERSION or operation not in model.operation_names:
            raise ApiError(
                "InvalidAction", f"Could not find operation {operation} for version {version}"
            )
        SesV1.check_faked(operation)
        op_model = model.operation_model(operation)
        params = parse_input(op_model, form)
        check_required(op_model.input_shape, params)
        result = SesV1.call(account, operation, region, params)
        return _xml(200, result_xml(op_model, result, exchange.request_id), exchange.request_id)

    return answered(account, V1_WIRE, region, run)


def _json(status: int, body: bytes, request_id: str, error: str | None = None) -> HttpAnswer:
    headers = {
        "x-amzn-RequestId": request_id,
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }
    if error is not None:
        headers["x-amzn-ErrorType"] = error
    return HttpAnswer(status, headers, body)


def _json_error(code: str, message: str, status: int, request_id: str) -> HttpAnswer:
    answer = _json(status, error_json(message), request_id, error=code)
    return HttpAnswer(answer.status, answer.headers, answer.body, code, message)


V2_WIRE = _HttpWire("sesv2", _json_error)


def _answer_v2(
    account: Account, method: str, path: str, query: str, body: bytes | str | None, region: str
) -> HttpAnswer:
    def run(exchange: Exchange) -> HttpAnswer:
        found = route(method, path)
        if found is None:
            exchange.operation = f"{method} {path}"
            raise ApiError(
                "UnknownOperationException",
                f"No SES v2 operation answers {method} {path}.",
                status=404,
            )
        operation, labels = found
        exchange.operation = operation
        SesV2.check_faked(operation)
        op_model = service_model("sesv2").operation_model(operation)
        try:
            params = parse_rest_input(op_model, labels, query, body)
        except ApiError as error:
            raise SesV2.dialect.translate(error) from None
        result = SesV2.call(account, operation, region, params)
        return _json(200, result_json(op_model, result), exchange.request_id)

    return answered(account, V2_WIRE, region, run)
