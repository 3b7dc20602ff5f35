"""Readable tables of the reconstruction (statements, completions, assumptions, count matrix)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from samskab_analysis.data.published import assumption_rationale

if TYPE_CHECKING:
    from samskab_analysis.study import Study


def _in_lang(st: pd.DataFrame, column: str, lang: str) -> pd.Series:
    """``<column>_<lang>`` where the file has it filled in, else the column as written (English)."""
    local = f"{column}_{lang}"
    if lang == "en" or local not in st.columns:
        return st[column]
    return st[local].where(st[local] != "", st[column])


def _wording(st: pd.DataFrame, lang: str) -> pd.Series:
    """The report's wording: as published (Danish) for ``da``, else ``wording_<lang>`` (our translation) where given."""
    local = f"wording_{lang}"
    if lang == "da" or local not in st.columns:
        return st["wording"]
    return st[local].where(st[local] != "", st["wording"])


def statements_table(study: Study, lang: str = "en") -> pd.DataFrame:
    """The published statements: id, item, categories, value, unit, the report's wording and our interpretation
    (blank where the wording names the categories itself; in *lang* where the statements file translates it)."""
    st = study.statements
    return pd.DataFrame(
        {
            "statement": st["statement_id"],
            "item": st["item_id"],
            "cited_fig": st["cited_figure"],
            "categories": st["categories"].map("+".join),
            "value": st["value"].map(lambda v: f"{v:g}"),
            "unit": st["unit"],
            "wording": _wording(st, lang),
            "interpretation": _in_lang(st, "interpretation", lang),
        }
    ).reset_index(drop=True)


def interpretations_table(study: Study, lang: str = "en") -> pd.DataFrame:
    """Statements whose reading adds to the report's words: the interpretation and its reason (in *lang*)."""
    st = study.statements
    st = st[st["interpretation"] != ""]
    return pd.DataFrame(
        {
            "statement": st["statement_id"],
            "interpretation": _in_lang(st, "interpretation", lang),
            "reason": _in_lang(st, "interpretation_reason", lang),
        }
    ).reset_index(drop=True)


def completions_table(study: Study) -> pd.DataFrame:
    """Per item: how many count tables fit the statements, and how many cells each provenance has."""
    counts = study.counts
    rows = []
    for item_id in study.instrument.item_ids:
        part = counts[counts["item_id"] == item_id]
        prov = part["provenance"].value_counts()
        rows.append(
            {
                "item": item_id,
                "consistent_tables": int(part["completions"].iloc[0]),
                "stated": int(prov.get("stated", 0)),
                "derived": int(prov.get("derived", 0)),
                "derived_under_assumption": int(prov.get("derived_under_assumption", 0)),
                "assumed": int(prov.get("assumed", 0)),
            }
        )
    return pd.DataFrame(rows)


def assumptions_table(study: Study, lang: str = "en") -> pd.DataFrame:
    """The assumptions in force, with their rules and rationales (in *lang* where the file translates them)."""
    asm = study.assumptions
    table = asm[["item_id", "category_id", "count", "rule"]].reset_index(drop=True)
    table["rationale"] = [assumption_rationale(asm, row, lang) for _, row in asm.iterrows()]
    return table


def count_matrix(study: Study) -> pd.DataFrame:
    """Item × category matrix of counts; assumed cells carry a ``*``, derived cells a ``°``, cells derived only
    under an assumed answer scale a ``^``."""
    marks = {"stated": "", "derived": "°", "derived_under_assumption": "^", "assumed": "*", "observed": ""}
    counts = study.counts.assign(cell=lambda f: f["count"].astype(str) + f["provenance"].map(marks))
    matrix = counts.pivot(index="item_id", columns="category_id", values="cell").fillna("")
    order = list(dict.fromkeys(study.instrument.scales["category_id"]))
    matrix = matrix.reindex(index=study.instrument.item_ids, columns=[c for c in order if c in matrix.columns])
    matrix.columns.name = None
    matrix.index.name = "item"
    return matrix
