"""Figures for the uncertainty notebook: intervals, sensitivity ranges and index ranges.

All three show one row per item (or index), grouped by the report's levels: a dot for the value under
the default assumptions (or the observed value), a light bar for the range over every count table
consistent with the report, and -- in the intervals view -- thin lines for 95 % confidence intervals.
Figure text comes from ``data/raw/analysis/uncertainty_labels.csv`` (da/no/en).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from samskab_analysis.data.csv_reader import check_required_values, check_unique, read_table
from samskab_analysis.data.errors import raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.figures.plotting import apply_style, save_figure
from samskab_analysis.paths import DATA_DIR, LANGS, resolve
from samskab_analysis.stats.indices import analysis_dir
from samskab_analysis.stats.wording import percent
from samskab_analysis.study import Study

DOT = "#1f3d5c"
RANGE = "#9cc3e6"
EXACT = "#222222"
WILSON = "#b8412e"


def load_labels(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Figure labels of this notebook (key, da, no, en)."""
    frame = read_table(analysis_dir(data_dir) / "uncertainty_labels.csv", ("key", *LANGS), what="labels")
    raise_if(check_required_values(frame, ["key", *LANGS]) + check_unique(frame, ["key"]))
    return frame.set_index("key")


def _label(labels: pd.DataFrame, key: str, lang: str, **fields: object) -> str:
    text = str(labels.at[key, lang]) if key in labels.index else key
    return text.format(**fields) if fields else text


def _item_axis(ax: Axes, instrument: Instrument, item_ids: list[str], lang: str, ticks: bool = True) -> dict[str, int]:
    """Items top to bottom (tick labels when *ticks*), each level introduced by a heading row of its own."""
    ypos: dict[str, int] = {}
    previous, row = None, 0
    for item_id in item_ids:
        level = instrument.items.at[item_id, "level_id"]
        if level != previous:
            if previous is not None:
                ax.axhline(row - 0.5, color="#999999", linewidth=0.6, linestyle="--")
            label = instrument.levels.at[level, f"label_{lang}"]
            ax.text(0.005, row, label, transform=ax.get_yaxis_transform(), fontsize=7.5, va="center", style="italic")
            previous, row = level, row + 1
        ypos[item_id] = row
        row += 1
    if ticks:
        names = [
            f"{instrument.exhibit_name(i, lang)}: {textwrap.shorten(instrument.title(i, lang), 44)}" for i in item_ids
        ]
        ax.set_yticks([ypos[i] for i in item_ids], names, fontsize=7.5)
    else:
        ax.tick_params(axis="y", labelleft=False, left=False)
    ax.set_ylim(row - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    return ypos


def _ranges(ax: Axes, y: list[float], default: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    ax.barh(y, 100 * (high - low), left=100 * low, height=0.55, color=RANGE, linewidth=0)
    ax.plot(100 * default, y, "o", color=DOT, markersize=4.5, zorder=3)


def _range_legend(labels: pd.DataFrame, lang: str, published: bool) -> list[object]:
    handles: list[object] = [
        Line2D([], [], marker="o", linestyle="", color=DOT, label=_label(labels, "default_value", lang))
        if published
        else Line2D([], [], marker="o", linestyle="", color=DOT, label=_label(labels, "observed_value", lang))
    ]
    if published:
        handles.append(Patch(color=RANGE, label=_label(labels, "consistent_range", lang)))
    return handles


def plot_intervals(
    study: Study, share_table: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR
) -> Figure:
    """Top-2-box share per item with exact and Wilson 95 % intervals (and, published, the range the report allows).

    *share_table* is :func:`samskab_analysis.intervals.share_intervals` of *study*.
    """
    apply_style()
    labels = load_labels(data_dir)
    inst = study.instrument
    top = share_table[share_table["share_id"].str.split(",").map(lambda ids: "top2" in ids)].set_index("item_id")
    item_ids = [i for i in inst.item_ids if i in top.index]
    fig, ax = plt.subplots(figsize=(9.5, 0.36 * (len(item_ids) + 6) + 1.9))
    ypos = _item_axis(ax, inst, item_ids, lang)
    y = np.array([ypos[i] for i in item_ids], dtype=float)
    rows = top.loc[item_ids]
    n = rows["n"].to_numpy(dtype=float)
    if study.is_published:
        low_high = rows["count_range"].astype(str).str.split("-", expand=True).reindex(columns=[0, 1])
        low = low_high[0].astype(float).to_numpy() / n
        high = low_high[1].fillna(low_high[0]).astype(float).to_numpy() / n
        ax.barh(y, 100 * (high - low), left=100 * low, height=0.6, color=RANGE, linewidth=0)
    for offset, (lo, hi, color) in enumerate(
        ((rows["exact_lower"], rows["exact_upper"], EXACT), (rows["wilson_lower"], rows["wilson_upper"], WILSON))
    ):
        yy = y - 0.12 + 0.24 * offset
        ax.hlines(yy, 100 * lo.to_numpy(), 100 * hi.to_numpy(), color=color, linewidth=1.2)
    ax.plot(100 * rows["share"].to_numpy(), y, "o", color=DOT, markersize=4.5, zorder=3)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_label(labels, "top2_axis", lang))
    ax.set_title(_label(labels, "intervals_title", lang, n=study.n), loc="left", fontweight="bold")
    handles = _range_legend(labels, lang, study.is_published)
    handles += [
        Line2D([], [], color=EXACT, linewidth=1.2, label=_label(labels, "exact_ci", lang)),
        Line2D([], [], color=WILSON, linewidth=1.2, label=_label(labels, "wilson_ci", lang)),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.35, -0.09), ncol=2, fontsize=7.5)
    fig.tight_layout()
    return fig


