"""The account-level suppression list: SES v2's four operations with the model's errors,
and sends to a suppressed address (accepted, counted, not delivered)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from conftest import send, send_v2
from test_smtp import email, starttls_client

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import Account
from pytest_sesquota.report.conversation import describe_outcome
from pytest_sesquota.serve.store import Store

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def error_of(excinfo):
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def listed(sesv2, **kwargs):
    return [
        (s["EmailAddress"], s["Reason"])
        for s in sesv2.list_suppressed_destinations(**kwargs)["SuppressedDestinationSummaries"]
    ]


@pytest.mark.ses_quota(profile="production")
def test_put_get_list_delete(ses_account, sesv2):
    sesv2.put_suppressed_destination(EmailAddress="Gone@Example.com", Reason="BOUNCE")
    ses_account.clock.advance(minutes=5)
    sesv2.put_suppressed_destination(EmailAddress="angry@example.com", Reason="COMPLAINT")
    found = sesv2.get_suppressed_destination(EmailAddress="gone@example.com")
    assert found["SuppressedDestination"] == {
        "EmailAddress": "Gone@Example.com",
        "Reason": "BOUNCE",
        "LastUpdateTime": START,
    }
    assert listed(sesv2) == [("Gone@Example.com", "BOUNCE"), ("angry@example.com", "COMPLAINT")]
    # Putting an address again replaces its reason and time.
    sesv2.put_suppressed_destination(EmailAddress="gone@example.com", Reason="COMPLAINT")
    (entry,) = ses_account.suppressed("GONE@example.com")
    assert (entry.reason, entry.last_update_time) == ("COMPLAINT", START + timedelta(minutes=5))
    sesv2.delete_suppressed_destination(EmailAddress="gone@example.com")
    assert [e.email_address for e in ses_account.suppressed()] == ["angry@example.com"]
    assert [(r.operation, r.status) for r in ses_account.requests] == [
        ("PutSuppressedDestination", 200),
        ("PutSuppressedDestination", 200),
        ("GetSuppressedDestination", 200),
        ("ListSuppressedDestinations", 200),
        ("PutSuppressedDestination", 200),
        ("DeleteSuppressedDestination", 200),
    ]


def test_a_missing_entry_is_not_found(ses_account, sesv2):
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        sesv2.get_suppressed_destination(EmailAddress="nobody@example.com")
    assert error_of(err) == (
        "NotFoundException",
        404,
        "Email address nobody@example.com does not exist on your suppression list.",
    )
    with pytest.raises(sesv2.exceptions.NotFoundException) as err:
        sesv2.delete_suppressed_destination(EmailAddress="nobody@example.com")
    assert error_of(err)[:2] == ("NotFoundException", 404)


@pytest.mark.ses_quota(profile="production")
def test_bad_input(ses_account, sesv2):
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.put_suppressed_destination(EmailAddress="a@example.com", Reason="SPAM")
    assert error_of(err) == (
        "BadRequestException",
        400,
        "1 validation error detected: Value 'SPAM' at 'reason' failed to satisfy constraint: "
        "Member must satisfy enum value set: [BOUNCE, COMPLAINT]",
    )
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.put_suppressed_destination(EmailAddress="not-an-address", Reason="BOUNCE")
    assert error_of(err) == ("BadRequestException", 400, "Missing final '@domain'")
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.put_suppressed_destination(EmailAddress="", Reason="BOUNCE")
    assert error_of(err) == ("BadRequestException", 400, "Invalid email address .")
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.list_suppressed_destinations(Reasons=["SPAM"])
    assert error_of(err)[2].startswith("1 validation error detected: Value 'SPAM' at 'reasons'")
    with pytest.raises(sesv2.exceptions.InvalidNextTokenException) as err:
        sesv2.list_suppressed_destinations(NextToken="garbage!")
    assert error_of(err) == ("InvalidNextTokenException", 400, "Invalid NextToken.")
    with pytest.raises(sesv2.exceptions.BadRequestException) as err:
        sesv2.list_suppressed_destinations(PageSize=0)
    assert error_of(err) == ("BadRequestException", 400, "PageSize must be greater than 0.")
    assert ses_account.suppressed() == []


@pytest.mark.ses_quota(profile="production")
def test_list_filters_by_reason_and_date_and_pages(ses_account, sesv2):
    for n in range(5):
        reason = "BOUNCE" if n % 2 == 0 else "COMPLAINT"
        sesv2.put_suppressed_destination(EmailAddress=f"r{n}@example.com", Reason=reason)
        ses_account.clock.advance(hours=1)
    assert listed(sesv2, Reasons=["COMPLAINT"]) == [
        ("r1@example.com", "COMPLAINT"),
        ("r3@example.com", "COMPLAINT"),
    ]
    assert len(listed(sesv2, Reasons=["BOUNCE", "COMPLAINT"])) == 5
    # Dates are inclusive, on the time each address was put.
    window = {"StartDate": START + timedelta(hours=1), "EndDate": START + timedelta(hours=3)}
    assert [a for a, _r in listed(sesv2, **window)] == [
        "r1@example.com",
        "r2@example.com",
        "r3@example.com",
    ]
    page = sesv2.list_suppressed_destinations(PageSize=2)
    pages = [[s["EmailAddress"] for s in page["SuppressedDestinationSummaries"]]]
    while "NextToken" in page:
        page = sesv2.list_suppressed_destinations(PageSize=2, NextToken=page["NextToken"])
        pages.append([s["EmailAddress"] for s in page["SuppressedDestinationSummaries"]])
    assert pages == [
        ["r0@example.com", "r1@example.com"],
        ["r2@example.com", "r3@example.com"],
        ["r4@example.com"],
    ]


def test_put_is_refused_in_the_sandbox(ses_account, sesv2):
    # "you can't use the PutSuppressedDestination or CreateImportJob operation until your
    # account is removed from the sandbox" (the suppression-list guide)
    with pytest.raises(sesv2.exceptions.BadRequestException) as error:
        sesv2.put_suppressed_destination(EmailAddress="gone@example.com", Reason="BOUNCE")
    assert error_of(error) == (
        "BadRequestException",
        400,
        "PutSuppressedDestination is not available while your account is in the sandbox in "
        "us-east-1; it can be used once the account has production access.",
    )
    assert ses_account.suppressed() == []
    # Reading and removing are not refused; production access lifts the refusal.
    assert listed(sesv2) == []
    ses_account.move_out_of_sandbox()
    sesv2.put_suppressed_destination(EmailAddress="gone@example.com", Reason="BOUNCE")
    assert listed(sesv2) == [("gone@example.com", "BOUNCE")]


def test_per_region(ses_account):
    ses_account.suppress("a@example.com", region="eu-west-1")
    assert ses_account.suppressed() == []
    assert [e.email_address for e in ses_account.suppressed(region="eu-west-1")] == [
        "a@example.com"
    ]


@pytest.mark.ses_quota(profile="production")
def test_a_send_to_a_suppressed_address_is_accepted_counted_and_not_delivered(
    ses_account, ses, sesv2
):
    ses_account.suppress("gone@example.com")
    v1 = send(ses, "Gone <GONE@example.com>", "here@example.com")
    v2 = send_v2(sesv2, "gone@example.com")
    assert [m.message_id for m in ses_account.sent] == [v1["MessageId"], v2["MessageId"]]
    first, second = ses_account.sent
    assert (first.suppressed, first.delivered) == (
        ("Gone <GONE@example.com>",),
        ("here@example.com",),
    )
    assert (second.suppressed, second.delivered) == (("gone@example.com",), ())
    # Counted toward the quotas, but never attempted: no delivery, no bounce.
    assert ses.get_send_quota()["SentLast24Hours"] == 3.0
    (point,) = ses.get_send_statistics()["SendDataPoints"]
    assert (point["DeliveryAttempts"], point["Bounces"], point["Complaints"]) == (1, 0, 0)


@pytest.mark.ses_quota(profile="production")
def test_over_smtp_and_after_removal(ses_smtp, ses_account, sesv2):
    sesv2.put_suppressed_destination(EmailAddress="gone@example.com", Reason="COMPLAINT")
    with starttls_client(ses_smtp) as client:
        client.sendmail("app@example.com", ["gone@example.com"], email().as_bytes())
        sesv2.delete_suppressed_destination(EmailAddress="gone@example.com")
        client.sendmail("app@example.com", ["gone@example.com"], email().as_bytes())
    assert [m.suppressed for m in ses_account.sent] == [("gone@example.com",), ()]
    assert ses_account.quota()[2] == 2.0


def test_suppress_checks_its_arguments():
    account = SesAccount()
    with pytest.raises(ValueError, match="valid reasons: 'BOUNCE', 'COMPLAINT'"):
        account.suppress("a@example.com", reason="SPAM")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an email address"):
        account.suppress("nobody")
    with pytest.raises(TypeError, match="at least one address"):
        account.suppress()
    assert account.unsuppress("a@example.com") is False


def test_a_suppressed_simulator_address_is_suppressed_not_bounced(ses_account, ses):
    ses_account.suppress("bounce@simulator.amazonses.com")
    send(ses, "bounce@simulator.amazonses.com")
    (sent,) = ses_account.sent
    assert (sent.suppressed, sent.bounced) == (("bounce@simulator.amazonses.com",), ())
    assert ses.get_send_statistics()["SendDataPoints"] == []


def test_the_list_and_the_fates_survive_a_state_file(tmp_path):
    first = Account(profile="production")
    first.suppress("gone@example.com", reason="COMPLAINT")
    first.send(
        region=None,
        operation="SendEmail",
        source="app@example.com",
        recipients=["gone@example.com", "bounce@simulator.amazonses.com"],
    )
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(first)
        second = Account(profile="production")
        store.load(second)
    finally:
        store.close()
    assert second.suppressed() == first.suppressed()
    (sent,) = second.sent
    assert (sent.suppressed, sent.bounced) == (
        ("gone@example.com",),
        ("bounce@simulator.amazonses.com",),
    )


def test_the_failure_report_says_who_was_not_delivered():
    account = Account(profile="production")
    account.suppress("gone@example.com")
    message = account.send(
        region=None,
        operation="SendEmail",
        source="app@example.com",
        recipients=["gone@example.com", "complaint@simulator.amazonses.com", "x@example.com"],
    )
    assert describe_outcome(message) == (
        "app@example.com → gone@example.com, complaint@simulator.amazonses.com +1 more (3 rcpt) "
        f"accepted {message.message_id} "
        "(suppressed gone@example.com; complained complaint@simulator.amazonses.com)"
    )
