"""The metadata columns of a respondent file (survey-export columns and columns a column map marks ``ignore``).

:func:`~samskab_analysis.ingest.responses.load_responses` keeps only the answers; the explorer's subgroups need
the other columns too (e.g. ``startlanguage``, a library or role column mapped to ``ignore``).  This reads the
same file through the same steps and returns those columns' cells as written, by respondent id.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.columns import load_column_map, plan_columns
from samskab_analysis.ingest.files import read_grids
from samskab_analysis.ingest.names import RESPONDENT_ID, ColumnMatcher, load_metadata
from samskab_analysis.ingest.responses import respondent_ids
from samskab_analysis.ingest.table import build_table, choose_grid
from samskab_analysis.paths import DATA_DIR


def respondent_metadata(
    path: str | Path,
    instrument: Instrument,
    *,
    column_map: str | Path | Mapping[str, str] | None = None,
    sheet: str | None = None,
    data_dir: str | Path = DATA_DIR,
) -> pd.DataFrame:
    """The file's metadata columns (text, ``""`` = blank) indexed by respondent id, in file order.

    Call it on a file :func:`~samskab_analysis.ingest.responses.load_responses` accepted (it does not repeat
    the answers' validation); the ids are the same.
    """
    mapping = load_column_map(column_map, instrument) if column_map is not None and str(column_map) != "" else {}
    matcher = ColumnMatcher(instrument, mapping, load_metadata(data_dir))
    raw = build_table(choose_grid(read_grids(path), sheet, matcher, str(path)), matcher)
    plan, _ = plan_columns(raw, matcher, "column map")
    ids, _, _ = respondent_ids(raw, plan)
    positions = {c: raw.columns.index(c) for c in plan.ignored}
    data = {c: [str(row[j]).strip() for row in raw.rows] for c, j in positions.items()}
    return pd.DataFrame(data, index=pd.Index(ids, name=RESPONDENT_ID, dtype=object), dtype=object)
