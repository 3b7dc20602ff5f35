"""Figures: one item as the report's bar chart, and all items as a diverging stacked bar.

Every figure shows N, the share per category, and marks reconstructed cells: stated cells are
solid, derived cells dotted, cells derived only under an assumed answer scale light and cross-hatched,
assumed cells light and hatched, with a legend saying so.  Where the report states a total over several
categories whose split it does not give (e.g. Figure 7: high + very high = 20 %), the total is drawn as a
bracket (item figure) or an outline (overview) labelled "stated together", so only the split inside is
shown as assumed.
Saving is deterministic (fixed SVG hash salt, no dates, glyphs as paths).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from samskab_analysis.data.count_table import MISSING, NOT_REACHED
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.figures import layout
from samskab_analysis.output import atomic_open, check_writable_place, safe_name
from samskab_analysis.stats.disclosure import SUPPRESSED, hidden_categories, hidden_items
from samskab_analysis.stats.readings import interpreted_statements, load_readings
from samskab_analysis.stats.wording import percent
from samskab_analysis.study import Study

STYLE = {
    "stated": {"alpha": 1.0, "hatch": None},
    "derived": {"alpha": 1.0, "hatch": ".."},
    "derived_under_assumption": {"alpha": 0.6, "hatch": "xx"},
    "assumed": {"alpha": 0.45, "hatch": "///"},
    "observed": {"alpha": 1.0, "hatch": None},
}
#: text mark after a share: assumed ' *', derived only under an assumed scale ' (*)'
MARKS = {"assumed": " *", "derived_under_assumption": " (*)"}
TOTAL_COLOR = "#222222"
NO_ANSWER_COLOR = "#cfcfcf"
NOT_REACHED_COLOR = "#ebebeb"  # questions an incomplete response never reached (--include-incomplete)
INTERVAL_COLOR = "#4d4d4d"
#: Distance (pt) between nested brackets of stated totals in the item figure: a bracket and its rotated label.
BRACKET_STEP = 16
RC = {
    "svg.hashsalt": "samskab",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9.5,
    "legend.title_fontsize": 10,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "hatch.linewidth": 0.8,
}


def apply_style() -> None:
    """Seaborn theme plus the settings that make saved files byte-identical across runs."""
    sns.set_theme(style="whitegrid", context="notebook", rc=RC)
    matplotlib.rcParams.update(RC)


def category_color(instrument: Instrument, item_id: str, category_id: str) -> str:
    """The colour of a category (from scales.csv)."""
    scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
    if category_id in scale.index:
        return str(scale.at[category_id, "color"])
    return NOT_REACHED_COLOR if category_id == NOT_REACHED else NO_ANSWER_COLOR


def wrap(text: str, width: int = 62) -> str:
    """Wrap a long title."""
    return "\n".join(textwrap.wrap(text, width))


def plot_rows(study: Study, item_id: str, min_count: int = 0) -> pd.DataFrame:
    """The rows drawn for one item: every scale category, plus 'no answer' / 'not reached' only when present.

    Under disclosure control (*min_count* > 0) every row of the item's count table is drawn: leaving out a
    zero row that the item's CSV shows as suppressed would tell that it is zero.
    """
    rows = study.item_counts(item_id)
    if min_count > 0:
        return rows.reset_index(drop=True)
    return rows[~rows["category_id"].isin(MISSING) | (rows["count"] > 0)].reset_index(drop=True)


def provenance_legend(
    instrument: Instrument, provenances: Sequence[str], lang: str, colors: dict[str, str] | None = None
) -> list[Patch]:
    """Legend handles for the provenance kinds in *provenances* (only those), drawn as their bars are.

    *colors* gives each kind the colour of a bar that has it, so a swatch looks like the bars it explains
    (neutral grey for a kind without a coloured bar).
    """
    handles = []
    for prov in STYLE:
        if prov in provenances:
            style = STYLE[prov]
            color = (colors or {}).get(prov, "#7a7a7a")
            handles.append(
                Patch(
                    facecolor=color,
                    alpha=style["alpha"],
                    hatch=style["hatch"],
                    edgecolor="#333333" if style["hatch"] else color,
                    linewidth=0.6,
                    label=instrument.label(prov, lang) + MARKS.get(prov, ""),
                )
            )
    return handles


def stated_totals(study: Study, item_id: str) -> list[tuple[tuple[str, ...], str]]:
    """The report's stated totals over several categories whose split is not stated: (categories, label).

    A total is shown when at least one of its cells is not ``stated`` (Figure 2's 90 % = 50 % + 40 %, all
    stated, is not).  Respondent-level data has none.
    """
    if not study.is_published or study.statements is None:
        return []
    rows = study.item_counts(item_id).set_index("category_id")
    out = []
    for _, st in study.statements[study.statements["item_id"] == item_id].iterrows():
        cats = tuple(st["categories"])
        if len(cats) < 2 or (rows.loc[list(cats), "provenance"] == "stated").all():
            continue
        unit = " %" if st["unit"] == "percent" else ""
        label = f"{st['value']:g}{unit}"
        if (cats, label) not in out:
            out.append((cats, label))
    return sorted(out, key=lambda t: len(t[0]))


def spread_labels(positions: Sequence[float], gap: float) -> list[float]:
    """Label positions moved apart (downwards, in order) so that neighbours are at least *gap* apart."""
    placed: list[float] = []
    for y in positions:
        placed.append(max(y, placed[-1] + gap) if placed else y)
    return placed


def interval_label(inst: Instrument, n: int, lang: str) -> str:
    """The whiskers' legend: the method and whom the interval is about (exact Clopper–Pearson, ≥ 95 %)."""
    return inst.label("interval_exact", lang).format(n=n)


