from __future__ import annotations

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from pytest_sesquota.account.book import Ledger
from pytest_sesquota.account.ledger import SesRequest, ThrottledSend, address_of

from .conftest import START


def throttled(subject: str) -> ThrottledSend:
    return ThrottledSend(
        START, "us-east-1", "SendEmail", "rate", "a@x.org", ("b@x.org",), 0.0, 0, 200.0, 1.0,
        content={"subject": subject},
    )  # fmt: skip


def test_entries_go_to_their_list_and_to_the_request_being_answered(make_parts):
    parts = make_parts()
    ledger = parts.add(Ledger(parts.context))
    seen: list[SesRequest] = []
    ledger.on_request(seen.append)
    with ledger.recording() as outcomes:
        ledger.enter(throttled("hi"))
        ledger.reject(
            region=None, operation="SendEmail", reason="unverified", code="MessageRejected",
            message="no", source="a@x.org", recipients=["b@x.org"],
        )  # fmt: skip
    assert [type(o).__name__ for o in outcomes] == ["ThrottledSend", "RejectedSend"]
    ledger.enter(throttled("hi"))  # outside a request: recorded, not an outcome
    assert (len(ledger.throttled), len(ledger.rejected), len(outcomes)) == (2, 1, 2)
    request = SesRequest(START, "us-east-1", "ses", "SendEmail", 400, outcomes=tuple(outcomes))
    ledger.log_request(request)
    assert ledger.requests == seen == [request]
    [dropped] = ledger.dropped
    assert (dropped.attempts, dropped.subject) == (2, "hi")


def test_message_ids_go_on_after_a_loaded_ledger(make_parts):
    parts = make_parts()
    ledger = parts.add(Ledger(parts.context))
    assert ledger.new_message_id().endswith("-000001")
    ledger.number_ids_after(41)
    assert ledger.new_message_id().endswith("-000042")


@given(
    st.text(alphabet="ab.@-_+!#$%&*/=?^`{|}~'Z9 <>\"(),;:[]\\", max_size=12)
    | st.emails()
    | st.builds(lambda n, a: f"{n} <{a}>", st.text(max_size=6), st.emails())
)
def test_address_of_is_parseaddr_s_answer(text):
    # The fast path for a bare address answers what email.utils.parseaddr would.
    assert address_of(text) == (email.utils.parseaddr(text)[1].lower() or text.strip().lower())
