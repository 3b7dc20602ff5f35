"""Confidence intervals: known values, simultaneous intervals and their fallbacks, shares the report uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.stats import interval_methods as intervals
from samskab_analysis.stats.intervals import (
    category_intervals,
    distribution_intervals,
    multinomial_intervals,
    proportion_interval,
    share_intervals,
    suppress_small,
)
from samskab_analysis.study import Study


def respondent_study(study: Study, answers: dict[str, list[str]]) -> Study:
    """A respondent-level Study built from answers (category ids, "" = no answer), without a file."""
    frame = pd.DataFrame(answers, index=[f"r{i:02d}" for i in range(1, len(next(iter(answers.values()))) + 1)])
    counts = with_scale_info(counts_from_responses(frame, study.instrument), study.instrument)
    return Study(study.instrument, counts, label="test", n=len(frame), responses=frame)


def test_exact_and_wilson_for_nine_of_ten() -> None:
    exact = proportion_interval(9, 10, "clopper-pearson")
    wilson = proportion_interval(9, 10, "wilson")
    assert exact == pytest.approx((0.5550, 0.9975), abs=5e-5)
    assert wilson == pytest.approx((0.5958, 0.9821), abs=5e-5)
    scipy_result = stats.binomtest(9, 10)
    assert exact == pytest.approx(tuple(scipy_result.proportion_ci(method="exact")), abs=1e-12)
    assert wilson == pytest.approx(tuple(scipy_result.proportion_ci(method="wilson")), abs=1e-12)


def test_exact_interval_for_zero_of_ten_is_closed_form() -> None:
    low, high = proportion_interval(0, 10, "clopper-pearson")
    assert low == 0.0
    assert high == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)  # 0.3085


def test_unknown_method_is_a_clear_error(study: Study) -> None:
    with pytest.raises(DataValidationError, match="unknown interval method"):
        category_intervals(study, "fig01", "bootstrap")


def test_category_intervals_wilson_for_figure_1(study: Study) -> None:
    table = category_intervals(study, "fig01", "wilson")
    assert list(table.columns[:7]) == ["category_id", "count", "n", "share", "lower", "upper", "method"]
    assert list(table["count"]) == [5, 4, 1, 0, 0, 0]
    assert (table["n"] == 10).all()
    first = table.iloc[0]
    assert (first["lower"], first["upper"]) == pytest.approx((0.2366, 0.7634), abs=5e-5)
    assert list(table["provenance"][:3]) == ["stated", "stated", "assumed"]


def test_goodman_matches_its_formula() -> None:
    counts = np.array([5, 4, 1, 0, 0, 0])
    bounds, used, note = multinomial_intervals(counts, "goodman")
    n, k = counts.sum(), len(counts)
    chi2 = stats.chi2.ppf(1 - 0.05 / k, 1)
    p = counts / n
    root = np.sqrt(chi2 * (chi2 + 4 * n * p * (1 - p)))
    expected_low = (chi2 + 2 * n * p - root) / (2 * (chi2 + n))
    expected_high = (chi2 + 2 * n * p + root) / (2 * (chi2 + n))
    assert used == "goodman"
    assert "at least 5" in note
    np.testing.assert_allclose(bounds[:, 0], np.clip(expected_low, 0, 1), atol=1e-12)
    np.testing.assert_allclose(bounds[:, 1], expected_high, atol=1e-12)


def test_sison_glaz_has_its_uniform_shape_when_it_works() -> None:
    counts = np.array([5, 4, 1, 0, 0, 0])
    bounds, used, note = multinomial_intervals(counts, "sison-glaz")
    assert used == "sison-glaz"
    assert "7 or more categories (here 6)" in note
    shares = counts / 10
    # lower = share - c/n (truncated at 0), upper = share + (c + 2 gamma)/n: the same width above every share
    c = round((shares[0] - bounds[0, 0]) * 10)
    assert c >= 1
    np.testing.assert_allclose(bounds[:, 0], np.maximum(shares - c / 10, 0), atol=1e-12)
    above = bounds[:, 1] - shares
    np.testing.assert_allclose(above, above[0], atol=1e-12)


@pytest.mark.parametrize(
    ("counts", "reason"),
    [([10, 0, 0, 0, 0, 0], "degenerate"), ([0, 10, 0], "degenerate"), ([9, 1], "uninformative")],
)
def test_sison_glaz_falls_back_to_goodman_with_a_flag(counts: list[int], reason: str) -> None:
    bounds, used, note = multinomial_intervals(counts, "sison-glaz")
    goodman, _, _ = multinomial_intervals(counts, "goodman")
    assert used == "goodman"
    assert reason in note and "goodman used instead" in note
    np.testing.assert_allclose(bounds, goodman)


def test_sison_glaz_failure_never_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(counts: np.ndarray, alpha: float = 0.05) -> np.ndarray:
        raise Exception("Couldn't find a value for `c`")  # what statsmodels raises

    monkeypatch.setattr(intervals, "sison_glaz_intervals", broken)
    bounds, used, note = multinomial_intervals([3, 5, 2], "sison-glaz")
    assert used == "goodman"
    assert note.startswith("sison-glaz failed (Exception: Couldn't find")
    assert np.isfinite(bounds).all()


def test_every_item_and_method_gives_intervals(study: Study) -> None:
    table, notes = distribution_intervals(study)
    assert len(notes) == 18
    assert len(table) == 13 * 6 + 5 * 3  # 13 degree items, 5 yes/no items
    for column in ("exact", "wilson", "goodman", "sison"):
        assert (table[f"{column}_lower"] <= table["share"] + 1e-12).all()
        assert (table[f"{column}_upper"] >= table["share"] - 1e-12).all()
    assert set(table["sison_method"]) <= {"sison-glaz", "goodman"}


def test_share_intervals_cover_statements_and_top2(study: Study) -> None:
    shares = share_intervals(study).set_index(["item_id", "share_id"])
    top1 = shares.loc[("fig01", "top2")]
    assert (top1["count"], top1["provenance"]) == (9, "derived")
    assert (top1["exact_lower"], top1["exact_upper"]) == pytest.approx((0.5550, 0.9975), abs=5e-5)
    assert shares.loc[("fig02", "S02a,top2"), "provenance"] == "stated"
    assert shares.loc[("fig01", "S01a,S05b"), "categories"] == "very_high"
    assert shares.loc[("fig09", "top2"), "provenance"] == "assumed"
    assert shares.loc[("fig09", "top2"), "count_range"] == "0-7"
    assert shares.loc[("fig05", "top2"), "count_range"] == "3-10"
    statements = study.statements
    stated_sets = {(r["item_id"], r["categories"]) for _, r in statements.iterrows()}
    listed = {(i, tuple(c.split("+"))) for (i, _), c in shares["categories"].items()}
    assert stated_sets <= listed
    assert sum("top2" in sid.split(",") for _, sid in shares.index) == 18


def test_small_counts_are_suppressed_with_their_bounds(study: Study) -> None:
    shares = share_intervals(study)
    hidden = suppress_small(shares, 3)
    row = hidden[(hidden["item_id"] == "fig06") & (hidden["share_id"] == "S06b")].iloc[0]
    assert row["count"] == "suppressed"
    assert {row["share"], row["exact_lower"], row["wilson_upper"], row["count_range"]} == {"suppressed"}
    zero = shares["count"] == 0
    assert (hidden.loc[zero, "count"] == "suppressed").all()  # zeros follow the same rule
    assert suppress_small(shares, 0) is shares


def test_respondent_level_shares_are_observed(study: Study) -> None:
    answers = {"fig10": ["yes"] * 7 + ["no", "dont_know", ""]}
    micro = respondent_study(study, answers)
    table = category_intervals(micro, "fig10", "clopper-pearson")
    assert list(table["category_id"]) == ["yes", "no", "dont_know", "no_answer"]
    assert list(table["count"]) == [7, 1, 1, 1]
    assert set(table["provenance"]) == {"observed"}
    shares = share_intervals(micro).set_index("share_id")
    assert shares.loc["top2", "count"] == 7
    assert shares.loc["top2", "provenance"] == "observed"
    expected = stats.binomtest(7, 10).proportion_ci(method="exact")
    assert shares.loc["top2", "exact_lower"] == pytest.approx(expected.low)
