"""Figures of respondent-level data: respondent indices and the item correlation matrix."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from samskab_analysis.data.instrument import Instrument
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


def plot_respondent_indices(values: pd.DataFrame, labels: dict[str, str], min_count: int = 0) -> plt.Figure:
    """Box plot of respondent index scores (0..1) per index with N.

    A box plot shows individual scores (whiskers, outliers, an odd N's median), so with *min_count* > 0
    (statistical disclosure control) no box is drawn, only a note.
    """

    apply_style()
    columns = [c for c in values.columns if values[c].notna().sum() >= 1] if min_count <= 0 else []
    fig, ax = plt.subplots(figsize=(7.2, 0.55 * max(len(columns), 1) + 1.6))
    data = [values[c].dropna().to_numpy() for c in columns]
    names = [f"{labels.get(c, c)} (N = {len(d)})" for c, d in zip(columns, data, strict=True)]
    if data:
        ax.boxplot(
            data,
            orientation="horizontal",
            widths=0.55,
            patch_artist=True,
            boxprops={"facecolor": "#6fa8dc", "alpha": 0.8},
            medianprops={"color": "#222222"},
        )
        ax.set_yticks(range(1, len(names) + 1), names, fontsize=8)
    elif min_count > 0:
        ax.text(0.5, 0.5, f"not shown: individual scores (min_count = {min_count})", ha="center", va="center")
        ax.set_yticks([])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("index score (0 = lowest possible, 1 = highest possible answer on every item)")
    ax.set_title("Respondent index scores", loc="left", fontweight="bold")
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
    names = [n if len(n) < 12 else n.split(" ")[0] for n in names]
    fig, ax = plt.subplots(figsize=(7.6, 6.6))
    image = ax.imshow(shown.to_numpy(dtype=float), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.grid(False)
    fig.colorbar(image, ax=ax, shrink=0.8, label="Spearman rho")
    ax.set_title(f"Item correlations (N = {len(responses)})", loc="left", fontweight="bold")
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
        fig = plot_respondent_indices(values, index_labels(defs, code), min_count)
        paths += save_figure(fig, f"microdata_indices_{code}", out, split_list(formats))
        plt.close(fig)
        fig = plot_correlations(responses, instrument, code, min_count)
        paths += save_figure(fig, f"microdata_correlations_{code}", out, split_list(formats))
        plt.close(fig)
    return paths
