"""The report's comparisons between two items, tested (definitions in ``data/raw/analysis/comparisons.csv``).

Both items of a comparison were answered by the same respondents, so the tests are paired.  Likert answers are
ordinal, so the **primary** test is the exact sign test; the Wilcoxon signed-rank test is a secondary column (it
assumes equal distances between answer categories).  Tests: :mod:`samskab_analysis.stats.exact_tests`.

**Verdicts in four values** (:func:`family_verdicts`): a claim *holds* (significant in the claimed direction for
every table consistent with the statements and every pairing), is *contradicted* (the opposite is significant
for every one), *cannot be significant with these margins* (the smallest p any consistent table and pairing can
give is above alpha: decided by construction), or is *undetermined by the
published numbers* -- with the number of combinations of consistent tables on which it holds.  Significance
uses Holm's correction across the family of the report's comparisons (``comparisons.csv``).  A comparison
that cannot be significant is never read as support for "no difference".  Where the direction of the
observed difference depends on assumed cells (its sign changes over the consistent tables, or a cell that
is fixed only under an assumed answer scale decides it), ``direction_basis`` says so.

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

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

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
from samskab_analysis.stats.exact_tests import (
    SIGN_METHOD,
    mannwhitney_exact_p,
    paired_tests,
    sign_p,
    unpaired_test,
    wilcoxon_p,
)
from samskab_analysis.stats.indices import analysis_dir, parse_identifier
from samskab_analysis.stats.pairings import (
    EVIDENCE_KEYS,
    MAX_ASSUMPTION_TABLES,
    assumption_range,
    difference_multisets,
    expand,
    joint_tables,
    observed_evidence,
    pairing_evidence,
    pairing_range,
)
from samskab_analysis.stats.sensitivity import default_table, item_statistics, scale_scores
from samskab_analysis.stats.wording import number, percent, say, share_text
from samskab_analysis.study import Study

__all__ = [
    "COMPARISON_COLUMNS",
    "DIRECTIONS",
    "MAX_ASSUMPTION_TABLES",
    "VIEWS",
    "assumption_range",
    "compare",
    "comparison_numbers",
    "comparison_table",
    "comparison_views",
    "conclusion_sentence",
    "conclusions",
    "difference_multisets",
    "family_verdicts",
    "holm_adjusted",
    "expand",
    "item_scores",
    "joint_tables",
    "load_comparisons",
    "mannwhitney_exact_p",
    "paired_tests",
    "pairing_range",
    "sign_p",
    "unpaired_test",
    "VERDICTS",
    "verdict",
    "wilcoxon_p",
]

#: signature of :func:`comparison_numbers`: (study, item_a, item_b, *, over_assumptions) -> (numbers, evidence)
NumbersOf = Callable[..., tuple[dict[str, object], dict[str, np.ndarray]]]

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

VERDICTS = ("holds", "contradicted", "undetermined", "cannot_be_significant")


def item_scores(study: Study, item_id: str) -> np.ndarray:
    """Respondent-level scores of *item_id* (NaN = don't know or no answer), in respondent order."""
    if study.responses is None:
        raise ValueError("item_scores needs respondent-level data (study.responses)")
    scale = study.instrument.scale_rows(study.instrument.items.at[item_id, "scale_id"])
    if item_id not in study.responses.columns:
        return np.full(len(study.responses), np.nan)
    answers = study.responses[item_id].astype("string").fillna("").str.strip()
    return answers.map(scale["score"].astype(float).to_dict()).to_numpy(dtype=float, na_value=np.nan)


def _direction(diff: float) -> str:
    if not np.isfinite(diff) or np.isclose(diff, 0.0):
        return "none"
    return "a>b" if diff > 0 else "a<b"


def direction_basis(study: Study, item_a: str, item_b: str, row: dict[str, object]) -> str:
    """``observed`` (respondent-level data), ``report`` (the report's statements alone fix the direction of the
    mean difference) or ``assumed_cells`` (its sign changes over the consistent tables, or a non-zero cell that
    is fixed only under an assumed answer scale -- e.g. a yes/no item's "don't know" -- enters the means)."""
    if not study.is_published:
        return "observed"
    low, high = float(row["mean_diff_min"]), float(row["mean_diff_max"])
    if not (low > 0 or high < 0) and row["observed"] != "none":
        return "assumed_cells"
    if np.isclose(low, 0.0) and np.isclose(high, 0.0):
        return "report"
    for item in (item_a, item_b):
        part = study.item_counts(item)
        if ((part["provenance"] == "derived_under_assumption") & (part["count"] > 0)).any():
            return "assumed_cells"
    return "report"


def _compare(
    study: Study, item_a: str, item_b: str, *, over_assumptions: bool = True
) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """(row of numbers, evidence arrays per combination of consistent tables) for one comparison."""
    default_a, every_a = item_statistics(study, item_a)
    default_b, every_b = item_statistics(study, item_b)
    row: dict[str, object] = {
        "mean_a": float(default_a["mean_score"]),
        "mean_b": float(default_b["mean_score"]),
        "mean_diff_min": float(every_a["mean_score"].min() - every_b["mean_score"].max()),
        "mean_diff_max": float(every_a["mean_score"].max() - every_b["mean_score"].min()),
        "n": study.n,
        "pairing": "unknown: all consistent pairings" if study.is_published else "observed",
        "sign_method": SIGN_METHOD,
    }
    row["observed"] = _direction(row["mean_a"] - row["mean_b"])
    row["direction_basis"] = direction_basis(study, item_a, item_b, row)
    scores_a, _ = scale_scores(study, item_a)
    scores_b, _ = scale_scores(study, item_b)
    if study.is_published:
        counts_a, counts_b = default_table(study, item_a), default_table(study, item_b)
        default = pairing_range(counts_a, scores_a, counts_b, scores_b)
        row.update({k: v for k, v in default.items() if not k.startswith(("sign_p_gt", "sign_p_lt"))})
        row["wilcoxon_method"] = "exact: all sign flips enumerated (N = 10); zero differences dropped"
        row.update(unpaired_test(expand(counts_a, scores_a), expand(counts_b, scores_b)))
        evidence = pairing_evidence(study, item_a, item_b) if over_assumptions else None
        row["evidence_over"] = "every consistent table and pairing"
        if evidence is None:
            evidence = {key: np.array([default[key]], dtype=float) for key in EVIDENCE_KEYS}
            row["evidence_over"] = "the default tables' pairings only"
        if over_assumptions:
            row.update(assumption_range(study, item_a, item_b))
        return row, evidence
    row["direction_basis"] = "observed"
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
        evidence_over="the observed pairs",
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
    evidence = observed_evidence(tests["sign_p"], tests["n_positive"], tests["n_negative"], tests["wilcoxon_p"])
    return row, evidence


def comparison_numbers(
    study: Study, item_a: str, item_b: str, *, over_assumptions: bool = True
) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """(numbers, evidence) of one comparison before the family's verdicts: what :func:`comparison_table` needs
    per comparison.  They depend only on the two items' count rows (and N), so a caller may cache them by those."""
    return _compare(study, item_a, item_b, over_assumptions=over_assumptions)


def compare(study: Study, item_a: str, item_b: str, *, over_assumptions: bool = True) -> dict[str, object]:
    """All numbers for one comparison of *item_a* with *item_b* (see the module docstring); no verdict.

    The verdict needs the whole family of comparisons (Holm): use :func:`comparison_table`.
    """
    return _compare(study, item_a, item_b, over_assumptions=over_assumptions)[0]


def holm_adjusted(p: float, others: np.ndarray | list[float]) -> float:
    """Holm-adjusted p-value of *p* in a family with the other raw p-values *others* (statsmodels)."""
    values = np.array([p, *others], dtype=float)
    return float(multipletests(values, method="holm")[1][0])


def _holm_many(ps: np.ndarray, others: np.ndarray) -> np.ndarray:
    """:func:`holm_adjusted` for every value of *ps*, vectorised (statsmodels' multipletests runs a full garbage
    collection on every call, which made thousands of calls take minutes).

    With the others sorted o_0 <= ... <= o_{m-2} and p inserted at rank r (before equal values), Holm's step-down
    adjusted p is min(1, max(max_{j<r} (m - j) o_j, (m - r) p)); tests compare it with statsmodels.
    """
    ps = np.asarray(ps, dtype=float)
    o = np.sort(np.asarray(others, dtype=float))
    m = len(o) + 1
    steps = (m - np.arange(len(o))) * o
    prefix = np.concatenate([[0.0], np.maximum.accumulate(steps)]) if len(o) else np.array([0.0])
    r = np.searchsorted(o, ps, side="left")
    return np.minimum(1.0, np.maximum(prefix[r], (m - r) * ps))


def family_verdicts(rows: list[dict], evidence: list[dict[str, np.ndarray]], alpha: float = 0.05) -> list[dict]:
    """Four-valued verdicts with Holm's correction across the family of *rows* (one per comparison).

    For comparison *i* and each combination *t* of consistent count tables (and, within it, every pairing):

    * the claim **holds** on *t* when the sign test is significant in the claimed direction for every pairing,
      after Holm's correction with the other comparisons at their *largest* p (so whatever their tables);
    * it is **contradicted** on *t* when, for every pairing, the opposite direction is significant (a claim of
      no difference: any difference is significant), again with the others at their largest p.

    The verdict is ``holds`` / ``contradicted`` when that is so on every combination; ``cannot_be_significant``
    when the smallest p any table and pairing can give is above alpha (for observed pairs: the smallest p the
    sign test can give with the observed number of non-zero differences) -- decided by the margins, before any
    correction; else ``undetermined``.  ``detectable`` is False when not even the most favourable table and
    pairing reaches significance after Holm's correction (others at their smallest p).
    ``tables_holds`` of ``tables_total`` combinations
    hold (``share_tables_holds`` their ratio).  ``sign_p_min_attainable`` is the smallest p any table and
    pairing gives (either direction), ``sign_p_min_claimed`` the smallest in the claimed direction.
    ``sign_p_minmax`` is the smallest *worst-case* p over the
    consistent tables (min over tables of the max over pairings): the honest answer to "could the data make
    it significant".  ``reason`` is a key of the sentence templates (``reason_<key>`` in
    ``uncertainty_labels.csv``); ``verdict_reason`` its English text.
    """
    largest = [float(e["sign_p_max"].max()) for e in evidence]
    smallest = [float(e["sign_p_min"].min()) for e in evidence]
    out = []
    for i, (row, ev) in enumerate(zip(rows, evidence, strict=True)):
        hi_others = np.array(largest[:i] + largest[i + 1 :])
        lo_others = np.array(smallest[:i] + smallest[i + 1 :])
        expected = row["expected"]
        if expected == "none":
            support, oppose = None, ev["sign_p_max"]
        else:
            support = ev["sign_p_gt_max"] if expected == "a>b" else ev["sign_p_lt_max"]
            oppose = ev["sign_p_lt_max"] if expected == "a>b" else ev["sign_p_gt_max"]
        holds = _holm_many(support, hi_others) < alpha if support is not None else np.zeros(len(oppose), bool)
        contradicted = _holm_many(oppose, hi_others) < alpha
        attainable = ev.get("attainable", ev["sign_p_min"])
        best = _holm_many(attainable, lo_others)
        observed = row.get("pairing") == "observed"
        detectable = bool((best < alpha).any())
        minmax = float((support if support is not None else ev["sign_p_max"]).min())
        if holds.all():
            result = "holds"
        elif contradicted.all():
            result = "contradicted"
        elif float(attainable.min()) > alpha:
            result = "cannot_be_significant"
        else:
            result = "undetermined"
        p_observed = float(ev["sign_p_max"].max())
        claimed = {"a>b": "sign_p_gt_min", "a<b": "sign_p_lt_min"}.get(expected)
        if result in ("holds", "contradicted"):
            reason, fields = ("observed" if observed else "every_table"), {"p": p_observed}
        elif result == "cannot_be_significant":
            reason = "cannot_observed" if observed else "cannot"
            fields = {"p": float(attainable.min()), "holm": float(best.min())}
        elif not detectable:
            reason = "holm_undetectable"
            fields = {"p": float(attainable.min()), "holm": float(best.min())}
        elif observed:
            reason, fields = "not_significant_observed", {"p": p_observed}
        elif holds.any():
            reason, fields = "some_tables", {}
        else:
            reason, fields = "pairings_only", {}
        out.append(
            {
                "verdict": result,
                "reason": reason,
                "verdict_reason": reason_text(reason, fields, "en", alpha),
                "tables_holds": int(holds.sum()) if expected != "none" else 0,
                "tables_total": len(holds),
                "share_tables_holds": float(holds.mean()) if expected != "none" else float("nan"),
                "detectable": detectable,
                "sign_p_minmax": minmax,
                "sign_p_min_attainable": float(attainable.min()),
                "sign_p_min_claimed": float(ev[claimed].min()) if claimed and claimed in ev else float("nan"),
                "holm_p_best": float(best.min()),
                "holm_family": len(rows),
            }
        )
    return out


def reason_text(reason: str, fields: dict[str, float], lang: str = "en", alpha: float = 0.05) -> str:
    """The reason of a verdict in *lang* (template ``reason_<reason>``)."""
    shown = {key: _p(value, lang) for key, value in fields.items()}
    return say(f"reason_{reason}", lang, pct=percent(alpha, lang), **shown)


def comparison_table(
    study: Study,
    comparisons: pd.DataFrame | None = None,
    *,
    over_assumptions: bool = True,
    alpha: float = 0.05,
    numbers_of: NumbersOf | None = None,
) -> pd.DataFrame:
    """One row per comparison: means, p-value ranges over pairings and tables, and the four-valued verdict.

    *comparisons* defaults to ``data/raw/analysis/comparisons.csv``; they form the Holm family.  Comparisons
    whose items have no data in *study* are skipped (and leave the family).  See :func:`family_verdicts`.
    *numbers_of* replaces :func:`comparison_numbers` (same signature), e.g. by a cached one (the explorer).
    """
    defs = comparisons if comparisons is not None else load_comparisons(study.instrument)
    rows, evidence = [], []
    for _, c in defs.iterrows():
        if study.item_counts(c["item_a"]).empty or study.item_counts(c["item_b"]).empty:
            continue
        numbers, ev = (numbers_of or comparison_numbers)(
            study, c["item_a"], c["item_b"], over_assumptions=over_assumptions
        )
        rows.append(
            {
                "comparison_id": c["comparison_id"],
                "item_a": c["item_a"],
                "item_b": c["item_b"],
                "label_en": c["label_en"],
                **{f"label_{lang}": c[f"label_{lang}"] for lang in ("da", "no") if f"label_{lang}" in c},
                "report_claim_en": c["report_claim_en"],
                "expected": c["expected_direction"],
                **numbers,
            }
        )
        evidence.append(ev)
    verdicts = family_verdicts(rows, evidence, alpha)
    return pd.DataFrame([{**r, **v} for r, v in zip(rows, verdicts, strict=True)])


# --- plain-language conclusions --------------------------------------------------------------------------


def _p(value: float, lang: str = "en") -> str:
    return number(float(value), lang, 3) if value >= 0.0005 else "< " + number(0.001, lang, 3)


def _p_range(low: float, high: float, lang: str = "en") -> str:
    if np.isclose(low, high):
        return say("p_equal", lang, p=_p(low, lang))
    return say("p_between", lang, low=_p(low, lang), high=_p(high, lang))


def verdict(row: pd.Series) -> str:
    """``holds``, ``contradicted``, ``cannot_be_significant`` or ``undetermined`` for one
    :func:`comparison_table` row (see :func:`family_verdicts`; the verdict needs the whole family)."""
    return str(row["verdict"])


def _label(row: pd.Series, lang: str) -> str:
    for column in (f"label_{lang}", "label_en"):
        value = row.get(column, "")
        if isinstance(value, str) and value.strip():
            return value
    return f"{row['item_a']} vs {row['item_b']}"


def conclusion_sentence(row: pd.Series, alpha: float = 0.05, lang: str = "en") -> str:
    """A plain statement in *lang* of what the published numbers say about the report's claim, from one table
    row (templates in ``data/raw/analysis/uncertainty_labels.csv``)."""
    observed_pairs = row.get("pairing") == "observed"
    if observed_pairs:
        where = say("where_observed", lang)
    else:
        where = say("where_pairings", lang, pairings=int(row["pairings"]))
    over_all = ""
    if not observed_pairs and pd.notna(row.get("sign_p_min_all", np.nan)) and int(row.get("completions", 1)) > 1:
        span = _p_range(float(row["sign_p_min_all"]), float(row["sign_p_max_all"]), lang)
        over_all = say("over_all", lang, range=span, completions=number(int(row["completions"]), lang))
    head = say(
        "conclusion_head", lang, label=_label(row, lang), a=row["item_a"], b=row["item_b"],
        mean_a=number(float(row["mean_a"]), lang, 2), mean_b=number(float(row["mean_b"]), lang, 2),
        sign=_p_range(float(row["sign_p_min"]), float(row["sign_p_max"]), lang),
        wilcoxon=_p_range(float(row["wilcoxon_p_min"]), float(row["wilcoxon_p_max"]), lang), where=where,
        over_all=over_all, family=int(row["holm_family"]), pct=percent(alpha, lang),
    )  # fmt: skip
    if row["expected"] == "none":
        claim = say("claim_none", lang)
    else:
        claim = say("claim_higher" if row["expected"] == "a>b" else "claim_lower", lang, a=row["item_a"],
                    b=row["item_b"])  # fmt: skip
    result = row["verdict"]
    reason_key = str(row.get("reason", ""))
    fields = {}
    if reason_key in ("observed", "every_table", "not_significant_observed"):
        fields = {"p": float(row["sign_p_max"])}
    elif reason_key in ("cannot", "cannot_observed", "holm_undetectable"):
        fields = {"p": float(row["sign_p_min_attainable"]), "holm": float(row["holm_p_best"])}
    reason = reason_text(reason_key, fields, lang, alpha) if reason_key else str(row["verdict_reason"])
    if result == "holds":
        body = say("verdict_holds_sentence", lang, claim=claim, reason=reason)
    elif result == "contradicted":
        body = say("verdict_contradicted_sentence", lang, claim=claim, reason=reason)
    elif result == "cannot_be_significant":
        body = say("verdict_cannot_sentence", lang, reason=reason) + " " + say("absence_of_evidence", lang)
    elif observed_pairs:
        body = say("verdict_undetermined_observed_sentence", lang, reason=reason)
        if row["expected"] == "none":
            body += " " + say("absence_of_evidence", lang)
    else:
        body = say("verdict_undetermined_sentence", lang, reason=reason)
        if row["expected"] != "none":
            held = share_text(int(row.get("tables_holds", round(float(row["share_tables_holds"]) * int(
                row.get("tables_total", row.get("completions", 1)))))), int(row.get("tables_total", row.get(
                "completions", 1))), lang)  # fmt: skip
            body += " " + say("holds_on", lang, share=held, minmax=_p(float(row["sign_p_minmax"]), lang))
        else:
            body += " " + say("absence_of_evidence", lang)
    if row.get("direction_basis") == "assumed_cells" and row.get("observed", "none") != "none":
        body += " " + say("direction_assumed", lang, direction=row["observed"])
    return f"{head} {body}"


def conclusions(table: pd.DataFrame, alpha: float = 0.05, lang: str = "en") -> list[str]:
    """:func:`conclusion_sentence` for every row of a :func:`comparison_table`."""
    return [conclusion_sentence(row, alpha, lang) for _, row in table.iterrows()]


VIEWS = {
    "verdicts (sign test, Holm)": ["comparison_id", "expected", "observed", "direction_basis", "verdict",
                                   "tables_holds", "tables_total", "detectable", "sign_p_minmax",
                                   "sign_p_min_attainable", "sign_p_min_claimed", "holm_p_best"],
    "means": ["comparison_id", "item_a", "item_b", "expected", "observed", "mean_a", "mean_b", "mean_diff_min",
              "mean_diff_max"],
    "paired tests over pairings": ["comparison_id", "pairing", "pairings", "sign_p_min", "sign_p_max",
                                   "wilcoxon_p_min", "wilcoxon_p_max"],
    "extreme pairings": ["comparison_id", "sign_p_comonotone", "wilcoxon_p_comonotone", "sign_p_countermonotone",
                         "wilcoxon_p_countermonotone"],
    "unpaired (for contrast only)": ["comparison_id", "mannwhitney_u", "mannwhitney_p", "mannwhitney_method"],
    "over every count table the report allows": ["comparison_id", "completions", "sign_p_min_all", "sign_p_max_all",
                                                 "wilcoxon_p_min_all", "wilcoxon_p_max_all"],
    "methods": ["comparison_id", "sign_method", "wilcoxon_method", "evidence_over"],
}  # fmt: skip


def comparison_views(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The comparison table split into narrow views for printing (columns absent from *table* are left out)."""
    views = {title: table[[c for c in columns if c in table.columns]] for title, columns in VIEWS.items()}
    if table.empty or table["pairing"].eq("observed").all():
        views.pop("extreme pairings")
        views.pop("over every count table the report allows")
    return views
