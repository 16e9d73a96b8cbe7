"""The release's preparation: one version, the project's address in one place, and the
checks .ci/run's release job makes on what it would upload (.ci/release_check.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path

import pytest_sesquota

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("release_check", ROOT / ".ci" / "release_check.py")
assert _spec is not None and _spec.loader is not None
release_check = importlib.util.module_from_spec(_spec)
sys.modules["release_check"] = release_check
_spec.loader.exec_module(release_check)

PROJECT = release_check.pyproject()
#: Files a repository address could hide in (text written by people).
TEXT = (".md", ".toml", ".yml", ".yaml", ".py", ".cfg", ".txt", ".json", ".js", ".css", "")
SKIP = {".git", ".venv", "site", "dist", "build", "node_modules", "__pycache__", ".pytest_cache"}


def test_one_version_everywhere():
    assert pytest_sesquota.__version__ == PROJECT["version"]
    # The next release, X.Y.Z.devN between releases (the checklist sets X.Y.Z).
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", str(PROJECT["version"]))


def repository_files() -> list[Path]:
    files: list[Path] = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and not parts & SKIP and not any(p.endswith(".egg-info") for p in parts):
            if path.suffix in TEXT:
                files.append(path)
    return files


def test_the_projects_address_is_written_in_one_place():
    urls = PROJECT["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Issues", "Source"}
    home = urls["Homepage"]
    assert all(url.startswith(home) for url in urls.values())  # one repository, filled once
    elsewhere = [
        path.relative_to(ROOT).as_posix()
        for path in repository_files()
        if path.name != "pyproject.toml"
        and home in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert elsewhere == []
    assert not any(
        "<owner>" in path.read_text(encoding="utf-8", errors="replace")
        for path in repository_files()
        if path.suffix == ".md"
    )


def test_the_classifiers_claim_what_ci_tests():
    classifiers = PROJECT["classifiers"]
    pythons = sorted(c.rsplit(" ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c))
    assert pythons[0] == PROJECT["requires-python"].removeprefix(">=")  # 3.10
    assert "Framework :: Pytest" in classifiers and "Typing :: Typed" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: the expression
    assert (ROOT / "pytest_sesquota" / "py.typed").is_file()


# -- readiness for a release --------------------------------------------------------------
def tree(tmp_path: Path, version: str, changelog: str, home: str) -> Path:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r'^version = ".*"$', f'version = "{version}"', text, count=1, flags=re.M)
    (tmp_path / "pyproject.toml").write_text(text.replace(PROJECT["urls"]["Homepage"], home))
    (tmp_path / "CHANGELOG.md").write_text(changelog)
    return tmp_path


def test_this_tree_says_what_a_release_still_needs():
    known = ("version ", "[project.urls] ", "CHANGELOG.md has no ", "CHANGELOG.md's Unreleased ")
    assert all(problem.startswith(known) for problem in release_check.readiness())


def test_a_tree_ready_for_release(tmp_path: Path):
    changelog = "# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2027-01-15\n\n### Added\n- x\n"
    ready = tree(tmp_path, "1.2.3", changelog, "https://github.com/sesquota/pytest-sesquota")
    assert release_check.readiness(ready) == []


def test_a_tree_not_ready_for_release(tmp_path: Path):
    changelog = "# Changelog\n\n## [Unreleased]\n\n### Added\n- y\n\n## [0.1.0] - 2026-11-22\n"
    placeholder = f"https://github.com/{release_check.PLACEHOLDER}/pytest-sesquota"
    waiting = tree(tmp_path, "1.2.3rc1", changelog, placeholder)
    assert release_check.readiness(waiting) == [
        "version 1.2.3rc1 is not a release's (X.Y.Z): set it in pyproject.toml",
        "[project.urls] still holds the OWNER placeholder: fill in the repository's address "
        "in pyproject.toml",
        "CHANGELOG.md has no '## [1.2.3rc1] - YYYY-MM-DD' section",
        "CHANGELOG.md's Unreleased section is not empty: move it under the version",
    ]


# -- the distributions --------------------------------------------------------------------
def metadata(**changes: str) -> str:
    fields = {
        "Metadata-Version": "2.4",
        "Name": "pytest-sesquota",
        "Version": str(PROJECT["version"]),
        "Requires-Python": str(PROJECT["requires-python"]),
        "License-Expression": "MIT",
        "License-File": "LICENSE",
        "Description-Content-Type": "text/markdown",
        **changes,
    }
    lines = [f"{k}: {v}" for k, v in fields.items() if v]
    lines += [f"Classifier: {c}" for c in PROJECT["classifiers"]]
    lines += [f"Project-URL: {k}, {v}" for k, v in PROJECT["urls"].items()]
    return "\n".join(lines) + "\n\n" + (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_metadata_check():
    assert release_check.check_metadata(metadata(), PROJECT) == []
    assert release_check.check_metadata(metadata(**{"Requires-Python": ">=3.8"}), PROJECT) == [
        "Requires-Python: '>=3.8', expected '>=3.10'"
    ]
    assert release_check.check_metadata(metadata(**{"License-File": ""}), PROJECT) == [
        "License-File: LICENSE is missing"
    ]
    short = metadata().split("\n\n", 1)[0] + "\n\nA fake SES.\n"
    assert release_check.check_metadata(short, PROJECT) == ["the long description is not README.md"]


def test_the_wheel_check_finds_what_is_missing(tmp_path: Path):
    info = f"pytest_sesquota-{PROJECT['version']}.dist-info"
    wheel = tmp_path / f"pytest_sesquota-{PROJECT['version']}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as out:
        for name in release_check.subpackages():
            out.writestr(name, "")
        out.writestr(f"{info}/licenses/LICENSE", "MIT")
        out.writestr(f"{info}/METADATA", metadata())
        out.writestr(f"{info}/entry_points.txt", "[pytest11]\nsesquota = pytest_sesquota.plugin\n")
        out.writestr("tests/test_x.py", "")
    assert release_check.check_wheel(wheel) == [
        f"{wheel.name} lacks pytest_sesquota/py.typed",
        f"{wheel.name} holds files outside the package: ['tests/test_x.py']",
        f"{wheel.name}'s entry points lack 'sesquota = pytest_sesquota.cli:main'",
    ]


def test_the_readme_links_pypi_cannot_follow():
    links = release_check.relative_links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "docs/configuration.md" in links and all(not link.startswith("http") for link in links)


def test_the_release_job_is_in_ci():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*\"\$tools/bin/python\" -m build .*--outdir", ci, re.M)
    assert ".ci/release_check.py" in ci and "twine check --strict" in ci
