"""What an output publishes, said in terms the linked-table audit understands.

Under ``--min-count`` every table a notebook shows carries a *record*: the list of terms behind its numbers,
kept in ``frame.attrs`` by the function that built the table and written by
:func:`samskab_analysis.figures.display.show_table` (and ``print_table`` / ``print_text``) into the executed
notebook's output metadata under :data:`KEY`. After the run, :mod:`samskab_analysis.run.audit` reads the
notebooks back and turns the terms into linear relations between the unknown cells; an output with digits
and no record fails the audit, so a new output cannot escape it.

Terms (plain dicts, JSON-ready), for a dataset ``dataset`` (:func:`dataset_id`):

* ``n`` — the number of respondents, N;
* ``cells`` — the sum of an item's *categories* is *value* (one category: a shown cell);
* ``share`` — the same sum as a percentage of N, rounded to *digits* decimals;
* ``suppressed`` — cells shown as suppressed (no other output may show them);
* ``statistic`` — a non-linear function (mean, test, interval) of each of the item's *categories*: published
  only when every one of them is;
* ``joint`` — a statistic of the answers to several *items* together (their joint table must pass the rule);
* ``public`` — numbers from public sources only (the published report, the design, simulations, settings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from samskab_analysis.study import Study

#: The output-metadata key (and ``DataFrame.attrs`` key) of a record.
KEY = "samskab_published"

PUBLISHED_DATASET = "published"


def dataset_id(study: Study) -> str:
    """The name of a study's data in the terms: ``published`` or the respondent file's name."""
    return PUBLISHED_DATASET if study.is_published else str(study.label)


def n_term(dataset: str, value: int) -> dict:
    return {"kind": "n", "dataset": dataset, "value": int(value)}


def cells_term(dataset: str, item: str, categories: Sequence[str], value: int) -> dict:
    return {"kind": "cells", "dataset": dataset, "item": item, "categories": [str(c) for c in categories],
            "value": int(value)}  # fmt: skip


def suppressed_term(dataset: str, item: str, categories: Sequence[str]) -> dict:
    """Cells an output shows as suppressed (the audit checks no other output shows them)."""
    return {"kind": "suppressed", "dataset": dataset, "item": item, "categories": [str(c) for c in categories]}


def share_term(dataset: str, item: str, categories: Sequence[str], percent: float, digits: int) -> dict:
    return {"kind": "share", "dataset": dataset, "item": item, "categories": [str(c) for c in categories],
            "value": float(percent), "digits": int(digits)}  # fmt: skip


def statistic_term(dataset: str, item: str, categories: Sequence[str]) -> dict:
    return {"kind": "statistic", "dataset": dataset, "item": item, "categories": [str(c) for c in categories]}


def joint_term(dataset: str, items: Sequence[str]) -> dict:
    return {"kind": "joint", "dataset": dataset, "items": [str(i) for i in dict.fromkeys(items)]}


def public_term(what: str = "") -> dict:
    return {"kind": "public", "what": what}


def unique(terms: Iterable[dict]) -> list[dict]:
    """*terms* without repeats, in first-seen order."""
    seen, out = set(), []
    for term in terms:
        key = repr(sorted(term.items()))
        if key not in seen:
            seen.add(key)
            out.append(term)
    return out


def attach(frame: pd.DataFrame, terms: Iterable[dict], min_count: int) -> pd.DataFrame:
    """*frame* carrying its record (only under disclosure control, ``min_count`` > 0)."""
    if min_count > 0:
        frame.attrs[KEY] = {"min_count": int(min_count), "terms": unique(terms)}
    return frame


def record_of(obj: object) -> dict | None:
    """The record a table (or text) carries, if any."""
    attrs = getattr(obj, "attrs", None)
    if isinstance(attrs, dict) and isinstance(attrs.get(KEY), dict):
        return attrs[KEY]
    return None


class PublishedText(str):
    """Text to print, with the record of its numbers (:func:`samskab_analysis.figures.display.print_text`)."""

    attrs: dict

    def __new__(cls, text: str, terms: Iterable[dict], min_count: int) -> PublishedText:
        obj = super().__new__(cls, text)
        obj.attrs = {KEY: {"min_count": int(min_count), "terms": unique(terms)}} if min_count > 0 else {}
        return obj


def public_text(text: str, min_count: int, what: str = "") -> PublishedText:
    """Text whose numbers all come from public sources (settings, file names, the published report)."""
    return PublishedText(text, [public_term(what)], min_count)


def study_text(text: str, studies: Sequence[Study], min_count: int) -> PublishedText:
    """Text naming *studies* with their N (``Data: file.csv; N = 14``)."""
    return PublishedText(text, [public_term("labels"), *(n_term(dataset_id(s), s.n) for s in studies)], min_count)


def public_table(frame: pd.DataFrame, min_count: int, what: str = "") -> pd.DataFrame:
    """*frame* whose numbers all come from public sources (the published report, settings, simulations)."""
    return attach(frame, [public_term(what)], min_count)
