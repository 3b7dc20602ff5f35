"""No claim stronger than the evidence: coverage, frames, errata, interpretations, the ledger's checks,
stated totals, and agreement of the large-N methods with the exact ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from samskab_analysis.stats.coverage import coverage_table, exact_coverage, simulated_coverage
from samskab_analysis.stats.exact_tests import (
    MANNWHITNEY_EXACT_MAX_PRODUCT,
    mannwhitney_exact_p,
    paired_tests,
    wilcoxon_test,
)
from samskab_analysis.stats.interval_methods import bonferroni_cp
from samskab_analysis.stats.ledger import claims_ledger
from samskab_analysis.stats.population import frame_table, hypergeometric_interval, manski_bounds
from samskab_analysis.study import Study

TRUE_P = np.array([[0.6, 0.3, 0.1]])


# --- 5. coverage ---------------------------------------------------------------------------------------------


def test_exact_coverage_of_clopper_pearson_and_sison_glaz_for_one_distribution() -> None:
    cp = exact_coverage("clopper-pearson", 10, TRUE_P).iloc[0]
    sg = exact_coverage("sison-glaz", 10, TRUE_P).iloc[0]
    assert cp["simultaneous"] == pytest.approx(0.9646874496)
    assert sg["simultaneous"] == pytest.approx(0.8106876576)  # far below its nominal 95 %
    # marginal coverage of Clopper-Pearson for p = 0.6 recomputed from the binomial directly
    by_hand = sum(
        stats.binom.pmf(c, 10, 0.6)
        for c in range(11)
        if proportion_confint(c, 10, 0.05, "beta")[0] <= 0.6 <= proportion_confint(c, 10, 0.05, "beta")[1]
    )
    assert cp["marginal"] == pytest.approx(by_hand)


def test_default_simultaneous_interval_reaches_nominal_coverage() -> None:
    table = coverage_table(10, 3).set_index("method")
    assert table.at["bonferroni-cp", "min_coverage"] >= 0.95
    assert table.at["clopper-pearson", "min_coverage"] >= 0.95  # per share
    assert bool(table.at["sison-glaz", "below_nominal"]) and bool(table.at["goodman", "below_nominal"])
    assert table.at["sison-glaz", "route"] == "exact enumeration of 66 outcomes"
    np.testing.assert_allclose(bonferroni_cp([6, 3, 1])[:, 0], [proportion_confint(c, 10, 0.05 / 3, "beta")[0]
                                                                for c in (6, 3, 1)])  # fmt: skip


def test_simulated_coverage_agrees_with_exact_within_monte_carlo_error() -> None:
    exact = exact_coverage("clopper-pearson", 10, TRUE_P).iloc[0]["simultaneous"]
    sim = simulated_coverage("clopper-pearson", 10, TRUE_P, draws=4000).iloc[0]
    assert abs(sim["simultaneous"] - exact) < 4 * sim["mc_se"]


def test_coverage_is_bounded_at_large_n() -> None:
    table = coverage_table(100_000, 3, draws=50).set_index("method")
    assert table.at["sison-glaz", "route"].startswith("not measured")
    assert table.at["bonferroni-cp", "route"].startswith("simulation: 50 draws")


def test_interval_notes_label_methods_below_nominal(study: Study) -> None:
    from samskab_analysis.stats.intervals import distribution_intervals

    _, notes = distribution_intervals(study)
    note = notes.set_index("item_id").loc["fig10"]
    assert "BELOW NOMINAL: simultaneous coverage down to at most 61.7 % at N = 10, k = 3" in note["sison_note"]
    assert "BELOW NOMINAL: proven minimum coverage 83.5 % at N = 10" in note["wilson_note"]
    assert "BELOW NOMINAL" not in note["bonf_note"] and "at least 95.0 %" in note["bonf_note"]


# --- 6. who the numbers are about ---------------------------------------------------------------------------


def test_manski_bounds_of_figure_2() -> None:
    lo, hi = manski_bounds(9, 10, 12)
    assert (round(100 * lo), round(100 * hi)) == (75, 92)
    assert hypergeometric_interval(9, 10, 12) == (9, 11)
    assert hypergeometric_interval(9, 10, 15) == (11, 14)  # narrower than Manski's 9..14 under random non-response


def test_frame_table_covers_every_share_and_both_frames(study: Study) -> None:
    table = frame_table(study)
    fig02 = table[(table["item_id"] == "fig02") & (table["categories"] == "very_high+high")].set_index("frame")
    assert fig02.loc["invited", ["manski_lower", "manski_upper"]].tolist() == pytest.approx([0.75, 11 / 12])
    assert fig02.loc["public_library_participants", "frame_size"] == 15
    sampled = table.dropna(subset=["exact_lower"])
    assert (sampled["exact_lower"] >= sampled["manski_lower_assumed_table"] - 1e-12).all()
    assert (sampled["exact_upper"] <= sampled["manski_upper_assumed_table"] + 1e-12).all()
    assert (table["manski_lower"] <= table["manski_lower_assumed_table"] + 1e-12).all()
    assert (table["manski_upper"] >= table["manski_upper_assumed_table"] - 1e-12).all()


# --- 1, 7, 8. statements, errata, ledger ------------------------------------------------------------------------


def test_interpretations_are_recorded_with_reasons(study: Study) -> None:
    st = study.statements
    assert st.at["S05a", "wording"] == "kun 30% svarer, at det er blevet nemmere"
    assert st.at["S05a", "interpretation"] == "30 % to a very high degree"  # English names the category in English
    assert "carried over" in st.at["S05a", "interpretation_reason"]
    has = st[st["interpretation"] != ""]
    assert (has["interpretation_reason"] != "").all()
    ledger = claims_ledger(study).set_index("claim_id")
    assert "carried over" in ledger.at["S05a", "interpretation"]


def test_errata_have_a_confidence(study: Study) -> None:
    errata = study.errata
    assert errata.at["E01", "confidence"] == "certain"
    assert errata.at["E02", "confidence"] == "possible" and errata.at["E02", "cited_figure"] == "13"
    ledger = claims_ledger(study).set_index("claim_id")
    assert ledger.at["S05b", "status"] == "consistent (erratum E01, certain: cross-reference)"
    assert ledger.at["E02", "status"] == "possible erratum: cross-reference"


def test_ledger_checks_consistency(study: Study) -> None:
    ledger = claims_ledger(study)
    statements = ledger[~ledger["claim_id"].str.startswith("E")]
    assert statements["status"].str.startswith("consistent").all()
    assert "reproduced" not in ledger.columns


def test_every_published_percentage_recomputed_from_the_final_table_only() -> None:
    """Independent of the reconstruction code: read the processed count table and the statements as plain CSV."""
    from samskab_analysis.paths import DATA_DIR
    from samskab_analysis.paths import REPO_ROOT as ROOT

    counts = pd.read_csv(ROOT / "data" / "processed" / "counts.csv")
    statements = pd.read_csv(DATA_DIR / "published" / "statements.csv", keep_default_na=False)
    for _, st in statements.iterrows():
        part = counts[counts["item_id"] == st["item_id"]]
        n = part["count"].sum()
        head = part.loc[part["category_id"].isin(st["categories"].split("|")), "count"].sum()
        value = float(st["value"])
        if st["unit"] == "percent":
            assert np.floor(100 * head / n + 0.5) == value, st["statement_id"]
        else:
            assert head == value, st["statement_id"]


def test_stated_totals_are_drawn(study: Study) -> None:
    from samskab_analysis.figures.plotting import stated_totals

    assert stated_totals(study, "fig07") == [(("very_high", "high"), "20 %"), (("very_high", "high", "some"), "80 %")]
    assert stated_totals(study, "fig09") == [(("very_high", "high", "some"), "70 %")]
    assert stated_totals(study, "fig02") == []  # 90 % = 50 % + 40 %, both stated


def test_badge_counts_cells_derived_under_an_assumed_scale() -> None:
    from samskab_analysis.data.strings import Strings, load_strings
    from samskab_analysis.run.site import provenance_badge

    badge = provenance_badge(["stated", "derived_under_assumption"], Strings(load_strings(), "en"))
    assert "contains assumptions (1 of 2 cells)" in badge


# --- issue 15: methods by size agree where both apply (N = 60) --------------------------------------------------


def test_mann_whitney_asymptotic_agrees_with_exact_at_n_60() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.integers(1, 6, 30).astype(float), rng.integers(2, 6, 30).astype(float)
    assert len(x) * len(y) <= MANNWHITNEY_EXACT_MAX_PRODUCT
    exact = mannwhitney_exact_p(x, y)
    approx = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").pvalue
    assert abs(exact - approx) < 0.01


def test_wilcoxon_approximation_agrees_with_exact_at_n_60() -> None:
    d = np.arange(1, 61, dtype=float) * np.where(np.arange(60) % 3 == 0, -1, 1)  # no ties: exact up to 50
    exact = stats.wilcoxon(d, method="exact").pvalue
    _, approx, how = wilcoxon_test(d)
    assert how.startswith("normal approximation") and abs(exact - approx) < 0.005


def test_paired_tests_at_large_n_name_their_method() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.integers(1, 6, 100_000).astype(float), rng.integers(1, 6, 100_000).astype(float)
    out = paired_tests(x, y)
    assert out["sign_method"].startswith("exact binomial")
    assert out["wilcoxon_method"].startswith("normal approximation")
    assert 0 <= out["sign_p"] <= 1


def test_consistent_tables_enumerated_independently() -> None:
    """Brute force from the CSVs alone: every split of 10 answers over an item's categories that rounds to every
    statement; its count, and each cell's min/max, equal the reconstruction's ``completions``/``count_min``/``max``."""
    from samskab_analysis.paths import DATA_DIR
    from samskab_analysis.paths import REPO_ROOT as ROOT

    counts = pd.read_csv(ROOT / "data" / "processed" / "counts.csv")
    statements = pd.read_csv(DATA_DIR / "published" / "statements.csv", keep_default_na=False)

    def splits(n: int, k: int):
        if k == 1:
            yield (n,)
            return
        for first in range(n + 1):
            for rest in splits(n - first, k - 1):
                yield (first, *rest)

    for item_id, part in counts.groupby("item_id", sort=False):
        cats = list(part["category_id"])
        rules = [
            ([cats.index(c) for c in st["categories"].split("|")], float(st["value"]), st["unit"])
            for _, st in statements[statements["item_id"] == item_id].iterrows()
        ]
        fits = [
            t
            for t in splits(10, len(cats))
            if all(
                (np.floor(10 * sum(t[i] for i in cols) + 0.5) == value) if unit == "percent"
                else sum(t[i] for i in cols) == value
                for cols, value, unit in rules
            )
        ]  # fmt: skip
        assert len(fits) == part["completions"].iloc[0], item_id
        assert list(np.min(fits, axis=0)) == list(part["count_min"]), item_id
        assert list(np.max(fits, axis=0)) == list(part["count_max"]), item_id
