"""Two cohorts side by side: item distributions, Mann-Whitney U and an ordinal logit per item.

A cohort is a :class:`~samskab_analysis.study.Study`: the published study (reconstructed counts, some of
them assumed) or respondent-level data of a new round. Tests work on count tables expanded to one
score per respondent (scores of ``scales.csv``; "don't know" and blanks are left out), so they need no
respondent-level data and treat both kinds of cohort alike.

* **Mann-Whitney U** (two-sided, :func:`samskab_analysis.stats.exact_tests.mannwhitney_test`): exact
  permutation p-value with ties while n1 * n2 <= 900, otherwise the normal approximation with tie correction
  (``mw_method`` says which), so the cost is bounded for cohorts of any size.
* **Ordinal logit** (statsmodels ``OrderedModel``, cumulative logit with a dummy for the second
  cohort, fitted on the aggregated count table with frequency weights, so its cost does not grow with N):
  the coefficient is the log odds of answering higher in the second cohort. It is reported only
  when the optimiser converged and the estimate is finite; otherwise ``ologit_status`` says why (for
  example complete separation, where one cohort's answers all lie above the other's).

With N = 10 and N = 14, only large differences can be told apart from chance; no correction for the
18 tests is applied (the p-values are descriptive, not verdicts).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.count_table import MISSING, NO_ANSWER
from samskab_analysis.paths import DATA_DIR, resolve
from samskab_analysis.stats.disclosure import derivable, hidden_categories, mask_rows
from samskab_analysis.stats.registry import (
    attach,
    cells_term,
    dataset_id,
    n_term,
    public_term,
    share_term,
    statistic_term,
    suppressed_term,
)
from samskab_analysis.study import Study, load_study

SYNTHETIC_EXAMPLE = "data/raw/examples/samskab_synthetic_cohort_no.csv"
PUBLISHED = "published"
MAX_ABS_COEF = 15.0


def is_synthetic(study: Study) -> bool:
    """True for the shipped synthetic example files (their names contain 'synthetic')."""
    return not study.is_published and "synthetic" in study.label.lower()


def cohort_label(study: Study, lang: str = "en") -> str:
    """A short name with N in *lang*; synthetic data are labelled as such (``analysis/cohort_labels.csv``)."""
    if study.is_published:
        return _text("published", lang).format(n=study.n)
    prefix = _text("synthetic_prefix", lang) + " " if is_synthetic(study) else ""
    return f"{prefix}{Path(study.label).stem} (N = {study.n})"


def _text(key: str, lang: str) -> str:
    from samskab_analysis.data.labels import label_table

    return label_table("analysis/cohort_labels.csv")[key][lang]


def cohort_pair(
    data_dir: str | Path = DATA_DIR,
    responses: str | Path | None = None,
    compare_with: str | Path | None = None,
    *,
    column_map: str | Path | None = None,
    compare_column_map: str | Path | None = None,
    sheet: str | None = None,
) -> tuple[Study, Study]:
    """The two studies to compare, earlier/baseline first.

    *responses* is the run's data (None: the published study). *compare_with* is a respondent file or
    ``"published"``; when None it is the shipped synthetic example for the published run and the
    published study for a cohort run. The published study always comes first.
    """
    run = load_study(data_dir, responses, column_map=column_map, sheet=sheet)
    other = compare_with if compare_with not in (None, "") else (SYNTHETIC_EXAMPLE if run.is_published else PUBLISHED)
    if str(other) == PUBLISHED:
        second = load_study(data_dir)
    else:
        second = load_study(data_dir, resolve(other), column_map=compare_column_map)
    return (run, second) if run.is_published else (second, run)


def side_by_side(a: Study, b: Study, lang: str = "da", min_count: int = 0) -> pd.DataFrame:
    """Per item and category: count and percent of all respondents in each cohort.

    'No answer' / 'not reached' rows appear only when a cohort has one. Assumed cells of a reconstructed cohort
    are flagged in ``note``. With *min_count* > 0, each cohort's cells are suppressed as its protected base
    says (:mod:`samskab_analysis.stats.disclosure`); 'no answer' then always has its row, and so has every
    category of either cohort's count table.
    """
    inst = a.instrument
    rows, keys = [], []
    for item_id in inst.item_ids:
        ra = a.item_counts(item_id).set_index("category_id")
        rb = b.item_counts(item_id).set_index("category_id")
        categories = [*inst.item_categories(item_id), *MISSING]
        scale_id = inst.items.at[item_id, "scale_id"]
        for category in categories:
            ca = int(ra.at[category, "count"]) if category in ra.index else 0
            cb = int(rb.at[category, "count"]) if category in rb.index else 0
            if category in MISSING and ca == 0 and cb == 0:
                # under disclosure control a row of either cohort's count table is never left out (its absence
                # would tell it is zero); 'no answer' always has its row
                in_base = category in ra.index or category in rb.index
                if min_count <= 0 or not (category == NO_ANSWER or in_base):
                    continue
            prov = str(ra.at[category, "provenance"]) if category in ra.index else ""
            keys.append((item_id, category))
            rows.append(
                {
                    "exhibit": inst.exhibit_name(item_id, lang),
                    "category": inst.category_label(scale_id, category, lang),
                    "count_a": ca,
                    "pct_a": round(100 * ca / a.n, 1),
                    "count_b": cb,
                    "pct_b": round(100 * cb / b.n, 1),
                    "note_a": prov if prov in ("assumed", "derived_under_assumption") else "",
                }
            )
    table = pd.DataFrame(rows)
    if min_count <= 0:
        return table
    terms = [public_term("labels, assumed-cell notes")]
    for side, study in (("a", a), ("b", b)):  # each cohort's own protected base
        gone = hidden_categories(study.counts, min_count)
        ds = dataset_id(study)
        terms.append(n_term(ds, study.n))
        base = set(zip(study.counts["item_id"], study.counts["category_id"], strict=True))
        # a category the study's table does not have (the reconstruction's 'no answer') is a zero: suppressed
        hidden = [category in gone.get(item_id, set()) or (item_id, category) not in base for item_id, category in keys]
        for (item_id, category), count, hide in zip(keys, table[f"count_{side}"], hidden, strict=True):
            if hide and (item_id, category) in base:
                terms.append(suppressed_term(ds, item_id, [category]))
            elif not hide:
                terms += [
                    cells_term(ds, item_id, [category], int(count)),
                    share_term(ds, item_id, [category], 100 * int(count) / study.n, 1),
                ]
        table = mask_rows(table, hidden, [f"count_{side}", f"pct_{side}"])
    return attach(table, terms, min_count)


def expanded_scores(study: Study, item_id: str) -> np.ndarray:
    """One score per respondent with a scored answer, from the item's count table."""
    rows = study.item_counts(item_id)
    rows = rows[rows["score"].notna()]
    return np.repeat(rows["score"].to_numpy(dtype=float), rows["count"].to_numpy(dtype=int))


