"""The server's door check: a request to SES must carry an AWS Signature Version 4.

The fake does not verify signatures (any credentials work, none are stored), but it
refuses what real SES refuses before looking at the request: no signature at all
(``MissingAuthenticationToken``) or a malformed one (``IncompleteSignature``), with
AWS's wording. The credential scope names the region the client signed for.
"""

from __future__ import annotations

__all__ = ["REGION_NAME", "AuthError", "signed_region"]

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

_ALGORITHM = "AWS4-HMAC-SHA256"
#: What a region of AWS's partitions is named like (botocore's ``endpoints.json`` region
#: patterns: ``us-east-1``, ``us-gov-west-1``, ``cn-north-1``, ``eusc-de-east-1``, ...).
#: A credential scope names the region a request is for; a made-up one is refused, as
#: SES refuses it, so that no client can make the account grow a region per request.
REGION_NAME = re.compile(
    r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)"
    r"-[a-z]+-\d{1,2}"
)


class AuthError(Exception):
    """Why a request's signature is refused; ``v2`` picks the code of the API asked."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "missing", "incomplete" or "region"
        self.message = message

    def code(self, v2: bool) -> str:
        if self.kind == "missing":
            return "MissingAuthenticationTokenException" if v2 else "MissingAuthenticationToken"
        if self.kind == "region":
            # Captured from Query APIs (STS, IAM, SES) and REST-JSON ones alike.
            return "InvalidSignatureException" if v2 else "SignatureDoesNotMatch"
        return "IncompleteSignatureException" if v2 else "IncompleteSignature"

    @property
    def status(self) -> int:
        return 400 if self.kind == "incomplete" else 403


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
    region = parts[2]
    if not REGION_NAME.fullmatch(region):
        # AWS's words, trailing space included.
        raise AuthError(
            "region", f"Credential should be scoped to a valid region, not '{region}'. "
        )
    return region
