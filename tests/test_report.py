"""The SES conversation, the per-test figures and the timeline, read from real accounts."""

from __future__ import annotations

import re
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import NO_RETRIES, send

from pytest_sesquota import RejectedSend, SentMessage, SesAccount, SesRequest, ThrottledSend
from pytest_sesquota.account.messages import RetryCounter
from pytest_sesquota.report import reporting as _reporting
from pytest_sesquota.report.conversation import (
    entries,
    offset,
    section_text,
    short_address,
    short_recipients,
)
from pytest_sesquota.report.summary import Figures, summary_lines
from pytest_sesquota.report.timeline import timeline


def lines(account: SesAccount) -> list[str]:
    return section_text(account, "t").splitlines()


@pytest.mark.ses_quota(profile="sandbox")
def test_conversation_of_a_throttled_send_and_its_retry(ses_account, ses):
    send(ses, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "b@example.com", source="App <app@example.com>")
    ses_account.clock.sleep(0.412)
    with pytest.raises(ClientError):
        send(ses, "b@example.com", source="App <app@example.com>")
    ses_account.clock.sleep(1.5)
    send(ses, "b@example.com", source="App <app@example.com>")
    ses.get_send_quota()
    first, second = (m.message_id for m in ses_account.sent)
    assert lines(ses_account) == [
        f"+0.000s us-east-1 SendEmail app@example.com → a@example.com (1 rcpt) accepted {first}",
        "+0.000s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
        "(rate: 0.00 of 1 available, max 1/s)",
        "+0.000s time.sleep(0.412)",
        "+0.412s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
        "(rate: 0.41 of 1 available, max 1/s) [retry 1]",
        "+0.412s time.sleep(1.5)",
        f"+1.912s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) accepted {second} "
        "[retry 2]",
        "+1.912s us-east-1 GetSendQuota ok",
        "quota at +1.912s (GetSendQuota):",
        "  us-east-1  Max24HourSend 200, MaxSendRate 1, SentLast24Hours 2",
    ]


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=199, verified=["app@example.com"])
def test_conversation_of_daily_quota_rejection_errors_and_other_regions(ses_account, ses):
    ses_account.verify("a@example.com", "b@example.com")
    send(ses, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "b@example.com")  # daily
    with pytest.raises(ClientError):
        send(ses, "z@example.com")  # not verified
    with pytest.raises(ClientError):
        send(ses, "nobody")  # invalid address, refused before any check
    ses_account.clock.advance(seconds=0.9996)  # an allowance of 0.9996 is not "1.00"
    ses_account.set_quota(max_24_hour_send=1000)
    with pytest.raises(ClientError):
        send(ses, "a@example.com")
    boto3.client("ses", region_name="eu-west-1", config=NO_RETRIES).get_send_quota()
    text = lines(ses_account)
    assert text[1:] == [
        "+0.000s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
        "(daily: 200 of 200 sent in the last 24 h)",
        "+0.000s us-east-1 SendEmail app@example.com → z@example.com (1 rcpt) rejected "
        "(MessageRejected: Email address is not verified. The following identities failed "
        "the check in region US-EAST-1: z@example.com)",
        "+0.000s us-east-1 SendEmail app@example.com → nobody (1 rcpt) rejected "
        "(InvalidParameterValue: Missing final '@domain')",
        "+1.000s us-east-1 SendEmail app@example.com → a@example.com (1 rcpt) throttled "
        "(rate: 0.99 of 1 available, max 1/s)",
        "+1.000s eu-west-1 GetSendQuota ok",
        "quota at +1.000s (GetSendQuota):",
        "  us-east-1  Max24HourSend 1000, MaxSendRate 1, SentLast24Hours 200",
        "  eu-west-1  Max24HourSend 200, MaxSendRate 1, SentLast24Hours 0",
    ]


