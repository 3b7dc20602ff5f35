"""The two-cohort figure: per item two 100 % stacked bars with N, counts in the segments."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from samskab_analysis.data.count_table import MISSING, NOT_REACHED
from samskab_analysis.figures import layout
from samskab_analysis.figures.exhibits import split_list
from samskab_analysis.figures.plotting import (
    NO_ANSWER_COLOR,
    NOT_REACHED_COLOR,
    apply_style,
    category_color,
    colour_legend,
    save_figure,
)
from samskab_analysis.paths import resolve
from samskab_analysis.stats.cohorts import cohort_label
from samskab_analysis.stats.disclosure import SUPPRESSED, hidden_items
from samskab_analysis.study import Study


def dark(color: str) -> bool:
    """True for colours on which white text reads better (relative luminance below 0.4)."""

    red, green, blue = to_rgb(color)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.4


def plot_cohorts(a: Study, b: Study, lang: str = "da", min_count: int = 0) -> Figure:
    """Per item two 100 % stacked bars (first and second cohort) with N; counts written in the segments.

    With *min_count* > 0, a bar with a suppressed cell (:mod:`samskab_analysis.stats.disclosure`) is not
    drawn, only labelled "suppressed". Assumed cells of a reconstructed cohort are hatched.
    """

    apply_style()
    inst = a.instrument
    items = inst.item_ids
    handles = colour_legend(inst, lang)
    handles.append(Patch(color=NO_ANSWER_COLOR, label=inst.label("no_answer", lang)))
    if any((s.counts["category_id"] == NOT_REACHED).any() for s in (a, b)):
        handles.append(Patch(color=NOT_REACHED_COLOR, label=inst.label(NOT_REACHED, lang)))
    if a.counts.get("provenance").isin(["assumed", "derived_under_assumption"]).any():
        handles.append(Patch(facecolor="#7a7a7a", alpha=0.5, hatch="///", label=inst.label("assumed", lang)))
    title = "\n".join(layout.wrap(f"{tag}: {cohort_label(s, lang)}", layout.WIDTH * 72 - 8, layout.TEXT, "bold")
                      for tag, s in (("A", a), ("B", b)))  # fmt: skip
    head = (layout.line_count(title) * layout.TEXT * 1.25 + 10) / 72
    foot = (sum(layout.line_count(h.get_label()) for h in handles) * layout.SMALL * 1.3 + 40) / 72
    fig, ax = plt.subplots(figsize=(layout.WIDTH, 0.62 * len(items) + head + foot))
    hidden = [hidden_items(study.counts, min_count) for study in (a, b)]  # each cohort's protected base
    yticks, ylabels = [], []
    for k, item_id in enumerate(items):
        for j, study in enumerate((a, b)):
            ypos = k * 2.6 + j * 1.0
            rows = study.item_counts(item_id)
            if item_id in hidden[j]:
                # statistical disclosure control: no segment at all (shown widths would give the others away)
                ax.text(50, ypos, inst.label(SUPPRESSED, lang), ha="center", va="center", fontsize=layout.SMALL,
                        color="#555555")  # fmt: skip
                rows = rows.iloc[0:0]
            rows = rows[~rows["category_id"].isin(MISSING) | (rows["count"] > 0)]
            left = 0.0
            for _, row in rows.iterrows():
                width = 100 * row["count"] / study.n
                assumed = row.get("provenance") in ("assumed", "derived_under_assumption")
                color = category_color(inst, item_id, row["category_id"])
                ax.barh(
                    ypos,
                    width,
                    left=left,
                    height=0.85,
                    color=color,
                    alpha=0.5 if assumed else 1.0,
                    hatch="///" if assumed else None,
                    edgecolor="white",
                    linewidth=0.5,
                )
                count = int(row["count"])
                if width >= 9 and count >= max(min_count, 1):
                    ink = "white" if dark(color) and not assumed else "#222222"
                    ax.text(left + width / 2, ypos, str(count), ha="center", va="center", fontsize=layout.SMALL,
                            color=ink)  # fmt: skip
                left += width
            yticks.append(ypos)
            tag = "A" if j == 0 else "B"
            name = layout.wrap(inst.exhibit_name(item_id, lang), 90, layout.SMALL) + "  " if j == 0 else ""
            ylabels.append(f"{name}{tag}")  # each cohort's N is in the title
    ax.set_yticks(yticks, ylabels, fontsize=layout.SMALL)
    ax.set_ylim(yticks[-1] + 0.7, -0.7)
    ax.set_xlim(0, 100)
    ax.set_xlabel(inst.label("percent_of_respondents", lang))
    ax.grid(axis="y", visible=False)
    height = fig.get_figheight()
    fig.text(0.01, 1 - 4 / 72 / height, title, ha="left", va="top", fontsize=layout.TEXT, fontweight="bold")
    fig.legend(handles=handles, loc="lower left", ncol=1, fontsize=layout.SMALL, frameon=False)
    fig.tight_layout(rect=(0, foot / height, 1, 1 - head / height))
    return fig


def save_cohort_figures(
    a: Study,
    b: Study,
    lang: str,
    also_langs: str,
    output_dir: str | Path,
    formats: str,
    min_count: int = 0,
) -> list[Path]:
    """Draw and save the comparison in each language as ``cohorts_<lang>.<fmt>``."""

    out = resolve(output_dir) or Path(output_dir)
    paths = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_cohorts(a, b, code, min_count)
        paths += save_figure(fig, f"cohorts_{code}", out, split_list(formats))
        plt.close(fig)
    return paths
