"""Paired-test p-values when only the two items' answer distributions are known (the published study).

The report gives each item's answer distribution, not who answered what, so the pairing of the two items'
answers is unknown.  A pairing is a permutation of one item's answer vector against the other's sorted vector;
two pairings that give the same multiset of (a, b) answer pairs give the same tests, so the distinct pairings
are exactly the item-a x item-b contingency tables with the two published distributions as margins
(:func:`joint_tables`).  With N = 10 they are enumerated completely: row by row, merging partial tables that
leave the same answers of b unpaired and have produced the same differences so far
(:func:`difference_multisets`; the count of pairings per multiset of differences is kept).  The p-values are
reported as the minimum and maximum over all pairings, together with the comonotone pairing (both sorted
ascending, unscored answers last) and the counter-monotone pairing (a ascending, b descending, unscored answers
last) (:func:`pairing_range`).  :func:`assumption_range` repeats the minimum/maximum over every consistent
completion of both items' count tables.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache

import numpy as np

from samskab_analysis.stats.exact_tests import sign_p, wilcoxon_p
from samskab_analysis.stats.sensitivity import item_completions, scale_scores
from samskab_analysis.study import Study

MAX_ASSUMPTION_TABLES = 2_000_000


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


def _directional(diffs: tuple[float, ...], p: float) -> tuple[float, float]:
    """(p if the differences lean a > b else 1, p if they lean a < b else 1): the two-sided sign p as evidence
    for one direction only."""
    pos = sum(1 for v in diffs if v > 0)
    neg = sum(1 for v in diffs if v < 0)
    return (p if pos > neg else 1.0), (p if neg > pos else 1.0)


def score_key(scores: np.ndarray) -> tuple[float, ...]:
    """Scores as a cache key: unscored categories as the one ``math.nan`` object (every NaN is a different key
    otherwise -- NaN != NaN and its hash depends on the object -- and the cache below would never hit)."""
    return tuple(math.nan if np.isnan(s) else float(s) for s in np.asarray(scores, dtype=float))


@lru_cache(maxsize=65_536)
def _pairing_summary(
    counts_a: tuple[int, ...], scores_a: tuple[float, ...], counts_b: tuple[int, ...], scores_b: tuple[float, ...]
) -> dict[str, float]:
    multisets = difference_multisets(np.array(counts_a), np.array(scores_a), np.array(counts_b), np.array(scores_b))
    sign_values, wilcoxon_values = zip(*(_pvalues(d) for d in multisets), strict=True)
    gt, lt = zip(*(_directional(d, p) for d, p in zip(multisets, sign_values, strict=True)), strict=True)
    return {
        "pairings": sum(multisets.values()),
        "sign_p_min": min(sign_values),
        "sign_p_max": max(sign_values),
        "sign_p_gt_min": min(gt),
        "sign_p_gt_max": max(gt),
        "sign_p_lt_min": min(lt),
        "sign_p_lt_max": max(lt),
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

    Returns pairings (number of distinct pairings), sign_p_min/max, sign_p_gt_min/max and sign_p_lt_min/max
    (the sign p as evidence for a > b or a < b only, 1 when the pairing leans the other way),
    wilcoxon_p_min/max, and the p-values of the comonotone (``*_comonotone``) and counter-monotone
    (``*_countermonotone``) pairings.
    """
    key = (
        tuple(int(c) for c in counts_a),
        score_key(scores_a),
        tuple(int(c) for c in counts_b),
        score_key(scores_b),
    )
    out = dict(_pairing_summary(*key))
    xa = expand(counts_a, scores_a)
    for name, xb in (("comonotone", expand(counts_b, scores_b)), ("countermonotone", expand(counts_b, scores_b, True))):
        keep = ~(np.isnan(xa) | np.isnan(xb))
        s, w = _pvalues(tuple(sorted((xa[keep] - xb[keep]).tolist())))
        out[f"sign_p_{name}"] = s
        out[f"wilcoxon_p_{name}"] = w
    return out


EVIDENCE_KEYS = ("sign_p_min", "sign_p_max", "sign_p_gt_min", "sign_p_gt_max", "sign_p_lt_min", "sign_p_lt_max",
                 "wilcoxon_p_min", "wilcoxon_p_max")  # fmt: skip


def pairing_evidence(study: Study, item_a: str, item_b: str) -> dict[str, np.ndarray] | None:
    """Per combination of consistent count tables of both items: the pairing summary (arrays, one entry each).

    Keys are :data:`EVIDENCE_KEYS`; for respondent-level data (one table each, the observed pairs) use
    :func:`observed_evidence` instead.  None when there are more than ``MAX_ASSUMPTION_TABLES`` combinations.
    """
    scores_a, _ = scale_scores(study, item_a)
    scores_b, _ = scale_scores(study, item_b)
    tables_a, tables_b = item_completions(study, item_a), item_completions(study, item_b)
    if len(tables_a) * len(tables_b) > MAX_ASSUMPTION_TABLES:
        return None
    parts = [
        _pairing_summary(tuple(ta.tolist()), score_key(scores_a), tuple(tb.tolist()), score_key(scores_b))
        for ta in tables_a
        for tb in tables_b
    ]
    return {key: np.array([p[key] for p in parts], dtype=float) for key in EVIDENCE_KEYS}


def observed_evidence(sign_p_value: float, n_positive: int, n_negative: int, wilcoxon_p_value: float) -> dict:
    """The evidence arrays of :func:`pairing_evidence` for one observed table and pairing."""
    gt = sign_p_value if n_positive > n_negative else 1.0
    lt = sign_p_value if n_negative > n_positive else 1.0
    values = {"sign_p": sign_p_value, "sign_p_gt": gt, "sign_p_lt": lt, "wilcoxon_p": wilcoxon_p_value}
    out = {key: np.array([values[key.rsplit("_", 1)[0]]]) for key in EVIDENCE_KEYS}
    # the smallest p the sign test could give with this many non-zero differences (all in one direction)
    out["attainable"] = np.array([sign_p(n_positive + n_negative, 0)])
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
            part = _pairing_summary(tuple(ta.tolist()), score_key(scores_a), tuple(tb.tolist()), score_key(scores_b))
            for test in ("sign", "wilcoxon"):
                result[f"{test}_p_min_all"] = min(result[f"{test}_p_min_all"], part[f"{test}_p_min"])
                result[f"{test}_p_max_all"] = max(result[f"{test}_p_max_all"], part[f"{test}_p_max"])
    return {"completions": combos, **result}
