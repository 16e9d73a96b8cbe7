"""What the SES v1 and v2 operation sets share: sending through the account, the
errors a refused send becomes, templates, bulk sends and paging.

Each API subclasses :class:`SesApi` with its own vocabulary: the error codes a
refusal becomes and the status names of a bulk send's entries.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from ..account.account import Account
from ..account.ledger import PAUSED_MESSAGE, SendRefused, SentMessage, Template
from .dialect import ApiDialect
from .mail import (
    ACCOUNT_ID,
    ApiError,
    RenderingFailure,
    check_recipients,
    invalid,
    render,
    template_data,
)

Handler = Callable[[str, dict[str, Any]], dict[str, Any]]


class SesApi:
    """The faked operations of one API over one account, called with a region per request."""

    #: The API's words: its refusals, bulk statuses, throttle and error codes.
    dialect: ClassVar[ApiDialect]
    #: Names of the faked operations (methods of the subclass).
    names: ClassVar[tuple[str, ...]]
    #: The operations that send: governed by the sending quotas, never by ``api_rate_limit``.
    sends: ClassVar[frozenset[str]]

    def __init__(self, account: Account) -> None:
        self.account = account
        self.api = self.dialect.api
        self.label = self.dialect.label
        self.operations: dict[str, Handler] = {name: getattr(self, name) for name in self.names}

    def check_faked(self, operation: str) -> None:
        """Refuse, never pass through, an operation of the API that the fake does not fake."""
        if operation not in self.operations:
            raise ApiError(
                "NotImplemented",
                f"pytest-sesquota does not fake the {self.label} operation {operation}; "
                f"faked operations: {', '.join(sorted(self.operations))}",
                status=501,
            )

    def call(self, operation: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation not in self.sends and not self.account.allow_api_call(region):
            code, status = self.dialect.api_throttle
            raise ApiError(code, "Rate exceeded", status)
        try:
            return self.operations[operation](region, params)
        except ApiError as error:
            raise self.translate(error) from None

    def translate(self, error: ApiError) -> ApiError:
        """The error in this API's vocabulary (the shared rules speak SES v1's)."""
        return self.dialect.translate(error)

    def check_recipients(self, recipients: list[str]) -> None:
        """Refuse recipients as this API does (v2 has its own word for a blank one)."""
        check_recipients(recipients)

    # -- sending ----------------------------------------------------------------
    def refusal_error(self, refused: SendRefused) -> ApiError:
        return self.dialect.error(refused)

    def _send(
        self,
        region: str,
        operation: str,
        configuration_set: str | None,
        **content: Any,
    ) -> str:
        """Hand one message to the account; its id, or the API's refusal error."""
        try:
            message = self.account.send(
                region=region,
                operation=operation,
                dialect=self.dialect,
                configuration_set=configuration_set,
                **content,
            )
        except SendRefused as refused:
            raise self.refusal_error(refused) from None
        return message.message_id

    def _refuse_invalid(
        self, region: str, operation: str, source: str, recipients: Sequence[str], error: ApiError
    ) -> ApiError:
        """Record a send refused for its input; the error to raise."""
        error = self.translate(error)
        self.account.reject(
            region=region,
            operation=operation,
            reason="invalid",
            code=error.code,
            message=error.message,
            source=source,
            recipients=recipients,
        )
        return error

    # -- templates --------------------------------------------------------------
    def _template(self, region: str, name: str) -> Template:
        template = self.account.templates(region).get(name)
        if template is None:
            raise ApiError("TemplateDoesNotExist", f"Template {name} does not exist.")
        return template

    def _create_template(self, region: str, name: str, content: Mapping[str, str | None]) -> None:
        """Store a template from its ``subject``, ``text`` and ``html`` (v1 needs a subject)."""
        templates = self.account.templates(region)
        if name in templates:
            raise ApiError(
                "AlreadyExists", f"Template {name} already exists for account id {ACCOUNT_ID}"
            )
        if self.api == "ses" and not content.get("subject"):
            raise invalid("The subject must be specified.")
        templates[name] = Template(
            name,
            content.get("subject"),
            content.get("text"),
            content.get("html"),
            created=self.account.clock.now(),
        )

    def _templates_by_age(self, region: str) -> list[Template]:
        return sorted(self.account.templates(region).values(), key=lambda t: t.created)

    @staticmethod
    def _rendered(template: Template, data: Mapping[str, Any]) -> dict[str, Any]:
        """The ledger's subject and bodies of a templated message."""
        try:
            return {
                "template": template.name,
                "template_data": dict(data),
                "subject": render(template.subject, data, escape_html=False),
                "text": render(template.text, data, escape_html=False),
                "html": render(template.html, data, escape_html=True),
            }
        except RenderingFailure as failure:
            # SES accepts the call and reports a Rendering Failure event later.
            return {
                "template": template.name,
                "template_data": dict(data),
                "rendering_failure": str(failure),
            }

    # -- bulk -------------------------------------------------------------------
    def _bulk(
        self,
        region: str,
        operation: str,
        source: str,
        template: Template,
        defaults: Mapping[str, Any],
        entries: Sequence[tuple[list[str], dict[str, Any], str | None]],
        configuration_set: str | None,
    ) -> list[dict[str, Any]]:
        """Send one templated message per entry ``(recipients, addressing, replacement data)``;
        a result per entry: ``{"Status", "Error"?, "MessageId"?}`` in this API's names.

        Throttled per destination, or as a whole call (the marker's ``bulk_throttling``).
        """
        if not self.account.sending_enabled(region):
            raise self.refusal_error(SendRefused("paused", PAUSED_MESSAGE))
        results: list[dict[str, Any] | None] = [None] * len(entries)
        messages: list[tuple[list[str], dict[str, Any]]] = []
        positions: list[int] = []
        for index, (recipients, addressing, replacement) in enumerate(entries):
            try:
                self.check_recipients(recipients)
                data = {**defaults, **template_data(replacement)}
            except ApiError as error:
                self._refuse_invalid(region, operation, source, recipients, error)
                results[index] = self.dialect.bulk_entry(SendRefused("invalid", error.message))
                continue
            content = {
                "configuration_set": configuration_set,
                **addressing,
                **self._rendered(template, data),
            }
            messages.append((recipients, content))
            positions.append(index)
        try:
            decided = self.account.send_many(
                region=region,
                operation=operation,
                source=source,
                messages=messages,
                dialect=self.dialect,
                bulk=True,
                whole_call=self.account.options.bulk_throttling == "whole_call",
            )
        except SendRefused as refused:  # the whole call, throttled
            raise self.refusal_error(refused) from None
        for index, outcome in zip(positions, decided, strict=True):
            if isinstance(outcome, SentMessage):
                results[index] = {
                    "Status": self.dialect.bulk_success,
                    "MessageId": outcome.message_id,
                }
            else:
                results[index] = self.dialect.bulk_entry(outcome)
        return [r for r in results if r is not None]


def paginate(
    items: Sequence[Any],
    key: str,
    *,
    size: int | None,
    token: str | None,
    default: int,
    size_name: str,
) -> dict[str, Any]:
    """Slice ``items`` with a page size and NextToken (an opaque offset)."""
    size = default if size is None else size
    if size < 1:
        raise invalid(f"{size_name} must be greater than 0.")
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except (ValueError, UnicodeError):
            raise invalid("Invalid NextToken.") from None
    result: dict[str, Any] = {key: list(items[start : start + size])}
    if start + size < len(items):
        result["NextToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return result
