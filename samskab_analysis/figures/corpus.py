"""Figures from the corpus data: a timeline of the studies, Ulrich's 2x2 typology and items by framework.

All texts come from data (``corpus/labels.csv``, ``frameworks.csv``, the instrument); figures are saved
with :func:`samskab_analysis.plotting.save_figure` so files are byte-for-byte reproducible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from samskab_analysis.corpus import KIRKPATRICK, TYPOLOGY, Corpus, framework_items_table, quadrants, timeline_frame
from samskab_analysis.figures import layout
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
    """Projects, data collection and follow-ups as bars on a calendar axis; derived dates hatched.

    Each event's label (with its period) stands above its bar, wrapped to the figure's width.
    """
    apply_style()
    events = timeline_frame(corpus, lang)
    width = layout.WIDTH * 72
    texts = []
    for _, ev in events.iterrows():
        period = ev["start"] if ev["start"] == ev["end"] else f"{ev['start']} – {ev['end']}"
        texts.append(layout.wrap(f"{ev['label']}{' *' if ev['derived'] else ''} ({period})", width - 8, layout.SMALL))
    heights = [layout.line_count(t) * layout.SMALL * 1.22 + 2 + 12 + 8 for t in texts]
    title = layout.wrap(corpus.label("timeline_title", lang), width - 8, layout.TITLE, "bold")
    note = layout.wrap(corpus.label("derived_date", lang), width - 8, layout.SMALL)
    top = 6 + layout.line_count(title) * layout.TITLE * 1.22 + 8
    axes_h = sum(heights)
    bottom_pad = layout.TEXT * 1.3 * 2 + 12 + layout.line_count(note) * layout.SMALL * 1.25 + 6
    total = top + axes_h + bottom_pad
    fig = plt.figure(figsize=(layout.WIDTH, total / 72))
    ax = fig.add_axes((4 / width, bottom_pad / total, (width - 8) / width, axes_h / total))
    y = 0.0
    for (_, ev), text, height in zip(events.iterrows(), texts, heights, strict=True):
        start = mdates.date2num(ev["first_day"])
        span = max((ev["last_day"] - ev["first_day"]).days + 1, MIN_SPAN_DAYS)
        color = study_color(corpus, ev["study_id"])
        ax.text(mdates.date2num(dt.date(2015, 7, 1)), y + 2, text, ha="left", va="top", fontsize=layout.SMALL)
        bar_y = y + height - 8 - 6
        ax.barh(bar_y, span, left=start, height=12, color=color, alpha=0.45 if ev["derived"] else 0.9,
                hatch="///" if ev["derived"] else None, edgecolor="#333333" if ev["derived"] else color,
                linewidth=0.6)  # fmt: skip
        y += height
    ax.set_ylim(axes_h, 0)
    ax.set_yticks([])
    ax.grid(False)
    ax.xaxis_date()
    ax.set_xlim(mdates.date2num(dt.date(2015, 7, 1)), mdates.date2num(dt.date(2028, 12, 31)))
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(corpus.label("year", lang))
    fig.text(4 / width, 1 - 6 / total, title, ha="left", va="top", fontsize=layout.TITLE, fontweight="bold")
    fig.text(4 / width, 2 / total, note, fontsize=layout.SMALL, color="#555555", ha="left", va="bottom")
    return fig


def quadrant_cells(corpus: Corpus) -> pd.DataFrame:
    """Grid cell (x, y in 0/1) of each type: the x axis is the axis ordered first, poles in their order."""
    axes = corpus.elements(TYPOLOGY, "axis")
    x_axis, y_axis = axes.index[0], axes.index[1]
    poles = corpus.elements(TYPOLOGY, "pole")
    rank = {p: int(o) - 1 for p, o in zip(poles.index, poles["order"], strict=True)}
    quad = quadrants(corpus)
    return quad.assign(x=quad[x_axis].map(rank), y=quad[y_axis].map(rank))


def plot_typology(corpus: Corpus, study: Study, lang: str = "da") -> Figure:
    """Ulrich's 2x2 matrix with the tagged survey items and coded activities; uncoded activities below it."""
    apply_style()
    width = layout.WIDTH * 72
    cells = quadrant_cells(corpus).set_index("type_id")
    axes = corpus.elements(TYPOLOGY, "axis")
    poles = corpus.elements(TYPOLOGY, "pole")
    summary = study_summary(study).set_index("item_id")
    inst = study.instrument
    y_ticks = [layout.wrap(corpus.name(TYPOLOGY, p, lang), 62, layout.SMALL)
               for p in poles[poles["parent_id"] == axes.index[1]].index]  # fmt: skip
    left = max(layout.text_width(line, layout.SMALL) for t in y_ticks for line in t.split("\n")) + 46
    side = width - left - 6
    quad = side / 2 - 8
    uncoded = corpus.activities[corpus.activities["typology_type"] == ""]
    lists = [layout.wrap(corpus.label("activities_uncoded", lang), width - 8, layout.TEXT, "bold")]
    for location in ("inside", "outside"):
        names = corpus.activity_names(lang)[uncoded.index[uncoded["location"] == location]]
        lists.append(corpus.label(location, lang) + f" ({len(names)})")
        lists += [layout.wrap("• " + n, width - 20, layout.SMALL).replace("\n", "\n   ") for n in names]
    listing = "\n".join(lists)
    notes = [corpus.label("typology_mark", lang), corpus.label("inferred_position", lang),
             corpus.label("name_fallback", lang)]  # fmt: skip
    note = layout.wrap("   ".join(n for n in notes if n), width - 8, layout.SMALL)
    title = layout.wrap(corpus.label("typology_title", lang), width - 8, layout.TITLE, "bold")
    x_label = layout.wrap(corpus.name(TYPOLOGY, axes.index[0], lang), side, layout.TEXT)
    y_label = layout.wrap(corpus.name(TYPOLOGY, axes.index[1], lang), side, layout.TEXT)
    x_ticks = [layout.wrap(corpus.name(TYPOLOGY, p, lang), side / 2 - 6, layout.SMALL)
               for p in poles[poles["parent_id"] == axes.index[0]].index]  # fmt: skip
    head = 6 + layout.line_count(title) * layout.TITLE * 1.22 + 8
    below_axes = (max(layout.line_count(t) for t in x_ticks) + layout.line_count(x_label)) * layout.TEXT * 1.3 + 16
    listing_h = layout.line_count(listing) * layout.SMALL * 1.25 + 12
    note_h = layout.line_count(note) * layout.SMALL * 1.25 + 6
    total = head + side + below_axes + listing_h + note_h
    fig = plt.figure(figsize=(layout.WIDTH, total / 72))
    ax = fig.add_axes((left / width, 1 - (head + side) / total, side / width, side / total))
    for i, (type_id, cell) in enumerate(cells.iterrows()):
        x, y = int(cell["x"]), int(cell["y"])
        ax.add_patch(Rectangle((x, y), 1, 1, facecolor=QUADRANT_COLORS[i % 4], edgecolor="#555555", linewidth=0.8))
        mark = " †" if cell["basis"] == "inferred" else ""
        name = layout.wrap(corpus.name(TYPOLOGY, type_id, lang) + mark, quad, layout.TEXT, "bold")
        ax.text(x + 0.5, y + 0.96, name, ha="center", va="top", fontsize=layout.TEXT, fontweight="bold")
        lines = []
        for _, row in corpus.crosswalk[corpus.crosswalk["typology_type"] == type_id].iterrows():
            item_id = row["item_id"]
            share = summary.at[item_id, "top_box_share"] if item_id in summary.index else float("nan")
            top2 = f"{corpus.label('top2', lang)} {percent(share, lang)} % (N = {study.n})"
            lines.append(layout.wrap(f"★ {inst.exhibit_name(item_id, lang)}: {top2}", quad, layout.SMALL))
        names = corpus.activity_names(lang)
        for index in corpus.activities.index[corpus.activities["typology_type"] == type_id]:
            lines.append(layout.wrap("• " + names[index], quad, layout.SMALL))
        if lines:
            below = 0.96 - (layout.line_count(name) * layout.TEXT * 1.3 + 6) / (side / 2)
            ax.text(x + 0.5, y + below, "\n".join(lines), ha="center", va="top", fontsize=layout.SMALL)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], x_ticks, fontsize=layout.SMALL)
    ax.set_yticks([0.5, 1.5], y_ticks, fontsize=layout.SMALL)
    ax.set_xlabel(x_label, fontsize=layout.TEXT)
    ax.set_ylabel(y_label, fontsize=layout.TEXT)
    ax.grid(False)
    fig.text(4 / width, 1 - 6 / total, title, ha="left", va="top", fontsize=layout.TITLE, fontweight="bold")
    fig.text(4 / width, (listing_h + note_h - 6) / total, listing, ha="left", va="top", fontsize=layout.SMALL)
    fig.text(4 / width, 2 / total, note, fontsize=layout.SMALL, color="#555555", ha="left", va="bottom")
    return fig