def plot_sensitivity(study: Study, table: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR) -> Figure:
    """Per item, grouped by level: POMP mean and top-2-box share, dot = default, bar = range over completions.

    *table* is :func:`samskab_analysis.sensitivity.sensitivity_table` of *study*.
    """
    apply_style()
    labels = load_labels(data_dir)
    inst = study.instrument
    item_ids = [i for i in inst.item_ids if i in set(table["item_id"])]
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.36 * (len(item_ids) + 6) + 1.9), sharey=True)
    for ax, stat, key in zip(axes, ("pomp", "top2_share"), ("pomp_axis", "top2_axis"), strict=True):
        part = table[table["statistic"] == stat].set_index("item_id").loc[item_ids]
        ypos = _item_axis(ax, inst, item_ids, lang, ticks=ax is axes[0])
        y = [ypos[i] for i in item_ids]
        _ranges(ax, y, part["default"].to_numpy(), part["min"].to_numpy(), part["max"].to_numpy())
        ax.set_xlim(0, 100)
        ax.set_xlabel(textwrap.fill(_label(labels, key, lang), 34), fontsize=9)
        ax.grid(axis="y", visible=False)
    title = f"{_label(labels, 'ranges_title', lang)}  (N = {study.n})"
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10)
    handles = _range_legend(labels, lang, study.is_published)
    axes[0].legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=7.5)
    fig.tight_layout()
    return fig


def plot_indices(study: Study, table: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR) -> Figure:
    """Index value per index (dot) and, for the published study, its range over consistent tables (bar).

    The tick labels give each index's label and, in brackets, the number of items it averages.

    *table* is :func:`samskab_analysis.indices.index_table` of *study* in *lang*.
    """
    apply_style()
    labels = load_labels(data_dir)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.6))
    y = list(range(len(table)))
    low = table["min"].to_numpy() if "min" in table.columns else table["value"].to_numpy()
    high = table["max"].to_numpy() if "max" in table.columns else table["value"].to_numpy()
    _ranges(ax, y, table["value"].to_numpy(), low, high)
    ticks = [f"{label} ({n})" for label, n in zip(table["label"], table["n_items"], strict=True)]
    ax.set_yticks(y, ticks, fontsize=8)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_label(labels, "index_axis", lang))
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{_label(labels, 'indices_title', lang)}  (N = {study.n})", loc="left", fontweight="bold")
    handles = _range_legend(labels, lang, study.is_published)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.4, -0.16), ncol=2, fontsize=7.5)
    fig.tight_layout()
    return fig


