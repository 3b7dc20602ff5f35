"""User-facing text of the fielded questionnaire (``instrument/fielding_labels.csv``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import check_required_values, check_unique, read_table
from samskab_analysis.data.errors import raise_if
from samskab_analysis.paths import DATA_DIR, LANGS

LABELS_FILE = "fielding_labels.csv"


def load_fielding_labels(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Labels indexed by key, one column per language."""
    frame = read_table(Path(data_dir) / "instrument" / LABELS_FILE, ("key", *LANGS), what="fielding labels")
    raise_if(check_required_values(frame, ["key", *LANGS]) + check_unique(frame, ["key"]))
    return frame.set_index("key")


def text(labels: pd.DataFrame, key: str, lang: str) -> str:
    """One label in *lang*."""
    return str(labels.at[key, lang])
