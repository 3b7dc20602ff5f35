"""Respondent-level statistics: POMP scores, indices, Cronbach's alpha, correlations, paired tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.ingest.responses import load_responses
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.stats.microdata import (
    SUPPRESSED,
    correlation_table,
    cronbach_alpha,
    index_summary,
    item_correlations,
    item_scores,
    paired_comparisons,
    reliability,
    respondent_indices,
    suppress_cells,
)

CSV = DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def answers(instrument):
    return load_responses(CSV, instrument)


def small_frame(instrument) -> pd.DataFrame:
    """Three respondents, every item blank except a few."""
    frame = pd.DataFrame("", index=pd.Index(["a", "b", "c"], name="respondent_id"), columns=instrument.item_ids)
    frame.loc["a", ["fig01", "fig02", "fig10"]] = ["very_high", "low", "yes"]
    frame.loc["b", ["fig01", "fig02", "fig10"]] = ["high", "dont_know", "no"]
    frame.loc["c", ["fig01", "fig02", "fig10"]] = ["not_at_all", "some", "dont_know"]
    return frame


def test_pomp_scores(instrument):
    scores = item_scores(small_frame(instrument), instrument)
    assert scores.loc["a", ["fig01", "fig02", "fig10"]].tolist() == [1.0, 0.25, 1.0]
    assert scores.loc["b", "fig01"] == 0.75 and np.isnan(scores.loc["b", "fig02"])
    assert scores.loc["c", "fig01"] == 0.0 and scores.loc["c", "fig02"] == 0.5 and np.isnan(scores.loc["c", "fig10"])
    raw = item_scores(small_frame(instrument), instrument, pomp=False)
    assert raw.loc["a", "fig01"] == 5.0 and raw.loc["b", "fig10"] == 0.0


def test_respondent_indices_average_scored_items(instrument):
    defs = pd.DataFrame(
        {"index_id": ["mix", "mix", "mix"], "item_id": ["fig01", "fig02", "fig10"], "label_en": ["Mix"] * 3}
    )
    values = respondent_indices(small_frame(instrument), instrument, defs)
    assert values["mix"].round(4).tolist() == [round(2.25 / 3, 4), 0.375, 0.25]


def test_cronbach_alpha_known_values():
    perfect = pd.DataFrame({"x": [1, 2, 3, 4], "y": [2, 3, 4, 5]})
    assert cronbach_alpha(perfect) == (pytest.approx(1.0), 4)
    # item variances 5/3 each, total [3, 3, 7, 7] has variance 16/3: alpha = 2 * (1 - (10/3) / (16/3)) = 0.75
    swapped = pd.DataFrame({"x": [1, 2, 3, 4], "y": [2, 1, 4, 3], "gone": [1, 1, 1, np.nan]})[["x", "y"]]
    assert cronbach_alpha(swapped) == (pytest.approx(0.75), 4)
    with_missing = pd.DataFrame({"x": [1, 2, 3, 4, 5], "y": [2, 1, 4, 3, np.nan]})
    assert cronbach_alpha(with_missing) == (pytest.approx(0.75), 4)  # listwise deletion
    assert np.isnan(cronbach_alpha(pd.DataFrame({"x": [1, 2], "y": [1, 2]}))[0])


def test_reliability_of_example(answers, instrument):
    table = reliability(answers, instrument).set_index("items")
    personal = table.loc["fig01,fig02,fig03,fig04,fig05"]
    assert personal["k"] == 5 and personal["n_complete"] == 10 and personal["alpha"] == pytest.approx(0.867)
    assert "fig06" not in ",".join(table.index)  # a level with one item has no alpha
    suppressed = reliability(answers, instrument, min_count=11).set_index("items")
    assert suppressed.loc["fig01,fig02,fig03,fig04,fig05", "alpha"] == SUPPRESSED


def test_correlations_pairwise(answers, instrument):
    rho, pairs = item_correlations(answers, instrument)
    both = item_scores(answers, instrument)[["fig01", "fig05"]].dropna()
    assert pairs.at["fig01", "fig05"] == len(both) == 12
    assert rho.at["fig01", "fig05"] == pytest.approx(both["fig01"].corr(both["fig05"], method="spearman"))
    assert correlation_table(answers, instrument, min_count=13).at["fig01", "fig05"] == ""


def test_paired_comparisons_on_real_pairs(answers, instrument):
    table = paired_comparisons(answers, instrument).set_index("comparison_id")
    row = table.loc["citizens_vs_associations"]
    scores = item_scores(answers, instrument, pomp=False)[["fig01", "fig05"]].dropna()
    diff = scores["fig01"] - scores["fig05"]
    assert row["n_pairs"] == 12
    assert (row["a>b"], row["a<b"], row["a=b"]) == ((diff > 0).sum(), (diff < 0).sum(), (diff == 0).sum()) == (3, 6, 3)
    # exact sign test: 3 of 9 non-zero differences positive -> 2 * P(X <= 3 | Bin(9, 1/2)) = 2 * 130 / 512
    assert row["sign_p"] == pytest.approx(round(260 / 512, 4))
    hidden = paired_comparisons(answers, instrument, min_count=4, lang="en").set_index("comparison_id")
    row = hidden.loc["citizens_vs_associations"]
    # 14 respondents cannot fill the 7 x 7 answer combinations of Figures 1 and 5 with 4 each: withheld, all of it
    # (a>b + a<b + a=b = n_pairs and the means would give joint cells back)
    assert set(row[["n_pairs", "mean_a", "a>b", "a<b", "a=b", "sign_p", "wilcoxon_p"]]) == {SUPPRESSED}
    assert row["note"] == (
        "withheld: a combination of the answers to Figure 1, Figure 5 has fewer than 4 respondents (zeros included)"
    )


def test_index_summary_respects_min_count(answers, instrument):
    table = index_summary(answers, instrument).set_index("index_id")
    assert table.at["personal", "n"] == 14 and table.at["institutional", "n"] == 12
    hidden = index_summary(answers, instrument, min_count=13).set_index("index_id")
    assert hidden.at["institutional", "mean"] == SUPPRESSED  # 12 respondents with a score
    assert hidden.at["personal", "mean"] == SUPPRESSED  # its items have cells below 13: the mean could reveal them
    assert set(hidden[["min", "median", "max"]].to_numpy().ravel()) == {SUPPRESSED}  # individual scores, never


def test_suppress_cells():
    frame = pd.DataFrame({"yes": [9, 9, 5], "no": [3, 5, 5], "dont_know": [2, 0, 5], "p": [0.1, 0.2, 0.3]})
    hidden = suppress_cells(frame, ["yes", "no", "dont_know"], 3, ["p"])
    # N = 14: "don't know" 2 is below 3, and "no" 3 goes too (else 14 - 9 - 3 gives it away); zeros are hidden
    assert hidden.values.tolist() == [
        [9, SUPPRESSED, SUPPRESSED, SUPPRESSED],
        [9, SUPPRESSED, SUPPRESSED, SUPPRESSED],
        [5, 5, 5, 0.3],
    ]
    assert suppress_cells(frame, ["yes"], 0) is frame
