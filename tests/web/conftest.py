"""Browser fixtures: Debian's Chromium driven by Playwright against a live Sublarr."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.support.services import services_required

CHROMIUM = os.environ.get("SUBLARR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Whole scrollable page by default; SUBLARR_SCREENSHOT_FULL_PAGE=0 keeps the first screen only.
FULL_PAGE = os.environ.get("SUBLARR_SCREENSHOT_FULL_PAGE", "1") != "0"


def _unavailable(message: str) -> None:
    if services_required():
        pytest.fail(message + " (SUBLARR_REQUIRE_SERVICES=1: browser tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Chromium for the UI tests (package scope: one launch for this folder, and
    Playwright's event loop is gone again before other packages' tests run; each test
    still gets a fresh browser context of its own)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """JavaScript errors seen by a page; a test fails on any of them."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # 4xx answers are part of the UI's normal life (404 "not available yet", 422 forms).
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"console: {message.text}")


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser tab; closed before the live server stops (no spurious socket errors)."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors = PageErrors()
    errors.attach(tab)
    yield tab
    context.close()
    assert errors.errors == [], errors.errors


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    configured = os.environ.get("SUBLARR_SCREENSHOT_DIR")
    path = Path(configured) if configured else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def snap(screenshot_dir: Path) -> Callable[[Any, str], list[Path]]:
    """Screenshot the page at desktop and phone size (``<name>-1280x800.png``...).

    Also checks that nothing makes the page scroll sideways at either size.
    """

    def take(page: Any, name: str) -> list[Path]:
        paths = []
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(150)  # let layout settle after the resize
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= size["width"], f"{name}: page is {overflow}px wide at {size}"
            path = screenshot_dir / f"{name}-{size['width']}x{size['height']}.png"
            page.screenshot(path=str(path), full_page=FULL_PAGE)
            paths.append(path)
        page.set_viewport_size(DESKTOP)
        return paths

    return take


@pytest.fixture
def ui(page: Any, live_server: Any, api_key: str) -> Callable[[str], Any]:
    """Open a route of the UI already logged in (the key sits in localStorage)."""
    page.add_init_script(f"localStorage.setItem('sublarr.apiKey', {api_key!r});")

    def open_route(route: str = "activity") -> Any:
        page.goto(f"{live_server.url}/#/{route}")
        page.wait_for_selector(".main .page-head")
        return page

    return open_route


@pytest.fixture
def live_connected(page: Any) -> Callable[[], None]:
    """Wait until the page's Socket.IO client reports it is connected."""

    def wait() -> None:
        page.wait_for_selector('.conn[data-state="connected"]')

    return wait
