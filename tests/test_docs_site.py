"""The documentation site renders what its Markdown says: the site is built (mkdocs
build --strict, as .ci/run does) and its HTML read back.

``mkdocs build --strict`` does not see a list that Python-Markdown took for the end of a
paragraph (no blank line before it), a table that became text, code that scrolls out of
sight, or a link that opened from disk lands on a directory listing. These tests do; a
browser's view of the same pages is .ci/site_screenshots.py's (in CI, where one runs).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: The start of a Markdown list item (bullets and numbers), after any indentation.
ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+\.)\s+\S")


def unfenced(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of every line outside fenced code blocks."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if marker and (fence is None or marker.group(1).startswith(fence)):
            fence = marker.group(1)[:3] if fence is None else None
            continue
        if fence is None:
            lines.append((number, line))
    return lines


def lists_without_a_blank_line(text: str) -> list[int]:
    """Line numbers of list items that Python-Markdown reads as the paragraph above
    going on (GitHub renders them as lists: only the docs site shows the fault)."""
    found: list[int] = []
    previous = ""
    in_list = False
    for number, line in unfenced(text):
        if ITEM.match(line):
            if previous.strip() and not in_list:
                found.append(number)
            in_list = True
        elif not line.strip():
            in_list = False
        previous = line
    return found


def test_the_list_check_sees_what_python_markdown_does():
    assert lists_without_a_blank_line("The ledger, in order:\n- `.sent`\n- `.throttled`\n") == [2]
    assert lists_without_a_blank_line("In order:\n\n- a\n  goes on\n- b\n    - nested\n") == []
    assert lists_without_a_blank_line("text\n```\nnot:\n- a list\n```\n") == []
    assert lists_without_a_blank_line("1. one\n2. two\n\nthen:\n3. three\n") == [5]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_list_follows_a_blank_line(page: Path):
    lines = lists_without_a_blank_line(page.read_text(encoding="utf-8"))
    assert lines == [], f"{page.relative_to(ROOT)}: a list without a blank line before it"


# -- the built site ---------------------------------------------------------------------
class Page(HTMLParser):
    """What the checks read from one built page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []
        self.stylesheets: list[str] = []
        self.pre_classes: list[str] = []
        self.article_depth = 0  # inside the page's content (not the navigation)
        self._depth = 0
        self._paragraph: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self._depth += 1
        if tag == "article" and "md-typeset" in attributes.get("class", ""):
            self.article_depth = self._depth
        if tag == "p" and self.article_depth:
            self._paragraph = []
        elif tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        elif tag == "img":
            self.images.append(attributes.get("src", ""))
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes.get("href", ""))
        elif tag == "pre":
            self.pre_classes.append("in article" if self.article_depth else "outside")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._paragraph is not None:
            self.paragraphs.append("".join(self._paragraph))
            self._paragraph = None
        if self._depth == self.article_depth:
            self.article_depth = 0
        self._depth -= 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._paragraph is not None:
            self._paragraph.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason='the docs extra: pip install -e ".[docs]"')
    pytest.importorskip("material", reason='the docs extra: pip install -e ".[docs]"')
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    done = subprocess.run(build, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def built_pages(site: Path) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    for path in sorted(site.rglob("*.html")):
        if path.name == "404.html":
            continue
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.relative_to(site).as_posix()] = page
    return pages


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, Page]:
    pages = built_pages(site)
    assert len(pages) == len(list((ROOT / "docs").rglob("*.md")))  # one per Markdown page
    return pages


def test_lists_and_tables_are_rendered_not_run_into_paragraphs(pages: dict[str, Page]):
    run_on = [
        f"{name}: {line.strip()[:60]!r}"
        for name, page in pages.items()
        for text in page.paragraphs
        for line in text.splitlines()[1:]
        if ITEM.match(line) or line.lstrip().startswith("|")
    ]
    assert run_on == []


def test_code_wraps_rather_than_scrolling_out_of_sight(site: Path, pages: dict[str, Page]):
    css = (site / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    rule = re.search(r"\.md-typeset pre > code \{([^}]*)\}", css)
    assert rule is not None and "white-space: pre-wrap" in rule.group(1)
    assert "overflow-wrap: anywhere" in rule.group(1)  # a message id longer than a line
    for name, page in pages.items():
        depth = "../" * name.count("/")
        assert f"{depth}stylesheets/extra.css" in page.stylesheets, name
        # Every code block of a page is under the rule (inside the article).
        assert set(page.pre_classes) <= {"in article"}, name
    # The SES conversation's longest line, whole in the page.
    conversation = (site / "reports.html").read_text(encoding="utf-8")
    assert "throttled (rate: 0.50 of 1 available, max 1/s) [retry 1]" in conversation


def test_every_link_works_opened_from_disk(site: Path, pages: dict[str, Page]):
    broken: list[str] = []
    for name, page in pages.items():
        here = (site / name).parent
        for target in page.links + page.images:
            if re.match(r"[a-z]+:|#", target):
                continue
            path = (here / target.split("#")[0]).resolve()
            # file:// shows a directory as a listing: every link names a file.
            if not path.is_file():
                broken.append(f"{name} -> {target}")
    assert broken == []
    assert "account.html" in pages["index.html"].links


# -- the browser's view (.ci/site_screenshots.py, run by .ci/run where a browser is) -------
def screenshots_module():
    import importlib.util

    path = ROOT / ".ci" / "site_screenshots.py"
    spec = importlib.util.spec_from_file_location("site_screenshots", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_browser_probe_goes_in_and_its_measurements_come_out():
    shots = screenshots_module()
    page = shots.with_probe("<html><body><p>x</p></body></html>")
    assert page.endswith("</script>\n</body></html>") and "scrollWidth" in page
    dom = (
        '<html><body><pre id="sesquota-probe">{"height": 1200, "problems": {"clipped_code": '
        '["+0.000s us-east-1 SendEmail a&amp;b"], "run_on_lists": []}}</pre></body></html>'
    )
    measured = shots.read_probe(dom)
    assert measured["height"] == 1200
    assert shots.problems_of(measured) == ["clipped code: +0.000s us-east-1 SendEmail a&b"]
    with pytest.raises(shots.BrowserFailed, match="did not run"):
        shots.read_probe("<html><body></body></html>")


def test_without_a_browser_the_step_says_so_and_passes(tmp_path, monkeypatch, capsys):
    shots = screenshots_module()
    monkeypatch.setenv("SESQUOTA_BROWSER", str(tmp_path / "no-such-browser"))
    assert shots.main([str(tmp_path), str(tmp_path / "shots")]) == 0
    assert capsys.readouterr().out.startswith(
        "site screenshots: SKIPPED, no headless browser found"
    )
