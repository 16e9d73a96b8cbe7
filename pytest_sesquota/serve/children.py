"""Every process a faked test starts meets the test's own account.

Installed once per session and idle until a process is started while an account is
active; a test that starts none pays nothing. At the first start, a loopback
:class:`SesServer` begins serving the account (its SES APIs and SMTP), and stops
with it. Then:

- the environment (``os.environ``, and a ``subprocess`` call's own ``env=`` where it
  lacks them) holds ``AWS_ENDPOINT_URL_SES``/``_SESV2``, fake credentials and the
  ``SESQUOTA_SMTP_*`` settings, so SDKs and the AWS CLI in a child send there;
- a ``multiprocessing`` process (spawn, forkserver) carries the same settings in its
  pickle: a forkserver child is forked from a server started earlier, with an older
  environment, so they are applied in the child as it is unpickled, before it runs,
  together with the connection guard;
- a forked child (``os.fork``, multiprocessing's fork) holds a copy of the account:
  its doors forward every SES request to the test's process instead of answering
  from the copy, naming the region in the server's fork header (``FORK_REGION``).

What is served, installed and forwarded is kept in the registry of what is active
(``pytest_sesquota.active``).
"""

from __future__ import annotations

__all__ = ["install"]

import functools
import os
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..active import ACTIVE
from ..doors import guard, on_import

if TYPE_CHECKING:  # loaded when a process starts while an account is active
    import subprocess

    from ..doors import activation, respond
    from ..wire.http import HttpAnswer
    from .server import SesServer

# (Not what is active: whether this thread is starting a server right now.)
_local = threading.local()
_lock = threading.Lock()
#: Dropped from the environment while served: it would make SDKs ignore the endpoints.
_IGNORED = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"


def _child_env() -> dict[str, str] | None:
    """The settings children of the active account need (starting its server on first
    use), or None when no account is active."""
    if not ACTIVE.process_hooks or ACTIVE.account is None or getattr(_local, "starting", False):
        return None  # (no account: not even the front doors are loaded)
    from ..doors import activation

    current = activation.current_activation()
    if current is None:
        return None
    with _lock:
        served = ACTIVE.served.get(id(current))
        if served is None:
            served = _serve(current)
    env: dict[str, str] = served[1]
    return env


def _serve(current: activation.Activation) -> tuple[SesServer, dict[str, str]]:
    from .server import SesServer

    _local.starting = True  # the server's own start (its certificates) starts a process
    try:
        server = SesServer(current.account).start()
    finally:
        _local.starting = False
    env = server.env()
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        if os.environ.get(name):  # the user's region stays theirs
            env[name] = os.environ[name]
    saved = {name: os.environ.get(name) for name in [*env, _IGNORED]}
    os.environ.update(env)
    os.environ.pop(_IGNORED, None)

    def stop() -> None:
        with _lock:
            ACTIVE.served.pop(id(current), None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()

    current.defer(stop)
    ACTIVE.served[id(current)] = (server, env)
    return server, env


# -- subprocess --------------------------------------------------------------------
def _popen_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        env = _child_env()
        given = kwargs.get("env")
        if env is not None and given is not None:
            kwargs["env"] = {**env, **given}
        original(self, *args, **kwargs)

    return __init__


# -- multiprocessing ---------------------------------------------------------------
class _ChildSettings:
    """Pickled with a spawn or forkserver process; unpickled, it sets the child up."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __reduce__(self) -> tuple[Callable[[dict[str, str]], None], tuple[dict[str, str]]]:
        return _in_child, (self.env,)


def _in_child(env: dict[str, str]) -> None:
    os.environ.update(env)  # (before the child's code runs, even a Process subclass's)
    os.environ.pop(_IGNORED, None)
    if not guard.installed():
        # For the life of the child: nothing in it reaches real SES either.
        ACTIVE.child = True
        guard.Guard()


def _process_start(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def start(self: Any) -> None:
        env = _child_env()
        if env is not None:
            self._sesquota_child = _ChildSettings(env)
        original(self)

    return start


# -- os.fork -------------------------------------------------------------------------
def _before_fork() -> None:
    _child_env()  # the server must be there for the child to forward to


def _after_fork_in_child() -> None:
    module = sys.modules.get("pytest_sesquota.doors.activation")
    current = module.current_activation() if module is not None else None
    served = ACTIVE.served.get(id(current)) if current is not None else None
    if served is not None and current is not None:
        server: SesServer = served[0]
        ACTIVE.forward = _forwarder(server.endpoint_url, current.account.region)


def _forwarder(endpoint_url: str, default_region: str) -> respond.Forward:
    import http.client
    from urllib.parse import urlsplit

    from ..wire.http import HttpAnswer, region_from_host
    from .server import FORK_REGION

    parts = urlsplit(endpoint_url)
    host, port = parts.hostname or "127.0.0.1", parts.port

    def forward(
        method: str, url: str, headers: Any, body: bytes | str | None, region: str | None
    ) -> HttpAnswer:
        target = urlsplit(url)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        region = region or region_from_host(target.hostname) or default_region
        sent = {
            _text(name): _text(value)
            for name, value in (dict(headers) if headers else {}).items()
            if _text(name).lower() not in _NOT_FORWARDED
        }
        # The doors skip signing, so the request has no signature to read the region
        # from: the fork's own header names it (the server takes it instead).
        sent[FORK_REGION] = region
        payload = body.encode() if isinstance(body, str) else body or b""
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            connection.request(method, path, body=payload, headers=sent)
            reply = connection.getresponse()
            data = reply.read()
            return HttpAnswer(reply.status, dict(reply.getheaders()), data)
        finally:
            connection.close()

    return forward


#: Headers of the door's request the forwarded one does not carry: http.client sets its
#: own, and the doors sign nothing (the fork's header stands for the signature).
_NOT_FORWARDED = ("host", "content-length", "authorization", "x-amz-date", "expect")


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


# -- installing ---------------------------------------------------------------------
def install() -> Callable[[], None]:
    """Hook process starts (idle without an account); returns the function undoing it."""
    undo: list[Callable[[], None]] = []

    def patcher(owner: str, name: str, wrap: Callable[[Any], Any]) -> Callable[[ModuleType], None]:
        def patch(module: ModuleType) -> None:
            target = getattr(module, owner)
            original = vars(target)[name]
            setattr(target, name, wrap(original))
            undo.append(lambda: setattr(target, name, original))

        return patch

    for module, owner, name, wrap in (
        ("subprocess", "Popen", "__init__", _popen_init),
        ("multiprocessing.process", "BaseProcess", "start", _process_start),
    ):
        patch = patcher(owner, name, wrap)
        on_import.when_imported(module, patch)
        undo.append(functools.partial(on_import.forget, module, patch))
    if not ACTIVE.at_fork_registered:  # cannot be unregistered: idle once uninstalled
        os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
        ACTIVE.at_fork_registered = True
    token = object()
    ACTIVE.process_hooks.append(token)

    def uninstall() -> None:
        if token in ACTIVE.process_hooks:
            ACTIVE.process_hooks.remove(token)
        while undo:
            undo.pop()()

    return uninstall
