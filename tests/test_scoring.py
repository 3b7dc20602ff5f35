"""Scores and shares from the reconstructed count table."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.stats.scoring import share_of, study_summary, weighted_median


def test_figure_6_counts_and_scores(study):
    summary = study_summary(study).set_index("item_id")
    row = summary.loc["fig06"]
    assert row["n"] == 10
    assert row["top_box_count"] == 4  # 1 very high + 3 high
    assert row["mean_score"] == pytest.approx((1 * 5 + 3 * 4 + 4 * 3 + 2 * 2) / 10)
    assert row["median_score"] == 3.0
    assert share_of(study.counts, "fig06", ["very_high", "high", "some"]) == pytest.approx(0.8)


def test_figure_4_fully_published(study):
    row = study_summary(study).set_index("item_id").loc["fig04"]
    assert row["mean_score"] == pytest.approx(3.5)
    assert row["median_score"] == pytest.approx(3.5)
    assert row["top_box_share"] == pytest.approx(0.5)
    assert row["assumed_cells"] == 0


def test_yes_no_scoring_excludes_dont_know(study):
    row = study_summary(study).set_index("item_id").loc["fig17"]
    assert row["n_scored"] == 8
    assert row["mean_score"] == pytest.approx(3 / 8)
    assert row["top_box_share"] == pytest.approx(0.3)


def test_shares_are_of_all_respondents(study):
    rows = study.item_counts("fig10").set_index("category_id")
    assert rows.at["yes", "share"] == pytest.approx(0.6)
    assert rows.at["dont_know", "share"] == pytest.approx(0.2)


def test_weighted_median():
    import numpy as np

    assert weighted_median(np.array([5.0, 4.0, 3.0]), np.array([5, 4, 1])) == 4.5
    assert math.isnan(weighted_median(np.array([]), np.array([])))


def test_microdata_aggregates_to_same_table(study):
    """Respondent rows built from the Figure 6 counts give back the Figure 6 table."""
    answers = ["very_high"] + ["high"] * 3 + ["some"] * 4 + ["low"] * 2
    frame = pd.DataFrame({"fig06": answers})
    counts = with_scale_info(counts_from_responses(frame, study.instrument), study.instrument)
    got = counts.set_index("category_id")["count"].to_dict()
    assert got == {"very_high": 1, "high": 3, "some": 4, "low": 2, "not_at_all": 0, "dont_know": 0, "no_answer": 0}
    published = study.item_counts("fig06").set_index("category_id")["count"].to_dict()
    assert all(got[c] == v for c, v in published.items())


def test_no_answer_is_counted_not_dropped(study):
    frame = pd.DataFrame({"fig10": ["yes", None, "", "dont_know"]})
    counts = counts_from_responses(frame, study.instrument).set_index("category_id")["count"]
    assert counts["no_answer"] == 2
    assert counts.sum() == 4
