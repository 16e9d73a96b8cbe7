"""The docs site as a browser shows it: a screenshot of every page, and what the page
looks like measured in the browser (code or a table scrolling out of sight, a list run
into a paragraph, an image that did not load).

    python .ci/site_screenshots.py SITE_DIR OUT_DIR [PAGE.html ...]

SITE_DIR is a built site (mkdocs build); the screenshots go to OUT_DIR. Headless
Chromium or Chrome does the rendering: $SESQUOTA_BROWSER, else the first of chromium,
chromium-browser, google-chrome, google-chrome-stable found on PATH.

Exit status: 1 when a page measured has a problem, else 0. A browser that is missing,
crashes or times out is reported and skipped (exit 0): the static checks of the built
HTML (tests/test_docs_site.py) run everywhere; this one runs where a browser does.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
WIDTH = 1280
#: Screenshots are as tall as the page, up to this many pixels.
MAX_HEIGHT = 16_000
TIMEOUT = 60
JOBS = 2
PROBE_ID = "sesquota-probe"
#: Run in each page once it has loaded (Material's own scripts included): it measures what
#: the static checks cannot, and writes the result into the page for --dump-dom.
PROBE = (Path(__file__).with_name("site_probe.js")).read_text(encoding="utf-8")


class BrowserFailed(Exception):
    """The browser did not answer for a page (crash, timeout, no output)."""


def find_browser() -> str | None:
    chosen = os.environ.get("SESQUOTA_BROWSER")
    if chosen:
        return shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def with_probe(page: str) -> str:
    """The page's HTML with the probe script before ``</body>``."""
    script = f"<script>\n{PROBE}</script>\n"
    head, found, tail = page.rpartition("</body>")
    return f"{head}{script}{found}{tail}" if found else page + script


def read_probe(dom: str) -> dict[str, object]:
    """The probe's measurements from a page's dumped DOM."""
    found = re.findall(rf'<pre id="{PROBE_ID}">(.*?)</pre>', dom, re.S)
    if not found:
        raise BrowserFailed("the page's measurements are missing (its scripts did not run)")
    try:
        result = json.loads(html.unescape(found[-1]))
    except ValueError as error:
        raise BrowserFailed(f"the page's measurements cannot be read: {error}") from None
    if not isinstance(result, dict):
        raise BrowserFailed("the page's measurements cannot be read")
    return result


def problems_of(measured: dict[str, object]) -> list[str]:
    """``clipped code: +0.000s us-east-1 SendEmail ...``, one line per problem."""
    found = measured.get("problems") or {}
    assert isinstance(found, dict)
    return [f"{kind.replace('_', ' ')}: {what}" for kind, items in found.items() for what in items]


def _browser(browser: str, *args: str) -> str:
    command = [browser, *FLAGS, *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BrowserFailed(str(error)) from None
    if done.returncode != 0:
        raise BrowserFailed(f"exit status {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.stdout


def check_page(browser: str, site: Path, probed: Path, page: str, out: Path) -> list[str]:
    """Measure one page in the browser and take its screenshot; its problems."""
    dom = _browser(
        browser,
        f"--window-size={WIDTH},1000",
        "--virtual-time-budget=2000",
        "--dump-dom",
        (probed / page).as_uri(),
    )
    measured = read_probe(dom)
    height = measured.get("height")
    height = min(height if isinstance(height, int) and height > 0 else 2000, MAX_HEIGHT)
    shot = out / (page.replace("/", "_").removesuffix(".html") + ".png")
    _browser(
        browser,
        f"--window-size={WIDTH},{height}",
        "--virtual-time-budget=2000",
        f"--screenshot={shot}",
        (site / page).as_uri(),
    )
    if not shot.is_file():
        raise BrowserFailed(f"no screenshot written for {page}")
    return problems_of(measured)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    site, out = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    pages = argv[2:] or sorted(
        p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html"
    )
    browser = find_browser()
    if browser is None:
        print(
            "site screenshots: SKIPPED, no headless browser found (looked for $SESQUOTA_BROWSER, "
            f"{', '.join(BROWSERS)}); install one (Debian: apt-get install chromium) to check "
            "how the pages render. The built HTML was checked without one "
            "(tests/test_docs_site.py)."
        )
        return 0
    out.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    unchecked: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        probed = Path(tmp) / "site"
        shutil.copytree(site, probed)
        for page in pages:
            path = probed / page
            path.write_text(with_probe(path.read_text(encoding="utf-8")), encoding="utf-8")
        # Two browsers at a time: most of a page's time is the browser starting.
        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            futures = {
                page: pool.submit(check_page, browser, site, probed, page, out) for page in pages
            }
        for page, future in futures.items():
            try:
                problems = future.result()
            except BrowserFailed as error:
                unchecked.append(f"{page}: {error}")
                continue
            print(f"{page}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
            failed += [f"  {page}: {problem}" for problem in problems]
    print(f"site screenshots: {len(pages) - len(unchecked)} of {len(pages)} pages, in {out}")
    if unchecked:
        print("site screenshots: the browser failed on some pages (not counted as problems):")
        print("\n".join(f"  {line}" for line in unchecked))
    if failed:
        print("site screenshots: pages that do not render legibly:")
        print("\n".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
