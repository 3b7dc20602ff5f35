"""Every statistical label is proven or a named bound (issue 23): coverage minima over every true distribution,
bounds over every consistent table, frames, interpretations, the fourth verdict, method texts.

Each number is checked by a second, independent route: brute force with hand-written formulas (Wilson's closed
form, math.comb binomial and multinomial probabilities, itertools enumeration of tables and non-respondents).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from samskab_analysis import load_study
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.reconstruct.counts import allowed_counts
from samskab_analysis.stats.coverage import coverage_for_study
from samskab_analysis.stats.coverage_minimum import (
    SimultaneousCoverage,
    coverage_minimum,
    load_minima,
    simplex_search,
    single_share_minimum,
)
from samskab_analysis.stats.exact_tests import MANNWHITNEY_EXACT_MAX_PRODUCT, mannwhitney_test
from samskab_analysis.stats.intervals import coverage_label, share_intervals
from samskab_analysis.stats.ledger import claims_ledger
from samskab_analysis.stats.population import frame_table
from samskab_analysis.stats.readings import load_readings, reading_verdicts
from samskab_analysis.stats.wording import percent, share_text

ROOT = Path(__file__).resolve().parents[1]
Z = 1.959963984540054  # the 97.5 % normal quantile


@pytest.fixture(scope="module")
def study():
    return load_study()


# --- 1. coverage minima -------------------------------------------------------------------------------------


def wilson_bounds(x: int, n: int) -> tuple[float, float]:
    """Wilson's score interval, closed form (independent of statsmodels)."""
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    # exactly 0 at x = 0 and 1 at x = n (the formula's rounding error would drop p = 0 or 1)
    return (0.0 if x == 0 else centre - half), (1.0 if x == n else centre + half)


def brute_single_coverage(n: int, p: float, bounds: list[tuple[float, float]]) -> float:
    return sum(math.comb(n, x) * p**x * (1 - p) ** (n - x) for x, (lo, hi) in enumerate(bounds) if lo <= p <= hi)


def brute_single_minimum(n: int) -> float:
    """Coverage just inside every piece between interval endpoints (and on a dense grid): the smallest value."""
    bounds = [wilson_bounds(x, n) for x in range(n + 1)]
    edges = sorted({0.0, 1.0, *(b for pair in bounds for b in pair)})
    points = [e + s for e in edges for s in (-1e-10, 1e-10) if 0 < e + s < 1]
    points += list(np.linspace(0, 1, 4001))
    return min(brute_single_coverage(n, float(p), bounds) for p in points)


def test_wilson_minimum_at_n10_is_proven_835() -> None:
    found = single_share_minimum("wilson", 10)
    assert found.minimum == pytest.approx(0.835, abs=0.005)
    assert found.bound == "exact" and found.p[0] == pytest.approx(0.0179, abs=0.001)
    assert brute_single_minimum(10) == pytest.approx(found.minimum, abs=1e-6)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 12, 20, 31])
def test_wilson_infimum_matches_brute_force(n: int) -> None:
    assert single_share_minimum("wilson", n).minimum == pytest.approx(brute_single_minimum(n), abs=1e-6)


def test_clopper_pearson_never_below_nominal() -> None:
    for n in range(1, 41):
        assert single_share_minimum("clopper-pearson", n).minimum >= 0.95 - 1e-9


def test_single_share_coverage_does_not_depend_on_categories() -> None:
    assert coverage_minimum("wilson", 10, 3).minimum == coverage_minimum("wilson", 10, 6).minimum


def brute_multinomial_coverage(method: str, n: int, p: np.ndarray) -> float:
    """Exact simultaneous coverage at *p*: every outcome by itertools, probability by math.comb."""
    from samskab_analysis.stats.interval_methods import multinomial_intervals

    k = len(p)
    total = 0.0
    for bars in itertools.combinations(range(n + k - 1), k - 1):
        edges = (-1, *bars, n + k - 1)
        x = [edges[i + 1] - edges[i] - 1 for i in range(k)]
        bounds = multinomial_intervals(np.array(x), method)[0]
        if all(lo - 1e-12 <= q <= hi + 1e-12 for q, (lo, hi) in zip(p, bounds, strict=True)):
            coef = math.factorial(n) / math.prod(math.factorial(c) for c in x)
            total += coef * math.prod(q**c for q, c in zip(p, x, strict=True))
    return total


def test_stored_simultaneous_minima_are_the_coverage_at_their_minimiser() -> None:
    minima = load_minima()
    assert len(minima) >= 15
    for _, row in minima.iterrows():
        p = np.array([float(v) for v in row["p"].split(";")])
        n, k = int(row["n"]), int(row["k"])
        assert len(p) == k and p.sum() == pytest.approx(1.0)
        value = float(SimultaneousCoverage(row["method"], n, k)(p[None])[0])
        assert value == pytest.approx(float(row["minimum"]), abs=2e-6), row.to_dict()
        assert row["bound"] == "upper"


