"""How an SES API names what happened: one table per API from a refusal kind (what the
account decided) to the error code, HTTP status and bulk entry status its callers receive.

Adding a refusal kind is one entry in ``account.ledger.RefusalKind`` and one row in each
API's table (``ses/v1.py``, ``ses/v2.py``) and in SMTP's (``wire/smtp.py``);
``tests/test_refusals.py`` fails while one is missing.
"""

from __future__ import annotations

__all__ = ["ApiDialect", "ApiRefusal"]

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..account.ledger import RefusalKind, SendRefused
from .mail import ApiError


@dataclass(frozen=True)
class ApiRefusal:
    """One row of an API's table: what a refusal of one kind becomes."""

    #: The error code of a refused call (``Throttling``, ``MessageRejected``, ...).
    code: str
    #: Its HTTP status.
    status: int
    #: The status of a bulk send's entry refused so (``AccountThrottled``, ...).
    bulk_status: str


class ApiDialect:
    """An SES API's words: its refusals, its errors for the shared rules, its throttle."""

    def __init__(
        self,
        api: str,
        label: str,
        *,
        refusals: Mapping[RefusalKind, ApiRefusal],
        bulk_success: str,
        api_throttle: tuple[str, int],
        codes: Mapping[str, tuple[str, int]] | None = None,
        does_not_exist: tuple[str, int] | None = None,
    ) -> None:
        #: ``"ses"`` or ``"sesv2"``, as the ledger records it.
        self.api = api
        #: How messages name the API: ``"SES v1"``.
        self.label = label
        self.refusals = dict(refusals)
        #: A bulk entry's status when its message was sent.
        self.bulk_success = bulk_success
        #: (code, HTTP status) of a request over ``api_rate_limit`` ("Rate exceeded").
        self.api_throttle = api_throttle
        # The shared rules raise SES v1's codes; this API's own for them (v2's words).
        self._codes = dict(codes or {})
        # This API's code for every v1 "...DoesNotExist" (TemplateDoesNotExist, ...).
        self._does_not_exist = does_not_exist

    def code(self, kind: RefusalKind, *, bulk: bool = False) -> str:
        """The code the caller receives: a bulk entry's status, or the call's error code."""
        row = self.refusals[kind]
        return row.bulk_status if bulk else row.code

    def error(self, refused: SendRefused) -> ApiError:
        """A refused call as this API answers it."""
        row = self.refusals[refused.kind]
        return ApiError(row.code, refused.message, row.status)

    def bulk_entry(self, refused: SendRefused) -> dict[str, Any]:
        """A bulk entry refused so, in this API's names."""
        return {"Status": self.refusals[refused.kind].bulk_status, "Error": refused.message}

    def translate(self, error: ApiError) -> ApiError:
        """An error of the shared rules (SES v1's vocabulary) in this API's."""
        found = self._codes.get(error.code)
        if found is None and error.code.endswith("DoesNotExist"):
            found = self._does_not_exist
        if found is None:
            return error
        code, status = found
        return ApiError(code, error.message, status)

    def __repr__(self) -> str:
        return f"<ApiDialect {self.label}>"
