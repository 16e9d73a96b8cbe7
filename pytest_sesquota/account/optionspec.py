"""What one option declares, and what is derived from a table of them.

An option is a field of a keyword-only dataclass whose ``metadata`` holds an
:class:`Option`: the field gives the name, the type and the default; the option gives
the check, how a text (an ini value, a flag) becomes a value, where it may be set and
its help. Validation, the ini options, the command-line flags, the marker's help line
and the docs table are all read from that one declaration (``rows``).
"""

from __future__ import annotations

__all__ = [
    "INI_PREFIX",
    "Check",
    "Invalid",
    "OneOf",
    "Option",
    "OptionsError",
    "Parse",
    "Where",
    "boolean",
    "docs_table",
    "flags_note",
    "ini_table",
    "is_number",
    "marker_hint",
    "marker_line",
    "meaning",
    "nested_keys",
    "not_flags",
    "number",
    "option",
    "pairs",
    "quoted",
    "read_ini",
    "rows",
    "settings_table",
    "shown_default",
    "true_or_false",
    "whole",
    "words",
]

import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

#: A check takes a value and returns it as the option keeps it, or raises :class:`Invalid`.
Check = Callable[[Any], Any]
#: A text parser takes the text of an ini value or a flag, or raises :class:`Invalid`.
Parse = Callable[[str], Any]


class OptionsError(ValueError):
    """A marker argument or ini option that cannot be used; the text names the choices."""


