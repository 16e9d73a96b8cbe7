"""Amazon SNS as far as SES's events need it: an HTTP endpoint on loopback (an
application's own bounce webhook) subscribed to a topic SES publishes to gets SNS's POSTs
— the subscription confirmation, then each notification — with SNS's headers, body and
signature (SignatureVersion 1, RSA over SHA1, its certificate answered at the
``SigningCertURL`` for ``requests``, as django-ses fetches it).

The endpoint confirms as SNS expects (fetching the ``SubscribeURL`` with ``requests``, or
calling ConfirmSubscription through boto3, as Anymail does): those calls are answered
here, never sent. Until it confirms, nothing is delivered, as with SNS. A test may also
subscribe a callable (a Django test client's ``post``, say) instead of a URL.
"""

from __future__ import annotations

__all__ = ["CERT_NAME", "Sns", "SnsPost", "Subscription", "answer_sns", "signing_certificate"]

import base64
import functools
import hashlib
import http.client
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..account.event_records import Publication, iso
from .guard import is_loopback

#: SNS's Subject for event publishing's notifications (captured); identity
#: notifications have none.
EVENT_SUBJECT = "Amazon SES Email Event Notification"
#: How long a webhook may take to answer a POST (real seconds).
POST_TIMEOUT = 15.0
_USER_AGENT = "Amazon Simple Notification Service Agent"
Endpoint = str | Callable[["SnsPost"], object]


@functools.lru_cache(maxsize=1)
def _key_and_certificate() -> tuple[Any, bytes]:
    """A signing key and its self-signed certificate, made once per process (~0.1 s)."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM)


def signing_certificate() -> bytes:
    """The PEM certificate SNS's signatures here verify with."""
    return _key_and_certificate()[1]


#: The certificate's name at ``https://sns.<region>.amazonaws.com/``, as SNS names its own.
CERT_NAME = f"SimpleNotificationService-{hashlib.sha256(b'sesquota').hexdigest()[:32]}.pem"
_SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}


def _sign(body: dict[str, Any], certificate_url: str) -> None:
    """SNS's SignatureVersion 1: SHA1withRSA over ``Name\\nValue\\n`` of the signed fields."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    text = "".join(f"{k}\n{body[k]}\n" for k in _SIGNED[body["Type"]] if body.get(k) is not None)
    key = _key_and_certificate()[0]
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA1())
    body["SignatureVersion"] = "1"
    body["Signature"] = base64.b64encode(signature).decode()
    body["SigningCertURL"] = certificate_url


@dataclass
class SnsPost:
    """One POST SNS made to an endpoint, and how it was answered."""

    url: str
    headers: dict[str, str]
    body: bytes
    #: The endpoint's HTTP status (a callable's: what it returned, 200 by default).
    status: int | None = None
    error: str | None = None

    @property
    def message(self) -> dict[str, Any]:
        """The POST's JSON body: ``Type``, ``Message``, ``TopicArn``, ``Signature``..."""
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class Subscription:
    """An endpoint subscribed to a topic (``ses_account.subscribe``)."""

    topic_arn: str
    endpoint: Endpoint
    arn: str
    token: str
    raw: bool = False
    confirmed: bool = False
    #: Every POST made to it, the confirmation first.
    posts: list[SnsPost] = field(default_factory=list)

    @property
    def notifications(self) -> list[dict[str, Any]]:
        """SES's documents it received (each notification's ``Message``, parsed)."""
        found = []
        for post in self.posts:
            if post.headers.get("x-amz-sns-message-type") == "Notification":
                text = post.body if self.raw else post.message["Message"]
                found.append(json.loads(text))
        return found

    def confirm(self) -> None:
        """Confirm it as the endpoint's owner would (the console, say)."""
        self.confirmed = True


