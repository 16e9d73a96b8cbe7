"""Bad input, generated: every request gets an SES-shaped answer and loses nothing.

Hypothesis drives the fake through boto3 (with botocore's parameter validation
off, so that what SES's own validation would see reaches the fake), through raw
request bodies put in place by a botocore event, and with raw MIME. Whatever
comes in, the answer is a success or an error with one of the API's own codes,
the plugin never raises (``internal_errors`` stays empty, and no exception
leaves the plugin's code), and the ledger stays consistent: every outcome a
request decided is in ``sent``/``throttled``/``rejected`` exactly once.

SMTP gets generated command streams over a real socket: commands in and out of
order, garbage lines, bad addresses, DATA with any body. Every line gets a reply
with an SMTP code, the server stays up, and the ledger stays consistent.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import botocore.session
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import Shape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from smtp_wire import Wire

import pytest_sesquota
from pytest_sesquota import SentMessage, SesAccount
from pytest_sesquota.ses.v1 import SesV1
from pytest_sesquota.ses.v2 import SesV2

PLUGIN = str(Path(pytest_sesquota.__file__).parent)
UNCHECKED = Config(
    parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 1}
)
#: Every error code each API may answer with (NotImplemented: an operation not faked).
CODES = {
    "ses": {
        "InvalidParameterValue",
        "ValidationError",
        "MessageRejected",
        "Throttling",
        "AccountSendingPausedException",
        "TemplateDoesNotExist",
        "AlreadyExists",
        "InvalidAction",
        "MissingAction",
        "MalformedQueryString",
        "NotImplemented",
        # configuration sets
        "ConfigurationSetDoesNotExist",
        "ConfigurationSetAlreadyExists",
        "ConfigurationSetSendingPausedException",
        "InvalidConfigurationSet",
        "EventDestinationDoesNotExist",
        "EventDestinationAlreadyExists",
        "InvalidCloudWatchDestination",
        "InvalidTrackingOptions",
        "TrackingOptionsAlreadyExistsException",
        "TrackingOptionsDoesNotExistException",
        "LimitExceeded",
    },
    "sesv2": {
        "BadRequestException",
        "NotFoundException",
        "AlreadyExistsException",
        "TooManyRequestsException",
        "InvalidNextTokenException",
        "MessageRejected",
        "SendingPausedException",
        "UnknownOperationException",
        "NotImplemented",
        "LimitExceededException",
    },
}
STATUSES = {400, 404, 429, 501}
EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# One account through all the examples of a test: state builds up (templates,
# identities, a paused account), as in a real suite. Production, 14 per second:
# the clock moves a little between examples, so sends are accepted and throttled.
ACCOUNT = pytest.mark.ses_quota(profile="production")


# -- what every answer must satisfy --------------------------------------------
@functools.cache
def service_model(name: str) -> Any:
    return botocore.session.get_session().get_service_model(name)


def plugin_frames(error: BaseException) -> list[str]:
    return [
        f"{frame.filename}:{frame.lineno}"
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(PLUGIN)
    ]


def check_ledger(account: SesAccount) -> None:
    """Every ledger entry came from exactly one request, and every outcome of a
    request is in the ledger exactly once."""
    ledger = [*account.sent, *account.throttled, *account.rejected]
    assert len({id(entry) for entry in ledger}) == len(ledger)
    outcomes = [id(o) for r in account.requests for o in r.outcomes]
    assert sorted(outcomes) == sorted(id(entry) for entry in ledger)
    assert account.internal_errors == []


def answered(account: SesAccount, api: str, call: Callable[[], Any]) -> str:
    """Make the call; check the answer is SES-shaped; the outcome for statistics."""
    before = len(account.requests)
    try:
        reply = call()
    except ClientError as error:
        assert len(account.requests) == before + 1
        code = error.response["Error"]["Code"]
        # The codes every operation may answer, and the errors its model names.
        model = service_model(api)
        name = account.requests[-1].operation
        modeled = (
            {
                e.metadata.get("error", {}).get("code", e.name)
                for e in model.operation_model(name).error_shapes
            }
            if name in model.operation_names
            else set()
        )
        assert code in CODES[api] | modeled, (code, error.response)
        assert error.response["Error"]["Message"], error.response
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] in STATUSES
        request = account.requests[-1]
        assert (request.error_code, request.status) == (
            code,
            error.response["ResponseMetadata"]["HTTPStatusCode"],
        )
        outcome = code
    except Exception as error:
        # botocore refused to build the request (a generated value it cannot
        # serialize): the fake never saw it, and none of its code ran.
        assert len(account.requests) == before, error
        assert plugin_frames(error) == [], traceback.format_exc()
        outcome = "refused by botocore"
    else:
        assert len(account.requests) == before + 1
        request = account.requests[-1]
        assert request.ok and request.status == 200
        sent = [o.message_id for o in request.outcomes if isinstance(o, SentMessage)]
        if "MessageId" in reply:
            assert sent == [reply["MessageId"]]
        outcome = "success"
    check_ledger(account)
    event(outcome)
    return outcome


# -- parameters from botocore's own model -----------------------------------------
ADDRESSES = st.sampled_from(
    [
        "app@example.com",
        "b@example.com",
        "Name <c@example.org>",
        "=?utf-8?q?J=C3=B6rg?= <j@example.com>",
        "no-at-sign",
        "a@",
        "@example.com",
        "",
        " ",
        "a b@example.com",
        "x@simulator.amazonses.com",
        "<>",
        "a@b@c",
        "\u00e9l\u00e8ve@\u00e9cole.fr",
    ]
)
WORDS = st.sampled_from(
    ["", "t", "news", "example.com", "{}", '{"n": 1}', "[1]", "null", "{{n}}", "TRANSACTIONAL"]
)
TEXT = st.one_of(ADDRESSES, WORDS, st.text(max_size=12))


def mime() -> st.SearchStrategy[bytes]:
    header = st.tuples(
        st.sampled_from(
            ["From", "To", "Cc", "Bcc", "Subject", "Content-Type", "MIME-Version", "X-A", ""]
        ),
        st.one_of(ADDRESSES, st.text(max_size=20), st.just("multipart/mixed; boundary=b")),
    )

    def build(headers: list[tuple[str, str]], body: str, crlf: bool) -> bytes:
        end = "\r\n" if crlf else "\n"
        text = end.join(f"{name}: {value}" for name, value in headers) + end + end + body
        return text.encode("utf-8", "surrogateescape")

    return st.one_of(
        st.builds(build, st.lists(header, max_size=6), st.text(max_size=40), st.booleans()),
        st.binary(max_size=60),
    )


def from_shape(shape: Shape | None, depth: int = 0) -> st.SearchStrategy[Any]:
    if shape is None:  # an operation without input
        return st.just({})
    kind = shape.type_name
    if kind == "structure":
        if depth > 4:
            return st.just({})
        members = {name: from_shape(member, depth + 1) for name, member in shape.members.items()}
        return st.fixed_dictionaries({}, optional=members)  # required members may be missing
    if kind == "list":
        size = 60 if shape.member.type_name == "string" else 3
        return st.lists(from_shape(shape.member, depth + 1), max_size=size).filter(
            lambda items: len(items) <= 3 or len(items) > 50  # few, or over SES's 50
        )
    if kind == "map":
        return st.dictionaries(TEXT, from_shape(shape.value, depth + 1), max_size=3)
    if kind == "string":
        return st.one_of(st.sampled_from(shape.enum), TEXT) if shape.enum else TEXT
    if kind == "blob":
        return mime()
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "long"):
        return st.integers(-3, 2000)
    if kind in ("double", "float"):
        return st.floats(-10, 1e6, allow_nan=False)
    if kind == "timestamp":
        return st.datetimes()
    return st.none()


def calls(service: str, faked: tuple[str, ...]) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    model = service_model(service)
    # Every faked operation the installed model has (the oldest botocore lacks SES's newer
    # ones), and a few that are not faked (answered NotImplemented).
    modeled = set(model.operation_names)
    names = sorted(modeled & set(faked)) + sorted(modeled - set(faked))[:3]
    return st.sampled_from(names).flatmap(
        lambda name: st.tuples(st.just(name), from_shape(model.operation_model(name).input_shape))
    )


_CLIENTS: dict[str, Any] = {}
#: What the raw-body tests put in place of the request, for the next call.
_RAW: dict[str, Any] = {}


def client(service: str) -> Any:
    """One client per service for all examples (making one costs milliseconds)."""
    if service not in _CLIENTS:
        made = boto3.client(service, region_name="us-east-1", config=UNCHECKED)
        made.meta.events.register(f"request-created.{service}", _replace)
        _CLIENTS[service] = made
    return _CLIENTS[service]


def _replace(request: Any, **_kwargs: Any) -> None:
    raw = _RAW.pop("request", None)
    if raw is not None:
        method, url, body = raw
        request.method = method or request.method
        request.url = url or request.url
        request.data = body


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _python_name(client: Any, operation: str) -> str:
    names = {v: k for k, v in client.meta.method_to_api_mapping.items()}
    return names.get(operation, _snake(operation))


@ACCOUNT
@EXAMPLES
@given(call=calls("ses", SesV1.names), gap=st.sampled_from([0, 0, 0.05, 0.5, 2]))
def test_generated_v1_parameters(ses_account, call, gap):
    operation, params = call
    ses = client("ses")
    method = getattr(ses, _python_name(ses, operation))
    answered(ses_account, "ses", lambda: method(**params))
    ses_account.resume_sending()
    ses_account.clock.advance(gap)


@ACCOUNT
@EXAMPLES
@given(call=calls("sesv2", SesV2.names), gap=st.sampled_from([0, 0, 0.05, 0.5, 2]))
def test_generated_v2_parameters(ses_account, call, gap):
    operation, params = call
    v2 = client("sesv2")
    method = getattr(v2, _python_name(v2, operation))
    answered(ses_account, "sesv2", lambda: method(**params))
    ses_account.resume_sending()
    ses_account.clock.advance(gap)


# -- raw request bodies, put in place by a botocore event ----------------------------
V1_KEYS = st.one_of(
    st.sampled_from(
        [
            "Action",
            "Version",
            "Source",
            "Destination.ToAddresses.member.1",
            "Destination.ToAddresses.member.2",
            "Destination.ToAddresses.member.x",
            "Destination.ToAddresses",
            "Destination.CcAddresses.member.1",
            "Destination",
            "Message.Subject.Data",
            "Message.Body.Text.Data",
            "Message.Body.Html.Data",
            "Message",
            "RawMessage.Data",
            "Destinations.member.1",
            "Destinations.member.1.Destination.ToAddresses.member.1",
            "Destinations.member.1.ReplacementTemplateData",
            "Template",
            "Template.TemplateName",
            "Template.SubjectPart",
            "TemplateData",
            "DefaultTemplateData",
            "TemplateName",
            "MaxItems",
            "NextToken",
            "Identities.member.1",
            "IdentityType",
            "Enabled",
            "EmailAddress",
            "Domain",
            "Identity",
            "ConfigurationSetName",
            "Tags.member.1.Name",
            "member",
            ".",
            "a..b",
            "Destination.ToAddresses.member.1.x",
        ]
    ),
    st.text(max_size=8),
)
V1_VALUES = st.one_of(
    TEXT,
    st.sampled_from(["true", "false", "yes", "-1", "0", "99999999999999999999", "1.5"]),
    mime().map(lambda data: base64.b64encode(data).decode()),
)


@st.composite
def v1_bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """The operation the client believes it calls (so that it parses the answer),
    and the body actually sent."""
    model = service_model("ses")
    action = draw(
        st.one_of(
            st.sampled_from(SesV1.names),
            st.sampled_from(model.operation_names),
            st.text(max_size=8),
        )
    )
    operation = action if action in model.operation_names else "GetSendQuota"
    pairs = [("Action", action)] if draw(st.booleans()) or action else []
    if draw(st.integers(0, 4)):
        pairs.append(("Version", "2010-12-01"))
    else:
        pairs.append(("Version", draw(st.text(max_size=10))))
    pairs += draw(st.lists(st.tuples(V1_KEYS, V1_VALUES), max_size=8))
    if draw(st.integers(0, 9)) == 0:
        return operation, draw(st.binary(max_size=80))
    return operation, urlencode(pairs).encode()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | TEXT,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "FromEmailAddress",
                        "Destination",
                        "ToAddresses",
                        "Content",
                        "Simple",
                        "Raw",
                        "Data",
                        "Template",
                        "TemplateName",
                        "TemplateData",
                        "TemplateContent",
                        "Subject",
                        "Body",
                        "Text",
                        "Html",
                        "BulkEmailEntries",
                        "DefaultContent",
                        "ReplacementEmailContent",
                        "EmailIdentity",
                        "SendingEnabled",
                        "MailType",
                        "WebsiteURL",
                        "UseCaseDescription",
                        "ProductionAccessEnabled",
                        "AdditionalContactEmailAddresses",
                        "Tags",
                        "Attachments",
                        "RawContent",
                    ]
                ),
                st.text(max_size=6),
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


BODY_KEYS = st.sampled_from(
    [
        "Content",
        "Destination",
        "FromEmailAddress",
        "TemplateContent",
        "BulkEmailEntries",
        "DefaultContent",
    ]
)


@st.composite
def v2_requests(draw: st.DrawFn) -> tuple[str, str, str, bytes]:
    """The operation the client believes it calls, and the method, path and body sent."""
    model = service_model("sesv2")
    # The installed model's operations (the oldest botocore lacks SES's newer ones).
    names = sorted(set(model.operation_names) & {*SesV2.names, "ListConfigurationSets"})
    name = draw(st.sampled_from(names))
    http = model.operation_model(name).http
    label = quote(draw(st.one_of(WORDS, ADDRESSES, st.text(max_size=8))), safe="")
    path = http["requestUri"].split("?")[0]
    path = path.replace("{TemplateName}", label).replace("{EmailIdentity}", label)
    path += draw(st.sampled_from(["", "", "/", "/extra", "?PageSize=2", "?PageSize=x&A=%%"]))
    method = http["method"]
    if not draw(st.integers(0, 5)):
        method = draw(st.sampled_from(["GET", "PUT", "DELETE", "PATCH"]))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        body = draw(st.binary(max_size=60))
    elif kind == 1:
        body = b""
    else:
        document = draw(st.one_of(JSON, st.dictionaries(BODY_KEYS, JSON, max_size=4)))
        body = json.dumps(document).encode()
    return name, method, path, body


@ACCOUNT
@EXAMPLES
@given(request=v1_bodies())
def test_raw_v1_bodies(ses_account, request):
    operation, body = request
    ses = client("ses")
    _RAW["request"] = (None, None, body)
    try:
        answered(ses_account, "ses", getattr(ses, _python_name(ses, operation)))
    finally:
        _RAW.clear()
    ses_account.resume_sending()
    ses_account.clock.advance(0.2)


@ACCOUNT
@EXAMPLES
@given(request=v2_requests())
def test_raw_v2_requests(ses_account, request):
    operation, method, path, body = request
    v2 = client("sesv2")
    call = getattr(v2, _python_name(v2, operation))
    shape = v2.meta.service_model.operation_model(operation).input_shape
    members = shape.members if shape is not None else {}
    # Its URI labels, for botocore to build a URL (replaced anyway).
    labels = {name: "x" for name in ("TemplateName", "EmailIdentity") if name in members}
    _RAW["request"] = (method, f"https://email.us-east-1.amazonaws.com{path}", body)
    try:
        answered(ses_account, "sesv2", lambda: call(**labels))
    finally:
        _RAW.clear()
    ses_account.resume_sending()
    ses_account.clock.advance(0.2)


# -- raw MIME ------------------------------------------------------------------------
@ACCOUNT
@EXAMPLES
@given(
    data=mime(),
    source=st.one_of(st.none(), ADDRESSES),
    destinations=st.lists(ADDRESSES, max_size=3),
    v2=st.booleans(),
)
def test_raw_mime(ses_account, data, source, destinations, v2):
    if v2:
        params: dict[str, Any] = {"Content": {"Raw": {"Data": data}}}
        if source is not None:
            params["FromEmailAddress"] = source
        if destinations:
            params["Destination"] = {"ToAddresses": destinations}
        outcome = answered(ses_account, "sesv2", lambda: client("sesv2").send_email(**params))
    else:
        params = {"RawMessage": {"Data": data}}
        if source is not None:
            params["Source"] = source
        if destinations:
            params["Destinations"] = destinations
        outcome = answered(ses_account, "ses", lambda: client("ses").send_raw_email(**params))
    assert outcome in {
        "success",
        "Throttling",
        "TooManyRequestsException",
        "InvalidParameterValue",
        "BadRequestException",
    }, outcome
    if outcome in ("InvalidParameterValue", "BadRequestException"):
        # A refused message is in the ledger, with its reason.
        assert ses_account.requests[-1].outcomes[0].reason == "invalid"
    ses_account.clock.advance(0.1)


# -- SMTP command streams ----------------------------------------------------------------
SMTP_ADDRESSES = st.one_of(
    ADDRESSES, st.text(max_size=30).filter(lambda t: "\r" not in t and "\n" not in t)
)
SMTP_LINE = st.one_of(
    st.sampled_from(
        [
            "EHLO client.test",
            "HELO client.test",
            "EHLO",
            "NOOP",
            "RSET",
            "HELP",
            "VRFY a@example.com",
            "DATA",
            "AUTH LOGIN",
            "AUTH CRAM-MD5",
            "AUTH PLAIN !!!not-base64",
            "MAIL FROM:<>",
            "RCPT TO:",
            "BDAT 10",
            "",
            " ",
            "x" * 1100,
        ]
    ),
    st.builds("MAIL FROM:<{}>".format, SMTP_ADDRESSES),
    st.builds("RCPT TO:<{}>".format, SMTP_ADDRESSES),
    st.builds("MAIL FROM:{}".format, SMTP_ADDRESSES),
    st.text(max_size=80).filter(lambda t: "\r" not in t and "\n" not in t),
)
SMTP_STEP = st.one_of(
    st.tuples(st.just("line"), SMTP_LINE),
    st.tuples(st.just("login"), st.just("")),
    # DATA followed, if the server asks for it, by a body (which may end early on a
    # line holding only a dot: what follows is then read as commands).
    st.tuples(st.just("data"), st.text(max_size=300)),
)
REPLY = re.compile(r"^[2-5][0-9][0-9]( |-|$)")


def _reply(wire: Any) -> list[str]:
    lines = wire.reply()
    assert lines and all(REPLY.match(line) for line in lines), lines
    return lines


@pytest.mark.ses_quota(
    profile="production", max_send_rate=-1, max_24_hour_send=-1, smtp_require_starttls=False
)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(SMTP_STEP, max_size=12))
def test_smtp_command_streams(ses_smtp, ses_account, steps):
    wire = Wire(ses_smtp)
    try:
        assert wire.greeting[-1].startswith("220 ")
        for kind, value in steps:
            if kind == "login":
                wire.send(
                    "AUTH PLAIN "
                    + base64.b64encode(
                        f"\0{ses_smtp.username}\0{ses_smtp.password}".encode()
                    ).decode()
                    + "\r\n"
                )
            elif kind == "data":
                wire.send("DATA\r\n")
                if _reply(wire)[-1].startswith("354"):
                    body = value.replace("\r", "").replace("\n", "\r\n")
                    wire.send(body.encode("utf-8", "surrogateescape") + b"\r\n.\r\n")
                else:
                    continue
            else:
                wire.send(value.encode("utf-8", "surrogateescape") + b"\r\n")
            lines = _reply(wire)
            if lines[-1].startswith(("221", "421")):  # QUIT, or the server hung up
                break
    except ConnectionError:
        pass  # the server may close on garbage (as SES does): that is an answer too
    finally:
        wire.close()
    # Still up, and a proper transaction still goes through.
    with Wire(ses_smtp) as check:
        check.command("EHLO client.test")
        check.login()
        assert check.transaction(
            "app@example.com", ["a@example.com"], b"Subject: x\r\n\r\nhi"
        ).startswith("250 Ok ")
    check_ledger(ses_account)
    smtp = [r for r in ses_account.requests if r.api == "smtp"]
    # A DATA transaction decides one message; a command refused before it, none.
    assert all(len(r.outcomes) == (r.operation == "DATA" and r.status != 530) for r in smtp)


# -- input nested too deeply to read: SES's 400, nothing kept, no internal error ------
def test_template_data_nested_too_deeply_is_invalid_data(ses_account, ses):
    ses_account.verify("app@example.com", "to@example.com")
    ses.create_template(
        Template={"TemplateName": "t", "SubjectPart": "Hi {{name}}", "TextPart": "Hello"}
    )
    deep = "[" * 50_000 + "]" * 50_000
    with pytest.raises(ClientError) as error:
        ses.send_templated_email(
            Source="app@example.com",
            Destination={"ToAddresses": ["to@example.com"]},
            Template="t",
            TemplateData=deep,
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert error.value.response["Error"]["Message"] == "The template data is invalid"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ses_account.internal_errors == [] and ses_account.sent == []


def test_a_v2_body_nested_too_deeply_is_a_bad_request(ses_account):
    body = b'{"Content": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = requests.post(
        "https://email.us-east-1.amazonaws.com/v2/email/outbound-emails", data=body, timeout=5
    )
    assert reply.status_code == 400
    assert reply.headers["x-amzn-ErrorType"].split(":")[0] == "BadRequestException"
    assert reply.json()["message"] == "The request body is not valid JSON."
    assert ses_account.internal_errors == [] and ses_account.sent == []
