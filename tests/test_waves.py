"""Several waves side by side, precision planning, and the runner's several --data files."""

from __future__ import annotations

import numpy as np
import pytest
from limesurvey_export import write_export

from samskab_analysis.cli import build_parser
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.run.plan import common_parameters, plan_jobs
from samskab_analysis.run.runner import config_from_args
from samskab_analysis.stats.intervals import proportion_interval
from samskab_analysis.stats.planning import (
    baseline_distribution,
    clopper_pearson_halfwidth,
    detectable_shift,
    implied_difference,
    n_for_halfwidth,
    width_table,
)
from samskab_analysis.stats.waves import changes, consecutive_tests, load_waves, shares_table, wave_shares

EXAMPLE = "data/raw/examples/samskab_synthetic_cohort_no.csv"
EXAMPLE_XLSX = "data/raw/examples/samskab_synthetic_cohort_da.xlsx"


def uniform_wave(tmp_path, instrument, name, degree, yes_no, n=20):
    """A LimeSurvey export where every respondent gives the same answers."""
    answers = [
        {i: degree if instrument.items.at[i, "scale_id"] == "degree5" else yes_no for i in instrument.item_ids}
        for _ in range(n)
    ]
    return write_export(tmp_path / f"{name}.csv", answers, instrument, "no", "codes")


@pytest.fixture()
def two_waves(tmp_path, study):
    a = uniform_wave(tmp_path, study.instrument, "wave_a", "very_high", "yes")
    b = uniform_wave(tmp_path, study.instrument, "wave_b", "low", "no")
    return load_waves([a, b], ["2025", "2026"])


def test_shares_use_exact_intervals(two_waves):
    shares = wave_shares(two_waves)
    published = shares[(shares["wave"] == "published") & (shares["item_id"] == "fig03")].iloc[0]
    assert published["top_count"] == 3 and published["n"] == 10
    assert (published["ci_low"], published["ci_high"]) == pytest.approx((0.0667, 0.6525), abs=1e-4)
    assert (published["ci_low"], published["ci_high"]) == proportion_interval(3, 10, "clopper-pearson")
    first = shares[(shares["wave"] == "2025") & (shares["item_id"] == "fig10")].iloc[0]
    assert first["share"] == 1.0 and first["ci_low"] == pytest.approx(0.8316, abs=1e-4)
    assert list(shares["wave"].unique()) == ["published", "2025", "2026"]


def test_consecutive_tests_are_holm_corrected(two_waves):
    tests = consecutive_tests(two_waves)
    assert len(tests) == 2 * 18 and set(zip(tests["from_wave"], tests["to_wave"], strict=True)) == {
        ("published", "2025"),
        ("2025", "2026"),
    }
    last = tests[tests["from_wave"] == "2025"]
    # 20 x 'very high' against 20 x 'low': exact p = 2 / C(40, 20)
    assert last["p"].iloc[0] == pytest.approx(2 / 137846528820, rel=1e-9)
    assert last["significant"].all()
    ordered = tests.sort_values("p")
    m = len(tests)
    expected = np.minimum(1, np.maximum.accumulate(ordered["p"].to_numpy() * (m - np.arange(m))))
    assert ordered["p_holm"].to_numpy() == pytest.approx(expected)
    table = changes(wave_shares(two_waves), tests, "en")
    row = table[(table["item_id"] == "fig01") & (table["to_wave"] == "2026")].iloc[0]
    assert (row["top_pct_from"], row["top_pct_to"], row["diff_pp"], row["verdict"]) == ("100", "0", "-100", "lower")


def test_min_count_keeps_suppressed_cells_suppressed(two_waves):
    shares = wave_shares(two_waves, min_count=3)
    fig01 = shares[(shares["wave"] == "published") & (shares["item_id"] == "fig01")].iloc[0]
    assert fig01["suppressed"] and np.isnan(fig01["share"])  # 9 of 10: the complement (1) is below 3
    printed = shares_table(shares, 3)
    assert printed.iloc[0]["top_count"] == "<3" and printed.iloc[0]["top_pct_95ci"] == "suppressed"
    table = changes(shares, consecutive_tests(two_waves), "en")
    assert table.iloc[0]["diff_pp"] == "suppressed"


def test_wave_labels_must_match_files(tmp_path):
    with pytest.raises(DataValidationError, match="1 labels for 2 wave files"):
        load_waves([EXAMPLE, EXAMPLE_XLSX], ["only one"])
    with pytest.raises(DataValidationError, match="same label"):
        load_waves([EXAMPLE, EXAMPLE_XLSX], ["2025", "2025"])


def test_one_data_file_keeps_the_parameters(tmp_path):
    one = config_from_args(build_parser().parse_args(["reproduce", "--data", EXAMPLE]))
    assert one.waves == () and "waves" not in common_parameters(one)
    assert one.out_dir.name == "samskab_synthetic_cohort_no" and one.responses.name == "samskab_synthetic_cohort_no.csv"
    published = config_from_args(build_parser().parse_args(["reproduce"]))
    assert "waves" not in common_parameters(published) and published.responses is None


def test_several_data_files_become_waves():
    args = ["reproduce", "--data", EXAMPLE, "--data", EXAMPLE_XLSX, "--wave-labels", "2025,2026"]
    config = config_from_args(build_parser().parse_args(args))
    assert config.responses.name == "samskab_synthetic_cohort_da.xlsx" and len(config.waves) == 2
    assert config.out_dir.name == "waves-samskab_synthetic_cohort_da"
    jobs = {j.stem: j for j in plan_jobs(config)}
    assert jobs["waves"].parameters["waves"] == f"{EXAMPLE}|{EXAMPLE_XLSX}"
    assert jobs["waves"].parameters["wave_labels"] == "2025|2026"
    with pytest.raises(DataValidationError, match="1 labels for 2 --data files"):
        config_from_args(build_parser().parse_args(["reproduce", "--data", EXAMPLE, "--data", EXAMPLE,
                                                    "--wave-labels", "x"]))


def test_precision_planning_numbers():
    assert clopper_pearson_halfwidth(10, 0.5)[0] == pytest.approx(0.3129, abs=1e-4)
    assert n_for_halfwidth(0.5, 0.10) == 104
    assert n_for_halfwidth(0.3, 0.10) == 88
    assert n_for_halfwidth(0.5, 0.05) == 402
    assert all(clopper_pearson_halfwidth(np.arange(104, 600), 0.5) <= 0.10)
    assert clopper_pearson_halfwidth(103, 0.5)[0] > 0.10
    widths = width_table(range(10, 401))
    assert widths["n"].min() == 10 and widths["n"].max() == 400 and len(widths) == 3 * 391


def test_detectable_shift_is_seeded_and_sensible(study):
    probs = baseline_distribution(study)
    assert probs.sum() == pytest.approx(1) and len(probs) == 5
    assert implied_difference(probs, 0.0) == pytest.approx((0.0, 0.0), abs=1e-8)
    small = detectable_shift(probs, 10, 10, n_sim=400)
    again = detectable_shift(probs, 10, 10, n_sim=400)
    large = detectable_shift(probs, 100, 100, n_sim=400)
    assert small == again and small.power >= 0.8 and large.power >= 0.8
    assert large.delta_sd < small.delta_sd and large.top2_pp < small.top2_pp
    assert 1.2 < small.delta_sd < 1.9 and 0.3 < large.delta_sd < 0.6
