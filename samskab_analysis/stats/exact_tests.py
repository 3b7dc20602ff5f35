"""Exact tests for two sets of Likert scores: paired sign and Wilcoxon tests, unpaired Mann-Whitney U.

* **sign test** -- :func:`statsmodels.stats.descriptivestats.sign_test` on the differences; pairs with a
  zero difference are dropped; exact binomial p-value;
* **Wilcoxon signed-rank** -- :func:`scipy.stats.wilcoxon` with ``zero_method="wilcox"`` (zero differences
  dropped, as in the sign test) and ``method="auto"``: for up to 13 non-zero differences with ties SciPy
  enumerates all sign flips (an exact permutation p-value that respects the ties); without ties it uses the
  exact null distribution.  All differences zero gives p = 1.
* **Mann-Whitney U** (unpaired, for contrast only) -- U from :func:`scipy.stats.mannwhitneyu`, exact
  permutation p-value with ties (:func:`mannwhitney_exact_p`).

:func:`sign_p` and :func:`wilcoxon_p` are fast cached exact p-values used inside the pairing enumeration
(:mod:`~samskab_analysis.stats.pairings`); they match statsmodels' and SciPy's values (tests/test_comparisons.py).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import defaultdict
from functools import cache

import numpy as np
from scipy import stats
from statsmodels.stats.descriptivestats import sign_test

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
