"""Precision planning for the next round: how many respondents, and what difference a test can detect.

* :func:`n_for_halfwidth`: the smallest N from which on a share near *p* (observed count ``round(p N)``)
  has an exact 95 % Clopper-Pearson interval no wider than ``± w`` (half of its width), for every larger N.
* :func:`detectable_shift`: the smallest shift between two waves of ``n1`` and ``n2`` respondents that a
  two-sided Mann-Whitney test (alpha 5 %) detects with 80 % power -- the same test, chosen by size, as the
  waves notebook (:func:`samskab_analysis.stats.exact_tests.mannwhitney_test`): the exact permutation p-value
  with ties while n1 * n2 <= ``MANNWHITNEY_EXACT_MAX_PRODUCT`` (900), the tie-corrected normal approximation
  beyond.
  Simulated from an ordinal shift model: answers are a latent normal cut at thresholds that reproduce the
  baseline distribution of the five degree categories (by default the published study's answers pooled
  over the degree items); the second wave's latent mean is shifted by ``delta`` SD. The same random draws
  (seed ``SEED``) are used for every ``delta`` so power increases with it; the result is reported as the
  difference in the top-2 share and in the mean score (5..1) that the shift implies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from samskab_analysis.data.csv_reader import read_table
from samskab_analysis.paths import DATA_DIR, LANGS
from samskab_analysis.stats.exact_tests import MANNWHITNEY_EXACT_MAX_PRODUCT, mannwhitney_exact_p_counts
from samskab_analysis.study import Study

SEED = 20261127
N_SIMULATIONS = 2000
ALPHA = 0.05
POWER = 0.80
LABELS_FILE = Path("analysis") / "planning_labels.csv"
DEGREE_SCALE = "degree5"


def clopper_pearson_halfwidth(n: np.ndarray | int, p: float, alpha: float = ALPHA) -> np.ndarray:
    """Half the width of the exact interval at observed count ``round(p n)`` for each *n*."""
    n = np.atleast_1d(np.asarray(n, dtype=int))
    x = np.rint(p * n).astype(int)
    lo = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1), n - x + 1), 0.0)
    hi = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(n - x, 1)), 1.0)
    return (hi - lo) / 2


def n_for_halfwidth(p: float, w: float, alpha: float = ALPHA, n_max: int = 20000) -> int:
    """Smallest N such that every N' >= N (up to *n_max*) has a half-width <= *w* at a share near *p*."""
    ns = np.arange(1, n_max + 1)
    ok = clopper_pearson_halfwidth(ns, p, alpha) <= w
    if not ok[-1]:
        raise ValueError(f"no N up to {n_max} gives a half-width of {w} at p = {p}")
    bad = np.flatnonzero(~ok)
    return int(bad[-1] + 2) if len(bad) else 1


def width_table(ns: range | list[int] = range(10, 401), shares: tuple[float, ...] = (0.1, 0.3, 0.5)) -> pd.DataFrame:
    """Half-width of the exact interval by N and share (long)."""
    ns = np.asarray(list(ns))
    rows = [
        pd.DataFrame({"n": ns, "share": p, "halfwidth": clopper_pearson_halfwidth(ns, p)}) for p in shares
    ]
    return pd.concat(rows, ignore_index=True)


def baseline_distribution(study: Study) -> np.ndarray:
    """Share of each substantive degree category (very high .. not at all) pooled over the degree items."""
    counts = study.counts
    degree_items = study.instrument.items.index[study.instrument.items["scale_id"] == DEGREE_SCALE]
    rows = counts[counts["item_id"].isin(degree_items) & counts["score"].notna()]
    pooled = rows.groupby("score")["count"].sum().sort_index(ascending=False)
    return (pooled / pooled.sum()).to_numpy(dtype=float)


def _thresholds(probs: np.ndarray) -> np.ndarray:
    """Latent-normal cut points; categories ordered from the highest score down."""
    cum = np.cumsum(probs[::-1])[:-1]  # lowest category first
    return stats.norm.ppf(np.clip(cum, 1e-9, 1 - 1e-9))


