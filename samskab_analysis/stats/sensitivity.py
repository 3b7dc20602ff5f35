"""How much each derived statistic depends on what the report leaves open.

For the published study every item has a set of *consistent completions*: all count tables that
satisfy the report's statements about the item and sum to N (see :mod:`samskab_analysis.reconstruct.counts`).
The shipped assumptions pick one of them (the *default*).  Here each statistic -- mean score,
top-2-box share, median score and the mean score as percent of the maximum possible (POMP) -- is
computed for every completion, and its minimum and maximum are reported next to the default value.
A statistic whose range collapses to one value is fixed by the report alone.

For respondent-level data there is exactly one table (the observed one): nothing is assumed and
every range collapses to the observed value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samskab_analysis.reconstruct.counts import consistent_tables, statement_constraints
from samskab_analysis.stats.scoring import weighted_median
from samskab_analysis.study import Study

STATISTICS = ("mean_score", "top2_share", "median_score", "pomp")


def item_categories(study: Study, item_id: str) -> list[str]:
    """Category ids of one item as they appear in ``study.counts`` (incl. ``no_answer`` for microdata)."""
    return list(study.item_counts(item_id)["category_id"])


def default_table(study: Study, item_id: str) -> np.ndarray:
    """The item's counts under the study's assumptions (or as observed), in category order."""
    return study.item_counts(item_id)["count"].to_numpy(dtype=int)


def item_completions(study: Study, item_id: str) -> np.ndarray:
    """Every count table of *item_id* consistent with the report's statements and N (rows = tables).

    Columns follow :func:`item_categories`.  Respondent-level data has a single row: the observed counts.
    """
    if not study.is_published or study.statements is None:
        return default_table(study, item_id).reshape(1, -1)
    categories = item_categories(study, item_id)
    statements = study.statements[study.statements["item_id"] == item_id]
    constraints = statement_constraints(statements, categories, study.n)
    return consistent_tables(constraints, len(categories), study.n)


def scale_scores(study: Study, item_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores (NaN = unscored, e.g. don't know / no answer) and top-box flags per category of *item_id*."""
    rows = study.item_counts(item_id)
    return rows["score"].to_numpy(dtype=float), rows["top_box"].to_numpy(dtype=bool)


def scale_range(study: Study, item_id: str) -> tuple[float, float]:
    """Lowest and highest score of the item's scale (from scales.csv): 1..5 or 0..1."""
    inst = study.instrument
    scores = inst.scale_rows(inst.items.at[item_id, "scale_id"])["score"].dropna()
    return float(scores.min()), float(scores.max())


def table_statistics(tables: np.ndarray, scores: np.ndarray, top_box: np.ndarray, lo: float, hi: float) -> pd.DataFrame:
    """Mean, top-2-box share, median and POMP for each row of *tables* (one item's count tables).

    POMP (percent of maximum possible, here as a 0..1 fraction) is ``(mean - lo) / (hi - lo)``.
    Unscored categories (NaN score) count in the top-2-box denominator but not in mean or median.
    """
    tables = np.atleast_2d(tables)
    scored = ~np.isnan(scores)
    n = tables.sum(axis=1)
    n_scored = tables[:, scored].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (tables[:, scored] @ scores[scored]) / n_scored
        top2 = tables[:, top_box].sum(axis=1) / n
    medians = [weighted_median(scores[scored], row[scored]) for row in tables]
    return pd.DataFrame(
        {
            "mean_score": mean.astype(float),
            "top2_share": top2.astype(float),
            "median_score": np.array(medians, dtype=float),
            "pomp": (mean - lo) / (hi - lo),
        }
    )


def item_statistics(study: Study, item_id: str) -> tuple[pd.Series, pd.DataFrame]:
    """(statistics under the default table, statistics of every consistent completion) for one item."""
    scores, top = scale_scores(study, item_id)
    lo, hi = scale_range(study, item_id)
    default = table_statistics(default_table(study, item_id), scores, top, lo, hi).iloc[0]
    return default, table_statistics(item_completions(study, item_id), scores, top, lo, hi)


def sensitivity_table(study: Study) -> pd.DataFrame:
    """Per item and statistic: value under the default assumptions and min/max over all consistent completions.

    Columns: item_id, level_id, scale_id, completions, statistic, default, min, max, fixed
    (``fixed`` is True when the report's statements alone determine the value).
    """
    inst = study.instrument
    rows = []
    for item_id in inst.item_ids:
        if study.item_counts(item_id).empty:
            continue
        default, every = item_statistics(study, item_id)
        for stat in STATISTICS:
            values = every[stat].to_numpy(dtype=float)
            finite = values[~np.isnan(values)]
            lo = float(finite.min()) if len(finite) else float("nan")
            hi = float(finite.max()) if len(finite) else float("nan")
            rows.append(
                {
                    "item_id": item_id,
                    "level_id": inst.items.at[item_id, "level_id"],
                    "scale_id": inst.items.at[item_id, "scale_id"],
                    "completions": len(every),
                    "statistic": stat,
                    "default": float(default[stat]),
                    "min": lo,
                    "max": hi,
                    "fixed": bool(np.isclose(lo, hi)) and len(finite) == len(values),
                }
            )
    return pd.DataFrame(rows)


def set_count_range(study: Study, item_id: str, categories: tuple[str, ...] | list[str]) -> tuple[int, int]:
    """Smallest and largest head count of a set of categories over all consistent completions."""
    columns = [i for i, c in enumerate(item_categories(study, item_id)) if c in set(categories)]
    sums = item_completions(study, item_id)[:, columns].sum(axis=1)
    return int(sums.min()), int(sums.max())
