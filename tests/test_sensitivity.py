"""Sensitivity of derived statistics to the reconstruction's assumptions: exact ranges for known items."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.figures.uncertainty import plot_sensitivity
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.stats.sensitivity import item_completions, sensitivity_table, set_count_range
from samskab_analysis.study import Study, load_study


def respondent_study(study: Study, answers: dict[str, list[str]]) -> Study:
    frame = pd.DataFrame(answers, index=[f"r{i:02d}" for i in range(1, len(next(iter(answers.values()))) + 1)])
    counts = with_scale_info(counts_from_responses(frame, study.instrument), study.instrument)
    return Study(study.instrument, counts, label="test", n=len(frame), responses=frame)


@pytest.fixture(scope="module")
def table(study: Study) -> pd.DataFrame:
    return sensitivity_table(study).set_index(["item_id", "statistic"])


def test_figure_4_is_fully_published(table: pd.DataFrame) -> None:
    row = table.loc[("fig04", "mean_score")]
    assert (row["default"], row["min"], row["max"]) == (3.5, 3.5, 3.5)
    assert row["completions"] == 1 and row["fixed"]


def test_figure_1_top2_fixed_but_mean_open(table: pd.DataFrame) -> None:
    top = table.loc[("fig01", "top2_share")]
    assert (top["min"], top["max"], top["fixed"]) == (0.9, 0.9, True)
    mean = table.loc[("fig01", "mean_score")]
    # 5 x very high, 4 x high; the tenth respondent: some (default) .. not at all, or don't know (unscored)
    assert mean["default"] == pytest.approx((5 * 5 + 4 * 4 + 3) / 10)
    assert mean["min"] == pytest.approx((5 * 5 + 4 * 4 + 1) / 10)
    assert mean["max"] == pytest.approx((5 * 5 + 4 * 4) / 9)
    assert mean["completions"] == 4
    median = table.loc[("fig01", "median_score")]
    assert (median["default"], median["min"], median["max"]) == (4.5, 4.5, 5.0)
    pomp = table.loc[("fig01", "pomp")]
    assert (pomp["min"], pomp["max"]) == pytest.approx((0.8, (41 / 9 - 1) / 4))


def test_completion_counts(study: Study) -> None:
    # fig05: very high = 3 stated, 7 respondents over 5 open categories: C(11, 4)
    assert len(item_completions(study, "fig05")) == 330
    # fig09: 7 over very high/high/some (C(9, 2)) times 3 over low/not at all/don't know (C(5, 2))
    assert len(item_completions(study, "fig09")) == 360
    assert len(item_completions(study, "fig06")) == 1


def test_yes_no_item_range_includes_dont_know(table: pd.DataFrame) -> None:
    # fig15: 40 % yes stated; the other six may be no or don't know
    pomp = table.loc[("fig15", "pomp")]
    assert (pomp["default"], pomp["min"], pomp["max"]) == (0.4, 0.4, 1.0)


def test_defaults_lie_inside_their_ranges(table: pd.DataFrame) -> None:
    assert (table["min"] <= table["default"] + 1e-12).all()
    assert (table["default"] <= table["max"] + 1e-12).all()
    assert set(table.index.get_level_values("statistic")) == {"mean_score", "top2_share", "median_score", "pomp"}


def test_other_assumptions_move_the_default_not_the_range(table: pd.DataFrame) -> None:
    other = load_study(assumptions={("fig03", "very_high"): 1, ("fig03", "low"): 0})
    moved = sensitivity_table(other).set_index(["item_id", "statistic"]).loc[("fig03", "top2_share")]
    assert moved["default"] == 0.4
    assert (moved["min"], moved["max"]) == (table.loc[("fig03", "top2_share"), "min"], 0.4)


def test_set_count_range(study: Study) -> None:
    assert set_count_range(study, "fig12", ["very_high", "high"]) == (0, 9)
    assert set_count_range(study, "fig07", ["very_high", "high"]) == (2, 2)


def test_respondent_level_ranges_collapse(study: Study) -> None:
    micro = respondent_study(study, {"fig01": ["very_high"] * 4 + ["high"] * 4 + ["dont_know", ""]})
    rows = sensitivity_table(micro).set_index("statistic")
    assert (rows["completions"] == 1).all()
    assert (rows["min"] == rows["default"]).all() and (rows["max"] == rows["default"]).all()
    assert rows.loc["mean_score", "default"] == 4.5
    assert rows.loc["top2_share", "default"] == 0.8  # of all 10 respondents


def test_sensitivity_figure_has_both_panels(study: Study) -> None:
    fig = plot_sensitivity(study, sensitivity_table(study), "en")
    assert len(fig.axes) == 2
    assert "POMP" in fig.axes[0].get_xlabel()
    plt.close(fig)
