"""Sison-Glaz simultaneous multinomial intervals, vectorised over the search for ``c``.

Same method and same search as :func:`statsmodels.stats.proportion.multinomial_proportions_confint`
(``method="sison-glaz"``, statsmodels 0.14): the smallest whole ``c`` with nu(c) <= 1 - alpha < nu(c + 1),
where nu is Sison & Glaz's Edgeworth approximation (their formula (7)), nu(0) = 0 and nu(c) = 1 once
c >= n; then the same interpolation ``gamma``.  statsmodels evaluates nu one ``c`` at a time with scalar
SciPy calls (about 40 Poisson CDFs per category and step), and the solution ``c`` grows like the square root
of N, so one distribution of 100,000 answers took minutes.  Here nu is evaluated for a block of ``c`` values
and all categories at once; the result is the same ``c`` (tests/test_scale.py compares the bounds with
statsmodels').  Raises ``ValueError`` when no ``c`` solves the inequality (statsmodels raises ``Exception``).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

BLOCK = 64


def _between(low: np.ndarray, high: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """P(low <= Z <= high) for Z ~ Poisson(lam), elementwise."""
    return stats.poisson.cdf(high, lam) - stats.poisson.cdf(low - 1, lam)


def _nu(cs: np.ndarray, counts: np.ndarray, n: float) -> np.ndarray:
    """Sison & Glaz's approximate coverage of the boxes [count - c, count + c], one value per ``c`` in *cs*."""
    c = cs[:, None]
    b = np.maximum(counts - c, 0)
    a = np.minimum(counts + c, n)
    lam = np.broadcast_to(counts, b.shape)
    inside = _between(b, a, lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        moments = [
            lam**r * (1 - (_between(a - r + 1, a, lam) - _between(b - r, b - 1, lam)) / inside) for r in range(1, 5)
        ]
        mu_r1, mu_r2, mu_r3, mu_r4 = moments
        mu = mu_r1
        mu2 = mu_r2 + mu - mu**2
        mu3 = mu_r3 + mu_r2 * (3 - 3 * mu) + mu - 3 * mu**2 + 2 * mu**3
        mu4 = mu_r4 + mu_r3 * (6 - 4 * mu) + mu_r2 * (7 - 12 * mu + 6 * mu**2) + mu - 4 * mu**2 + 6 * mu**3 - 3 * mu**4
        s2 = mu2.sum(axis=1)
        g1 = mu3.sum(axis=1) / s2**1.5
        g2 = (mu4.sum(axis=1) - 3 * (mu2**2).sum(axis=1)) / s2**2
        x = (n - mu.sum(axis=1)) / np.sqrt(s2)
        phi = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
        h3, h4, h6 = x**3 - 3 * x, x**4 - 6 * x**2 + 3, x**6 - 15 * x**4 + 45 * x**2 - 15
        f = phi * (1 + g1 * h3 / 6 + g2 * h4 / 24 + g1**2 * h6 / 72) / np.sqrt(s2)
        return np.exp(np.log(inside).sum(axis=1) + np.log(f) - np.log(stats.poisson.pmf(n, n)))


def sison_glaz_intervals(counts: list[int] | np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Simultaneous intervals (one ``[lower, upper]`` row per category), as statsmodels' ``sison-glaz``."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    target = 1 - alpha
    # nu(c) for c = 0, 1, 2, ...: 0 at c = 0, 1 once c >= n (statsmodels' convention), nu otherwise
    start = 0
    previous = 0.0
    while start <= n + 1:
        cs = np.arange(start + 1, start + 1 + BLOCK, dtype=float)
        values = np.ones(len(cs))
        inside = cs < n
        if inside.any():
            values[inside] = _nu(cs[inside], counts, n)
        nuc = np.concatenate([[previous], values[:-1]])
        hits = np.flatnonzero((nuc <= target) & (target < values))
        if len(hits):
            c = float(start + hits[0])
            g = (target - nuc[hits[0]]) / (values[hits[0]] - nuc[hits[0]])
            proportions = counts / n
            lower = np.maximum(proportions - c / n, 0)
            upper = np.minimum(proportions + (c + 2 * g) / n, 1)
            return np.array([lower, upper]).T
        start += BLOCK
        previous = float(values[-1])
    raise ValueError("Couldn't find a value for `c` that solves nu(c) <= 1 - alpha < nu(c + 1)")
