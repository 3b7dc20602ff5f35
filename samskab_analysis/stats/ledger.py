"""The claims ledger: every number the report states, checked against the count table."""

from __future__ import annotations

import pandas as pd

from samskab_analysis.reconstruct.counts import allowed_counts
from samskab_analysis.study import Study


def claims_ledger(study: Study) -> pd.DataFrame:
    """One row per published statement: stated value, reproduced value, status, and errata."""
    if study.statements is None:
        raise ValueError("the claims ledger needs the published statements, not respondent-level data")
    errata = study.errata if study.errata is not None else pd.DataFrame(columns=["statement_id"])
    errata_by_statement = errata.set_index("statement_id") if len(errata) else errata
    rows = []
    for sid, st in study.statements.iterrows():
        part = study.counts[study.counts["item_id"] == st["item_id"]]
        n = int(part["count"].sum())
        count = int(part.loc[part["category_id"].isin(st["categories"]), "count"].sum())
        ok = count in allowed_counts(st["value"], st["unit"], n)
        reproduced = 100 * count / n if st["unit"] == "percent" else count
        cells = part.loc[part["category_id"].isin(st["categories"]), "provenance"]
        status = "reproduced" if ok else "MISMATCH"
        note = ""
        if sid in errata_by_statement.index:
            e = errata_by_statement.loc[sid]
            status += " (erratum: cross-reference)"
            note = f"cites Figure {e['cited_figure']}; the data matched is {e['matched_item']}"
        rows.append(
            {
                "claim_id": sid,
                "item_id": st["item_id"],
                "cited_figure": st["cited_figure"],
                "categories": "+".join(st["categories"]),
                "stated": f"{st['value']:g}{'%' if st['unit'] == 'percent' else ''}",
                "reproduced": f"{reproduced:g}{'%' if st['unit'] == 'percent' else ''}",
                "count": f"{count}/{n}",
                "cells": ",".join(sorted(set(cells))),
                "status": status,
                "section_da": st["section_da"],
                "note": note,
            }
        )
    return pd.DataFrame(rows)
