"""Large cohorts: the statistics at N = 100,000 are right, and the pieces that made large runs slow agree
with what they replaced.  Values only; speed is measured in benchmarks/bench_growth.py (no timed tests).

The large cohort is a small known one (the first 10 respondents of the SYNTHETIC example) replicated
10,000 times: shares, means, indices, alpha and rank correlations must equal the small cohort's, counts
must be 10,000 times larger and interval widths must shrink as 1 / sqrt(N).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import multinomial_proportions_confint

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.ingest.cache import answers_key, cache_path, load_answers, save_answers
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.ingest.responses import IngestWarning, load_responses
from samskab_analysis.paths import CACHE_ENV, DATA_DIR
from samskab_analysis.stats.cohorts import item_tests, ordinal_logit
from samskab_analysis.stats.comparisons import comparison_table, item_scores
from samskab_analysis.stats.exact_tests import MANNWHITNEY_EXACT_MAX_PRODUCT, unpaired_test
from samskab_analysis.stats.indices import index_table
from samskab_analysis.stats.intervals import distribution_intervals, share_intervals
from samskab_analysis.stats.microdata import item_correlations, paired_comparisons, reliability
from samskab_analysis.stats.scoring import study_summary
from samskab_analysis.stats.sison_glaz import sison_glaz_intervals
from samskab_analysis.study import Study, cohort_answers

EXAMPLE = DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv"
COPIES = 10_000


def cohort(answers: pd.DataFrame, instrument, label: str) -> Study:
    """A Study from validated answers, as load_study builds it."""
    counts = with_scale_info(counts_from_responses(answers, instrument), instrument)
    return Study(instrument, counts, label=label, n=len(answers), responses=answers)


@pytest.fixture(scope="module")
def small_and_large(study: Study) -> tuple[Study, Study]:
    """The first 10 respondents of the example, and the same 10 replicated 10,000 times (N = 100,000)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        answers = load_responses(EXAMPLE, study.instrument).iloc[:10]
    large = pd.DataFrame(
        np.tile(answers.to_numpy(dtype=object), (COPIES, 1)),
        columns=answers.columns,
        index=pd.Index([f"R{i:06d}" for i in range(10 * COPIES)], name=answers.index.name),
    )
    return cohort(answers, study.instrument, "small.csv"), cohort(large, study.instrument, "large.csv")


def test_large_cohort_counts_and_summary(small_and_large: tuple[Study, Study]) -> None:
    small, large = small_and_large
    assert large.n == 100_000
    assert (large.counts["count"].to_numpy() == COPIES * small.counts["count"].to_numpy()).all()
    s, big = study_summary(small), study_summary(large)
    for column in ("top_box_share", "mean_score", "median_score"):
        np.testing.assert_allclose(big[column], s[column], rtol=1e-12, atol=1e-12)


def test_large_cohort_shares_and_interval_widths(small_and_large: tuple[Study, Study]) -> None:
    small, large = small_and_large
    s, big = share_intervals(small), share_intervals(large)
    np.testing.assert_allclose(big["share"], s["share"], rtol=1e-12)
    assert (big["count"] == COPIES * s["count"]).all()
    p = big["share"].to_numpy()
    normal = 2 * 1.959963984540054 * np.sqrt(p * (1 - p) / 100_000)
    inner = (p > 0) & (p < 1)
    for lower, upper in (("wilson_lower", "wilson_upper"), ("exact_lower", "exact_upper")):
        width = (big[upper] - big[lower]).to_numpy()
        np.testing.assert_allclose(width[inner], normal[inner], rtol=0.01)
        assert (big[lower] <= p + 1e-12).all() and (p <= big[upper] + 1e-12).all()


def test_large_cohort_distribution_intervals(small_and_large: tuple[Study, Study]) -> None:
    _, large = small_and_large
    table, notes = distribution_intervals(large)
    # Sison-Glaz itself degenerates for some items (as statsmodels' does): the documented Goodman fallback
    assert set(table["sison_method"]) <= {"sison-glaz", "goodman"} and (table["sison_method"] == "sison-glaz").any()
    share = table["share"].to_numpy()
    for prefix in ("exact", "wilson", "goodman", "sison"):
        lower, upper = table[f"{prefix}_lower"].to_numpy(), table[f"{prefix}_upper"].to_numpy()
        assert (lower <= share + 1e-12).all() and (share <= upper + 1e-12).all()
        assert (upper - lower).max() < 0.02  # a few percentage points at most with 100,000 respondents
    assert len(notes) == 18


def test_large_cohort_indices_alpha_correlations(small_and_large: tuple[Study, Study]) -> None:
    small, large = small_and_large
    pd.testing.assert_series_equal(index_table(large)["value"], index_table(small)["value"], rtol=1e-12)
    inst = small.instrument
    pd.testing.assert_frame_equal(
        reliability(large.responses, inst).drop(columns="n_complete"),
        reliability(small.responses, inst).drop(columns="n_complete"),
    )
    rho_small, pairs_small = item_correlations(small.responses, inst)
    rho_large, pairs_large = item_correlations(large.responses, inst)
    pd.testing.assert_frame_equal(rho_large, rho_small, rtol=1e-9, atol=1e-12)
    assert (pairs_large == COPIES * pairs_small).all().all()


