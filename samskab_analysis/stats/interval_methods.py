"""Interval methods for shares: single-share (Clopper-Pearson, Wilson) and simultaneous (Bonferroni-adjusted
Clopper-Pearson, Goodman, Sison-Glaz).  Pure functions on counts; :mod:`samskab_analysis.stats.intervals` applies
them to a study and :mod:`samskab_analysis.stats.coverage` measures their coverage.  Each works for any N
(Sison-Glaz through the vectorised :mod:`samskab_analysis.stats.sison_glaz`)."""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from statsmodels.stats.proportion import multinomial_proportions_confint, proportion_confint

from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.stats.sison_glaz import sison_glaz_intervals

SINGLE_METHODS = {"clopper-pearson": "beta", "wilson": "wilson"}
MULTINOMIAL_METHODS = ("bonferroni-cp", "goodman", "sison-glaz")
DEFAULT_SIMULTANEOUS = "bonferroni-cp"
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


def bonferroni_cp(counts: list[int] | np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Clopper-Pearson interval at level alpha / k for each of the k categories (simultaneous >= 1 - alpha)."""
    counts = np.asarray(counts, dtype=int)
    n = int(counts.sum())
    lo, hi = proportion_confint(counts, n, alpha=alpha / len(counts), method="beta")
    return np.clip(np.column_stack([lo, hi]).astype(float), 0.0, 1.0)


def multinomial_intervals(
    counts: list[int] | np.ndarray, method: str = DEFAULT_SIMULTANEOUS, alpha: float = 0.05
) -> tuple[np.ndarray, str, str]:
    """Simultaneous intervals for every category of one distribution.

    Returns ``(bounds, method_used, note)`` where *bounds* has one ``[lower, upper]`` row per category.
    Never raises for valid counts: a failing or degenerate Sison-Glaz result falls back to Goodman.
    """
    counts = np.asarray(counts, dtype=int)
    k, n = len(counts), int(counts.sum())
    if n == 0:
        return np.full((k, 2), np.nan), method, "no respondents"
    if method == "bonferroni-cp":
        note = f"bonferroni-cp: Clopper-Pearson at alpha/{k} per category; simultaneous coverage >= {1 - alpha:g}"
        return bonferroni_cp(counts, alpha), "bonferroni-cp", note
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


@lru_cache(maxsize=200_000)
def _bounds_sorted(sorted_counts: tuple[int, ...], method: str, alpha: float) -> np.ndarray:
    counts = np.array(sorted_counts, dtype=int)
    if method in SINGLE_METHODS:
        n = int(counts.sum())
        return np.array([proportion_interval(int(c), n, method, alpha) for c in counts], dtype=float).reshape(-1, 2)
    return multinomial_intervals(counts, method, alpha)[0]


def outcome_bounds(outcomes: np.ndarray, method: str, alpha: float = 0.05) -> np.ndarray:
    """Interval bounds (outcomes x k x 2) of *method* for every row of *outcomes*.

    Clopper-Pearson, Wilson and Bonferroni-Clopper-Pearson are computed for all outcomes at once; Goodman and
    Sison-Glaz once per sorted outcome (they are permutation-equivariant).
    """
    if method in SINGLE_METHODS or method == "bonferroni-cp":
        n = outcomes.sum(axis=1, keepdims=True)
        level = alpha / outcomes.shape[1] if method == "bonferroni-cp" else alpha
        how = "beta" if method == "bonferroni-cp" else SINGLE_METHODS[method]
        lo, hi = proportion_confint(outcomes, np.broadcast_to(n, outcomes.shape), alpha=level, method=how)
        return np.clip(np.stack([lo, hi], axis=-1).astype(float), 0.0, 1.0)
    out = np.empty((*outcomes.shape, 2), dtype=float)
    for r, row in enumerate(outcomes):
        order = np.argsort(row, kind="stable")
        bounds = _bounds_sorted(tuple(int(v) for v in row[order]), method, alpha)
        out[r, order] = bounds
    return out
