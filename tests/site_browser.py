"""Headless Chromium on a local copy of the site, and the checks a page must pass in it.

The site is served from a directory on 127.0.0.1 (:func:`serve`) and opened
in the system's Chromium through Playwright (:func:`launch_chromium`; the
browser is never downloaded). A :class:`PageWatcher` records what went wrong
while a page loaded: console errors, uncaught exceptions, failed requests,
and any request to another host (the site must work offline; such a request
is refused, never sent). The ``find_*`` functions read the loaded page: which
pictures loaded and which did not, where the main heading and the navigation
are, and whether the page scrolls sideways. tests/test_docs_browser.py runs
them on the built site and, as negative controls, on hand-made broken pages.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    Route,
)

CHROMIUM = Path(os.environ.get("PLASMA_SPEC_CHROMIUM", "/usr/bin/chromium"))
"""The system's Chromium (Debian package ``chromium``); ``PLASMA_SPEC_CHROMIUM`` overrides."""

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these, Chromium keeps calling its vendor's services from a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Command-line switches: headless, as root in a container, and quiet on the network."""


@dataclass(frozen=True)
class Viewport:
    """A window size the site is checked at."""

    name: str
    """Short name, used in screenshot file names and the summary lines."""
    width: int
    """Width in CSS pixels."""
    height: int
    """Height in CSS pixels."""


DESKTOP = Viewport("desktop", 1366, 768)
"""The most common laptop screen."""
PHONE = Viewport("phone", 390, 844)
"""A current phone held upright."""

HEADING_LIMIT = 0.4
"""At desktop width the main heading's top must lie within this fraction of the screen."""


def require_chromium(executable: Path = CHROMIUM) -> Path:
    """Return the Chromium executable; fail the test (never skip it) if it is not installed."""
    if not executable.is_file() or not os.access(executable, os.X_OK):
        pytest.fail(
            f"Chromium not found at {executable}: the site's browser test needs the system's "
            "Chromium; install it with `apt-get install chromium` (or set PLASMA_SPEC_CHROMIUM "
            "to its path). .ci/run installs it.",
            pytrace=False,
        )
    return executable


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve files from a directory without logging every request to the test's output."""

    def log_message(self, format: str, *args: Any) -> None:
        """Drop the request log line."""


class QuietServer(ThreadingHTTPServer):
    """An HTTP server that says nothing when the browser drops a connection it no longer needs."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore a connection the browser closed (leaving a page mid-transfer); report others."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def launch_chromium(playwright: Playwright) -> Iterator[Browser]:
    """Launch the system's Chromium, headless, with a fresh temporary profile; close it after."""
    executable = require_chromium()
    browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
    try:
        yield browser
    finally:
        browser.close()


def open_page(browser: Browser, viewport: Viewport, origin: str) -> tuple[Page, PageWatcher]:
    """Open a page of the given size, watched, that may fetch from ``origin`` only."""
    context = browser.new_context(viewport={"width": viewport.width, "height": viewport.height})
    context.set_default_timeout(20_000)
    page = context.new_page()
    return page, PageWatcher(page, origin)


class PageWatcher:
    """Record the load problems of a page: console errors, exceptions, failed or outside requests.

    Every request is routed through the watcher: one to ``origin`` goes on,
    one to any other host is refused and recorded (the offline rule).
    """

    def __init__(self, page: Page, origin: str) -> None:
        """Attach to ``page``; requests to ``origin`` (scheme, host and port) are allowed."""
        self.origin = urlsplit(origin).netloc
        self.problems: list[str] = []
        self.refused: set[str] = set()
        page.route("**/*", self.on_route)
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))
        page.on("requestfailed", self.on_request_failed)
        page.on("response", self.on_response)

    def reset(self) -> None:
        """Forget what was recorded (before loading the next page)."""
        self.problems.clear()
        self.refused.clear()

    def on_route(self, route: Route) -> None:
        """Let a request to the local server through; refuse and record any other."""
        url = route.request.url
        if urlsplit(url).netloc == self.origin:
            route.continue_()
            return
        self.refused.add(url)
        self.problems.append(f"request to another host (the site must work offline): {url}")
        route.abort("blockedbyclient")

    def on_console(self, message: ConsoleMessage) -> None:
        """Record a console message of type error."""
        if message.type == "error":
            where = message.location.get("url", "")
            self.problems.append(f"console error: {message.text} ({where})")

    def on_request_failed(self, request: Request) -> None:
        """Record a request that failed (other than one the watcher refused)."""
        if request.url not in self.refused:
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_response(self, response: Response) -> None:
        """Record a response with an error status (a missing file)."""
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