def plot_coverage(coverage: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR) -> Figure:
    """Nominal vs actual coverage per interval method: a bar from the smallest to the largest coverage over a grid
    of study-like true distributions, a dot at the grid's smallest, a triangle at the smallest coverage over
    **every** true distribution (``simplex_min``: proven, or "≤" an upper bound found by search), the nominal
    level dashed; one panel per number of categories.

    *coverage* is :func:`samskab_analysis.stats.coverage.study_coverage` (its ``study-like`` grid is drawn) or
    ``coverage_table`` rows.
    """
    apply_style()
    labels = load_labels(data_dir)
    if "grid" in coverage:
        coverage = coverage[coverage["grid"] == "study-like"]
    ks = sorted(coverage["k"].unique())
    fig, axes = plt.subplots(1, len(ks), figsize=(5.4 * len(ks), 3.6), sharey=True, squeeze=False)
    for ax, k in zip(axes[0], ks, strict=True):
        part = coverage[(coverage["k"] == k) & coverage["min_coverage"].notna()].reset_index(drop=True)
        x = np.arange(len(part))
        below = part["below_nominal"].fillna(False).astype(bool).to_numpy()
        colors = np.where(below, WILSON, DOT)
        ax.vlines(x, 100 * part["min_coverage"], 100 * part["max_coverage"], colors=RANGE, linewidth=7)
        ax.scatter(x, 100 * part["min_coverage"], color=colors, zorder=3, s=22)
        for xi, value in zip(x, part["min_coverage"], strict=True):
            ax.text(xi + 0.12, 100 * value, f"{100 * value:.0f}", fontsize=7.5, va="center")
        if "simplex_min" in part:
            known = part["simplex_min"].notna().to_numpy()
            ax.scatter(x[known], 100 * part.loc[known, "simplex_min"], marker="v", color=EXACT, zorder=4, s=26)
            for xi, value, bound in zip(x[known], part.loc[known, "simplex_min"], part.loc[known, "simplex_bound"],
                                        strict=True):  # fmt: skip
                mark = "≤ " if bound == "upper" else ""
                ax.text(xi - 0.12, 100 * value, f"{mark}{percent(value, lang, 1)}", fontsize=7, va="center",
                        ha="right")  # fmt: skip
            lowest = part.loc[known, "simplex_min"].min() if known.any() else np.nan
            bottom = min(50, 100 * float(coverage["min_coverage"].min()) - 5)
            if np.isfinite(lowest):
                bottom = min(bottom, 100 * float(lowest) - 5)
            ax.set_ylim(bottom, 101)
        ax.axhline(100 * part["nominal"].iloc[0], color=EXACT, linestyle="--", linewidth=0.9)
        ax.set_xticks(x, [f"{m}\n({_label(labels, 'kind_' + kd.replace(' ', '_'), lang)})"
                          for m, kd in zip(part["method"], part["kind"], strict=True)], fontsize=7)  # fmt: skip
        n = int(part["n"].iloc[0]) if len(part) else 0
        ax.set_title(f"N = {n}, k = {k}", fontsize=9)
        if "simplex_min" not in part:
            ax.set_ylim(min(50, 100 * float(coverage["min_coverage"].min()) - 5), 101)
    axes[0][0].set_ylabel(_label(labels, "coverage_axis", lang))
    fig.suptitle(_label(labels, "coverage_title", lang), x=0.01, ha="left", fontweight="bold", fontsize=10)
    handles = [
        Line2D([], [], color=EXACT, linestyle="--", linewidth=0.9, label=_label(labels, "nominal_level", lang)),
        Patch(color=RANGE, label=_label(labels, "coverage_range", lang)),
        Line2D([], [], marker="o", linestyle="", color=WILSON, label=_label(labels, "below_nominal", lang)),
    ]
    if "simplex_min" in coverage:
        handles.append(Line2D([], [], marker="v", linestyle="", color=EXACT,
                              label=_label(labels, "simplex_minimum", lang)))  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=7.5, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.12, 1, 0.95))
    return fig


def save_uncertainty_figures(
    study: Study,
    lang: str,
    also_langs: str | Sequence[str],
    output_dir: str | Path,
    formats: str | Sequence[str],
    data_dir: str | Path = DATA_DIR,
    indices: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
) -> list[Path]:
    """Draw and save ``uncertainty_{top2,ranges,indices}_<lang>`` (and ``uncertainty_coverage_<lang>`` when
    *coverage* is given) in *lang* and every language of *also_langs*."""
    from samskab_analysis.figures.exhibits import split_list
    from samskab_analysis.stats.indices import index_table, load_indices
    from samskab_analysis.stats.intervals import share_intervals
    from samskab_analysis.stats.sensitivity import sensitivity_table

    out = resolve(output_dir) or Path(output_dir)
    shares, ranges = share_intervals(study), sensitivity_table(study)
    indices = indices if indices is not None else load_indices(study.instrument, data_dir)
    paths: list[Path] = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        figures = {
            "top2": plot_intervals(study, shares, code, data_dir),
            "ranges": plot_sensitivity(study, ranges, code, data_dir),
            "indices": plot_indices(study, index_table(study, indices=indices, lang=code), code, data_dir),
        }
        if coverage is not None:
            figures["coverage"] = plot_coverage(coverage, code, data_dir)
        for name, fig in figures.items():
            paths += save_figure(fig, f"uncertainty_{name}_{code}", out, split_list(formats))
            plt.close(fig)
    return paths
