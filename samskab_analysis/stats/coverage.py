"""Actual coverage of every interval method the package offers, for a given N and number of categories.

Coverage is the probability that the interval(s) contain the true share(s) when N answers are drawn from a true
distribution p (multinomial).  It is measured, not assumed:

* **exact enumeration** while the number of possible outcomes C(N + k - 1, k - 1) is at most
  ``EXACT_MAX_OUTCOMES`` (N = 10 with k = 6 categories: 3,003 outcomes): coverage = the sum of the multinomial
  probabilities of the outcomes whose intervals cover p.  Every method here is permutation-equivariant (an
  interval depends on its own count and on the multiset of the other counts), so intervals are computed once
  per sorted outcome;
* **seeded simulation** beyond that: ``draws`` multinomial samples per true distribution (seed ``SEED``) for the
  first ``SIMULATED_GRID`` distributions of the grid, with the Monte Carlo standard error sqrt(c (1 - c) / draws)
  reported.  Sison-Glaz costs about 1 s per interval
  at N = 1,000, so it is measured by simulation only up to N = ``SISON_GLAZ_MAX_SIMULATED_N``; beyond, its
  coverage is reported as not measured.  The cost of every route is bounded for any N up to 100,000.

The minimum over such a grid is *not* the method's minimum coverage: true distributions between grid points can
do worse.  :func:`with_simplex_minimum` adds the minimum over every distribution
(:mod:`samskab_analysis.stats.coverage_minimum`: proven for one share, a searched upper bound for several),
and every label the package prints uses that one.

``simultaneous`` coverage asks that *all* k intervals cover at once (what a reader of a whole bar chart needs);
``marginal`` coverage is the smallest per-category coverage (what a single-share interval promises).  Nominal
is 1 - alpha for the simultaneous methods' simultaneous coverage and for the single-share methods' marginal one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import gammaln

from samskab_analysis.data.count_table import MISSING
from samskab_analysis.reconstruct.counts import compositions
from samskab_analysis.stats.coverage_minimum import coverage_minimum
from samskab_analysis.stats.interval_methods import MULTINOMIAL_METHODS, SINGLE_METHODS, outcome_bounds
from samskab_analysis.study import Study

EXACT_MAX_OUTCOMES = 5_005
SEED = 20261127
DRAWS = 1_000
SISON_GLAZ_MAX_SIMULATED_N = 30
SIMULATED_GRID = 12
COVERAGE_METHODS = (*SINGLE_METHODS, *MULTINOMIAL_METHODS)


def plausible_grid(tables: np.ndarray, mix: float = 0.1) -> np.ndarray:
    """True distributions like the observed ones: each count table's shares mixed with *mix* of the uniform
    distribution (so no category has probability 0)."""
    tables = np.atleast_2d(np.asarray(tables, dtype=float))
    shares = tables / tables.sum(axis=1, keepdims=True)
    return np.unique(((1 - mix) * shares + mix / tables.shape[1]).round(12), axis=0)


def distribution_grid(k: int, size: int = 40, seed: int = SEED) -> np.ndarray:
    """Plausible true distributions over *k* categories: the uniform one plus *size* seeded Dirichlet(1) draws."""
    rng = np.random.default_rng(seed)
    return np.vstack([np.full(k, 1.0 / k), rng.dirichlet(np.ones(k), size=size)])


def _log_pmf(outcomes: np.ndarray, p: np.ndarray) -> np.ndarray:
    """log multinomial probabilities: rows of *outcomes* (M x k) under each row of *p* (G x k) -> G x M."""
    n = outcomes.sum(axis=1)
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    terms = np.where(outcomes[None, :, :] > 0, outcomes[None, :, :] * logp[:, None, :], 0.0)
    return gammaln(n + 1)[None, :] - gammaln(outcomes + 1).sum(axis=1)[None, :] + terms.sum(axis=2)


def _covered(bounds: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(all categories covered: G x M, each category covered: G x M x k) for bounds M x k x 2 and p G x k."""
    eps = 1e-12
    each = (bounds[None, :, :, 0] <= p[:, None, :] + eps) & (p[:, None, :] <= bounds[None, :, :, 1] + eps)
    return each.all(axis=2), each


