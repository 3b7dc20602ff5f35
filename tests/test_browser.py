"""The committed report site and PDFs opened in a real (headless) Chromium.

Every page of every language is loaded on a desktop (1400×900) and a phone (390×844) screen: every
image loads, every link points at an existing file, nothing is fetched from the internet, nothing is
wider than the phone's screen, and the language switch keeps the page.  Saves screenshots of the
landing page and one exhibit page per language for the README (``reports/screenshots/``) and turns two
pages of each PDF into PNG with pdftoppm to check they are not blank.  Uses Debian's ``chromium``
(``.ci/install-system-deps``) through the playwright Python package; skipped when either is missing
(``playwright install`` is not used: it downloads browsers).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from samskab_analysis.paths import LANGS, REPORTS_DIR
from samskab_analysis.run.site_pdf import CHROMIUM_ARGS, chromium_path

SITE = REPORTS_DIR / "site"
SHOTS = REPORTS_DIR / "screenshots"
CHROMIUM = chromium_path()
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
EXHIBIT = "exhibits/figure_fig03.html"

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (run .ci/install-system-deps)"),
    pytest.mark.skipif(not (SITE / "da" / "index.html").is_file(), reason="reports/site not built (samskab site)"),
]


def pages(lang: str) -> list[Path]:
    return sorted(p for p in (SITE / lang).rglob("*.html") if "_static" not in p.parts)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except sync_api.Error as err:  # pragma: no cover - broken browser installation
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {err}")
        yield chromium
        chromium.close()


def new_page(browser, viewport: dict[str, int]):
    """A page that refuses (and records) every request leaving the local file system."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    external: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(("file:", "data:", "about:", "blob:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.external = external
    return context, page


IMAGES = "els => els.filter(e => !e.complete || e.naturalWidth === 0).map(e => e.getAttribute('src'))"
LINKS = "els => els.map(e => e.getAttribute('href'))"
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_loads_on_desktop_and_phone(browser, lang: str) -> None:
    problems: list[str] = []
    for viewport in (DESKTOP, PHONE):
        context, page = new_page(browser, viewport)
        for path in pages(lang):
            name = f"{lang}/{path.relative_to(SITE / lang).as_posix()} @{viewport['width']}"
            page.goto(path.as_uri(), wait_until="load")
            broken = page.eval_on_selector_all("img", IMAGES)
            if broken:
                problems.append(f"{name}: images that do not load {broken}")
            if viewport is PHONE:
                overflow = page.evaluate(OVERFLOW)
                if overflow > 0:
                    problems.append(f"{name}: {overflow}px wider than the phone")
                continue
            for href in page.eval_on_selector_all("a[href]", LINKS):
                target = urlsplit(href)
                if target.scheme in ("http", "https"):
                    problems.append(f"{name}: links to the internet {href}")
                elif not target.scheme and target.path and not (path.parent / unquote(target.path)).exists():
                    problems.append(f"{name}: missing link target {href}")
        if page.external:
            problems.append(f"{lang} @{viewport['width']}: requests to the internet {sorted(set(page.external))}")
        context.close()
    assert not problems, "\n".join(problems[:30])


def test_language_switch_keeps_the_page_and_screenshots(browser, tmp_path) -> None:
    """Screenshots go to a temporary folder; ``make screenshots`` (SAMSKAB_SCREENSHOTS=1) refreshes the README's.

    Tests never rewrite committed files: a PNG differs byte for byte between runs.
    """
    shots = SHOTS if os.environ.get("SAMSKAB_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    context, page = new_page(browser, DESKTOP)
    page.goto((SITE / "da" / EXHIBIT).as_uri(), wait_until="load")
    for lang in ("no", "en", "da"):
        page.click(f".bd-header-article a.samskab-lang[hreflang='{lang}']")
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/site/{lang}/{EXHIBIT}"), page.url
        assert page.eval_on_selector("html", "e => e.lang") in (lang, "no", "nb")
    for lang in LANGS:
        for name, rel in (("landing", "index.html"), ("exhibit", EXHIBIT)):
            page.goto((SITE / lang / rel).as_uri(), wait_until="load")
            page.screenshot(path=str(shots / f"{name}_{lang}.png"))
    context.close()
    context, page = new_page(browser, PHONE)
    page.goto((SITE / "da" / EXHIBIT).as_uri(), wait_until="load")
    page.screenshot(path=str(shots / "exhibit_da_phone.png"))
    context.close()
    assert all((shots / f"landing_{lang}.png").stat().st_size > 10_000 for lang in LANGS)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm missing (poppler-utils)")
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_pages_are_not_blank(tmp_path: Path, lang: str) -> None:
    from PIL import Image

    pdf = REPORTS_DIR / "pdf" / f"samskab_{lang}.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} not built")
    for number in (1, 5):
        prefix = tmp_path / f"page{number}"
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(number), "-l", str(number), "-singlefile",
                        str(pdf), str(prefix)], check=True)  # fmt: skip
        image = Image.open(f"{prefix}.png").convert("L")
        dark = image.point(lambda value: 255 if value < 200 else 0).histogram()[255]
        assert dark > 0.005 * image.width * image.height, f"page {number} of {pdf.name} is blank"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
    assert int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))) > 30