class Invalid(Exception):
    """A value a check or a parser refuses: what was expected. The caller knows where the
    value came from and adds it (:meth:`describe`)."""

    def __init__(
        self,
        expected: str = "",
        *,
        key: str | None = None,
        value: Any = MISSING,
        within: str | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(message or expected)
        self.expected = expected
        #: Set when the refused part is not the option's whole value (``budget['dropped']``).
        self.key = key
        self.value = value
        #: The nested entry the refused key belongs to (``regions['eu-west-1']``).
        self.within = within
        #: A whole sentence (an unexpected nested key), instead of ``key=value is not valid``.
        self.message = message

    def inside(self, within: str, key: str, value: Any) -> Invalid:
        """The same refusal, for a key of the nested entry ``within``."""
        shown = value if self.value is MISSING else self.value
        return Invalid(self.expected, key=self.key or key, value=shown, within=within)

    def describe(self, where: str | None, key: str, value: Any) -> str:
        """``ses_quota: burst=0.5 is not valid; expected ...`` (``where`` may be None)."""
        place = [p for p in (where, self.within) if p]
        if self.message:
            return ": ".join([*place, self.message])
        shown = value if self.value is MISSING else self.value
        return ": ".join([*place, f"{self.key or key}={shown!r} is not valid; {self.expected}"])


class Where(enum.Flag):
    """Where an option may be set."""

    #: ``@pytest.mark.ses_quota(...)``, the account's keyword arguments, and the top level
    #: of ``sesquota serve``'s config file.
    MARKER = enum.auto()
    #: An ini option ``ses_quota_<name>``: a default for the whole suite.
    INI = enum.auto()
    #: A flag of ``sesquota serve``, ``--<name>``.
    CLI = enum.auto()
    #: A key of each entry of ``regions={...}``.
    REGION = enum.auto()


MARKER, INI, CLI, REGION = Where.MARKER, Where.INI, Where.CLI, Where.REGION
#: Every ini option is named so: ``ses_quota_profile``.
INI_PREFIX = "ses_quota_"


@dataclass(frozen=True)
class Option:
    """One row of an options table; ``name``, ``default`` and ``type`` come from the field."""

    #: One line of plain text: the ini option's and the flag's help.
    help: str
    check: Check
    where: Where
    #: How a text becomes a value (default: the text itself); None: it cannot be a text.
    text: Parse | None = str.strip
    #: The docs table's meaning (Markdown; ``{keys}`` lists the nested keys); default: help.
    doc: str | None = None
    #: The docs table's default, where the value alone would not say it ("the profile's").
    shown: str | None = None
    #: Nested keys: a dict of key -> help, or the rows settable in such an entry (REGION).
    entries: Mapping[str, str] | Where | None = None
    name: str = ""
    default: Any = None
    type: str = ""

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(getattr(self.check, "choices", ()))

    def accept(self, value: Any) -> Any:
        """The value as kept, or :class:`Invalid`. None is valid wherever it is the default."""
        if value is None and self.default is None:
            return None
        return self.check(value)

    def validate(self, value: Any, where: str | None) -> Any:
        """The value as kept, or :class:`OptionsError` naming ``where`` and what is valid."""
        try:
            return self.accept(value)
        except Invalid as invalid:
            raise OptionsError(invalid.describe(where, self.name, value)) from None

    def parse(self, text: str) -> Any:
        """The value a text stands for, unchecked (``none``: None, where that is the default)."""
        text = text.strip()
        if self.text is None:
            raise Invalid("it cannot be given as a text")
        if self.default is None and text.lower() == "none":
            return None
        return self.text(text)

    def read(self, text: str, source: str) -> Any:
        """A text from ``source`` (``ini option ses_quota_seed``), parsed and checked."""
        try:
            value = self.parse(text)
        except Invalid as invalid:
            raise OptionsError(
                f"{source}={text.strip()!r} is not valid; {invalid.expected}"
            ) from None
        return self.validate(value, source)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def metavar(self) -> str:
        """How ``--help`` names the flag's value: ``{sandbox,production}``, ``N``, ``LIST``."""
        if self.choices:
            return "{" + ",".join(self.choices) + "}"
        return _METAVARS.get(self.text, self.name.upper())


def option(
    default: Any = MISSING,
    *,
    factory: Callable[[], Any] | None = None,
    help: str,
    check: Check,
    where: Where,
    text: Parse | None = str.strip,
    doc: str | None = None,
    shown: str | None = None,
    entries: Mapping[str, str] | Where | None = None,
) -> Any:
    """A dataclass field that is a row of the options table (see :class:`Option`)."""
    row = Option(help, check, where, text, doc, shown, entries)
    if factory is not None:
        return field(default_factory=factory, metadata={"option": row})
    return field(default=default, metadata={"option": row})


def rows(cls: type) -> dict[str, Option]:
    """The options table of a dataclass declared with :func:`option`, in field order."""
    table: dict[str, Option] = {}
    for f in fields(cls):
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        table[f.name] = replace(f.metadata["option"], name=f.name, default=default, type=f.type)
    return table


def read_ini(get: Callable[[str], Any], table: Mapping[str, Option]) -> dict[str, Any]:
    """The rows set in the ini file, read through ``get(name)`` (``config.getini``)."""
    values: dict[str, Any] = {}
    for name, row in table.items():
        if INI in row.where:
            raw = get(INI_PREFIX + name)
            if raw not in (None, "", []):
                values[name] = row.read(str(raw), f"ini option {INI_PREFIX}{name}")
    return values


# -- text parsers --------------------------------------------------------------------------
def number(value: str) -> float:
    try:
        parsed = float(value)
    except ValueError:
        raise Invalid("expected a number") from None
    if not math.isfinite(parsed):
        raise Invalid("expected a finite number")
    return parsed


def whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Invalid("expected a whole number") from None


_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True}
_BOOLEANS |= {"false": False, "no": False, "off": False, "0": False}


def boolean(value: str) -> bool:
    try:
        return _BOOLEANS[value.lower()]
    except KeyError:
        raise Invalid("expected true or false") from None


def words(value: str) -> list[str]:
    """Items separated by commas, spaces or lines (an ini value may take several lines)."""
    return [item for item in re.split(r"[,\s]+", value) if item]


