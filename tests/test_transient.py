"""Seeded transient faults through every front door, dropped messages and retries,
read from real accounts (the pytest wiring is in test_ci_plugin.py)."""

from __future__ import annotations

import random
import smtplib
from email.message import EmailMessage

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import NO_RETRIES, send, send_v2

from pytest_sesquota import SesAccount
from pytest_sesquota.account.ledger import ThrottledSend
from pytest_sesquota.account.options import OptionsError
from pytest_sesquota.report.summary import Figures

TRANSIENT = "The request has failed due to a temporary failure of the server."


# -- the errors, door by door --------------------------------------------------------
@pytest.mark.ses_quota(profile="production", transient_failures=1)
def test_api_v1_answers_service_unavailable_503(ses):
    with pytest.raises(ClientError) as caught:
        send(ses, "a@example.com")
    response = caught.value.response
    assert response["Error"] == {
        "Type": "Receiver",
        "Code": "ServiceUnavailable",
        "Message": TRANSIENT,
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 503


@pytest.mark.ses_quota(profile="production", transient_failures=1)
def test_api_v2_answers_service_unavailable_503(sesv2, ses_account):
    with pytest.raises(ClientError) as caught:
        send_v2(sesv2, "a@example.com")
    assert caught.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert caught.value.response["Error"]["Message"] == TRANSIENT
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    [fault] = ses_account.faults
    assert (fault.code, fault.operation, fault.recipients) == (
        "ServiceUnavailable",
        "SendEmail",
        ("a@example.com",),
    )
    assert [r.status for r in ses_account.requests] == [503]


@pytest.mark.ses_quota(profile="production", transient_failures=0.5, seed=7)
def test_bulk_entries_fail_one_by_one(ses, sesv2, ses_account):
    ses.create_template(Template={"TemplateName": "t", "SubjectPart": "Hi", "TextPart": "x"})
    destinations = [{"Destination": {"ToAddresses": [f"r{i}@example.com"]}} for i in range(6)]
    v1 = ses.send_bulk_templated_email(
        Source="app@example.com", Template="t", DefaultTemplateData="{}", Destinations=destinations
    )["Status"]
    v2 = sesv2.send_bulk_email(
        FromEmailAddress="app@example.com",
        DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
        BulkEmailEntries=[
            {"Destination": {"ToAddresses": [f"s{i}@example.com"]}} for i in range(6)
        ],
    )["BulkEmailEntryResults"]
    assert {e["Status"] for e in v1} == {"Success", "TransientFailure"}
    assert {e["Status"] for e in v2} == {"SUCCESS", "TRANSIENT_FAILURE"}
    failed = [e for e in v1 + v2 if "FAILURE" in e["Status"].upper()]
    assert {e["Error"] for e in failed} == {TRANSIENT}
    assert [f.code for f in ses_account.faults] == [
        "TransientFailure" if f.operation == "SendBulkTemplatedEmail" else "TRANSIENT_FAILURE"
        for f in ses_account.faults
    ]
    assert len(ses_account.faults) == len(failed)
    assert len(ses_account.sent) == 12 - len(failed)


@pytest.mark.ses_quota(profile="production", transient_failures=1)
def test_smtp_answers_454_temporary_service_failure(ses_smtp, ses_account):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "app@example.com", "a@example.com", "Hi"
    msg.set_content("Hello.")
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port, timeout=15) as client:
        client.starttls(context=ses_smtp.ssl_context())
        client.login(ses_smtp.username, ses_smtp.password)
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.send_message(msg)
    assert (caught.value.smtp_code, caught.value.smtp_error) == (
        454,
        b"Temporary service failure",
    )
    [fault] = ses_account.faults
    assert (fault.code, fault.transport, fault.subject) == ("454", "smtp", "Hi")
    [dropped] = ses_account.dropped
    assert dropped.refusal is fault


# -- what faults do and do not count -----------------------------------------------
@pytest.mark.ses_quota(transient_failures=0.5, seed=11)
def test_faults_count_nothing_against_the_quotas(ses, ses_account):
    fates = ""
    for i in range(12):
        try:
            send(ses, f"r{i}@example.com")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ServiceUnavailable"
            fates += "x"  # at once again: a fault took no rate allowance
        else:
            fates += "."
            ses_account.clock.sleep(1)  # the 1/s sandbox rate allows the next one
    assert fates == "x..x..x...xx"  # seed 11, the same on every Python
    assert ses_account.throttled == []
    assert len(ses_account.faults) == fates.count("x")
    assert ses_account.quota() == (200.0, 1.0, float(fates.count(".")))
    attempts = sum(p["DeliveryAttempts"] for p in ses_account.send_statistics())
    assert attempts == fates.count(".")


def fates_with_seed(seed: int, noise: bool) -> str:
    with SesAccount(profile="production", transient_failures=0.3, seed=seed) as account:
        if noise:
            random.seed(0)
            random.random()
        client = boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)
        fates = ""
        for i in range(30):
            if noise:
                random.random()  # the test's own randomness takes nothing from the faults
            try:
                send(client, f"r{i}@example.com")
                fates += "."
            except ClientError:
                fates += "x"
        assert account.seed == seed
        return fates


def test_a_seed_replays_the_same_faults_whatever_else_uses_random():
    first = fates_with_seed(42, noise=False)
    assert first == fates_with_seed(42, noise=True)
    assert first != fates_with_seed(43, noise=False)
    assert 0 < first.count("x") < 30


