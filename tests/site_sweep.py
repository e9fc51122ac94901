"""Which pages of the site the browser test loads, and one pass over them in Chromium.

:func:`list_main_pages` names the pages from the documentation's own source
tree (so a new protocol page, guide or scenario page is checked without
editing the test). :func:`sweep` loads each at desktop and at phone width,
runs the checks of tests/site_browser.py, saves screenshots and returns one
:class:`PageCheck` per page and width; :func:`summarise` turns a page's two
checks into the line the CI log shows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.site_browser import (
    DESKTOP,
    PHONE,
    PageWatcher,
    Pictures,
    Viewport,
    find_desktop_layout_problems,
    find_pictures,
    find_sideways_scroll,
)
from tests.site_build import DOCS, ROOT

SCREENSHOTS = Path(os.environ.get("PLASMA_SPEC_SCREENSHOTS", ROOT / "docs/_build/screenshots"))
"""Where screenshots go (``PLASMA_SPEC_SCREENSHOTS`` overrides; git ignores docs/_build)."""

BENCHMARK_PAGE = "node/benchmarks.html"
"""The page of the reference node's benchmark results."""

PHONE_SCREENSHOTS = ("index.html", "protocol/lifecycle.html", BENCHMARK_PAGE)
"""Pages whose phone-width screenshot is kept too (with the first scenario page)."""

PICTURE = "article img, article object, article figure svg"
"""The pictures of a page's content, for the screenshot of its first one."""


def html_pages(folder: str, docs: Path = DOCS) -> list[str]:
    """Return the HTML path of every reST page in one folder of the documentation source."""
    return [f"{folder}/{source.stem}.html" for source in sorted((docs / folder).glob("*.rst"))]


def list_scenario_pages(docs: Path = DOCS) -> list[str]:
    """Return every scenario page (one per theme), without the scenario index."""
    pages = html_pages("guides/scenarios", docs)
    return [page for page in pages if not page.endswith("/index.html")]


def list_main_pages(docs: Path = DOCS) -> list[str]:
    """Return the pages the browser test loads, in the order of the site's four sections.

    The index; every page of the protocol section; the specification's index,
    rejection reasons and invariant catalog; the reference node's pages (its
    API reference by its index); every guide; the scenario index and every
    scenario page.
    """
    pages = ["index.html", *html_pages("protocol", docs)]
    pages += ["reference/index.html", "reference/rejections.html", "invariants.html"]
    pages += [*html_pages("node", docs), "node/api/index.html"]
    pages += [*html_pages("guides", docs), *html_pages("guides/scenarios", docs)]
    return pages


@dataclass(frozen=True)
class PageCheck:
    """What loading one page at one width showed."""

    path: str
    """The page, relative to the site's root (``protocol/overview.html``)."""
    viewport: Viewport
    """The window size it was loaded at."""
    load: tuple[str, ...]
    """Console errors, uncaught exceptions, failed requests and requests to other hosts."""
    pictures: Pictures
    """The pictures that loaded in the content, and those that failed."""
    layout: tuple[str, ...]
    """Heading below the first screen or navigation not beside the content (desktop only)."""
    sideways: tuple[str, ...]
    """The page is wider than the window."""
    screenshots: tuple[Path, ...]
    """The screenshots saved of it (the first screen, and its first picture if any)."""

    @property
    def problems(self) -> tuple[str, ...]:
        """Every problem found, each prefixed with the page and width."""
        found = (*self.load, *self.pictures.broken, *self.layout, *self.sideways)
        return tuple(f"{self.path} [{self.viewport.name}]: {problem}" for problem in found)


def screenshot_name(path: str, suffix: str) -> str:
    """Return a flat file name for a page's screenshot (``protocol-overview.desktop.png``)."""
    return f"{path.removesuffix('.html').replace('/', '-')}.{suffix}.png"


def check_page(
    page: Page, watcher: PageWatcher, url: str, viewport: Viewport, screenshots: Path | None
) -> PageCheck:
    """Load ``url`` in ``page`` and run every check of its width; save screenshots if asked.

    ``screenshots`` is the directory for them, or None for no screenshot.
    The page's own path (for the report) is what follows the server's root.
    """
    path = url.split("/", 3)[3]
    watcher.reset()
    try:
        page.goto(url)
    except PlaywrightError as error:
        watcher.problems.append(f"page did not load: {error.message}")
    pictures = find_pictures(page)
    layout = find_desktop_layout_problems(page) if viewport == DESKTOP else []
    sideways = find_sideways_scroll(page)
    saved = list(save_screenshots(page, path, viewport, pictures, screenshots))
    return PageCheck(
        path=path,
        viewport=viewport,
        load=tuple(watcher.problems),
        pictures=pictures,
        layout=tuple(layout),
        sideways=tuple(sideways),
        screenshots=tuple(saved),
    )


def save_screenshots(
    page: Page, path: str, viewport: Viewport, pictures: Pictures, directory: Path | None
) -> Iterator[Path]:
    """Save the first screen, and at desktop width the page's first picture; yield the files."""
    if directory is None:
        return
    screen = directory / screenshot_name(path, viewport.name)
    page.screenshot(path=screen)
    yield screen
    if viewport == DESKTOP and pictures.loaded > 0:
        figure = directory / screenshot_name(path, "figure")
        page.locator(PICTURE).first.screenshot(path=figure)
        yield figure


def sweep(
    desktop: tuple[Page, PageWatcher],
    phone: tuple[Page, PageWatcher],
    base_url: str,
    pages: list[str],
    screenshots: Path = SCREENSHOTS,
) -> list[tuple[PageCheck, PageCheck]]:
    """Check every page at desktop width (screenshot each) and phone width (screenshot a few)."""
    screenshots.mkdir(parents=True, exist_ok=True)
    phone_shots = {*PHONE_SCREENSHOTS, *list_scenario_pages()[:1]}
    checks = []
    for path in pages:
        wide = check_page(*desktop, base_url + path, DESKTOP, screenshots)
        narrow_shots = screenshots if path in phone_shots else None
        narrow = check_page(*phone, base_url + path, PHONE, narrow_shots)
        checks.append((wide, narrow))
    return checks


def summarise(wide: PageCheck, narrow: PageCheck) -> str:
    """Return the CI log's line for one page: path, screenshot sizes, pictures, result."""
    sizes = [
        f"{shot.name.rsplit('.', 2)[1]} {shot.stat().st_size / 1024:.0f} KiB"
        for check in (wide, narrow)
        for shot in check.screenshots
    ]
    problems = len(wide.problems) + len(narrow.problems)
    result = "ok" if problems == 0 else f"FAILED ({problems} problems)"
    shots = ", ".join(sizes) if sizes else "no screenshot"
    return f"site {wide.path:<42} {shots}; pictures {wide.pictures.loaded}; {result}"
