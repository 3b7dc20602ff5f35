"""Write the processed tables (``data/processed``) from a study: the reproducible data step."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from samskab_analysis.output import check_writable_place, write_text
from samskab_analysis.paths import PROCESSED_DIR
from samskab_analysis.stats.disclosure import check_enough_respondents, protect_count_table, protect_summary
from samskab_analysis.stats.ledger import claims_ledger
from samskab_analysis.stats.scoring import study_summary
from samskab_analysis.study import Study

COUNT_COLUMNS = [
    "item_id",
    "figure",
    "category_id",
    "count",
    "n",
    "share",
    "provenance",
    "source",
    "count_min",
    "count_max",
    "completions",
]


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write *frame* deterministically (fixed float format, LF line ends, UTF-8) through the output gate."""
    text = frame.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    return write_text(path, text)


def processed_counts(study: Study) -> pd.DataFrame:
    """The count table in its published column order."""
    columns = [c for c in COUNT_COLUMNS if c in study.counts.columns]
    return study.counts[columns]


def build_processed(study: Study, out_dir: str | Path = PROCESSED_DIR, min_count: int = 0) -> dict[str, Path]:
    """Write counts, item summary and (for the published study) the claims ledger and design.

    With *min_count* > 0, cells and statistics are suppressed (:mod:`samskab_analysis.stats.disclosure`).
    """
    out = Path(out_dir)
    check_writable_place(out, "the processed tables' folder")
    check_enough_respondents(study.n, min_count, study.label)
    counts = processed_counts(study)
    written = {
        "counts": write_csv(protect_count_table(counts, min_count), out / "counts.csv"),
        "item_summary": write_csv(
            protect_summary(study_summary(study), study.counts, min_count), out / "item_summary.csv"
        ),
    }
    if study.is_published:
        written["claims_ledger"] = write_csv(claims_ledger(study), out / "claims_ledger.csv")
        design = study.design.drop(columns=["_line"]) if study.design is not None else pd.DataFrame()
        written["design"] = write_csv(design, out / "design.csv")
    return written