def pairs(parsers: Mapping[str, Parse]) -> Parse:
    """A dict as a text: ``key=value`` items separated by commas, spaces or lines, each
    value read by its key's parser (``minimum_volume=100 enforced=false``)."""

    def parse(text: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for item in words(text):
            key, equals, value = item.partition("=")
            if not equals or key not in parsers:
                raise Invalid(f"expected key=value items, each key one of {', '.join(parsers)}")
            try:
                found[key] = parsers[key](value)
            except Invalid as invalid:
                raise Invalid(f"{key}: {invalid.expected}") from None
        return found

    return parse


_METAVARS: dict[Parse | None, str] = {
    number: "NUMBER",
    whole: "N",
    boolean: "{true,false}",
    words: "LIST",
    Path: "FILE",
}


# -- checks rows share -----------------------------------------------------------------------
def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def quoted(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


class OneOf:
    """A check: one of ``choices`` (``valid profiles: 'sandbox', 'production'``)."""

    def __init__(self, choices: Iterable[str], noun: str, then: Check | None = None) -> None:
        self.choices = tuple(choices)
        self.noun = noun
        self.then = then

    def __call__(self, value: Any) -> Any:
        if value not in self.choices:
            raise Invalid(f"valid {self.noun}: {quoted(self.choices)}")
        return value if self.then is None else self.then(value)


def true_or_false(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("expected True or False")
    return value


# -- what is derived for people: the help line and the docs tables ---------------------------
def _literal(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, datetime):
        return repr(value.isoformat().replace("+00:00", "Z"))
    return repr(value)


def nested_keys(row: Option, table: Mapping[str, Option]) -> tuple[str, ...]:
    if isinstance(row.entries, Where):
        return tuple(name for name, other in table.items() if row.entries in other.where)
    return tuple(row.entries or ())


def marker_hint(row: Option, table: Mapping[str, Option]) -> str:
    """``profile='sandbox'|'production'``, ``burst=None``: a key as the help line shows it."""
    keys = nested_keys(row, table)
    if isinstance(row.entries, Where):
        value = "{'<region>': {" + ", ".join(keys) + "}}"
    elif keys:
        value = "{" + "|".join(repr(k) for k in keys) + ": N}"
    elif row.choices:
        value = "|".join(repr(c) for c in sorted(row.choices, key=lambda c: c != row.default))
    else:
        value = _literal(row.default)
    return f"{row.name}={value}"


def marker_line(marker: str, table: Mapping[str, Option], what: str) -> str:
    """A marker's line in ``pytest --markers``: ``name(key=default, ...): what``."""
    keys = ", ".join(marker_hint(row, table) for row in table.values())
    return f"{marker}({keys}): {what}"


def shown_default(row: Option) -> str:
    """The default as the docs show it: ``"sandbox"``, ``None``, ``10``, or the row's words."""
    if row.shown is not None:
        return row.shown
    if isinstance(row.default, str):
        return f'`"{row.default}"`'
    return f"`{_literal(row.default).strip(chr(39))}`"


def meaning(row: Option, table: Mapping[str, Option], links: str = "") -> str:
    """The row's docs text, its nested keys filled in, its relative links under ``links``."""
    if isinstance(row.entries, Mapping):
        keys = ", ".join(f"`{k}` ({what})" for k, what in row.entries.items())
    else:
        keys = ", ".join(f"`{k}`" for k in nested_keys(row, table))
    text = (row.doc or row.help).replace("{keys}", keys)
    return re.sub(r"\]\((?![a-z]+:|#)", "](" + links, text)


def docs_table(table: Mapping[str, Option], links: str = "") -> str:
    """The Markdown table of the marker's keys (docs/configuration.md, the README)."""
    lines = ["| argument | default | meaning |", "|---|---|---|"]
    for row in table.values():
        lines.append(f"| `{row.name}` | {shown_default(row)} | {meaning(row, table, links)} |")
    return "\n".join(lines) + "\n"


def not_flags(table: Mapping[str, Option]) -> tuple[str, ...]:
    return tuple(name for name, row in table.items() if CLI not in row.where)


def flags_note(table: Mapping[str, Option]) -> str:
    """The docs' sentence on which keys ``sesquota serve`` takes as flags."""
    but = " and ".join(f"`{name}`" for name in not_flags(table))
    return (
        f"Every key but {but} is also a flag of `sesquota serve` (`--max-send-rate 20`); "
        "its config file takes them all."
    )


def ini_table(table: Mapping[str, Option]) -> str:
    """The Markdown table of the ini options (docs/configuration.md)."""
    lines = ["| ini option | sets the marker's | for every test |", "|---|---|---|"]
    for row in table.values():
        if INI in row.where:
            lines.append(f"| `{INI_PREFIX}{row.name}` | `{row.name}` | {row.help} |")
    return "\n".join(lines) + "\n"


def settings_table(table: Mapping[str, Option]) -> str:
    """The Markdown table of settings that are both a config file key and a flag."""
    lines = ["| `[server]` key | flag | default | meaning |", "|---|---|---|---|"]
    for row in table.values():
        lines.append(
            f"| `{row.name}` | `{row.flag}` | {shown_default(row)} | {meaning(row, table)} |"
        )
    return "\n".join(lines) + "\n"
