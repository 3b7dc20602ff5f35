"""What the explorer shows for one item of a study, as plain values (strings, tables, SVG): testable without widgets.

The same functions serve the published study under what-if assumptions and a cohort's (sub)group; *min_count*
> 0 applies the project's disclosure rule (:mod:`samskab_analysis.stats.disclosure`) to every shown number.
"""

from __future__ import annotations

import base64
import html
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import pandas as pd

from samskab_analysis.data.strings import Strings
from samskab_analysis.explore.figure import FigureDrawer, fresh_png
from samskab_analysis.explore.texts import text_or
from samskab_analysis.figures.exhibits import item_claims, item_intervals
from samskab_analysis.figures.plotting import MARKS, plot_item, plot_rows, suppressed_categories
from samskab_analysis.stats.disclosure import SUPPRESSED, mask_rows
from samskab_analysis.stats.interval_methods import proportion_interval
from samskab_analysis.stats.readings import load_readings
from samskab_analysis.stats.results import results_sentence
from samskab_analysis.stats.wording import share_text
from samskab_analysis.study import Study

T = TypeVar("T")

#: ledger columns shown, with the site's string key of their heading
CLAIM_COLUMNS = {"claim_id": "col_claim_id", "categories": "col_categories", "stated": "col_stated",
                 "from_table": "col_from_table", "cells": "col_cells", "status": "col_status"}  # fmt: skip


@dataclass(frozen=True)
class ItemView:
    """Everything shown for one item: the figure (``<img>`` HTML), its table with exact intervals, claims,
    comparisons, sentence."""

    item_id: str
    figure: str
    table: pd.DataFrame
    claims: pd.DataFrame
    comparisons: tuple[str, ...]
    sentence: str


def figure_png(study: Study, item_id: str, lang: str, min_count: int = 0) -> bytes:
    """The item figure as on the site (provenance hatching, stated totals, exact whiskers, N) as PNG bytes, drawn
    afresh (:class:`~samskab_analysis.explore.figure.FigureDrawer` gives the same pixels faster)."""
    return fresh_png(plot_item(study, item_id, lang, intervals=item_intervals(study, item_id), min_count=min_count))


def figure_html(png: bytes, alt: str) -> str:
    """An ``<img>`` holding *png* inline (a data URL), scaled to the width it is shown in."""
    data = base64.b64encode(png).decode("ascii")
    style = "max-width:100%"
    return f'<img class="samskab-figure" style="{style}" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def figure_alt(study: Study, item_id: str, lang: str, min_count: int = 0) -> str:
    """The figure's text alternative: exhibit, title, N and the count of every shown cell."""
    inst = study.instrument
    rows = plot_rows(study, item_id, min_count)
    scale_id = inst.items.at[item_id, "scale_id"]
    hidden = hidden_rows(study, item_id, min_count)
    cells = [
        f"{inst.category_label(scale_id, c, lang)} {inst.label(SUPPRESSED, lang) if h else int(k)}"
        for c, k, h in zip(rows["category_id"], rows["count"], hidden, strict=True)
    ]
    n = int(rows["count"].sum())
    return f"{inst.exhibit_name(item_id, lang)}: {inst.title(item_id, lang)} (N = {n}): " + "; ".join(cells)


def category_labels(study: Study, item_id: str, lang: str) -> dict[str, str]:
    """Label in *lang* of every category of *item_id* (``no answer`` included), looked up once."""
    inst = study.instrument
    scale_id = inst.items.at[item_id, "scale_id"]
    return {c: inst.category_label(scale_id, c, lang) for c in study.item_counts(item_id)["category_id"]}


def hidden_rows(study: Study, item_id: str, min_count: int) -> list[bool]:
    """Which drawn cells of *item_id* the disclosure rule hides (all False when *min_count* is 0): the protected
    base's categories, as the published tables and :func:`plot_item` hide them."""
    gone = suppressed_categories(study, item_id, min_count)
    return [c in gone for c in plot_rows(study, item_id, min_count)["category_id"]]


