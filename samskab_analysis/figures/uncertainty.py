"""Figures for the uncertainty notebook: intervals, sensitivity ranges and index ranges.

All three show one row per item (or index), grouped by the report's levels: a dot for the value under
the default assumptions (or the observed value), a light bar for the range over every count table
consistent with the report, and -- in the intervals view -- thin lines for 95 % confidence intervals.
Figure text comes from ``data/raw/analysis/uncertainty_labels.csv`` (da/no/en).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from samskab_analysis.figures import layout
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


@dataclass
class TitledRows:
    """Items top to bottom, each with its full title (wrapped) above its row, levels as headings (points)."""

    ypos: dict[str, float]  # centre of each item's bar, points from the top of the axes
    titles: list[tuple[float, str]]  # top of each title, wrapped text
    headings: list[tuple[float, str]]  # top of each level heading
    height: float  # of the axes, in points
    bar: float = 11.0  # bar height, points


def titled_rows(instrument: Instrument, item_ids: list[str], lang: str, width: float) -> TitledRows:
    """Lay out *item_ids* as titled rows *width* points wide (the titles are wrapped, never shortened)."""
    ypos: dict[str, float] = {}
    titles: list[tuple[float, str]] = []
    headings: list[tuple[float, str]] = []
    y, previous, bar = 0.0, None, 11.0
    for item_id in item_ids:
        level = instrument.items.at[item_id, "level_id"]
        if level != previous:
            headings.append((y, str(instrument.levels.at[level, f"label_{lang}"])))
            y += layout.TEXT * 1.3 + 4
            previous = level
        text = layout.wrap(f"{instrument.exhibit_name(item_id, lang)}: {instrument.title(item_id, lang)}", width,
                           layout.SMALL)  # fmt: skip
        titles.append((y, text))
        y += layout.line_count(text) * layout.SMALL * 1.22 + 2
        ypos[item_id] = y + bar / 2
        y += bar + 6
    return TitledRows(ypos, titles, headings, y, bar)


def _draw_titles(ax: Axes, rows: TitledRows) -> None:
    """The titles and level headings of *rows* on *ax* (x in axes fraction: they may span a second panel)."""
    at = ax.get_yaxis_transform()
    for top, text in rows.titles:
        ax.text(0, top, text, transform=at, ha="left", va="top", fontsize=layout.SMALL, clip_on=False)
    for top, text in rows.headings:
        ax.text(0, top, text, transform=at, ha="left", va="top", fontsize=layout.TEXT, fontweight="bold",
                style="italic", color="#333333", clip_on=False)  # fmt: skip
    _bare(ax, rows.height)


def _bare(ax: Axes, height: float) -> None:
    """No background, grid or frame but the bottom axis: nothing covers or crosses the titles between rows."""
    ax.set_ylim(height, 0)
    ax.set_yticks([])
    ax.grid(False)
    ax.patch.set_visible(False)
    for name, spine in ax.spines.items():
        spine.set_visible(name == "bottom")


def _frame(top: float, axes_h: float, bottom: float) -> tuple[Figure, float, float]:
    """A figure :data:`layout.WIDTH` wide with *top* points above, *axes_h* for the axes and *bottom* below."""
    total = top + axes_h + bottom
    fig = plt.figure(figsize=(layout.WIDTH, total / 72))
    return fig, bottom / total, axes_h / total


def _ranges(ax: Axes, y: list[float], default: np.ndarray, low: np.ndarray, high: np.ndarray, bar: float) -> None:
    ax.barh(y, 100 * (high - low), left=100 * low, height=bar, color=RANGE, linewidth=0)
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


def _legend_height(handles: list) -> float:
    return sum(layout.line_count(h.get_label()) * layout.SMALL * 1.25 + 3 for h in handles) + 6


def _wrapped(handles: list, width: float) -> list:
    for handle in handles:
        handle.set_label(layout.wrap(handle.get_label(), width, layout.SMALL))
    return handles


def plot_intervals(
    study: Study, share_table: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR
) -> Figure:
    """Top-2-box share per item with exact and Wilson 95 % intervals (and, published, the range the report allows).

    *share_table* is :func:`samskab_analysis.intervals.share_intervals` of *study*.  Each item's full title stands
    above its row (a phone-width figure, :mod:`samskab_analysis.figures.layout`).
    """
    apply_style()
    labels = load_labels(data_dir)
    inst = study.instrument
    top = share_table[share_table["share_id"].str.split(",").map(lambda ids: "top2" in ids)].set_index("item_id")
    item_ids = [i for i in inst.item_ids if i in top.index]
    width = layout.WIDTH * 72
    rows = titled_rows(inst, item_ids, lang, width - 12)
    title = layout.wrap(_label(labels, "intervals_title", lang, n=study.n), width - 8, layout.TITLE, "bold")
    handles = _range_legend(labels, lang, study.is_published)
    handles += [
        Line2D([], [], color=EXACT, linewidth=1.2, label=_label(labels, "exact_ci", lang, n=study.n)),
        Line2D([], [], color=WILSON, linewidth=1.2, label=_label(labels, "wilson_ci", lang, n=study.n)),
    ]
    handles = _wrapped(handles, width - 40)
    head = 6 + layout.line_count(title) * layout.TITLE * 1.22 + 6
    foot = layout.TEXT * 1.3 * 2 + 14 + _legend_height(handles)
    fig, bottom, height = _frame(head, rows.height, foot)
    ax = fig.add_axes((10 / width, bottom, (width - 20) / width, height))
    _draw_titles(ax, rows)
    y = np.array([rows.ypos[i] for i in item_ids], dtype=float)
    data = top.loc[item_ids]
    n = data["n"].to_numpy(dtype=float)
    if study.is_published:
        low_high = data["count_range"].astype(str).str.split("-", expand=True).reindex(columns=[0, 1])
        low = low_high[0].astype(float).to_numpy() / n
        high = low_high[1].fillna(low_high[0]).astype(float).to_numpy() / n
        ax.barh(y, 100 * (high - low), left=100 * low, height=rows.bar, color=RANGE, linewidth=0)
    for offset, (lo, hi, color) in enumerate(
        ((data["exact_lower"], data["exact_upper"], EXACT), (data["wilson_lower"], data["wilson_upper"], WILSON))
    ):
        yy = y - 2.5 + 5 * offset
        ax.hlines(yy, 100 * lo.to_numpy(), 100 * hi.to_numpy(), color=color, linewidth=1.2)
    ax.plot(100 * data["share"].to_numpy(), y, "o", color=DOT, markersize=4.5, zorder=3)
    ax.set_xlim(0, 100)
    ax.set_xlabel(layout.wrap(_label(labels, "top2_axis", lang), width - 30, layout.TEXT))
    fig.text(4 / width, 1 - 6 / (fig.get_figheight() * 72), title, ha="left", va="top", fontsize=layout.TITLE,
             fontweight="bold")  # fmt: skip
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 0), fontsize=layout.SMALL, frameon=False)
    return fig


def plot_sensitivity(study: Study, table: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR) -> Figure:
    """Per item, grouped by level: POMP mean and top-2-box share, dot = default, bar = range over completions.

    Two panels side by side under each item's full title (the title spans both).
    *table* is :func:`samskab_analysis.sensitivity.sensitivity_table` of *study*.
    """
    apply_style()
    labels = load_labels(data_dir)
    inst = study.instrument
    item_ids = [i for i in inst.item_ids if i in set(table["item_id"])]
    width = layout.WIDTH * 72
    rows = titled_rows(inst, item_ids, lang, width - 12)
    title = layout.wrap(f"{_label(labels, 'ranges_title', lang)} (N = {study.n})", width - 8, layout.TITLE, "bold")
    handles = _wrapped(_range_legend(labels, lang, study.is_published), width - 40)
    axis_labels = [layout.wrap(_label(labels, key, lang), width / 2 - 20, layout.TEXT)
                   for key in ("pomp_axis", "top2_axis")]  # fmt: skip
    head = 6 + layout.line_count(title) * layout.TITLE * 1.22 + 6
    foot = layout.TEXT * 1.3 * (1 + max(layout.line_count(t) for t in axis_labels)) + 14 + _legend_height(handles)
    fig, bottom, height = _frame(head, rows.height, foot)
    half = (width - 30) / 2
    axes = [fig.add_axes(((10 + k * (half + 10)) / width, bottom, half / width, height)) for k in (0, 1)]
    for ax, stat, text in zip(axes, ("pomp", "top2_share"), axis_labels, strict=True):
        part = table[table["statistic"] == stat].set_index("item_id").loc[item_ids]
        if ax is axes[0]:
            _draw_titles(ax, rows)
        else:
            _bare(ax, rows.height)
        y = [rows.ypos[i] for i in item_ids]
        _ranges(ax, y, part["default"].to_numpy(), part["min"].to_numpy(), part["max"].to_numpy(), rows.bar)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 50, 100])
        ax.set_xlabel(text, fontsize=layout.TEXT)
    fig.text(4 / width, 1 - 6 / (fig.get_figheight() * 72), title, ha="left", va="top", fontsize=layout.TITLE,
             fontweight="bold")  # fmt: skip
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 0), fontsize=layout.SMALL, frameon=False)
    return fig


def plot_indices(study: Study, table: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR) -> Figure:
    """Index value per index (dot) and, for the published study, its range over consistent tables (bar).

    Each index's label and, in brackets, the number of items it averages stand above its row.
    *table* is :func:`samskab_analysis.indices.index_table` of *study* in *lang*.
    """
    apply_style()
    labels = load_labels(data_dir)
    width = layout.WIDTH * 72
    names = [layout.wrap(f"{label} ({n})", width - 12, layout.SMALL)
             for label, n in zip(table["label"], table["n_items"], strict=True)]  # fmt: skip
    y, ypos, tops = 0.0, [], []
    for name in names:
        tops.append(y)
        y += layout.line_count(name) * layout.SMALL * 1.22 + 2
        ypos.append(y + 5.5)
        y += 11 + 6
    title = layout.wrap(f"{_label(labels, 'indices_title', lang)} (N = {study.n})", width - 8, layout.TITLE, "bold")
    handles = _wrapped(_range_legend(labels, lang, study.is_published), width - 40)
    head = 6 + layout.line_count(title) * layout.TITLE * 1.22 + 6
    axis = layout.wrap(_label(labels, "index_axis", lang), width - 30, layout.TEXT)
    foot = layout.TEXT * 1.3 * (1 + layout.line_count(axis)) + 14 + _legend_height(handles)
    fig, bottom, height = _frame(head, y, foot)
    ax = fig.add_axes((10 / width, bottom, (width - 20) / width, height))
    rows = TitledRows({}, list(zip(tops, names, strict=True)), [], y)
    _draw_titles(ax, rows)
    low = table["min"].to_numpy() if "min" in table.columns else table["value"].to_numpy()
    high = table["max"].to_numpy() if "max" in table.columns else table["value"].to_numpy()
    _ranges(ax, ypos, table["value"].to_numpy(), low, high, 11.0)
    ax.set_xlim(0, 100)
    ax.set_xlabel(axis)
    fig.text(4 / width, 1 - 6 / (fig.get_figheight() * 72), title, ha="left", va="top", fontsize=layout.TITLE,
             fontweight="bold")  # fmt: skip
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 0), fontsize=layout.SMALL, frameon=False)
    return fig


def plot_coverage(coverage: pd.DataFrame, lang: str = "da", data_dir: str | Path = DATA_DIR) -> Figure:
    """Nominal vs actual coverage per interval method: a bar from the smallest to the largest coverage over a grid
    of study-like true distributions, a dot at the grid's smallest, a triangle at the smallest coverage over
    **every** true distribution (``simplex_min``: proven, or "≤" an upper bound found by search), the nominal
    level dashed; one panel per number of categories, one row per method, the two smallest coverages written in a
    column of their own right of the panel (phone width, :mod:`samskab_analysis.figures.layout`).

    *coverage* is :func:`samskab_analysis.stats.coverage.study_coverage` (its ``study-like`` grid is drawn) or
    ``coverage_table`` rows.
    """
    from samskab_analysis.data.labels import value_label

    apply_style()
    labels = load_labels(data_dir)
    if "grid" in coverage:
        coverage = coverage[coverage["grid"] == "study-like"]
    ks = sorted(coverage["k"].unique())
    width = layout.WIDTH * 72
    has_simplex = "simplex_min" in coverage
    parts = {k: coverage[(coverage["k"] == k) & coverage["min_coverage"].notna()].reset_index(drop=True) for k in ks}
    names = {k: [layout.wrap(f"{value_label(m, lang)} ({_label(labels, 'kind_' + kd.replace(' ', '_'), lang)})", 120,
                             layout.SMALL) for m, kd in zip(p["method"], p["kind"], strict=True)]
             for k, p in parts.items()}  # fmt: skip
    values = {}
    for k, part in parts.items():
        texts = []
        for _, row in part.iterrows():
            text = percent(row["min_coverage"], lang)
            if has_simplex and pd.notna(row.get("simplex_min")):
                mark = "≤ " if row.get("simplex_bound") == "upper" else ""
                text += f" | {mark}{percent(row['simplex_min'], lang, 1)}"
            texts.append(text)
        values[k] = texts
    left = max(layout.text_width(line, layout.SMALL) for k in ks for t in names[k] for line in t.split("\n")) + 12
    right = max(layout.text_width(t, layout.SMALL) for k in ks for t in values[k]) + 10
    row_h = 26.0
    title = layout.wrap(_label(labels, "coverage_title", lang), width - 8, layout.TITLE, "bold")
    handles = [
        Line2D([], [], color=EXACT, linestyle="--", linewidth=0.9, label=_label(labels, "nominal_level", lang)),
        Patch(color=RANGE, label=_label(labels, "coverage_range", lang)),
        Line2D([], [], marker="o", linestyle="", color=WILSON, label=_label(labels, "below_nominal", lang)),
    ]
    if has_simplex:
        handles.append(Line2D([], [], marker="v", linestyle="", color=EXACT,
                              label=_label(labels, "simplex_minimum", lang)))  # fmt: skip
    handles = _wrapped(handles, width - 40)
    head = 6 + layout.line_count(title) * layout.TITLE * 1.22 + 6
    panel_h = {k: row_h * len(parts[k]) for k in ks}
    gap = layout.TEXT * 1.3 * 2 + 26  # a panel's title above, its axis below
    foot = layout.TEXT * 1.3 * 2 + 10 + _legend_height(handles)
    total = head + sum(panel_h.values()) + gap * len(ks) + foot
    fig = plt.figure(figsize=(layout.WIDTH, total / 72))
    low = 100 * float(coverage["min_coverage"].min()) - 5
    if has_simplex and coverage["simplex_min"].notna().any():
        low = min(low, 100 * float(coverage["simplex_min"].min()) - 5)
    low = min(50.0, low)
    top = head
    for k in ks:
        part = parts[k]
        top += layout.TEXT * 1.3 + 8
        height = panel_h[k]
        ax = fig.add_axes((left / width, 1 - (top + height) / total, (width - left - right) / width, height / total))
        y = np.arange(len(part))
        below = part["below_nominal"].fillna(False).astype(bool).to_numpy()
        ax.hlines(y, 100 * part["min_coverage"], 100 * part["max_coverage"], colors=RANGE, linewidth=7)
        ax.scatter(100 * part["min_coverage"], y, color=np.where(below, WILSON, DOT), zorder=3, s=22)
        if has_simplex:
            known = part["simplex_min"].notna().to_numpy()
            ax.scatter(100 * part.loc[known, "simplex_min"], y[known], marker="v", color=EXACT, zorder=4, s=26)
        ax.axvline(100 * part["nominal"].iloc[0], color=EXACT, linestyle="--", linewidth=0.9)
        at = ax.get_yaxis_transform()
        for yi, text in zip(y, values[k], strict=True):
            ax.text(1.0, yi, "  " + text, transform=at, ha="left", va="center", fontsize=layout.SMALL, clip_on=False)
        ax.set_yticks(y, names[k], fontsize=layout.SMALL)
        ax.set_ylim(len(part) - 0.5, -0.5)
        ax.set_xlim(low, 101)
        ax.grid(axis="y", visible=False)
        n = int(part["n"].iloc[0]) if len(part) else 0
        ax.set_title(f"N = {n}, k = {k}", fontsize=layout.TEXT, loc="left")
        ax.text(1.0, 1.0, "  ● | ▼", transform=ax.transAxes, ha="left", va="bottom", fontsize=layout.SMALL)
        ax.set_xlabel(_label(labels, "coverage_axis", lang), fontsize=layout.TEXT)
        top += height + gap - (layout.TEXT * 1.3 + 8)
    fig.text(4 / width, 1 - 6 / total, title, ha="left", va="top", fontsize=layout.TITLE, fontweight="bold")
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 0), fontsize=layout.SMALL, frameon=False)
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
