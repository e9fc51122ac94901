"""The documentation site in a real browser: the system's Chromium, headless, offline.

The site built for this session (tests/site_build.py, shared with
tests/test_docs.py) is served on 127.0.0.1 and its main pages are loaded at
desktop width (1366x768) and phone width (390x844). A page fails on a
console error, a failed request or a request to another host (the site must
work offline), a picture that did not load, a main heading below the first
screen or navigation not beside the content at desktop width, and a page
that scrolls sideways. Screenshots go to docs/_build/screenshots (or
``PLASMA_SPEC_SCREENSHOTS``) and the CI log gets one line per page. The
negative tests load hand-made broken pages through the same checks.

``PLASMA_SPEC_SITE`` names an already built site to check instead of building
one (for a quick look after ``sphinx-build``); CI leaves it unset.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.site_browser import DESKTOP, PHONE, Viewport, launch_chromium, open_page, serve
from tests.site_browser import require_chromium as find_chromium
from tests.site_build import get_built_site
from tests.site_sweep import (
    BENCHMARK_PAGE,
    SCREENSHOTS,
    PageCheck,
    check_page,
    list_main_pages,
    list_scenario_pages,
    summarise,
    sweep,
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system's Chromium, headless, for the whole module (one browser for every page)."""
    with sync_playwright() as playwright, launch_chromium(playwright) as launched:
        yield launched


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site (or ``PLASMA_SPEC_SITE``), served on 127.0.0.1: its base URL."""
    prebuilt = os.environ.get("PLASMA_SPEC_SITE")
    site = Path(prebuilt) if prebuilt else get_built_site(tmp_path_factory)
    with serve(site) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def site_checks(
    browser: Browser, site_url: str, request: pytest.FixtureRequest
) -> list[tuple[PageCheck, PageCheck]]:
    """Load every main page of the built site at both widths; log one line per page."""
    started = time.monotonic()
    desktop = open_page(browser, DESKTOP, site_url)
    phone = open_page(browser, PHONE, site_url)
    checks = sweep(desktop, phone, site_url, list_main_pages())
    desktop[0].context.close()
    phone[0].context.close()
    lines = [summarise(wide, narrow) for wide, narrow in checks]
    lines.append(
        f"site: {len(checks)} pages checked in Chromium in {time.monotonic() - started:.1f} s; "
        f"screenshots in {SCREENSHOTS}"
    )
    # Shown in the log even when the tests pass: what was checked, and where to look.
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print("\n" + "\n".join(lines), flush=True)
    return checks


def every_check(checks: list[tuple[PageCheck, PageCheck]]) -> list[PageCheck]:
    """Return the desktop and phone checks of every page, one list."""
    return [check for pair in checks for check in pair]


def test_missing_chromium_fails_and_says_how_to_install_it(tmp_path: Path) -> None:
    """Given no Chromium at the path, When the test looks for it, Then it fails naming apt-get."""
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install chromium"):
        find_chromium(tmp_path / "chromium")


def test_the_main_pages_are_checked_with_screenshots(
    site_checks: list[tuple[PageCheck, PageCheck]],
) -> None:
    """Given the site, When the sweep ran, Then every main page has its checks and screenshots."""
    paths = [wide.path for wide, _ in site_checks]
    assert paths == list_main_pages()
    expected = {"index.html", "protocol/overview.html", "invariants.html", BENCHMARK_PAGE}
    assert expected <= set(paths)
    assert set(list_scenario_pages()) <= set(paths)
    assert len(list_scenario_pages()) >= 10
    for wide, narrow in site_checks:
        assert (wide.viewport, narrow.viewport) == (DESKTOP, PHONE)
        assert wide.screenshots, wide.path
        for shot in (*wide.screenshots, *narrow.screenshots):
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot


def test_every_page_loads_without_errors_and_offline(
    site_checks: list[tuple[PageCheck, PageCheck]],
) -> None:
    """Given the main pages, When loaded, Then no console error, failed or outside request."""
    problems = [problem for check in every_check(site_checks) for problem in check.load]
    assert problems == []


def test_every_picture_loads(site_checks: list[tuple[PageCheck, PageCheck]]) -> None:
    """Given the main pages, When loaded, Then every image, SVG object and figure is shown."""
    broken = [
        f"{check.path}: {picture}"
        for check in every_check(site_checks)
        for picture in check.pictures.broken
    ]
    assert broken == []


def test_desktop_heading_on_the_first_screen_with_the_navigation_beside(
    site_checks: list[tuple[PageCheck, PageCheck]],
) -> None:
    """Given 1366x768, When each page loads, Then its h1 is high and the navigation beside it."""
    problems = [f"{wide.path}: {problem}" for wide, _ in site_checks for problem in wide.layout]
    assert problems == []


def test_no_page_scrolls_sideways(site_checks: list[tuple[PageCheck, PageCheck]]) -> None:
    """Given phone and desktop widths, When each page loads, Then it is no wider than the window."""
    problems = [problem for check in every_check(site_checks) for problem in check.sideways]
    assert problems == []


def test_scenario_pages_and_the_benchmark_page_show_pictures(
    site_checks: list[tuple[PageCheck, PageCheck]],
) -> None:
    """Given the scenario and benchmark pages, When loaded, Then each shows a loaded picture."""
    shown = {wide.path: wide.pictures.loaded for wide, _ in site_checks}
    pages = [*list_scenario_pages(), BENCHMARK_PAGE]
    missing = [page for page in pages if shown[page] == 0]
    assert not missing, f"no loaded picture on {len(missing)} pages: {', '.join(missing)}"


def test_search_finds_pages_offline(browser: Browser, site_url: str) -> None:
    """Given the site, When "griefing" is searched, Then results link pages, and nothing failed."""
    page, watcher = open_page(browser, DESKTOP, site_url)
    try:
        page.goto(site_url + "search.html?q=griefing")
        # Results are listed one by one, each with a summary fetched from its page:
        # wait for the last one to be listed and for every fetch to end.
        page.get_by_text("Search finished").wait_for()
        page.wait_for_load_state("networkidle")
        results = page.locator("#search-results ul.search li a")
        links = [results.nth(index).get_attribute("href") or "" for index in range(3)]
        assert results.count() >= 10
        assert all(link and "://" not in link for link in links), links
        page.goto(site_url + "index.html")
        assert page.locator(".sidebar-search").is_visible()
    finally:
        page.context.close()
    assert watcher.problems == []


GOOD_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<link rel="icon" href="data:,"><title>hand-made</title></head>
<body style="margin: 0; display: flex; flex-wrap: wrap">
{navigation}
<article style="flex: 1 1 0; min-width: 0; padding: 0 1em">
<h1>A hand-made page</h1>
<p>Some text, then a picture.</p>
<figure><img src="dot.svg" alt="a dot"></figure>
{extra}
</article></body></html>
"""
"""A small page that passes every check; ``extra`` and ``navigation`` plant a fault."""