@pytest.mark.parametrize(("method", "k"), [("goodman", 3), ("sison-glaz", 3), ("goodman", 2)])
def test_stored_minima_recomputed_by_brute_force(method: str, k: int) -> None:
    found = coverage_minimum(method, 10, k)
    assert brute_multinomial_coverage(method, 10, np.array(found.p)) == pytest.approx(found.minimum, abs=2e-6)


def test_goodman_and_sison_glaz_fall_far_below_nominal() -> None:
    assert coverage_minimum("goodman", 10, 6).minimum <= 0.57
    assert coverage_minimum("sison-glaz", 10, 6).minimum <= 0.45
    assert coverage_minimum("goodman", 10, 3).minimum <= 0.77
    assert coverage_minimum("sison-glaz", 10, 3).minimum <= 0.62
    bonferroni = coverage_minimum("bonferroni-cp", 10, 6)
    assert bonferroni.proven_lower == pytest.approx(0.95) and bonferroni.minimum >= 0.95


def test_search_finds_the_brute_force_minimum_on_a_small_case() -> None:
    """N = 4, k = 3: the search against a dense lattice with points just beside every lattice point."""
    found = simplex_search("goodman", 4, 3, random_points=200, starts=6, candidates=80)
    steps = 120
    lattice = np.array([(a, b, steps - a - b) for a in range(steps + 1) for b in range(steps + 1 - a)]) / steps
    shifts = np.array([(d, -d, 0) for d in (1e-7, -1e-7)] + [(d, 0, -d) for d in (1e-7, -1e-7)]
                      + [(0, d, -d) for d in (1e-7, -1e-7)] + [(0, 0, 0)])  # fmt: skip
    points = (lattice[:, None, :] + shifts[None]).reshape(-1, 3)
    points = points[(points >= 0).all(axis=1)]
    brute = SimultaneousCoverage("goodman", 4, 3)(points).min()
    assert found.minimum <= brute + 0.01
    assert brute_multinomial_coverage("goodman", 4, np.array(found.p)) == pytest.approx(found.minimum, abs=1e-9)


def test_labels_and_legends_use_the_proven_values(study) -> None:
    from samskab_analysis.figures.plotting import interval_label, plot_rows

    assert "83.5 %" in coverage_label("wilson", 10, 3) and "0.018" in coverage_label("wilson", 10, 3)
    assert "at most 55.6 %" in coverage_label("goodman", 10, 6)
    assert "(0.943, 0.011 × 5)" in coverage_label("goodman", 10, 6)
    assert "(0,943; 0,011 × 5)" in coverage_label("goodman", 10, 6, lang="da")
    for item in ("fig10", "fig11", "fig15", "fig16", "fig17", "fig01"):  # the figures' whiskers: exact, >= 95 %
        n = int(plot_rows(study, item)["count"].sum())
        assert interval_label(study.instrument, n, "en") == (
            "95 % interval (Clopper–Pearson; exact) for the share of the 10 respondents"
        )
        assert "Clopper–Pearson; eksakt) for andelen af de 10 respondenter" in interval_label(study.instrument, n, "da")
        assert "91" not in interval_label(study.instrument, n, "no")


def test_coverage_table_marks_the_simplex_minimum(study) -> None:
    table = coverage_for_study(study)
    wilson = table[table["method"] == "wilson"]
    assert (wilson["simplex_min"].round(3) == 0.835).all() and wilson["below_nominal"].all()
    assert set(table["simplex_bound"]) == {"exact", "upper"}


def test_figure_notebook_text_has_no_sampled_minimum() -> None:
    text = json.dumps(json.load(open(ROOT / "notebooks" / "figure.ipynb", encoding="utf-8"))["cells"][0])
    assert "91 %" not in text and "83.5 %" in text


# --- 2. bounds over every consistent table and every non-respondent; frames ---------------------------------


def brute_manski(study, item_id: str, categories: tuple[str, ...], size: int) -> tuple[float, float]:
    """Every count table consistent with the statements (itertools) x every answer of the non-respondents."""
    cats = list(study.item_counts(item_id)["category_id"])
    statements = study.statements[study.statements["item_id"] == item_id]
    shares = []
    for table in itertools.product(range(11), repeat=len(cats)):
        if sum(table) != 10:
            continue
        if any(sum(table[cats.index(c)] for c in st["categories"]) not in allowed_counts(st["value"], st["unit"], 10)
               for _, st in statements.iterrows()):  # fmt: skip
            continue
        count = sum(table[cats.index(c)] for c in categories)
        for answers in itertools.product((0, 1), repeat=size - 10):  # 1: a non-respondent gives the answer
            shares.append((count + sum(answers)) / size)
    return min(shares), max(shares)


