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

from samskab_analysis.data.count_table import MISSING, NOT_REACHED
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.output import atomic_open, check_writable_place, safe_name
from samskab_analysis.stats.coverage_minimum import single_share_minimum
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
RC = {
    "svg.hashsalt": "samskab",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
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


def provenance_legend(instrument: Instrument, provenances: Sequence[str], lang: str) -> list[Patch]:
    """Legend handles explaining how stated, derived and assumed cells are drawn."""
    handles = []
    for prov in STYLE:
        if prov in provenances:
            style = STYLE[prov]
            handles.append(
                Patch(
                    facecolor="#7a7a7a",
                    alpha=style["alpha"],
                    hatch=style["hatch"],
                    edgecolor="#333333",
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


def interpreted_totals(study: Study, item_id: str) -> set[tuple[str, ...]]:
    """Category sets of the item's statements that are our reading of the prose (an alternative reading exists
    in ``data/raw/analysis/readings.csv``): their bracket says "our reading"."""
    if not study.is_published or study.statements is None:
        return set()
    interpreted = interpreted_statements(load_readings(study))
    statements = study.statements[study.statements["item_id"] == item_id]
    return {tuple(st["categories"]) for sid, st in statements.iterrows() if str(sid) in interpreted}


def _draw_total_brackets(ax: plt.Axes, totals, y_of: dict[str, int], text: str,
                         texts: dict[tuple[str, ...], str] | None = None) -> None:  # fmt: skip
    """A bracket right of the bars for each stated total, nested by size, with its label (*texts* per total
    where it differs from *text*, e.g. an interpretation)."""
    texts = texts or {}
    for k, (cats, label) in enumerate(totals):
        ys = [y_of[c] for c in cats if c in y_of]
        if not ys:
            continue
        x = 101 + 9 * k
        top, bottom = min(ys) - 0.38, max(ys) + 0.38
        ax.plot([x - 1.2, x, x, x - 1.2], [top, top, bottom, bottom], color=TOTAL_COLOR, linewidth=0.9,
                linestyle=":" if cats in texts else "-")  # fmt: skip
        ax.text(x + 0.8, (top + bottom) / 2, f"{texts.get(cats, text)}:\n{label}", va="center", ha="left", fontsize=6.8,
                color=TOTAL_COLOR)  # fmt: skip


def interval_label(inst: Instrument, rows: pd.DataFrame, lang: str) -> str:
    """The whiskers' legend: 95 % Wilson, with its proven minimum coverage when that is below 95 % at this N.

    A single share's coverage does not depend on the number of categories: the minimum is the infimum over
    every true share (:func:`samskab_analysis.stats.coverage_minimum.single_share_minimum`).
    """
    label = inst.label("interval_wilson", lang)
    n = int(rows["count"].sum())
    found = single_share_minimum("wilson", n) if n > 0 else None
    if found is not None and found.minimum < found.nominal:
        label += inst.label("coverage_min", lang).format(pct=percent(found.minimum, lang, 1))
    return label


def plot_item(
    study: Study,
    item_id: str,
    lang: str = "da",
    *,
    intervals: pd.DataFrame | None = None,
    ax: plt.Axes | None = None,
    min_count: int = 0,
) -> Figure:
    """The report-style bar chart of one question: share per category, N, provenance marks.

    *intervals* (optional) has ``category_id``, ``lower`` and ``upper`` (shares) drawn as error bars.
    With *min_count* > 0 (statistical disclosure control, :mod:`samskab_analysis.stats.disclosure`), a
    suppressed cell gets no bar, no interval and the label "suppressed".
    """
    apply_style()
    inst = study.instrument
    rows = plot_rows(study, item_id, min_count)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.2, 0.42 * len(rows) + 1.9))
    else:
        fig = ax.figure
    labels = [inst.category_label(inst.items.at[item_id, "scale_id"], c, lang) for c in rows["category_id"]]
    y = list(range(len(rows)))
    n = int(rows["count"].sum())
    small = hidden_categories(study.counts, min_count).get(item_id, set()) if min_count > 0 else set()
    for yi, (_, row) in zip(y, rows.iterrows(), strict=True):
        if row["category_id"] in small:
            ax.text(1.2, yi, inst.label(SUPPRESSED, lang), va="center", fontsize=8.5, color="#555555")
            continue
        style = STYLE[row["provenance"]]
        color = category_color(inst, item_id, row["category_id"])
        ax.barh(
            yi,
            100 * row["share"],
            color=color,
            alpha=style["alpha"],
            hatch=style["hatch"],
            edgecolor="#333333" if style["hatch"] else color,
            linewidth=0.6,
            height=0.7,
        )
        assumed = row["provenance"] in MARKS
        text = f"{percent(row['share'], lang)} % ({int(row['count'])}){MARKS.get(row['provenance'], '')}"
        ax.text(
            100 * row["share"] + 1.2,
            yi,
            text,
            va="center",
            fontsize=8.5,
            color="#555555" if assumed else "#222222",
            style="italic" if assumed else "normal",
        )
    if intervals is not None:
        lookup = intervals.set_index("category_id")
        for yi, cat in zip(y, rows["category_id"], strict=True):
            if cat in lookup.index and cat not in small:
                lo, hi = 100 * lookup.at[cat, "lower"], 100 * lookup.at[cat, "upper"]
                ax.errorbar(
                    (lo + hi) / 2,
                    yi + 0.3,
                    xerr=(hi - lo) / 2,
                    fmt="none",
                    ecolor=INTERVAL_COLOR,
                    elinewidth=0.9,
                    capsize=2.5,
                )
    totals = stated_totals(study, item_id)
    y_of = dict(zip(rows["category_id"], y, strict=True))
    reading = dict.fromkeys(interpreted_totals(study, item_id),
                            f"{inst.label('stated_together', lang)}\n{inst.label('stated_together_reading', lang)}")
    _draw_total_brackets(ax, totals, y_of, inst.label("stated_together", lang), reading)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 112 + (9 * len(totals) + 12 if totals else 0))
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(inst.label("percent_of_respondents", lang))
    ax.grid(axis="y", visible=False)
    title = f"{inst.exhibit_name(item_id, lang)}: {inst.title(item_id, lang)}"
    ax.set_title(wrap(title) + "\n", loc="left", fontweight="bold")
    ax.text(
        0.0,
        1.015,
        f"N = {n} {inst.label('respondents', lang)}",
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=8.5,
    )
    provenances = set(rows["provenance"])
    handles = provenance_legend(inst, provenances, lang) if provenances != {"observed"} else []
    if totals:
        handles.append(Line2D([], [], color=TOTAL_COLOR, linewidth=0.9, label=inst.label("stated_total_legend", lang)))
        if reading:
            handles.append(Line2D([], [], color=TOTAL_COLOR, linewidth=0.9, linestyle=":",
                                  label=inst.label("reading_legend", lang)))  # fmt: skip
    if intervals is not None:
        handles.append(Line2D([], [], color=INTERVAL_COLOR, linewidth=0.9, label=interval_label(inst, rows, lang)))
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=7.5, frameon=True, framealpha=0.9)
    if study.is_published:  # a cohort's figure does not credit the published report
        fig.text(0.01, 0.005, inst.label("source_note", lang), fontsize=6.5, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


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

    With *min_count* > 0, an item with a suppressed cell is not drawn at all (the positions of its shown
    segments would give the suppressed widths away): its row says "suppressed".
    """
    apply_style()
    inst = study.instrument
    frame = diverging_frame(study)
    hidden = hidden_items(study.counts, min_count)
    frame = frame[~frame["item_id"].isin(hidden)]
    items = inst.items.sort_values("order")
    fig, (ax, ax_dk) = plt.subplots(
        1, 2, figsize=(11, 0.42 * len(items) + 2.6), gridspec_kw={"width_ratios": [6, 1]}, sharey=True
    )
    ypos = {item_id: i for i, item_id in enumerate(items.index)}
    for _, seg in frame.iterrows():
        style = STYLE[seg["provenance"] or "stated"]
        color = category_color(inst, seg["item_id"], seg["category_id"])
        target = ax_dk if seg["aside"] else ax
        if seg["aside"] and seg["width"] > 0:
            ax_dk.text(100 * seg["width"] + 1, ypos[seg["item_id"]], f"{100 * seg['width']:.0f}", va="center")
        target.barh(
            ypos[seg["item_id"]],
            100 * seg["width"],
            left=100 * seg["start"],
            color=color,
            alpha=style["alpha"],
            hatch=style["hatch"],
            edgecolor="white" if not style["hatch"] else "#333333",
            linewidth=0.5,
            height=0.7,
        )
    for item_id in items.index:
        segs = frame[(frame["item_id"] == item_id) & ~frame["aside"]].set_index("category_id")
        labels, end = [], -100.0
        for k, (cats, label) in enumerate(stated_totals(study, item_id)):
            part = segs.loc[[c for c in cats if c in segs.index]]
            left, right = 100 * part["start"].min(), 100 * (part["start"] + part["width"]).max()
            pad = 0.05 * k
            ax.add_patch(
                Rectangle(
                    (left, ypos[item_id] - 0.4 - pad), right - left, 0.8 + 2 * pad, fill=False,
                    edgecolor=TOTAL_COLOR, linewidth=1.1, zorder=3,
                )
            )  # fmt: skip
            labels.append(label)
            end = max(end, right)
        if labels:
            ax.text(end + 1.0, ypos[item_id], "Σ " + " | ".join(labels), va="center", fontsize=6.5, color=TOTAL_COLOR)
    for item_id in sorted(hidden, key=ypos.get):
        ax.text(0, ypos[item_id], inst.label(SUPPRESSED, lang), ha="center", va="center", fontsize=7.5, color="#555555")
    ticks = [f"{inst.exhibit_name(i, lang)}: {textwrap.shorten(inst.title(i, lang), 48)}" for i in items.index]
    ax.set_yticks(list(ypos.values()), ticks, fontsize=7.5)
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xticks(range(-100, 101, 25), [f"{abs(t)}" for t in range(-100, 101, 25)])
    ax.set_xlabel(inst.label("percent_of_respondents", lang))
    ax_dk.set_xlim(0, 60)
    ax_dk.set_title(inst.category_label("degree5", "dont_know", lang), fontsize=8)
    previous = None
    for item_id, row in items.iterrows():
        if row["level_id"] != previous:
            y = ypos[item_id] - 0.5
            ax.axhline(y, color="#999999", linewidth=0.6, linestyle="--")
            ax.text(
                -99,
                y + 0.05,
                inst.levels.at[row["level_id"], f"label_{lang}"],
                fontsize=7.5,
                va="top",
                style="italic",
                color="#444444",
            )
            previous = row["level_id"]
    handles = colour_legend(inst, lang)
    visible = frame[frame["width"] > 0]
    handles += provenance_legend(inst, set(visible["provenance"].dropna()), lang)
    if any(stated_totals(study, i) for i in items.index):
        handles.append(
            Patch(
                fill=False, edgecolor=TOTAL_COLOR, linewidth=1.1, label="Σ " + inst.label("stated_total_legend", lang)
            )
        )
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4, fontsize=7.5)
    ax.set_title(f"N = {study.n} {inst.label('respondents', lang)}", loc="right", fontsize=8.5)
    fig.tight_layout()
    return fig


def colour_legend(instrument: Instrument, lang: str) -> list[Patch]:
    """One legend entry per colour, naming every category that uses it (e.g. 'i meget høj grad / ja')."""
    scales = instrument.scales.sort_values(["scale_id", "order"])
    labels: dict[str, list[str]] = {}
    for _, row in scales.iterrows():
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
