"""Patching a library when it is first imported, so that a session not using it pays nothing.

``when_imported("asyncio.base_events", patch)`` calls ``patch(module)`` now if the module is
loaded, else right after its first import; the returned function cancels a pending call.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

Patch = Callable[[ModuleType], None]
_lock = threading.RLock()
_waiting: dict[str, list[Patch]] = {}


class _Loader(importlib.abc.Loader):
    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        with _lock:
            patches = _waiting.pop(self._name, [])
        for patch in patches:
            patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _waiting:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, fullname)
                return spec
        return None


_finder = _Finder()


def when_imported(name: str, patch: Patch) -> Callable[[], None]:
    module = sys.modules.get(name)
    if module is not None:
        patch(module)
        return lambda: None
    with _lock:
        _waiting.setdefault(name, []).append(patch)
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)

    def cancel() -> None:
        with _lock:
            pending = _waiting.get(name, [])
            if patch in pending:
                pending.remove(patch)
                if not pending:
                    del _waiting[name]
            if not _waiting and _finder in sys.meta_path:
                sys.meta_path.remove(_finder)

    return cancel
