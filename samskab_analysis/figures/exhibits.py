"""Tables and saved figures for the exhibit notebooks (kept here so notebooks stay thin)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from samskab_analysis.data.labels import VALUES_FILE, label_table, phrase
from samskab_analysis.data.published import assumption_rationale, statement_interpretation
from samskab_analysis.figures.plotting import plot_item, plot_overview, plot_rows, save_figure
from samskab_analysis.paths import current_project, resolve
from samskab_analysis.stats.disclosure import derivable, hidden_categories, mask_rows
from samskab_analysis.stats.intervals import category_intervals, proportion_interval
from samskab_analysis.stats.ledger import claims_ledger
from samskab_analysis.stats.registry import (
    attach,
    cells_term,
    dataset_id,
    n_term,
    public_term,
    public_text,
    share_term,
    statistic_term,
    suppressed_term,
)
from samskab_analysis.stats.scoring import study_summary
from samskab_analysis.study import Study


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """``"svg,png"`` -> ``["svg", "png"]`` (lists pass through)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def study_label(study: Study, lang: str = "da") -> str:
    """What the data are, in *lang*: the published report's numbers, or the respondent file's name."""
    if study.is_published:
        return phrase("data_published", lang)
    return phrase("data_file", lang, name=Path(study.label).name)


#: ``N=10; S04a,S04b; scale assumed: ...`` as :func:`samskab_analysis.reconstruct.counts.item_table` writes it
_DERIVED = re.compile(r"^N=(\d+); ([^;]*)(?:; scale assumed: .*)?$")


def source_text(source: str, provenance: str, lang: str = "da") -> str:
    """Where a cell's value comes from, in *lang*: statement ids, N and statements, or the assumption's rule."""
    source = str(source)
    if provenance == "stated":
        ids = re.split(r"; also |,", source)
        return ", ".join(i.strip() for i in ids if i.strip())
    match = _DERIVED.match(source)
    if provenance in ("derived", "derived_under_assumption") and match:
        key = "source_derived_scale" if provenance == "derived_under_assumption" else "source_derived"
        return phrase(key, lang, n=match.group(1), ids=", ".join(match.group(2).split(",")))
    if source.startswith("assumption: "):
        return phrase("source_assumed", lang, rule=rule_label(source[len("assumption: "):], lang))
    return source


def rule_label(rule: str, lang: str = "da") -> str:
    """A reconstruction rule's name in *lang* (``values.csv``; an unknown rule of an override file as written)."""
    values = label_table(VALUES_FILE)
    return values[rule][lang] if rule in values else rule


def figure_table(study: Study, item_id: str, lang: str = "da", min_count: int = 0) -> pd.DataFrame:
    """The table behind one figure: category, count, percent, provenance and source per cell.

    ``exact95`` is the exact (Clopper–Pearson) 95 % interval of the percent, each cell on its own, for the
    share of the N respondents (coverage at least 95 % whatever the true share; with N = 10 one respondent
    more or less moves a share by 10 points); ``source`` names the statements, or the rule of the assumption,
    in *lang*.  With *min_count* > 0, cells are suppressed as :mod:`samskab_analysis.stats.disclosure` says
    (below k, and the cells that would reveal them) with their percent, interval and range.
    """
    inst = study.instrument
    rows = plot_rows(study, item_id, min_count)
    scale_id = inst.items.at[item_id, "scale_id"]
    table = pd.DataFrame(
        {
            "category": [inst.category_label(scale_id, c, lang) for c in rows["category_id"]],
            "count": rows["count"].astype(int),
            "percent": (100 * rows["share"]).round(1),
            "provenance": rows["provenance"],
            "source": [source_text(s, p, lang) for s, p in zip(rows["source"], rows["provenance"], strict=True)],
        }
    )
    n = int(rows["count"].sum())
    bounds = [proportion_interval(int(c), n, "clopper-pearson") for c in rows["count"]]
    table["exact95"] = [f"{100 * lo:.0f}-{100 * hi:.0f}" for lo, hi in bounds]
    if "count_min" in rows.columns and study.is_published:
        table["range"] = [
            f"{a}-{b}" if a != b else f"{a}" for a, b in zip(rows["count_min"], rows["count_max"], strict=True)
        ]
    if min_count > 0:  # statistical disclosure control: suppressed cells and what would reveal them
        gone = hidden_categories(study.counts, min_count).get(item_id, set())
        hidden = [c in gone for c in rows["category_id"]]
        table = mask_rows(table, hidden, ["count", "percent", "exact95", "range"])
        ds = dataset_id(study)
        terms = [n_term(ds, study.n), public_term("provenance, source")]
        for category, count, hide in zip(rows["category_id"], rows["count"], hidden, strict=True):
            if hide:
                terms.append(suppressed_term(ds, item_id, [category]))
            else:
                terms += [
                    cells_term(ds, item_id, [category], int(count)),
                    share_term(ds, item_id, [category], 100 * int(count) / n, 1),
                    statistic_term(ds, item_id, [category]),  # its exact interval, its range
                ]
        attach(table, terms, min_count)
    return table


