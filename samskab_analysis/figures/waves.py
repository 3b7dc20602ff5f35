"""The waves figure: per item the top-box share per wave with its exact interval (suppressed cells left out)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samskab_analysis.figures.exhibits import split_list
from samskab_analysis.figures.plotting import apply_style, save_figure
from samskab_analysis.paths import resolve
from samskab_analysis.stats.cohorts import is_synthetic
from samskab_analysis.stats.waves import Wave, load_wave_labels, wave_name


def plot_trends(waves: Sequence[Wave], shares: pd.DataFrame, lang: str = "da", min_count: int = 0) -> Figure:
    """One small panel per item: top-box share per wave with its exact interval (suppressed cells left out)."""
    apply_style()
    text = load_wave_labels()
    instrument = waves[0].study.instrument
    items = instrument.item_ids
    ncols = 6
    nrows = int(np.ceil(len(items) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.0 * nrows + 1.0), sharey=True, sharex=True)
    x = np.arange(1, len(waves) + 1)
    for ax, item_id in zip(axes.flat, items, strict=False):
        rows = shares[shares["item_id"] == item_id].sort_values("wave_no")
        shown = rows[~rows["suppressed"]]
        ax.errorbar(
            shown["wave_no"],
            shown["share"],
            yerr=[shown["share"] - shown["ci_low"], shown["ci_high"] - shown["share"]],
            fmt="o-",
            color="#1f5f99",
            ecolor="#6fa8dc",
            capsize=3,
            markersize=4,
            linewidth=1,
        )
        for row in rows[rows["suppressed"]].itertuples():
            ax.text(row.wave_no, 0.5, f"<{min_count}", ha="center", va="center", fontsize=7, color="#7a7a7a")
        ax.set_title(instrument.exhibit_name(item_id, lang), fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_xlim(0.5, len(waves) + 0.5)
        ax.set_xticks(x)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(items) :]:
        ax.axis("off")
    legend = "   ".join(f"{k}: {wave_name(w, lang, text)}" for k, w in enumerate(waves, start=1))
    fig.suptitle(str(text.at["title", lang]), fontsize=10)
    fig.text(0.5, 0.01, legend, ha="center", va="bottom", fontsize=7.5)
    if any(is_synthetic(w.study) for w in waves):
        fig.text(0.99, 0.995, "SYNTHETIC DATA", ha="right", va="top", fontsize=10, color="#b8412e", weight="bold")
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return fig


def save_wave_figures(
    waves: Sequence[Wave], shares: pd.DataFrame, lang: str, also_langs: str, output_dir: str | Path, formats: str,
    min_count: int = 0,
) -> list[Path]:
    """Draw and save the trend figure in each language as ``waves_<lang>.<fmt>``."""
    out = resolve(output_dir) or Path(output_dir)
    paths = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_trends(waves, shares, code, min_count)
        paths += save_figure(fig, f"waves_{code}", out, split_list(formats))
        plt.close(fig)
    return paths
