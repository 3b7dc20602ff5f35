"""Reader-visible words of the notebooks' tables and sentences in Danish, Norwegian and English.

Three files under ``data/raw/site/`` (columns ``key,da,no,en``, every language required):

* ``columns.csv`` — a table's column names (``count`` → ``antal``);
* ``values.csv`` — codes that appear as cell values (provenance kinds, ledger statuses, verdicts, rules,
  methods, frames, units …: ``assumed`` → ``antaget``);
* ``phrases.csv`` — the sentences notebooks print (``{name}`` placeholders).

Item, level, partner and category ids are translated from the instrument.  Files are read once per
process (cached by path and modification time).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from samskab_analysis.data.strings import load_strings
from samskab_analysis.paths import DATA_DIR

COLUMNS_FILE = Path("site") / "columns.csv"
VALUES_FILE = Path("site") / "values.csv"
PHRASES_FILE = Path("site") / "phrases.csv"


@lru_cache(maxsize=64)
def _cached(path: str, mtime: float) -> dict[str, dict[str, str]]:
    return load_strings(Path(path).parent, Path(path).name)


def label_table(file: str | Path, data_dir: str | Path = DATA_DIR) -> dict[str, dict[str, str]]:
    """``{key: {lang: text}}`` of ``<data_dir>/<file>`` (a ``key,da,no,en`` file), validated and cached."""
    path = (Path(data_dir) / file).resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = -1.0
    return _cached(str(path), mtime)


def phrase(key: str, lang: str, data_dir: str | Path = DATA_DIR, **fields: object) -> str:
    """The sentence *key* of ``phrases.csv`` in *lang*, ``{name}`` placeholders filled from *fields*."""
    table = label_table(PHRASES_FILE, data_dir)
    if key not in table:
        raise KeyError(f"no phrase {key!r} in {Path(data_dir) / PHRASES_FILE}")
    text = table[key][lang]
    return text.format(**fields) if fields else text


def value_label(code: str, lang: str, data_dir: str | Path = DATA_DIR) -> str:
    """A coded value's name in *lang* (``values.csv``); the code itself when the file does not list it."""
    table = label_table(VALUES_FILE, data_dir)
    return table[code][lang] if code in table else code
