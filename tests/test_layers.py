"""The package's import graph: no circles, and subpackages import only downward.

Read from the source with ``ast``, so it checks every import a module can make,
including those inside functions (loaded on first use). The layers, lowest first,
are drawn in docs/architecture.md ("How it works").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_sesquota"

#: Each subpackage's floor. Equal floors may not import each other.
LAYERS = {
    # the registry of what is active in the process, read by the clock and the doors
    "active": 0,
    # the virtual clock and the quotas: apart, neither imports the other
    "clock": 1,
    "quota": 1,
    # pytest_sesquota.real_time, the public way to the real clocks: only the clock below it
    "real_time": 2,
    "account": 2,
    "ses": 3,
    "wire": 4,
    "doors": 5,
    "report": 5,
    "serve": 6,
    # the plugin's hook objects, under the plugin that registers them
    "hooks": 7,
    # the top: the pytest plugin, the CLI and the public names
    "plugin": 8,
    "cli": 8,
    "__init__": 9,
    "__main__": 9,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, *, module_level_only: bool) -> set[str]:
    """The package's own modules that ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("pytest_sesquota"):
                continue
            for alias in node.names:  # `from . import x` imports module x
                child = f"{target}.{alias.name}"
                found.add(child if child in MODULES else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pytest_sesquota")}
    found.discard(name)
    return {m for m in found if m in MODULES}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> tuple[str, int]:
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "__init__"
    return key, LAYERS[key]


def test_every_module_has_a_layer():
    assert {layer(m)[0] for m in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str):
    """A module imports its own subpackage or lower floors, never up or sideways
    (function-level imports included: a front door is loaded later, not upwards)."""
    home, floor = layer(module)
    for target in imports(MODULES[module], module_level_only=False):
        there, target_floor = layer(target)
        if there == home or target == "pytest_sesquota":
            continue
        assert target_floor < floor, f"{module} imports {target}: floor {target_floor} >= {floor}"


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One loop in ``graph`` (module -> modules it imports), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            circle = visit(target, [*path, node])
            if circle:
                return circle
        done.add(node)
        return None

    for module in sorted(graph):
        circle = visit(module, [])
        if circle:
            return circle
    return None


def test_no_import_circles():
    """No loop of module-level imports (a package ``__init__`` re-exporting its
    children does not count)."""
    graph = {
        m: {t for t in imports(p, module_level_only=True) if MODULES[t].name != "__init__.py"}
        for m, p in MODULES.items()
        if p.name != "__init__.py"
    }
    assert find_circle(graph) is None


def test_the_checker_finds_circles():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
