"""Figures from the corpus data: a timeline of the studies, Ulrich's 2x2 typology and items by framework.

All texts come from data (``corpus/labels.csv``, ``frameworks.csv``, the instrument); figures are saved
with :func:`samskab_analysis.plotting.save_figure` so files are byte-for-byte reproducible.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from samskab_analysis.corpus import KIRKPATRICK, TYPOLOGY, Corpus, framework_items_table, quadrants, timeline_frame
from samskab_analysis.figures.exhibits import split_list
from samskab_analysis.figures.plotting import apply_style, save_figure
from samskab_analysis.paths import resolve
from samskab_analysis.stats.scoring import study_summary
from samskab_analysis.stats.wording import percent
from samskab_analysis.study import Study

STUDY_COLORS = ("#1f5f99", "#8c6d31", "#6b8e23", "#7b4f9d", "#b8412e")
LEVEL_COLORS = {"reaction": "#9e9e9e", "learning": "#6fa8dc", "behaviour": "#1f5f99", "results": "#b07a1c"}
QUADRANT_COLORS = ("#eef3f8", "#f6f1e7", "#eef5ea", "#f5ecf3")
MIN_SPAN_DAYS = 45


def study_color(corpus: Corpus, study_id: str) -> str:
    """A fixed colour per study (in studies.csv order)."""
    return STUDY_COLORS[list(corpus.studies.index).index(study_id) % len(STUDY_COLORS)]


def plot_timeline(corpus: Corpus, lang: str = "da") -> Figure:
    """Projects, data collection and follow-ups as bars on a calendar axis; derived dates hatched."""
    apply_style()
    events = timeline_frame(corpus, lang)
    fig, ax = plt.subplots(figsize=(9.5, 0.5 * len(events) + 1.6))
    for y, (_, ev) in enumerate(events.iterrows()):
        start = mdates.date2num(ev["first_day"])
        width = max((ev["last_day"] - ev["first_day"]).days + 1, MIN_SPAN_DAYS)
        color = study_color(corpus, ev["study_id"])
        ax.barh(
            y,
            width,
            left=start,
            height=0.55,
            color=color,
            alpha=0.45 if ev["derived"] else 0.9,
            hatch="///" if ev["derived"] else None,
            edgecolor="#333333" if ev["derived"] else color,
            linewidth=0.6,
        )
        period = ev["start"] if ev["start"] == ev["end"] else f"{ev['start']} – {ev['end']}"
        text = f"{ev['label']}{' *' if ev['derived'] else ''}  ({period})"
        ax.text(start + width + 40, y, text, va="center", fontsize=8)
    ax.set_yticks(range(len(events)), [corpus.studies.at[s, "seed"] for s in events["study_id"]], fontsize=8)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.set_xlim(mdates.date2num(dt.date(2015, 7, 1)), mdates.date2num(dt.date(2028, 12, 31)))
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(corpus.label("year", lang))
    ax.set_ylabel("seed")
    ax.set_title(corpus.label("timeline_title", lang), loc="left", fontweight="bold")
    handles = [
        Patch(color=study_color(corpus, s), label=f"{corpus.studies.at[s, 'seed']} {s}")
        for s in dict.fromkeys(events["study_id"])
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=7, frameon=True)
    fig.text(0.01, 0.005, corpus.label("derived_date", lang), fontsize=7, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def quadrant_cells(corpus: Corpus) -> pd.DataFrame:
    """Grid cell (x, y in 0/1) of each type: the x axis is the axis ordered first, poles in their order."""
    axes = corpus.elements(TYPOLOGY, "axis")
    x_axis, y_axis = axes.index[0], axes.index[1]
    poles = corpus.elements(TYPOLOGY, "pole")
    rank = {p: int(o) - 1 for p, o in zip(poles.index, poles["order"], strict=True)}
    quad = quadrants(corpus)
    return quad.assign(x=quad[x_axis].map(rank), y=quad[y_axis].map(rank))


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


def plot_typology(corpus: Corpus, study: Study, lang: str = "da") -> Figure:
    """Ulrich's 2x2 matrix with the tagged survey items and coded activities; uncoded activities beside it."""
    apply_style()
    fig, (ax, side) = plt.subplots(1, 2, figsize=(11.5, 7.2), gridspec_kw={"width_ratios": [3, 1.25]})
    cells = quadrant_cells(corpus).set_index("type_id")
    axes = corpus.elements(TYPOLOGY, "axis")
    poles = corpus.elements(TYPOLOGY, "pole")
    summary = study_summary(study).set_index("item_id")
    inst = study.instrument
    for i, (type_id, cell) in enumerate(cells.iterrows()):
        x, y = int(cell["x"]), int(cell["y"])
        ax.add_patch(Rectangle((x, y), 1, 1, facecolor=QUADRANT_COLORS[i % 4], edgecolor="#555555", linewidth=0.8))
        mark = " †" if cell["basis"] == "inferred" else ""
        ax.text(
            x + 0.5,
            y + 0.92,
            corpus.name(TYPOLOGY, type_id, lang) + mark,
            ha="center",
            va="top",
            fontsize=10,
            fontweight="bold",
        )
        lines = []
        for _, row in corpus.crosswalk[corpus.crosswalk["typology_type"] == type_id].iterrows():
            item_id = row["item_id"]
            share = summary.at[item_id, "top_box_share"] if item_id in summary.index else float("nan")
            top2 = f"{corpus.label('top2', lang)} {percent(share, lang)} % (N = {study.n})"
            lines.append(f"★ {inst.exhibit_name(item_id, lang)}: {top2}")
        for _, act in corpus.activities[corpus.activities["typology_type"] == type_id].iterrows():
            lines.append("• " + act["name_da"])
        if lines:
            ax.text(x + 0.5, y + 0.72, "\n".join(lines), ha="center", va="top", fontsize=8.5)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    for axis_id, setter in ((axes.index[0], ax.set_xticks), (axes.index[1], ax.set_yticks)):
        ends = poles[poles["parent_id"] == axis_id]
        labels = [_wrap(corpus.name(TYPOLOGY, p, lang), 22) for p in ends.index]
        setter([0.5, 1.5], labels, fontsize=8.5)
    ax.set_xlabel(_wrap(corpus.name(TYPOLOGY, axes.index[0], lang), 70), fontsize=9)
    ax.set_ylabel(_wrap(corpus.name(TYPOLOGY, axes.index[1], lang), 40), fontsize=9)
    ax.grid(False)
    ax.set_title(corpus.label("typology_title", lang), loc="left", fontweight="bold")
    uncoded = corpus.activities[corpus.activities["typology_type"] == ""]
    text = [corpus.label("activities_uncoded", lang), ""]
    for location in ("inside", "outside"):
        names = uncoded.loc[uncoded["location"] == location, "name_da"]
        text += [corpus.label(location, lang) + f" ({len(names)})"]
        text += ["  • " + _wrap(n, 34).replace("\n", "\n    ") for n in names] + [""]
    side.axis("off")
    side.text(0, 1, "\n".join(text), ha="left", va="top", fontsize=7.5, transform=side.transAxes)
    notes = [corpus.label("typology_mark", lang) + " (crosswalk.csv)", corpus.label("inferred_position", lang)]
    notes.append(corpus.label("name_fallback", lang))
    fig.text(0.01, 0.005, "   ".join(n for n in notes if n), fontsize=7, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def plot_by_framework(study: Study, corpus: Corpus, lang: str = "da") -> Figure:
    """Top-2-box per item grouped by Kirkpatrick level; ranges over consistent completions; typology items starred."""
    apply_style()
    table = framework_items_table(study, corpus, lang)
    inst = study.instrument
    levels = corpus.kirkpatrick_levels
    rows: list[tuple[str, pd.Series | None]] = []
    for level in levels:
        rows.append((level, None))
        rows += [(level, r) for _, r in table[table["level_id"] == level].iterrows()]
    fig, ax = plt.subplots(figsize=(9.5, 0.34 * len(rows) + 1.6))
    labels = []
    for y, (level, row) in enumerate(rows):
        if row is None:
            name = corpus.name(KIRKPATRICK, level, lang)
            empty = "" if (table["level_id"] == level).any() else f" ({corpus.label('no_items', lang)})"
            labels.append(name + empty)
            continue
        star = " ★" if row["typology"] else ""
        label = f"{row['exhibit']}{star}: {inst.title(row['item_id'], lang)}"
        labels.append(textwrap.shorten(label, 62, placeholder="…"))
        color = LEVEL_COLORS.get(level, "#777777")
        ax.barh(y, row["top2_pct"], color=color, height=0.65)
        if row["min_pct"] != row["max_pct"]:
            ax.plot([row["min_pct"], row["max_pct"]], [y, y], color="#222222", linewidth=1.2)
        value = f"{row['top2_pct']:.0f} %"
        if row["min_pct"] != row["max_pct"]:
            value += f" ({row['min_pct']:.0f}–{row['max_pct']:.0f})"
        ax.text(max(row["top2_pct"], row["max_pct"]) + 1.5, y, value, va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), labels, fontsize=7.5)
    for tick, (_, row) in zip(ax.get_yticklabels(), rows, strict=True):
        if row is None:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 128)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(corpus.label("top2_axis", lang))
    ax.grid(axis="y", visible=False)
    ax.set_title(corpus.label("framework_title", lang), loc="left", fontweight="bold")
    ax.text(1.0, 1.01, f"N = {study.n}", transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5)
    tagged = sorted(set(table.loc[table["typology"] != "", "typology"]))
    notes = [corpus.label("typology_mark", lang) + (": " + ", ".join(tagged) if tagged else "")]
    if study.is_published:
        notes.append(corpus.label("range_note", lang))
    fig.text(0.01, 0.005, "   ".join(notes), fontsize=7, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def save_in_langs(
    draw: Callable[[str], Figure],
    stem: str,
    lang: str,
    also_langs: str | Sequence[str],
    output_dir: str | Path,
    formats: str | Sequence[str],
) -> list[Path]:
    """Draw ``draw(lang)`` for *lang* and each of *also_langs*; save as ``<stem>_<lang>.<fmt>``."""
    out = resolve(output_dir) or Path(output_dir)
    paths: list[Path] = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = draw(code)
        paths += save_figure(fig, f"{stem}_{code}", out, split_list(formats))
        plt.close(fig)
    return paths