SIDE_NAVIGATION = '<nav class="sidebar-tree" style="width: 12em"><a href="#">Home</a></nav>'
TOP_NAVIGATION = (
    '<nav class="sidebar-tree" style="flex: 0 0 100%; height: {height}"><a href="#">Home</a></nav>'
)
DOT = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
    '<circle r="9" cx="10" cy="10"/></svg>'
)


def check_hand_made_page(
    browser: Browser, folder: Path, viewport: Viewport, navigation: str = "", extra: str = ""
) -> PageCheck:
    """Write a hand-made page (with a fault planted) into ``folder``, load it; return its check."""
    (folder / "dot.svg").write_text(DOT, encoding="utf-8")
    page_html = GOOD_PAGE.format(navigation=navigation or SIDE_NAVIGATION, extra=extra)
    (folder / "page.html").write_text(page_html, encoding="utf-8")
    with serve(folder) as base_url:
        page, watcher = open_page(browser, viewport, base_url)
        try:
            return check_page(page, watcher, base_url + "page.html", viewport, screenshots=None)
        finally:
            page.context.close()


def test_a_sound_hand_made_page_passes_every_check(browser: Browser, tmp_path: Path) -> None:
    """Given a sound page, When checked at both widths, Then no problem and its picture counts."""
    for viewport in (DESKTOP, PHONE):
        check = check_hand_made_page(browser, tmp_path, viewport)
        assert check.problems == ()
        assert check.pictures.loaded == 1


@pytest.mark.parametrize(
    ("extra", "part", "expected"),
    [
        ('<img src="missing.png" alt="lost">', "pictures", "img missing.png"),
        ('<img src="missing.png" alt="lost">', "load", "HTTP 404"),
        ('<object data="missing.svg" type="image/svg+xml"></object>', "pictures", "object"),
        ('<script src="https://cdn.example.org/lib.js"></script>', "load", "another host"),
        ('<link rel="stylesheet" href="https://fonts.example.org/font.css">', "load", "another"),
        ("<script>console.error('boom')</script>", "load", "console error: boom"),
        ("<script>null.boom()</script>", "load", "uncaught exception"),
        ('<div style="width: 1200px">too wide</div>', "sideways", "scrolls sideways"),
    ],
    ids=[
        "broken-img",
        "missing-file",
        "broken-object",
        "outside-script",
        "outside-font",
        "console-error",
        "exception",
        "too-wide",
    ],
)
def test_a_planted_fault_is_found(
    browser: Browser, tmp_path: Path, extra: str, part: str, expected: str
) -> None:
    """Given a page with one planted fault, When checked at phone width, Then the fault is named."""
    check = check_hand_made_page(browser, tmp_path, PHONE, extra=extra)
    found = {
        "pictures": check.pictures.broken,
        "load": check.load,
        "sideways": check.sideways,
    }[part]
    assert any(expected in problem for problem in found), check.problems


def test_navigation_above_the_content_is_found(browser: Browser, tmp_path: Path) -> None:
    """Given navigation above the content, When checked at desktop width, Then both are named."""
    short = TOP_NAVIGATION.format(height="5em")
    check = check_hand_made_page(browser, tmp_path, DESKTOP, navigation=short)
    assert len(check.layout) == 1
    assert "navigation is not beside the content" in check.layout[0]
    tall = TOP_NAVIGATION.format(height="30em")
    check = check_hand_made_page(browser, tmp_path, DESKTOP, navigation=tall)
    assert any("main heading starts" in problem for problem in check.layout), check.layout
    assert any("not beside" in problem for problem in check.layout), check.layout
