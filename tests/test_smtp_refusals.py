"""SMTP refusals before DATA are requests of the SES conversation too: logged through the
answering step every door shares, with no message behind them."""

from __future__ import annotations

import smtplib

import pytest

from pytest_sesquota import SesAccount, SesSmtpServer


def requests_of(account: SesAccount) -> list[tuple[str, str, int, str | None, str | None]]:
    return [(r.api, r.operation, r.status, r.error_code, r.error_message) for r in account.requests]


def test_refusals_before_data_are_logged_as_requests():
    with SesAccount(profile="production") as account, SesSmtpServer(account) as server:
        with smtplib.SMTP(server.host, server.port, "client.test", 15) as client:
            client.ehlo()
            assert client.docmd("AUTH", "LOGIN") == (530, b"Must issue a STARTTLS command first")
            client.starttls(context=server.ssl_context())
            client.ehlo()
            assert client.docmd("MAIL", "FROM:<app@example.com>") == (
                530,
                b"Authentication required",
            )
            with pytest.raises(smtplib.SMTPAuthenticationError) as err:
                client.login(server.username, "not the password")
            assert err.value.smtp_code == 535
            client.login(server.username, server.password)
            assert client.docmd("MAIL", "FROM:<>") == (501, b"Invalid MAIL FROM address provided")
            assert client.docmd("MAIL", "FROM:<app@example.com>")[0] == 250
            assert client.docmd("RCPT", "TO:<nobody>") == (553, b"<nobody> Invalid email address")
            assert client.docmd("RCPT", "TO:<a@example.com>")[0] == 250
            assert client.docmd("DATA")[0] == 354
            client.send(b"Subject: hi\r\n\r\nHello.\r\n.\r\n")
            assert client.getreply()[0] == 250
    assert requests_of(account) == [
        ("smtp", "STARTTLS", 530, "530", "Must issue a STARTTLS command first"),
        ("smtp", "MAIL", 530, "530", "Authentication required"),
        # smtplib tries AUTH PLAIN, then AUTH LOGIN
        ("smtp", "AUTH", 535, "535", "Authentication Credentials Invalid"),
        ("smtp", "AUTH", 535, "535", "Authentication Credentials Invalid"),
        ("smtp", "MAIL", 501, "501", "Invalid MAIL FROM address provided"),
        ("smtp", "RCPT", 553, "553", "<nobody> Invalid email address"),
        ("smtp", "DATA", 250, None, None),
    ]
    assert [r.outcomes for r in account.requests[:-1]] == [()] * 6
    assert (len(account.sent), account.rejected) == (1, [])


def test_the_failure_report_shows_them(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import smtplib
        import pytest

        def test_wrong_password(ses_smtp):
            with smtplib.SMTP(ses_smtp.host, ses_smtp.port, "client.test", 15) as client:
                client.starttls(context=ses_smtp.ssl_context())
                client.login(ses_smtp.username, "wrong")
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- SES conversation -*",
            "+0.000s us-east-1 smtp:AUTH failed 535: Authentication Credentials Invalid",
        ],
        consecutive=False,
    )