def test_without_a_seed_one_is_picked_and_kept():
    with SesAccount(transient_failures=0.5) as account:
        assert isinstance(account.seed, int)
        assert account.seed == account.seed


@pytest.mark.ses_quota(profile="production", transient_failures=0.5, seed=1)
def test_botocore_retries_get_most_messages_through(ses_account):
    retrying = boto3.client(
        "ses",
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    for i in range(10):
        try:
            send(retrying, f"r{i}@example.com")
        except ClientError:
            pass
    figures = Figures.of(ses_account)
    # Every fault was followed by an attempt of the same message while attempts remained.
    assert figures.faults == len(ses_account.faults) > 0
    assert figures.retries == len(ses_account.faults) - figures.dropped
    assert figures.accepted + figures.dropped == 10
    assert [d.attempts for d in ses_account.dropped] == [3] * figures.dropped


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("transient_failures", 1.5, "expected a probability from 0 to 1"),
        ("transient_failures", "0.1", "expected a probability from 0 to 1"),
        ("seed", -1, "expected a whole number >= 0"),
        ("seed", 1.5, "expected a whole number >= 0"),
        ("budget", {"requests": -1}, "budget['requests']=-1 is not valid; expected a number >= 0"),
        ("budget", [1], "expected a dict such as"),
        ("fail_on_dropped", "yes", "expected True or False"),
    ],
)
def test_bad_values_name_what_is_expected(key, value, expected):
    with pytest.raises(OptionsError, match=expected.replace("[", r"\[").replace("(", r"\(")):
        SesAccount(**{key: value})


# -- dropped messages ------------------------------------------------------------------
@pytest.mark.ses_quota(profile="sandbox")
def test_dropped_lists_messages_refused_and_never_accepted_later(ses, ses_account):
    send(ses, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "b@example.com")  # throttled, then sent again below: not dropped
    with pytest.raises(ClientError):
        send(ses, "c@example.com")  # throttled twice, never sent again: dropped
    with pytest.raises(ClientError):
        send(ses, "c@example.com")
    ses_account.clock.sleep(1)
    send(ses, "b@example.com")
    [dropped] = ses_account.dropped
    assert dropped.recipients == ("c@example.com",)
    assert dropped.attempts == 2
    assert dropped.subject == "Hello"
    assert isinstance(dropped.refusal, ThrottledSend)
    assert dropped.refusal is ses_account.throttled[-1]


@pytest.mark.ses_quota(profile="sandbox")
def test_another_subject_is_another_message(ses, ses_account):
    send(ses, "a@example.com")
    with pytest.raises(ClientError):
        send(ses, "b@example.com")
    ses_account.clock.sleep(1)
    ses.send_email(
        Source="app@example.com",
        Destination={"ToAddresses": ["B@Example.com"]},  # the same recipient
        Message={"Subject": {"Data": "Other"}, "Body": {"Text": {"Data": "Hi there"}}},
    )
    assert [d.recipients for d in ses_account.dropped] == [("b@example.com",)]


def raw(message_id: str, date: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "app@example.com", "b@example.com", "Report"
    msg["Message-ID"], msg["Date"] = message_id, date
    msg.set_content("Numbers.")
    msg.add_alternative("<p>Numbers.</p>", subtype="html")  # a new boundary each time
    return msg.as_bytes()


@pytest.mark.ses_quota(profile="sandbox")
def test_raw_messages_compare_by_headers_and_body_not_message_id_or_date(ses, ses_account):
    send(ses, "a@example.com")

    def send_raw(data: bytes) -> None:
        ses.send_raw_email(Source="app@example.com", RawMessage={"Data": data})

    with pytest.raises(ClientError):
        send_raw(raw("<1@app>", "Thu, 01 Jan 2026 00:00:00 +0000"))
    ses_account.clock.sleep(1)
    send_raw(raw("<2@app>", "Thu, 01 Jan 2026 00:00:01 +0000"))  # the same message, resent
    assert ses_account.dropped == []
    assert Figures.of(ses_account).retries == 1
    with pytest.raises(ClientError):
        send_raw(raw("<3@app>", "Thu, 01 Jan 2026 00:00:01 +0000"))  # throttled
    ses_account.clock.sleep(1)
    send_raw(raw("<4@app>", "x").replace(b"Numbers.", b"Other numbers."))  # another body
    [dropped] = ses_account.dropped
    assert dropped.refusal is ses_account.throttled[-1]


def test_a_saved_account_keeps_its_faults(tmp_path):
    from pytest_sesquota.account.account import Account
    from pytest_sesquota.account.ledger import SendRefused, SesRequest
    from pytest_sesquota.serve.store import Store

    account = Account(profile="production", transient_failures=1)
    with account.recording() as decided:
        with pytest.raises(SendRefused):
            account.send(
                region=None, operation="SendEmail", source="a@x.org", recipients=["b@x.org"]
            )
    account.log_request(
        SesRequest(account.clock.now(), "us-east-1", "ses", "SendEmail", 503, outcomes=(*decided,))
    )
    saving = Store(tmp_path / "state.db")
    saving.save(account)
    saving.close()
    again = Account(profile="production")
    loading = Store(tmp_path / "state.db")
    loading.load(again)
    loading.close()
    assert again.faults == account.faults
    assert again.requests[0].outcomes == (account.faults[0],)