def test_other_apis_and_multi_message_requests_are_told_generically():
    account = SesAccount(profile="production")
    at = account.clock.start_time
    sent = SentMessage("id-1", at, "us-east-1", "SendBulkEmail", "app@x.org", ("a@x.org",))
    throttled = ThrottledSend(
        at, "us-east-1", "SendBulkEmail", "rate", "app@x.org", ("b@x.org",), -2.5, 10, 50000, 14
    )
    rejected = RejectedSend(
        at, "eu-west-1", "DATA", "paused", "554", "Sending paused.", "app@x.org", ("c@x.org",)
    )
    account.requests += [
        SesRequest(at, "us-east-1", "sesv2", "SendBulkEmail", 200, outcomes=(sent, throttled)),
        SesRequest(
            at + timedelta(seconds=61),
            "eu-west-1",
            "smtp",
            "DATA",
            554,
            "554",
            "Sending paused.",
            outcomes=(rejected,),
        ),
        SesRequest(
            at + timedelta(hours=2),
            "us-east-1",
            "sesv2",
            "GET /v2/email/account",
            501,
            "NotImplemented",
            "not faked",
        ),
    ]
    assert [line for e in entries(account) for line in e.lines] == [
        "us-east-1 sesv2:SendBulkEmail 2 messages: 1 accepted, 1 throttled (rate)",
        "    app@x.org → a@x.org (1 rcpt) accepted id-1",
        "    app@x.org → b@x.org (1 rcpt) throttled (rate: -2.50 of 1 available, max 14/s)",
        "eu-west-1 smtp:DATA app@x.org → c@x.org (1 rcpt) rejected (554: Sending paused.)",
        "us-east-1 sesv2:GET /v2/email/account failed 501 NotImplemented: not faked",
    ]
    text = section_text(account, "t").splitlines()
    assert (
        text[0] == "      +0.000s us-east-1 sesv2:SendBulkEmail 2 messages: 1 accepted, "
        "1 throttled (rate)"
    )
    assert text[1] == " " * 14 + "    app@x.org → a@x.org (1 rcpt) accepted id-1"
    assert text[3].startswith("   +1m01.000s eu-west-1 smtp:DATA")
    assert text[4].startswith("+2h00m00.000s us-east-1 sesv2:GET")


def test_sends_made_without_a_request_are_told_too(ses_account):
    ses_account.send(region=None, operation="SendEmail", source="a@x.org", recipients=["b@x.org"])
    assert lines(ses_account)[0] == (
        f"+0.000s us-east-1 SendEmail a@x.org → b@x.org (1 rcpt) accepted "
        f"{ses_account.sent[0].message_id}"
    )


def test_no_request_at_all(ses_account):
    assert lines(ses_account) == [
        "(no SES request and no time.sleep)",
        "quota at +0.000s (GetSendQuota):",
        "  us-east-1  Max24HourSend 200, MaxSendRate 1, SentLast24Hours 0",
    ]


def test_addresses_are_abbreviated():
    assert short_address('"Example Shop" <shop@example.com>') == "shop@example.com"
    long = "a-very-long-local-part-for-newsletters@mail.subdomain.example.com"
    assert short_address(long) == "a-very-long-local-pa…bdomain.example.com"
    assert len(short_address(long)) == 40
    assert short_recipients(["a@x.org"]) == "a@x.org (1 rcpt)"
    assert short_recipients(["a@x.org", "B <b@x.org>"]) == "a@x.org, b@x.org (2 rcpt)"
    assert short_recipients([f"r{i}@x.org" for i in range(10)]) == (
        "r0@x.org, r1@x.org +8 more (10 rcpt)"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "+0.000s"),
        (0.4124, "+0.412s"),
        (59.9996, "+1m00.000s"),
        (125.5, "+2m05.500s"),
        (3 * 3600 + 4, "+3h00m04.000s"),
        (86_400 * 2 + 3600 + 61.25, "+2d01h01m01.250s"),
    ],
)
def test_offsets(seconds, text):
    assert offset(seconds) == text