class _Column:
    """Vertical layout of a figure in points from the top (title, axes, legend, notes)."""

    def __init__(self) -> None:
        self.y = 0.0

    def take(self, height: float) -> float:
        top = self.y
        self.y += height
        return top


def _to_fig(fig: Figure, top_pt: float) -> float:
    return 1 - top_pt / (fig.get_figheight() * 72)


def interpreted_totals(study: Study, item_id: str) -> set[tuple[str, ...]]:
    """Category sets of the item's statements that are our reading of the prose (an alternative reading exists
    in ``data/raw/analysis/readings.csv``): their bracket says "our reading"."""
    if not study.is_published or study.statements is None:
        return set()
    interpreted = interpreted_statements(load_readings(study))
    statements = study.statements[study.statements["item_id"] == item_id]
    return {tuple(st["categories"]) for sid, st in statements.iterrows() if str(sid) in interpreted}


#: a whisker stands this far (rows) below the middle of its bar
WHISKER_OFFSET = 0.36


def suppressed_categories(study: Study, item_id: str, min_count: int) -> set[str]:
    """The item's categories :func:`plot_item` draws as suppressed (the protected base under *min_count*)."""
    return hidden_categories(study.counts, min_count).get(item_id, set()) if min_count > 0 else set()


def value_labels(study: Study, rows: pd.DataFrame, small: set[str], lang: str) -> list[str]:
    """The item figure's value column, one text per drawn row: ``40 % (4) *``, or "suppressed"."""
    inst = study.instrument
    return [
        inst.label(SUPPRESSED, lang)
        if row["category_id"] in small
        else f"{percent(row['share'], lang)} % ({int(row['count'])}){MARKS.get(row['provenance'], '')}"
        for _, row in rows.iterrows()
    ]


def value_width(values: Sequence[str]) -> float:
    """Width (points) of the value column: its widest text and a margin."""
    return max(layout.text_width(t, layout.SMALL) for t in values) + 12


def bracket_width(totals: int) -> float:
    """Width (points) of the column of *totals* stated-total brackets (0 without any)."""
    return BRACKET_STEP * totals + 8 if totals else 0


def value_x(value_w: float, bracket_w: float) -> float:
    """Where (inches from the figure's left edge) the value column's texts end (they are right-aligned)."""
    width = layout.WIDTH * 72
    right = 1 - (value_w + bracket_w + 4) / width
    return right * layout.WIDTH + value_w / 72