def item_table(study: Study, item_id: str, lang: str, say: Strings, min_count: int = 0) -> pd.DataFrame:
    """Category, count, percent and exact 95 % Clopper-Pearson interval per cell, with provenance.

    Column names are in *lang*; ``provenance`` stays (the HTML marks assumed rows by it). Suppressed cells show
    :data:`~samskab_analysis.stats.disclosure.SUPPRESSED` in count, percent and interval.
    """
    inst = study.instrument
    rows = plot_rows(study, item_id, min_count)
    n = int(rows["count"].sum())
    bounds = [proportion_interval(int(c), n, "clopper-pearson") for c in rows["count"]]
    labels = category_labels(study, item_id, lang)
    table = pd.DataFrame(
        {
            say("explore_col_category"): [
                labels[c] + MARKS.get(p, "")
                for c, p in zip(rows["category_id"], rows["provenance"], strict=True)
            ],
            say("explore_col_count"): rows["count"].astype(int).to_numpy(),
            say("explore_col_percent"): [f"{100 * c / n:.0f}" if n else "" for c in rows["count"]],
            say("explore_col_cp95"): [f"{100 * lo:.0f}–{100 * hi:.0f}" for lo, hi in bounds],
            say("explore_col_provenance"): [inst.label(p, lang) for p in rows["provenance"]],
            "provenance": rows["provenance"].to_numpy(),
        }
    )
    if min_count > 0:
        numbers = [say("explore_col_count"), say("explore_col_percent"), say("explore_col_cp95")]
        table = mask_rows(table, hidden_rows(study, item_id, min_count), numbers)
        table = table.replace({SUPPRESSED: inst.label(SUPPRESSED, lang)})
    return table


def item_study(study: Study, item_id: str) -> Study:
    """*study* with only the statements and errata that give claims-ledger rows of *item_id* (and the statements
    the alternative readings name, which the ledger checks its readings against).

    The ledger checks each statement against its own item's rows, so these rows are the same as in the whole
    ledger (tested for every item) -- for a few statements instead of all of them.
    """
    if study.statements is None:
        return study
    named = set(load_readings(study)["statement_id"])
    statements = study.statements[(study.statements["item_id"] == item_id) | study.statements.index.isin(named)]
    errata = study.errata
    if errata is not None and len(errata):
        own = errata["statement_id"].isin(statements.index) | (
            (errata["statement_id"] == "") & (errata["matched_item"] == item_id)
        )
        errata = errata[own]
    return replace(study, statements=statements, errata=errata)


def claims_table(study: Study, item_id: str, say: Strings) -> pd.DataFrame:
    """The claims-ledger rows of *item_id* (published study), headings and statuses in the reader's language."""
    claims = item_claims(item_study(study, item_id), item_id)
    if claims.empty:
        return claims
    out = claims[list(CLAIM_COLUMNS)].copy()
    out["status"] = [text_or(say, ledger_status_key(s), s) for s in out["status"]]
    return out.rename(columns={c: say(k) for c, k in CLAIM_COLUMNS.items()})


def ledger_status_key(status: str) -> str:
    """The strings key of a ledger status (as the site's data page uses)."""
    if status.startswith("possible erratum"):
        return "status_possible_erratum"
    if "erratum" in status:
        return "status_erratum"
    return f"status_{status.split(' ')[0].lower()}"


def p_text(say: Strings, low: float, high: float) -> str:
    """``= 0.031`` or ``between 0.008 and 0.289`` in the reader's language."""
    if np.isclose(low, high):
        return say("explore_p_equal", p=f"{low:.3f}")
    return say("explore_p_range", lo=f"{low:.3f}", hi=f"{high:.3f}")


