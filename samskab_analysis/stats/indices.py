"""Indices that summarise several items on one 0..1 scale (definitions in ``data/raw/analysis/indices.csv``).

Items use different scales (degree 1..5, yes/no 0..1), so each item's mean score is first put on 0..1 as
*percent of maximum possible* (POMP): ``(mean - scale min) / (scale max - scale min)`` with the scale's
lowest and highest score from ``scales.csv``.  An index is the plain average of its items' POMP means.

What the published marginals identify: an item's mean depends only on that item's answer distribution,
so the mean of item means is the same however answers pair up across respondents.  Correlations between
items -- and anything built on them, such as Cronbach's alpha or a respondent-level index score and its
spread -- depend on that pairing, which the report does not give.  From the published percentages only the
mean of item means is identified; reliability needs respondent-level data.

For the published study the index is also given as a range: the minimum and maximum over all count tables
consistent with the report.  Items are reconstructed independently, so the index minimum is the mean of the
item minima and the maximum the mean of the item maxima (exact, no search needed).

The definitions file is generic: one row per index x item with a ``family`` (``level`` for the report's
levels; other families can be added) and the index labels in da/no/en.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.csv_reader import (
    LINE,
    check_allowed,
    check_parse,
    check_required_values,
    check_unique,
    read_table,
)
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.paths import DATA_DIR, LANGS
from samskab_analysis.stats.sensitivity import sensitivity_table
from samskab_analysis.study import Study

INDEX_COLUMNS = ("index_id", "family", "item_id") + tuple(f"label_{lang}" for lang in LANGS)
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def analysis_dir(data_dir: str | Path = DATA_DIR) -> Path:
    """Folder holding analysis definitions (indices, comparisons)."""
    return Path(data_dir) / "analysis"


def parse_identifier(value: str) -> str:
    """*value* if it is a lower-case identifier such as ``personal`` (else ValueError)."""
    if not IDENTIFIER.match(value):
        raise ValueError(value)
    return value


def _consistent_per_index(frame: pd.DataFrame, columns: list[str]) -> list[Problem]:
    """Problems for an index whose *columns* (family, labels) differ between its rows."""
    problems = []
    for index_id, rows in frame.groupby("index_id", sort=False):
        for column in columns:
            first = rows.iloc[0]
            for _, row in rows.iloc[1:].iterrows():
                if row[column] != first[column]:
                    problems.append(
                        Problem(
                            file=str(frame.attrs.get("source", "<table>")),
                            row=int(row[LINE]),
                            column=column,
                            message=f"index {index_id} has a different {column} on row {int(first[LINE])}",
                            value=row[column],
                            allowed=[first[column]],
                        )
                    )
    return problems


def load_indices(
    instrument: Instrument, data_dir: str | Path = DATA_DIR, path: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate index definitions (one row per index x item).

    Checks: required columns and values, ids are lower-case identifiers, every item exists in the
    instrument, no item twice in one index, and one family and one set of labels per index.
    """
    path = Path(path) if path is not None else analysis_dir(data_dir) / "indices.csv"
    frame = read_table(path, INDEX_COLUMNS, what="index definitions")
    problems = check_required_values(frame, list(INDEX_COLUMNS))
    problems += check_parse(frame, "index_id", parse_identifier, "a lower-case identifier such as personal")
    problems += check_parse(frame, "family", parse_identifier, "a lower-case identifier such as level")
    problems += check_allowed(frame, "item_id", instrument.item_ids)
    problems += check_unique(frame, ["index_id", "item_id"])
    problems += _consistent_per_index(frame, ["family", *(f"label_{lang}" for lang in LANGS)])
    raise_if(problems)
    return frame


def item_pomp(study: Study) -> pd.DataFrame:
    """Per item: POMP mean (0..1) under the default table and its min/max over consistent completions."""
    table = sensitivity_table(study)
    pomp = table[table["statistic"] == "pomp"]
    return pomp[["item_id", "default", "min", "max", "fixed"]].set_index("item_id")


def index_table(
    study: Study,
    family: str | None = None,
    *,
    indices: pd.DataFrame | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """One row per index: mean of its items' POMP means (0..1).

    Columns: index_id, family, label, n_items, items, value, and for the published study min and max
    over every count table consistent with the report (equal to ``value`` for respondent-level data).
    Items without data (or without any scored answer) in *study* are left out; ``n_items`` counts the items used.
    *indices* defaults to ``data/raw/analysis/indices.csv``; *family* filters it (e.g. ``"level"``).
    """
    defs = indices if indices is not None else load_indices(study.instrument)
    if family is not None:
        defs = defs[defs["family"] == family]
    pomp = item_pomp(study)
    rows = []
    for index_id, part in defs.groupby("index_id", sort=False):
        items = [i for i in part["item_id"] if i in pomp.index and np.isfinite(pomp.at[i, "default"])]
        values = pomp.loc[items] if items else pomp.iloc[0:0]
        row = {
            "index_id": index_id,
            "family": part["family"].iloc[0],
            "label": part[f"label_{lang}"].iloc[0],
            "n_items": len(items),
            "items": ",".join(items),
            "value": float(values["default"].mean()) if items else float("nan"),
        }
        if study.is_published:
            row["min"] = float(values["min"].mean()) if items else float("nan")
            row["max"] = float(values["max"].mean()) if items else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
