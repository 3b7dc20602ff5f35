"""The whole report as one PDF per language: Sphinx's ``singlehtml`` page printed by Chromium.

Sphinx renders the same build source as one page (``singlehtml``); headless Chromium (Debian's
``/usr/bin/chromium`` driven by the playwright Python package, never a downloaded browser) prints it
with a table of contents (linked, and as PDF bookmarks) and page numbers in the footer.  Figures are
the SVG files, so they stay vector graphics.  The PDF is only printed again when the single page or
its images changed, and its creation date is set from ``SOURCE_DATE_EPOCH`` so reruns are identical.
Without Chromium or playwright the step is skipped with a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from samskab_analysis.output import ROOT_ENV, OutputError, write_bytes, write_text
from samskab_analysis.paths import CHROMIUM_ARGS, chromium_path

PDF_NAME = "samskab_{lang}.pdf"

#: Runs in the page before printing: title page, a table of contents of the documents (with page numbers once
#: they are known), no interface text (code toggles, language switch), print-only layout.  Arguments: the cover's
#: lines, the contents heading, the page numbers per document (empty in the first pass, which marks each
#: document's first page with an invisible marker instead, found afterwards with pdftotext).
PREPARE = """
([cover, contents, pages, marker, flowing]) => {
  const LANDSCAPE = (297 - 24) / (210 - 24);
  const article = document.querySelector('article.bd-article') || document.body;
  article.querySelectorAll('details.hide, .cell_input, .headerlink, .samskab-langs, .toctree-wrapper > p.caption, '
    + '.samskab-links a[href$=".pdf"], #jb-print-docs-body, .prev-next-area').forEach((e) => e.remove());
  const docs = Array.from(article.querySelectorAll('span[id^="document-"] + section'));
  const first = article.querySelector('section');
  if (first && !first.previousElementSibling?.id?.startsWith('document-')) {
    const h1 = first.querySelector('h1');
    if (h1) { h1.remove(); }  // the landing page's title is the cover's
  }
  const page = document.createElement('section');
  page.className = 'samskab-pdf-cover';
  cover.forEach(([tag, text]) => {
    const line = document.createElement(tag);
    line.textContent = text;
    page.appendChild(line);
  });
  const nav = document.createElement('nav');
  nav.className = 'samskab-pdf-toc';
  const head = document.createElement('h2');
  head.textContent = contents;
  nav.appendChild(head);
  const list = document.createElement('ol');
  docs.forEach((section, k) => {
    const title = section.querySelector('h1, h2, h3, h4');
    if (!title) { return; }
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = '#' + section.id;
    const name = document.createElement('span');
    name.className = 'samskab-toc-title';
    name.textContent = title.textContent.replace(/#$/, '').trim();
    const number = document.createElement('span');
    number.className = 'samskab-toc-page';
    number.textContent = pages.length ? String(pages[k]) : '';
    link.append(name, number);
    item.appendChild(link);
    list.appendChild(item);
    if (flowing.includes(k)) { section.classList.add('samskab-flowing'); }
    if (!pages.length) {
      const mark = document.createElement('span');
      mark.className = 'samskab-pdf-marker';
      mark.textContent = marker + k + marker;
      section.prepend(mark);
    }
  });
  nav.appendChild(list);
  article.prepend(page, nav);
  // the viewport is a portrait page's width: a table wider than that goes on a landscape page, in a smaller
  // font until it fits (down to 5 pt; its cells wrap before anything is cut)
  const portrait = document.documentElement.clientWidth;
  const landscape = portrait * LANDSCAPE;
  document.querySelectorAll('.samskab-table, .cell_output > .output').forEach((box) => {
    const table = box.querySelector('table');
    if (!table || box.closest('.samskab-wide') || table.scrollWidth <= box.clientWidth + 2) { return; }
    box.classList.add('samskab-wide');
    box.style.width = landscape + 'px';
    for (const size of [6.5, 6, 5.5, 5]) {
      table.style.fontSize = size + 'pt';
      if (table.scrollWidth <= landscape + 2) { break; }
    }
    box.style.width = '';
  });
  return docs.length;
}
"""

#: Print layout: A4 with wide tables on landscape pages, tables and text outputs wrapped (never cut off), one
#: break before each document, nothing of the screen's interface.
PRINT_CSS = """
@page { size: A4 portrait; margin: 14mm 12mm 16mm 12mm; }
@page wide { size: A4 landscape; margin: 12mm 12mm 14mm 12mm; }
.samskab-wide { page: wide; }
.samskab-pdf-cover { break-after: page; padding-top: 60mm; }
.samskab-pdf-cover h1 { display: block !important; font-size: 24pt; line-height: 1.25; break-before: avoid; }
.samskab-pdf-cover p { font-size: 12pt; margin-top: 6mm; }
.samskab-pdf-toc { break-after: page; }
.samskab-pdf-toc ol { font-size: 10pt; padding-left: 1.6em; }
.samskab-pdf-toc li { margin: 0.15em 0; }
.samskab-pdf-toc a { display: flex; gap: 1em; color: inherit; text-decoration: none; }
.samskab-toc-title { flex: 1; }
.samskab-toc-page { width: 3em; text-align: right; font-variant-numeric: tabular-nums; }
.samskab-pdf-marker { position: absolute; font-size: 2px; color: #fff; }
span[id^="document-"] + section { break-before: page; }
span[id^="document-"] + section.samskab-flowing { break-before: auto; }
h1 { break-before: auto !important; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .prev-next-area, .bd-footer,
.bd-footer-content, .cell_input, details.hide, #jb-print-docs-body, .headerlink, .samskab-langs,
.toctree-wrapper > p.caption, .samskab-screen-only { display: none !important; }
.bd-main .bd-content .bd-article-container, .bd-page-width { max-width: 100% !important; }
.samskab-table, .cell_output, .cell_output .output, div.output_area, .pst-scrollable-table-container {
  overflow: visible !important; max-width: none !important; }
table { font-size: 7.5pt; width: 100%; table-layout: auto; break-inside: auto; break-before: auto; }
h2, h3, h4 { break-after: avoid; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; }
th, td { white-space: normal !important; overflow-wrap: break-word; hyphens: none; padding: 1pt 3pt !important; }
td.sha256 code, td.sha256 { font-size: 6.5pt; white-space: nowrap !important; overflow-wrap: normal; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; font-size: 7.5pt; overflow: visible !important; }
section > :last-child, .cell:last-child, .cell_output:last-child, .output:last-child, .samskab-table:last-child,
.samskab-table > :last-child, table:last-child { margin-bottom: 0 !important; padding-bottom: 0 !important; }
figure { break-inside: avoid; }
figure img { max-width: 100%; max-height: 230mm; height: auto; }
"""

def pdf_available() -> str | None:
    """None when the PDF can be printed, else the reason why not."""
    if chromium_path() is None:
        return "Chromium is not installed (.ci/install-system-deps installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install 'samskab-analysis[pdf]')"
    if shutil.which("pdftotext") is None:  # reads the page numbers of the table of contents
        return "pdftotext is not installed (.ci/install-system-deps installs poppler-utils)"
    return None


def tree_digest(folder: Path) -> str:
    """sha256 over every file below *folder* (paths and contents, sorted)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fix_dates(pdf: bytes, epoch: str) -> bytes:
    """Replace the PDF's creation/modification dates by *epoch* (same length: the xref offsets stay valid)."""
    d = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)  # a fixed UTC instant: no clock, zone or locale
    stamp = f"{d.year:04d}{d.month:02d}{d.day:02d}{d.hour:02d}{d.minute:02d}{d.second:02d}"

    def same_length(match: re.Match[bytes]) -> bytes:
        old = match.group(2)
        new = f"D:{stamp}+00'00'".encode()
        new = (new + b" " * len(old))[: len(old)] if len(new) != len(old) else new
        return match.group(1) + new + b")"

    return re.sub(rb"(/(?:CreationDate|ModDate) ?\()([^)]*)\)", same_length, pdf)


#: Chromium's tagged PDF names structure elements by its internal DOM node numbers (``/ID (node00048158)``), which
#: shift with the browser's own work between runs.
NODE_ID = re.compile(rb"\(node(\d{8})\)")


def fix_node_ids(pdf: bytes) -> bytes:
    """Renumber the structure elements' node ids by rank (same length and order: offsets and the ID tree hold)."""
    rank = {old: f"{i:08d}".encode() for i, old in enumerate(sorted(set(NODE_ID.findall(pdf))))}
    return NODE_ID.sub(lambda m: b"(node" + rank[m.group(1)] + b")", pdf)


#: Links out of the document (images, notebooks, data files) would be printed as absolute file:// paths of the
#: machine that built the PDF: keep their text, drop the link (links inside the document stay).
LOCAL_LINKS = """() => document.querySelectorAll('a[href]').forEach(a => {
    if (!a.getAttribute('href').startsWith('#')) a.removeAttribute('href');
})"""


#: The printable width of a portrait A4 page (210 mm minus 2 × 12 mm margins) in CSS pixels, as a viewport.
PORTRAIT = {"width": round((210 - 24) / 25.4 * 96), "height": 1000}
#: Marks a document's first page in the first pass (a text no document contains).
MARKER = "QQSAMSKABPAGEQQ"


#: A page's footer ("Side 3 / 90"): a page with nothing else is blank.
FOOTER = re.compile(r"^\s*\S+ \d+ / \d+\s*$")


def marked_pages(pdf: bytes, count: int) -> tuple[list[int], list[int]]:
    """From the first pass: the page (1-based) on which each of *count* documents starts, and the blank pages."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8", "replace")  # fmt: skip
    found: dict[int, int] = {}
    blank = []
    for number, page in enumerate(text.split("\f")[:-1], start=1):
        for match in re.finditer(MARKER + r"(\d+)" + MARKER, page.replace(" ", "")):
            found.setdefault(int(match.group(1)), number)
        if not any(line.strip() and not FOOTER.match(line) and MARKER not in line for line in page.splitlines()):
            blank.append(number)
    return [found.get(k, 0) for k in range(count)], blank


def render(
    page, html: Path, cover: list[list[str]], contents: str, pages: list[int], flowing: list[int], footer: str
) -> tuple[bytes, int]:
    """Load *html* afresh, prepare it for print and return (the PDF, the number of documents).

    Documents in *flowing* do not start on a new page (the page before them would be blank).
    """
    page.set_viewport_size(PORTRAIT)  # lay the page out as wide as it is printed
    page.goto(html.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    page.add_style_tag(content=PRINT_CSS)
    count = page.evaluate(PREPARE, [cover, contents, pages, MARKER, flowing])
    page.evaluate(LOCAL_LINKS)
    data = page.pdf(
        print_background=True,
        display_header_footer=True,
        header_template="<div></div>",
        footer_template=footer,
        prefer_css_page_size=True,
        outline=True,
        tagged=True,
    )
    return data, count


def print_pdf(html: Path, target: Path, cover: list[list[str]], contents: str, page_word: str, epoch: str) -> None:
    """Print *html* to *target* with Chromium (runs in this process: call it in a subprocess).

    Two passes: the first marks where each document starts; pdftotext reads the page numbers, which the second
    pass writes into the table of contents (its layout does not change: the numbers have a column of their own).
    A document that would follow a blank page does not start a new page (the first pass is then repeated).
    """
    from playwright.sync_api import sync_playwright

    footer = (
        '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
        f'{page_word} <span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            flowing: list[int] = []
            for _attempt in range(3):  # a document after a blank page flows on; then the pages are counted again
                first, count = render(page, html, cover, contents, [], flowing, footer)
                pages, blank = marked_pages(first, count)  # pdftotext reads the draft from its stdin
                after = [pages.index(b + 1) for b in blank if b + 1 in pages and pages.index(b + 1) not in flowing]
                if not after:
                    break
                flowing += after
            data, _ = render(page, html, cover, contents, pages, flowing, footer)
        finally:
            browser.close()
    write_bytes(target, fix_node_ids(fix_dates(data, epoch)))


def build_pdfs(config, sources: dict[str, Path], doctrees: Path, epoch: str) -> list[Path]:
    """``<out>/pdf/samskab_<lang>.pdf`` for every language (skipped, with a message, without Chromium)."""
    from samskab_analysis.data.strings import Strings, load_strings
    from samskab_analysis.run.sphinx_build import sphinx_build

    started = time.perf_counter()
    reason = pdf_available()
    if reason:
        print(f"samskab site: PDF skipped: {reason}", file=sys.stderr)
        return []

    strings = load_strings(config.data_dir)
    written = []
    for lang, src in sources.items():
        single = config.source_root / "_build" / lang / "single"
        result = sphinx_build("singlehtml", src, single, doctrees / f"{lang}-single", epoch)
        if result.returncode != 0:
            print(f"samskab site: singlehtml ({lang}) failed:\n{result.stderr}", file=sys.stderr)
            continue
        target = Path(config.out_dir) / "pdf" / PDF_NAME.format(lang=lang)
        stamp = single.parent / "pdf.json"
        say = Strings(strings, lang)
        cover = cover_lines(config, say, lang)
        printer = Path(__file__).read_bytes()  # the printer's own code: a change to it prints again
        parts = printer + (PREPARE + PRINT_CSS + json.dumps(cover, sort_keys=True)).encode()
        recipe = hashlib.sha256(parts).hexdigest()
        digest = tree_digest(single) + recipe
        try:
            up_to_date = json.loads(stamp.read_text())["digest"] == digest and target.is_file()
        except (OSError, ValueError, KeyError):
            up_to_date = False
        if not up_to_date:
            command = [
                sys.executable,
                "-m",
                "samskab_analysis.run.site_pdf",
                str(single / "index.html"),
                str(target),
                json.dumps(cover, ensure_ascii=False),
                say("pdf_contents"),
                say("pdf_page"),
                epoch,
            ]
            env = {**os.environ, ROOT_ENV: str(Path(config.out_dir).resolve())}  # the printer writes only there
            run = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
            if run.returncode != 0:
                print(f"samskab site: PDF ({lang}) failed:\n{run.stderr}", file=sys.stderr)
                continue
            write_text(stamp, json.dumps({"digest": digest}))
        written.append(target)
    if written:
        shown = ", ".join(p.name for p in written)
        print(f"samskab site: PDF in {time.perf_counter() - started:.1f}s -> {Path(config.out_dir) / 'pdf'}/ ({shown})")
    return written


def cover_lines(config, say, lang: str) -> list[list[str]]:
    """The title page: the report's title, what the data are, and what built it (tag and text per line)."""
    from samskab_analysis import __version__

    title = say("site_title") if config.published else say("site_title_cohort", label=config.label)
    data = say("data_published") if config.published else say("data_cohort", label=config.label)
    lines = [["h1", title], ["p", data], ["p", say("pdf_cover_language")]]
    if config.synthetic:
        lines.append(["p", say("synthetic_note")])
    lines.append(["p", say("pdf_cover_version", version=__version__)])
    return lines


if __name__ == "__main__":
    try:
        print_pdf(Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    except OutputError as error:
        print(f"samskab: {error}", file=sys.stderr)
        raise SystemExit(2) from None
