"""The report's comparisons: paired tests, the pairing enumeration, and the generated conclusions."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.descriptivestats import sign_test

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.stats.comparisons import (
    comparison_table,
    conclusions,
    difference_multisets,
    expand,
    joint_tables,
    load_comparisons,
    mannwhitney_exact_p,
    paired_tests,
    pairing_range,
    sign_p,
    verdict,
    wilcoxon_p,
)
from samskab_analysis.stats.sensitivity import default_table, scale_scores
from samskab_analysis.study import Study


def respondent_study(study: Study, frame: pd.DataFrame) -> Study:
    counts = with_scale_info(counts_from_responses(frame, study.instrument), study.instrument)
    return Study(study.instrument, counts, label="test", n=len(frame), responses=frame)


@pytest.fixture(scope="module")
def published(study: Study) -> pd.DataFrame:
    return comparison_table(study).set_index("comparison_id", drop=False)


def test_paired_tests_known_values() -> None:
    result = paired_tests(np.full(10, 5.0), np.full(10, 4.0))
    assert result["n_pairs"] == 10 and result["n_positive"] == 10
    assert result["sign_p"] == pytest.approx(2 / 2**10)
    assert result["wilcoxon_p"] == pytest.approx(2 / 2**10)
    assert result["sign_statistic"] == 5.0


def test_paired_tests_drop_nan_pairs_and_zeros() -> None:
    x = np.array([5, 5, 4, 4, 3, np.nan, 5, 4, 3, 2])
    y = np.array([4, 4, 4, 3, 3, 3, np.nan, 2, 2, 1])
    result = paired_tests(x, y)
    assert (result["n_pairs"], result["n_positive"], result["n_negative"], result["n_zero"]) == (8, 6, 0, 2)
    assert result["sign_p"] == pytest.approx(2 / 2**6)
    d = np.array([1, 1, 0, 1, 0, 2, 1, 1.0])
    assert result["wilcoxon_p"] == pytest.approx(stats.wilcoxon(d, zero_method="wilcox").pvalue)
    assert "zero differences dropped" in result["wilcoxon_method"]


def test_paired_tests_all_equal_and_bad_shapes() -> None:
    result = paired_tests(np.ones(10), np.ones(10))
    assert (result["sign_p"], result["wilcoxon_p"]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="same length"):
        paired_tests(np.ones(10), np.ones(9))


def test_fast_p_values_equal_statsmodels_and_scipy() -> None:
    rng = np.random.default_rng(20240601)
    for _ in range(15):
        x = rng.integers(1, 6, size=10).astype(float)
        y = rng.integers(1, 6, size=10).astype(float)
        d = x - y
        if not d.any():
            continue
        expected = paired_tests(x, y)
        assert sign_p(int((d > 0).sum()), int((d < 0).sum())) == pytest.approx(sign_test(d, 0)[1])
        assert wilcoxon_p(tuple(sorted(d))) == pytest.approx(expected["wilcoxon_p"], abs=1e-12)


def test_mann_whitney_exact_equals_scipy_permutation() -> None:
    x = np.array([5, 5, 4, 4, 4, 3.0])
    y = np.array([4, 4, 3, 3, 3, 2, 5.0])
    scipy_p = stats.mannwhitneyu(x, y, method=stats.PermutationMethod(n_resamples=np.inf)).pvalue
    assert mannwhitney_exact_p(x, y) == pytest.approx(scipy_p, abs=1e-12)


def test_joint_tables_are_the_distinct_pairings() -> None:
    tables = list(joint_tables(np.array([2, 1]), np.array([1, 2])))
    assert len(tables) == 2
    # brute force: permutations of b against sorted a, deduplicated by the multiset of pairs
    a, b = [1, 1, 2], [1, 2, 2]
    pairings = {tuple(sorted(zip(a, perm, strict=True))) for perm in itertools.permutations(b)}
    assert len(pairings) == len(tables)


def test_difference_multisets_agree_with_brute_force(study: Study) -> None:
    counts_a, counts_b = default_table(study, "fig01"), default_table(study, "fig05")
    scores_a, _ = scale_scores(study, "fig01")
    scores_b, _ = scale_scores(study, "fig05")
    multisets = difference_multisets(counts_a, scores_a, counts_b, scores_b)
    tables = list(joint_tables(counts_a[counts_a > 0], counts_b[counts_b > 0]))
    assert sum(multisets.values()) == len(tables) == 28
    xa = expand(counts_a, scores_a)
    brute = {
        tuple(sorted((xa - np.array(perm)).tolist()))
        for perm in set(itertools.permutations(expand(counts_b, scores_b)))
    }
    assert set(multisets) == brute


def test_awareness_vs_action_over_pairings(study: Study) -> None:
    scores_a, _ = scale_scores(study, "fig02")
    scores_b, _ = scale_scores(study, "fig03")
    counts_a, counts_b = default_table(study, "fig02"), default_table(study, "fig03")
    result = pairing_range(counts_a, scores_a, counts_b, scores_b)
    assert result["pairings"] == 18
    assert result["wilcoxon_p_min"] == pytest.approx(2 / 2**10)
    assert result["wilcoxon_p_max"] == pytest.approx(0.03125)
    assert result["sign_p_max"] == pytest.approx(2 * 9 / 2**8)  # 7 up, 1 down, 2 ties
    # every distinct pairing tested with scipy directly gives the same range
    xa = expand(counts_a, scores_a)
    rows = np.flatnonzero(counts_a)
    cols = np.flatnonzero(counts_b)
    ps = []
    for table in joint_tables(counts_a[rows], counts_b[cols]):
        pairs = [(scores_a[rows[i]], scores_b[cols[j]]) for i, j in zip(*np.nonzero(table), strict=True)
                 for _ in range(table[i, j])]  # fmt: skip
        x, y = np.array(pairs).T
        ps.append(paired_tests(x, y)["wilcoxon_p"])
    assert (min(ps), max(ps)) == pytest.approx((result["wilcoxon_p_min"], result["wilcoxon_p_max"]))
    assert len(xa) == 10


def test_comparison_table_published(published: pd.DataFrame) -> None:
    assert list(published["comparison_id"]) == [
        "citizens_vs_associations",
        "awareness_vs_action",
        "local_vs_municipal_visibility",
        "network_vs_municipal_visibility",
        "invited_vs_inviting",
        "relevance_vs_visitors",
    ]
    row = published.loc["citizens_vs_associations"]
    assert (row["mean_a"], row["mean_b"], row["observed"]) == (pytest.approx(4.4), pytest.approx(4.1), "a>b")
    assert row["pairings"] == 28
    assert row["wilcoxon_p_min"] <= row["wilcoxon_p_comonotone"] <= row["wilcoxon_p_max"]
    assert row["wilcoxon_p_min"] <= row["wilcoxon_p_countermonotone"] <= row["wilcoxon_p_max"]
    assert row["completions"] == 4 * 330
    assert row["wilcoxon_p_min_all"] <= row["wilcoxon_p_min"]
    assert row["mannwhitney_p"] == pytest.approx(0.4726017017038689)
    assert row["mannwhitney_method"] == "exact permutation (ties included)"
    assert set(published["holm_family"]) == {6}
    # no comparison is settled by ten answers and a reconstruction; Figures 16 vs 17 cannot be significant at all
    expected = dict.fromkeys(published.index, "undetermined") | {"invited_vs_inviting": "cannot_be_significant"}
    assert {cid: verdict(r) for cid, r in published.iterrows()} == expected


def test_awareness_vs_action_sign_test_with_holm(published: pd.DataFrame) -> None:
    row = published.loc["awareness_vs_action"]
    # sign test over the 18 pairings of the default tables: 10 of 10 up (p = 2/2^10) ... 7 up, 1 down, 2 ties
    assert (row["sign_p_min"], row["sign_p_max"]) == (pytest.approx(2 / 2**10), pytest.approx(2 * 9 / 2**8))
    assert row["sign_p_min_attainable"] == pytest.approx(2 / 2**10)
    assert row["holm_p_best"] == pytest.approx(6 * 2 / 2**10)  # the smallest p of a family of 6
    # the smallest worst-case p over the 16 table combinations: Holm lifts it above 5 % on every table
    assert row["sign_p_minmax"] == pytest.approx(0.03125)
    assert row["verdict"] == "undetermined" and row["share_tables_holds"] == 0.0 and row["detectable"]


def test_figure_8_vs_7_is_undetermined(published: pd.DataFrame) -> None:
    row = published.loc["relevance_vs_visitors"]
    assert (row["item_a"], row["item_b"], row["pairings"]) == ("fig08", "fig07", 9)
    assert (row["sign_p_min"], row["sign_p_max"]) == (pytest.approx(0.03125), pytest.approx(0.2890625))
    assert row["verdict"] == "undetermined"


def test_undetectable_difference_is_not_support_for_none(published: pd.DataFrame) -> None:
    row = published.loc["invited_vs_inviting"]
    assert row["sign_p_min_attainable"] == pytest.approx(0.5)
    assert not row["detectable"] and row["verdict"] == "cannot_be_significant"
    sentence = conclusions(published.loc[["invited_vs_inviting"]])[0]
    assert "CANNOT BE SIGNIFICANT WITH THESE MARGINS: the smallest attainable p over every table and pairing is" \
        " 0.500" in sentence
    assert "not support for 'no difference'" in sentence
    # the direction a<b comes only from the "don't know" cells, fixed only under the assumed yes/no scale
    assert row["observed"] == "a<b" and row["direction_basis"] == "assumed_cells"
    assert "The observed direction (a<b) rests on assumed cells" in sentence


def test_local_visibility_holds_on_a_few_tables_only(published: pd.DataFrame) -> None:
    row = published.loc["local_vs_municipal_visibility"]
    assert row["completions"] == 1980
    assert row["share_tables_holds"] == pytest.approx(7 / 1980)
    assert (row["tables_holds"], row["tables_total"]) == (7, 1980)
    assert row["verdict_reason"] == "some consistent tables or pairings give each answer"
    sentence = conclusions(published.loc[["local_vs_municipal_visibility"]])[0]
    assert "It holds on 7 of 1,980 (< 1 %) combinations" in sentence and " 0 %" not in sentence


def test_family_verdicts_three_values() -> None:
    from samskab_analysis.stats.comparisons import family_verdicts

    def ev(gt: list[float], lt: list[float]) -> dict[str, np.ndarray]:
        two = np.minimum(gt, lt)
        return {"sign_p_min": two, "sign_p_max": two, "sign_p_gt_min": np.array(gt), "sign_p_gt_max": np.array(gt),
                "sign_p_lt_min": np.array(lt), "sign_p_lt_max": np.array(lt)}  # fmt: skip

    rows = [{"expected": "a>b"}, {"expected": "a>b"}, {"expected": "a>b"}, {"expected": "none"}]
    evidence = [ev([0.001], [1.0]), ev([1.0], [0.001]), ev([0.001, 0.5], [1.0, 1.0]), ev([0.6], [1.0])]
    out = family_verdicts(rows, evidence)
    assert [o["verdict"] for o in out] == ["holds", "contradicted", "undetermined", "cannot_be_significant"]
    assert out[2]["share_tables_holds"] == 0.5
    assert not out[3]["detectable"]
    # Holm: 0.02 alone holds, but not as the smallest of a family of 3 (3 * 0.02 > 0.05)
    assert family_verdicts([{"expected": "a>b"}], [ev([0.02], [1.0])])[0]["verdict"] == "holds"
    crowd = family_verdicts([{"expected": "a>b"}] * 3, [ev([0.02], [1.0]), ev([0.9], [1.0]), ev([0.9], [1.0])])
    assert crowd[0]["verdict"] == "undetermined" and not crowd[0]["detectable"]
    assert crowd[0]["reason"] == "holm_undetectable"


def test_conclusions_are_generated_from_the_numbers(published: pd.DataFrame) -> None:
    sentences = conclusions(published)
    assert sentences[1].startswith("Attention to citizens' ideas vs inviting citizens in (fig02 vs fig03)")
    assert "Sign test (primary; exact): p between 0.002 and 0.070 over the 18 pairings" in sentences[1]
    assert "assumes equal distances between answer categories" in sentences[1]
    assert "Holm's correction over the family of 6 comparisons" in sentences[1]
    assert "UNDETERMINED BY THE PUBLISHED NUMBERS" in sentences[1]
    assert not any("SURVIVE" in s for s in sentences)
    changed = published.copy()
    changed.loc["citizens_vs_associations", ["verdict", "verdict_reason"]] = ["holds", "on every table"]
    assert "HOLDS" in conclusions(changed)[0]


def test_respondent_level_uses_the_real_pairs(study: Study) -> None:
    frame = pd.DataFrame(
        {
            "fig02": ["very_high"] * 6 + ["high"] * 4,
            "fig03": ["some"] * 6 + ["high", "high", "some", "low"],
        },
        index=[f"r{i:02d}" for i in range(1, 11)],
    )
    micro = respondent_study(study, frame)
    table = comparison_table(micro).set_index("comparison_id")
    assert list(table.index) == ["awareness_vs_action"]  # the other comparisons' items are absent
    row = table.loc["awareness_vs_action"]
    assert row["pairing"] == "observed" and row["pairings"] == 1
    x = np.array([5.0] * 6 + [4.0] * 4)
    y = np.array([3.0] * 6 + [4.0, 4.0, 3.0, 2.0])
    expected = paired_tests(x, y)
    assert row["wilcoxon_p_min"] == row["wilcoxon_p_max"] == expected["wilcoxon_p"]
    assert row["sign_p_min"] == pytest.approx(2 / 2**8)
    assert np.isnan(row["wilcoxon_p_comonotone"])
    assert "for the observed pairs" in conclusions(table.reset_index())[0]
    # 8 up, 0 down: exact sign p = 2/2^8, a family of one: the claim holds for these data
    assert row["verdict"] == "holds" and row["sign_p_min_attainable"] == pytest.approx(2 / 2**8)
    assert "HOLDS" in conclusions(table.reset_index())[0]
    few = respondent_study(study, frame.iloc[:4])  # 4 pairs: the smallest attainable p is 2/2^4 = 0.125
    row = comparison_table(few).iloc[0]
    assert row["verdict"] == "cannot_be_significant" and not row["detectable"]
    assert "CANNOT BE SIGNIFICANT WITH THESE MARGINS: the smallest p the sign test can give with this many non-zero" \
        " differences is 0.125" in conclusions(comparison_table(few))[0]


def test_invalid_comparisons_are_reported_together(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "comparisons.csv"
    path.write_text(
        "comparison_id,item_a,item_b,label_en,report_claim_en,expected_direction\n"
        "mixed,fig01,fig10,x,y,a>b\n"
        "self,fig01,fig01,x,y,a>b\n"
        "unknown,fig01,fig99,x,y,a>b\n"
        "direction,fig01,fig05,x,y,bigger\n"
        "self,fig02,fig03,x,y,a>b\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as err:
        load_comparisons(study.instrument, path=path)
    text = str(err.value)
    assert "row 2, column 'item_b': scale yes_no differs from item_a's scale degree5" in text
    assert "row 3, column 'item_b': compares an item with itself" in text
    assert "row 4, column 'item_b': value not allowed (got 'fig99')" in text
    assert "row 5, column 'expected_direction': value not allowed (got 'bigger'); allowed: a>b, a<b, none" in text
    assert "row 6, column 'comparison_id': duplicates row 3" in text
