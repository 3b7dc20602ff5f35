"""The reconstruction reproduces every number the report states, and marks what it assumes."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import counts_of

from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.reconstruct.counts import (
    allowed_counts,
    compositions,
    consistent_tables,
    statement_constraints,
)
from samskab_analysis.study import load_study

N = 10


def test_n_and_design(study):
    assert study.n == 10
    design = study.design
    assert design.at["invited", "value"] == "12"
    assert design.at["respondents", "value"] == "10"
    assert design.at["response_rate", "value"] == "83"
    assert round(100 * 10 / 12) == 83
    assert design.at["participants_total", "value"] == "19"
    assert design.at["interviews", "value"] == "3"


def test_every_item_sums_to_n(study):
    totals = study.counts.groupby("item_id")["count"].sum()
    assert len(totals) == 18
    assert (totals == N).all()


@pytest.mark.parametrize(
    ("item_id", "expected"),
    [
        ("fig01", {"very_high": 5, "high": 4}),
        ("fig02", {"very_high": 5, "high": 4}),
        ("fig03", {"some": 6, "high": 3}),
        ("fig04", {"some": 5, "high": 5, "very_high": 0, "low": 0, "not_at_all": 0, "dont_know": 0}),
        ("fig05", {"very_high": 3}),
        ("fig06", {"very_high": 1, "high": 3, "some": 4, "low": 2, "not_at_all": 0, "dont_know": 0}),
        ("fig07", {"some": 6}),
        ("fig08", {"some": 4, "low": 0, "not_at_all": 0, "dont_know": 0}),
        ("meeting_place", {"some": 6}),
        ("fig10", {"yes": 6, "no": 2, "dont_know": 2}),
        ("fig11", {"yes": 5, "no": 3, "dont_know": 2}),
        ("fig14", {"some": 6}),
        ("fig15", {"yes": 4}),
        ("fig16", {"yes": 3, "no": 6, "dont_know": 1}),
        ("fig17", {"yes": 3, "no": 5, "dont_know": 2}),
    ],
)
def test_stated_and_derived_counts(study, item_id, expected):
    got = counts_of(study, item_id)
    for category, count in expected.items():
        assert got[category] == count, (item_id, category)
    rows = study.item_counts(item_id).set_index("category_id")
    for category in expected:
        assert rows.at[category, "provenance"] in {"stated", "derived", "derived_under_assumption"}


@pytest.mark.parametrize(
    ("item_id", "categories", "count"),
    [
        ("fig02", ("very_high", "high"), 9),
        ("fig06", ("very_high", "high", "some"), 8),
        ("fig07", ("very_high", "high"), 2),
        ("fig07", ("very_high", "high", "some"), 8),
        ("fig08", ("very_high", "high"), 6),
        ("meeting_place", ("very_high", "high"), 3),
        ("fig09", ("very_high", "high", "some"), 7),
        ("fig12", ("very_high", "high", "some"), 9),
        ("fig13", ("very_high", "high", "some"), 9),
        ("fig14", ("very_high", "high"), 3),
    ],
)
def test_combined_statements(study, item_id, categories, count):
    rows = study.item_counts(item_id)
    assert rows.loc[rows["category_id"].isin(categories), "count"].sum() == count


def test_provenance_marks(study):
    prov = study.counts.set_index(["item_id", "category_id"])["provenance"]
    assert prov[("fig06", "low")] == "stated"
    assert prov[("fig06", "not_at_all")] == "derived"
    # the yes/no scale of Figures 10, 11, 16, 17 is itself assumed: their "don't know" follows only under it
    for item_id in ("fig10", "fig11", "fig16", "fig17"):
        assert prov[(item_id, "dont_know")] == "derived_under_assumption", item_id
        assert prov[(item_id, "yes")] == prov[(item_id, "no")] == "stated"
    assert set(study.counts.loc[study.counts["provenance"] == "derived_under_assumption", "item_id"]) == {
        "fig10", "fig11", "fig16", "fig17"
    }
    source = study.counts.set_index(["item_id", "category_id"])["source"]
    assert "scale assumed" in source[("fig10", "dont_know")]
    assert prov[("fig01", "some")] == "assumed"
    assert prov[("fig08", "high")] == "assumed"  # the split of 'high or very high' is not published
    fully_published = {"fig04", "fig06", "fig10", "fig11", "fig16", "fig17"}
    for item_id in fully_published:
        assert set(study.item_counts(item_id)["provenance"]) <= {"stated", "derived", "derived_under_assumption"}
    assumed_items = set(study.counts.loc[study.counts["provenance"] == "assumed", "item_id"])
    assert assumed_items.isdisjoint(fully_published)


def test_stated_cells_cite_their_own_figure_first(study):
    source = study.counts.set_index(["item_id", "category_id"])["source"]
    # S05b (the Figure 5 paragraph, erratum E01) also states fig01's 50 %, but the Figure 1 statement comes first
    assert source[("fig01", "very_high")] == "S01a; also S05b"
    assert source[("fig01", "high")] == "S01b"
    stated = study.counts[study.counts["provenance"] == "stated"]
    statements = study.statements
    for _, row in stated.iterrows():
        first = row["source"].split(";")[0]
        assert statements.at[first, "item_id"] == row["item_id"]
        assert row["category_id"] in statements.at[first, "categories"]


def test_derived_cells_are_fixed_by_statements(study):
    derived = study.counts[study.counts["provenance"] != "assumed"]
    assert (derived["count_min"] == derived["count_max"]).all()
    assumed = study.counts[study.counts["provenance"] == "assumed"]
    assert (assumed["count_min"] <= assumed["count"]).all()
    assert (assumed["count"] <= assumed["count_max"]).all()


def test_allowed_counts_rounding():
    assert allowed_counts(50, "percent", 10) == {5}
    assert allowed_counts(83, "percent", 12) == {10}
    assert allowed_counts(55, "percent", 10) == frozenset()
    assert allowed_counts(3, "count", 10) == {3}


def test_compositions_size():
    assert len(compositions(10, 6)) == 3003
    assert (compositions(10, 6).sum(axis=1) == 10).all()


def test_consistent_completions_of_figure_1(study):
    statements = study.statements[study.statements["item_id"] == "fig01"]
    cats = study.instrument.item_categories("fig01")
    tables = consistent_tables(statement_constraints(statements, cats, N), len(cats), N)
    assert len(tables) == 4  # the tenth respondent can be in any of the 4 remaining categories


def test_override_by_mapping():
    alt = load_study(
        assumptions={
            ("fig03", "very_high"): 1,
            ("fig03", "low"): 0,
            ("fig03", "not_at_all"): 0,
            ("fig03", "dont_know"): 0,
        }
    )
    rows = alt.item_counts("fig03").set_index("category_id")
    assert rows.at["very_high", "count"] == 1
    assert rows.at["low", "count"] == 0
    assert rows.at["very_high", "provenance"] == "assumed"
    assert rows.at["some", "count"] == 6


def test_override_file(tmp_path, raw_copy):
    path = tmp_path / "my_assumptions.csv"
    frame = pd.read_csv(raw_copy / "published" / "assumptions.csv", dtype=str, keep_default_na=False)
    frame.loc[(frame.item_id == "fig15") & (frame.category_id == "no"), "count"] = "5"
    frame.loc[(frame.item_id == "fig15") & (frame.category_id == "dont_know"), "count"] = "1"
    frame.to_csv(path, index=False)
    alt = load_study(assumptions=path)
    assert counts_of(alt, "fig15") == {"yes": 4, "no": 5, "dont_know": 1}


def test_contradicting_assumption_is_loud():
    with pytest.raises(DataValidationError, match="fig04"):
        load_study(assumptions={("fig04", "very_high"): 1})
    with pytest.raises(DataValidationError, match="contradict"):
        load_study(assumptions={("fig01", "some"): 2})


def test_underdetermined_assumptions_are_loud():
    with pytest.raises(DataValidationError, match="add assumptions fixing"):
        load_study(assumptions={("fig05", "high"): 5})


def test_statements_exceeding_100_percent(raw_copy):
    path = raw_copy / "published" / "statements.csv"
    text = path.read_text(encoding="utf-8").replace("S01b,fig01,1,high,40", "S01b,fig01,1,high,60")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match="contradict each other"):
        load_study(raw_copy)


def test_raw_files_untouched(tmp_path):
    from samskab_analysis.paths import DATA_DIR

    before = {p: p.read_bytes() for p in DATA_DIR.rglob("*.csv")}
    load_study()
    assert {p: p.read_bytes() for p in DATA_DIR.rglob("*.csv")} == before
