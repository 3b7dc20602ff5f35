"""Figures of respondent-level data: respondent indices and the item correlation matrix."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import cbook

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.figures import layout
from samskab_analysis.figures.exhibits import split_list
from samskab_analysis.figures.plotting import apply_style, save_figure
from samskab_analysis.paths import resolve
from samskab_analysis.stats.microdata import (
    correlation_hidden,
    index_labels,
    item_correlations,
    load_index_definitions,
    respondent_indices,
)


def box_stats(data: list[np.ndarray]) -> list[dict]:
    """Box-plot statistics as ``ax.boxplot`` computes them, each outlier value listed once.

    A large cohort has thousands of respondents beyond the whiskers but only a few distinct index scores:
    drawing every one of them would draw per-respondent points on top of each other (same picture, far
    more work and a far larger SVG).
    """
    stats = cbook.boxplot_stats(data)
    for entry in stats:
        entry["fliers"] = np.unique(entry["fliers"])
    return stats


def _text(key: str, lang: str) -> str:
    from samskab_analysis.data.labels import label_table

    return label_table("analysis/microdata_labels.csv")[key][lang]


def plot_respondent_indices(
    values: pd.DataFrame, labels: dict[str, str], min_count: int = 0, lang: str = "en"
) -> plt.Figure:
    """Box plot of respondent index scores (0..1) per index with N.

    A box plot shows individual scores (whiskers, outliers, an odd N's median), so with *min_count* > 0
    (statistical disclosure control) no box is drawn, only a note.
    """

    apply_style()
    columns = [c for c in values.columns if values[c].notna().sum() >= 1] if min_count <= 0 else []
    fig, ax = plt.subplots(figsize=(layout.WIDTH, 0.55 * max(len(columns), 1) + 2.2))
    data = [values[c].dropna().to_numpy() for c in columns]
    names = [layout.wrap(f"{labels.get(c, c)} (N = {len(d)})", 130, layout.SMALL)
             for c, d in zip(columns, data, strict=True)]  # fmt: skip
    if data:
        ax.bxp(
            box_stats(data),
            orientation="horizontal",
            widths=0.55,
            patch_artist=True,
            boxprops={"facecolor": "#6fa8dc", "alpha": 0.8},
            medianprops={"color": "#222222"},
        )
        ax.set_yticks(range(1, len(names) + 1), names, fontsize=layout.SMALL)
    elif min_count > 0:
        ax.text(0.5, 0.5, layout.wrap(_text("not_shown", lang).format(k=min_count), 200, layout.TEXT), ha="center",
                va="center", fontsize=layout.TEXT)  # fmt: skip
        ax.set_yticks([])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(layout.wrap(_text("index_axis", lang), 300, layout.TEXT))
    ax.set_title(_text("indices_title", lang), loc="left", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_correlations(
    responses: pd.DataFrame, instrument: Instrument, lang: str = "en", min_count: int = 0
) -> plt.Figure:
    """Heat map of the Spearman correlations; cells resting on too few pairs stay blank."""

    apply_style()
    rho, pairs = item_correlations(responses, instrument)
    shown = rho.where(~correlation_hidden(responses, instrument, rho, pairs, min_count))
    names = [instrument.exhibit_name(i, lang).replace(instrument.label("figure", lang) + " ", "") for i in rho.index]
    names = [n if len(n) < 12 else n.split(" ")[0][:3] for n in names]
    fig, ax = plt.subplots(figsize=(layout.WIDTH, layout.WIDTH + 0.4))
    image = ax.imshow(shown.to_numpy(dtype=float), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=layout.SMALL)
    ax.set_yticks(range(len(names)), names, fontsize=layout.SMALL)
    ax.grid(False)
    fig.colorbar(image, ax=ax, shrink=0.7, label="Spearman rho", orientation="horizontal", pad=0.12)
    ax.set_title(_text("correlations_title", lang).format(n=len(responses)), loc="left", fontweight="bold")
    fig.tight_layout()
    return fig


def save_microdata_figures(
    responses: pd.DataFrame,
    instrument: Instrument,
    lang: str,
    also_langs: str,
    output_dir: str | Path,
    formats: str,
    min_count: int = 0,
    indices: pd.DataFrame | None = None,
) -> list[Path]:
    """Save the index box plot and the correlation heat map as ``microdata_*_<lang>.<fmt>`` in each language."""

    defs = indices if indices is not None else load_index_definitions(instrument)
    out = resolve(output_dir) or Path(output_dir)
    values = respondent_indices(responses, instrument, defs)
    paths = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_respondent_indices(values, index_labels(defs, code), min_count, code)
        paths += save_figure(fig, f"microdata_indices_{code}", out, split_list(formats))
        plt.close(fig)
        fig = plot_correlations(responses, instrument, code, min_count)
        paths += save_figure(fig, f"microdata_correlations_{code}", out, split_list(formats))
        plt.close(fig)
    return paths
