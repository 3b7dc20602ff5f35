"""The smallest coverage of an interval method over *every* true distribution, not over a chosen grid.

Coverage as a function of the true distribution p is piecewise polynomial: it jumps only where p crosses an
interval endpoint.  Two routes, each named in its result (``route``):

* **single share** (Clopper-Pearson, Wilson; coverage of one share does not depend on the number of
  categories): the exact infimum over p in [0, 1], **proven**.  Between two consecutive endpoints the set of
  outcomes x whose interval covers p is a fixed run lo..hi, so coverage there is P(lo <= X <= hi) for
  X ~ Binomial(n, p), whose derivative n [b(lo - 1; n - 1, p) - b(hi; n - 1, p)] changes sign at most once
  (from + to -): it has no interior minimum, so the infimum over a piece is one of its two one-sided limits at
  the endpoints.  At an endpoint itself the (closed) intervals cover at least the outcomes of both neighbouring
  pieces, so the infimum over [0, 1] is the smallest one-sided limit over all pieces (:func:`single_share_minimum`).
  It may not be attained: coverage *falls to* it as p approaches ``p`` from the side ``side``.
* **simultaneous** (Goodman, Sison-Glaz, Bonferroni-Clopper-Pearson over k categories): exact coverage by
  enumeration of every outcome at each p, minimised over the simplex by a search -- a lattice of sorted
  distributions (every method here is permutation-equivariant, so sorted p suffice) plus near-degenerate points
  (one or two dominant categories and the others at 10^-4 .. 0.2 on a log grid), then Nelder-Mead from the
  best points (:func:`simplex_search`).  The value found is the exact coverage at a distribution ``p`` shown
  with it, so the true minimum is **at most** this value (``bound = "upper"``).  Bonferroni-Clopper-Pearson
  is in addition **at least** 1 - alpha everywhere (Bonferroni's inequality and Clopper-Pearson's exactness:
  ``proven_lower``).

The search at N = 10 takes about a minute per method, so its results are stored in
``data/raw/analysis/coverage_minima.csv`` by ``scripts/coverage_minima.py`` (a test recomputes the coverage at
every stored minimiser and checks the search on a small case against brute force).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.proportion import proportion_confint

from samskab_analysis.data.csv_reader import read_table
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.reconstruct.counts import compositions
from samskab_analysis.stats.interval_methods import SINGLE_METHODS, outcome_bounds
from samskab_analysis.stats.interval_methods import proportion_interval as _single

MINIMA_FILE = Path("analysis") / "coverage_minima.csv"
MINIMA_COLUMNS = ("method", "n", "k", "alpha", "coverage_kind", "minimum", "bound", "p", "side", "route")
SEARCH_MAX_OUTCOMES = 5_005
#: routes (keys of data/raw/analysis/uncertainty_labels.csv: ``route_<route>``)
PIECEWISE = "piecewise"
SEARCH = "search"
BONFERRONI = "bonferroni"


@dataclass(frozen=True)
class CoverageMinimum:
    """The smallest coverage of *method* at *n* (and *k* categories for simultaneous methods).

    ``bound`` is ``exact`` (a proven infimum), ``upper`` (the true minimum is at most ``minimum``: the exact
    coverage at ``p``) or ``none`` (not determined at this size).  ``proven_lower`` is a proven lower bound
    (Bonferroni-Clopper-Pearson: 1 - alpha), NaN when none is known.  ``side`` (single share): coverage falls
    to ``minimum`` as the true share approaches ``p[0]`` from ``below`` or ``above``.
    """

    method: str
    n: int
    k: int
    alpha: float
    coverage_kind: str
    minimum: float
    bound: str
    p: tuple[float, ...] = field(default_factory=tuple)
    side: str = ""
    route: str = PIECEWISE
    proven_lower: float = float("nan")

    @property
    def nominal(self) -> float:
        return 1 - self.alpha

    def shown_p(self, digits: int = 3, lang: str = "en") -> str:
        """The minimising distribution as text, e.g. ``0.018`` or ``(0.943, 0.011 × 5)`` (Danish and Norwegian:
        ``(0,943; 0,011 × 5)``)."""
        from samskab_analysis.stats.wording import number

        values = [round(v, digits) for v in self.p]
        if len(values) == 1:
            return number(values[0], lang, digits)
        parts: list[str] = []
        i = 0
        while i < len(values):
            j = i
            while j < len(values) and values[j] == values[i]:
                j += 1
            parts.append(number(values[i], lang, digits) + (f" × {j - i}" if j - i > 1 else ""))
            i = j
        return "(" + ("; " if lang in ("da", "no") else ", ").join(parts) + ")"


# --- one share: the proven infimum -------------------------------------------------------------------------


def single_share_bounds(method: str, n: int, alpha: float = 0.05) -> np.ndarray:
    """Interval bounds ((n + 1) x 2) of a single-share *method* for every count 0..n."""
    if method not in SINGLE_METHODS:
        raise ValueError(f"{method} is not a single-share method")
    x = np.arange(n + 1)
    lo, hi = proportion_confint(x, np.full(n + 1, n), alpha=alpha, method=SINGLE_METHODS[method])
    bounds = np.clip(np.column_stack([lo, hi]).astype(float), 0.0, 1.0)
    # rounding error only: Wilson's and Clopper-Pearson's bounds are exactly 0 at x = 0 and 1 at x = n
    bounds = np.where(bounds < 1e-12, 0.0, np.where(bounds > 1 - 1e-12, 1.0, bounds))
    check = _single(n // 3, n, method, alpha)  # the same numbers as the intervals the tables print
    if not np.allclose(bounds[n // 3], check):
        raise AssertionError(f"vectorised {method} bounds differ from proportion_interval at n = {n}")
    return bounds


def _binomial_run(lo: np.ndarray, hi: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
    """P(lo <= X <= hi) for X ~ Binomial(n, p), elementwise (0 where the run is empty)."""
    value = stats.binom.cdf(hi, n, p) - stats.binom.cdf(lo - 1, n, p)
    return np.where(hi >= lo, value, 0.0)


@lru_cache(maxsize=256)
def single_share_minimum(method: str, n: int, alpha: float = 0.05) -> CoverageMinimum:
    """Proven infimum over p in [0, 1] of the coverage of one share's interval (see the module docstring)."""
    if method not in SINGLE_METHODS:
        raise ValueError(f"{method} is not a single-share method")
    bounds = single_share_bounds(method, n, alpha)
    lower, upper = bounds[:, 0], bounds[:, 1]
    if np.any(np.diff(lower) < 0) or np.any(np.diff(upper) < 0):
        raise ValueError(f"{method} bounds are not monotone in the count at n = {n}: the piecewise argument needs it")
    edges = np.unique(np.concatenate([[0.0, 1.0], lower, upper]))
    a, b = edges[:-1], edges[1:]
    mid = (a + b) / 2
    # covering outcomes at the midpoint of each piece: lower <= mid <= upper is a run lo..hi (bounds monotone)
    lo = np.searchsorted(upper, mid, side="left")  # first x with upper(x) >= mid
    hi = np.searchsorted(lower, mid, side="right") - 1  # last x with lower(x) <= mid
    at_a, at_b = _binomial_run(lo, hi, n, a), _binomial_run(lo, hi, n, b)
    values = np.concatenate([at_a, at_b])
    points = np.concatenate([a, b])
    sides = np.array(["above"] * len(a) + ["below"] * len(b))
    value = float(values.min())
    tied = np.flatnonzero(values <= value + 1e-12)
    first = tied[np.argmin(points[tied])]  # the smallest share among (symmetric) ties
    p, side = float(points[first]), str(sides[first])
    return CoverageMinimum(method, n, 1, alpha, "marginal", value, "exact", (p,), side, PIECEWISE)