def test_a_retry_sends_again_a_message_refused_and_not_accepted_since():
    account = SesAccount()
    at = account.clock.start_time

    def throttled(*to: str, source: str = "a@x.org", op: str = "SendEmail") -> ThrottledSend:
        return ThrottledSend(at, "us-east-1", op, "rate", source, to, 0.0, 0, 200, 1)

    def sent(*to: str) -> SentMessage:
        return SentMessage("id", at, "us-east-1", "SendEmail", "a@x.org", to)

    counter = RetryCounter()
    seen = [
        counter.see(o)
        for o in [
            throttled("b@x.org"),
            throttled("c@x.org"),  # another message: not a retry
            throttled("b@x.org"),  # retry 1 of b
            throttled("b@x.org", op="SendRawEmail"),  # the same message another way: retry 2
            throttled("b@x.org", source="z@x.org"),  # another sender
            sent("b@x.org"),  # retry 3 of b, accepted
            sent("b@x.org"),  # b again after an acceptance: a new message
            sent("c@x.org"),  # retry 1 of c
        ]
    ]
    assert seen == [0, 0, 1, 2, 0, 3, 0, 1]


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=199)
def test_figures_count_messages_retries_sleeps_and_virtual_time(ses_account, ses):
    with pytest.raises(ClientError):
        send(ses, "a@example.com", cc=["b@example.com"])  # 199 + 2 > 200: daily
    send(ses, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "a@example.com")  # daily
    ses_account.clock.advance(hours=24)
    send(ses, "a@example.com", "b@example.com", "c@example.com")
    with pytest.raises(ClientError):
        send(ses, "a@example.com")  # rate (bucket in debt)
    ses_account.clock.sleep(3)
    send(ses, "a@example.com")  # a retry
    figures = Figures.of(ses_account)
    assert figures == Figures(
        requests=6,
        accepted=3,
        accepted_recipients=5,
        throttled_rate=1,
        throttled_daily=2,
        rejected=0,
        retries=2,  # "a" after its daily throttle (throttled again), then after that
        sleeps=1,
        virtual_seconds=86_403.0,
        dropped=1,  # a with b in cc: refused (daily) and never sent again
    )
    properties = figures.properties()
    assert properties[:3] == [
        ("ses_requests", 6),
        ("ses_accepted", 3),
        ("ses_accepted_recipients", 5),
    ]
    assert Figures.from_properties([("other", 1), *properties]) == figures
    assert Figures.from_properties([("other", 1)]) is None
    assert figures + figures == Figures(12, 6, 10, 2, 4, 0, 4, 2, 172_806.0, 2, 0)
    assert (Figures(bounce_rate=0.05) + Figures(bounce_rate=0.02)).bounce_rate == 0.05


def test_summary_table():
    figures = [
        (
            "tests/test_a.py::test_burst",
            Figures(accepted=5, throttled_rate=10, retries=10, virtual_seconds=7.25),
        ),
        (
            "tests/test_a.py::test_day",
            Figures(accepted=200, throttled_daily=3, rejected=1, virtual_seconds=86_409.5),
        ),
    ]
    assert summary_lines(figures) == [
        "accepted  throttled:rate  throttled:daily  rejected  retries     virtual time  test",
        "       5              10                0         0       10           7.250s  "
        "tests/test_a.py::test_burst",
        "     200               0                3         1        0  1d00h00m09.500s  "
        "tests/test_a.py::test_day",
        "     205              10                3         1       10  1d00h00m16.750s  "
        "total (2 tests)",
    ]
    assert summary_lines([]) == ["no test used the fake SES account"]


@pytest.mark.ses_quota(profile="sandbox")
def test_long_conversations_are_summarized_and_written_whole(ses_account, ses, tmp_path):
    for n in range(40):
        try:
            send(ses, f"u{n}@example.com")
        except ClientError:
            pass
        ses_account.clock.sleep(0.5)
    written = []

    def write(text: str):
        path = tmp_path / "full.txt"
        path.write_text(text, encoding="utf-8")
        written.append(text)
        return path

    text = section_text(ses_account, "tests/t.py::test_x", write).splitlines()
    assert len(text) == 15 + 1 + 15 + 2 + 1
    assert text[15] == (
        "… 50 more requests and sleeps from +3.500s to +16.000s: 13 accepted, 12 throttled "
        "(rate), 25 time.sleep …"
    )
    assert text[-1] == f"full conversation (80 entries): {tmp_path / 'full.txt'}"
    whole = written[0].splitlines()
    assert whole[:3] == [
        "SES conversation of tests/t.py::test_x",
        "virtual time +0.000s = 2026-01-01T00:00:00+00:00",
        "",
    ]
    body = whole[3:-2]
    assert len(body) == 80 and body[:15] == text[:15] and body[-15:] == text[16:31]
    # Nowhere to write: everything is shown.
    assert len(section_text(ses_account, "t", lambda text: None).splitlines()) == 82
    # Writing failed: said, and everything is shown.

    def fail(text: str):
        raise PermissionError("read-only")

    shown = section_text(ses_account, "t", fail).splitlines()
    assert len(shown) == 83 and shown[-1] == "(could not write the full conversation: read-only)"


