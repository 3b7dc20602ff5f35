"""The count table every study has: one row per item x answer category, with the scale's order and scores.

Both ways to a count table end here: the reconstruction of the published statements and the tally of
respondent-level answers. ``no_answer`` is the category of a blank (or unreadable-as-skipped) answer;
``not_reached`` that of a question an incomplete response never reached (after its last page; only when
incomplete responses are analysed, ``--include-incomplete``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samskab_analysis.data.instrument import Instrument

NO_ANSWER = "no_answer"
NOT_REACHED = "not_reached"
#: The categories that are not answers: drawn grey, shown only when counted, left out of scores.
MISSING = (NO_ANSWER, NOT_REACHED)


def with_scale_info(counts: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Add figure, category order, score, top-box flag and share columns to a long count table."""
    scales = instrument.scales.set_index(["scale_id", "category_id"])
    out = counts.copy()
    scale_ids = out["item_id"].map(instrument.items["scale_id"])
    keys = list(zip(scale_ids, out["category_id"], strict=True))
    known = [k in scales.index for k in keys]
    out["figure"] = out["item_id"].map(instrument.items["figure"]).astype("Int64")
    out["item_order"] = out["item_id"].map(instrument.items["order"]).astype(int)
    unknown_order = {NOT_REACHED: 100}  # after 'no answer' (99)
    out["category_order"] = [
        int(scales.at[k, "order"]) if ok else unknown_order.get(k[1], 99) for k, ok in zip(keys, known, strict=True)
    ]
    out["score"] = [float(scales.at[k, "score"]) if ok else np.nan for k, ok in zip(keys, known, strict=True)]
    out["top_box"] = [bool(scales.at[k, "top_box"]) if ok else False for k, ok in zip(keys, known, strict=True)]
    totals = out.groupby("item_id")["count"].transform("sum")
    out["n"] = totals.astype(int)
    out["share"] = (out["count"] / totals).where(totals > 0, np.nan)
    return out.sort_values(["item_order", "category_order"]).reset_index(drop=True)
