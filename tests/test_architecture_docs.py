"""docs/architecture.md names every module of the package, with what its docstring says it is.

The list between the markers is written from the modules' docstrings (their first sentence):
``python tests/test_architecture_docs.py`` rewrites it after a module is added or renamed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pytest_sesquota"
DOCS = ROOT / "docs" / "architecture.md"
MARKERS = r"(<!-- every module -->\n\n)(.*?)(\n\n<!-- end of every module -->)"


def summary(path: Path) -> str:
    """The docstring's first sentence (up to its first ". ": SES's names keep their dots)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    paragraph = " ".join(docstring.strip().split("\n\n")[0].split())
    sentence = paragraph.split(". ")[0].rstrip(".")
    return sentence.replace("|", "\\|")


def index() -> str:
    """One table per floor's folder: each module and what it is."""
    rows = ["| module | what it is |", "|---|---|"]
    for path in sorted(
        PACKAGE.rglob("*.py"), key=lambda p: (p.parent != PACKAGE, p.parent, p.name)
    ):
        name = path.relative_to(PACKAGE).as_posix()
        rows.append(f"| `{name}` | {summary(path)} |")
    return "\n".join(rows)


def documented() -> str:
    found = re.search(MARKERS, DOCS.read_text(encoding="utf-8"), re.S)
    assert found, "docs/architecture.md has no <!-- every module --> list"
    return found.group(2)


def test_every_module_is_in_the_architecture_page():
    assert documented() == index(), (
        "docs/architecture.md's list of modules differs from the package; "
        "run `python tests/test_architecture_docs.py` to write it"
    )


def test_every_module_says_what_it_is():
    silent = [p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py") if not summary(p)]
    assert silent == [], "a module without a docstring cannot be listed"


def write_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    DOCS.write_text(
        re.sub(MARKERS, lambda m: m.group(1) + index() + m.group(3), text, count=1, flags=re.S),
        encoding="utf-8",
    )


if __name__ == "__main__":
    write_docs()