def verdict_text(say: Strings, verdict: str) -> str:
    """A verdict value (``holds``, ``contradicted``, ``undetermined`` …) in words; the value itself if unknown."""
    return text_or(say, f"explore_verdict_{verdict}", verdict)


def comparison_lines(
    study: Study,
    item_id: str,
    whatif: pd.DataFrame,
    say: Strings,
    lang: str,
    every_table: pd.DataFrame | None = None,
    min_count: int = 0,
) -> tuple[str, ...]:
    """One sentence per comparison of *whatif* (a :func:`~samskab_analysis.stats.comparisons.comparison_table`)
    that involves *item_id*: its verdict and sign-test p range with these tables (or observed pairs) and, for the
    published study, the verdict over every table the report allows (*every_table*; None: not computed yet)."""
    inst = study.instrument
    lines = []
    if whatif.empty:
        return ()
    every = every_table.set_index("comparison_id") if every_table is not None else None
    for _, row in whatif[(whatif["item_a"] == item_id) | (whatif["item_b"] == item_id)].iterrows():
        values = {
            "label": text_or(say, f"cmp_{row['comparison_id']}", str(row["label_en"])),
            "a": inst.exhibit_name(row["item_a"], lang),
            "b": inst.exhibit_name(row["item_b"], lang),
            "family": int(row["holm_family"]),
        }
        hidden = min_count > 0 and (
            any(hidden_rows(study, row["item_a"], min_count)) or any(hidden_rows(study, row["item_b"], min_count))
        )
        if hidden:
            lines.append(say("explore_cmp_suppressed", k=min_count, **values))
            continue
        values["verdict"] = verdict_text(say, str(row["verdict"]))
        values["p"] = p_text(say, float(row["sign_p_min"]), float(row["sign_p_max"]))
        if row.get("pairing") == "observed":
            lines.append(say("explore_cmp_line_observed", **values))
            continue
        values["pairings"] = int(row["pairings"])
        if every is None:  # not computed yet (WhatIf.prepare)
            all_verdict = say("explore_preparing")
        else:
            overall = every.loc[row["comparison_id"]]
            all_verdict = verdict_text(say, str(overall["verdict"]))
            held, total = overall.get("tables_holds", np.nan), overall.get("tables_total", np.nan)
            if pd.notna(overall.get("share_tables_holds", np.nan)) and pd.notna(held) and pd.notna(total):
                # counts, never a positive share rounded to 0 % ("7 of 1,980 (< 1 %)")
                shown = share_text(int(held), int(total), lang)
                all_verdict = say("explore_share_holds", verdict=all_verdict, share=shown)
        lines.append(say("explore_cmp_line", verdict_all=all_verdict, **values))
    return tuple(lines)


def sentence(study: Study, item_id: str, lang: str, strings: dict, min_count: int = 0) -> str:
    """The results chapter's sentence for *item_id*; suppressed when the item has a suppressed cell."""
    if min_count > 0 and any(hidden_rows(study, item_id, min_count)):
        say = Strings(strings, lang)
        inst = study.instrument
        return say(
            "explore_sentence_suppressed", exhibit=inst.exhibit_name(item_id, lang), title=inst.title(item_id, lang),
            k=min_count,
        )  # fmt: skip
    return results_sentence(study, item_id, lang, strings)


@dataclass(frozen=True)
class ItemTexts:
    """The intervals table, claims rows and results sentence of one item: like its figure, they depend on the
    item's own count rows only (not on the other items'), so they are cached by those (:class:`ViewCache`)."""

    table: pd.DataFrame
    claims: pd.DataFrame
    sentence: str


def item_texts(study: Study, item_id: str, lang: str, strings: dict, min_count: int = 0) -> ItemTexts:
    """Intervals table, claims rows and results sentence of *item_id* in *lang*."""
    say = Strings(strings, lang)
    return ItemTexts(
        item_table(study, item_id, lang, say, min_count),
        claims_table(study, item_id, say) if study.is_published else pd.DataFrame(),
        sentence(study, item_id, lang, strings, min_count),
    )


