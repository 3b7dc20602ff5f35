"""The explorer's strings: its own (``data/raw/explore/strings.csv``) on top of the site's (``site/strings.csv``).

The results sentence, the ledger's column names and statuses come from the site's table, so the explorer says
exactly what the site says; the explorer's own keys start with ``explore_`` (and ``cmp_<comparison_id>`` for the
comparisons' labels) and may not repeat a site key.
"""

from __future__ import annotations

from pathlib import Path

from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.strings import Strings, load_strings
from samskab_analysis.paths import DATA_DIR

EXPLORE_STRINGS = Path("explore") / "strings.csv"


def explore_strings(data_dir: str | Path = DATA_DIR) -> dict[str, dict[str, str]]:
    """``{key: {lang: text}}``: the site's strings plus the explorer's (a key in both is an error)."""
    site = load_strings(data_dir)
    own = load_strings(data_dir, EXPLORE_STRINGS)
    clash = sorted(set(site) & set(own))
    raise_if(
        [
            Problem(file=str(Path(data_dir) / EXPLORE_STRINGS), column="key", value=key, message="also a site string")
            for key in clash
        ]
    )
    return {**site, **own}


def say_in(strings: dict[str, dict[str, str]], lang: str) -> Strings:
    """The look-up of *strings* in *lang*."""
    return Strings(strings, lang)


def text_or(say: Strings, key: str, fallback: str, **values: object) -> str:
    """``say(key, ...)``, or *fallback* when the strings have no *key* (e.g. a verdict value added later)."""
    return say(key, **values) if key in say.table else fallback
