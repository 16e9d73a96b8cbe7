"""Fake AWS credentials while a fake account is active: no credential machinery runs.

botocore looks credentials up when a client is made (for any service, not only SES), and a
profile may name a ``credential_process`` (aws-vault, 1Password), SSO or a role to
assume; the container and EC2 metadata endpoints are network calls. While faked, as moto
does, the environment holds fake keys, the config files are replaced by a copy that
keeps each profile's name and region only (``boto3.Session(profile_name=...)`` still
works, with the fake keys), and the metadata lookups are off. All of it is restored after.
"""

from __future__ import annotations

__all__ = ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "fake"]

import atexit
import configparser
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

ACCESS_KEY_ID = "AKIAFAKESESQUOTA0000"
SECRET_ACCESS_KEY = "fake-secret-access-key-for-pytest-sesquota"
#: Removed while faked: each makes botocore fetch credentials from somewhere.
_REMOVED = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
)
_lock = threading.Lock()
_made: dict[tuple[object, ...], tuple[str, str]] = {}
_directory: list[str] = []


def _profiles(config: Path, credentials: Path) -> dict[str, str | None]:
    """Each profile's name and region, from the files botocore would read."""
    profiles: dict[str, str | None] = {}
    for path, prefixed in ((config, True), (credentials, False)):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue  # botocore would fail on it too; the copy simply lacks its profiles
        for section in parser.sections():
            name = section
            if prefixed and section != "default":
                kind, _sep, name = section.partition(" ")
                if kind != "profile" or not name.strip():
                    continue  # sso-session, services, ...: nothing a profile needs here
            name = name.strip()
            region = parser.get(section, "region", fallback=None) if prefixed else None
            profiles[name] = profiles.get(name) or region
    return profiles


def _files(config: Path, credentials: Path, named: tuple[str, ...] = ()) -> tuple[str, str]:
    """The fake config and (empty) credentials files, made once per input. ``named``:
    profiles the environment names (``AWS_PROFILE``), there even when the files lack
    them: the fake keys stand in for any profile setting."""
    key = (*((str(p), *_stamp(p)) for p in (config, credentials)), named)
    with _lock:
        if key not in _made:
            if not _directory:
                directory = tempfile.mkdtemp(prefix="pytest-sesquota-aws-")
                atexit.register(shutil.rmtree, directory, ignore_errors=True)
                _directory.append(directory)
            folder = Path(_directory[0]) / str(len(_made))
            folder.mkdir()
            lines = []
            profiles = _profiles(config, credentials)
            for name in ("default", *named):
                profiles.setdefault(name, None)
            for name, region in profiles.items():
                lines.append("[default]" if name == "default" else f"[profile {name}]")
                lines.append(f"aws_access_key_id = {ACCESS_KEY_ID}")
                lines.append(f"aws_secret_access_key = {SECRET_ACCESS_KEY}")
                if region:
                    lines.append(f"region = {region}")
            (folder / "config").write_text("\n".join(lines) + "\n", encoding="utf-8")
            (folder / "credentials").write_text("", encoding="utf-8")
            _made[key] = (str(folder / "config"), str(folder / "credentials"))
        return _made[key]


def _stamp(path: Path) -> tuple[object, ...]:
    try:
        stat = path.stat()
    except OSError:
        return (None,)
    return (stat.st_mtime_ns, stat.st_size)


def fake() -> Callable[[], None]:
    """Put the fake credentials in place; the returned function restores the environment."""
    environ = os.environ
    config = Path(os.path.expanduser(environ.get("AWS_CONFIG_FILE") or "~/.aws/config"))
    credentials = Path(
        os.path.expanduser(environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")
    )
    named = tuple(
        name.strip()
        for name in (environ.get("AWS_PROFILE"), environ.get("AWS_DEFAULT_PROFILE"))
        if name and name.strip() and "]" not in name and "\n" not in name
    )
    config_copy, credentials_copy = _files(config, credentials, named)
    wanted: dict[str, str | None] = dict.fromkeys(_REMOVED)
    wanted.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_CONFIG_FILE": config_copy,
            "AWS_SHARED_CREDENTIALS_FILE": credentials_copy,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    # Only what differs is touched: each os.environ write is a putenv.
    saved = {name: environ.get(name) for name in wanted if environ.get(name) != wanted[name]}
    _put(saved, wanted)

    def restore() -> None:
        _put(saved, saved)

    return restore


def _put(names: dict[str, str | None], values: dict[str, str | None]) -> None:
    for name in names:
        value = values[name]
        if value is not None:
            os.environ[name] = value
        elif name in os.environ:
            del os.environ[name]