def item_figure(
    study: Study, item_id: str, lang: str, min_count: int = 0, drawer: FigureDrawer | None = None
) -> str:
    """The item figure as an ``<img>`` with its text alternative (drawn by *drawer* when given, else afresh)."""
    png = drawer.png(study, item_id, lang, min_count) if drawer else figure_png(study, item_id, lang, min_count)
    return figure_html(png, figure_alt(study, item_id, lang, min_count))


class ViewCache:
    """What was computed for a key (the caller's: e.g. the item's table, the language and ``min_count``); the
    most recently used *size* entries are kept (a figure is ~100 kB)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value cached for *key*, else ``compute()`` (then cached)."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]  # type: ignore[return-value]
        value = compute()
        self._entries[key] = value
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value


def item_view(
    study: Study,
    item_id: str,
    lang: str,
    strings: dict,
    comparisons: pd.DataFrame,
    every_table: pd.DataFrame | None = None,
    min_count: int = 0,
) -> ItemView:
    """Everything shown for *item_id* of *study* in *lang* (see :class:`ItemView`)."""
    say = Strings(strings, lang)
    texts = item_texts(study, item_id, lang, strings, min_count)
    return ItemView(
        item_id,
        item_figure(study, item_id, lang, min_count),
        texts.table,
        texts.claims,
        comparison_lines(study, item_id, comparisons, say, lang, every_table, min_count),
        texts.sentence,
    )


STATEMENT_ID = re.compile(r"\b[A-Z]\d+[a-z]?\b")


def source_text(study: Study, item_id: str, source: str, lang: str) -> str:
    """A cell's ``source`` with each statement id it names spelled out: categories, value and the report's words."""
    if study.statements is None:
        return source
    inst = study.instrument
    scale_id = inst.items.at[item_id, "scale_id"]
    parts = []
    for sid in dict.fromkeys(STATEMENT_ID.findall(source)):
        if sid not in study.statements.index:
            continue
        st = study.statements.loc[sid]
        cats = " + ".join(inst.category_label(scale_id, c, lang) for c in st["categories"])
        unit = " %" if st["unit"] == "percent" else ""
        wording = f" «{st['wording']}»" if st.get("wording") else ""
        parts.append(f"{sid}: {cats} = {st['value']:g}{unit}{wording}")
    return source + (" — " + "; ".join(parts) if parts else "")


ROW_STYLE = {"assumed": "background:#fff4e0", "derived_under_assumption": "background:#fff4e0"}


def html_table(df: pd.DataFrame, css: str = "samskab-table") -> str:
    """*df* as a plain HTML table; a ``provenance`` column is not shown but shades assumed rows."""
    shown = [c for c in df.columns if c != "provenance"]
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(str(c))}</th>" for c in shown)
    body = []
    for record in df.to_dict("records"):
        style = ROW_STYLE.get(str(record.get("provenance", "")), "")
        cells = "".join(f"<td style='padding:2px 8px'>{html.escape(str(record[c]))}</td>" for c in shown)
        body.append(f"<tr style='{style}'>{cells}</tr>")
    return f"<table class='{css}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def cell_rows(study: Study, item_id: str, lang: str) -> list[dict[str, object]]:
    """Per drawn category of *item_id*: its label, count, provenance (in words) and source spelled out."""
    inst = study.instrument
    scale_id = inst.items.at[item_id, "scale_id"]
    return [
        {
            "category_id": r["category_id"],
            "label": inst.category_label(scale_id, r["category_id"], lang),
            "count": int(r["count"]),
            "provenance": r["provenance"],
            "provenance_text": inst.label(r["provenance"], lang),
            "source": source_text(study, item_id, str(r["source"]), lang),
        }
        for _, r in plot_rows(study, item_id).iterrows()
    ]
