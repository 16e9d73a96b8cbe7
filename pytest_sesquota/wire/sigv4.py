"""The server's door check: a request to SES must carry an AWS Signature Version 4.

The fake does not verify signatures (any credentials work, none are stored), but it
refuses what real SES refuses before looking at the request: no signature at all
(``MissingAuthenticationToken``) or a malformed one (``IncompleteSignature``), with
AWS's wording. The credential scope names the region the client signed for.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

_ALGORITHM = "AWS4-HMAC-SHA256"


class AuthError(Exception):
    """Why a request's signature is refused; ``v2`` picks the code of the API asked."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "missing" or "incomplete"
        self.message = message

    def code(self, v2: bool) -> str:
        if self.kind == "missing":
            return "MissingAuthenticationTokenException" if v2 else "MissingAuthenticationToken"
        return "IncompleteSignatureException" if v2 else "IncompleteSignature"

    @property
    def status(self) -> int:
        return 403 if self.kind == "missing" else 400


def _missing(v2: bool) -> str:
    return "Missing Authentication Token" if v2 else "Request is missing Authentication Token"


def signed_region(headers: Mapping[str, str], query: str, *, v2: bool) -> str:
    """The region of the credential scope; raises :class:`AuthError` for a request SES
    would refuse unread."""
    lower = {k.lower(): v for k, v in headers.items()}
    authorization = lower.get("authorization")
    if authorization is None:
        params = dict(parse_qsl(query))
        credential = params.get("X-Amz-Credential")
        if credential is None:
            raise AuthError("missing", _missing(v2))
        absent = [
            name
            for name in ("X-Amz-Algorithm", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
            if not params.get(name)
        ]
        if absent:
            raise AuthError(
                "incomplete",
                " ".join(f"AWS query-string parameters must include '{n}'." for n in absent)
                + " Re-examine the query-string parameters.",
            )
        return _region_of(credential, authorization=f"X-Amz-Credential={credential}")
    if not authorization.startswith(_ALGORITHM + " "):
        if authorization.strip() == "":
            raise AuthError("missing", _missing(v2))
        raise AuthError(
            "incomplete",
            f"Authorization header requires '{_ALGORITHM}' as the algorithm. "
            f"Authorization={authorization}",
        )
    fields = {}
    for part in authorization[len(_ALGORITHM) + 1 :].split(","):
        name, _, value = part.strip().partition("=")
        if value:
            fields[name] = value
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in fields
    ]
    if "x-amz-date" not in lower and "date" not in lower:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if problems:
        raise AuthError("incomplete", " ".join(problems) + f" Authorization={authorization}")
    return _region_of(fields["Credential"], authorization=f"Authorization={authorization}")


def _region_of(credential: str, *, authorization: str) -> str:
    # AKID/20260101/us-east-1/ses/aws4_request
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise AuthError(
            "incomplete",
            f"Credential should be scoped to a valid region. {authorization}"
            if len(parts) == 5
            else "Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{parts[-1]}'. {authorization}",
        )
    return parts[2]
