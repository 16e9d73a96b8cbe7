"""Django's SMTP email backend, configured from the fixture, against the fake.

The backend is configured as applications do: ``settings.MAILERS`` on Django 6.1+,
``get_connection()`` with the same options before. Django builds its TLS context
with ``ssl.create_default_context()``, which trusts what ``SSL_CERT_FILE`` names:
pointing it at ``ses_smtp.ca_file`` makes Django verify the fake's certificate
(from Django 4.2 on) without any change to Django.
"""

from __future__ import annotations

import os
import smtplib
import ssl

import pytest

django = pytest.importorskip("django")
from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.mail.utils import DNS_NAME  # noqa: E402

RATE = (454, b"Throttling failure: Maximum sending rate exceeded.")


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def connection(ses_smtp, monkeypatch):
    """A function making Django SMTP connections to the fake (STARTTLS or implicit TLS)."""
    if not settings.configured:  # once per process; nothing here depends on settings
        settings.configure()
    monkeypatch.setenv("SSL_CERT_FILE", ses_smtp.ca_file)
    # Django asks the resolver for the local FQDN once; keep the test off the network.
    monkeypatch.setattr(DNS_NAME, "_fqdn", "client.test", raising=False)
    backends = []

    def connect(implicit_tls: bool = False, password: str | None = None):
        options = {
            "host": ses_smtp.host,
            "port": ses_smtp.tls_port if implicit_tls else ses_smtp.port,
            "username": ses_smtp.username,
            "password": ses_smtp.password if password is None else password,
            "use_tls": not implicit_tls,
            "use_ssl": implicit_tls,
            "timeout": 15,
        }
        if hasattr(mail, "mailers"):  # Django 6.1+: settings.MAILERS
            mailers = {"default": {"BACKEND": SMTP_BACKEND, "OPTIONS": options}}
            monkeypatch.setattr(settings, "MAILERS", mailers, raising=False)
            backend = mail.mailers["default"]
        else:
            backend = mail.get_connection(SMTP_BACKEND, **options)
        backends.append(backend)
        return backend

    yield connect
    # Django leaves the connection open when a message or a login is refused.
    for backend in backends:
        backend.close()


def send(connection, to=("a@example.com",)) -> int:
    message = mail.EmailMessage("Hello", "Hello there.", "app@example.com", list(to))
    return connection.send_messages([message])


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "tls"])
@pytest.mark.ses_quota(profile="sandbox")
def test_send_mail_then_rate_throttle(connection, ses_account, implicit_tls):
    assert send(connection(implicit_tls)) == 1
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(connection(implicit_tls))
    assert (err.value.smtp_code, err.value.smtp_error) == RATE
    (sent,) = ses_account.sent
    assert sent.transport == "smtp" and sent.subject == "Hello"
    assert sent.message.get_content().rstrip() == "Hello there."


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=200)
def test_daily_quota(connection):
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(connection())
    assert (err.value.smtp_code, err.value.smtp_error) == (
        454,
        b"Throttling failure: Daily message quota exceeded.",
    )


@pytest.mark.ses_quota(verified=["example.com"])
def test_unverified_recipient(connection, ses_account):
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(connection(), to=["a@example.com", "x@example.org"])
    assert err.value.smtp_code == 554
    assert err.value.smtp_error == (
        b"Message rejected: Email address is not verified. The following identities failed "
        b"the check in region US-EAST-1: x@example.org"
    )
    assert ses_account.rejected[0].recipients == ("a@example.com", "x@example.org")


def test_bad_credentials(connection):
    for implicit_tls in (False, True):
        with pytest.raises(smtplib.SMTPAuthenticationError) as err:
            send(connection(implicit_tls, password="not-the-password"))
        assert (err.value.smtp_code, err.value.smtp_error) == (
            535,
            b"Authentication Credentials Invalid",
        )


@pytest.mark.ses_quota(profile="production")
def test_one_connection_for_many_messages(connection, ses_account):
    messages = [
        mail.EmailMessage("Hi", "Hello.", "app@example.com", [f"r{n}@example.com"])
        for n in range(20)
    ]
    with pytest.raises(smtplib.SMTPDataError) as err:
        connection().send_messages(messages)  # 14 per second: the 15th is throttled
    assert (err.value.smtp_code, err.value.smtp_error) == RATE
    assert len(ses_account.sent) == 14 and len(ses_account.throttled) == 1


def test_django_verifies_the_fake_certificate(connection, monkeypatch, ses_account):
    monkeypatch.setenv("SSL_CERT_FILE", os.devnull)  # trust nothing
    for implicit_tls in (False, True):
        with pytest.raises(ssl.SSLCertVerificationError):
            send(connection(implicit_tls))
    assert ses_account.requests == []