class Sns:
    """The topics one account publishes to, and their subscribed endpoints.

    ``base_url``: where the endpoints reach SNS's own URLs (the certificate, the
    SubscribeURL) when they are not in this process, behind its doors: a server's address
    (``sesquota serve``), whose control API answers them under ``/_sesquota/sns``;
    ``defer``: how the confirmation waits until the server's turn is over; ``keep_posts``:
    how many of each subscription's newest POSTs are kept (``None``: all; a server that
    runs for days keeps as many as its ledger keeps items).
    """

    def __init__(
        self,
        base_url: Callable[[], str] | None = None,
        defer: Callable[[Callable[[], object]], object] | None = None,
        keep_posts: int | None = None,
    ) -> None:
        self.keep_posts = keep_posts
        self.subscriptions: list[Subscription] = []
        self._lock = threading.Lock()
        self._base_url = base_url
        # How a confirmation POST waits for a server's turn to end (the endpoint fetches
        # its SubscribeURL from that server while it is being POSTed to).
        self._defer = defer

    def _sns_url(self, region: str) -> str:
        if self._base_url is not None:
            return f"{self._base_url()}/_sesquota/sns/"
        return f"https://sns.{region}.amazonaws.com/"

    def _url(self, subscription: Subscription, action: str, **params: str) -> str:
        from urllib.parse import urlencode

        query = urlencode({"Action": action, **params})
        return f"{self._sns_url(_region(subscription.topic_arn))}?{query}"

    def subscribe(
        self, topic_arn: str, endpoint: Endpoint, *, confirmed: bool = False, raw: bool = False
    ) -> Subscription:
        parts = topic_arn.split(":")
        if len(parts) != 6 or parts[:3] != ["arn", "aws", "sns"]:
            raise ValueError(f"subscribe({topic_arn!r}): not an SNS topic ARN")
        if isinstance(endpoint, str):
            url = urlsplit(endpoint)
            if url.scheme not in ("http", "https") or not is_loopback(url.hostname):
                raise ValueError(
                    f"subscribe(endpoint={endpoint!r}): an http(s) URL on loopback "
                    "(127.0.0.1, ::1, localhost); nothing here reaches the network"
                )
        elif not callable(endpoint):
            raise TypeError(f"subscribe(endpoint={endpoint!r}): a URL or a callable")
        subscription = Subscription(
            topic_arn, endpoint, f"{topic_arn}:{uuid.uuid4()}", uuid.uuid4().hex * 2, raw, confirmed
        )
        with self._lock:
            self.subscriptions.append(subscription)
        if not confirmed:
            if self._defer is None:
                self._confirmation(subscription)
            else:
                self._defer(lambda: self._confirmation(subscription))
        return subscription

    # -- what SNS sends -----------------------------------------------------------------
    def __call__(self, publication: Publication) -> str | None:
        """Deliver an SES publication to the topic's confirmed endpoints."""
        if publication.kind != "sns":
            return None
        with self._lock:
            found = [
                s for s in self.subscriptions if s.topic_arn == publication.target and s.confirmed
            ]
        if not found:
            return None
        message = json.dumps(publication.message, separators=(",", ":"))
        subject = None if publication.notification else EVENT_SUBJECT
        at = iso(publication.event.time)
        for subscription in found:
            body: dict[str, Any] = {
                "Type": "Notification",
                "MessageId": str(uuid.uuid4()),
                "TopicArn": subscription.topic_arn,
                "Subject": subject,
                "Message": message,
                "Timestamp": at,
            }
            region = _region(subscription.topic_arn)
            _sign(body, self._sns_url(region) + CERT_NAME)
            unsubscribe = self._url(subscription, "Unsubscribe", SubscriptionArn=subscription.arn)
            body["UnsubscribeURL"] = unsubscribe
            if subject is None:
                del body["Subject"]
            payload = message.encode() if subscription.raw else json.dumps(body).encode()
            self._post(subscription, "Notification", body["MessageId"], payload)
        return None

    def _confirmation(self, subscription: Subscription) -> None:
        topic = subscription.topic_arn
        body: dict[str, Any] = {
            "Type": "SubscriptionConfirmation",
            "MessageId": str(uuid.uuid4()),
            "Token": subscription.token,
            "TopicArn": topic,
            "Message": f"You have chosen to subscribe to the topic {topic}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": self._url(
                subscription, "ConfirmSubscription", TopicArn=topic, Token=subscription.token
            ),
            "Timestamp": iso(_now()),
        }
        _sign(body, self._sns_url(_region(topic)) + CERT_NAME)
        payload = json.dumps(body).encode()
        self._post(subscription, "SubscriptionConfirmation", body["MessageId"], payload)

    def _post(self, subscription: Subscription, kind: str, message_id: str, payload: bytes) -> None:
        headers = {
            "x-amz-sns-message-type": kind,
            "x-amz-sns-message-id": message_id,
            "x-amz-sns-topic-arn": subscription.topic_arn,
            "Content-Type": "text/plain; charset=UTF-8",
            "User-Agent": _USER_AGENT,
        }
        if kind == "Notification":
            headers["x-amz-sns-subscription-arn"] = subscription.arn
        endpoint = subscription.endpoint
        post = SnsPost(endpoint if isinstance(endpoint, str) else repr(endpoint), headers, payload)
        posts = subscription.posts
        posts.append(post)
        keep = self.keep_posts
        if keep is not None and len(posts) > keep + max(keep // 8, 1):
            del posts[: len(posts) - keep]  # in batches, as the ledger is cut
        if callable(endpoint):
            answer = endpoint(post)
            post.status = answer if isinstance(answer, int) else getattr(answer, "status_code", 200)
            return
        try:
            post.status = _http_post(endpoint, headers, payload)
        except OSError as error:
            post.error = f"{type(error).__name__}: {error}"

    # -- what SNS answers -----------------------------------------------------------------
    def confirm(self, topic_arn: str, token: str) -> Subscription | None:
        """ConfirmSubscription: the subscription with that token, now confirmed."""
        with self._lock:
            for subscription in self.subscriptions:
                if subscription.token == token and subscription.topic_arn == topic_arn:
                    subscription.confirmed = True
                    return subscription
        return None


def answer_sns(sns: Sns | None, method: str, url: str) -> tuple[int, dict[str, str], bytes] | None:
    """SNS's answer to a request the subscriptions' endpoints make (fetching the
    signing certificate, confirming by the SubscribeURL), or ``None``: not ours."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    served = parts.path.startswith("/_sesquota/sns/")  # a server's own (``Sns(base_url)``)
    sns_host = host.startswith("sns.") and host.endswith(".amazonaws.com")
    if not (served or sns_host) or method != "GET":
        return None
    if parts.path.rpartition("/")[2] == CERT_NAME:
        return 200, {"Content-Type": "application/x-pem-file"}, signing_certificate()
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if sns is None or query.get("Action") != "ConfirmSubscription":
        return None
    found = sns.confirm(query.get("TopicArn", ""), query.get("Token", ""))
    if found is None:
        return None
    return 200, {"Content-Type": "text/xml"}, confirm_response(found.arn)


def confirm_response(subscription_arn: str) -> bytes:
    return (
        '<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
        f"<ConfirmSubscriptionResult><SubscriptionArn>{subscription_arn}</SubscriptionArn>"
        f"</ConfirmSubscriptionResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
        "</ResponseMetadata></ConfirmSubscriptionResponse>"
    ).encode()


def _region(arn: str) -> str:
    return arn.split(":")[3]


def _now() -> Any:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _http_post(url: str, headers: dict[str, str], payload: bytes) -> int:
    """POST as SNS does: without credentials first; with the URL's own (basic auth) when
    the endpoint answers 401, as SNS does for ``https://user:password@host/...``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    attempts = [dict(headers)]
    if parts.username is not None:
        secret = f"{parts.username}:{parts.password or ''}".encode()
        attempts.append({**headers, "Authorization": "Basic " + base64.b64encode(secret).decode()})
    status = 0
    for attempt in attempts:
        connection = kind(parts.hostname or "127.0.0.1", parts.port, timeout=POST_TIMEOUT)
        try:
            connection.request("POST", path, body=payload, headers=attempt)
            response = connection.getresponse()
            response.read()
            status = response.status
        finally:
            connection.close()
        if status != 401:
            break
    return status
