"""What the reader's-view tests share: the other languages' strings, SVG font sizes, the published site's files.

``foreign_strings(lang)`` is built from every label file under ``data/raw/`` (not from a list kept by hand):
files with ``key,da,no,en`` columns and files with column triplets ``<x>_da``, ``<x>_no`` and ``<x>_en`` (or
``<x>`` as the English one).  A label of another language that differs from this language's label of the same
row is foreign here; templates contribute their literal parts; strings that are also a label of this language
anywhere (``Figur`` is Danish and Norwegian) are not.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from pathlib import Path

from samskab_analysis.paths import DATA_DIR, LANGS

#: Raw files that are not labels (the examples are respondent data and broken files for the tests).
SKIP = ("examples",)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|\$\{[A-Za-z_]+\}")


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def label_rows() -> list[dict[str, str]]:
    """Every label of every label file as ``{lang: text}`` (empty text: the file has none in that language)."""
    out: list[dict[str, str]] = []
    for path in sorted(DATA_DIR.rglob("*.csv")):
        if any(part in SKIP for part in path.relative_to(DATA_DIR).parts):
            continue
        header, rows = _rows(path)
        if all(lang in header for lang in LANGS):
            out += [{lang: (row.get(lang) or "").strip() for lang in LANGS} for row in rows]
            continue
        stems = {c[: -len("_da")] for c in header if c.endswith("_da")}
        for stem in sorted(stems):
            if f"{stem}_no" not in header:
                continue
            english = f"{stem}_en" if f"{stem}_en" in header else stem if stem in header else None
            if english is None:
                continue
            columns = {"da": f"{stem}_da", "no": f"{stem}_no", "en": english}
            out += [{lang: (row.get(col) or "").strip() for lang, col in columns.items()} for row in rows]
    return out


def _parts(text: str) -> list[str]:
    """The literal parts of a template long enough to mean something (at least two letters)."""
    parts = [p.strip(" .,;:()") for p in PLACEHOLDER.split(text)]
    return [p for p in parts if sum(ch.isalpha() for ch in p) >= 2]


@lru_cache(maxsize=4)
def foreign_strings(lang: str) -> tuple[str, ...]:
    """Strings of the other languages that must not appear in *lang*'s site (see the module docstring)."""
    rows = label_rows()
    own = {p for row in rows if row[lang] for p in [row[lang], *_parts(row[lang])]}
    own_words = {w for row in rows for w in re.findall(r"\w+", row[lang])}  # "deler" is Danish too
    foreign: set[str] = set()
    for row in rows:
        if not row[lang]:
            continue  # no label in this language: the page shows the fallback, which is not foreign
        for other in LANGS:
            text = row[other]
            if other == lang or not text or text == row[lang]:
                continue
            for part in _parts(text):
                single = re.fullmatch(r"\w+", part)
                if part not in own and part not in row[lang] and not (single and part in own_words):
                    foreign.add(part)
    return tuple(sorted(foreign, key=lambda s: (-len(s), s)))


#: File names and paths (``data/raw/instrument/levels.csv``) are names, not words of a language.
PATHS = re.compile(r"\S*/\S*|\S+\.(?:csv|ipynb|svg|png|xlsx|sav|pdf|txt|md|json|py)\b")


def foreign_hits(text: str, lang: str) -> list[str]:
    """The foreign strings found in *text* (whole words; case-sensitive; file names and paths left out)."""
    text = PATHS.sub(" ", text)
    words = set(re.findall(r"\w+", text))
    hits = []
    for item in foreign_strings(lang):
        first = re.findall(r"\w+", item)
        if first and first[0] not in words:
            continue  # quick reject: the first word does not occur at all
        if re.search(rf"(?<!\w){re.escape(item)}(?!\w)", text):
            hits.append(item)
    return hits


FONT = re.compile(r"scale\(([0-9.]+) -[0-9.]+\)")
TEXT_GROUP = re.compile(r'<!--(.*?)-->\s*<g [^>]*transform="[^"]*scale\(([0-9.]+) -', re.S)


@lru_cache(maxsize=512)
def svg_text(path: Path) -> tuple[float, float, tuple[tuple[str, float], ...]]:
    """(viewBox width, smallest font size, every text with its font size) of a matplotlib SVG (text as paths).

    Matplotlib writes each text as a group whose comment is the text and whose glyphs are scaled by
    font size / 100 (``scale(0.095 -0.095)`` is 9.5 pt).
    """
    raw = Path(path).read_text(encoding="utf-8")
    box = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', raw)
    width = float(box.group(1)) if box else 0.0
    texts = tuple(
        (comment.strip(), 100 * float(scale)) for comment, scale in TEXT_GROUP.findall(raw) if comment.strip()
    )
    smallest = min((size for _, size in texts), default=0.0)
    return width, smallest, texts


def example_numbers() -> set[str]:
    """Numbers only the invented example cohort has, as pages and figures write them: its N, and shares k of N
    that a study of 10 respondents cannot have (``14.3``, ``14,3``, ``28.6`` … for N = 14).

    The example files in ``data/raw/examples/`` hold the same invented answers in several formats; the CSV is read.
    """
    from samskab_analysis.stats.cohorts import SYNTHETIC_EXAMPLE
    from samskab_analysis.study import load_study

    study = load_study(responses=DATA_DIR.parent.parent / SYNTHETIC_EXAMPLE)
    numbers = {f"N = {study.n}", f"N={study.n}"}
    for k in range(1, study.n):
        share = 100 * k / study.n
        if abs(share - round(share)) > 0.05:
            numbers |= {f"{share:.1f}", f"{share:.1f}".replace(".", ",")}
    return numbers
