"""The report's comparisons between two items, tested (definitions in ``data/raw/analysis/comparisons.csv``).

Both items of a comparison were answered by the same respondents, so the right tests are paired:

* **sign test** -- :func:`statsmodels.stats.descriptivestats.sign_test` on the differences; pairs with a
  zero difference are dropped; exact binomial p-value;
* **Wilcoxon signed-rank** -- :func:`scipy.stats.wilcoxon` with ``zero_method="wilcox"`` (zero differences
  dropped, as in the sign test) and ``method="auto"``: for up to 13 non-zero differences with ties SciPy
  enumerates all sign flips (an exact permutation p-value that respects the ties); without ties it uses the
  exact null distribution.  All differences zero gives p = 1.

**Published marginals.**  The report gives each item's answer distribution, not who answered what, so the
pairing of the two items' answers is unknown.  A pairing is a permutation of one item's answer vector against
the other's sorted vector; two pairings that give the same multiset of (a, b) answer pairs give the same
tests, so the distinct pairings are exactly the item-a x item-b contingency tables with the two published
distributions as margins (:func:`joint_tables`).  With N = 10 they are enumerated completely: row by row,
merging partial tables that leave the same answers of b unpaired and have produced the same differences so far
(:func:`difference_multisets`; the count of pairings per multiset of differences is kept).  The p-values are
reported as the minimum and maximum over all pairings, together with the comonotone pairing (both sorted
ascending, unscored answers last) and the counter-monotone pairing (a ascending, b descending, unscored answers
last).  Inside the enumeration the p-values come from :func:`sign_p` (exact binomial) and :func:`wilcoxon_p`
(all sign flips enumerated), which reproduce statsmodels' and SciPy's values (``tests/test_comparisons.py``)
and are cached per multiset of differences.  Cells that the report leaves open take their default (assumed)
counts; the ``*_all`` columns repeat the minimum/maximum over every consistent completion of both items too
(``completions`` = number of combinations of the two items' count tables), which answers how the conclusion
changes over the whole assumption space.

An unpaired Mann-Whitney U test (U from :func:`scipy.stats.mannwhitneyu`; exact permutation p-value with ties,
:func:`mannwhitney_exact_p`) is reported for contrast only: it treats the two items as independent samples,
which they are not.

**Respondent-level data** has the real pairs: one exact p-value per test, no ranges.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.descriptivestats import sign_test

from samskab_analysis.errors import Problem, raise_if
from samskab_analysis.indices import analysis_dir, parse_identifier
from samskab_analysis.instrument import Instrument
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.sensitivity import default_table, item_completions, item_statistics, scale_scores
from samskab_analysis.study import Study
from samskab_analysis.tables import LINE, check_allowed, check_parse, check_required_values, check_unique, read_table

COMPARISON_COLUMNS = ("comparison_id", "item_a", "item_b", "label_en", "report_claim_en", "expected_direction")
DIRECTIONS = ("a>b", "a<b", "none")
MAX_ASSUMPTION_TABLES = 2_000_000


def load_comparisons(
    instrument: Instrument, data_dir: str | Path = DATA_DIR, path: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate the comparisons (items exist, differ and share a scale; direction a>b, a<b or none)."""
    path = Path(path) if path is not None else analysis_dir(data_dir) / "comparisons.csv"
    frame = read_table(path, COMPARISON_COLUMNS, what="comparisons")
    problems = check_required_values(frame, list(COMPARISON_COLUMNS))
    problems += check_parse(frame, "comparison_id", parse_identifier, "a lower-case identifier")
    problems += check_unique(frame, ["comparison_id"])
    problems += check_allowed(frame, "item_a", instrument.item_ids)
    problems += check_allowed(frame, "item_b", instrument.item_ids)
    problems += check_allowed(frame, "expected_direction", DIRECTIONS)
    known = set(instrument.item_ids)
    for _, row in frame.iterrows():
        a, b = row["item_a"], row["item_b"]
        if a not in known or b not in known:
            continue
        if a == b:
            problems.append(
                Problem(
                    file=str(path), row=int(row[LINE]), column="item_b", message="compares an item with itself", value=b
                )
            )
        scale_a, scale_b = instrument.items.at[a, "scale_id"], instrument.items.at[b, "scale_id"]
        if scale_a != scale_b:
            problems.append(
                Problem(
                    file=str(path),
                    row=int(row[LINE]),
                    column="item_b",
                    message=f"scale {scale_b} differs from item_a's scale {scale_a}: scores are not comparable",
                    value=b,
                    allowed=[i for i in instrument.item_ids if instrument.items.at[i, "scale_id"] == scale_a],
                )
            )
    raise_if(problems)
    return frame


