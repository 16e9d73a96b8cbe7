"""The alert mailer's retry-on-454 logic, against SES's SMTP interface faked on loopback.

``ses_smtp`` is a real SMTP server on 127.0.0.1 that answers like
``email-smtp.us-east-1.amazonaws.com``; the application connects to it with its
own, unchanged smtplib code, configured from the environment as in production.
It verifies the server's certificate against the trust store that
``SSL_CERT_FILE`` names. ``time.sleep`` is virtual: the back-off waits take no
real time, and the assertions read the virtual clock.
"""

from __future__ import annotations

import smtplib

import pytest
from pytest_sesquota import SesAccount, SesSmtpServer

from smtp_alerts import mailer


@pytest.fixture(autouse=True)
def smtp_env(ses_smtp: SesSmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the application at the fake, exactly as a deployment would."""
    monkeypatch.setenv("SMTP_HOST", ses_smtp.host)
    monkeypatch.setenv("SMTP_PORT", str(ses_smtp.port))
    monkeypatch.setenv("SMTP_USERNAME", ses_smtp.username)
    monkeypatch.setenv("SMTP_PASSWORD", ses_smtp.password)
    monkeypatch.setenv("ALERT_SENDER", "alerts@example.com")
    monkeypatch.setenv("SSL_CERT_FILE", ses_smtp.ca_file)  # trust the fake's CA


ON_CALL = ["ann@example.com", "bob@example.com", "cy@example.com", "dee@example.com"]


@pytest.mark.ses_quota(profile="sandbox")  # 1 recipient per second
def test_a_burst_is_throttled_and_every_engineer_is_paged_once(
    ses_account: SesAccount,
) -> None:
    result = mailer.page(ON_CALL, "db01 is down", "Replica lag 900 s.")

    assert result.paged == ON_CALL and result.deferred == [] and result.failed == {}
    assert [m.recipients for m in ses_account.sent] == [(r,) for r in ON_CALL]
    assert {m.subject for m in ses_account.sent} == {"[ALERT] db01 is down"}
    # Each later alert found the bucket empty: 454, a 1 s wait, then accepted.
    assert [t.recipients[0] for t in ses_account.throttled] == ON_CALL[1:]
    assert {t.reason for t in ses_account.throttled} == {"rate"}
    assert ses_account.clock.sleeps == [1.0, 1.0, 1.0]
    assert [r.status for r in ses_account.requests] == [250, 454, 250, 454, 250, 454, 250]


@pytest.mark.ses_quota(profile="sandbox", max_send_rate=0.1, burst=1)  # one every 10 s
def test_backoff_grows_until_the_rate_allows_the_message(ses_account: SesAccount) -> None:
    result = mailer.page(ON_CALL[:2], "disk full", "/var is at 100%.")

    assert result.paged == ON_CALL[:2]
    # 1 + 2 + 5 = 8 s is not enough for a 10 s refill; the fourth wait (10 s) is.
    assert ses_account.clock.sleeps == [1.0, 2.0, 5.0, 10.0]
    assert len(ses_account.throttled) == 4


@pytest.mark.ses_quota(profile="sandbox", max_send_rate=0.01, burst=1)  # one every 100 s
def test_gives_up_after_the_last_retry_and_defers_the_rest(ses_account: SesAccount) -> None:
    result = mailer.page(ON_CALL, "cpu", "Load 40.")

    assert result.paged == ON_CALL[:1]
    assert result.deferred == ON_CALL[1:]
    assert ses_account.clock.sleeps == list(mailer.RETRY_DELAYS)
    assert len(ses_account.throttled) == len(mailer.RETRY_DELAYS) + 1


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=198)
def test_daily_quota_is_not_retried(ses_account: SesAccount) -> None:
    result = mailer.page(ON_CALL, "api 5xx", "Error rate 30%.")

    # 198 + 2 = 200: two pages, then the quota is gone for hours; no waiting.
    assert result.paged == ON_CALL[:2]
    assert result.deferred == ON_CALL[2:]
    assert ses_account.throttled[-1].reason == "daily"
    assert ses_account.clock.sleeps == [1.0]  # the rate wait before the second page only
    assert ses_account.quota() == (200, 1, 200)


@pytest.mark.ses_quota(profile="sandbox", verified=["alerts@example.com", "example.com"])
def test_unverified_recipient_fails_without_retry(ses_account: SesAccount) -> None:
    result = mailer.page(["ann@example.com", "eve@elsewhere.test"], "x", "y")

    assert result.paged == ["ann@example.com"]
    assert result.failed == {
        "eve@elsewhere.test": "554 Message rejected: Email address is not verified. The "
        "following identities failed the check in region US-EAST-1: eve@elsewhere.test"
    }
    assert [r.reason for r in ses_account.rejected] == ["unverified"]


@pytest.mark.ses_quota(profile="production")
def test_implicit_tls_port(
    ses_smtp: SesSmtpServer, ses_account: SesAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PORT", str(ses_smtp.tls_port))
    monkeypatch.setenv("SMTP_TLS", "tls")

    assert mailer.page(ON_CALL, "ok", "All good.").paged == ON_CALL
    assert len(ses_account.sent) == 4 and ses_account.throttled == []


def test_wrong_password_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "not-it")

    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        mailer.page(ON_CALL, "x", "y")
    assert err.value.args == (535, b"Authentication Credentials Invalid")
