"""Validated answers (respondent x item) to the long count table of a cohort: the last ingest step."""

from __future__ import annotations

import pandas as pd

from samskab_analysis.data.count_table import NO_ANSWER, NOT_REACHED
from samskab_analysis.data.instrument import Instrument


def counts_from_responses(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Aggregate respondent-level answers (category ids, blank/NA = no answer) to a long count table.

    Every scale category appears (count 0 included), plus a ``no_answer`` row per item, so
    microdata aggregates to the same shape as the reconstructed published table; when incomplete responses
    were kept (``--include-incomplete``) and some questions were never reached, every item also gets a
    ``not_reached`` row.
    """
    rows = []
    n = len(responses)
    items = [i for i in instrument.item_ids if i in responses.columns]
    reached = not any((responses[i] == NOT_REACHED).any() for i in items)
    extra = [NO_ANSWER] if reached else [NO_ANSWER, NOT_REACHED]
    for item_id in instrument.item_ids:
        if item_id not in responses.columns:
            continue
        answers = responses[item_id].astype("string").fillna("").str.strip()
        tally = answers.value_counts()
        for category in [*instrument.item_categories(item_id), *extra]:
            key = "" if category == NO_ANSWER else category
            rows.append(
                {
                    "item_id": item_id,
                    "category_id": category,
                    "count": int(tally.get(key, 0)),
                    "provenance": "observed",
                    "source": "respondent-level data",
                    "n": n,
                }
            )
    return pd.DataFrame(rows)
