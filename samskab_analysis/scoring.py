"""Scores from count tables: shares per category, top-2-box, mean and median Likert scores.

Mapping (from ``data/raw/instrument/scales.csv``, column ``score``): degree scale
very high = 5, high = 4, some = 3, low = 2, not at all = 1; yes = 1, no = 0.
"Don't know" and unanswered questions have no score and are left out of means and medians,
but stay in the denominator of shares (the report's percentages are of all respondents).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samskab_analysis.instrument import Instrument

NO_ANSWER = "no_answer"


def with_scale_info(counts: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Add figure, category order, score, top-box flag and share columns to a long count table."""
    scales = instrument.scales.set_index(["scale_id", "category_id"])
    out = counts.copy()
    scale_ids = out["item_id"].map(instrument.items["scale_id"])
    keys = list(zip(scale_ids, out["category_id"], strict=True))
    known = [k in scales.index for k in keys]
    out["figure"] = out["item_id"].map(instrument.items["figure"]).astype("Int64")
    out["item_order"] = out["item_id"].map(instrument.items["order"]).astype(int)
    out["category_order"] = [int(scales.at[k, "order"]) if ok else 99 for k, ok in zip(keys, known, strict=True)]
    out["score"] = [float(scales.at[k, "score"]) if ok else np.nan for k, ok in zip(keys, known, strict=True)]
    out["top_box"] = [bool(scales.at[k, "top_box"]) if ok else False for k, ok in zip(keys, known, strict=True)]
    totals = out.groupby("item_id")["count"].transform("sum")
    out["n"] = totals.astype(int)
    out["share"] = (out["count"] / totals).where(totals > 0, np.nan)
    return out.sort_values(["item_order", "category_order"]).reset_index(drop=True)


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


def counts_from_responses(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Aggregate respondent-level answers (category ids, blank/NA = no answer) to a long count table.

    Every scale category appears (count 0 included), plus a ``no_answer`` row per item, so
    microdata aggregates to the same shape as the reconstructed published table.
    """
    rows = []
    n = len(responses)
    for item_id in instrument.item_ids:
        if item_id not in responses.columns:
            continue
        answers = responses[item_id].astype("string").fillna("").str.strip()
        tally = answers.value_counts()
        for category in [*instrument.item_categories(item_id), NO_ANSWER]:
            key = "" if category == NO_ANSWER else category
            rows.append(
                {
                    "item_id": item_id,
                    "category_id": category,
                    "count": int(tally.get(key, 0)),
                    "provenance": "observed",
                    "source": "respondent-level data",
                    "n": n,
                }
            )
    return pd.DataFrame(rows)
