"""``sesquota serve``'s own settings: where it listens, its clock, its state file.

One typed object, declared as a table (as the marker's options are): the config file's
``[server]`` keys and the command line's server flags are both read from it, and it is
checked when made. The account's settings are the marker's keys (``SesQuotaOptions``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from ..account.optionspec import CLI, Invalid, OneOf, Option, option, rows
from ..account.optionspec import whole as whole_text
from .retention import DEFAULT_RETENTION, DEFAULT_RETENTION_BYTES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["SERVER_KEYS", "SETTINGS", "ConfigError", "ServerSettings", "read_config"]

DEFAULT_PORT = 4579
# SES's own SMTP ports are 587 / 2587 (STARTTLS) and 465 / 2465 (TLS wrapper).
DEFAULT_SMTP_PORT = 2587
DEFAULT_SMTP_TLS_PORT = 2465
Clock = Literal["real", "virtual"]


class ConfigError(Exception):
    """A config file that cannot be read or holds a table it should not."""


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid("expected a text")
    return value


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise Invalid("expected a port number from 0 to 65535 (0 picks a free one)")
    return value


def _path(value: Any) -> Path:
    if not isinstance(value, (str, Path)) or not str(value):
        raise Invalid("expected the path of a file")
    return Path(value)


def _retention(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < -1 or value == 0:
        raise Invalid("expected a whole number >= 1, or -1 to keep the whole ledger")
    return value


def _retention_bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < -1 or value == 0:
        raise Invalid("expected a whole number of bytes >= 1, or -1 for any size")
    return value


@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    """How ``sesquota serve`` runs; each field is a ``[server]`` key and a flag."""

    host: str = option("127.0.0.1", check=_text, where=CLI, help="loopback address to listen on")
    port: int = option(
        DEFAULT_PORT, check=_port, text=whole_text, where=CLI, help="HTTP port (0 picks a free one)"
    )
    smtp_port: int = option(
        DEFAULT_SMTP_PORT,
        check=_port,
        text=whole_text,
        where=CLI,
        help="SMTP port with STARTTLS (0 picks a free one)",
    )
    smtp_tls_port: int = option(
        DEFAULT_SMTP_TLS_PORT,
        check=_port,
        text=whole_text,
        where=CLI,
        help="SMTP port with implicit TLS (0 picks a free one)",
    )
    smtp_username: str | None = option(
        None, check=_text, where=CLI, help="SMTP user name", shown="made up at start"
    )
    smtp_password: str | None = option(
        None, check=_text, where=CLI, help="SMTP password", shown="made up at start"
    )
    clock: Clock = option(
        "real",
        check=OneOf(("real", "virtual"), "clocks"),
        where=CLI,
        help="real follows the wall clock; virtual is frozen at the start key and moved "
        "with POST /_sesquota/clock/advance",
        doc='`"real"` follows the wall clock; `"virtual"` freezes it at the `start` key and '
        "moves it only with `POST /_sesquota/clock/advance`",
    )
    state: Path | None = option(
        None,
        check=_path,
        text=Path,
        where=CLI,
        help="keep the account in this SQLite file across restarts",
        shown="in memory",
    )
    ledger_retention: int = option(
        DEFAULT_RETENTION,
        check=_retention,
        text=whole_text,
        where=CLI,
        help="keep the newest N items of each ledger list (-1: all); quota usage is kept "
        "exactly regardless",
        doc="keep the newest N items of each ledger list (`-1`: all), so that a server "
        "running for days keeps flat memory; quota usage is counted exactly regardless",
    )
    ledger_retention_bytes: int = option(
        DEFAULT_RETENTION_BYTES,
        check=_retention_bytes,
        text=whole_text,
        where=CLI,
        help="past this many bytes of message bodies in the ledger, its oldest items leave "
        "(-1: any size); quota usage is counted exactly regardless",
        doc="past this many bytes of message bodies (raw MIME, text, HTML, template data) "
        "in the ledger, its oldest items leave, whatever `ledger_retention` (`-1`: any "
        "size); the newest item of each list stays",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            checked = SETTINGS[f.name].validate(getattr(self, f.name), None)
            object.__setattr__(self, f.name, checked)

    @classmethod
    def resolve(
        cls, table: Any, flags: Mapping[str, Any], source: str = "config file"
    ) -> ServerSettings:
        """The settings of a config file's ``[server]`` table, the flags winning."""
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: [server] must be a table")
        unknown = sorted(set(table) - set(SETTINGS))
        if unknown:
            raise ConfigError(
                f"{source}: [server] got unexpected keys {', '.join(unknown)}. "
                f"Valid keys: {', '.join(SERVER_KEYS)}"
            )
        given = {**table, **{k: v for k, v in flags.items() if v is not None}}
        return cls(**given)


#: The server's settings table: name -> its row.
SETTINGS: dict[str, Option] = rows(ServerSettings)
SERVER_KEYS = tuple(SETTINGS)


def read_config(path: Path | None) -> tuple[dict[str, Any], Any]:
    """A config file's ``(marker keys, [server] table)``."""
    if path is None:
        return {}, {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read the config file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the config file {path} is not valid TOML: {error}") from None
    server = document.pop("server", {})
    return document, server
