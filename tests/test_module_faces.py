"""Every module of the package says what it offers (``__all__``): a name outside it is
internal, and a test that imports one is visibly white-box."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_sesquota"
MODULES = sorted(
    ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py")
)


def _defines_anything(module: str) -> bool:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign))
        for n in tree.body
    )


#: Modules that need what the environment may lack, or that run when imported.
NEEDS = {"pytest_sesquota.doors.aiobotocore": "aiobotocore"}


@pytest.mark.parametrize(
    "module", [m for m in MODULES if _defines_anything(m) and not m.endswith("__main__")]
)
def test_each_module_names_what_it_offers(module):
    if module in NEEDS:
        pytest.importorskip(NEEDS[module])
    loaded = importlib.import_module(module)
    offered = getattr(loaded, "__all__", None)
    assert offered is not None, f"{module} has no __all__"
    missing = [name for name in offered if not hasattr(loaded, name)]
    assert not missing, f"{module}.__all__ names what it lacks: {missing}"