def test_short_conversations_are_written_only_when_asked(ses_account, tmp_path):
    path = tmp_path / "c.txt"

    def write(text: str):
        path.write_text(text)
        return path

    assert "full conversation" not in section_text(ses_account, "t", write)
    assert not path.exists()
    text = section_text(ses_account, "t", write, always_write=True)
    assert text.splitlines()[-1] == f"full conversation (0 entries): {path}"
    assert path.read_text().startswith("SES conversation of t\n")


# -- the timeline ------------------------------------------------------------------
@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=20, max_24_hour_send=25)
def test_timeline_matches_the_engine(ses_account, ses):
    """The rolling 24 hours the picture draws is replayed from the ledger: it must
    agree with the engine at every daily throttle and at the end."""
    sent = 0
    for step in range(400):
        try:
            send(ses, *[f"r{i}@example.com" for i in range(1 + step % 3)])
            sent += 1
        except ClientError:
            pass
        ses_account.clock.advance(minutes=7 + step % 5)
        if step == 250:
            ses_account.set_quota(sent_last_24_hours=3, max_24_hour_send=30)
            changed_at = ses_account.clock.elapsed()
    tl = timeline(ses_account, "t")
    (region,) = tl.regions
    assert region.accepted_total == sent == len(ses_account.sent)
    usage = region.sent_last_24_hours

    def usage_at(seconds: float) -> int:
        return [v for t, v in usage if t <= seconds][-1]

    dailies = [t for t in ses_account.throttled if t.reason == "daily"]
    assert len(dailies) > 20
    for throttle in dailies:
        at = (throttle.time - tl.start).total_seconds()
        assert usage_at(at) == throttle.sent_last_24_hours
    assert usage_at(tl.end) == ses_account.quota()[2]
    assert tl.end == ses_account.clock.elapsed()
    assert region.max_24_hour_send == [(0.0, 25.0), (changed_at, 30.0)]
    assert region.max_send_rate == [(0.0, 1.0), (changed_at, 1.0)]
    assert sum(region.accepted.values()) == sum(len(m.recipients) for m in ses_account.sent)


@pytest.mark.ses_quota(profile="sandbox")
def test_timeline_counts_each_second_and_the_sleeps(ses_account, ses):
    send(ses, "a@example.com", "b@example.com")
    for _ in range(2):
        with pytest.raises(ClientError):
            send(ses, "c@example.com")
    ses_account.clock.sleep(2.5)
    send(ses, "c@example.com")
    tl = timeline(ses_account, "tests/t.py::test_x")
    (region,) = tl.regions
    assert region.accepted == {0: 2, 2: 1}
    assert region.throttled == {0: 2}
    assert region.throttled_daily == {}
    assert region.max_send_rate == [(0.0, 1.0)]
    assert region.sent_last_24_hours == [(0.0, 0), (0.0, 2), (2.5, 3)]
    assert tl.sleeps == [(0.0, 2.5)]
    assert tl.end == 2.5


def test_regions_are_the_main_one_first(ses_account):
    ses_account.quota("eu-west-1")
    ses_account.quota("ap-south-1")
    assert ses_account.regions() == ["us-east-1", "ap-south-1", "eu-west-1"]


def test_file_names_for_test_ids():
    assert _reporting.file_name("tests/test_x.py::test_a[1-b/c]", ".png") == (
        "tests_test_x.py__test_a_1-b_c.png"
    )
    long = _reporting.file_name("t.py::test_" + "x" * 300, ".txt")
    assert len(long) == 100 + 1 + 10 + 4 and re.fullmatch(r"t\.py__test_x+-[0-9a-f]{10}\.txt", long)
