"""Comparing two cohorts, and privacy: no respondent-level rows ever reach the rendered reports."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from samskab_analysis.paths import DATA_DIR, REPO_ROOT, REPORTS_DIR
from samskab_analysis.run.kernel_engine import run_job
from samskab_analysis.run.plan import Job, RunConfig, plan_jobs
from samskab_analysis.stats.cohorts import (
    cohort_label,
    cohort_pair,
    expanded_scores,
    item_tests,
    mann_whitney,
    ordinal_logit,
    side_by_side,
)
from samskab_analysis.stats.scoring import study_summary
from samskab_analysis.study import load_study

EXAMPLES = DATA_DIR / "examples"
CSV = EXAMPLES / "samskab_synthetic_cohort_no.csv"


@pytest.fixture(scope="module")
def pair():
    return cohort_pair()


def test_default_pair_is_published_then_synthetic(pair):
    a, b = pair
    assert a.is_published and not b.is_published
    assert cohort_label(a) == "Published study, reconstructed (N = 10)"
    assert cohort_label(b) == "SYNTHETIC example samskab_synthetic_cohort_no (N = 14)"


def test_cohort_run_compares_with_published():
    a, b = cohort_pair(responses=CSV)
    assert a.is_published and b.n == 14
    a2, b2 = cohort_pair(responses=CSV, compare_with=EXAMPLES / "samskab_synthetic_cohort_da.xlsx")
    assert not a2.is_published and a2.label.endswith(".xlsx") and b2.label.endswith(".csv")


def test_expanded_scores_published_fig01(pair):
    a, b = pair
    assert sorted(expanded_scores(a, "fig01").tolist()) == [3.0] + [4.0] * 4 + [5.0] * 5
    # synthetic fig01: 2 very high, 4 high, 4 some, 3 low (1 blank left out)
    assert sorted(expanded_scores(b, "fig01").tolist()) == [2.0] * 3 + [3.0] * 4 + [4.0] * 4 + [5.0] * 2


def test_side_by_side_counts_and_suppression(pair):
    a, b = pair
    table = side_by_side(*pair, lang="en")
    fig01 = table[table["exhibit"] == "Figure 1"].set_index("category")
    assert fig01.loc["to a very high degree", ["count_a", "pct_a", "count_b", "pct_b"]].tolist() == [5, 50.0, 2, 14.3]
    assert fig01.loc["no answer", ["count_a", "count_b"]].tolist() == [0, 1]
    assert fig01.loc["to some degree", "note_a"] == "assumed"
    hidden = side_by_side(*pair, lang="en", min_count=3)
    fig01 = hidden[hidden["exhibit"] == "Figure 1"].set_index("category")
    assert fig01.loc["to a very high degree", ["count_b", "pct_b"]].tolist() == ["suppressed", "suppressed"]
    assert fig01.loc["no answer", ["count_a", "count_b"]].tolist() == ["suppressed", "suppressed"]  # 0 and 1
    assert fig01.loc["to a low degree", "count_b"] == 3  # 2 + 0 + 0 + 1 suppressed hold 3: no secondary cell


def test_mann_whitney_matches_scipy():
    from scipy.stats import PermutationMethod

    x, y = np.array([5.0, 5, 4, 4, 3]), np.array([3.0, 2, 2, 4, 1])
    result = mann_whitney(x, y)  # small and tied: exact permutation p-value with ties
    expected = mannwhitneyu(x, y, alternative="two-sided", method=PermutationMethod(n_resamples=np.inf))
    assert result["mw_method"] == "exact"
    assert result["mw_u"] == expected.statistic and result["mw_p"] == pytest.approx(expected.pvalue)
    big_x, big_y = np.tile(x, 8), np.tile(y, 8)  # 40 x 40 > 900: tie-corrected normal approximation
    large = mann_whitney(big_x, big_y)
    approx = mannwhitneyu(big_x, big_y, alternative="two-sided", method="asymptotic")
    assert large["mw_method"] == "asymptotic" and large["mw_p"] == pytest.approx(approx.pvalue)
    exact = mann_whitney(np.array([1.0, 2, 3]), np.array([4.0, 5, 6]))
    assert exact["mw_method"] == "exact" and exact["mw_u"] == 0 and exact["mw_p"] == pytest.approx(0.1)


def test_ordinal_logit_direction_and_failures():
    fit = ordinal_logit(np.array([1.0, 2, 2, 3, 3, 3, 4]), np.array([2.0, 3, 4, 4, 5, 5, 5]))
    assert fit["ologit_status"].startswith("ok") and fit["ologit_coef"] > 0 and 0 < fit["ologit_p"] < 1
    separated = ordinal_logit(np.array([1.0, 1, 2, 2]), np.array([4.0, 4, 5, 5]))
    assert not separated["ologit_status"].startswith("ok") and np.isnan(separated["ologit_p"])
    single = ordinal_logit(np.array([3.0, 3]), np.array([3.0]))
    assert single["ologit_status"] == "skipped: only one answer category observed"


def test_item_tests_cover_every_item(pair):
    tests = item_tests(*pair).set_index("item_id")
    assert len(tests) == 18
    assert tests.loc["fig01", ["n_a", "n_b"]].tolist() == [10, 13]
    assert tests.loc["fig01", "mean_a"] == pytest.approx(4.4)
    assert tests.loc["fig01", "assumed_cells_a"] == 4


def test_plans_include_the_new_notebooks(tmp_path):
    published = {j.name for j in plan_jobs(RunConfig())}
    cohort = {j.name for j in plan_jobs(RunConfig(responses=CSV, out_dir=tmp_path))}
    assert "cohorts" in published and "microdata" not in published
    assert {"cohorts", "microdata"} <= cohort


def respondent_strings() -> list[str]:
    """Respondent ids, metadata values and whole raw rows of every example file."""
    with CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    strings = [r[0] for r in rows[1:]] + [r[1] for r in rows[1:]]
    strings += [",".join(r) for r in rows[1:]] + [",".join(r[2:8]) for r in rows[1:]]
    return strings


def test_committed_reports_hold_no_respondent_rows():
    needles = respondent_strings()
    for path in REPORTS_DIR.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".html", ".csv", ".json", ".svg"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [n for n in needles if n in text], path


@pytest.mark.parametrize("stem", ["microdata", "cohorts"])
def test_rendered_cohort_notebooks_hold_no_respondent_rows(tmp_path, stem):
    params = {
        "responses": CSV.relative_to(REPO_ROOT).as_posix(),
        "lang": "en",
        "also_langs": "",
        "output_dir": str(tmp_path / "figures"),
        "formats": "svg",
        "min_count": 3,
    }
    job = Job(stem, REPO_ROOT / "notebooks" / f"{stem}.ipynb", params, stem)
    result = run_job(job, tmp_path)
    assert result.error is None
    needles = respondent_strings()
    outputs = [tmp_path / "notebooks" / f"{stem}.ipynb"]
    outputs += list((tmp_path / "figures").glob("*.svg"))
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        assert not [n for n in needles if n in text], path
    notebook = (tmp_path / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8")
    assert "suppressed" in notebook and "<3" not in notebook  # min_count applied to printed counts
    assert "SYNTHETIC" in notebook


def test_study_from_example_has_observed_counts_only():
    study = load_study(responses=CSV)
    assert study_summary(study)["n"].tolist() == [14] * 18