def test_large_cohort_paired_and_unpaired_tests(small_and_large: tuple[Study, Study], study: Study) -> None:
    small, large = small_and_large
    paired_small = paired_comparisons(small.responses, small.instrument)
    paired_large = paired_comparisons(large.responses, large.instrument)
    assert (paired_large["n_pairs"] == COPIES * paired_small["n_pairs"]).all()
    assert (paired_large["a>b"] == COPIES * paired_small["a>b"]).all()
    pd.testing.assert_series_equal(paired_large["mean_a"], paired_small["mean_a"])
    table = comparison_table(large)
    assert table["mannwhitney_method"].str.startswith("normal approximation").all()
    assert table["mannwhitney_p"].between(0, 1).all()
    tests = item_tests(study, large)
    assert (tests["n_b"] > 10_000).all()
    np.testing.assert_allclose(tests["mean_b"], study_summary(small)["mean_score"], rtol=1e-12)


def test_item_scores_vectorised(small_and_large: tuple[Study, Study]) -> None:
    small, _ = small_and_large
    scale = small.instrument.scale_rows("degree5")["score"]
    expected = [float(scale[a]) if a in scale.index else np.nan for a in small.responses["fig01"]]
    np.testing.assert_array_equal(item_scores(small, "fig01"), np.array(expected))


def test_mann_whitney_guard_matches_exact_below_threshold() -> None:
    x, y = np.array([1.0, 2, 2, 3, 5]), np.array([2.0, 3, 4, 4, 5, 5])
    small = unpaired_test(x, y)
    assert small["mannwhitney_method"].startswith("exact")
    x_big, y_big = np.repeat(x, 20), np.repeat(y, 20)
    assert len(x_big) * len(y_big) > MANNWHITNEY_EXACT_MAX_PRODUCT
    big = unpaired_test(x_big, y_big)
    assert big["mannwhitney_method"].startswith("normal approximation")
    assert big["mannwhitney_u"] == pytest.approx(400 * small["mannwhitney_u"])


@pytest.mark.parametrize(
    "counts",
    [[3, 4, 2, 1, 0, 0], [10, 0], [1, 1, 1, 1, 1, 1, 4], [0, 10], [2, 3, 5, 0, 0, 0], [40, 25, 20, 10, 5], [300, 1, 2]],
)
def test_sison_glaz_equals_statsmodels(counts: list[int]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = multinomial_proportions_confint(counts, alpha=0.05, method="sison-glaz")
        got = sison_glaz_intervals(counts, 0.05)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_ordinal_logit_weighted_equals_expanded() -> None:
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    x = np.array([1.0, 2, 2, 3, 3, 3, 4, 5, 4, 2])
    y = np.array([2.0, 3, 3, 4, 4, 5, 5, 5, 3, 4, 1, 4, 5, 4])
    got = ordinal_logit(x, y)
    values = np.concatenate([x, y])
    endog = pd.Series(pd.Categorical(values, categories=sorted(set(values)), ordered=True))
    exog = pd.DataFrame({"second_cohort": np.r_[np.zeros(len(x)), np.ones(len(y))]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = OrderedModel(endog, exog, distr="logit").fit(method="bfgs", disp=False, maxiter=500)
    assert got["ologit_status"] == "ok"
    assert got["ologit_coef"] == pytest.approx(fit.params["second_cohort"], abs=1e-6)
    assert got["ologit_se"] == pytest.approx(fit.bse["second_cohort"], rel=1e-4)
    assert got["ologit_p"] == pytest.approx(fit.pvalues["second_cohort"], abs=1e-5)


def test_answers_cache_round_trip(tmp_path, monkeypatch, study: Study) -> None:
    inst = study.instrument
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        plain = load_responses(EXAMPLE, inst)
    path = save_answers(plain, tmp_path / "answers.npz", ["first note", "second note"])
    with pytest.warns(IngestWarning) as record:
        loaded = load_answers(path)
    assert [str(w.message) for w in record] == ["first note", "second note"]
    pd.testing.assert_frame_equal(loaded, plain)
    assert {k: v for k, v in loaded.attrs.items() if k != "provenance"} == {
        k: v for k, v in plain.attrs.items() if k != "provenance"
    }
    assert loaded.attrs["provenance"].rows == plain.attrs["provenance"].rows
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv(CACHE_ENV, str(shared))  # a folder others may read is never used for respondent data
    cohort_answers(EXAMPLE, inst)
    assert list(shared.iterdir()) == []
    (tmp_path / "cache").mkdir(mode=0o700)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = cohort_answers(EXAMPLE, inst)
    key = answers_key(EXAMPLE, DATA_DIR)
    assert cache_path(tmp_path / "cache", key).is_file()
    pd.testing.assert_frame_equal(cohort_answers(EXAMPLE, inst), first)
    assert answers_key(EXAMPLE, DATA_DIR, {"fig01": "fig01"}) != key
    assert answers_key(EXAMPLE, DATA_DIR, sheet="Svar") != key


def test_spearman_from_joint_tables_equals_pandas() -> None:
    from samskab_analysis.stats.microdata import spearman_matrix

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.integers(1, 6, size=(500, 5)).astype(float), columns=list("abcde"))
    frame = frame.mask(rng.random(frame.shape) < 0.1)
    frame["d"] = 3.0  # no variation: undefined
    frame.loc[2:, "e"] = np.nan  # two pairs only: below min_periods
    expected = frame.corr(method="spearman", min_periods=3)
    pd.testing.assert_frame_equal(spearman_matrix(frame, 3), expected, rtol=0, atol=1e-12)


def test_box_stats_lists_each_outlier_once() -> None:
    from matplotlib import cbook

    from samskab_analysis.figures.microdata import box_stats

    data = [np.r_[np.linspace(0.45, 0.55, 1000), np.full(30, 0.0), np.full(20, 1.0)]]
    ours, theirs = box_stats(data)[0], cbook.boxplot_stats(data)[0]
    assert list(ours["fliers"]) == [0.0, 1.0] and len(theirs["fliers"]) == 50
    assert {k: v for k, v in ours.items() if k != "fliers"} == {k: v for k, v in theirs.items() if k != "fliers"}
