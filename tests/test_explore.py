"""The explorer's library (samskab_analysis.explore): cell moves, what-if numbers, saved assumptions, views, cohorts,
widgets without a browser, the notebook in a kernel and the CLI's refusals. Real values from the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samskab_analysis.cli import main
from samskab_analysis.data.strings import Strings
from samskab_analysis.explore.app import ExplorerApp
from samskab_analysis.explore.cells import cell_choices, is_consistent, move_cell
from samskab_analysis.explore.cohort import Cohort
from samskab_analysis.explore.published import EXPLORER_RULE, WhatIf
from samskab_analysis.explore.texts import explore_strings
from samskab_analysis.explore.views import category_labels, comparison_lines, item_table, item_view, source_text
from samskab_analysis.paths import DATA_DIR, REPO_ROOT
from samskab_analysis.stats.comparisons import VERDICTS, load_comparisons
from samskab_analysis.study import load_study

SYNTHETIC = DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv"


@pytest.fixture(scope="module")
def whatif() -> WhatIf:
    return WhatIf(prepare=False)


@pytest.fixture(scope="module")
def strings() -> dict:
    return explore_strings()


def counts_of(study, item_id: str) -> dict[str, int]:
    rows = study.item_counts(item_id)
    return dict(zip(rows["category_id"], rows["count"].astype(int), strict=True))


# --- cells -----------------------------------------------------------------------------------------------------


def test_figure_9_cells_and_the_nearest_consistent_table(whatif: WhatIf) -> None:
    space = whatif.spaces["fig09"]
    assert len(space.tables) == 36 * 10  # 7 over three categories (S09a: 70 %), 3 over the other three
    assert space.open_categories == ["very_high", "high", "some", "low", "not_at_all", "dont_know"]
    assert cell_choices(space, "high") == list(range(8)) and cell_choices(space, "low") == [0, 1, 2, 3]
    start = np.array([0, 3, 4, 3, 0, 0])  # assumptions.csv
    assert move_cell(space, start, "high", 5).tolist() == [0, 5, 2, 3, 0, 0]  # 'some' gives the two
    assert move_cell(space, start, "low", 2).tolist() == [0, 3, 4, 2, 1, 0]  # the neighbour on the scale takes one
    with pytest.raises(ValueError, match="allowed: 0, 1, 2, 3"):
        move_cell(space, start, "low", 4)


def test_stated_totals_move_together_and_fixed_cells_refuse(whatif: WhatIf) -> None:
    fig07 = whatif.spaces["fig07"]  # S07a some 60 %, S07b very high + high 20 %, S07c 80 % in varying degrees
    table = move_cell(fig07, whatif.defaults["fig07"], "very_high", 1)
    assert dict(zip(fig07.categories, table.tolist(), strict=True)) == {
        "very_high": 1, "high": 1, "some": 6, "low": 2, "not_at_all": 0, "dont_know": 0}  # fmt: skip
    with pytest.raises(ValueError, match="S07a"):
        move_cell(fig07, table, "some", 5)


def test_every_move_of_every_item_stays_consistent(whatif: WhatIf) -> None:
    for item_id, space in whatif.spaces.items():
        table = whatif.defaults[item_id]
        assert is_consistent(space, table), item_id
        for category in space.open_categories:
            for value in cell_choices(space, category):
                moved = move_cell(space, table, category, value)
                assert is_consistent(space, moved) and moved[space.column(category)] == value, (item_id, category)


# --- the what-if study and the saved file ----------------------------------------------------------------------


def test_saved_assumptions_reproduce_the_shown_numbers(tmp_path, capsys) -> None:
    model = WhatIf(prepare=False)
    model.set_cell("fig09", "high", 5)
    model.set_cell("fig08", "very_high", 6)
    model.set_cell("fig03", "low", 0)
    shown = model.study()
    assert counts_of(shown, "fig09")["high"] == 5 and counts_of(shown, "fig08") == {
        "very_high": 6, "high": 0, "some": 4, "low": 0, "not_at_all": 0, "dont_know": 0}  # fmt: skip
    path = model.save(tmp_path / "assumptions.csv")
    saved = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(saved.columns) == ["item_id", "category_id", "count", "rule", "rationale"]
    assert set(saved.loc[saved["rule"] == EXPLORER_RULE, "item_id"]) == {"fig03", "fig08", "fig09"}
    again = load_study(assumptions=path)
    pd.testing.assert_frame_equal(again.counts, shown.counts, check_dtype=False)
    assert main(["data", "--assumptions", str(path), "--out", str(tmp_path / "processed")]) == 0
    processed = pd.read_csv(tmp_path / "processed" / "counts.csv")
    row = processed[(processed["item_id"] == "fig09") & (processed["category_id"] == "high")]
    assert row["count"].tolist() == [5] and row["provenance"].tolist() == ["assumed"]
    model.reset()
    assert model.changed() == [] and model.save(tmp_path / "unchanged.csv")
    pd.testing.assert_frame_equal(load_study(assumptions=tmp_path / "unchanged.csv").counts, load_study().counts)


def test_whatif_changes_figure_8_vs_7_and_the_results_sentence(whatif: WhatIf, strings: dict) -> None:
    say = Strings(strings, "en")
    whatif.reset()
    before = comparison_lines(whatif.study(), "fig08", whatif.comparison_table(), say, "en")
    assert len(before) == 1 and "Figure 8 vs Figure 7" in before[0] and "between 0.031 and 0.289" in before[0]
    assert "9 possible pairings" in before[0] and "undetermined with these tables" in before[0]
    whatif.set_cell("fig08", "very_high", 6)
    after = comparison_lines(whatif.study(), "fig08", whatif.comparison_table(), say, "en")
    assert "between 0.008 and 0.289" in after[0]
    whatif.set_cell("fig09", "high", 5)
    view = item_view(whatif.study(), "fig09", "en", strings, whatif.comparison_table())
    assert view.comparisons == ()
    assert view.sentence.startswith("Figure 9 (") and ": 50 % of the 10 answered" in view.sentence
    assert "(the tables consistent with the report give 0–70 %)" in view.sentence
    assert "to a high degree 5" in view.figure and view.figure.count("data:image/png;base64,") == 1
    whatif.reset()


def test_exact_intervals_claims_and_sources(whatif: WhatIf, strings: dict) -> None:
    whatif.reset()
    whatif.set_cell("fig08", "very_high", 6)
    study = whatif.study()
    table = item_table(study, "fig08", "no", Strings(strings, "no")).set_index("Kategori")
    assert table.loc["i svært stor grad *", "95 %-intervall (Clopper–Pearson)"] == "26–88"
    assert table.loc["i liten grad", "95 %-intervall (Clopper–Pearson)"] == "0–31"
    view = item_view(study, "fig08", "da", strings, whatif.comparison_table())
    assert view.claims["Påstand"].tolist() == ["S08a", "S08b"]
    assert set(view.claims["Status"]) == {strings["status_consistent"]["da"]}
    some = study.item_counts("fig08").set_index("category_id").at["some", "source"]
    assert source_text(study, "fig08", some, "da").startswith("S08b — S08b: i nogen grad = 40 % «de resterende 40%")
    whatif.reset()


def test_every_verdict_and_comparison_has_words_in_every_language(strings: dict) -> None:
    comparisons = load_comparisons(load_study().instrument)
    for key in [*(f"explore_verdict_{v}" for v in VERDICTS), *(f"cmp_{c}" for c in comparisons["comparison_id"])]:
        assert key in strings and all(strings[key].values()), key


# --- cohort mode -----------------------------------------------------------------------------------------------


def test_cohort_subgroups_respect_min_count(tmp_path, strings: dict) -> None:
    frame = pd.read_csv(SYNTHETIC, dtype=str, keep_default_na=False)
    frame.insert(2, "startlanguage", ["nb"] * 9 + ["da"] * 5)
    path = tmp_path / "cohort.csv"
    frame.to_csv(path, index=False)
    cohort = Cohort(path, min_count=3)
    assert cohort.metadata_columns() == ["startlanguage"] and cohort.values("meta:startlanguage") == ["da", "nb"]
    group = cohort.subgroup("meta:startlanguage", "da")
    assert (group.n, group.rest) == (5, 9) and group.study is not None and group.study.n == 5
    observed = load_study(responses=path)
    expected = observed.responses[frame.set_index("respondent_id")["startlanguage"] == "da"]["fig15"]
    assert counts_of(group.study, "fig15")["yes"] == int((expected == "yes").sum())
    assert cohort.subgroup("item:fig15", "no").study is None  # 2 answered no: fewer than 3
    comparisons = cohort.comparison_table("meta:startlanguage", "da")
    view = item_view(group.study, "fig16", "en", strings, comparisons, min_count=3)
    counts = counts_of(group.study, "fig16")
    shown = view.table.set_index("Category")["Count"]
    pairs = zip(["yes", "no", "don't know"], counts.values(), strict=False)
    assert all(shown[c] == "suppressed" for c, k in pairs if k < 3)
    assert "suppressed" in view.sentence or min(v for v in counts.values()) >= 3
    from samskab_analysis.stats.disclosure import hidden_categories

    seen = 0
    for item_id in group.study.instrument.item_ids:  # the explorer hides what a published run of the group hides
        table = item_view(group.study, item_id, "en", strings, comparisons, min_count=3).table
        hidden = {c for c, k in zip(table["Category"], table["Count"], strict=True) if k == "suppressed"}
        labels = category_labels(group.study, item_id, "en")
        protected = hidden_categories(group.study.counts, 3)[item_id]
        assert {c.rstrip(" *†") for c in hidden} == {labels[c] for c in protected}, item_id
        seen += len(hidden)
    assert seen >= 5
    with pytest.raises(Exception, match="fewer than --min-count 20"):
        Cohort(path, min_count=20)


# --- widgets (no browser) --------------------------------------------------------------------------------------


def test_widgets_move_follow_reset_and_save(tmp_path) -> None:
    app = ExplorerApp(model=WhatIf(prepare=False), output_dir=tmp_path / "out", lang="en")
    assert app.item == "fig09" and "Preparing" not in app.comparisons.value
    figure = app.figure.value
    app.cell_selects["high"].value = "5"
    assert app.cell_selects["some"].value == "2" and app.figure.value != figure
    assert "Changed from assumptions.csv: Figure 9" in app.status.value
    app.item_select.value = "fig08"
    assert "Preparing the comparisons" in app.comparisons.value  # not prepared yet: never a wrong verdict
    app.prepare()
    assert "the claim holds on 0 of 126 (0 %) combinations of tables" in app.comparisons.value
    saved = app._on_save()
    assert saved == (tmp_path / "out" / "assumptions.csv").resolve() or saved.name == "assumptions.csv"
    assert counts_of(load_study(assumptions=saved), "fig09")["high"] == 5
    app.lang_select.value = "no"
    assert "Figur 8" in app.sentence.value and "Lagre" in app.save_button.description
    app._on_reset()
    assert app.model.changed() == [] and "Som i assumptions.csv" in app.status.value


def test_cohort_widgets_filter(tmp_path) -> None:
    app = ExplorerApp(SYNTHETIC, min_count=3, output_dir=tmp_path, lang="en")
    assert "N = 14" in app.title.value
    app.filter_select.value = "item:fig15"
    app.value_select.value = "no"
    assert "at least 3 in both are needed" in app.figure.value
    app.value_select.value = "yes"
    assert "Subgroup: 9 of 14 respondents." in app.figure.value


# --- the notebook in a kernel (as in JupyterLab) and the CLI -----------------------------------------------------


def test_notebook_runs_in_a_kernel(tmp_path) -> None:
    import papermill

    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(REPO_ROOT / "notebooks" / "explore.ipynb"), str(out), kernel_name="python3", progress_bar=False,
        parameters={"output_dir": str(tmp_path / "saved"), "lang": "en"}, cwd=str(tmp_path),
    )  # fmt: skip
    import nbformat

    nb = nbformat.read(out, as_version=4)
    views = [o for c in nb.cells for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in
             o.get("data", {})]  # fmt: skip
    assert len(views) == 1


def test_cli_refuses_bad_options(tmp_path, capsys) -> None:
    assert main(["explore", "--min-count", "-1", "--out", str(tmp_path)]) == 2
    assert "--min-count must be 0 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["explore", "--lang", "sv"])
    assert main(["explore", "--out", str(REPO_ROOT / "data" / "raw" / "x")]) == 2
    assert "inside data/raw/" in capsys.readouterr().err
