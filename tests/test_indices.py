"""Level indices: definitions as data (validated), POMP scoring, ranges, and what the marginals identify."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.stats.indices import index_table, load_indices
from samskab_analysis.study import Study

LEVELS = {
    "personal": ["fig01", "fig02", "fig03", "fig04", "fig05"],
    "institutional": ["fig06"],
    "citizens_relevance": ["fig07", "fig08", "meeting_place", "fig09", "fig10", "fig11"],
    "local_visibility": ["fig12", "fig13"],
    "municipal_visibility": ["fig14", "fig15", "fig16", "fig17"],
}


def respondent_study(study: Study, frame: pd.DataFrame) -> Study:
    counts = with_scale_info(counts_from_responses(frame, study.instrument), study.instrument)
    return Study(study.instrument, counts, label="test", n=len(frame), responses=frame)


def test_level_indices_cover_the_report_levels(study: Study) -> None:
    defs = load_indices(study.instrument)
    level = defs[defs["family"] == "level"]
    assert {k: list(v) for k, v in level.groupby("index_id", sort=False)["item_id"]} == LEVELS


def test_index_values_and_ranges(study: Study) -> None:
    table = index_table(study, "level").set_index("index_id")
    personal = table.loc["personal"]
    # POMP means of fig01..fig05 under the defaults: 0.85, 0.85, 0.55, 0.625, 0.775
    assert personal["value"] == pytest.approx((0.85 + 0.85 + 0.55 + 0.625 + 0.775) / 5)
    assert personal["min"] == pytest.approx((0.8 + 0.8 + 0.525 + 0.625 + 0.3) / 5)
    assert personal["max"] == pytest.approx((8 / 9 + 8 / 9 + 0.625 + 0.625 + 1.0) / 5)
    assert personal["n_items"] == 5
    institutional = table.loc["institutional"]
    assert institutional["value"] == institutional["min"] == institutional["max"] == pytest.approx((3.3 - 1) / 4)
    # yes/no items are on 0..1 already: fig16 yes 3, no 6 (don't know 1) -> 1/3
    municipal = table.loc["municipal_visibility"]
    assert municipal["value"] == pytest.approx((0.55 + 0.4 + 1 / 3 + 0.375) / 4)
    assert list(table["label"]) == ["Personal level", "Institutional level",
                                    "Relevance to citizens (incl. new activities)", "Local visibility",
                                    "Municipal visibility and change agents"]  # fmt: skip


def test_family_filter_and_language(study: Study) -> None:
    table = index_table(study, "level", lang="da")
    assert set(table["family"]) == {"level"}
    assert table.iloc[0]["label"] == "Personligt niveau"


def test_index_ignores_pairing_of_answers_across_respondents(study: Study) -> None:
    """The mean of item means is pairing-free; a correlation is not (so alpha is not identified)."""
    answers = pd.DataFrame(
        {
            "fig12": ["very_high", "high", "high", "some", "some", "some", "low", "high", "very_high", "some"],
            "fig13": ["very_high", "high", "some", "some", "some", "low", "low", "high", "high", "some"],
        },
        index=[f"r{i:02d}" for i in range(1, 11)],
    )
    shuffled = answers.assign(fig13=list(answers["fig13"].iloc[::-1]))
    first, second = respondent_study(study, answers), respondent_study(study, shuffled)
    value = index_table(first, "level").set_index("index_id").at["local_visibility", "value"]
    assert value == index_table(second, "level").set_index("index_id").at["local_visibility", "value"]
    assert value == pytest.approx(((3.6 - 1) / 4 + (3.3 - 1) / 4) / 2)
    assert "min" not in index_table(first, "level").columns

    scores = {"very_high": 5, "high": 4, "some": 3, "low": 2}
    r1 = np.corrcoef(answers["fig12"].map(scores), answers["fig13"].map(scores))[0, 1]
    r2 = np.corrcoef(shuffled["fig12"].map(scores), shuffled["fig13"].map(scores))[0, 1]
    assert r1 > 0.8 and r2 < 0.3


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_invalid_definitions_are_reported_together(study: Study, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "indices.csv",
        "index_id,family,item_id,label_da,label_no,label_en\n"
        "personal,level,fig01,Personligt,Personlig,Personal\n"
        "personal,level,fig99,Personligt,Personlig,Personal\n"
        "personal,level,fig02,Personligt,Personlig,Personal level\n"
        "personal,other,fig03,Personligt,Personlig,Personal\n"
        "personal,level,fig01,Personligt,Personlig,Personal\n"
        "Bad Id,level,fig04,x,y,z\n"
        "empty,level,fig05,,y,z\n",
    )
    with pytest.raises(DataValidationError) as err:
        load_indices(study.instrument, path=path)
    text = str(err.value)
    assert "row 3, column 'item_id': value not allowed (got 'fig99')" in text
    assert "row 4, column 'label_en': index personal has a different label_en on row 2" in text
    assert "row 5, column 'family': index personal has a different family on row 2" in text
    assert "row 6, column 'index_id+item_id': duplicates row 2" in text
    assert "row 7, column 'index_id': expected a lower-case identifier" in text
    assert "row 8, column 'label_da': must not be empty" in text
    assert str(path) in text


def test_missing_column_is_a_clear_error(study: Study, tmp_path: Path) -> None:
    path = _write(tmp_path / "indices.csv", "index_id,item_id\npersonal,fig01\n")
    with pytest.raises(DataValidationError, match="missing required column"):
        load_indices(study.instrument, path=path)


def test_definitions_from_a_data_dir_copy(study: Study, raw_copy: Path) -> None:
    target = raw_copy / "analysis" / "indices.csv"
    target.write_text(
        "index_id,family,item_id,label_da,label_no,label_en\nboth,custom,fig10,Begge,Begge,Both\n"
        "both,custom,fig11,Begge,Begge,Both\n",
        encoding="utf-8",
    )
    defs = load_indices(study.instrument, raw_copy)
    table = index_table(study, indices=defs)
    assert list(table["index_id"]) == ["both"]
    assert table.iloc[0]["value"] == pytest.approx((0.75 + 0.625) / 2)