@dataclass(frozen=True)
class Pictures:
    """The pictures of a page: how many loaded in its content, and which failed anywhere."""

    loaded: int
    """Images (``<img>``), SVG ``<object>`` s and inline SVG figures shown in the content."""
    broken: tuple[str, ...]
    """The address or description of each picture that did not load."""


FIND_PICTURES = """async () => {
  const content = document.querySelector('article') || document.body;
  const images = [...document.images];
  for (const image of images) { if (image.loading === 'lazy') image.loading = 'eager'; }
  await Promise.all(images.map((image) => image.decode().catch(() => null)));
  const broken = [];
  let loaded = 0;
  for (const image of images) {
    const ok = image.complete && image.naturalWidth > 0;
    if (!ok) broken.push('img ' + (image.getAttribute('src') || '(no src)'));
    else if (content.contains(image)) loaded += 1;
  }
  for (const object of document.querySelectorAll('object')) {
    const root = object.contentDocument && object.contentDocument.documentElement;
    const ok = root !== null && root.localName === 'svg' && object.clientWidth > 0;
    if (!ok) broken.push('object ' + (object.getAttribute('data') || '(no data)'));
    else if (content.contains(object)) loaded += 1;
  }
  for (const svg of content.querySelectorAll('figure svg, .figure svg')) {
    const box = svg.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && svg.childElementCount > 0) loaded += 1;
    else broken.push('inline svg figure ' + (svg.getAttribute('aria-label') || ''));
  }
  return {loaded, broken};
}"""


def find_pictures(page: Page) -> Pictures:
    """Return the pictures of the loaded page (lazy images are made to load first)."""
    found = page.evaluate(FIND_PICTURES)
    return Pictures(
        loaded=int(found["loaded"]), broken=tuple(str(item) for item in found["broken"])
    )


FIND_LAYOUT = """(navigationSelector) => {
  const box = (element) => {
    if (element === null) return null;
    const r = element.getBoundingClientRect();
    return {top: r.top, left: r.left, right: r.right, bottom: r.bottom,
            width: r.width, height: r.height};
  };
  const heading = document.querySelector('article h1') || document.querySelector('h1');
  return {heading: box(heading), navigation: box(document.querySelector(navigationSelector)),
          width: window.innerWidth, height: window.innerHeight};
}"""


def find_desktop_layout_problems(page: Page, navigation: str = ".sidebar-tree") -> list[str]:
    """Return what is wrong with the first screen: heading too low, navigation not beside it.

    The main heading's top must lie within the first :data:`HEADING_LIMIT` of
    the screen, and the navigation (CSS selector ``navigation``) must be
    shown on the first screen beside the content: its box and the heading's
    share no column of pixels.
    """
    page.evaluate("window.scrollTo(0, 0)")
    layout = page.evaluate(FIND_LAYOUT, navigation)
    heading, nav, height = layout["heading"], layout["navigation"], layout["height"]
    if heading is None:
        return ["no <h1> heading"]
    problems = []
    if heading["top"] > HEADING_LIMIT * height:
        problems.append(
            f"main heading starts {heading['top']:.0f} px down, below {HEADING_LIMIT:.0%} of "
            f"the {height} px screen"
        )
    if nav is None or nav["width"] == 0 or nav["height"] == 0:
        problems.append(f"no visible navigation ({navigation})")
    elif nav["top"] >= height:
        problems.append(f"navigation starts below the first screen ({nav['top']:.0f} px)")
    elif nav["left"] < heading["right"] and heading["left"] < nav["right"]:
        problems.append(
            f"navigation is not beside the content: it spans x={nav['left']:.0f}..."
            f"{nav['right']:.0f} px, over the heading's x={heading['left']:.0f}..."
            f"{heading['right']:.0f} px"
        )
    return problems


FIND_WIDTH = """() => ({page: document.documentElement.scrollWidth,
                      screen: document.documentElement.clientWidth})"""


def find_sideways_scroll(page: Page) -> list[str]:
    """Return a problem if the document is wider than the window (the page scrolls sideways)."""
    width = page.evaluate(FIND_WIDTH)
    if width["page"] > width["screen"]:
        return [f"page scrolls sideways: {width['page']} px wide in a {width['screen']} px window"]
    return []
