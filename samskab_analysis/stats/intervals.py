"""Confidence intervals for the shares of a survey with N = 10.

* One share at a time: exact Clopper-Pearson (``"clopper-pearson"``, never below nominal coverage,
  conservative) and Wilson score (``"wilson"``, closer to nominal on average), both from
  :func:`statsmodels.stats.proportion.proportion_confint`.
* A whole answer distribution at once: simultaneous intervals.  The default, ``"bonferroni-cp"``, is
  Clopper-Pearson at level alpha / k for each of the k categories: by Bonferroni's inequality and the
  exactness of Clopper-Pearson its simultaneous coverage is at least 1 - alpha for every true distribution
  and every N (:mod:`samskab_analysis.stats.coverage` measures it).  ``"goodman"`` and ``"sison-glaz"`` from
  :func:`statsmodels.stats.proportion.multinomial_proportions_confint` (Sison-Glaz through the same
  computation vectorised in :mod:`samskab_analysis.stats.sison_glaz`: fast for any N) rest on approximations that are
  outside their stated validity range at N = 10 (Goodman: a chi-squared approximation meant for counts of at
  least 5; Sison-Glaz: an Edgeworth expansion meant for 7 or more categories); their exact coverage at
  N = 10 is below nominal and every row's ``note`` gives the smallest coverage over every true distribution
  (proven for single shares, an upper bound found by a search of the simplex for simultaneous methods).
  When Sison-Glaz degenerates --
  it raises, returns non-finite bounds, returns a zero-width interval for a non-empty category
  (its constant ``c`` came out 0), or returns [0, 1] for every category -- the Goodman intervals are
  given instead, with ``method = "goodman"`` and a note naming the fallback.

For the published study the counts are a reconstruction: an interval for a share that involves an
assumed cell is conditional on that assumption (see ``provenance``; the sensitivity module gives the
range over every table consistent with the report).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from samskab_analysis.data.count_table import MISSING
from samskab_analysis.stats.coverage_minimum import CoverageMinimum, coverage_minimum
from samskab_analysis.stats.disclosure import mask_rows
from samskab_analysis.stats.interval_methods import (
    DEFAULT_SIMULTANEOUS,
    METHODS,
    MULTINOMIAL_METHODS,
    SINGLE_METHODS,
    TOP2,
    _check_method,
    bonferroni_cp,
    multinomial_intervals,
    proportion_interval,
)
from samskab_analysis.stats.readings import interpreted_statements, load_readings, reading_count_range
from samskab_analysis.stats.sensitivity import set_count_range
from samskab_analysis.stats.wording import percent, say
from samskab_analysis.study import Study

__all__ = [
    "DEFAULT_SIMULTANEOUS",
    "METHODS",
    "MULTINOMIAL_METHODS",
    "SINGLE_METHODS",
    "TOP2",
    "all_category_intervals",
    "bonferroni_cp",
    "category_intervals",
    "distribution_intervals",
    "interval_rows",
    "multinomial_intervals",
    "proportion_interval",
    "share_intervals",
    "share_sets",
    "suppress_small",
]


def interval_rows(study: Study, item_id: str) -> pd.DataFrame:
    """The categories an item's distribution is made of: every scale category; 'no answer' and 'not reached'
    only when present."""
    rows = study.item_counts(item_id)
    keep = ~rows["category_id"].isin(MISSING) | (rows["count"] > 0)
    return rows[keep].reset_index(drop=True)


def coverage_label(method: str, n: int, k: int, alpha: float = 0.05, lang: str = "en") -> str:
    """The smallest coverage of *method* at *n* and *k* with how it is known, flagged BELOW NOMINAL where it is.

    Single-share methods: the proven infimum over every true share (:func:`.coverage_minimum.single_share_minimum`);
    simultaneous methods: the exact coverage at the worst distribution a search over the whole simplex found
    (the true minimum is at most that), Bonferroni-Clopper-Pearson also its proven lower bound.
    """
    found = coverage_minimum(method, n, k, alpha)
    return minimum_text(found, lang)


def minimum_text(found: CoverageMinimum, lang: str = "en") -> str:
    """The label of one :class:`.coverage_minimum.CoverageMinimum` in *lang* (templates in uncertainty_labels.csv)."""
    fields = {"n": found.n, "k": found.k, "nominal": percent(found.nominal, lang, 1), "p": found.shown_p(lang=lang)}
    if found.bound == "none":
        text = say("coverage_none", lang, **fields)
    elif found.bound == "exact":
        text = say(f"coverage_exact_{found.side}", lang, pct=percent(found.minimum, lang, 1), **fields)
    else:
        upper = math.ceil(1000 * found.minimum - 1e-9) / 1000  # rounded up: the minimum is at most this
        text = say("coverage_upper", lang, pct=percent(upper, lang, 1), **fields)
    if found.method == "bonferroni-cp":
        text = say("coverage_bonferroni", lang, **fields) + "; " + text
    if found.bound != "none" and found.minimum < found.nominal:
        text = say("below_nominal_flag", lang) + " " + text
    return text


def category_intervals(
    study: Study, item_id: str, method: str = "wilson", alpha: float = 0.05, lang: str = "en"
) -> pd.DataFrame:
    """Interval for the share of every category of *item_id*.

    Columns: category_id, count, n, share, lower, upper, method, provenance, note.
    ``"wilson"``/``"clopper-pearson"`` are per-category (each 95 %); ``"bonferroni-cp"`` (the default
    simultaneous method), ``"goodman"`` and ``"sison-glaz"`` are simultaneous.  ``method`` holds the method
    actually used; ``note`` its caveats, including its smallest coverage over every true distribution
    (:func:`coverage_label`) in *lang*.
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
    label = coverage_label(used, n, len(counts), alpha, lang) if n else ""
    note = f"{note}; {label}" if label else note
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

    Columns: item_id, share_id, categories, count, n, share, provenance, count_range, interpretation,
    alternative_count_range, frame, exact_lower, exact_upper, wilson_lower, wilson_upper.  ``provenance`` is
    ``stated`` when a statement gives this very share, ``stated_interpretation`` when the statement's categories
    are our reading of the prose (``interpretation`` gives it, ``alternative_count_range`` the head counts the
    report allows under each alternative reading of ``data/raw/analysis/readings.csv``),
    ``derived`` when the statements fix it, ``assumed`` when it depends on an assumption
    (``count_range`` then shows the head counts the report allows), ``observed`` for respondent-level data.
    """
    sets = share_sets(study, statements)
    readings = load_readings(study) if study.is_published else pd.DataFrame(columns=["reading_id", "statement_id"])
    interpreted = interpreted_statements(readings)
    out = []
    for _, row in sets.iterrows():
        part = study.item_counts(row["item_id"])
        n = int(part["count"].sum())
        count = int(part.loc[part["category_id"].isin(row["_categories"]), "count"].sum())
        interpretation, alternative = "", ""
        if not study.is_published:
            provenance, lo_count, hi_count = "observed", count, count
        else:
            lo_count, hi_count = set_count_range(study, row["item_id"], row["_categories"])
            provenance = "stated" if row["stated"] else ("derived" if lo_count == hi_count else "assumed")
            ids = [i for i in str(row["share_id"]).split(",") if i in interpreted]
            if ids:
                interpretation = "; ".join(str(study.statements.at[i, "interpretation"]) for i in ids)
                parts = []
                for reading in dict.fromkeys(r for i in ids for r in interpreted[i]):
                    low, high = reading_count_range(study, readings, reading, row["item_id"], row["_categories"])
                    parts.append(f"{reading}: {low}-{high}" if low != high else f"{reading}: {low}")
                alternative = "; ".join(parts)
                if provenance == "stated":
                    provenance = "stated_interpretation"
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
                "interpretation": interpretation,
                "alternative_count_range": alternative,
                "frame": "respondents",
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


def distribution_intervals(
    study: Study, alpha: float = 0.05, lang: str = "en"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All five interval methods side by side for every item x category, plus the per-item method notes.

    Returns ``(table, notes)``: *table* has item_id, category_id, count, share, provenance and
    ``<method>_lower/_upper`` for clopper-pearson (``exact``), wilson, bonferroni-cp (``bonf``, the default
    simultaneous interval), goodman and sison-glaz (``sison``), with ``sison_method`` saying which method was
    actually used; *notes* has item_id, wilson_note, bonf_note, goodman_note, sison_note (each with the
    smallest coverage over every true distribution, proven or bounded: :func:`coverage_label`).
    """
    frames, notes = [], []
    for item_id in study.instrument.item_ids:
        if study.item_counts(item_id).empty:
            continue
        parts = {m: category_intervals(study, item_id, m, alpha, lang) for m in METHODS}
        base = parts["wilson"][["category_id", "count", "share", "provenance"]].assign(item_id=item_id)
        for method, prefix in (
            ("clopper-pearson", "exact"),
            ("wilson", "wilson"),
            ("bonferroni-cp", "bonf"),
            ("goodman", "goodman"),
        ):
            base[f"{prefix}_lower"] = parts[method]["lower"]
            base[f"{prefix}_upper"] = parts[method]["upper"]
        base["sison_lower"] = parts["sison-glaz"]["lower"]
        base["sison_upper"] = parts["sison-glaz"]["upper"]
        base["sison_method"] = parts["sison-glaz"]["method"]
        frames.append(base)
        notes.append(
            {
                "item_id": item_id,
                "wilson_note": parts["wilson"]["note"].iloc[0],
                "bonf_note": parts["bonferroni-cp"]["note"].iloc[0],
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