def item_assumptions(study: Study, item_id: str, lang: str = "da", min_count: int = 0) -> pd.DataFrame:
    """Why the item's assumed cells take their values: category, count, rule and rationale in *lang*.

    The rationale is the ``rationale_<lang>`` column of the assumptions file (``rationale`` when the file has
    no translation, e.g. an override file); a row that says ``see fig01/some`` is shown with the rationale
    it points to.  A cell derived under an assumed answer scale (``derived_under_assumption``) is listed with the
    rule "assumed answer scale" and the item's ``scale_reason_<lang>`` (``items.csv``).  Only cells the
    reconstruction leaves to an assumption are listed (none for respondent data).
    """
    columns = ["category", "count", "rule", "rationale"]
    if study.assumptions is None or not study.is_published:
        return attach(pd.DataFrame(columns=columns), [public_term("no assumptions")], min_count)
    inst = study.instrument
    counts = study.item_counts(item_id).set_index("category_id")
    assumed = set(counts.index[counts["provenance"] == "assumed"])
    frame = study.assumptions
    frame = frame[(frame["item_id"] == item_id) & frame["category_id"].isin(assumed)]
    cells = [(str(row["category_id"]), int(row["count"]), str(row.get("rule", "") or "override"),
              assumption_rationale(study.assumptions, row, lang)) for _, row in frame.iterrows()]  # fmt: skip
    under_scale = counts.index[counts["provenance"] == "derived_under_assumption"]
    if len(under_scale):
        note = scale_reason(inst, item_id, lang)
        reason = phrase("scale_assumed_reason", lang, note=note)
        cells += [(str(c), int(counts.at[c, "count"]), "assumed_scale", reason) for c in under_scale]
    order = {c: i for i, c in enumerate(inst.item_categories(item_id))}
    cells.sort(key=lambda cell: order.get(cell[0], 99))
    scale_id = inst.items.at[item_id, "scale_id"]
    records = [
        {"category": inst.category_label(scale_id, c, lang), "count": k, "rule": rule_label(r, lang), "rationale": why}
        for c, k, r, why in cells
    ]
    table = pd.DataFrame(records, columns=columns)
    if min_count <= 0:
        return table
    gone = hidden_categories(study.counts, min_count).get(item_id, set())  # as the figure's table hides them
    hidden = [c in gone for c, *_ in cells]
    table = mask_rows(table, hidden, ["count"])
    ds = dataset_id(study)
    terms = [n_term(ds, study.n), public_term("category, rule, rationale")]
    for (category, count, *_), hide in zip(cells, hidden, strict=True):
        shown = cells_term(ds, item_id, [category], count)
        terms.append(suppressed_term(ds, item_id, [category]) if hide else shown)
    return attach(table, terms, min_count)


def scale_reason(inst, item_id: str, lang: str) -> str:
    """Why the item's answer scale is assumed, in *lang* (``scale_reason_<lang>`` of ``items.csv``; the
    developer's ``scale_note`` when the instrument has no reader's text)."""
    items = inst.items
    for column in (f"scale_reason_{lang}", "scale_note"):
        if column in items.columns and str(items.at[item_id, column] or "").strip():
            return str(items.at[item_id, column]).strip()
    return ""


