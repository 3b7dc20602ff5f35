"""Confidence intervals for the shares of a survey with N = 10.

* One share at a time: exact Clopper-Pearson (``"clopper-pearson"``, never below nominal coverage,
  conservative) and Wilson score (``"wilson"``, closer to nominal on average), both from
  :func:`statsmodels.stats.proportion.proportion_confint`.
* A whole answer distribution at once: simultaneous multinomial intervals (``"goodman"`` and
  ``"sison-glaz"``) from :func:`statsmodels.stats.proportion.multinomial_proportions_confint` (Sison-Glaz
  through the same computation vectorised in :mod:`samskab_analysis.stats.sison_glaz`: fast for any N).
  Both rest on approximations that are outside their stated validity range here (Goodman: a
  chi-squared approximation meant for counts of at least 5; Sison-Glaz: an Edgeworth expansion meant
  for 7 or more categories).  Every row carries a ``note`` saying so.  When Sison-Glaz degenerates --
  it raises, returns non-finite bounds, returns a zero-width interval for a non-empty category
  (its constant ``c`` came out 0), or returns [0, 1] for every category -- the Goodman intervals are
  given instead, with ``method = "goodman"`` and a note naming the fallback.

For the published study the counts are a reconstruction: an interval for a share that involves an
assumed cell is conditional on that assumption (see ``provenance``; the sensitivity module gives the
range over every table consistent with the report).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import multinomial_proportions_confint, proportion_confint

from samskab_analysis.data.count_table import NO_ANSWER
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.stats.disclosure import mask_rows
from samskab_analysis.stats.sensitivity import set_count_range
from samskab_analysis.stats.sison_glaz import sison_glaz_intervals
from samskab_analysis.study import Study

SINGLE_METHODS = {"clopper-pearson": "beta", "wilson": "wilson"}
MULTINOMIAL_METHODS = ("goodman", "sison-glaz")
METHODS = (*SINGLE_METHODS, *MULTINOMIAL_METHODS)
TOP2 = "top2"


def _check_method(method: str, allowed=METHODS, message: str = "unknown interval method") -> None:
    """Raise a clear error when *method* is not one of *allowed*."""
    if method not in allowed:
        raise DataValidationError(
            Problem(file="method parameter", message=message, value=method, allowed=list(allowed))
        )


def proportion_interval(count: int, n: int, method: str = "wilson", alpha: float = 0.05) -> tuple[float, float]:
    """Interval for one share *count*/*n*: ``"clopper-pearson"`` (exact) or ``"wilson"``."""
    _check_method(method, SINGLE_METHODS, "not a single-share method")
    if n <= 0:
        return float("nan"), float("nan")
    lo, hi = proportion_confint(int(count), int(n), alpha=alpha, method=SINGLE_METHODS[method])
    return float(np.clip(lo, 0.0, 1.0)), float(np.clip(hi, 0.0, 1.0))


def multinomial_intervals(
    counts: list[int] | np.ndarray, method: str = "goodman", alpha: float = 0.05
) -> tuple[np.ndarray, str, str]:
    """Simultaneous intervals for every category of one distribution.

    Returns ``(bounds, method_used, note)`` where *bounds* has one ``[lower, upper]`` row per category.
    Never raises for valid counts: a failing or degenerate Sison-Glaz result falls back to Goodman.
    """
    counts = np.asarray(counts, dtype=int)
    k, n = len(counts), int(counts.sum())
    if n == 0:
        return np.full((k, 2), np.nan), method, "no respondents"
    goodman_note = "goodman: chi-squared approximation, intended for counts of at least 5"
    if method == "goodman":
        bounds = multinomial_proportions_confint(counts, alpha=alpha, method="goodman")
        return np.clip(bounds, 0.0, 1.0), "goodman", goodman_note
    if method != "sison-glaz":
        _check_method(method)
        _check_method(method, MULTINOMIAL_METHODS, "not a multinomial method")
    reason = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bounds = np.asarray(sison_glaz_intervals(counts, alpha), dtype=float)
    except Exception as exc:  # noqa: BLE001 - statsmodels signals a failed search with a bare Exception
        bounds, reason = None, f"failed ({type(exc).__name__}: {exc})"
    if bounds is not None:
        shares = counts / n
        if not np.isfinite(bounds).all():
            reason = "returned non-finite bounds"
        elif ((counts > 0) & np.isclose(bounds[:, 0], shares) & (shares < 1)).any() or (
            (counts > 0) & np.isclose(bounds[:, 1] - bounds[:, 0], 0.0)
        ).any():
            reason = "degenerate (c = 0: zero-width interval for an observed category)"
        elif np.allclose(bounds[:, 0], 0.0) and np.allclose(bounds[:, 1], 1.0):
            reason = "uninformative (every interval is [0, 1])"
    if reason:
        fallback, _, note = multinomial_intervals(counts, "goodman", alpha)
        return fallback, "goodman", f"sison-glaz {reason}; goodman used instead ({note})"
    note = "sison-glaz: Edgeworth approximation"
    if k < 7:
        note += f", intended for 7 or more categories (here {k})"
    return np.clip(bounds, 0.0, 1.0), "sison-glaz", note


def interval_rows(study: Study, item_id: str) -> pd.DataFrame:
    """The categories an item's distribution is made of: every scale category, 'no answer' only when present."""
    rows = study.item_counts(item_id)
    keep = (rows["category_id"] != NO_ANSWER) | (rows["count"] > 0)
    return rows[keep].reset_index(drop=True)


def category_intervals(study: Study, item_id: str, method: str = "wilson", alpha: float = 0.05) -> pd.DataFrame:
    """Interval for the share of every category of *item_id*.

    Columns: category_id, count, n, share, lower, upper, method, provenance, note.
    ``"wilson"``/``"clopper-pearson"`` are per-category (each 95 %); ``"goodman"``/``"sison-glaz"`` are
    simultaneous (all categories together 95 %, approximately).  ``method`` holds the method actually used.
    """
    _check_method(method)
    rows = interval_rows(study, item_id)
    counts = rows["count"].to_numpy(dtype=int)
    n = int(counts.sum())
    if method in SINGLE_METHODS:
        bounds = np.array([proportion_interval(c, n, method, alpha) for c in counts]).reshape(-1, 2)
        used, note = method, "exact (beta)" if method == "clopper-pearson" else "score interval"
    else:
        bounds, used, note = multinomial_intervals(counts, method, alpha)
    return pd.DataFrame(
        {
            "category_id": rows["category_id"],
            "count": counts,
            "n": n,
            "share": counts / n if n else np.nan,
            "lower": bounds[:, 0],
            "upper": bounds[:, 1],
            "method": used,
            "provenance": rows["provenance"],
            "note": note,
        }
    )


def share_sets(study: Study, statements: pd.DataFrame | None = None) -> pd.DataFrame:
    """The shares the report talks about, per item: each statement's category set and the top-2-box.

    Statements with the same category set are merged (``share_id`` lists them).  Top-2-box is the set of
    top-box categories of the scale (very high + high; yes for yes/no items).  *statements* defaults to
    ``study.statements`` (none for respondent-level data: then only the top-2-box rows and single categories).
    """
    inst = study.instrument
    statements = statements if statements is not None else study.statements
    rows = []
    for item_id in inst.item_ids:
        if study.item_counts(item_id).empty:
            continue
        sets: dict[tuple[str, ...], list[str]] = {}
        if statements is not None:
            for sid, st in statements[statements["item_id"] == item_id].iterrows():
                sets.setdefault(tuple(st["categories"]), []).append(str(sid))
        else:
            for category in inst.item_categories(item_id):
                sets.setdefault((category,), [])
        scale = inst.scale_rows(inst.items.at[item_id, "scale_id"])
        top = tuple(c for c in scale.index if scale.at[c, "top_box"])
        stated = dict(sets)
        sets.setdefault(top, []).append(TOP2)
        for categories, ids in sets.items():
            rows.append(
                {
                    "item_id": item_id,
                    "share_id": ",".join(ids) if ids else categories[0],
                    "categories": "+".join(categories),
                    "stated": categories in stated and statements is not None,
                    "_categories": categories,
                }
            )
    return pd.DataFrame(rows)


def share_intervals(study: Study, alpha: float = 0.05, statements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Exact (Clopper-Pearson) and Wilson intervals for every share the report uses, plus top-2-box per item.

    Columns: item_id, share_id, categories, count, n, share, provenance, exact_lower, exact_upper,
    wilson_lower, wilson_upper.  ``provenance`` is ``stated`` when a statement gives this very share,
    ``derived`` when the statements fix it, ``assumed`` when it depends on an assumption
    (``count_range`` then shows the head counts the report allows), ``observed`` for respondent-level data.
    """
    sets = share_sets(study, statements)
    out = []
    for _, row in sets.iterrows():
        part = study.item_counts(row["item_id"])
        n = int(part["count"].sum())
        count = int(part.loc[part["category_id"].isin(row["_categories"]), "count"].sum())
        if not study.is_published:
            provenance, lo_count, hi_count = "observed", count, count
        else:
            lo_count, hi_count = set_count_range(study, row["item_id"], row["_categories"])
            provenance = "stated" if row["stated"] else ("derived" if lo_count == hi_count else "assumed")
        exact = proportion_interval(count, n, "clopper-pearson", alpha)
        wilson = proportion_interval(count, n, "wilson", alpha)
        out.append(
            {
                "item_id": row["item_id"],
                "share_id": row["share_id"],
                "categories": row["categories"],
                "count": count,
                "n": n,
                "share": count / n if n else np.nan,
                "provenance": provenance,
                "count_range": f"{lo_count}-{hi_count}" if lo_count != hi_count else f"{count}",
                "exact_lower": exact[0],
                "exact_upper": exact[1],
                "wilson_lower": wilson[0],
                "wilson_upper": wilson[1],
            }
        )
    return pd.DataFrame(out)


def all_category_intervals(study: Study, method: str = "wilson", alpha: float = 0.05) -> pd.DataFrame:
    """:func:`category_intervals` for every item, stacked (with an ``item_id`` column first)."""
    frames = [
        category_intervals(study, item_id, method, alpha).assign(item_id=item_id)
        for item_id in study.instrument.item_ids
        if not study.item_counts(item_id).empty
    ]
    out = pd.concat(frames, ignore_index=True)
    return out[["item_id", *[c for c in out.columns if c != "item_id"]]]


def distribution_intervals(study: Study, alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All four interval methods side by side for every item x category, plus the per-item method notes.

    Returns ``(table, notes)``: *table* has item_id, category_id, count, share, provenance and
    ``<method>_lower/_upper`` for clopper-pearson (``exact``), wilson, goodman and sison-glaz (``sison``),
    with ``sison_method`` saying which method was actually used; *notes* has item_id, goodman_note, sison_note.
    """
    frames, notes = [], []
    for item_id in study.instrument.item_ids:
        if study.item_counts(item_id).empty:
            continue
        parts = {m: category_intervals(study, item_id, m, alpha) for m in METHODS}
        base = parts["wilson"][["category_id", "count", "share", "provenance"]].assign(item_id=item_id)
        for method, prefix in (("clopper-pearson", "exact"), ("wilson", "wilson"), ("goodman", "goodman")):
            base[f"{prefix}_lower"] = parts[method]["lower"]
            base[f"{prefix}_upper"] = parts[method]["upper"]
        base["sison_lower"] = parts["sison-glaz"]["lower"]
        base["sison_upper"] = parts["sison-glaz"]["upper"]
        base["sison_method"] = parts["sison-glaz"]["method"]
        frames.append(base)
        notes.append(
            {
                "item_id": item_id,
                "goodman_note": parts["goodman"]["note"].iloc[0],
                "sison_note": parts["sison-glaz"]["note"].iloc[0],
            }
        )
    table = pd.concat(frames, ignore_index=True)
    return table[["item_id", *[c for c in table.columns if c != "item_id"]]], pd.DataFrame(notes)


def suppress_small(table: pd.DataFrame, min_count: int, count_column: str = "count") -> pd.DataFrame:
    """Privacy: rows whose count is below *min_count* (zeros included) show ``suppressed``, with no share or bounds.

    Interval bounds and count ranges reveal the count they were computed from, so they are blanked with it
    (the rule of :mod:`samskab_analysis.stats.disclosure`; ``samskab reproduce --min-count`` does not run
    this notebook's exhibits at all, as shares of several categories can be subtracted from each other).
    """
    if min_count <= 0:
        return table
    small = pd.to_numeric(table[count_column], errors="coerce").fillna(0) < min_count
    hidden = ("share", "lower", "upper", "count_range")
    numeric = [c for c in table.columns if c in hidden or c.endswith(("_lower", "_upper"))]
    return mask_rows(table, small.to_numpy(), [count_column, *numeric])