def single_share_coverage(method: str, n: int, p: np.ndarray | float, alpha: float = 0.05) -> np.ndarray:
    """Exact coverage of one share's interval at each true share *p* (summed over the outcomes 0..n)."""
    p = np.atleast_1d(np.asarray(p, dtype=float))
    bounds = single_share_bounds(method, n, alpha)
    x = np.arange(n + 1)
    covers = (bounds[None, :, 0] <= p[:, None] + 1e-12) & (p[:, None] <= bounds[None, :, 1] + 1e-12)
    return (stats.binom.pmf(x[None, :], n, p[:, None]) * covers).sum(axis=1)


# --- several shares at once: the search over the simplex ----------------------------------------------------


class SimultaneousCoverage:
    """Exact simultaneous coverage of a method at *n*, *k* as a function of p (all outcomes enumerated once)."""

    def __init__(self, method: str, n: int, k: int, alpha: float = 0.05) -> None:
        if math.comb(n + k - 1, k - 1) > SEARCH_MAX_OUTCOMES:
            raise ValueError(f"{math.comb(n + k - 1, k - 1)} outcomes at N = {n}, k = {k}: too many to enumerate")
        self.method, self.n, self.k, self.alpha = method, n, k, alpha
        self.outcomes = compositions(n, k)
        bounds = outcome_bounds(self.outcomes, method, alpha)
        self.lower, self.upper = bounds[:, :, 0], bounds[:, :, 1]
        self._log_coef = math.lgamma(n + 1) - np.array([sum(math.lgamma(c + 1) for c in row) for row in self.outcomes])

    def __call__(self, p: np.ndarray, chunk: int = 512) -> np.ndarray:
        """Coverage at each row of *p* (G x k)."""
        p = np.atleast_2d(np.asarray(p, dtype=float))
        out = np.empty(len(p))
        for start in range(0, len(p), chunk):
            part = p[start : start + chunk]
            with np.errstate(divide="ignore", invalid="ignore"):
                logp = np.log(part)
                terms = np.where(self.outcomes[None] > 0, self.outcomes[None] * logp[:, None, :], 0.0).sum(axis=2)
            prob = np.exp(self._log_coef[None, :] + terms)
            eps = 1e-12
            covered = ((self.lower[None] <= part[:, None, :] + eps) & (part[:, None, :] <= self.upper[None] + eps)).all(
                axis=2
            )
            out[start : start + chunk] = (prob * covered).sum(axis=1)
        return out