def item_claims(study: Study, item_id: str, lang: str = "en", min_count: int = 0) -> pd.DataFrame:
    """The report's claims about *item_id* with their check against the table (published study only: public).

    ``interpretation`` is our reading where it adds to the report's words, in *lang* (the statements'
    ``interpretation_<lang>`` and ``interpretation_reason_<lang>`` columns; English otherwise).
    """
    if not study.is_published:
        return pd.DataFrame()
    ledger = claims_ledger(study, lang)
    cols = ["claim_id", "categories", "stated", "from_table", "cells", "status", "interpretation",
            "alternative_reading"]  # fmt: skip
    part = ledger.loc[ledger["item_id"] == item_id, cols].reset_index(drop=True)
    part["status"] = [status_code(s) for s in part["status"]]
    part["interpretation"] = reader_interpretations(study, part, lang)
    return attach(part, [public_term("the published report's statements")], min_count)


def reader_interpretations(study: Study, ledger: pd.DataFrame, lang: str) -> list[str]:
    """The ledger's interpretation column in *lang* (``interpretation_<lang>`` of the statements), marked as our
    interpretation where another reading exists (``alternative_reading``)."""
    from samskab_analysis.stats.wording import say

    out = []
    for claim, text, other in zip(ledger["claim_id"], ledger["interpretation"], ledger["alternative_reading"],
                                  strict=True):  # fmt: skip
        english = str(study.statements.loc[claim, "interpretation"]) if claim in study.statements.index else ""
        reason = str(study.statements.loc[claim, "interpretation_reason"]) if claim in study.statements.index else ""
        plain = f"{english} -- {reason}" if english else ""
        local = statement_interpretation(study.statements, claim, lang, plain)
        out.append(say("ledger_interpretation", lang, text=local) if other and local else (local if plain else text))
    return out


def ledger_table(study: Study, lang: str = "en", min_count: int = 0) -> pd.DataFrame:
    """The claims ledger for a reader of *lang*: claim, figure, categories, stated, from the table, cells, check,
    our reading (``interpretation``) and the erratum note (the cited figure and the one the data match)."""
    ledger = claims_ledger(study, lang)
    table = ledger[["claim_id", "item_id", "categories", "stated", "from_table", "cells", "status"]].copy()
    table["status"] = [status_code(s) for s in table["status"]]
    table["interpretation"] = reader_interpretations(study, ledger, lang)
    table["alternative_reading"] = ledger["alternative_reading"]
    notes = {}
    errata = study.errata if study.errata is not None else pd.DataFrame()
    for _, e in errata.iterrows():
        claim = e["statement_id"] or e["erratum_id"]
        notes[claim] = phrase("erratum_note", lang, cited=e["cited_figure"], confidence=label_table(VALUES_FILE)[
            f"erratum_{e['confidence']}"][lang], matched=study.instrument.exhibit_name(e["matched_item"], lang))
    table["note"] = [notes.get(c, "") for c in table["claim_id"]]
    return attach(table.reset_index(drop=True), [public_term("the published report's statements")], min_count)


def status_code(status: str) -> str:
    """A ledger status as a code of ``values.csv`` (``consistent``, ``consistent_erratum_certain`` …)."""
    status = str(status)
    match = re.match(r"^(consistent|INCONSISTENT) \(erratum \w+, (certain|possible): cross-reference\)$", status)
    if match:
        return f"{match.group(1).lower()}_erratum_{match.group(2)}"
    match = re.match(r"^(certain|possible) erratum: cross-reference$", status)
    if match:
        return f"erratum_{match.group(1)}"
    return status


def item_intervals(study: Study, item_id: str) -> pd.DataFrame:
    """Exact (Clopper–Pearson) 95 % interval per category of one item, coverage ≥ 95 % (the item figure's whiskers)."""
    return category_intervals(study, item_id, method="clopper-pearson")


def figure_stem(item_id: str, lang: str) -> str:
    """File stem of a saved item figure."""
    return f"{item_id}_{lang}"


