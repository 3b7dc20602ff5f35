"""The committed reviewer's report opened in a real (headless) Chromium.

Checks that every figure image loads, every link points at an existing file, nothing is fetched from
the internet, the language switch works, and saves ``reports/screenshot.png`` for the README.
Uses Debian's ``chromium`` (``.ci/install-system-deps``) through the playwright Python package;
skipped when either is missing (``playwright install`` is not used: it downloads browsers).
"""

from __future__ import annotations

import shutil
import time
from urllib.parse import unquote, urlsplit

import pytest

from samskab_analysis.paths import REPORTS_DIR

INDEX = REPORTS_DIR / "index.html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (run .ci/install-system-deps)"),
    pytest.mark.skipif(not INDEX.is_file(), reason="reports/index.html not generated (run samskab reproduce)"),
]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        except sync_api.Error as err:  # pragma: no cover - broken browser installation
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {err}")
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A page that refuses (and records) every request leaving the local file system."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    external: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.external = external
    yield page
    context.close()


def test_index_images_links_and_language_switch(page) -> None:
    for attempt in range(4):  # nbval re-executes the notebooks meanwhile: a figure may be half rewritten
        page.goto(INDEX.as_uri(), wait_until="load")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => ({src: e.getAttribute('src'), ok: e.complete && e.naturalWidth > 0}))"
        )
        broken = [img["src"] for img in images if not img["ok"]]
        if not broken:
            break
        time.sleep(1 + attempt)
    assert len(images) >= 19 * 3, "expected a thumbnail per exhibit and language"
    assert not broken, f"figures that do not load: {broken}"

    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    missing = []
    ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    for href in hrefs:
        target = urlsplit(href)
        if target.scheme:
            missing.append(href)  # the page must not link to the internet for anything it shows
        elif not target.path:
            assert target.fragment in ids, f"anchor {href} has no target"
        elif not (REPORTS_DIR / unquote(target.path)).resolve().is_file():
            missing.append(href)
    assert not missing, f"links to missing files: {missing}"
    assert not page.external, f"requests to the internet: {page.external}"

    shown = "img => getComputedStyle(img.closest('a')).display !== 'none'"
    assert page.eval_on_selector("img[src$='fig01_da.svg']", shown)
    assert not page.eval_on_selector("img[src$='fig01_en.svg']", shown)
    page.click("button[data-lang='en']")
    assert page.eval_on_selector("img[src$='fig01_en.svg']", shown)
    assert not page.eval_on_selector("img[src$='fig01_da.svg']", shown)
    assert page.eval_on_selector("button[data-lang='en']", "b => b.getAttribute('aria-pressed')") == "true"
    page.click("button[data-lang='da']")
    page.screenshot(path=str(REPORTS_DIR / "screenshot.png"))
    assert (REPORTS_DIR / "screenshot.png").stat().st_size > 10_000


def test_rendered_notebook_page_works_offline(page) -> None:
    html = REPORTS_DIR / "html" / "figure_fig01.html"
    if not html.is_file():
        pytest.skip("reports/html/figure_fig01.html not rendered")
    page.goto(html.as_uri(), wait_until="load")
    assert not page.external, f"requests to the internet: {page.external}"
    images = page.eval_on_selector_all("img", "els => els.map(e => e.complete && e.naturalWidth > 0)")
    assert images and all(images), "the notebook's inline figure does not render"
    assert "Figur 1" in page.inner_text("body")
