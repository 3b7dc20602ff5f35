"""The site's interface strings and sentence templates in Danish, Norwegian and English.

``data/raw/site/strings.csv`` (columns ``key,da,no,en``) holds every string the report's site shows
that does not come from the instrument: menu and section names, badges, captions, link labels and the
templates of the results chapter's sentences (``{name}`` placeholders).  A missing translation is an
error naming file, row and column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.paths import DATA_DIR, LANGS

STRINGS_FILE = Path("site") / "strings.csv"


def load_strings(data_dir: str | Path = DATA_DIR, file: str | Path = STRINGS_FILE) -> dict[str, dict[str, str]]:
    """``{key: {lang: text}}`` from ``<data_dir>/<file>`` (default ``site/strings.csv``), every language required."""
    path = Path(data_dir) / file
    problems: list[Problem] = []
    if not path.is_file():
        raise_if([Problem(file=str(path), message="strings file not found")])
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    missing = [c for c in ("key", *LANGS) if c not in (reader.fieldnames or [])]
    if missing:
        raise_if([Problem(file=str(path), row=1, message="missing column(s) " + ", ".join(missing))])
    strings: dict[str, dict[str, str]] = {}
    for line, row in enumerate(reader, start=2):
        key = (row.get("key") or "").strip()
        if not key:
            problems.append(Problem(file=str(path), row=line, column="key", message="empty key"))
            continue
        if key in strings:
            problems.append(Problem(file=str(path), row=line, column="key", value=key, message="key listed twice"))
        for lang in LANGS:
            if not (row.get(lang) or "").strip():
                problems.append(Problem(file=str(path), row=line, column=lang, value=key, message="missing text"))
        strings[key] = {lang: (row.get(lang) or "").strip() for lang in LANGS}
    raise_if(problems)
    return strings


class Strings:
    """Look-up of interface strings in one language."""

    def __init__(self, table: dict[str, dict[str, str]], lang: str) -> None:
        self.table = table
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        """The string *key* in this language, with ``{name}`` placeholders filled from *values*."""
        text = self.table[key][self.lang]
        return text.format(**values) if values else text
