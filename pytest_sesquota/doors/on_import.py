"""Run code right after a library is first imported, without importing it ourselves.

The plugin must reach every botocore client a test suite makes, including clients
made at import time by application modules, but a suite that never imports botocore
must not pay for loading it. So the botocore door is installed the moment
``botocore.session`` has finished loading (every session and client is made through
it), by a finder on ``sys.meta_path`` that wraps that one module's loader.
"""

from __future__ import annotations

__all__ = ["Callback", "forget", "when_imported"]

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

Callback = Callable[[ModuleType], object]

_pending: dict[str, list[Callback]] = {}
_lock = threading.RLock()


def when_imported(name: str, callback: Callback) -> None:
    """Call ``callback(module)`` once module ``name`` is loaded: now if it already is,
    else right after its first import finishes (before the importer sees it)."""
    with _lock:
        module = sys.modules.get(name)
        loaded = module is not None and not _initializing(module)
        if not loaded:
            _pending.setdefault(name, []).append(callback)
            if not any(isinstance(f, _Finder) for f in sys.meta_path):
                sys.meta_path.insert(0, _Finder())
    if loaded:  # outside the lock: the callback may import
        assert module is not None
        callback(module)


def forget(name: str, callback: Callback) -> None:
    """Drop a callback that has not run yet (the plugin's unconfigure)."""
    with _lock:
        callbacks = _pending.get(name, [])
        if callback in callbacks:
            callbacks.remove(callback)
        if not callbacks:
            _pending.pop(name, None)
        if not _pending:
            sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]


def _initializing(module: ModuleType) -> bool:
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def _run(name: str, module: ModuleType) -> None:
    with _lock:
        callbacks = _pending.pop(name, [])
        if not _pending:
            sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]
    for callback in callbacks:
        callback(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: asks the finders after it and wraps the loader of a
    watched module."""

    def find_spec(
        self, fullname: str, path: Any, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: importlib.machinery.ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if isinstance(spec.loader, importlib.abc.Loader) and hasattr(spec.loader, "exec_module"):
            spec.loader = _Loader(spec.loader, fullname)
        return spec


class _Loader(importlib.abc.Loader):
    """The module's own loader, then the callbacks."""

    def __init__(self, loader: importlib.abc.Loader, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps its real loader (inspect, importlib.resources and
        # reloads look at __loader__ and __spec__.loader).
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _run(self._name, module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
