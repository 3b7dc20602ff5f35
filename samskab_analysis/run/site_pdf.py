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
import subprocess
import sys
import time
from pathlib import Path

from samskab_analysis.output import ROOT_ENV, OutputError, write_bytes, write_text
from samskab_analysis.paths import CHROMIUM_ARGS, chromium_path

PDF_NAME = "samskab_{lang}.pdf"

#: Runs in the page before printing: a linked table of contents of the document titles, print-only tweaks.
PREPARE = """
([contents]) => {
  const article = document.querySelector('article.bd-article') || document.body;
  const docs = Array.from(article.querySelectorAll('span[id^="document-"] + section'));
  const nav = document.createElement('nav');
  nav.className = 'samskab-pdf-toc';
  const head = document.createElement('h2');
  head.textContent = contents;
  nav.appendChild(head);
  const list = document.createElement('ol');
  docs.forEach((section) => {
    const title = section.querySelector('h1, h2, h3, h4');
    if (!title) { return; }
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = '#' + section.id;
    link.textContent = title.textContent.replace(/#$/, '').trim();
    item.appendChild(link);
    list.appendChild(item);
  });
  nav.appendChild(list);
  const first = article.querySelector('section');
  const anchor = first ? first.querySelector('.samskab-meta') : null;
  if (anchor) { anchor.after(nav); } else { article.prepend(nav); }
  const style = document.createElement('style');
  style.textContent = `
    .samskab-pdf-toc { break-after: page; }
    .samskab-pdf-toc ol { font-size: 10pt; }
    span[id^="document-"] + section { break-before: page; }
    .headerlink, .samskab-langs, .samskab-links a[href$=".pdf"],
    .toctree-wrapper > p.caption { display: none !important; }
    .bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .prev-next-area, .bd-footer,
    .bd-footer-content, .cell_input, details.hide, #jb-print-docs-body { display: none !important; }
    .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
    pre, table { font-size: 8pt; }
    figure img { max-height: 200mm; }
  `;
  document.head.appendChild(style);
  return docs.length;
}
"""


def pdf_available() -> str | None:
    """None when the PDF can be printed, else the reason why not."""
    if chromium_path() is None:
        return "Chromium is not installed (.ci/install-system-deps installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install 'samskab-analysis[pdf]')"
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


def print_pdf(html: Path, target: Path, contents: str, page_word: str, epoch: str) -> None:
    """Print *html* to *target* with Chromium (runs in this process: call it in a subprocess)."""
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
            page.goto(html.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            page.evaluate(PREPARE, [contents])
            page.evaluate(LOCAL_LINKS)
            data = page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<div></div>",
                footer_template=footer,
                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                outline=True,
                tagged=True,
            )
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
        digest = tree_digest(single) + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # + the printer's code
        try:
            up_to_date = json.loads(stamp.read_text())["digest"] == digest and target.is_file()
        except (OSError, ValueError, KeyError):
            up_to_date = False
        if not up_to_date:
            say = Strings(strings, lang)
            command = [
                sys.executable,
                "-m",
                "samskab_analysis.run.site_pdf",
                str(single / "index.html"),
                str(target),
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


if __name__ == "__main__":
    try:
        print_pdf(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    except OutputError as error:
        print(f"samskab: {error}", file=sys.stderr)
        raise SystemExit(2) from None
