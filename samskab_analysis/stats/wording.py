"""Reader-visible wording of the statistics: label templates (da/no/en) and honest number formats.

Templates live in ``data/raw/analysis/uncertainty_labels.csv`` (key, da, no, en).  Numbers are written the
way each language writes them (decimal comma in Danish and Norwegian), and a share is never rounded to a
misleading value: a positive share below 1 % is written ``< 1 %`` next to its counts (``7 of 1,980``), never
``0 %``; a share below 100 % is never written ``100 %``.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import check_required_values, check_unique, read_table
from samskab_analysis.data.errors import raise_if
from samskab_analysis.paths import DATA_DIR, LANGS

LABELS_FILE = Path("analysis") / "uncertainty_labels.csv"
DECIMAL = {"da": ",", "no": ","}
THOUSANDS = {"da": ".", "no": "\u00a0", "en": ","}


@lru_cache(maxsize=16)
def _labels(data_dir: str) -> pd.DataFrame:
    frame = read_table(Path(data_dir) / LABELS_FILE, ("key", *LANGS), what="labels")
    raise_if(check_required_values(frame, ["key", *LANGS]) + check_unique(frame, ["key"]))
    return frame.set_index("key")


def load_labels(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """The uncertainty notebook's labels (key, da, no, en), indexed by key."""
    return _labels(str(data_dir))


def say(key: str, lang: str = "en", data_dir: str | Path = DATA_DIR, **fields: object) -> str:
    """The label *key* in *lang* with *fields* filled in (KeyError naming the key when it is missing)."""
    labels = load_labels(data_dir)
    if key not in labels.index:
        raise KeyError(f"no label {key!r} in {Path(data_dir) / LABELS_FILE}")
    text = str(labels.at[key, lang])
    return text.format(**fields) if fields else text


def number(value: float, lang: str = "en", decimals: int = 0) -> str:
    """*value* with *decimals* decimals, the language's decimal mark and thousands separator."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", DECIMAL.get(lang, ".")).replace("\x00", THOUSANDS.get(lang, ","))


def percent(share: float, lang: str = "en", decimals: int = 0) -> str:
    """A share (0..1) as a percentage without the sign; never '0' for a positive share or '100' below 1."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    scale = 10**decimals
    shown = round(100 * share * scale) / scale
    smallest = 1 / scale
    if 0 < share and shown == 0:
        return "< " + number(smallest, lang, decimals)
    if share < 1 and shown >= 100:
        return "> " + number(100 - smallest, lang, decimals)
    return number(shown, lang, decimals)


def share_text(count: int, total: int, lang: str = "en", data_dir: str | Path = DATA_DIR) -> str:
    """'7 of 1,980 (< 1 %)': counts always, the percentage never rounded to 0 % or 100 % wrongly."""
    pct = percent(count / total, lang) if total else "–"
    return say("share_of", lang, data_dir, count=number(count, lang), total=number(total, lang), pct=pct)