@pytest.mark.parametrize(
    ("item_id", "expected"),
    [("fig05", (0.25, 1.0)), ("fig09", (0.0, 0.75)), ("fig12", (0.0, 11 / 12)), ("fig13", (0.0, 11 / 12)),
     ("fig03", (0.25, 0.5)), ("fig02", (0.75, 11 / 12))],
)  # fmt: skip
def test_no_assumption_bounds_range_over_every_consistent_table(study, item_id, expected) -> None:
    table = frame_table(study)
    row = table[(table["item_id"] == item_id) & table["share_id"].str.contains("top2")
                & (table["frame"] == "invited")].iloc[0]  # fmt: skip
    assert (row["manski_lower"], row["manski_upper"]) == pytest.approx(expected)
    assert brute_manski(study, item_id, ("very_high", "high"), 12) == pytest.approx(expected)


def test_figure_5_bounds_on_the_assumed_table_say_so(study) -> None:
    table = frame_table(study)
    row = table[(table["item_id"] == "fig05") & (table["share_id"] == "top2") & (table["frame"] == "invited")].iloc[0]
    assert (row["manski_lower"], row["manski_upper"]) == pytest.approx((0.25, 1.0))
    assert (row["manski_lower_assumed_table"], row["manski_upper_assumed_table"]) == pytest.approx((8 / 12, 10 / 12))
    assert row["count_range"] == "3-10"


def test_participants_frame_only_for_person_level_items_and_only_bounds(study) -> None:
    table = frame_table(study)
    participants = table[table["frame"] == "public_library_participants"]
    levels = load_instrument().levels
    person_items = set(study.instrument.items.index[
        study.instrument.items["level_id"].map(levels["unit"]) == "person"])  # fmt: skip
    assert set(participants["item_id"]) == person_items == {"fig01", "fig02", "fig03", "fig04", "fig05"}
    assert participants["exact_lower"].isna().all() and participants["exact_upper"].isna().all()
    row = participants[(participants["item_id"] == "fig05") & (participants["share_id"] == "top2")].iloc[0]
    assert (row["manski_lower"], row["manski_upper"]) == pytest.approx((3 / 15, 1.0))
    assert brute_manski(study, "fig05", ("very_high", "high"), 15) == pytest.approx((3 / 15, 1.0))
    assert "left municipal libraries" in row["frame_note"]
    assert set(share_intervals(study)["frame"]) == {"respondents"}


# --- 3. shares never round a positive quantity to 0 % ---------------------------------------------------------


def test_positive_shares_are_never_zero_percent() -> None:
    assert percent(7 / 1980) == "< 1" and percent(0.0) == "0" and percent(0.999) == "> 99"
    assert share_text(7, 1980, "en") == "7 of 1,980 (< 1 %)"
    assert share_text(7, 1980, "da") == "7 af 1.980 (< 1 %)"
    assert share_text(0, 16, "en") == "0 of 16 (0 %)"


# --- 4. interpretations and the alternative reading -------------------------------------------------------------


def test_interpretations_are_labelled_where_the_number_appears(study) -> None:
    from samskab_analysis.figures.plotting import interpreted_totals

    shares = share_intervals(study).set_index("share_id")
    for sid, high in (("S09a", 7), ("S12a", 9), ("S13a", 9)):
        assert shares.at[sid, "provenance"] == "stated_interpretation"
        assert shares.at[sid, "alternative_count_range"] == f"varying_degrees_with_low: 0-{high}"
    assert shares.at["S07c", "provenance"] == "stated"  # fixed by 60 % + 20 %: no other reading
    ledger = claims_ledger(study).set_index("claim_id")
    assert ledger.at["S12a", "interpretation"].startswith("INTERPRETATION:")
    assert "0-9 of 10" in ledger.at["S12a", "alternative_reading"]
    assert ledger.at["S07c", "alternative_reading"] == ""
    assert interpreted_totals(study, "fig12") == {("very_high", "high", "some")}
    assert interpreted_totals(study, "fig07") == set()