def mann_whitney(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Two-sided Mann-Whitney U; exact (ties included) while cheap, tie-corrected normal approximation beyond."""
    from samskab_analysis.stats.exact_tests import mannwhitney_test

    if len(x) == 0 or len(y) == 0:
        return {"mw_u": np.nan, "mw_p": np.nan, "mw_method": "not enough answers"}
    u, p, method = mannwhitney_test(np.asarray(x, float), np.asarray(y, float))
    return {"mw_u": u, "mw_p": p, "mw_method": "exact" if method.startswith("exact") else "asymptotic"}


def _weighted_ordered_model(levels: np.ndarray, group: np.ndarray, weights: np.ndarray):
    """statsmodels' OrderedModel on distinct (answer, cohort) rows with frequency *weights*.

    The likelihood is the weighted sum of the rows' log-likelihoods, which equals that of the data expanded
    to one row per respondent; the fit's objective, start values and Hessian are those statsmodels uses for
    the expanded data (it divides the objective by the number of rows, so ``loglike`` is rescaled by
    rows / N), so the estimates agree with the expanded fit while the cost no longer grows with N.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.numdiff import approx_hess

    class WeightedOrderedModel(OrderedModel):
        def total(self, params: np.ndarray) -> float:
            return float((weights * self.loglikeobs(params)).sum())

        def loglike(self, params: np.ndarray) -> float:
            return self.total(params) * len(weights) / weights.sum()

        def hessian(self, params: np.ndarray) -> np.ndarray:
            return approx_hess(params, self.total)

        @property
        def start_params(self) -> np.ndarray:
            freq = np.bincount(self.endog, weights=weights, minlength=self.k_levels) / weights.sum()
            start_ppf = self.distr.ppf(np.clip(freq.cumsum(), 0, 1))
            return np.concatenate((np.zeros(self.k_vars), self.transform_reverse_threshold_params(start_ppf)))

    endog = pd.Series(pd.Categorical(levels, categories=sorted(set(levels.tolist())), ordered=True))
    return WeightedOrderedModel(endog, pd.DataFrame({"second_cohort": group}), distr="logit")


def ordinal_logit(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Cumulative logit of the score on a dummy for the second cohort; failures are reported, not hidden.

    Fitted on the distinct (score, cohort) pairs with their counts as frequency weights (same estimates as
    one row per respondent, at a cost independent of N).
    """
    empty = {"ologit_coef": np.nan, "ologit_se": np.nan, "ologit_p": np.nan}
    values = np.concatenate([x, y])
    if len(x) == 0 or len(y) == 0:
        return {**empty, "ologit_status": "skipped: a cohort has no scored answer"}
    levels = sorted(set(values.tolist()))
    if len(levels) < 2:
        return {**empty, "ologit_status": "skipped: only one answer category observed"}
    # the count table: one row per (score, cohort) that occurs, its count as the weight
    scores = np.asarray(levels, dtype=float)
    table = np.stack([np.bincount(np.searchsorted(scores, v), minlength=len(scores)) for v in (x, y)], axis=1)
    score_of, cohort_of = np.nonzero(table)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = _weighted_ordered_model(scores[score_of], cohort_of.astype(float), table[score_of, cohort_of] * 1.0)
            fit = model.fit(method="bfgs", disp=False, maxiter=500)
        except (ValueError, np.linalg.LinAlgError) as err:
            return {**empty, "ologit_status": f"failed: {type(err).__name__}"}
    coef = float(fit.params["second_cohort"])
    se = float(fit.bse["second_cohort"])
    converged = bool(fit.mle_retvals.get("converged", False))
    if not converged:
        status = "not converged"
    elif not np.isfinite(se) or abs(coef) > MAX_ABS_COEF:
        status = "no finite estimate (separation)"
    else:
        status = "ok"
    if status != "ok":
        return {**empty, "ologit_status": status}
    noted = sorted({type(w.message).__name__ for w in caught if "Warning" in type(w.message).__name__})
    return {
        "ologit_coef": coef,
        "ologit_se": se,
        "ologit_p": float(fit.pvalues["second_cohort"]),
        "ologit_status": "ok" + (f" ({', '.join(noted)})" if noted else ""),
    }


def item_tests(a: Study, b: Study, lang: str = "en", min_count: int = 0) -> pd.DataFrame:
    """Per item: scored N and mean score in each cohort, Mann-Whitney U and the ordinal logit.

    With *min_count* > 0 each number is shown only when the cohorts' protected bases give it
    (:func:`~samskab_analysis.stats.disclosure.derivable`): ``n_a`` when the scored count of A follows from
    A's shown cells, ``mean_a`` when every scored cell of A is shown, the tests when both cohorts' scored
    cells are all shown; the others print as ``suppressed``.
    """
    inst = a.instrument
    rows = []
    for item_id in inst.item_ids:
        x, y = expanded_scores(a, item_id), expanded_scores(b, item_id)
        assumed = int((a.item_counts(item_id)["provenance"] == "assumed").sum())
        rows.append(
            {
                "item_id": item_id,
                "exhibit": inst.exhibit_name(item_id, lang),
                "n_a": len(x),
                "n_b": len(y),
                "mean_a": float(x.mean()) if len(x) else np.nan,
                "mean_b": float(y.mean()) if len(y) else np.nan,
                **mann_whitney(x, y),
                **ordinal_logit(x, y),
                "assumed_cells_a": assumed,
            }
        )
    out = pd.DataFrame(rows)
    if min_count <= 0:
        return out
    allowed = {side: derivable(study.counts, min_count) for side, study in (("a", a), ("b", b))}
    ids = list(out["item_id"])
    tests = ["mw_u", "mw_p", "mw_method", "ologit_coef", "ologit_se", "ologit_p", "ologit_status"]
    terms = [public_term("labels, methods, assumed cells"), n_term(dataset_id(a), a.n), n_term(dataset_id(b), b.n)]
    for side, study in (("a", a), ("b", b)):
        ok = allowed[side]
        out = mask_rows(out, [not ok[i]["scored"] for i in ids], [f"n_{side}"])
        out = mask_rows(out, [not ok[i]["scores"] for i in ids], [f"mean_{side}"])
        ds = dataset_id(study)
        for item_id, count in zip(ids, out[f"n_{side}"], strict=True):
            scored = _scored(study, item_id)
            if ok[item_id]["scored"]:
                terms.append(cells_term(ds, item_id, scored, int(count)))
            if ok[item_id]["scores"]:
                terms.append(statistic_term(ds, item_id, scored))
    both = [allowed["a"][i]["scores"] and allowed["b"][i]["scores"] for i in ids]
    out = mask_rows(out, [not ok for ok in both], tests)
    return attach(out, terms, min_count)


def _scored(study: Study, item_id: str) -> list[str]:
    rows = study.item_counts(item_id)
    return [str(c) for c, s in zip(rows["category_id"], rows["score"], strict=True) if pd.notna(s)]


def _rounded(values: pd.Series, digits: int) -> pd.Series:
    """Numbers rounded (-0.0 shown as 0.0); ``suppressed`` and other text kept."""
    return values.map(lambda v: round(float(v), digits) + 0.0 if isinstance(v, int | float | np.number) else v)


def tests_table(tests: pd.DataFrame) -> pd.DataFrame:
    """:func:`item_tests` rounded for printing."""
    out = tests.drop(columns=["item_id"]).copy()
    for column in ("mean_a", "mean_b", "ologit_coef", "ologit_se"):
        out[column] = _rounded(out[column], 2)
    for column in ("mw_p", "ologit_p"):
        out[column] = out[column].map(
            lambda p: p if isinstance(p, str) else ("" if not np.isfinite(p) else f"{p:.3f}")
        )
    out["mw_u"] = _rounded(out["mw_u"], 1)
    out.attrs = dict(tests.attrs)
    return out


def status_counts(shown: pd.DataFrame) -> pd.DataFrame:
    """How often the ordinal logit could be estimated: items per ``ologit_status`` of the printed tests table."""
    status = shown["ologit_status"].value_counts().sort_index()
    out = status.rename_axis("ologit_status").reset_index(name="items")
    out.attrs = dict(shown.attrs)
    return out


