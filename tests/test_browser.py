"""The committed report site opened in a real (headless) Chromium, as a reader sees it.

Every page of every language is loaded once on a desktop (1280×900) and once on a phone (390×844) screen, in
one browser; what a reader sees is collected on that visit and checked by the tests below:

* every image loads, every link points at an existing file, nothing is fetched from the internet, nothing is
  wider than the phone's screen, and the language switch keeps the page;
* one language per site: the visible text of every page (notebook outputs included) and its tooltips,
  placeholders and labels hold no string of the other languages (:func:`reader_view.foreign_strings`, built
  from the label files);
* every figure is legible: its smallest text, rendered, is at least 9 CSS px on both screens (the SVG's font
  sizes times its rendered width over its own width);
* each page shows its title once;
* search works offline from ``file://`` in every language, with a result count and a "no results" message,
  and without console errors.

Screenshots of the landing page and one exhibit page per language for the README (``reports/screenshots/``).
Uses Debian's ``chromium`` (``.ci/install-system-deps``) through the playwright Python package; skipped when
either is missing (``playwright install`` is not used: it downloads browsers).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from reader_view import foreign_hits, svg_text

from samskab_analysis.data.strings import load_strings
from samskab_analysis.paths import LANGS, REPORTS_DIR
from samskab_analysis.run.site_pdf import CHROMIUM_ARGS, chromium_path

SITE = REPORTS_DIR / "site"
SHOTS = REPORTS_DIR / "screenshots"
CHROMIUM = chromium_path()
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
EXHIBIT = "exhibits/figure_fig03.html"
MIN_PX = 9.0

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (run .ci/install-system-deps)"),
    pytest.mark.skipif(not (SITE / "da" / "index.html").is_file(), reason="reports/site not built (samskab site)"),
]


def pages(lang: str) -> list[Path]:
    return sorted(p for p in (SITE / lang).rglob("*.html") if "_static" not in p.parts)


#: What a reader sees of one page: visible text (closed code cells and hidden elements excluded, table cells
#: and text outputs included), the texts of tooltips and labels, the figures' rendered widths, the title.
COLLECT = """() => {
  const visibleText = (live, copy) => {  // innerText of the copy, laid out like the live page
    copy.style.position = 'absolute'; copy.style.left = '-99999px'; copy.style.width = live.clientWidth + 'px';
    document.documentElement.appendChild(copy);
    const text = copy.innerText;
    copy.remove();
    return text;
  };
  const attrs = [];
  document.querySelectorAll('[title], [aria-label], [placeholder], img[alt], [data-bs-title]').forEach((e) => {
    for (const name of ['title', 'aria-label', 'placeholder', 'alt', 'data-bs-title']) {
      const value = e.getAttribute(name);
      if (value) { attrs.push(value); }
    }
  });
  const article = document.querySelector('article') || document.body;
  const body = document.body.cloneNode(true);  // the language switch names the other languages on purpose
  body.querySelectorAll('.samskab-langs').forEach((e) => e.remove());
  const images = Array.from(document.querySelectorAll('img')).map((img) => [
    img.getAttribute('src'), img.getBoundingClientRect().width, img.complete && img.naturalWidth > 0]);
  const h1 = article.querySelector('h1');
  return {
    text: visibleText(document.body, body),
    article: article.innerText,
    attrs: attrs,
    images: images,
    title: h1 ? h1.innerText.replace(/#$/, '').trim() : '',
    links: Array.from(document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href')),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


@dataclass
class Visit:
    """One page on one screen."""

    lang: str
    path: Path
    width: int
    seen: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.lang}/{self.path.relative_to(SITE / self.lang).as_posix()} @{self.width}"


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
    """A page that refuses (and records) every request leaving the local file system, and its console errors."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    external: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(("file:", "data:", "about:", "blob:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.external = external
    page.errors = errors
    return context, page


@pytest.fixture(scope="module")
def visits(browser) -> dict[str, list[Visit]]:
    """Every page of every language on a desktop and a phone screen: one visit each, in one browser."""
    out: dict[str, list[Visit]] = {}
    for lang in LANGS:
        out[lang] = []
        for viewport in (DESKTOP, PHONE):
            context, page = new_page(browser, viewport)
            for path in pages(lang):
                page.goto(path.as_uri(), wait_until="load")
                visit = Visit(lang, path, viewport["width"], page.evaluate(COLLECT))
                out[lang].append(visit)
            out[lang].append(Visit(lang, SITE / lang, viewport["width"], {"external": list(page.external)}))
            context.close()
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_loads_on_desktop_and_phone(visits, lang: str) -> None:
    problems: list[str] = []
    for visit in visits[lang]:
        seen = visit.seen
        if "external" in seen:
            if seen["external"]:
                problems.append(f"{lang} @{visit.width}: requests to the internet {sorted(set(seen['external']))}")
            continue
        broken = [src for src, _, ok in seen["images"] if not ok]
        if broken:
            problems.append(f"{visit.name}: images that do not load {broken}")
        if visit.width == PHONE["width"]:
            if seen["overflow"] > 0:
                problems.append(f"{visit.name}: {seen['overflow']}px wider than the phone")
            continue
        for href in seen["links"]:
            target = urlsplit(href)
            if target.scheme in ("http", "https"):
                problems.append(f"{visit.name}: links to the internet {href}")
            elif not target.scheme and target.path and not (visit.path.parent / unquote(target.path)).exists():
                problems.append(f"{visit.name}: missing link target {href}")
    assert not problems, "\n".join(problems[:30])


@pytest.mark.parametrize("lang", LANGS)
def test_one_language_per_site_end_to_end(visits, lang: str) -> None:
    """No page shows a string of another language: headings, tables (headers and values), notes, verdicts,
    captions, notebook outputs, search interface, tooltips and labels (code cells are folded away)."""
    left: dict[str, list[str]] = {}
    for visit in visits[lang]:
        if visit.width != DESKTOP["width"] or "text" not in visit.seen:
            continue
        text = visit.seen["text"] + "\n" + "\n".join(visit.seen["attrs"])
        for src, _, ok in visit.seen["images"]:  # the figures' own text (SVG: matplotlib keeps it as comments)
            svg = svg_file(visit, src) if ok else None
            if svg is not None:
                text += "\n" + "\n".join(t for t, _ in svg_text(svg)[2])
                if Path(src).stem.rpartition("_")[2] in set(LANGS) - {lang}:
                    left.setdefault(visit.name, []).append(f"figure of another language: {src}")
        hits = foreign_hits(text, lang)
        if hits:
            left.setdefault(visit.name, []).extend(hits[:8])
    assert not left, f"strings of another language in the {lang} site: {left}"


def svg_file(visit: Visit, src: str) -> Path | None:
    path = (visit.path.parent / unquote(urlsplit(src).path)).resolve()
    return path if path.suffix == ".svg" and path.is_file() else None


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_is_legible_on_a_phone_and_a_desktop(visits, lang: str) -> None:
    """Rendered text of every figure ≥ 9 CSS px at 390 and 1280 px: smallest font × rendered width / SVG width."""
    small, figures = [], 0
    for visit in visits[lang]:
        for src, width, ok in visit.seen.get("images", []):
            svg = svg_file(visit, src) if ok else None
            if svg is None or width <= 0:
                continue
            view_width, smallest, texts = svg_text(svg)
            assert texts, f"{svg.name}: no text found"
            figures += 1
            rendered = smallest * width / view_width
            if rendered < MIN_PX:
                found = f"smallest text {rendered:.1f} px ({smallest:g} pt at {width:.0f} px)"
                small.append(f"{visit.name}: {svg.name} {found}")
    assert figures >= 20
    assert not small, "\n".join(small[:20])


@pytest.mark.parametrize("lang", LANGS)
def test_each_page_shows_its_title_once(visits, lang: str) -> None:
    repeated = []
    for visit in visits[lang]:
        seen = visit.seen
        if visit.width != DESKTOP["width"] or len(seen.get("title", "")) < 12:
            continue  # a one-word title ("Søg", "Indeks") is a word the page uses elsewhere too
        count = seen["article"].count(seen["title"])
        if count != 1:
            repeated.append(f"{visit.name}: {seen['title']!r} {count} times")
    assert not repeated, "\n".join(repeated[:20])


SEARCH_WORDS = {"da": ("borgerne", "Figur 3"), "no": ("innbyggerne", "Figur 3"), "en": ("citizens", "Figure 3")}


@pytest.mark.parametrize("lang", LANGS)
def test_search_works_offline_with_a_count_and_a_no_results_message(browser, lang: str) -> None:
    """From ``file://``: results with their count in the site's language, a message for no results, no errors."""
    say = load_strings()
    word, expected = SEARCH_WORDS[lang]
    context, page = new_page(browser, DESKTOP)
    search = (SITE / lang / "search.html").as_uri()
    page.goto(f"{search}?q={word}", wait_until="load")
    page.wait_for_function("() => document.querySelector('#search-results p.search-summary')?.innerText", timeout=15000)
    summary = page.inner_text("#search-results p.search-summary")
    results = page.inner_text("#search-results ul.search")
    count = len(re.findall(r"\d+", summary)) and int(re.findall(r"\d+", summary)[0])
    many = say["search_found_many"][lang].replace("${resultCount}", str(count))
    assert summary == many and count >= 3, summary
    assert expected in results
    assert page.inner_text("#search-results h2") == say["search_results"][lang]
    page.goto(f"{search}?q=qqxyzzyqq", wait_until="load")
    page.wait_for_function("() => document.querySelector('#search-results p.search-summary')?.innerText", timeout=15000)
    assert page.inner_text("#search-results p.search-summary") == say["search_none"][lang]
    placeholder = page.get_attribute("input[name=q]", "placeholder")
    assert placeholder == say["search_placeholder"][lang]
    assert not page.errors, page.errors
    assert not page.external, page.external
    context.close()


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
    assert not page.errors, page.errors
    context.close()
    context, page = new_page(browser, PHONE)
    page.goto((SITE / "da" / EXHIBIT).as_uri(), wait_until="load")
    page.screenshot(path=str(shots / "exhibit_da_phone.png"))
    context.close()
    assert all((shots / f"landing_{lang}.png").stat().st_size > 10_000 for lang in LANGS)