def test_verdicts_under_both_readings(study) -> None:
    from samskab_analysis import load_comparisons

    comparisons = load_comparisons(study.instrument)
    wanted = ["local_vs_municipal_visibility", "invited_vs_inviting"]  # a smaller Holm family keeps the test fast
    table = reading_verdicts(study, comparisons[comparisons["comparison_id"].isin(wanted)], load_readings(study))
    both = table.set_index(["reading_id", "comparison_id"])
    as_read = both.loc[("as_read", "local_vs_municipal_visibility")]
    low = both.loc[("varying_degrees_with_low", "local_vs_municipal_visibility")]
    assert (as_read["completions"], as_read["verdict"]) == (1980, "undetermined")  # 7 holding: full family
    assert (low["completions"], low["verdict"]) == (5280, "undetermined")
    assert low["sign_p_min_claimed"] == pytest.approx(2 / 2**9)  # at most 9 of 10 can be higher under that reading
    assert as_read["sign_p_min_claimed"] == pytest.approx(2 / 2**10)
    assert both.loc[("varying_degrees_with_low", "invited_vs_inviting"), "verdict"] == "cannot_be_significant"


# --- 5. the fourth verdict ------------------------------------------------------------------------------------------


def test_figures_16_vs_17_cannot_be_significant(study) -> None:
    from samskab_analysis import comparison_table, conclusions, load_comparisons

    comparisons = load_comparisons(study.instrument)  # the whole family: tests/test_comparisons.py
    one = comparisons[comparisons["comparison_id"] == "invited_vs_inviting"]
    table = comparison_table(study, one).set_index("comparison_id", drop=False)
    row = table.loc["invited_vs_inviting"]
    assert row["verdict"] == "cannot_be_significant" and row["sign_p_min_attainable"] == pytest.approx(0.5)
    assert row["direction_basis"] == "assumed_cells"
    for lang, words in (("da", "KAN IKKE BLIVE SIGNIFIKANT"), ("no", "KAN IKKE BLI SIGNIFIKANT")):
        assert words in conclusions(table.loc[["invited_vs_inviting"]], lang=lang)[0]


# --- 6. method descriptions match what is computed --------------------------------------------------------------


def markdown(name: str) -> str:
    cells = json.load(open(ROOT / "notebooks" / f"{name}.ipynb", encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_mann_whitney_texts_match_the_function() -> None:
    for name in ("cohorts", "planning"):
        text = markdown(name)
        assert "exact permutation p-value" in text and "ties" in text
        assert f"≤ {MANNWHITNEY_EXACT_MAX_PRODUCT}" in text, name
        assert "exact p without ties" not in text
    assert "exact Mann–Whitney" in markdown("waves")
    x, y = np.array([1, 2, 2, 3, 3, 3, 4, 5, 5, 5.0]), np.array([2, 2, 3, 3, 4, 4, 4, 5, 5, 5.0])
    assert mannwhitney_test(x, y)[2] == "exact permutation (ties included)"


def test_planning_power_uses_the_waves_test(study) -> None:
    from samskab_analysis.stats.planning import SEED, baseline_distribution, simulated_power, simulated_pvalues

    probs = baseline_distribution(study)
    for n in (10, 40):
        rng = np.random.default_rng([SEED, n, n])
        z1, z2 = rng.standard_normal((30, n)), rng.standard_normal((30, n))
        cuts = np.cumsum(probs[::-1])[:-1]
        from scipy import stats

        edges = stats.norm.ppf(cuts)
        x, y = np.searchsorted(edges, z1), np.searchsorted(edges, z2 + 0.8)
        expected = [mannwhitney_test(a.astype(float), b.astype(float))[1] for a, b in zip(x, y, strict=True)]
        assert simulated_pvalues(probs, 0.8, z1, z2) == pytest.approx(expected, abs=1e-12)
    rng = np.random.default_rng([SEED, 10, 10])
    z1, z2 = rng.standard_normal((2000, 10)), rng.standard_normal((2000, 10))
    assert simulated_power(probs, 10, 10, 1.52, z1, z2) == pytest.approx(0.77, abs=0.02)


def test_every_new_label_exists_in_three_languages() -> None:
    import csv

    for path in (DATA_DIR / "analysis" / "uncertainty_labels.csv", DATA_DIR / "analysis" / "readings.csv"):
        for row in csv.DictReader(open(path, encoding="utf-8")):
            values = [v for k, v in row.items() if re.fullmatch(r"(label_)?(da|no|en)", k)]
            assert len(values) == 3 and all(v.strip() for v in values), row


def test_vectorised_holm_equals_statsmodels() -> None:
    from samskab_analysis.stats.comparisons import _holm_many, holm_adjusted

    rng = np.random.default_rng(7)
    grid = [0.001, 0.01, 0.02, 0.05, 0.3, 1.0]
    for _ in range(200):
        others = rng.choice([*grid, *rng.random(3)], size=int(rng.integers(0, 7)))
        ps = rng.choice([*grid, *rng.random(3)], size=5)
        assert _holm_many(ps, others) == pytest.approx([holm_adjusted(float(p), others) for p in ps])
