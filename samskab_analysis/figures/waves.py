"""The waves figure: per item the top-box share per wave with its exact interval (suppressed cells left out)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samskab_analysis.figures import layout
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
    ncols = 3
    nrows = int(np.ceil(len(items) / ncols))
    legend = "\n".join(layout.wrap(f"{k}: {wave_name(w, lang, text)}", layout.WIDTH * 72 - 8, layout.SMALL)
                       for k, w in enumerate(waves, start=1))  # fmt: skip
    if any(is_synthetic(w.study) for w in waves):
        legend += "\n" + str(text.at["synthetic", lang])
    title = layout.wrap(str(text.at["title", lang]), layout.WIDTH * 72 - 8, layout.TITLE, "bold")
    head = (layout.line_count(title) * layout.TITLE * 1.22 + 10) / 72
    foot = (layout.line_count(legend) * layout.SMALL * 1.25 + 10) / 72
    height = 1.55 * nrows + head + foot
    fig, axes = plt.subplots(nrows, ncols, figsize=(layout.WIDTH, height), sharey=True, sharex=True)
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
            ax.text(row.wave_no, 0.5, f"<{min_count}", ha="center", va="center", fontsize=layout.SMALL,
                    color="#7a7a7a")  # fmt: skip
        ax.set_title(layout.wrap(instrument.exhibit_name(item_id, lang), 95, layout.SMALL), fontsize=layout.SMALL)
        ax.set_ylim(0, 1)
        ax.set_xlim(0.5, len(waves) + 0.5)
        ax.set_xticks(x)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
        ax.tick_params(labelsize=layout.SMALL)
    for ax in list(axes.flat)[len(items) :]:
        ax.axis("off")
    fig.text(0.01, 1 - 4 / 72 / height, title, ha="left", va="top", fontsize=layout.TITLE, fontweight="bold")
    fig.text(0.01, 0.004, legend, ha="left", va="bottom", fontsize=layout.SMALL)
    fig.tight_layout(rect=(0, foot / height, 0.97, 1 - head / height), h_pad=0.8, w_pad=0.4)
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
