"""Scores from count tables: shares per category, top-2-box, mean and median Likert scores.

Mapping (from ``data/raw/instrument/scales.csv``, column ``score``): degree scale
very high = 5, high = 4, some = 3, low = 2, not at all = 1; yes = 1, no = 0.
"Don't know" and unanswered questions have no score and are left out of means and medians,
but stay in the denominator of shares (the report's percentages are of all respondents).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.data.instrument import Instrument

if TYPE_CHECKING:
    from samskab_analysis.study import Study



def weighted_median(scores: np.ndarray, weights: np.ndarray) -> float:
    """Median of *scores* repeated *weights* times (mean of the two middle values when even)."""
    values = np.repeat(scores, weights.astype(int))
    return float(np.median(values)) if len(values) else float("nan")


def summarise_item(rows: pd.DataFrame) -> dict[str, float]:
    """Summary statistics of one item's rows (output of :func:`with_scale_info`)."""
    n = int(rows["count"].sum())
    scored = rows[rows["score"].notna()]
    n_scored = int(scored["count"].sum())
    top = int(rows.loc[rows["top_box"], "count"].sum())
    mean = float(np.average(scored["score"], weights=scored["count"])) if n_scored else float("nan")
    var = (
        float(np.average((scored["score"] - mean) ** 2, weights=scored["count"])) * n_scored / (n_scored - 1)
        if n_scored > 1
        else float("nan")
    )
    return {
        "n": n,
        "n_scored": n_scored,
        "n_not_scored": n - n_scored,
        "top_box_count": top,
        "top_box_share": top / n if n else float("nan"),
        "mean_score": mean,
        "median_score": weighted_median(scored["score"].to_numpy(), scored["count"].to_numpy()),
        "sd_score": float(np.sqrt(var)) if n_scored > 1 else float("nan"),
        "assumed_cells": int((rows.get("provenance", pd.Series(dtype=str)) == "assumed").sum()),
        "cells_under_assumed_scale": int(
            (rows.get("provenance", pd.Series(dtype=str)) == "derived_under_assumption").sum()
        ),
    }


def item_summary(counts: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """One row per item: N, top-2-box (top box for yes/no), mean, median and SD of scores."""
    info = counts if "score" in counts.columns else with_scale_info(counts, instrument)
    rows = []
    for item_id in instrument.item_ids:
        part = info[info["item_id"] == item_id]
        if part.empty:
            continue
        items = instrument.items
        rows.append(
            {
                "item_id": item_id,
                "figure": items.at[item_id, "figure"],
                "level_id": items.at[item_id, "level_id"],
                "scale_id": items.at[item_id, "scale_id"],
                **summarise_item(part),
            }
        )
    out = pd.DataFrame(rows)
    out["figure"] = out["figure"].astype("Int64")
    return out


def share_of(counts: pd.DataFrame, item_id: str, categories: tuple[str, ...] | list[str]) -> float:
    """Share of respondents of *item_id* in any of *categories*."""
    rows = counts[counts["item_id"] == item_id]
    return float(rows.loc[rows["category_id"].isin(categories), "count"].sum() / rows["count"].sum())


def study_summary(study: Study) -> pd.DataFrame:
    """Per-item summary of a study (N, top-2-box, mean/median score): :func:`item_summary` of its count table."""
    return item_summary(study.counts, study.instrument)