def sorted_lattice(k: int, steps: int) -> np.ndarray:
    """Every distribution over *k* categories with shares in multiples of 1/*steps*, sorted descending."""
    rows: list[tuple[int, ...]] = []

    def parts(total: int, slots: int, most: int, head: tuple[int, ...]) -> None:
        if slots == 1:
            if total <= most:
                rows.append((*head, total))
            return
        for first in range(min(total, most), -1, -1):
            if first * slots >= total:
                parts(total - first, slots - 1, first, (*head, first))

    parts(steps, k, steps, ())
    return np.array(rows, dtype=float) / steps


def near_degenerate(k: int, small: np.ndarray | None = None) -> np.ndarray:
    """Distributions with one or two dominant categories and the rest small (log grid 10^-4 .. 0.2)."""
    small = np.geomspace(1e-4, 0.2, 40) if small is None else small
    rows = []
    for eps in small:
        for m in range(1, k):  # m small categories, the rest share what is left
            if m * eps >= 1:
                continue
            big = k - m
            for split in (1.0, 0.75, 0.5):
                if big == 1 and split != 1.0:
                    continue
                left = 1 - m * eps
                heads = [left * split] + [left * (1 - split) / (big - 1)] * (big - 1) if big > 1 else [left]
                rows.append(sorted(heads + [eps] * m, reverse=True))
    return np.array(rows, dtype=float)


def _from_free(z: np.ndarray) -> np.ndarray:
    """Softmax: unconstrained k-vector -> a point of the simplex's interior."""
    w = np.exp(z - z.max())
    return w / w.sum()


def _project(p: np.ndarray) -> np.ndarray:
    """Rows clipped at 0, renormalised and sorted descending (the methods are permutation-equivariant)."""
    p = np.clip(p, 0.0, None)
    p = p / p.sum(axis=1, keepdims=True)
    return -np.sort(-p, axis=1)


SEARCH_SEED = 20261201


