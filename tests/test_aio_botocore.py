"""aiobotocore and aioboto3 clients against the fake, under pytest-asyncio.

Needs the ``aio`` extra (aiobotocore pins its own botocore): .ci/run runs this file in
virtual environments of its own, with the newest and the oldest supported releases.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_sesquota import SesAccount
from pytest_sesquota.clock.timebackend import real_time

aiobotocore_session = pytest.importorskip(
    "aiobotocore.session", reason="the aio extra: pip install 'pytest-sesquota[aio]'"
)
pytest.importorskip("pytest_asyncio", reason="the aio extra: pip install 'pytest-sesquota[aio]'")
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
MESSAGE = {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi there"}}}
CONTENT = {"Simple": MESSAGE}
BACKENDS = ["freezegun", "time-machine"]


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch, tmp_path):
    """Prove that the fake needs none: no keys, no profile, no config files."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))


@pytest.fixture(params=BACKENDS)
def account(request):
    """A production account at 1 send per second and 3 a day, on each time backend."""
    with SesAccount(
        time_backend=request.param, profile="production", max_send_rate=1, max_24_hour_send=3
    ) as account:
        yield account


@asynccontextmanager
async def client(service, config=NO_RETRIES):
    session = aiobotocore_session.get_session()
    async with session.create_client(service, region_name="us-east-1", config=config) as c:
        yield c


async def send(c, to="a@example.com"):
    if c.meta.service_model.service_name == "sesv2":
        return await c.send_email(
            FromEmailAddress="app@example.com", Destination={"ToAddresses": [to]}, Content=CONTENT
        )
    return await c.send_email(
        Source="app@example.com", Destination={"ToAddresses": [to]}, Message=MESSAGE
    )


