"""The committed PDFs (``reports/pdf/samskab_<lang>.pdf``) read back with poppler's pdftotext.

* a title page, then a table of contents whose page numbers point at the pages where the documents start;
* no blank page and no interface text (code toggles, "click to show", the language switch, search);
* every table of every page of the site is in the PDF, cell by cell: each word of every cell at least as
  often in the document's pages as in its tables (a dropped column or a cut word fails), every sha256 whole.

Skipped when the PDFs are not built or poppler-utils is missing (``.ci/install-system-deps``).
"""

from __future__ import annotations

import html as htmlmod
import re
import shutil
import subprocess
from collections import Counter
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from samskab_analysis.data.strings import load_strings
from samskab_analysis.paths import LANGS, REPORTS_DIR

PDF_DIR = REPORTS_DIR / "pdf"
SITE = REPORTS_DIR / "site"
pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext missing (poppler-utils)"),
    pytest.mark.skipif(not (PDF_DIR / "samskab_da.pdf").is_file(), reason="reports/pdf not built (samskab site)"),
]
FOOTER = re.compile(r"^\s*\S+ \d+ / \d+\s*$")


@lru_cache(maxsize=3)
def pdf_pages(lang: str) -> tuple[str, ...]:
    """The text of every page (layout kept), footer included."""
    pdf = PDF_DIR / f"samskab_{lang}.pdf"
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    pages = text.split("\f")
    return tuple(pages[:-1] if pages and not pages[-1].strip() else pages)


def squash(text: str) -> str:
    return " ".join(text.split())


def contents(lang: str) -> list[tuple[str, int]]:
    """The table of contents (page 2): (title, page number) per entry, wrapped titles joined."""
    entries: list[list] = []
    for line in pdf_pages(lang)[1].splitlines()[1:]:
        match = re.match(r"^\s*(\d+)\.\s+(.*?)\s+(\d+)\s*$", line)
        if match:
            entries.append([match.group(2), int(match.group(3))])
        elif entries and line.strip() and not FOOTER.match(line):
            entries[-1][0] += " " + line.strip()
    return [(squash(title), page) for title, page in entries]


@pytest.mark.parametrize("lang", LANGS)
def test_title_page_and_contents_with_page_numbers(lang: str) -> None:
    say = load_strings()
    pages = pdf_pages(lang)
    assert squash(say["site_title"][lang]) in squash(pages[0]), "page 1 is not the title page"
    assert pages[1].strip().startswith(say["pdf_contents"][lang])
    toc = contents(lang)
    assert len(toc) >= 30, toc
    numbers = [page for _, page in toc]
    assert numbers == sorted(numbers) and numbers[0] >= 3, numbers
    for title, number in toc:
        top = squash("\n".join(pages[number - 1].splitlines()[:6]))
        assert squash(title)[:40] in top, f"{title!r} is not at the top of page {number}: {top[:120]!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_blank_pages_and_no_interface_text(lang: str, tmp_path: Path) -> None:
    from PIL import Image

    say = load_strings()
    pdf = PDF_DIR / f"samskab_{lang}.pdf"
    for number, page in enumerate(pdf_pages(lang), start=1):
        if any(line.strip() and not FOOTER.match(line) for line in page.splitlines()):
            continue
        prefix = tmp_path / f"page{number}"  # no text: a figure alone is fine, an empty page is not
        subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", str(number), "-l", str(number), "-singlefile",
                        str(pdf), str(prefix)], check=True)  # fmt: skip
        image = Image.open(f"{prefix}.png").convert("L")
        dark = image.point(lambda value: 255 if value < 200 else 0).histogram()[255]
        assert dark > 0.01 * image.width * image.height, f"page {number} of {pdf.name} is blank"
    text = squash("\n".join(pdf_pages(lang)))
    keys = ("code_show", "code_hide", "search_placeholder", "link_pdf", "notebook_note_code")
    interface = [say[key][lang] for key in keys]
    interface += ["Dansk Norsk English", "klik for", "klikk for", "click to"]
    for word in interface:
        assert word not in text, f"{word!r} printed in {pdf.name}"


class Tables(HTMLParser):
    """The cell texts of every table of a page, and its title."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.title = ""
        self._cell: list[str] | None = None
        self._h1: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "h1" and not self.title:
            self._h1 = []

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.cells.append(squash(htmlmod.unescape("".join(self._cell))))
            self._cell = None
        elif tag == "h1" and self._h1 is not None:
            self.title = squash("".join(self._h1)).rstrip("#").strip()
            self._h1 = None

    def handle_data(self, data) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        if self._h1 is not None:
            self._h1.append(data)


def site_tables(lang: str) -> dict[str, Tables]:
    out = {}
    for path in sorted((SITE / lang).rglob("*.html")):
        if "_static" in path.parts or path.stem in ("search", "genindex"):
            continue
        parser = Tables()
        parser.feed(path.read_text(encoding="utf-8"))
        out[path.relative_to(SITE / lang).as_posix()] = parser
    return out


def words(text: str) -> list[str]:
    """Runs of letters and digits, and every other visible character on its own: a line may end after a hyphen,
    dash or slash, and pdftotext may drop a narrow space ("1 + 3" read as "1+3"); a word cut short still fails."""
    return re.findall(r"\w+|[^\w\s]", text)


@pytest.mark.parametrize("lang", LANGS)
def test_every_table_cell_is_in_the_pdf(lang: str) -> None:
    """Each document's pages hold every word of its tables as often as its tables do (no dropped column, no
    word cut), every sha256 in one piece, every ledger status."""
    pages = pdf_pages(lang)
    toc = contents(lang)
    starts = [number for _, number in toc] + [len(pages) + 1]
    tables = site_tables(lang)
    by_title = {parser.title: (rel, parser) for rel, parser in tables.items() if parser.title}
    missing: list[str] = []
    checked = 0
    for k, (title, start) in enumerate(toc):
        match = next((v for t, v in by_title.items() if squash(t)[:40] == title[:40]), None)
        assert match is not None, f"no page of the site has the title {title!r}"
        rel, parser = match
        if not parser.cells:
            continue
        text = "\n".join(pages[start - 1 : starts[k + 1] - 1])
        have = Counter(words(text))
        need = Counter(w for cell in parser.cells for w in words(cell))
        short = {w: (n, have[w]) for w, n in need.items() if have[w] < n}
        if short:
            missing.append(f"{lang}/{rel} (pages {start}-{starts[k + 1] - 1}): {dict(list(short.items())[:8])}")
        checked += len(parser.cells)
    assert checked > 1000
    assert not missing, "\n".join(missing[:10])
    text = "".join(pages)
    hashes = [c for p in tables.values() for c in p.cells if re.fullmatch(r"[0-9a-f]{64}", c)]
    assert len(hashes) >= 20
    assert all(h in text for h in hashes), [h for h in hashes if h not in text][:3]