def exact_coverage(method: str, n: int, p: np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
    """Exact simultaneous and marginal coverage of *method* at *n* for each true distribution (row of *p*).

    Enumerates all C(n + k - 1, k - 1) outcomes (raises ValueError beyond ``EXACT_MAX_OUTCOMES``).
    Columns: distribution, simultaneous, marginal (the smallest per-category coverage).
    """
    p = np.atleast_2d(np.asarray(p, dtype=float))
    k = p.shape[1]
    if math.comb(n + k - 1, k - 1) > EXACT_MAX_OUTCOMES:
        raise ValueError(f"{math.comb(n + k - 1, k - 1)} outcomes for N = {n}, k = {k}: use simulated_coverage")
    outcomes = compositions(n, k)
    bounds = outcome_bounds(outcomes, method, alpha)
    prob = np.exp(_log_pmf(outcomes, p))
    all_cov, each = _covered(bounds, p)
    simultaneous = (prob * all_cov).sum(axis=1)
    marginal = np.einsum("gm,gmk->gk", prob, each).min(axis=1)
    return pd.DataFrame({"distribution": range(len(p)), "simultaneous": simultaneous, "marginal": marginal})


def simulated_coverage(
    method: str, n: int, p: np.ndarray, alpha: float = 0.05, draws: int = DRAWS, seed: int = SEED
) -> pd.DataFrame:
    """Coverage by seeded simulation (*draws* samples per distribution), with its Monte Carlo standard error."""
    p = np.atleast_2d(np.asarray(p, dtype=float))
    rng = np.random.default_rng(seed)
    rows = []
    for g, dist in enumerate(p):
        outcomes = rng.multinomial(n, dist, size=draws)
        bounds = outcome_bounds(outcomes, method, alpha)
        all_cov, each = _covered(bounds, dist[None, :])
        sim = float(all_cov.mean())
        rows.append(
            {
                "distribution": g,
                "simultaneous": sim,
                "marginal": float(each[0].mean(axis=0).min()),
                "mc_se": math.sqrt(max(sim * (1 - sim), 0.25 / draws) / draws),
            }
        )
    return pd.DataFrame(rows)


def coverage_table(
    n: int, k: int, grid: np.ndarray | None = None, alpha: float = 0.05, methods=COVERAGE_METHODS, draws: int = DRAWS
) -> pd.DataFrame:
    """Per method: nominal vs measured coverage at *n* with *k* categories over *grid* (default
    :func:`distribution_grid`).

    Columns: method, kind (``single share`` / ``simultaneous``), n, k, nominal, coverage_kind (which coverage
    the nominal level promises), min_coverage, max_coverage, min_simultaneous, below_nominal, route (how it was
    measured), mc_se (largest Monte Carlo standard error; 0 for exact enumeration).  A simulated minimum counts
    as below nominal only when it is more than 3 standard errors below it (the minimum of noisy estimates is
    biased low).
    """
    grid = distribution_grid(k) if grid is None else np.atleast_2d(grid)
    exact = math.comb(n + k - 1, k - 1) <= EXACT_MAX_OUTCOMES
    if not exact:
        grid = grid[:SIMULATED_GRID]
    rows = []
    for method in methods:
        kind = "single share" if method in SINGLE_METHODS else "simultaneous"
        promised = "marginal" if kind == "single share" else "simultaneous"
        base = {"method": method, "kind": kind, "n": n, "k": k, "nominal": 1 - alpha, "coverage_kind": promised}
        if not exact and method == "sison-glaz" and n > SISON_GLAZ_MAX_SIMULATED_N:
            rows.append({**base, "min_coverage": np.nan, "max_coverage": np.nan, "min_simultaneous": np.nan,
                         "below_nominal": pd.NA, "route": f"not measured (Sison-Glaz too slow above N = "
                         f"{SISON_GLAZ_MAX_SIMULATED_N})", "mc_se": np.nan})  # fmt: skip
            continue
        if exact:
            cov = exact_coverage(method, n, grid, alpha)
            route, se = f"exact enumeration of {math.comb(n + k - 1, k - 1)} outcomes", 0.0
        else:
            cov = simulated_coverage(method, n, grid, alpha, draws)
            route, se = f"simulation: {draws} draws per distribution, seed {SEED}", float(cov["mc_se"].max())
        values = cov[promised]
        rows.append(
            {
                **base,
                "min_coverage": float(values.min()),
                "max_coverage": float(values.max()),
                "min_simultaneous": float(cov["simultaneous"].min()),
                "below_nominal": bool(values.min() < 1 - alpha - 3 * se),
                "route": route,
                "mc_se": se,
            }
        )
    return pd.DataFrame(rows)


def with_simplex_minimum(table: pd.DataFrame) -> pd.DataFrame:
    """*table* (:func:`coverage_table` rows) plus the smallest coverage over **every** true distribution:

    ``simplex_min`` (single share: the proven infimum; simultaneous: the exact coverage at the worst distribution
    a search of the whole simplex found, so the minimum is at most this), ``simplex_bound`` (``exact`` /
    ``upper`` / ``none``), ``minimiser`` (the distribution, or the share approached) and ``proven_lower``
    (Bonferroni-Clopper-Pearson: 1 - alpha); ``below_nominal`` then uses ``simplex_min`` where it is known.
    """
    rows = []
    for _, row in table.iterrows():
        found = coverage_minimum(str(row["method"]), int(row["n"]), int(row["k"]),
                                 round(1 - float(row["nominal"]), 12))  # fmt: skip
        rows.append({"simplex_min": found.minimum, "simplex_bound": found.bound,
                     "minimiser": found.shown_p() if found.p else "", "proven_lower": found.proven_lower})  # fmt: skip
    out = pd.concat([table.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
    known = out["simplex_bound"] != "none"
    out.loc[known, "below_nominal"] = out.loc[known, "simplex_min"] < out.loc[known, "nominal"]
    return out


def study_coverage(study_n: int, category_counts: dict[int, np.ndarray], alpha: float = 0.05,
                   draws: int = DRAWS) -> pd.DataFrame:  # fmt: skip
    """:func:`coverage_table` at *study_n* for each number of categories k, over two grids of true distributions:
    ``study-like`` (the study's own count tables with k categories, ``category_counts[k]``, mixed with 10 % of
    the uniform distribution: :func:`plausible_grid`) and ``random`` (the uniform distribution and 40 seeded
    Dirichlet(1) draws: :func:`distribution_grid`, which includes near-empty categories)."""
    frames = []
    for k, tables in sorted(category_counts.items()):
        for name, grid in (("study-like", plausible_grid(tables)), ("random", distribution_grid(k))):
            part = coverage_table(study_n, k, grid, alpha, draws=draws)
            part = with_simplex_minimum(part)
            frames.append(part.assign(grid=name, distributions=min(len(grid), len(grid) if part["mc_se"].max() == 0
                                                                   else SIMULATED_GRID)))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def coverage_for_study(study: Study, alpha: float = 0.05, draws: int = DRAWS) -> pd.DataFrame:
    """:func:`study_coverage` at the study's N for each scale size among its items ('no answer' left out), with
    distributions like the study's own items."""
    tables: dict[int, list[np.ndarray]] = {}
    for item_id in study.instrument.item_ids:
        rows = study.item_counts(item_id)
        rows = rows[~rows["category_id"].isin(MISSING)]
        if rows.empty or rows["count"].sum() == 0:
            continue
        tables.setdefault(len(rows), []).append(rows["count"].to_numpy(dtype=float))
    return study_coverage(study.n, {k: np.vstack(v) for k, v in tables.items()}, alpha, draws)
