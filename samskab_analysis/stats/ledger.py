"""The claims ledger: every number the report states, and whether the count table is consistent with it.

What the ledger checks, and what it cannot: the published count table was *built* from these statements, so
"the table gives the stated value" cannot fail for the shipped assumptions -- it is a **consistency** check
(``status`` = ``consistent``), which does fail when overridden assumptions contradict a statement. The
independent checks live in the tests: every consistent table is enumerated from the statements alone, and every
published percentage is recomputed from the final table only.

Each row also shows the statement's literal ``wording`` and our ``interpretation`` where the reading adds to the
wording; cross-reference errata are marked with their confidence (``certain`` / ``possible``). Errata not
attached to a numeric statement get a row of their own.
"""

from __future__ import annotations

import pandas as pd

from samskab_analysis.reconstruct.counts import allowed_counts
from samskab_analysis.stats.readings import interpreted_statements, load_readings, reading_count_range, reading_label
from samskab_analysis.stats.wording import say
from samskab_analysis.study import Study

#: what ``status`` = consistent means
CHECK = "the count table gives a head count that rounds to the stated value (N from design.csv)"


def _erratum_text(e: pd.Series) -> str:
    return f"cites Figure {e['cited_figure']}; the data matched is {e['matched_item']} ({e['confidence']} erratum)"


def claims_ledger(study: Study, lang: str = "en") -> pd.DataFrame:
    """One row per published statement (and per erratum without a statement): value, check, interpretation.

    Columns: claim_id, item_id, cited_figure, categories, stated, from_table, count, cells (provenance of the
    cells summed), status (``consistent`` / ``INCONSISTENT``, plus the erratum with its confidence), wording,
    interpretation (``INTERPRETATION: ...`` where another reading exists), alternative_reading (each
    alternative reading of ``data/raw/analysis/readings.csv``, label in *lang*, with the head counts the
    report allows for the statement's categories under it), section_da, note.
    """
    if study.statements is None:
        raise ValueError("the claims ledger needs the published statements, not respondent-level data")
    readings = load_readings(study)
    interpreted = interpreted_statements(readings)
    errata = study.errata if study.errata is not None else pd.DataFrame(columns=["statement_id"])
    attached = errata[errata["statement_id"] != ""] if len(errata) else errata
    by_statement = {str(e["statement_id"]): e for _, e in attached.iterrows()}
    rows = []
    for sid, st in study.statements.iterrows():
        part = study.counts[study.counts["item_id"] == st["item_id"]]
        n = int(part["count"].sum())
        count = int(part.loc[part["category_id"].isin(st["categories"]), "count"].sum())
        ok = count in allowed_counts(st["value"], st["unit"], n)
        from_table = 100 * count / n if st["unit"] == "percent" else count
        cells = part.loc[part["category_id"].isin(st["categories"]), "provenance"]
        status = "consistent" if ok else "INCONSISTENT"
        note = ""
        if str(sid) in by_statement:
            e = by_statement[str(sid)]
            status += f" (erratum {e['erratum_id']}, {e['confidence']}: cross-reference)"
            note = _erratum_text(e)
        interpretation = str(st.get("interpretation", "") or "")
        if interpretation:
            interpretation += f" -- {st.get('interpretation_reason', '')}"
        alternatives = []
        for reading in interpreted.get(str(sid), []):
            low, high = reading_count_range(study, readings, reading, st["item_id"], tuple(st["categories"]))
            span = f"{low}" if low == high else f"{low}-{high}"
            alternatives.append(say("ledger_alternative", lang, reading=reading, span=span, n=n,
                                    label=reading_label(readings, reading, lang)))  # fmt: skip
        if alternatives:
            interpretation = say("ledger_interpretation", lang, text=interpretation)
        rows.append(
            {
                "claim_id": sid,
                "item_id": st["item_id"],
                "cited_figure": st["cited_figure"],
                "categories": "+".join(st["categories"]),
                "stated": f"{st['value']:g}{'%' if st['unit'] == 'percent' else ''}",
                "from_table": f"{from_table:g}{'%' if st['unit'] == 'percent' else ''}",
                "count": f"{count}/{n}",
                "cells": ",".join(sorted(set(cells))),
                "status": status,
                "wording": st.get("wording", ""),
                "interpretation": interpretation,
                "alternative_reading": "; ".join(alternatives),
                "section_da": st["section_da"],
                "note": note,
            }
        )
    for _, e in errata.iterrows():
        if e["statement_id"] != "":
            continue
        rows.append(
            {
                "claim_id": e["erratum_id"],
                "item_id": e["matched_item"],
                "cited_figure": e["cited_figure"],
                "categories": "",
                "stated": "",
                "from_table": "",
                "count": "",
                "cells": "",
                "status": f"{e['confidence']} erratum: cross-reference",
                "wording": "",
                "interpretation": "",
                "alternative_reading": "",
                "section_da": e.get("section_da", ""),
                "note": _erratum_text(e),
            }
        )
    return pd.DataFrame(rows)
