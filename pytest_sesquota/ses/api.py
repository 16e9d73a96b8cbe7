"""An SES API as the fake answers it: groups of operations, one registry per API.

An operation is a method of an :class:`Operations` group named as SES names it,
``(call, params) -> result``: the parameters botocore's model describes in, the result
structure out, or :class:`ApiError` with SES's code and message. Groups hold no state
(the account comes with each :class:`Call`), so one registry serves every account.
Adding a resource's operations is a new group module and one line in ``ses/v1.py`` or
``ses/v2.py``: the set of answered operations, ``check_faked`` and docs/apis.md's lists
all come from the registry.
"""

from __future__ import annotations

__all__ = [
    "Api",
    "Call",
    "Operations",
    "Params",
    "Result",
    "already_exists",
    "does_not_exist",
    "limit_exceeded",
    "paginate",
]

import base64
from collections.abc import Sequence
from typing import Any, ClassVar

from ..account.account import Account, PartT, part_of
from .dialect import ApiDialect
from .mail import ApiError, invalid

Params = dict[str, Any]
Result = dict[str, Any]


class Call:
    """One request to one operation: the account it reaches, its region, the API's words."""

    # A plain class, not a dataclass: one is made per request (a frozen dataclass's
    # __init__ costs three times as much).
    __slots__ = ("account", "dialect", "operation", "region")

    def __init__(self, account: Account, region: str, dialect: ApiDialect, operation: str) -> None:
        self.account = account
        self.region = region
        self.dialect = dialect
        self.operation = operation

    def part(self, kind: type[PartT]) -> PartT:
        """One part of the account (``call.part(Templates)``): a resource's operations
        work on its part through the part's public methods."""
        return part_of(self.account, kind)


class Operations:
    """A group of operations over one resource (templates, identities, ...) of one API."""

    #: How docs/apis.md names the group ("templates").
    title: ClassVar[str]
    #: The group's operations, as SES names them: methods ``(self, call, params) -> result``.
    names: ClassVar[tuple[str, ...]]
    #: Those ``api_rate_limit`` exempts (governed by the sending quotas alone): SES's
    #: quotas page names SendEmail, SendRawEmail and SendTemplatedEmail.
    sends: ClassVar[frozenset[str]] = frozenset()
    #: What docs/apis.md says of an operation, or of the group (key ``""``), in brackets.
    notes: ClassVar[dict[str, str]] = {}


class Api:
    """The registry of one API: its words and its groups of operations."""

    def __init__(self, dialect: ApiDialect, groups: Sequence[Operations]) -> None:
        self.dialect = dialect
        self.groups = tuple(groups)
        self._groups: dict[str, Operations] = {}
        for group in self.groups:
            for name in group.names:
                if name in self._groups:
                    raise ValueError(f"{dialect.label}: {name} is in two groups")
                if not callable(getattr(group, name, None)):
                    raise TypeError(f"{type(group).__name__} lists {name} but lacks its method")
                self._groups[name] = group
        #: Every faked operation, group by group.
        self.names: tuple[str, ...] = tuple(self._groups)
        self.sends: frozenset[str] = frozenset().union(*(g.sends for g in self.groups))

    @property
    def label(self) -> str:
        return self.dialect.label

    def check_faked(self, operation: str) -> None:
        """Refuse, never pass through, an operation of the API that the fake does not fake."""
        if operation not in self._groups:
            raise ApiError(
                "NotImplemented",
                f"pytest-sesquota does not fake the {self.label} operation {operation}; "
                f"faked operations: {', '.join(sorted(self.names))}",
                status=501,
            )

    def call(self, account: Account, operation: str, region: str, params: Params) -> Result:
        """Answer one faked operation; errors leave in this API's words."""
        if operation not in self.sends and not account.allow_api_call(region):
            code, status = self.dialect.api_throttle
            raise ApiError(code, "Rate exceeded", status)
        # Looked up per call, not bound once: a test may patch a group's method.
        handler = getattr(self._groups[operation], operation)
        try:
            result: Result = handler(Call(account, region, self.dialect, operation), params)
        except ApiError as error:
            raise self.dialect.translate(error) from None
        return result

    def markdown(self) -> str:
        """docs/apis.md's list of the faked operations, a line per group."""
        lines = []
        for group in self.groups:
            names = [
                f"{name} ({group.notes[name]})" if name in group.notes else name
                for name in group.names
            ]
            note = f" ({group.notes['']})" if "" in group.notes else ""
            lines.append(f"- {group.title}: {', '.join(names)}{note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Api {self.label}: {len(self.names)} operations>"


# -- what the groups share ------------------------------------------------------
def does_not_exist(code: str, message: str) -> ApiError:
    """A missing resource, in SES v1's words (``TemplateDoesNotExist``); SES v2 answers
    every ``...DoesNotExist`` as ``NotFoundException`` (404)."""
    return ApiError(code, message)


def already_exists(message: str) -> ApiError:
    """A resource that exists already: v1 ``AlreadyExists``, v2 ``AlreadyExistsException``."""
    return ApiError("AlreadyExists", message)


def limit_exceeded(message: str) -> ApiError:
    """Too many of a resource: v1 ``LimitExceeded``, v2 ``LimitExceededException``."""
    return ApiError("LimitExceeded", message)


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
