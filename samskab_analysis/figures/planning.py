"""The planning figure: exact interval half-width against N (the published N marked) and the detectable change."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from samskab_analysis.figures import layout
from samskab_analysis.figures.exhibits import split_list
from samskab_analysis.figures.plotting import apply_style, save_figure
from samskab_analysis.paths import resolve
from samskab_analysis.stats.planning import load_planning_labels


def plot_planning(widths: pd.DataFrame, detectable: pd.DataFrame, lang: str = "da", marked_n: int = 10) -> Figure:
    """Interval half-width against N (marking the published N) and the detectable difference against n."""
    apply_style()
    text = load_planning_labels()
    fig, (left, right) = plt.subplots(2, 1, figsize=(layout.WIDTH, 7.4))
    colors = ("#1f5f99", "#6fa8dc", "#e69a6b")
    for color, (share, rows) in zip(colors, widths.groupby("share"), strict=False):
        label = f"{text.at['share_near', lang]} {100 * share:.0f} %"
        left.plot(rows["n"], 100 * rows["halfwidth"], color=color, label=label)
    marked = widths[widths["n"] == marked_n]
    left.axvline(marked_n, color="#b8412e", linewidth=1, linestyle="--")
    left.scatter(marked["n"], 100 * marked["halfwidth"], color="#b8412e", zorder=3, s=18)
    left.annotate(str(text.at["published_n", lang]).format(n=marked_n), (marked_n, 100 * marked["halfwidth"].max()),
                  xytext=(10, 0), textcoords="offset points", fontsize=layout.SMALL, color="#b8412e", va="center")
    left.set_xlabel(str(text.at["width_x", lang]))
    left.set_ylabel(layout.wrap(str(text.at["width_y", lang]), 150, layout.TEXT))
    left.set_title(layout.wrap(str(text.at["width_title", lang]), 250, layout.TITLE, "bold"), fontsize=layout.TITLE,
                   fontweight="bold", loc="left")  # fmt: skip
    left.set_xlim(0, widths["n"].max())
    left.set_ylim(0, None)
    left.legend(fontsize=layout.SMALL, frameon=False)
    right.plot(detectable["n1"], detectable["top2_pp"], "o-", color="#1f5f99", markersize=4)
    right.set_xlabel(str(text.at["power_x", lang]))
    right.set_ylabel(layout.wrap(str(text.at["power_y", lang]), 150, layout.TEXT))
    right.set_title(layout.wrap(str(text.at["power_title", lang]), 250, layout.TITLE, "bold"), fontsize=layout.TITLE,
                    fontweight="bold", loc="left")  # fmt: skip
    right.set_ylim(0, None)
    fig.tight_layout(rect=(0, 0, 0.96, 1))
    return fig


def save_planning_figures(widths: pd.DataFrame, detectable: pd.DataFrame, lang: str, also_langs: str,
                          output_dir: str | Path, formats: str, marked_n: int = 10) -> list[Path]:
    """Draw and save ``planning_<lang>.<fmt>`` in each language."""
    out = resolve(output_dir) or Path(output_dir)
    paths = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_planning(widths, detectable, code, marked_n)
        paths += save_figure(fig, f"planning_{code}", out, split_list(formats))
        plt.close(fig)
    return paths