# --- paired tests on real pairs -------------------------------------------------------------------------


def paired_tests(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Sign test and Wilcoxon signed-rank test of the paired scores *x* and *y* (same respondents, same order).

    NaN in either (unscored: don't know, no answer) drops that pair.  Zero differences are dropped by both
    tests.  Returns n_pairs, n_positive, n_negative, n_zero, mean_diff, median_diff, sign_statistic (M of
    statsmodels: (n_positive - n_negative) / 2), sign_p (exact binomial, two-sided), wilcoxon_statistic
    (SciPy: the smaller of the positive- and negative-rank sums), wilcoxon_p (two-sided) and
    wilcoxon_method (how the p-value was obtained).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays of the same length (got shapes {x.shape} and {y.shape})")
    keep = ~(np.isnan(x) | np.isnan(y))
    d = x[keep] - y[keep]
    nonzero = d[d != 0]
    out: dict[str, object] = {
        "n_pairs": int(len(d)),
        "n_positive": int((d > 0).sum()),
        "n_negative": int((d < 0).sum()),
        "n_zero": int((d == 0).sum()),
        "mean_diff": float(d.mean()) if len(d) else float("nan"),
        "median_diff": float(np.median(d)) if len(d) else float("nan"),
    }
    if len(nonzero) == 0:
        out.update(
            sign_statistic=0.0,
            sign_p=1.0,
            wilcoxon_statistic=0.0,
            wilcoxon_p=1.0,
            wilcoxon_method="no non-zero differences: p = 1",
        )
        return out
    m_stat, sign_p = sign_test(d, mu0=0)
    ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided", method="auto")
    if len(nonzero) > 13 and (ties or len(nonzero) < len(d)):
        how = "normal approximation with tie correction (more than 13 non-zero differences with ties)"
    elif ties or len(nonzero) < len(d):
        how = "exact: all sign flips enumerated (ties or zeros present)"
    elif len(nonzero) <= 50:
        how = "exact null distribution"
    else:
        how = "normal approximation"
    out.update(
        sign_statistic=float(m_stat),
        sign_p=float(sign_p),
        wilcoxon_statistic=float(result.statistic),
        wilcoxon_p=float(min(1.0, result.pvalue)),
        wilcoxon_method=how + "; zero differences dropped",
    )
    return out


def mannwhitney_exact_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided exact permutation p-value of the Mann-Whitney U test, ties included (mid-ranks).

    Counts every split of the pooled values into samples of the two sizes by a recursion over tie groups
    (choosing t of a group of size g happens C(g, t) ways), so it is exact and fast; it equals
    :func:`scipy.stats.mannwhitneyu` with ``method=PermutationMethod(n_resamples=np.inf)``.
    """
    pooled = np.concatenate([x, y])
    n1 = len(x)
    ranks = stats.rankdata(pooled)
    values, inverse, sizes = np.unique(pooled, return_inverse=True, return_counts=True)
    twice_mid = [round(2 * ranks[inverse == g][0]) for g in range(len(values))]
    ways: dict[tuple[int, int], int] = {(0, 0): 1}
    for size, mid in zip(sizes, twice_mid, strict=True):
        step: dict[tuple[int, int], int] = defaultdict(int)
        for (k, total), w in ways.items():
            for t in range(min(int(size), n1 - k) + 1):
                step[(k + t, total + mid * t)] += w * math.comb(int(size), t)
        ways = step
    observed = round(2 * ranks[:n1].sum())
    splits = math.comb(len(pooled), n1)
    less = sum(w for (k, total), w in ways.items() if k == n1 and total <= observed) / splits
    greater = sum(w for (k, total), w in ways.items() if k == n1 and total >= observed) / splits
    return float(min(1.0, 2 * min(less, greater)))


def unpaired_test(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Mann-Whitney U of *x* vs *y* as if they were independent samples (NaN dropped), exact p-value.

    U is SciPy's statistic for *x*; the p-value is :func:`mannwhitney_exact_p`.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return {"mannwhitney_u": float("nan"), "mannwhitney_p": float("nan")}
    u = float(stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").statistic)
    return {"mannwhitney_u": u, "mannwhitney_p": mannwhitney_exact_p(x, y)}


# --- fast exact p-values for the enumeration -----------------------------------------------------------


@cache
def _flips(m: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=m)), dtype=float).reshape(-1, m)


@cache
def sign_p(n_positive: int, n_negative: int) -> float:
    """Two-sided exact sign-test p-value (binomial, p = 1/2) for the given counts of +/- differences."""
    n = n_positive + n_negative
    if n == 0:
        return 1.0
    return float(stats.binomtest(min(n_positive, n_negative), n, 0.5).pvalue)


def _midranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..m with ties given their mean rank (as :func:`scipy.stats.rankdata`)."""
    _, inverse, sizes = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(sizes)
    return ((ends - (sizes - 1) / 2)[inverse]).astype(float)


@cache
def wilcoxon_p(differences: tuple[float, ...]) -> float:
    """Two-sided Wilcoxon signed-rank p-value by enumerating all sign flips (zeros dropped, mid-ranks for ties).

    Equals :func:`scipy.stats.wilcoxon` (``zero_method="wilcox"``, ``method="auto"``) for up to 13 non-zero
    differences; used inside the pairing enumeration because it is much faster.
    """
    d = np.array([v for v in differences if v != 0], dtype=float)
    m = len(d)
    if m == 0:
        return 1.0
    if m > 16:
        raise ValueError("exact sign-flip enumeration is limited to 16 non-zero differences")
    ranks = _midranks(np.abs(d))
    t_plus = ranks[d > 0].sum()
    total = ranks.sum()
    low = min(t_plus, total - t_plus)
    null = _flips(m) @ ranks
    return float(min(1.0, 2 * np.mean(null <= low + 1e-9)))


# --- pairings consistent with two marginals ------------------------------------------------------------


@cache
def _row_splits(total: int, caps: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Ways to put *total* answers into columns with room *caps*."""
    if len(caps) == 1:
        return ((total,),) if total <= caps[0] else ()
    out = []
    for first in range(min(total, caps[0]) + 1):
        rest = total - first
        if rest <= sum(caps[1:]):
            out += [(first, *tail) for tail in _row_splits(rest, caps[1:])]
    return tuple(out)


def joint_tables(counts_a: np.ndarray, counts_b: np.ndarray) -> Iterator[np.ndarray]:
    """Every contingency table (rows: a's categories, columns: b's) with margins *counts_a* and *counts_b*.

    Each table is one distinct pairing of the two items' answers (a multiset of (a, b) answer pairs).
    """
    rows_a = [int(c) for c in counts_a]
    caps_b = tuple(int(c) for c in counts_b)
    if sum(rows_a) != sum(caps_b):
        raise ValueError("the two items have different numbers of respondents")

    def fill(row: int, caps: tuple[int, ...]) -> Iterator[list[tuple[int, ...]]]:
        if row == len(rows_a):
            yield []
            return
        for split in _row_splits(rows_a[row], caps):
            remaining = tuple(c - s for c, s in zip(caps, split, strict=True))
            for rest in fill(row + 1, remaining):
                yield [split, *rest]

    for rows in fill(0, caps_b):
        yield np.array(rows, dtype=int).reshape(len(rows_a), len(caps_b))


def difference_multisets(
    counts_a: np.ndarray, scores_a: np.ndarray, counts_b: np.ndarray, scores_b: np.ndarray
) -> dict[tuple[float, ...], int]:
    """Multisets of score differences a - b over all pairings, with the number of pairings giving each.

    Same result as looping over :func:`joint_tables`, but built row by row while merging pairings that
    have the same remaining answers and the same differences so far, which keeps it fast.  Pairs with an
    unscored answer (NaN) contribute no difference.
    """
    rows = [i for i, c in enumerate(counts_a) if c > 0]
    cols = [j for j, c in enumerate(counts_b) if c > 0]
    diff = np.subtract.outer(np.asarray(scores_a, float)[rows], np.asarray(scores_b, float)[cols])
    values = sorted({float(v) for v in diff[~np.isnan(diff)]})
    slot = [[values.index(float(v)) if not np.isnan(v) else -1 for v in line] for line in diff]
    states: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {
        (tuple(int(counts_b[j]) for j in cols), (0,) * len(values)): 1
    }
    for r, i in enumerate(rows):
        step: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = defaultdict(int)
        for (caps, key), ways in states.items():
            for split in _row_splits(int(counts_a[i]), caps):
                new_key = list(key)
                for c, k in enumerate(split):
                    if k and slot[r][c] >= 0:
                        new_key[slot[r][c]] += k
                remaining = tuple(a - b for a, b in zip(caps, split, strict=True))
                step[(remaining, tuple(new_key))] += ways
        states = step
    out: dict[tuple[float, ...], int] = defaultdict(int)
    for (_, key), ways in states.items():
        out[tuple(v for v, k in zip(values, key, strict=True) for _ in range(k))] += ways
    return dict(out)


@cache
def _pvalues(diffs: tuple[float, ...]) -> tuple[float, float]:
    pos = sum(1 for v in diffs if v > 0)
    neg = sum(1 for v in diffs if v < 0)
    return sign_p(pos, neg), wilcoxon_p(diffs)


@lru_cache(maxsize=8192)
def _pairing_summary(
    counts_a: tuple[int, ...], scores_a: tuple[float, ...], counts_b: tuple[int, ...], scores_b: tuple[float, ...]
) -> dict[str, float]:
    multisets = difference_multisets(np.array(counts_a), np.array(scores_a), np.array(counts_b), np.array(scores_b))
    sign_values, wilcoxon_values = zip(*(_pvalues(d) for d in multisets), strict=True)
    return {
        "pairings": sum(multisets.values()),
        "sign_p_min": min(sign_values),
        "sign_p_max": max(sign_values),
        "wilcoxon_p_min": min(wilcoxon_values),
        "wilcoxon_p_max": max(wilcoxon_values),
    }


def expand(counts: np.ndarray, scores: np.ndarray, descending: bool = False) -> np.ndarray:
    """Answer vector (scores, NaN = unscored) from category counts, sorted, unscored answers last."""
    values = np.repeat(scores, np.asarray(counts, dtype=int))
    scored = np.sort(values[~np.isnan(values)])
    if descending:
        scored = scored[::-1]
    return np.concatenate([scored, values[np.isnan(values)]])


def pairing_range(counts_a: np.ndarray, scores_a: np.ndarray, counts_b: np.ndarray, scores_b: np.ndarray) -> dict:
    """Sign and Wilcoxon p-values over every pairing consistent with the two distributions.

    Returns pairings (number of distinct pairings), sign_p_min/max, wilcoxon_p_min/max, and the p-values of
    the comonotone (``*_comonotone``) and counter-monotone (``*_countermonotone``) pairings.
    """
    key = (
        tuple(int(c) for c in counts_a),
        tuple(float(s) for s in scores_a),
        tuple(int(c) for c in counts_b),
        tuple(float(s) for s in scores_b),
    )
    out = dict(_pairing_summary(*key))
    xa = expand(counts_a, scores_a)
    for name, xb in (("comonotone", expand(counts_b, scores_b)), ("countermonotone", expand(counts_b, scores_b, True))):
        keep = ~(np.isnan(xa) | np.isnan(xb))
        s, w = _pvalues(tuple(sorted((xa[keep] - xb[keep]).tolist())))
        out[f"sign_p_{name}"] = s
        out[f"wilcoxon_p_{name}"] = w
    return out


def assumption_range(study: Study, item_a: str, item_b: str) -> dict[str, float]:
    """Min/max sign and Wilcoxon p-values over every consistent completion of both items and every pairing."""
    scores_a, _ = scale_scores(study, item_a)
    scores_b, _ = scale_scores(study, item_b)
    tables_a, tables_b = item_completions(study, item_a), item_completions(study, item_b)
    combos = len(tables_a) * len(tables_b)
    if combos > MAX_ASSUMPTION_TABLES:
        nan = float("nan")
        return {"completions": combos, "sign_p_min_all": nan, "sign_p_max_all": nan, "wilcoxon_p_min_all": nan,
                "wilcoxon_p_max_all": nan}  # fmt: skip
    result = {"sign_p_min_all": 1.0, "sign_p_max_all": 0.0, "wilcoxon_p_min_all": 1.0, "wilcoxon_p_max_all": 0.0}
    for ta in tables_a:
        for tb in tables_b:
            part = _pairing_summary(tuple(ta.tolist()), tuple(scores_a), tuple(tb.tolist()), tuple(scores_b))
            for test in ("sign", "wilcoxon"):
                result[f"{test}_p_min_all"] = min(result[f"{test}_p_min_all"], part[f"{test}_p_min"])
                result[f"{test}_p_max_all"] = max(result[f"{test}_p_max_all"], part[f"{test}_p_max"])
    return {"completions": combos, **result}


# --- the comparison table --------------------------------------------------------------------------------


def item_scores(study: Study, item_id: str) -> np.ndarray:
    """Respondent-level scores of *item_id* (NaN = don't know or no answer), in respondent order."""
    if study.responses is None:
        raise ValueError("item_scores needs respondent-level data (study.responses)")
    scale = study.instrument.scale_rows(study.instrument.items.at[item_id, "scale_id"])
    if item_id not in study.responses.columns:
        return np.full(len(study.responses), np.nan)
    answers = study.responses[item_id].astype("string").fillna("").str.strip()
    return np.array([float(scale.at[a, "score"]) if a in scale.index else np.nan for a in answers], dtype=float)


def _direction(diff: float) -> str:
    if not np.isfinite(diff) or np.isclose(diff, 0.0):
        return "none"
    return "a>b" if diff > 0 else "a<b"


def compare(study: Study, item_a: str, item_b: str, *, over_assumptions: bool = True) -> dict[str, object]:
    """All numbers for one comparison of *item_a* with *item_b* (see the module docstring)."""
    default_a, every_a = item_statistics(study, item_a)
    default_b, every_b = item_statistics(study, item_b)
    row: dict[str, object] = {
        "mean_a": float(default_a["mean_score"]),
        "mean_b": float(default_b["mean_score"]),
        "mean_diff_min": float(every_a["mean_score"].min() - every_b["mean_score"].max()),
        "mean_diff_max": float(every_a["mean_score"].max() - every_b["mean_score"].min()),
        "n": study.n,
        "pairing": "unknown: all consistent pairings" if study.is_published else "observed",
    }
    row["observed"] = _direction(row["mean_a"] - row["mean_b"])
    scores_a, _ = scale_scores(study, item_a)
    scores_b, _ = scale_scores(study, item_b)
    if study.is_published:
        counts_a, counts_b = default_table(study, item_a), default_table(study, item_b)
        row.update(pairing_range(counts_a, scores_a, counts_b, scores_b))
        row.update(unpaired_test(expand(counts_a, scores_a), expand(counts_b, scores_b)))
        if over_assumptions:
            row.update(assumption_range(study, item_a, item_b))
        return row
    x, y = item_scores(study, item_a), item_scores(study, item_b)
    tests = paired_tests(x, y)
    row.update(
        pairings=1,
        sign_p_min=tests["sign_p"],
        sign_p_max=tests["sign_p"],
        wilcoxon_p_min=tests["wilcoxon_p"],
        wilcoxon_p_max=tests["wilcoxon_p"],
        sign_p_comonotone=float("nan"),
        wilcoxon_p_comonotone=float("nan"),
        sign_p_countermonotone=float("nan"),
        wilcoxon_p_countermonotone=float("nan"),
        n_pairs=tests["n_pairs"],
        wilcoxon_method=tests["wilcoxon_method"],
    )
    row.update(unpaired_test(x, y))
    if over_assumptions:
        row.update(
            completions=1,
            sign_p_min_all=tests["sign_p"],
            sign_p_max_all=tests["sign_p"],
            wilcoxon_p_min_all=tests["wilcoxon_p"],
            wilcoxon_p_max_all=tests["wilcoxon_p"],
        )
    return row


def comparison_table(
    study: Study, comparisons: pd.DataFrame | None = None, *, over_assumptions: bool = True
) -> pd.DataFrame:
    """One row per comparison: means, observed direction, p-value ranges over pairings (and assumptions).

    *comparisons* defaults to ``data/raw/analysis/comparisons.csv``.  Comparisons whose items have no data
    in *study* are skipped.
    """
    defs = comparisons if comparisons is not None else load_comparisons(study.instrument)
    rows = []
    for _, c in defs.iterrows():
        if study.item_counts(c["item_a"]).empty or study.item_counts(c["item_b"]).empty:
            continue
        rows.append(
            {
                "comparison_id": c["comparison_id"],
                "item_a": c["item_a"],
                "item_b": c["item_b"],
                "label_en": c["label_en"],
                "report_claim_en": c["report_claim_en"],
                "expected": c["expected_direction"],
                **compare(study, c["item_a"], c["item_b"], over_assumptions=over_assumptions),
            }
        )
    return pd.DataFrame(rows)


# --- plain-language conclusions --------------------------------------------------------------------------


def _p_range(low: float, high: float) -> str:
    return f"p = {low:.3f}" if np.isclose(low, high) else f"p between {low:.3f} and {high:.3f}"


def verdict(row: pd.Series, alpha: float = 0.05, test: str = "wilcoxon") -> str:
    """``survives``, ``depends on the pairing``, ``not supported`` or ``contradicted`` for one comparison row.

    A directional claim survives when the means differ in the claimed direction and the paired test is
    significant at *alpha* for every pairing consistent with the data (for respondent-level data: for the
    observed pairs).  A claim of no difference survives when no consistent pairing gives a significant one.
    """
    low, high = float(row[f"{test}_p_min"]), float(row[f"{test}_p_max"])
    if row["expected"] == "none":
        if low >= alpha:
            return "survives"
        return "contradicted" if high < alpha else "depends on the pairing"
    if row["observed"] != row["expected"]:
        return "contradicted" if high < alpha else "not supported"
    if high < alpha:
        return "survives"
    return "depends on the pairing" if low < alpha else "not supported"


def _assumption_clause(row: pd.Series, result: str, alpha: float, test: str) -> str:
    """What changes when the assumed cells take every value the report allows (published study only)."""
    completions = int(row.get("completions", 1)) if pd.notna(row.get("completions", np.nan)) else 1
    if completions <= 1 or pd.isna(row.get(f"{test}_p_min_all", np.nan)):
        return ""
    low_all, high_all = float(row[f"{test}_p_min_all"]), float(row[f"{test}_p_max_all"])
    span = f"{_p_range(low_all, high_all)} over all {completions} combinations of count tables the report allows"
    short = f"{_p_range(low_all, high_all)} over all {completions} combinations"
    if result == "survives" and row["expected"] != "none":
        if high_all < alpha:
            return f" This does not depend on the reconstruction's assumptions ({span})."
        return f" It does depend on the reconstruction's assumptions: {span}."
    if result == "survives":
        if low_all >= alpha:
            return f" This does not depend on the reconstruction's assumptions ({span})."
        return f" Other count tables the report allows could show a difference: {span}."
    if low_all < alpha:
        return f" Other count tables the report allows (not the default ones) could make it significant: {short}."
    return f" No assumption the report allows changes this ({span})."


def conclusion_sentence(row: pd.Series, alpha: float = 0.05, test: str = "wilcoxon") -> str:
    """A plain statement of whether the report's claim survives, generated from one :func:`comparison_table` row."""
    name = "Wilcoxon signed-rank" if test == "wilcoxon" else "sign"
    other = "sign" if test == "wilcoxon" else "wilcoxon"
    pct = f"{100 * alpha:g} %"
    observed_pairs = row.get("pairing") == "observed"
    where = (
        "for the observed pairs"
        if observed_pairs
        else f"over all {int(row['pairings'])} pairings of answers consistent with the two published distributions"
    )
    p_main = _p_range(float(row[f"{test}_p_min"]), float(row[f"{test}_p_max"]))
    p_other = _p_range(float(row[f"{other}_p_min"]), float(row[f"{other}_p_max"]))
    head = (
        f"{row['label_en']} ({row['item_a']} vs {row['item_b']}): mean score {row['mean_a']:.2f} vs "
        f"{row['mean_b']:.2f}; {name} test {p_main} {where} ({'Wilcoxon' if other == 'wilcoxon' else other} "
        f"test {p_other})."
    )
    result = verdict(row, alpha, test)
    pairing = "for the observed pairs" if observed_pairs else "whatever the pairing"
    any_pairing = "for the observed pairs" if observed_pairs else "for any consistent pairing"
    if row["expected"] == "none":
        body = {
            "survives": (
                f"The report sees no difference, and no difference is significant at {pct} {pairing} "
                f"(which, with N = {int(row['n'])}, is absence of evidence rather than evidence of equality)."
            ),
            "depends on the pairing": (
                f"The report sees no difference, but some pairings would make one significant at {pct}: "
                "the claim rests on how the answers pair up."
            ),
            "contradicted": f"The report sees no difference, but the difference is significant at {pct} {pairing}.",
        }[result]
    else:
        claim = (
            f"the claim that {row['item_a']} scores {'higher' if row['expected'] == 'a>b' else 'lower'} "
            f"than {row['item_b']}"
        )
        direction = (
            "the means differ in the claimed direction"
            if row["observed"] == row["expected"]
            else "the means do not even differ in the claimed direction"
        )
        body = {
            "survives": f"SURVIVES: {claim} holds at the {pct} level {pairing}.",
            "depends on the pairing": (
                f"UNDECIDED: {direction}, but {claim} is significant at {pct} only for some pairings, "
                "so the published numbers cannot confirm it."
            ),
            "not supported": (
                f"DOES NOT SURVIVE as a general finding: {direction}, but {claim} is not significant at {pct} "
                f"{any_pairing}; with N = {int(row['n'])} it describes these respondents only."
            ),
            "contradicted": f"CONTRADICTED: {claim} is refuted at {pct} {pairing}.",
        }[result]
    return f"{head} {body}{_assumption_clause(row, result, alpha, test)}"


def conclusions(table: pd.DataFrame, alpha: float = 0.05, test: str = "wilcoxon") -> list[str]:
    """:func:`conclusion_sentence` for every row of a :func:`comparison_table`."""
    return [conclusion_sentence(row, alpha, test) for _, row in table.iterrows()]


VIEWS = {
    "means": ["comparison_id", "item_a", "item_b", "expected", "observed", "mean_a", "mean_b", "mean_diff_min",
              "mean_diff_max"],
    "paired tests over pairings": ["comparison_id", "pairing", "pairings", "sign_p_min", "sign_p_max",
                                   "wilcoxon_p_min", "wilcoxon_p_max"],
    "extreme pairings": ["comparison_id", "sign_p_comonotone", "wilcoxon_p_comonotone", "sign_p_countermonotone",
                         "wilcoxon_p_countermonotone"],
    "unpaired (for contrast only)": ["comparison_id", "mannwhitney_u", "mannwhitney_p"],
    "over every count table the report allows": ["comparison_id", "completions", "sign_p_min_all", "sign_p_max_all",
                                                 "wilcoxon_p_min_all", "wilcoxon_p_max_all"],
}  # fmt: skip


def comparison_views(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The comparison table split into narrow views for printing (columns absent from *table* are left out)."""
    views = {title: table[[c for c in columns if c in table.columns]] for title, columns in VIEWS.items()}
    if table.empty or table["pairing"].eq("observed").all():
        views.pop("extreme pairings")
        views.pop("over every count table the report allows")
    return views