def save_item_figures(
    study: Study,
    item_id: str,
    lang: str,
    also_langs: str | Sequence[str],
    output_dir: str | Path,
    formats: str | Sequence[str],
    show_intervals: bool = True,
    min_count: int = 0,
) -> list[Path]:
    """Draw and save the item figure in *lang* and every language of *also_langs*."""
    out = resolve(output_dir) or Path(output_dir)
    paths = []
    intervals = item_intervals(study, item_id) if show_intervals else None
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_item(study, item_id, code, intervals=intervals, min_count=min_count)
        paths += save_figure(fig, figure_stem(item_id, code), out, split_list(formats))
        plt.close(fig)
    return paths


def save_overview_figures(
    study: Study,
    lang: str,
    also_langs: str | Sequence[str],
    output_dir: str | Path,
    formats: str | Sequence[str],
    min_count: int = 0,
) -> list[Path]:
    """Draw and save the all-items overview in each language."""
    out = resolve(output_dir) or Path(output_dir)
    paths = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_overview(study, code, min_count=min_count)
        paths += save_figure(fig, f"overview_{code}", out, split_list(formats))
        plt.close(fig)
    return paths


def shown_paths(paths: Sequence[Path], min_count: int = 0) -> str:
    """Saved files as project-relative lines (stable across machines; no data in them)."""
    lines = []
    root = current_project().root.resolve()
    for path in paths:
        try:
            lines.append(Path(path).resolve().relative_to(root).as_posix())
        except ValueError:
            lines.append(Path(path).name)
    return public_text("\n".join(lines), min_count, "file names")


def summary_table(study: Study, lang: str = "da", min_count: int = 0) -> pd.DataFrame:
    """All items: exhibit, N, top-2-box %, mean and median score, number of assumed cells.

    With *min_count* > 0, the statistics of items with a suppressed cell are suppressed.
    """
    inst = study.instrument
    summary = study_summary(study)
    table = pd.DataFrame(
        {
            "exhibit": [inst.exhibit_name(i, lang) for i in summary["item_id"]],
            "level": [inst.levels.at[lv, f"label_{lang}"] for lv in summary["level_id"]],
            "N": summary["n"],
            "top2_pct": (100 * summary["top_box_share"]).round(0).astype(int),
            "mean": summary["mean_score"].round(2),
            "median": summary["median_score"],
            "assumed_cells": summary["assumed_cells"],
        }
    )
    if min_count > 0:
        allowed = derivable(study.counts, min_count)
        ids = list(summary["item_id"])
        table = mask_rows(table, [not allowed[i]["top"] for i in ids], ["top2_pct"])
        table = mask_rows(table, [not allowed[i]["scores"] for i in ids], ["mean", "median"])
        ds = dataset_id(study)
        terms = [n_term(ds, study.n), public_term("levels, assumed cells")]
        for item_id in ids:
            part = study.item_counts(item_id)
            top = [str(c) for c, t in zip(part["category_id"], part["top_box"], strict=True) if bool(t)]
            scored = [str(c) for c, s in zip(part["category_id"], part["score"], strict=True) if pd.notna(s)]
            if allowed[item_id]["top"]:
                count = int(part.loc[part["top_box"].astype(bool), "count"].sum())
                terms += [cells_term(ds, item_id, top, count), share_term(ds, item_id, top, 100 * count / study.n, 0)]
            if allowed[item_id]["scores"]:
                terms.append(statistic_term(ds, item_id, scored))
        attach(table, terms, min_count)
    return table


def design_table(study: Study, min_count: int = 0) -> pd.DataFrame:
    """Study design numbers as published (a cohort: its N)."""
    if study.design is None:
        table = pd.DataFrame({"key": ["respondents"], "value": [study.n], "unit": ["persons"]})
        return attach(table, [n_term(dataset_id(study), study.n)], min_count)
    table = study.design[["key", "value", "unit", "kind", "section_da"]].reset_index(drop=True)
    return attach(table, [public_term("the published report's design")], min_count)


def context_table(study: Study, min_count: int = 0) -> pd.DataFrame:
    """Numbers the report cites from other sources (context, not survey results)."""
    if study.context is None:
        table = pd.DataFrame(columns=["key", "value", "unit", "year", "reference"])
    else:
        table = study.context[["key", "value", "unit", "year", "reference"]].reset_index(drop=True)
    return attach(table, [public_term("the published report's context")], min_count)
