"""Page the on-call team by e-mail through Amazon SES's SMTP interface (smtplib).

Configured from the environment, as deployed: ``SMTP_HOST``, ``SMTP_PORT``,
``SMTP_USERNAME``, ``SMTP_PASSWORD``, ``ALERT_SENDER`` and ``SMTP_TLS``
(``starttls``, the default, or ``tls`` for an implicit-TLS port such as 465).
Certificates are verified against the system's trust store.

SES answers a throttled message *after* DATA, and smtplib raises
``SMTPDataError``. The two 454 replies need opposite reactions:

* ``454 Throttling failure: Maximum sending rate exceeded.`` passes within
  seconds: wait and send the same message again, as AWS recommends for 4xx
  replies (progressively longer waits).
* ``454 Throttling failure: Daily message quota exceeded.`` lasts for hours:
  stop and hand the undelivered recipients back, so nothing is dropped silently.

Any 5xx reply (unverified address, bad credentials) is final: retrying cannot help.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage

log = logging.getLogger(__name__)

DAILY_QUOTA = b"Throttling failure: Daily message quota exceeded."
#: Waits before each retry of a rate-throttled message, in seconds.
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    sender: str
    implicit_tls: bool = False

    @classmethod
    def from_env(cls) -> SmtpSettings:
        env = os.environ
        return cls(
            host=env["SMTP_HOST"],
            port=int(env["SMTP_PORT"]),
            username=env["SMTP_USERNAME"],
            password=env["SMTP_PASSWORD"],
            sender=env["ALERT_SENDER"],
            implicit_tls=env.get("SMTP_TLS", "starttls") == "tls",
        )


@dataclass
class PageResult:
    #: Recipients SES accepted an alert for.
    paged: list[str] = field(default_factory=list)
    #: Recipients not paged because the daily quota ran out: page them another way.
    deferred: list[str] = field(default_factory=list)
    #: recipient -> SES's reply, for recipients SES refused for good.
    failed: dict[str, str] = field(default_factory=dict)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.implicit_tls:
        client = smtplib.SMTP_SSL(settings.host, settings.port, context=context, timeout=30)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=30)
    try:
        if not settings.implicit_tls:
            client.starttls(context=context)
        client.login(settings.username, settings.password)
    except BaseException:
        client.close()  # a refused login must not leak the connection
        raise
    return client


def _alert(settings: SmtpSettings, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient
    message["Subject"] = f"[ALERT] {subject}"
    message.set_content(body)
    return message


def _send(client: smtplib.SMTP, message: EmailMessage) -> None:
    """Send one message, waiting and retrying while the send rate is exceeded."""
    for delay in (*RETRY_DELAYS, None):
        try:
            client.send_message(message)
            return
        except smtplib.SMTPDataError as error:
            if error.smtp_code != 454 or error.smtp_error == DAILY_QUOTA:
                raise
            if delay is None:
                raise
            log.info("SES throttled %s, retrying in %s s", message["To"], delay)
            time.sleep(delay)


def page(recipients: Iterable[str], subject: str, body: str) -> PageResult:
    """Send the alert to each recipient, one message each, on one connection."""
    settings = SmtpSettings.from_env()
    result = PageResult()
    pending = list(dict.fromkeys(recipients))
    with _connect(settings) as client:
        for index, recipient in enumerate(pending):
            try:
                _send(client, _alert(settings, recipient, subject, body))
            except smtplib.SMTPDataError as error:
                if error.smtp_error == DAILY_QUOTA:
                    result.deferred = pending[index:]
                    log.warning("SES daily quota reached: %d not paged", len(result.deferred))
                    break
                if error.smtp_code == 454:  # still throttled after every retry
                    result.deferred = pending[index:]
                    break
                result.failed[recipient] = f"{error.smtp_code} {error.smtp_error.decode()}"
            else:
                result.paged.append(recipient)
    return result