def implied_difference(probs: np.ndarray, delta: float) -> tuple[float, float]:
    """Difference in top-2 share and in mean score (5..1) that a latent shift of *delta* SD implies."""
    cuts = _thresholds(probs)
    cdf = stats.norm.cdf(cuts - delta)
    shifted = np.diff(np.concatenate([[0.0], cdf, [1.0]]))[::-1]  # highest category first
    scores = np.arange(len(probs), 0, -1)
    return float(shifted[:2].sum() - probs[:2].sum()), float(scores @ shifted - scores @ probs)


@dataclass(frozen=True)
class Detectable:
    """The smallest detectable shift between two waves."""

    n1: int
    n2: int
    delta_sd: float
    top2_pp: float
    mean_score: float
    power: float
    test: str


def power_test_method(n1: int, n2: int) -> str:
    """How the simulated Mann-Whitney p-values are computed at these sizes (as in the waves notebook)."""
    return "exact" if n1 * n2 <= MANNWHITNEY_EXACT_MAX_PRODUCT else "asymptotic"


def simulated_pvalues(probs: np.ndarray, delta: float, z1: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """Two-sided Mann-Whitney p-value of every simulated pair of waves (latent draws *z1*, *z2*; one row each),
    computed as :func:`samskab_analysis.stats.exact_tests.mannwhitney_test` does at these sizes."""
    cuts = _thresholds(probs)
    x = np.searchsorted(cuts, z1)  # 0 = lowest category
    y = np.searchsorted(cuts, z2 + delta)
    if power_test_method(z1.shape[1], z2.shape[1]) == "exact":
        k = len(probs)
        cx = np.stack([np.bincount(row, minlength=k) for row in x])
        cy = np.stack([np.bincount(row, minlength=k) for row in y])
        pairs = zip(cx.tolist(), cy.tolist(), strict=True)
        return np.array([mannwhitney_exact_p_counts(tuple(a), tuple(b)) for a, b in pairs])
    with np.errstate(divide="ignore", invalid="ignore"):
        p = stats.mannwhitneyu(x, y, axis=1, alternative="two-sided", method="asymptotic").pvalue
    return np.nan_to_num(p, nan=1.0)


def simulated_power(probs: np.ndarray, n1: int, n2: int, delta: float, z1: np.ndarray, z2: np.ndarray) -> float:
    """Share of simulations (latent draws *z1*, *z2*) in which Mann-Whitney rejects at ALPHA."""
    return float(np.mean(simulated_pvalues(probs, delta, z1, z2) < ALPHA))


def detectable_shift(
    probs: np.ndarray, n1: int, n2: int, power: float = POWER, n_sim: int = N_SIMULATIONS, seed: int = SEED
) -> Detectable:
    """Bisection on the latent shift (0..3 SD, to 0.01 SD) for the smallest one with at least *power*."""
    rng = np.random.default_rng([seed, n1, n2])
    z1, z2 = rng.standard_normal((n_sim, n1)), rng.standard_normal((n_sim, n2))
    lo, hi = 0.0, 3.0
    while hi - lo > 0.01:
        mid = round((lo + hi) / 2, 4)
        if simulated_power(probs, n1, n2, mid, z1, z2) >= power:
            hi = mid
        else:
            lo = mid
    top2, mean = implied_difference(probs, hi)
    return Detectable(n1, n2, round(hi, 2), round(100 * top2, 1), round(mean, 2),
                      simulated_power(probs, n1, n2, hi, z1, z2), power_test_method(n1, n2))


def detectable_table(probs: np.ndarray, sizes: tuple[int, ...] = (10, 20, 40, 60, 100, 150, 200),
                     n_sim: int = N_SIMULATIONS) -> pd.DataFrame:
    """Detectable shift for equal wave sizes."""
    return pd.DataFrame([detectable_shift(probs, n, n, n_sim=n_sim).__dict__ for n in sizes])


def load_planning_labels(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Figure text (``analysis/planning_labels.csv``) indexed by key."""
    return read_table(Path(data_dir) / LABELS_FILE, ("key", *LANGS), what="planning labels").set_index("key")