def error_of(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


@pytest.mark.asyncio
@pytest.mark.parametrize("service", ["ses", "sesv2"])
async def test_rate_throttle_without_retries(account, service):
    async with client(service) as c:
        await send(c)
        with pytest.raises(ClientError) as raised:
            await send(c, "b@example.com")
        await asyncio.sleep(1)
        await send(c, "b@example.com")
    code, message = error_of(raised.value)
    if service == "ses":
        assert (code, message) == ("Throttling", "Maximum sending rate exceeded.")
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    else:
        assert code == "TooManyRequestsException"
        assert message == "Maximum sending rate exceeded."
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    status = 400 if service == "ses" else 429
    assert [(r.status, r.error_code) for r in account.requests] == [
        (200, None),
        (status, code),
        (200, None),
    ]
    assert [m.recipients for m in account.sent] == [("a@example.com",), ("b@example.com",)]
    assert [(t.reason, t.recipients) for t in account.throttled] == [("rate", ("b@example.com",))]
    assert account.clock.elapsed() == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("service", ["ses", "sesv2"])
@pytest.mark.parametrize("mode", ["legacy", "standard"])
async def test_rate_throttle_retried_by_aiobotocore_on_virtual_time(account, service, mode):
    start = real_time()
    config = Config(retries={"mode": mode, "total_max_attempts": 10})
    async with client(service, config) as c:
        await send(c)
        response = await send(c, "b@example.com")
    retries = response["ResponseMetadata"]["RetryAttempts"]
    assert retries >= 1
    attempts = account.requests[1:]
    assert len(attempts) == retries + 1
    assert [a.ok for a in attempts] == [False] * retries + [True]
    # aiobotocore's own back-off (asyncio.sleep) moved the clock, to at least the
    # second in which the bucket refilled.
    assert account.clock.elapsed() >= 1
    assert (attempts[-1].time - account.clock.start_time).total_seconds() >= 1
    waits = [s for s in account.clock.sleep_log if s.kind == "event loop"]
    assert len(waits) == retries
    assert sum(s.seconds for s in waits) == pytest.approx(account.clock.elapsed(), abs=1e-6)
    assert real_time() - start < 5


@pytest.mark.asyncio
async def test_adaptive_mode_waits_for_its_own_bucket_on_virtual_time(account):
    """aiobotocore's client-side rate limiter polls its bucket with waits shorter than
    the clock's microsecond: the loop's clock still moves, and every message goes once."""
    start = real_time()
    config = Config(retries={"mode": "adaptive", "max_attempts": 10})
    async with client("ses", config) as c:
        for n in range(3):
            await send(c, f"{n}@example.com")
    assert [m.recipients for m in account.sent] == [(f"{n}@example.com",) for n in range(3)]
    assert account.clock.elapsed() >= 2  # 1 per second: the third no sooner than at 2 s
    assert real_time() - start < 20


@pytest.mark.asyncio
@pytest.mark.parametrize("service", ["ses", "sesv2"])
async def test_daily_quota_and_ten_virtual_minutes_of_back_off(account, service):
    start = real_time()
    async with client(service) as c:
        for n in range(3):
            await send(c, f"{n}@example.com")
            await asyncio.sleep(1)
        failures = []
        delay = 10
        # The application backs off, doubling, for ten virtual minutes: the daily
        # quota refills only 24 hours after the first send.
        while account.clock.elapsed() < 600:
            try:
                await send(c, "late@example.com")
            except ClientError as error:
                failures.append(error_of(error))
                await asyncio.sleep(min(delay, 603 - account.clock.elapsed()))
                delay *= 2
    code = "Throttling" if service == "ses" else "TooManyRequestsException"
    # Tries at 3, 13, 33, 73, 153 and 313 seconds, the last wait to 603.
    assert failures == [(code, "Daily message quota exceeded.")] * 6
    assert account.clock.elapsed() == 603
    assert [t.reason for t in account.throttled] == ["daily"] * 6
    assert len(account.sent) == 3
    assert real_time() - start < 5


@pytest.mark.asyncio
@pytest.mark.parametrize("service", ["ses", "sesv2"])
async def test_daily_quota_retried_by_aiobotocore_until_it_gives_up(account, service):
    start = real_time()
    config = Config(retries={"mode": "standard", "total_max_attempts": 3})
    async with client(service, config) as c:
        for n in range(3):
            await send(c, f"{n}@example.com")
            await asyncio.sleep(1)
        with pytest.raises(ClientError) as raised:
            await send(c, "late@example.com")
    code = "Throttling" if service == "ses" else "TooManyRequestsException"
    assert error_of(raised.value) == (code, "Daily message quota exceeded.")
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert [t.reason for t in account.throttled] == ["daily"] * 3
    # Three seconds of the application's sleeps, then aiobotocore's two back-offs.
    waits = [s.seconds for s in account.clock.sleep_log if s.kind == "event loop"]
    assert waits[:3] == [1, 1, 1] and len(waits) == 5
    assert account.clock.elapsed() == pytest.approx(sum(waits), abs=1e-6)
    assert real_time() - start < 5


@pytest.mark.asyncio
async def test_aioboto3_clients(account):
    # Not with every aiobotocore: .ci/run also tests the newest aiobotocore alone.
    aioboto3 = pytest.importorskip("aioboto3", reason="aioboto3 pins an older aiobotocore")
    session = aioboto3.Session()
    async with (
        session.client("ses", region_name="us-east-1", config=NO_RETRIES) as ses,
        session.client("sesv2", region_name="us-east-1", config=NO_RETRIES) as sesv2,
    ):
        quota = await ses.get_send_quota()
        assert (quota["MaxSendRate"], quota["Max24HourSend"]) == (1.0, 3.0)
        await send(ses)
        with pytest.raises(sesv2.exceptions.TooManyRequestsException):
            await send(sesv2, "b@example.com")
        await asyncio.sleep(1)
        await send(sesv2, "b@example.com")
        quota = (await sesv2.get_account())["SendQuota"]
    assert quota == {"Max24HourSend": 3.0, "MaxSendRate": 1.0, "SentLast24Hours": 2.0}
    assert [r.operation for r in account.requests] == [
        "GetSendQuota",
        "SendEmail",
        "SendEmail",
        "SendEmail",
        "GetAccount",
    ]
    assert [r.ok for r in account.requests] == [True, True, False, True, True]


# -- the same answers as boto3 ---------------------------------------------------------
CALLS = [
    ("ses", "get_send_quota", {}),
    ("ses", "verify_email_identity", {"EmailAddress": "app@example.com"}),
    ("ses", "list_identities", {}),
    (
        "ses",
        "send_email",
        {
            "Source": "app@example.com",
            "Destination": {"ToAddresses": ["a@example.com"]},
            "Message": MESSAGE,
        },
    ),
    (
        "ses",
        "send_raw_email",
        {
            "RawMessage": {
                "Data": b"From: app@example.com\r\nTo: a@example.com\r\n"
                b"Subject: Hi\r\n\r\nHello\r\n"
            }
        },
    ),
    (
        "ses",
        "create_template",
        {"Template": {"TemplateName": "t", "SubjectPart": "Hi {{n}}", "TextPart": "Hello {{n}}"}},
    ),
    (
        "ses",
        "send_templated_email",
        {
            "Source": "app@example.com",
            "Destination": {"ToAddresses": ["a@example.com"]},
            "Template": "t",
            "TemplateData": '{"n": 1}',
        },
    ),
    ("ses", "send_email", {"Source": "", "Destination": {}, "Message": MESSAGE}),
    ("ses", "get_send_statistics", {}),
    ("sesv2", "get_account", {}),
    ("sesv2", "create_email_identity", {"EmailIdentity": "example.org"}),
    ("sesv2", "list_email_identities", {}),
    (
        "sesv2",
        "send_email",
        {
            "FromEmailAddress": "app@example.com",
            "Destination": {"ToAddresses": ["a@example.com"]},
            "Content": CONTENT,
        },
    ),
    ("sesv2", "get_email_template", {"TemplateName": "missing"}),
]

# Request and message ids, DKIM tokens: random in each run.
_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def masked(value):
    return _IDS.sub("<id>", repr(value))


def outcome(call):
    try:
        result = call()
    except ClientError as error:
        result = {"error": error.response}
    return masked(result)


def test_same_answers_and_ledger_as_boto3():
    """Every call of CALLS through boto3 and through aiobotocore, each on a fresh account
    at the same virtual instant: the same parsed answers and the same ledger."""
    results = {}
    for kind in ("boto3", "aiobotocore"):
        with SesAccount(profile="production", start="2026-03-01T00:00:00Z") as account:
            if kind == "boto3":
                clients = {
                    s: boto3.client(s, region_name="us-east-1", config=NO_RETRIES)
                    for s in ("ses", "sesv2")
                }
                answers = [
                    outcome(lambda c=clients[s], o=o, p=p: getattr(c, o)(**p)) for s, o, p in CALLS
                ]
            else:

                async def run_all():
                    answers = []
                    for service, operation, params in CALLS:
                        async with client(service) as c:
                            try:
                                answers.append(masked(await getattr(c, operation)(**params)))
                            except ClientError as error:
                                answers.append(masked({"error": error.response}))
                    return answers

                # Not asyncio.run: it would drop the loop pytest-asyncio 0.24 leaves set
                # (unclosed) after an async test.
                loop = asyncio.new_event_loop()
                try:
                    answers = loop.run_until_complete(run_all())
                finally:
                    loop.close()
            ledger = [masked(o) for r in account.requests for o in r.outcomes]
            requests = [
                (r.api, r.operation, r.status, r.error_code, r.error_message, r.time)
                for r in account.requests
            ]
            results[kind] = (answers, ledger, requests)
    boto3_answers, boto3_ledger, boto3_requests = results["boto3"]
    aio_answers, aio_ledger, aio_requests = results["aiobotocore"]
    for call, expected, got in zip(CALLS, boto3_answers, aio_answers, strict=True):
        assert got == expected, call
    assert aio_ledger == boto3_ledger
    assert aio_requests == boto3_requests
    assert len(boto3_requests) == len(CALLS)


# -- pytest-asyncio's modes and the failure report, through pytester ---------------------
ASYNC_TEST = """
import asyncio
import pytest
from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import ClientError

CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1})
MESSAGE = {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}


async def send(ses, to):
    try:
        await ses.send_email(Source="app@example.com", Destination={"ToAddresses": [to]},
                             Message=MESSAGE)
        return True
    except ClientError:
        return False

MARK
async def test_welcome(ses_account):
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with get_session().create_client("ses", region_name="us-east-1", config=CONFIG) as ses:
        assert await send(ses, "a@example.com")
        assert not await send(ses, "b@example.com")
        await asyncio.sleep(0.4)
        assert loop.time() - start == pytest.approx(0.4)
        assert await send(ses, "b@example.com"), "b was throttled"
"""


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_pytest_asyncio_modes_and_the_failure_report(pytester, mode):
    mark = "@pytest.mark.asyncio" if mode == "strict" else ""
    pytester.makepyfile(ASYNC_TEST.replace("MARK", mark))
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-o",
        f"asyncio_mode={mode}",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_welcome _*",
            "E   *AssertionError: b was throttled",
            "*- SES conversation -*",
            "+0.000s us-east-1 SendEmail app@example.com → a@example.com (1 rcpt) accepted 0100*",
            "+0.000s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
            "(rate: 0.00 of 1 available, max 1/s)",
            "+0.000s event loop idle 0.4s (virtual)",
            "+0.400s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
            "(rate: 0.40 of 1 available, max 1/s) [retry 1]",
            "quota at +0.400s (GetSendQuota):",
            "  us-east-1  Max24HourSend 200, MaxSendRate 1, SentLast24Hours 1",
        ],
        consecutive=False,
    )


@pytest.mark.asyncio
async def test_every_operation_is_answered_through_aiobotocore():
    """Every operation of the installed SES models, through aiobotocore with the least
    parameters each takes, on one account: a modeled answer or error, never NotImplemented
    (tests/test_every_operation.py does the same through boto3 and sesquota serve)."""
    from botocore import xform_name
    from test_every_operation import COMMON, SERVICES, _modeled_errors, minimal_input

    with SesAccount(profile="production") as account:
        answered = set()
        for service in SERVICES:
            async with client(service) as c:
                model = c.meta.service_model
                for name in model.operation_names:
                    operation = model.operation_model(name)
                    try:
                        await getattr(c, xform_name(name))(**minimal_input(operation))
                    except ClientError as error:
                        code = error.response["Error"]["Code"]
                        assert code in _modeled_errors(operation) | COMMON[service], (name, code)
                    answered.add((service, name))
        assert {(r.api, r.operation) for r in account.requests} == answered
        assert account.internal_errors == []
