"""Readable tables of the reconstruction (statements, completions, assumptions, count matrix)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from samskab_analysis.study import Study


def statements_table(study: Study) -> pd.DataFrame:
    """The published statements: id, item, categories, value, unit, the report's wording and our interpretation
    (blank where the wording names the categories itself)."""
    st = study.statements
    return pd.DataFrame(
        {
            "statement": st["statement_id"],
            "item": st["item_id"],
            "cited_fig": st["cited_figure"],
            "categories": st["categories"].map("+".join),
            "value": st["value"].map(lambda v: f"{v:g}"),
            "unit": st["unit"],
            "wording": st["wording"],
            "interpretation": st["interpretation"],
        }
    ).reset_index(drop=True)


def interpretations_table(study: Study) -> pd.DataFrame:
    """Statements whose reading adds to the report's words: the interpretation and its reason."""
    st = study.statements
    st = st[st["interpretation"] != ""]
    return pd.DataFrame(
        {"statement": st["statement_id"], "interpretation": st["interpretation"], "reason": st["interpretation_reason"]}
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


def assumptions_table(study: Study) -> pd.DataFrame:
    """The assumptions in force, with their rules (rationales are in the CSV)."""
    asm = study.assumptions
    return asm[["item_id", "category_id", "count", "rule"]].reset_index(drop=True)


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