def simplex_search(
    method: str, n: int, k: int, alpha: float = 0.05, *, steps: int = 20, random_points: int = 1000,
    starts: int = 20, candidates: int = 200, seed: int = SEARCH_SEED,
) -> CoverageMinimum:
    """Smallest exact simultaneous coverage found over the simplex (an upper bound on the true minimum).

    1. start points: the sorted lattice with step 1/*steps*, near-degenerate points (:func:`near_degenerate`)
       and *random_points* seeded Dirichlet draws for each concentration 0.2, 0.5, 1 and 2;
    2. from the *starts* best: a seeded random local search, *candidates* zero-sum moves per step at scales
       from 0.1 down to 10^-7 (coverage jumps at interval endpoints, so the minimum is approached at the edge
       of a piece: small moves find it);
    3. Nelder-Mead (on a softmax parametrisation) from the 4 best points found.
    """
    rng = np.random.default_rng([seed, n, k])
    coverage = SimultaneousCoverage(method, n, k, alpha)
    random = [rng.dirichlet(np.full(k, a), size=random_points) for a in (0.2, 0.5, 1.0, 2.0)]
    grid = _project(np.vstack([sorted_lattice(k, steps), near_degenerate(k), *random]))
    values = coverage(grid)
    order = np.argsort(values, kind="stable")[:starts]
    found = [(float(values[i]), grid[i]) for i in order]
    refined = []
    for value, p in found:
        for scale in np.geomspace(0.1, 1e-7, 14):
            for _ in range(2):
                moves = rng.standard_normal((candidates, k))
                moves -= moves.mean(axis=1, keepdims=True)
                trial = _project(p[None] + scale * moves)
                trial_values = coverage(trial)
                i = int(np.argmin(trial_values))
                if trial_values[i] < value:
                    value, p = float(trial_values[i]), trial[i]
        refined.append((value, p))
    refined.sort(key=lambda t: t[0])
    best, best_p = refined[0]
    for _, p in refined[:4]:
        z0 = np.log(np.clip(p, 1e-9, None))
        result = optimize.minimize(lambda z: float(coverage(_from_free(z)[None])[0]), z0, method="Nelder-Mead",
                                   options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 800})  # fmt: skip
        q = _project(_from_free(result.x)[None])[0]
        value = float(coverage(q[None])[0])
        if value < best:
            best, best_p = value, q
    proven = 1 - alpha if method == "bonferroni-cp" else float("nan")
    return CoverageMinimum(method, n, k, alpha, "simultaneous", best, "upper", tuple(float(v) for v in best_p), "",
                           SEARCH, proven)  # fmt: skip


# --- the stored results and one entry point ------------------------------------------------------------------


def load_minima(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """``coverage_minima.csv`` (written by ``scripts/coverage_minima.py``)."""
    path = Path(data_dir) / MINIMA_FILE
    if not path.exists():
        return pd.DataFrame(columns=MINIMA_COLUMNS)
    frame = read_table(path, MINIMA_COLUMNS, what="coverage minima")
    return frame[list(MINIMA_COLUMNS)]


def minimum_row(result: CoverageMinimum) -> dict[str, object]:
    """One row of ``coverage_minima.csv``."""
    return {"method": result.method, "n": result.n, "k": result.k, "alpha": f"{result.alpha:g}",
            "coverage_kind": result.coverage_kind, "minimum": f"{result.minimum:.6f}", "bound": result.bound,
            "p": ";".join(f"{v:.17g}" for v in result.p), "side": result.side, "route": result.route}  # fmt: skip


@lru_cache(maxsize=512)
def _stored(method: str, n: int, k: int, alpha: float, data_dir: str) -> CoverageMinimum | None:
    frame = load_minima(data_dir)
    for _, row in frame.iterrows():
        if (row["method"], int(row["n"]), int(row["k"])) == (method, n, k) and math.isclose(float(row["alpha"]), alpha):
            proven = 1 - alpha if method == "bonferroni-cp" else float("nan")
            p = tuple(float(v) for v in str(row["p"]).split(";") if v)
            return CoverageMinimum(method, n, k, alpha, str(row["coverage_kind"]), float(row["minimum"]),
                                   str(row["bound"]), p, str(row["side"]), str(row["route"]), proven)  # fmt: skip
    return None


def coverage_minimum(
    method: str, n: int, k: int, alpha: float = 0.05, data_dir: str | Path = DATA_DIR
) -> CoverageMinimum:
    """The smallest coverage of *method* at *n* (*k* categories) with how it is known (``bound``, ``route``).

    Single-share methods: the proven infimum (any N, any k).  Simultaneous methods: the stored search result,
    or a search now when it is cheap (N <= 6); otherwise ``bound = "none"`` (Bonferroni-Clopper-Pearson keeps
    its proven lower bound 1 - alpha).
    """
    if method in SINGLE_METHODS:
        found = single_share_minimum(method, n, alpha)
        return CoverageMinimum(method, n, k, alpha, found.coverage_kind, found.minimum, found.bound, found.p,
                               found.side, found.route)  # fmt: skip
    stored = _stored(method, n, k, float(alpha), str(data_dir))
    if stored is not None:
        return stored
    if math.comb(n + k - 1, k - 1) <= 462:
        return _search_now(method, n, k, float(alpha))
    proven = 1 - alpha if method == "bonferroni-cp" else float("nan")
    route = BONFERRONI if method == "bonferroni-cp" else SEARCH
    return CoverageMinimum(method, n, k, alpha, "simultaneous", float("nan"), "none", (), "", route, proven)


@lru_cache(maxsize=64)
def _search_now(method: str, n: int, k: int, alpha: float) -> CoverageMinimum:
    return simplex_search(method, n, k, alpha, random_points=250, starts=6, candidates=100)
