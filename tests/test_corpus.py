"""The corpus as data: real values from the sources, the crosswalk, the Kirkpatrick indices, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from samskab_analysis.corpus import (
    check_design_agreement,
    check_index_rows,
    design_side_by_side,
    framework_items_table,
    load_corpus,
    quadrants,
    timeline_frame,
)
from samskab_analysis.corpus.files import date_bounds
from samskab_analysis.corpus.model import kirkpatrick_index_rows
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.published import load_design
from samskab_analysis.stats.indices import index_table, load_indices


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_deff_evaluation_design(corpus):
    assert corpus.fact("deff_evaluation", "libraries") == "8"
    assert corpus.fact("deff_evaluation", "group_interviews") == "19"
    roles = [int(corpus.fact("deff_evaluation", f"participants_{r}")) for r in ("project", "colleagues", "leaders")]
    assert roles == [28, 35, 15]
    assert sum(roles) == int(corpus.fact("deff_evaluation", "participants_total")) == 78
    assert (corpus.fact("deff_evaluation", "project_start"), corpus.fact("deff_evaluation", "project_end")) == (
        "2017",
        "2019",
    )


def test_strategic_article_focus_groups_add_up(corpus):
    kea = int(corpus.fact("strategic_article", "focus_group_interviews_kea"))
    other = int(corpus.fact("strategic_article", "focus_group_interviews_per_other_case"))
    cases = int(corpus.fact("strategic_article", "cases"))
    assert cases == 5
    assert kea + (cases - 1) * other == int(corpus.fact("strategic_article", "focus_group_interviews")) == 14


def test_norwegian_study_agrees_with_design_csv(corpus):
    design = load_design()
    assert check_design_agreement(corpus, design) == []
    assert corpus.fact("norwegian_survey", "invited") == "12"
    assert corpus.fact("norwegian_survey", "respondents") == "10"
    assert set(design["key"]) <= set(corpus.facts.loc[corpus.facts["study_id"] == "norwegian_survey", "key"])


def test_design_disagreement_is_reported(raw_copy):
    _edit(raw_copy / "published" / "design.csv", "invited,12,", "invited,13,")
    problems = check_design_agreement(load_corpus(raw_copy), load_design(raw_copy))
    assert len(problems) == 1
    assert "invited: design says 13 persons, corpus says 12 persons" in str(problems[0])


def test_every_fact_names_its_source(corpus):
    for frame in (corpus.facts, corpus.frameworks, corpus.positions, corpus.crosswalk, corpus.activities):
        assert (frame["seed"].isin(["000", "001", "002", "003", "004"])).all()
        assert (frame["source_section"] != "").all()


def test_side_by_side(corpus):
    table = design_side_by_side(corpus).set_index("compare")
    assert table.at["libraries", "deff_evaluation"] == "8 libraries"
    assert table.at["interviews", "strategic_article"] == "14 interviews"
    assert table.at["respondents", "norwegian_survey"] == "10 persons"
    assert table.at["data_collection", "norwegian_survey"] == "2024 *"
    assert table.at["respondents", "deff_evaluation"] == "-"


def test_timeline(corpus):
    events = timeline_frame(corpus, "en").set_index("event_id")
    assert events.at["samskaper_project", "first_day"] == dt.date(2018, 9, 1)
    assert events.at["samskaper_project", "last_day"] == dt.date(2020, 9, 15)
    assert events.at["deff_project", "first_day"] == dt.date(2017, 1, 1)
    assert events.at["deff_project", "last_day"] == dt.date(2019, 12, 31)
    assert events.at["survey", "start"] == "2024" and bool(events.at["survey", "derived"])
    assert date_bounds("2019-03") == (dt.date(2019, 3, 1), dt.date(2019, 3, 31))
    assert date_bounds("2018-12") == (dt.date(2018, 12, 1), dt.date(2018, 12, 31))


def test_kirkpatrick_and_competence_levels(corpus):
    assert corpus.kirkpatrick_levels == ["reaction", "learning", "behaviour", "results"]
    assert [corpus.name("kirkpatrick", lv) for lv in corpus.kirkpatrick_levels] == [
        "Umiddelbar reaktion",
        "Faktisk læring",
        "Ændret adfærd",
        "Organisatorisk forandring",
    ]
    levels = corpus.elements("competence_levels")
    assert list(levels["name_da"]) == ["Grundlæggende kompetence", "Udvidet kompetence", "Avanceret kompetence"]
    foci = corpus.elements("development_foci", "focus")
    assert list(foci["name_da"]) == ["Konceptudvikling", "Designudvikling", "Praksisudvikling"]
    assert list(corpus.elements("teece").index) == ["sensing", "seizing", "transforming"]


def test_four_types_and_their_quadrants(corpus):
    assert [corpus.name("ulrich_typology", t) for t in corpus.typology_types] == [
        "Styret samskabelse",
        "Ansvarliggørende samskabelse",
        "Ligeværdig samskabelse",
        "Faciliterende samskabelse",
    ]
    assert len(corpus.elements("ulrich_typology", "axis")) == 2
    quad = quadrants(corpus).set_index("type_id")
    assert tuple(quad.loc["faciliterende", ["outcome_definition", "central_actors"]]) == ("open", "external")
    assert tuple(quad.loc["styret", ["outcome_definition", "central_actors"]]) == ("defined", "public")
    assert len(set(zip(quad["outcome_definition"], quad["central_actors"], strict=True))) == 4
    assert corpus.name("ulrich_typology", "ligevaerdig", "no") == "Likeverdig samskaping"  # Norwegian names


def test_crosswalk_covers_all_items(corpus, study):
    cw = corpus.crosswalk.set_index("item_id")
    assert list(cw.index) == study.instrument.item_ids and len(cw) == 18
    assert cw.at["fig04", "kirkpatrick_level"] == "behaviour"
    assert cw.at["fig04", "typology_type"] == "faciliterende"
    assert list(cw.index[cw["typology_type"] != ""]) == ["fig04"]
    assert (cw["partner_id"] == study.instrument.items.loc[cw.index, "partner_id"]).all()
    assert cw.at["fig02", "kirkpatrick_level"] == "learning"
    assert (cw["kirkpatrick_level"] != "reaction").all()


def test_kirkpatrick_indices_agree_with_crosswalk(corpus, study):
    definitions = load_indices(study.instrument)
    assert check_index_rows(definitions, corpus) == []
    rows = kirkpatrick_index_rows(corpus)
    assert list(rows.loc[rows["index_id"] == "kirkpatrick_behaviour", "item_id"]) == [
        "fig01",
        "fig03",
        "fig04",
        "fig05",
        "fig17",
    ]
    table = index_table(study, family="kirkpatrick", indices=definitions).set_index("index_id")
    assert table.at["kirkpatrick_behaviour", "n_items"] == 5
    assert table.at["kirkpatrick_results", "n_items"] == 12
    assert table.at["kirkpatrick_behaviour", "value"] == pytest.approx(0.635)
    assert table.at["kirkpatrick_learning", "value"] == pytest.approx(0.85)
    assert table.at["kirkpatrick_results", "value"] == pytest.approx(0.565278, abs=1e-6)


def test_index_rows_out_of_step_are_reported(corpus, study, tmp_path):
    path = tmp_path / "indices.csv"
    text = (Path(__file__).parent.parent / "data" / "raw" / "analysis" / "indices.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("kirkpatrick_results,kirkpatrick,fig16,")]
    extra = next(line for line in lines if line.startswith("kirkpatrick_behaviour,kirkpatrick,fig01,"))
    lines.append(extra.replace(",fig01,", ",fig02,"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_index_rows(load_indices(study.instrument, path=path), corpus)
    assert any("missing" in str(p) and "fig16" in str(p) for p in problems)
    assert any("not in crosswalk.csv" in str(p) and "fig02" in str(p) for p in problems)
    assert len(problems) == 2


def test_activities(corpus):
    act = corpus.activities
    assert (act["location"] == "inside").sum() == 16
    assert (act["location"] == "outside").sum() == 9
    assert (act["typology_type"] == "").all()  # the report gives no per-activity grounds
    assert act.set_index("name_da").at["Bøger rundt om bålet", "location"] == "outside"


def test_framework_items_table(corpus, study):
    table = framework_items_table(study, corpus, "en").set_index("item_id")
    assert table.at["fig04", "top2_pct"] == 50.0 and table.at["fig04", "typology"] == "Facilitating co-creation"
    assert (table.at["fig05", "min_pct"], table.at["fig05", "max_pct"]) == (30.0, 100.0)
    assert table.at["fig02", "level"] == "Learning"


# ---- bad files ---------------------------------------------------------------------------------


def test_unknown_kirkpatrick_level(raw_copy):
    _edit(raw_copy / "corpus" / "crosswalk.csv", "fig03,behaviour", "fig03,behavior")
    with pytest.raises(DataValidationError) as err:
        load_corpus(raw_copy)
    text = str(err.value)
    assert "crosswalk.csv, row 4, column 'kirkpatrick_level'" in text
    assert "'behavior'" in text and "allowed: reaction, learning, behaviour, results" in text


def test_missing_item_and_wrong_partner_reported_together(raw_copy):
    path = raw_copy / "corpus" / "crosswalk.csv"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("fig17,")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _edit(
        path,
        "samskaper med lag og foreninger,associations,",
        "samskaper med lag og foreninger,citizens,",
    )
    with pytest.raises(DataValidationError) as err:
        load_corpus(raw_copy)
    assert len(err.value.problems) == 2
    text = str(err.value)
    assert "survey items missing: fig17" in text
    assert "column 'partner_id': differs from items.csv for fig05 (got 'citizens'); allowed: associations" in text


def test_unknown_type_and_missing_rationale_in_activities(raw_copy):
    path = raw_copy / "corpus" / "activities.csv"
    _edit(path, "plant swap,inside,,", "plant swap,inside,facilitating,")
    _edit(path, "chess,inside,,named in a list of open answers; no information on roles", "chess,inside,styret,")
    with pytest.raises(DataValidationError) as err:
        load_corpus(raw_copy)
    text = str(err.value)
    assert "column 'typology_type': value not allowed (got 'facilitating')" in text
    assert "allowed: styret, ansvarliggoerende, ligevaerdig, faciliterende" in text
    assert "column 'coding_rationale': must not be empty" in text


def test_bad_fact_values_and_unknown_framework(raw_copy):
    _edit(raw_copy / "corpus" / "study_facts.csv", "project_start,2017,date", "project_start,2017-13,date")
    _edit(raw_copy / "corpus" / "study_facts.csv", "libraries,8,libraries", "libraries,eight,libraries")
    with pytest.raises(DataValidationError) as err:
        load_corpus(raw_copy)
    text = str(err.value)
    assert "expected a date YYYY, YYYY-MM or YYYY-MM-DD (got '2017-13')" in text
    assert "study_facts.csv, row 2, column 'value': expected a number (got 'eight')" in text
    _edit(raw_copy / "corpus" / "study_facts.csv", "2017-13", "2017")
    _edit(raw_copy / "corpus" / "study_facts.csv", "eight", "8")
    _edit(raw_copy / "corpus" / "studies.csv", "teece|development_foci", "teece|foci")
    with pytest.raises(DataValidationError, match=r"studies.csv, row 3, column 'frameworks': unknown framework"):
        load_corpus(raw_copy)


def test_typology_positions_are_checked(raw_copy):
    path = raw_copy / "corpus" / "typology_positions.csv"
    _edit(path, "faciliterende,central_actors,external", "faciliterende,central_actors,open")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("styret,central")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_corpus(raw_copy)
    text = str(err.value)
    assert "column 'pole_id': not a pole of axis central_actors (got 'open'); allowed: public, external" in text
    assert "types without a position on an axis: styret/central_actors" in text


def test_timeline_key_must_be_a_date_fact(raw_copy):
    _edit(
        raw_copy / "corpus" / "timeline.csv", "survey,norwegian_survey,survey_year", "survey,norwegian_survey,invited"
    )
    with pytest.raises(DataValidationError, match=r"timeline.csv, row 7, column 'start_key': not a date fact"):
        load_corpus(raw_copy)


def test_missing_corpus_file(raw_copy):
    (raw_copy / "corpus" / "frameworks.csv").unlink()
    with pytest.raises(DataValidationError, match=r"frameworks.csv: frameworks file not found"):
        load_corpus(raw_copy)