def plot_by_framework(study: Study, corpus: Corpus, lang: str = "da") -> Figure:
    """Top-2-box per item grouped by Kirkpatrick level; ranges over consistent completions; typology items starred.

    Each item's full title (wrapped) stands above its bar; the value follows the bar.
    """
    apply_style()
    table = framework_items_table(study, corpus, lang)
    inst = study.instrument
    width = layout.WIDTH * 72
    entries: list[tuple[str, str, pd.Series | None]] = []
    for level in corpus.kirkpatrick_levels:
        name = corpus.name(KIRKPATRICK, level, lang)
        empty = "" if (table["level_id"] == level).any() else f" ({corpus.label('no_items', lang)})"
        entries.append((level, layout.wrap(name + empty, width - 8, layout.TEXT, "bold"), None))
        for _, r in table[table["level_id"] == level].iterrows():
            star = " ★" if r["typology"] else ""
            text = f"{r['exhibit']}{star}: {inst.title(r['item_id'], lang)}"
            entries.append((level, layout.wrap(text, width - 8, layout.SMALL), r))
    heights = [(layout.line_count(t) * layout.TEXT * 1.3 + 4) if r is None else
               (layout.line_count(t) * layout.SMALL * 1.22 + 2 + 12 + 6) for _, t, r in entries]  # fmt: skip
    title = layout.wrap(corpus.label("framework_title", lang), width - 8, layout.TITLE, "bold")
    tagged = sorted(set(table.loc[table["typology"] != "", "typology"]))
    notes = [corpus.label("typology_mark", lang) + (": " + ", ".join(tagged) if tagged else "")]
    if study.is_published:
        notes.append(corpus.label("range_note", lang))
    note = layout.wrap("   ".join(notes), width - 8, layout.SMALL)
    head = 6 + layout.line_count(title) * layout.TITLE * 1.22 + layout.TEXT * 1.3 + 10
    bottom_pad = layout.TEXT * 1.3 * 2 + 12 + layout.line_count(note) * layout.SMALL * 1.25 + 6
    axes_h = sum(heights)
    total = head + axes_h + bottom_pad
    fig = plt.figure(figsize=(layout.WIDTH, total / 72))
    ax = fig.add_axes((4 / width, bottom_pad / total, (width - 8) / width, axes_h / total))
    y = 0.0
    for (level, text, row), height in zip(entries, heights, strict=True):
        if row is None:
            ax.text(0, y + 2, text, ha="left", va="top", fontsize=layout.TEXT, fontweight="bold")
            y += height
            continue
        ax.text(0, y + 2, text, ha="left", va="top", fontsize=layout.SMALL)
        bar_y = y + height - 6 - 6
        ax.barh(bar_y, row["top2_pct"], color=LEVEL_COLORS.get(level, "#777777"), height=12)
        if row["min_pct"] != row["max_pct"]:
            ax.plot([row["min_pct"], row["max_pct"]], [bar_y, bar_y], color="#222222", linewidth=1.2)
        value = f"{row['top2_pct']:.0f} %"
        if row["min_pct"] != row["max_pct"]:
            value += f" ({row['min_pct']:.0f}–{row['max_pct']:.0f})"
        ax.text(max(row["top2_pct"], row["max_pct"]) + 1.5, bar_y, value, va="center", fontsize=layout.SMALL)
        y += height
    ax.set_ylim(axes_h, 0)
    ax.set_yticks([])
    ax.set_xlim(0, 140)  # room for "80 % (30–100)" after a bar
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(corpus.label("top2_axis", lang))
    ax.grid(False)
    fig.text(4 / width, 1 - 6 / total, title, ha="left", va="top", fontsize=layout.TITLE, fontweight="bold")
    fig.text(4 / width, 1 - (6 + layout.line_count(title) * layout.TITLE * 1.22 + 2) / total, f"N = {study.n}",
             ha="left", va="top", fontsize=layout.TEXT)  # fmt: skip
    fig.text(4 / width, 2 / total, note, fontsize=layout.SMALL, color="#555555", ha="left", va="bottom")
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
