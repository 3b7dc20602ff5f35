"""Tests for two sets of Likert scores: paired sign and Wilcoxon tests, unpaired Mann-Whitney U.

Each test chooses its method by size -- exact where exact is cheap, a well-established approximation beyond
a documented threshold -- and returns the method it used (``*_method``), so every table can say how each
p-value was obtained.  The cost of every test is bounded for any N from 1 to 100,000.

* **sign test** (the primary paired test: it uses only the order of the answers, which is all an ordinal
  Likert scale gives) -- :func:`scipy.stats.binomtest` on the counts of positive and negative differences
  (zero differences dropped): exact for every N (its cost grows linearly with N).
* **Wilcoxon signed-rank** (secondary: it ranks the *sizes* of the differences, which assumes the distance
  between adjacent answer categories is the same everywhere) -- :func:`scipy.stats.wilcoxon` with
  ``zero_method="wilcox"``: exact null distribution without ties or zeros up to
  ``WILCOXON_EXACT_MAX_UNTIED`` = 50 differences; with ties exact enumeration of all sign flips up to
  ``WILCOXON_EXACT_MAX_TIED`` = 13 non-zero differences (``method=PermutationMethod``); beyond that the normal
  approximation with tie correction (``method="approx"``).  All differences zero gives p = 1.
* **Mann-Whitney U** (unpaired) -- exact permutation p-value with ties (:func:`mannwhitney_exact_p`, a
  recursion over tie groups; SciPy's ``method="exact"`` ignores ties) while n1 * n2 <=
  ``MANNWHITNEY_EXACT_MAX_PRODUCT`` = 900 (e.g. 30 per group; about 0.2 s); beyond that
  :func:`scipy.stats.mannwhitneyu` with ``method="asymptotic"`` (normal approximation with tie correction
  and continuity correction).  tests/test_comparisons.py checks the two agree at N = 60.

:func:`sign_p` and :func:`wilcoxon_p` are fast cached exact p-values used inside the pairing enumeration
(:mod:`~samskab_analysis.stats.pairings`); they match statsmodels' and SciPy's values (tests/test_comparisons.py).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import defaultdict
from functools import cache, lru_cache

import numpy as np
from scipy import stats

WILCOXON_EXACT_MAX_UNTIED = 50
WILCOXON_EXACT_MAX_TIED = 13
MANNWHITNEY_EXACT_MAX_PRODUCT = 900
SIGN_METHOD = "exact binomial (scipy.stats.binomtest); zero differences dropped"


def wilcoxon_test(d: np.ndarray) -> tuple[float, float, str]:
    """(statistic, two-sided p, method) of the Wilcoxon signed-rank test of the differences *d* (size-chosen)."""
    d = np.asarray(d, dtype=float)
    nonzero = d[d != 0]
    if len(nonzero) == 0:
        return 0.0, 1.0, "no non-zero differences: p = 1"
    ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
    if not ties and len(nonzero) <= WILCOXON_EXACT_MAX_UNTIED:
        method, how = "exact", "exact null distribution"
    elif ties and len(nonzero) <= WILCOXON_EXACT_MAX_TIED:
        method, how = stats.PermutationMethod(n_resamples=np.inf), "exact: all sign flips enumerated (ties)"
    else:
        method, how = "approx", "normal approximation with tie correction"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.wilcoxon(nonzero, zero_method="wilcox", alternative="two-sided", method=method)
    return float(result.statistic), float(min(1.0, result.pvalue)), how + "; zero differences dropped"

# --- paired tests on real pairs -------------------------------------------------------------------------


def paired_tests(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Sign test and Wilcoxon signed-rank test of the paired scores *x* and *y* (same respondents, same order).

    NaN in either (unscored: don't know, no answer) drops that pair.  Zero differences are dropped by both
    tests.  Returns n_pairs, n_positive, n_negative, n_zero, mean_diff, median_diff, sign_statistic (M of
    statsmodels: (n_positive - n_negative) / 2), sign_p (exact binomial, two-sided), sign_method,
    wilcoxon_statistic (SciPy: the smaller of the positive- and negative-rank sums), wilcoxon_p (two-sided) and
    wilcoxon_method (how the p-value was obtained, chosen by size: see the module docstring).
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
            sign_method=SIGN_METHOD,
            wilcoxon_statistic=0.0,
            wilcoxon_p=1.0,
            wilcoxon_method="no non-zero differences: p = 1",
        )
        return out
    w_stat, w_p, how = wilcoxon_test(d)
    out.update(
        sign_statistic=(out["n_positive"] - out["n_negative"]) / 2,
        sign_p=sign_p(out["n_positive"], out["n_negative"]),
        sign_method=SIGN_METHOD,
        wilcoxon_statistic=w_stat,
        wilcoxon_p=w_p,
        wilcoxon_method=how,
    )
    return out


def mannwhitney_exact_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided exact permutation p-value of the Mann-Whitney U test, ties included (mid-ranks).

    Counts every split of the pooled values into samples of the two sizes by a recursion over tie groups
    (choosing t of a group of size g happens C(g, t) ways), so it is exact and fast; it equals
    :func:`scipy.stats.mannwhitneyu` with ``method=PermutationMethod(n_resamples=np.inf)``.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    values = np.unique(np.concatenate([x, y]))
    counts_x = tuple(int(v) for v in (x[:, None] == values[None, :]).sum(axis=0))
    counts_y = tuple(int(v) for v in (y[:, None] == values[None, :]).sum(axis=0))
    return mannwhitney_exact_p_counts(counts_x, counts_y)


@lru_cache(maxsize=65_536)
def _null_by_ties(sizes: tuple[int, ...], n1: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Null distribution of twice the first sample's rank sum for tie groups of *sizes* (in value order):
    (sorted distinct values, number of splits giving each, total number of splits)."""
    ends = np.cumsum(sizes)
    twice_mid = [int(2 * e - s + 1) for e, s in zip(ends, sizes, strict=True)]
    ways: dict[tuple[int, int], int] = {(0, 0): 1}
    for size, mid in zip(sizes, twice_mid, strict=True):
        step: dict[tuple[int, int], int] = defaultdict(int)
        for (k, total), w in ways.items():
            for t in range(min(int(size), n1 - k) + 1):
                step[(k + t, total + mid * t)] += w * math.comb(int(size), t)
        ways = step
    final = sorted((total, w) for (k, total), w in ways.items() if k == n1)
    splits = math.comb(int(sum(sizes)), n1)
    return np.array([t for t, _ in final]), np.array([w for _, w in final], dtype=object), splits