def legend_colors(study: Study, item_id: str, rows: pd.DataFrame) -> dict[str, str]:
    """``{provenance: colour}`` of the item legend's swatches: the colour of the largest cell of that kind."""
    colors: dict[str, str] = {}
    for _, row in rows.sort_values("count", ascending=False, kind="stable").iterrows():
        colors.setdefault(row["provenance"], category_color(study.instrument, item_id, row["category_id"]))
    return colors


def plot_item(
    study: Study,
    item_id: str,
    lang: str = "da",
    *,
    intervals: pd.DataFrame | None = None,
    min_count: int = 0,
) -> Figure:
    """The report-style bar chart of one question: share per category, N, provenance marks.

    Laid out for a phone (:mod:`samskab_analysis.figures.layout`): the title wraps above the chart, the
    shares and counts stand in a column right of the bars, the report's stated totals as brackets with
    their value (``Σ 20 %``) right of that column, so no label touches a bar, a whisker or a bracket; the
    legend below the chart names only the kinds of cell the figure shows, with swatches drawn like its bars.
    *intervals* (optional) has ``category_id``, ``lower`` and ``upper`` (shares, the exact Clopper–Pearson
    interval of each share of the N respondents) drawn as whiskers.  With *min_count* > 0 (statistical
    disclosure control, :mod:`samskab_analysis.stats.disclosure`), a suppressed cell gets no bar, no interval
    and the label "suppressed".
    """
    apply_style()
    inst = study.instrument
    rows = plot_rows(study, item_id, min_count)
    scale_id = inst.items.at[item_id, "scale_id"]
    labels = [inst.category_label(scale_id, c, lang) for c in rows["category_id"]]
    n = int(rows["count"].sum())
    small = suppressed_categories(study, item_id, min_count)
    totals = stated_totals(study, item_id)
    values = value_labels(study, rows, small, lang)
    width = layout.WIDTH * 72
    row_h = 24.0
    label_w = max(layout.text_width(t, layout.TEXT) for t in labels) + 8
    value_w = value_width(values)
    total_labels = [f"Σ {label}" for _, label in totals]
    bracket_w = bracket_width(len(totals))
    title = layout.wrap(f"{inst.exhibit_name(item_id, lang)}: {inst.title(item_id, lang)}", width - 8,
                        layout.TITLE, "bold")  # fmt: skip
    handles = _item_legend(study, item_id, rows, lang, totals, intervals is not None, n)
    legend_text = [layout.wrap(h.get_label(), width - 40, layout.SMALL) for h in handles]
    for handle, text in zip(handles, legend_text, strict=True):
        handle.set_label(text)
    source = layout.wrap(inst.label("source_note", lang), width - 8, layout.SMALL) if study.is_published else ""
    col = _Column()
    col.take(4)
    title_top = col.take(layout.line_count(title) * layout.TITLE * 1.22)
    n_top = col.take(layout.TEXT * 1.3 + 6)
    axes_top = col.take(row_h * len(rows))
    col.take(layout.TEXT * 1.3 * 2 + 10)  # tick labels and the axis label
    legend_top = col.take(sum(layout.line_count(t) * layout.SMALL * 1.25 + 3 for t in legend_text) + 6)
    source_top = col.take((layout.line_count(source) * layout.SMALL * 1.25 + 4) if source else 0)
    col.take(2)
    fig = plt.figure(figsize=(layout.WIDTH, col.y / 72))
    left, right = label_w / width, 1 - (value_w + bracket_w + 4) / width
    bottom = _to_fig(fig, axes_top + row_h * len(rows))
    ax = fig.add_axes((left, bottom, right - left, _to_fig(fig, axes_top) - bottom))
    y = list(range(len(rows)))
    inch = blended_transform_factory(fig.dpi_scale_trans, ax.transData)  # x in inches from the left, y in data
    x0 = right * layout.WIDTH  # the axes' right edge (inches)
    for yi, (_, row), value in zip(y, rows.iterrows(), values, strict=True):
        assumed = row["provenance"] in MARKS
        ax.text(value_x(value_w, bracket_w), yi, value, transform=inch, ha="right", va="center", fontsize=layout.SMALL,
                color="#555555" if assumed else "#222222", style="italic" if assumed else "normal")  # fmt: skip
        if row["category_id"] in small:
            continue
        style = STYLE[row["provenance"]]
        color = category_color(inst, item_id, row["category_id"])
        ax.barh(yi, 100 * row["share"], color=color, alpha=style["alpha"], hatch=style["hatch"],
                edgecolor="#333333" if style["hatch"] else color, linewidth=0.6, height=0.62)  # fmt: skip
    if intervals is not None:
        lookup = intervals.set_index("category_id")
        for yi, cat in zip(y, rows["category_id"], strict=True):
            if cat in lookup.index and cat not in small:
                lo, hi = 100 * lookup.at[cat, "lower"], 100 * lookup.at[cat, "upper"]
                ax.errorbar((lo + hi) / 2, yi + WHISKER_OFFSET, xerr=(hi - lo) / 2, fmt="none", ecolor=INTERVAL_COLOR,
                            elinewidth=0.9, capsize=2.5)  # fmt: skip
    y_of = dict(zip(rows["category_id"], y, strict=True))
    reading = interpreted_totals(study, item_id)  # our reading of the prose: a dotted bracket
    drawn = [(cats, [y_of[c] for c in cats if c in y_of]) for cats, _ in totals]
    drawn = [(cats, span) for cats, span in drawn if span]
    for k, ((cats, span), text) in enumerate(zip(drawn, total_labels, strict=False)):
        x = x0 + (value_w + BRACKET_STEP * k + 6) / 72  # nested brackets side by side, each with its own label
        top, bottom_y = min(span) - 0.36, max(span) + 0.36
        ax.plot([x - 3 / 72, x, x, x - 3 / 72], [top, top, bottom_y, bottom_y], color=TOTAL_COLOR, linewidth=0.9,
                clip_on=False, transform=inch, linestyle=":" if cats in reading else "-")  # fmt: skip
        ax.text(x + 2 / 72, (top + bottom_y) / 2, text, transform=inch, ha="left", va="center", rotation=270,
                fontsize=layout.SMALL, color=TOTAL_COLOR)  # fmt: skip
    ax.set_yticks(y, labels, fontsize=layout.TEXT)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20))
    ax.tick_params(axis="x", labelsize=layout.TEXT)
    ax.set_xlabel(inst.label("percent_of_respondents", lang), fontsize=layout.TEXT)
    ax.grid(axis="y", visible=False)
    fig.text(4 / width, _to_fig(fig, title_top), title, ha="left", va="top", fontsize=layout.TITLE,
             fontweight="bold")  # fmt: skip
    fig.text(4 / width, _to_fig(fig, n_top), f"N = {n} {inst.label('respondents', lang)}", ha="left", va="top",
             fontsize=layout.TEXT)  # fmt: skip
    if handles:
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, _to_fig(fig, legend_top)),
                   fontsize=layout.SMALL, frameon=False, borderaxespad=0.2, handlelength=2.2)  # fmt: skip
    if source:
        fig.text(4 / width, _to_fig(fig, source_top), source, fontsize=layout.SMALL, color="#555555", ha="left",
                 va="top")  # fmt: skip
    return fig


