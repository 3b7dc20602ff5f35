"""Tables and saved figures for the exhibit notebooks (kept here so notebooks stay thin)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from samskab_analysis.figures.plotting import plot_item, plot_overview, plot_rows, save_figure
from samskab_analysis.paths import current_project, resolve
from samskab_analysis.stats.disclosure import hidden_cells, hidden_items, mask_rows
from samskab_analysis.stats.intervals import category_intervals, proportion_interval
from samskab_analysis.stats.ledger import claims_ledger
from samskab_analysis.stats.scoring import study_summary
from samskab_analysis.study import Study


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """``"svg,png"`` -> ``["svg", "png"]`` (lists pass through)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def figure_table(study: Study, item_id: str, lang: str = "da", min_count: int = 0) -> pd.DataFrame:
    """The table behind one figure: category, count, percent, provenance and source per cell.

    ``wilson95`` is the 95 % Wilson interval of the percent (each cell on its own; with N = 10 one
    respondent more or less moves a share by 10 points). With *min_count* > 0, cells are suppressed as
    :mod:`samskab_analysis.stats.disclosure` says (below k, and the cells that would reveal them) with
    their percent, interval and range.
    """
    inst = study.instrument
    rows = plot_rows(study, item_id)
    scale_id = inst.items.at[item_id, "scale_id"]
    table = pd.DataFrame(
        {
            "category": [inst.category_label(scale_id, c, lang) for c in rows["category_id"]],
            "count": rows["count"].astype(int),
            "percent": (100 * rows["share"]).round(1),
            "provenance": rows["provenance"],
            "source": rows["source"],
        }
    )
    n = int(rows["count"].sum())
    bounds = [proportion_interval(int(c), n, "wilson") for c in rows["count"]]
    table["wilson95"] = [f"{100 * lo:.0f}-{100 * hi:.0f}" for lo, hi in bounds]
    if "count_min" in rows.columns and study.is_published:
        table["range"] = [
            f"{a}-{b}" if a != b else f"{a}" for a, b in zip(rows["count_min"], rows["count_max"], strict=True)
        ]
    if min_count > 0:  # statistical disclosure control: suppressed cells and what would reveal them
        hidden = hidden_cells(rows["count"].astype(int).tolist(), min_count)
        table = mask_rows(table, hidden, ["count", "percent", "wilson95", "range"])
    return table


def item_claims(study: Study, item_id: str) -> pd.DataFrame:
    """The report's claims about *item_id* with their check against the table (published study only)."""
    if not study.is_published:
        return pd.DataFrame()
    ledger = claims_ledger(study)
    cols = ["claim_id", "categories", "stated", "from_table", "cells", "status", "interpretation",
            "alternative_reading"]
    return ledger.loc[ledger["item_id"] == item_id, cols].reset_index(drop=True)


def item_intervals(study: Study, item_id: str) -> pd.DataFrame:
    """95 % Wilson interval per category of one item (drawn as whiskers in the item figure)."""
    return category_intervals(study, item_id, method="wilson")


def figure_stem(item_id: str, lang: str) -> str:
    """File stem of a saved item figure."""
    return f"{item_id}_{lang}"


def save_item_figures(
    study: Study,
    item_id: str,
    lang: str,
    also_langs: str | Sequence[str],
    output_dir: str | Path,
    formats: str | Sequence[str],
    show_intervals: bool = True,
    min_count: int = 0,
) -> list[Path]:
    """Draw and save the item figure in *lang* and every language of *also_langs*."""
    out = resolve(output_dir) or Path(output_dir)
    paths = []
    intervals = item_intervals(study, item_id) if show_intervals else None
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_item(study, item_id, code, intervals=intervals, min_count=min_count)
        paths += save_figure(fig, figure_stem(item_id, code), out, split_list(formats))
        plt.close(fig)
    return paths


def save_overview_figures(
    study: Study,
    lang: str,
    also_langs: str | Sequence[str],
    output_dir: str | Path,
    formats: str | Sequence[str],
    min_count: int = 0,
) -> list[Path]:
    """Draw and save the all-items overview in each language."""
    out = resolve(output_dir) or Path(output_dir)
    paths = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_overview(study, code, min_count=min_count)
        paths += save_figure(fig, f"overview_{code}", out, split_list(formats))
        plt.close(fig)
    return paths


def shown_paths(paths: Sequence[Path]) -> str:
    """Saved files as project-relative lines (stable across machines)."""
    lines = []
    root = current_project().root.resolve()
    for path in paths:
        try:
            lines.append(Path(path).resolve().relative_to(root).as_posix())
        except ValueError:
            lines.append(Path(path).name)
    return "\n".join(lines)


def summary_table(study: Study, lang: str = "da", min_count: int = 0) -> pd.DataFrame:
    """All items: exhibit, N, top-2-box %, mean and median score, number of assumed cells.

    With *min_count* > 0, the statistics of items with a suppressed cell are suppressed.
    """
    inst = study.instrument
    summary = study_summary(study)
    table = pd.DataFrame(
        {
            "exhibit": [inst.exhibit_name(i, lang) for i in summary["item_id"]],
            "level": [inst.levels.at[lv, f"label_{lang}"] for lv in summary["level_id"]],
            "N": summary["n"],
            "top2_pct": (100 * summary["top_box_share"]).round(0).astype(int),
            "mean": summary["mean_score"].round(2),
            "median": summary["median_score"],
            "assumed_cells": summary["assumed_cells"],
        }
    )
    if min_count > 0:
        hidden = summary["item_id"].isin(hidden_items(study.counts, min_count))
        table = mask_rows(table, hidden.to_numpy(), ["top2_pct", "mean", "median"])
    return table


def design_table(study: Study) -> pd.DataFrame:
    """Study design numbers as published."""
    if study.design is None:
        return pd.DataFrame({"key": ["respondents"], "value": [study.n], "unit": ["persons"]})
    return study.design[["key", "value", "unit", "kind", "section_da"]].reset_index(drop=True)


def context_table(study: Study) -> pd.DataFrame:
    """Numbers the report cites from other sources (context, not survey results)."""
    if study.context is None:
        return pd.DataFrame(columns=["key", "value", "unit", "year", "reference"])
    return study.context[["key", "value", "unit", "year", "reference"]].reset_index(drop=True)