@lru_cache(maxsize=262_144)
def mannwhitney_exact_p_counts(counts_x: tuple[int, ...], counts_y: tuple[int, ...]) -> float:
    """:func:`mannwhitney_exact_p` from the two samples' counts per ordered answer category (cached: a
    simulation of ordinal answers repeats the same tables)."""
    groups = [(a, b) for a, b in zip(counts_x, counts_y, strict=True) if a + b > 0]
    sizes = tuple(a + b for a, b in groups)
    n1 = sum(a for a, _ in groups)
    totals, weights, splits = _null_by_ties(sizes, n1)
    ends = np.cumsum(sizes)
    observed = sum(a * int(2 * e - s + 1) for (a, _), e, s in zip(groups, ends, sizes, strict=True))
    less = sum(weights[totals <= observed]) / splits
    greater = sum(weights[totals >= observed]) / splits
    return float(min(1.0, 2 * min(less, greater)))


def mannwhitney_test(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """(U of *x*, two-sided p, method) of the Mann-Whitney U test; exact with ties while cheap, else asymptotic."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asymptotic = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
    if len(x) * len(y) <= MANNWHITNEY_EXACT_MAX_PRODUCT:
        return float(asymptotic.statistic), mannwhitney_exact_p(x, y), "exact permutation (ties included)"
    how = f"normal approximation with tie correction (n1 * n2 > {MANNWHITNEY_EXACT_MAX_PRODUCT})"
    return float(asymptotic.statistic), float(asymptotic.pvalue), how


def unpaired_test(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Mann-Whitney U of *x* vs *y* as if they were independent samples (NaN dropped), size-chosen p-value.

    U is SciPy's statistic for *x*; the p-value is exact (:func:`mannwhitney_exact_p`) up to
    ``MANNWHITNEY_EXACT_MAX_PRODUCT``, asymptotic beyond; ``mannwhitney_method`` says which.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return {"mannwhitney_u": float("nan"), "mannwhitney_p": float("nan"), "mannwhitney_method": "no answers"}
    u, p, how = mannwhitney_test(x, y)
    return {"mannwhitney_u": u, "mannwhitney_p": p, "mannwhitney_method": how}


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
