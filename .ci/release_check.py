"""What a release would upload, checked: the sdist and wheel .ci/run's release job built.

    python .ci/release_check.py DIST_DIR [--release]

Checks the distributions' names, contents and metadata against pyproject.toml, and says
whether the tree is ready to be released (a final version, the project's address filled
in, the CHANGELOG's section for the version). Without --release, "not ready" is reported
and the exit status is 0 (CI on any commit); with --release it fails (the release itself).
Exit status 1 when a distribution is wrong, whatever the mode.
"""

from __future__ import annotations

import email.parser
import re
import sys
import tarfile
import zipfile
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "pytest_sesquota"
#: The placeholder of the project's address in pyproject.toml, until the maintainers fill it.
PLACEHOLDER = "OWNER"
#: A final release's version (no .devN, aN, bN, rcN, .postN or +local).
FINAL = re.compile(r"^\d+\.\d+\.\d+$")


def pyproject(root: Path = ROOT) -> dict[str, object]:
    with (root / "pyproject.toml").open("rb") as file:
        project: dict[str, object] = tomllib.load(file)["project"]
    return project


def subpackages(root: Path = ROOT) -> list[str]:
    """``pytest_sesquota/account/__init__.py``, ...: every package the wheel must hold."""
    return sorted(p.relative_to(root).as_posix() for p in (root / PACKAGE).rglob("__init__.py"))


def readiness(root: Path = ROOT) -> list[str]:
    """What stands between this tree and a release (empty: ready)."""
    project = pyproject(root)
    version = str(project["version"])
    problems: list[str] = []
    if not FINAL.match(version):
        problems.append(f"version {version} is not a release's (X.Y.Z): set it in pyproject.toml")
    urls = project.get("urls")
    if not isinstance(urls, dict) or not urls:
        problems.append("pyproject.toml has no [project.urls]")
    elif any(PLACEHOLDER in str(url) for url in urls.values()):
        problems.append(
            f"[project.urls] still holds the {PLACEHOLDER} placeholder: fill in the "
            "repository's address in pyproject.toml"
        )
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    if not re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M):
        problems.append(f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section")
    unreleased = re.search(r"^## \[Unreleased\]\n(.*?)(?=^## \[)", changelog, re.M | re.S)
    if unreleased and unreleased.group(1).strip():
        problems.append("CHANGELOG.md's Unreleased section is not empty: move it under the version")
    return problems


def check_metadata(text: str, project: dict[str, object]) -> list[str]:
    """The core metadata (a wheel's METADATA, an sdist's PKG-INFO) against pyproject."""
    meta = email.parser.Parser().parsestr(text)
    problems: list[str] = []
    expected = {
        "Name": str(project["name"]),
        "Version": str(project["version"]),
        "Requires-Python": str(project["requires-python"]),
        "License-Expression": str(project["license"]),
        "Description-Content-Type": "text/markdown",
    }
    for field, value in expected.items():
        if meta.get(field) != value:
            problems.append(f"{field}: {meta.get(field)!r}, expected {value!r}")
    classifiers = meta.get_all("Classifier") or []
    if classifiers != project["classifiers"]:
        problems.append("the classifiers differ from pyproject.toml's")
    urls = project.get("urls") or {}
    assert isinstance(urls, dict)
    shown = meta.get_all("Project-URL") or []
    for label, url in urls.items():
        if f"{label}, {url}" not in shown:
            problems.append(f"Project-URL {label} is missing")
    if "LICENSE" not in (meta.get_all("License-File") or []):
        problems.append("License-File: LICENSE is missing")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if meta.get_payload().strip() != readme.strip():
        problems.append("the long description is not README.md")
    return problems


def check_wheel(path: Path, root: Path = ROOT) -> list[str]:
    project = pyproject(root)
    problems: list[str] = []
    with zipfile.ZipFile(path) as wheel:
        names = set(wheel.namelist())
        info = f"{PACKAGE}-{project['version']}.dist-info"
        for needed in [*subpackages(root), f"{PACKAGE}/py.typed", f"{info}/licenses/LICENSE"]:
            if needed not in names:
                problems.append(f"{path.name} lacks {needed}")
        strays = sorted(n for n in names if not n.startswith((f"{PACKAGE}/", f"{info}/")))
        if strays:
            problems.append(f"{path.name} holds files outside the package: {strays[:5]}")
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        for line in ("sesquota = pytest_sesquota.plugin", "sesquota = pytest_sesquota.cli:main"):
            if line not in entry_points:
                problems.append(f"{path.name}'s entry points lack {line!r}")
        problems += check_metadata(wheel.read(f"{info}/METADATA").decode(), project)
    return problems


def check_sdist(path: Path, root: Path = ROOT) -> list[str]:
    project = pyproject(root)
    problems: list[str] = []
    top = f"{PACKAGE}-{project['version']}"
    with tarfile.open(path) as sdist:
        names = set(sdist.getnames())
        needed = ["pyproject.toml", "README.md", "LICENSE", "PKG-INFO", *subpackages(root)]
        for name in needed:
            if f"{top}/{name}" not in names:
                problems.append(f"{path.name} lacks {name}")
        member = sdist.extractfile(f"{top}/PKG-INFO")
        if member is not None:
            problems += check_metadata(member.read().decode(), project)
    return problems


def relative_links(readme: str) -> list[str]:
    """Links of the README that PyPI's page cannot follow (relative to the repository)."""
    text = re.sub(r"```.*?```", "", readme, flags=re.S)
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:|#", t)]


def main(argv: list[str]) -> int:
    release = "--release" in argv
    paths = [a for a in argv if not a.startswith("--")]
    if len(paths) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    dist = Path(paths[0])
    project = pyproject()
    stem = f"{PACKAGE}-{project['version']}"
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    problems: list[str] = []
    if [p.name for p in wheels] != [f"{stem}-py3-none-any.whl"]:
        problems.append(f"expected one wheel {stem}-py3-none-any.whl, found {wheels}")
    if [p.name for p in sdists] != [f"{stem}.tar.gz"]:
        problems.append(f"expected one sdist {stem}.tar.gz, found {sdists}")
    for wheel in wheels:
        problems += check_wheel(wheel)
    for sdist in sdists:
        problems += check_sdist(sdist)
    for problem in problems:
        print(f"release: WRONG: {problem}")
    links = relative_links((ROOT / "README.md").read_text(encoding="utf-8"))
    if links:
        print(
            f"release: note: the README's {len(links)} relative links (docs/...) do not "
            "resolve on PyPI's page; its Documentation link (pyproject.toml) does"
        )
    waiting = readiness()
    for problem in waiting:
        print(f"release: {'NOT READY' if release else 'not ready yet'}: {problem}")
    if not problems:
        print(f"release: {', '.join(p.name for p in [*sdists, *wheels])} checked")
    if problems or (release and waiting):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