def _item_legend(study: Study, item_id: str, rows: pd.DataFrame, lang: str, totals, intervals: bool, n: int) -> list:
    """The item figure's legend: the provenance kinds its cells have, stated totals, the interval."""
    inst = study.instrument
    provenances = set(rows["provenance"])
    colors = legend_colors(study, item_id, rows)
    handles: list = provenance_legend(inst, provenances, lang, colors) if provenances != {"observed"} else []
    if totals:
        handles.append(Line2D([], [], color=TOTAL_COLOR, linewidth=0.9, label="Σ " + inst.label("stated_total_legend",
                                                                                              lang)))  # fmt: skip
        if interpreted_totals(study, item_id) & {cats for cats, _ in totals}:
            handles.append(Line2D([], [], color=TOTAL_COLOR, linewidth=0.9, linestyle=":",
                                  label="Σ " + inst.label("reading_legend", lang)))  # fmt: skip
    if intervals:
        handles.append(Line2D([], [], color=INTERVAL_COLOR, linewidth=0.9, marker="|", markersize=6,
                              label=interval_label(inst, n, lang)))  # fmt: skip
    return handles


def diverging_frame(study: Study, item_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Left/right extents per item and category for a Heiberger-Robbins diverging stacked bar."""
    inst = study.instrument
    item_ids = list(item_ids or inst.item_ids)
    records = []
    for item_id in item_ids:
        rows = study.item_counts(item_id)
        scale = inst.scale_rows(inst.items.at[item_id, "scale_id"])
        n = rows["count"].sum()
        share = dict(zip(rows["category_id"], rows["count"] / n, strict=True))
        prov = dict(zip(rows["category_id"], rows["provenance"], strict=True))
        sides = scale["side"].to_dict()
        neutral = sum(v for c, v in share.items() if sides.get(c) == "neutral")
        left = -neutral / 2
        # negative categories stack leftwards from the neutral half, most negative outermost
        for cat in [c for c in scale.index if sides[c] == "negative"]:
            left -= share.get(cat, 0.0)
        start = left
        for cat in [c for c in reversed(scale.index) if sides[c] in ("negative", "neutral", "positive")]:
            width = share.get(cat, 0.0)
            records.append(
                {
                    "item_id": item_id,
                    "category_id": cat,
                    "start": start,
                    "width": width,
                    "provenance": prov.get(cat),
                    "aside": False,
                }
            )
            start += width
        for cat in [c for c in scale.index if sides[c] == "none"]:
            records.append(
                {
                    "item_id": item_id,
                    "category_id": cat,
                    "start": 0.0,
                    "width": share.get(cat, 0.0),
                    "provenance": prov.get(cat),
                    "aside": True,
                }
            )
    return pd.DataFrame(records)


def plot_overview(study: Study, lang: str = "da", min_count: int = 0) -> Figure:
    """All items as diverging stacked bars, grouped by the report's levels; 'don't know' at the side.

    Laid out for a phone: each item's full title (wrapped, never shortened) stands above its bar; the
    share answering "don't know" is a small bar with its value in a narrow column at the right; the
    report's stated totals are outlined and their values follow the title (``Σ 20 %``).  The legend at the
    top shows each colour once and only the kinds of cell that are drawn.  With *min_count* > 0, an item
    with a suppressed cell is not drawn at all (the positions of its shown segments would give the
    suppressed widths away): its row says "suppressed".
    """
    apply_style()
    inst = study.instrument
    frame = diverging_frame(study)
    hidden = hidden_items(study.counts, min_count)
    frame = frame[~frame["item_id"].isin(hidden)]
    items = inst.items.sort_values("order")
    width = layout.WIDTH * 72
    main_w, gap = 0.78 * width, 10.0
    bar_h, line_h = 13.0, layout.SMALL * 1.22
    visible = frame[frame["width"] > 0]
    answers = colour_legend(inst, lang, set(zip(visible["item_id"], visible["category_id"], strict=True)))
    colors = _provenance_colors(inst, visible)
    handles = answers + provenance_legend(inst, set(visible["provenance"].dropna()) - {"observed"}, lang, colors)
    totals = {i: stated_totals(study, i) for i in items.index}
    if any(totals.values()):
        handles.append(Patch(fill=False, edgecolor=TOTAL_COLOR, linewidth=1.1,
                             label="Σ " + inst.label("stated_total_legend", lang)))  # fmt: skip
    for handle in handles:
        handle.set_label(layout.wrap(handle.get_label(), width - 40, layout.SMALL))
    title = layout.wrap(inst.label("overview_title", lang), width - 8, layout.TITLE, "bold")
    subtitle = f"N = {study.n} {inst.label('respondents', lang)}"
    col = _Column()
    col.take(4)
    title_top = col.take(layout.line_count(title) * layout.TITLE * 1.22 + 2)
    n_top = col.take(layout.TEXT * 1.3 + 4)
    legend_top = col.take(sum(layout.line_count(h.get_label()) * layout.SMALL * 1.25 + 3 for h in handles) + 44)
    axes_top = col.y
    ypos: dict[str, float] = {}
    titles: dict[str, tuple[float, str]] = {}
    headings: list[tuple[float, str]] = []
    y, previous = 0.0, None
    for item_id, row in items.iterrows():
        if row["level_id"] != previous:
            headings.append((y, inst.levels.at[row["level_id"], f"label_{lang}"]))
            y += layout.TEXT * 1.3 + 4
            previous = row["level_id"]
        sums = " | ".join(label.replace(" ", "\u00a0") for _, label in totals[item_id])
        text = f"{inst.exhibit_name(item_id, lang)}: {inst.title(item_id, lang)}" + (f"  (Σ {sums})" if sums else "")
        text = layout.wrap(text, width - 20, layout.SMALL)
        titles[item_id] = (y, text)
        y += layout.line_count(text) * line_h + 2
        ypos[item_id] = y + bar_h / 2
        y += bar_h + 7
    axes_h = y
    col.take(axes_h)
    col.take(layout.TEXT * 1.3 * 2 + 10)  # tick labels and the axis label
    col.take(2)
    fig = plt.figure(figsize=(layout.WIDTH, col.y / 72))
    bottom = _to_fig(fig, axes_top + axes_h)
    height = _to_fig(fig, axes_top) - bottom
    ax = fig.add_axes((14 / width, bottom, (main_w - 14) / width, height))  # room for the tick label "100"
    ax_dk = fig.add_axes(((main_w + gap) / width, bottom, (width - main_w - gap - 4) / width, height), sharey=ax)
    half = 0.5 * bar_h / 0.62 * 0.62  # bars are bar_h points high: in data units (points) directly
    for _, seg in frame.iterrows():
        style = STYLE[seg["provenance"] or "stated"]
        color = category_color(inst, seg["item_id"], seg["category_id"])
        target = ax_dk if seg["aside"] else ax
        if seg["width"] <= 0:
            continue
        if seg["aside"]:
            ax_dk.text(100 * seg["width"] + 2, ypos[seg["item_id"]], f"{100 * seg['width']:.0f} %", va="center",
                       fontsize=layout.SMALL)  # fmt: skip
        target.barh(ypos[seg["item_id"]], 100 * seg["width"], left=100 * seg["start"], color=color,
                    alpha=style["alpha"], hatch=style["hatch"], edgecolor="white" if not style["hatch"] else "#333333",
                    linewidth=0.5, height=2 * half)  # fmt: skip
    for item_id in items.index:
        segs = frame[(frame["item_id"] == item_id) & ~frame["aside"]].set_index("category_id")
        for k, (cats, _) in enumerate(totals[item_id]):
            part = segs.loc[[c for c in cats if c in segs.index]]
            left, right = 100 * part["start"].min(), 100 * (part["start"] + part["width"]).max()
            pad = 1.5 * k
            ax.add_patch(Rectangle((left, ypos[item_id] - half - 1 - pad), right - left, 2 * half + 2 + 2 * pad,
                                   fill=False, edgecolor=TOTAL_COLOR, linewidth=1.1, zorder=3))  # fmt: skip
    for item_id in sorted(hidden, key=ypos.get):
        ax.text(0, ypos[item_id], inst.label(SUPPRESSED, lang), ha="center", va="center", fontsize=layout.SMALL,
                color="#555555")  # fmt: skip
    for top, text in titles.values():
        ax.text(-100, top, text, ha="left", va="top", fontsize=layout.SMALL, color="#222222", clip_on=False)
    for top, text in headings:
        ax.text(-100, top, text, ha="left", va="top", fontsize=layout.TEXT, fontweight="bold", style="italic",
                color="#333333", clip_on=False)  # fmt: skip
    ax.set_ylim(axes_h, 0)
    ax.set_yticks([])
    for item_id in items.index:  # the zero line under each bar only: it never crosses a title
        ax.plot([0, 0], [ypos[item_id] - half - 2, ypos[item_id] + half + 2], color="#333333", linewidth=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xticks(range(-100, 101, 50), [f"{abs(t)}" for t in range(-100, 101, 50)])
    ax.set_xlabel(inst.label("percent_of_respondents", lang))
    for target in (ax, ax_dk):  # nothing crosses the titles between the bars: no grid, no frame
        target.grid(False)
        target.patch.set_visible(False)
        for name, spine in target.spines.items():
            spine.set_visible(name == "bottom" and target is ax)
    ax_dk.set_xlim(0, 100)
    ax_dk.set_xticks([])
    ax_dk.tick_params(axis="y", left=False, labelleft=False)
    dont_know = inst.category_label("degree5", "dont_know", lang)
    fig.text(1 - 4 / width, _to_fig(fig, axes_top), layout.wrap(dont_know, width - main_w - gap, layout.SMALL),
             ha="right", va="top", fontsize=layout.SMALL, style="italic")  # fmt: skip
    fig.text(4 / width, _to_fig(fig, title_top), title, ha="left", va="top", fontsize=layout.TITLE,
             fontweight="bold")  # fmt: skip
    fig.text(4 / width, _to_fig(fig, n_top), subtitle, ha="left", va="top", fontsize=layout.TEXT)
    _two_legends(fig, handles, len(answers), _to_fig(fig, legend_top), inst.label("legend_answers", lang),
                 inst.label("legend_cells", lang))  # fmt: skip
    return fig


def _two_legends(fig: Figure, handles: list, split: int, top: float, first: str, second: str) -> None:
    """The answer colours and, below them, the kinds of cell: two legends with a heading each."""
    style = {"loc": "upper left", "fontsize": layout.SMALL, "frameon": False, "borderaxespad": 0.2,
             "handlelength": 2.2, "alignment": "left", "title_fontproperties": {"size": layout.SMALL,
             "weight": "bold"}}  # fmt: skip
    upper = fig.legend(handles=handles[:split], title=first, bbox_to_anchor=(0, top), **style)
    if handles[split:]:
        lines = sum(layout.line_count(h.get_label()) for h in handles[:split]) + 1
        below = top - (lines * layout.SMALL * 1.25 + 3 * split + 8) / (fig.get_figheight() * 72)
        fig.add_artist(upper)
        fig.legend(handles=handles[split:], title=second, bbox_to_anchor=(0, below), **style)


def _provenance_colors(inst: Instrument, segments: pd.DataFrame) -> dict[str, str]:
    """For each provenance kind, the colour of its widest drawn segment (legend swatches look like the bars)."""
    colors: dict[str, str] = {}
    for _, seg in segments.sort_values("width", ascending=False, kind="stable").iterrows():
        if seg["provenance"]:
            colors.setdefault(seg["provenance"], category_color(inst, seg["item_id"], seg["category_id"]))
    return colors


def colour_legend(instrument: Instrument, lang: str, shown: set[tuple[str, str]] | None = None) -> list[Patch]:
    """One legend entry per colour, naming every category that uses it (e.g. 'i meget høj grad / ja').

    With *shown* (pairs of item and category drawn), only colours and categories that are drawn.
    """
    items = instrument.items
    scales = instrument.scales.sort_values(["scale_id", "order"])
    drawn = None
    if shown is not None:
        drawn = {(items.at[i, "scale_id"], c) for i, c in shown if i in items.index}
    labels: dict[str, list[str]] = {}
    for _, row in scales.iterrows():
        if drawn is not None and (row["scale_id"], row["category_id"]) not in drawn:
            continue
        labels.setdefault(row["color"], [])
        if row[f"label_{lang}"] not in labels[row["color"]]:
            labels[row["color"]].append(row[f"label_{lang}"])
    return [Patch(color=color, label=" / ".join(names)) for color, names in labels.items()]


def save_figure(fig: Figure, stem: str, output_dir: str | Path, formats: Sequence[str] = ("svg", "png")) -> list[Path]:
    """Save *fig* as ``<output_dir>/<stem>.<fmt>`` for each format, byte-for-byte reproducibly."""
    out = Path(output_dir)
    check_writable_place(out, "output_dir")
    paths = []
    for fmt in formats:
        path = out / safe_name(f"{stem}.{fmt}")
        metadata = {"Date": None, "Creator": None} if fmt in ("svg", "pdf") else {"Software": None}
        with atomic_open(path, "wb") as handle:  # the gate: atomic, never through a link
            fig.savefig(handle, format=fmt, metadata=metadata, bbox_inches="tight")
        paths.append(path)
    return paths
