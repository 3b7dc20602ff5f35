"""The report's comparisons between two items, tested (definitions in ``data/raw/analysis/comparisons.csv``).

Both items of a comparison were answered by the same respondents, so the tests are paired: the exact sign and
Wilcoxon signed-rank tests of :mod:`samskab_analysis.stats.exact_tests`.

**Published marginals.**  The pairing of the two items' answers is unknown, so the p-values are reported as
ranges over every pairing consistent with the two published distributions (:mod:`samskab_analysis.stats.pairings`).
Cells that the report leaves open take their default (assumed) counts; the ``*_all`` columns repeat the
minimum/maximum over every consistent completion of both items too (``completions`` = number of combinations
of the two items' count tables), which answers how the conclusion changes over the whole assumption space.

An unpaired Mann-Whitney U test is reported for contrast only: it treats the two items as independent samples,
which they are not.

**Respondent-level data** has the real pairs: one exact p-value per test, no ranges.

This module loads the comparisons, builds the comparison table and writes the plain-language conclusions.
The test and pairing functions are re-exported here for existing imports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.csv_reader import (
    LINE,
    check_allowed,
    check_parse,
    check_required_values,
    check_unique,
    read_table,
)
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.stats.exact_tests import mannwhitney_exact_p, paired_tests, sign_p, unpaired_test, wilcoxon_p
from samskab_analysis.stats.indices import analysis_dir, parse_identifier
from samskab_analysis.stats.pairings import (
    MAX_ASSUMPTION_TABLES,
    assumption_range,
    difference_multisets,
    expand,
    joint_tables,
    pairing_range,
)
from samskab_analysis.stats.sensitivity import default_table, item_statistics, scale_scores
from samskab_analysis.study import Study

__all__ = [
    "COMPARISON_COLUMNS",
    "DIRECTIONS",
    "MAX_ASSUMPTION_TABLES",
    "VIEWS",
    "assumption_range",
    "compare",
    "comparison_table",
    "comparison_views",
    "conclusion_sentence",
    "conclusions",
    "difference_multisets",
    "expand",
    "item_scores",
    "joint_tables",
    "load_comparisons",
    "mannwhitney_exact_p",
    "paired_tests",
    "pairing_range",
    "sign_p",
    "unpaired_test",
    "verdict",
    "wilcoxon_p",
]

COMPARISON_COLUMNS = ("comparison_id", "item_a", "item_b", "label_en", "report_claim_en", "expected_direction")
DIRECTIONS = ("a>b", "a<b", "none")


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
