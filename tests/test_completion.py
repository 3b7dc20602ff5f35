"""Completion status: only completed responses are analysed unless --include-incomplete, for every tool whose
export says which responses are complete (LimeSurvey ``submitdate``: tests/test_limesurvey_exports.py;
Qualtrics ``Finished`` here)."""

from __future__ import annotations

import pytest
from limesurvey_export import write_export

from samskab_analysis.cli import build_parser, main
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.ingest.responses import IngestWarning, load_responses
from samskab_analysis.paths import INCOMPLETE_ENV
from samskab_analysis.run.plan import common_parameters
from samskab_analysis.run.runner import config_from_args
from samskab_analysis.study import load_study

INSTRUMENT = load_instrument()


def qualtrics(tmp_path, finished: list[str], answered: list[int]):
    """A Qualtrics-style CSV: respondent k answers its first answered[k] items (code 3 or yes) and stops."""
    items = INSTRUMENT.item_ids
    lines = [",".join(["StartDate", "Finished", "ResponseId", *items])]
    for k, (flag, n) in enumerate(zip(finished, answered, strict=True)):
        cells = [("3" if INSTRUMENT.items.at[i, "scale_id"] == "degree5" else "1") if j < n else ""
                 for j, i in enumerate(items)]  # fmt: skip
        lines.append(",".join(["2025-03-01 10:00:00", flag, f"R_{k + 1}", *cells]))
    path = tmp_path / "qualtrics.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_qualtrics_finished_decides(tmp_path):
    path = qualtrics(tmp_path, ["True", "False", "FALSE", "1", "0"], [18, 3, 0, 17, 18])
    with pytest.warns(IngestWarning, match=r"2 incomplete|3 incomplete"):
        default = load_responses(path, INSTRUMENT)
    assert list(default.index) == ["R_1", "R_4"] and default.attrs["incomplete_left_out"] == 3
    assert default.at["R_4", "fig17"] == ""  # a complete response's blank is 'no answer'
    with pytest.warns(IngestWarning, match="3 incomplete response"):
        kept = load_responses(path, INSTRUMENT, include_incomplete=True)
    assert list(kept.index) == ["R_1", "R_2", "R_3", "R_4", "R_5"]
    # no last-page column: unanswered questions after the last answered one are not reached
    assert kept.loc["R_2"].tolist() == ["some"] * 3 + ["not_reached"] * 15
    assert set(kept.loc["R_3"]) == {"not_reached"} and kept.attrs["not_reached"] == 15 + 18
    assert kept.loc["R_5"].tolist() == default.loc["R_1"].tolist()


def test_bad_completion_flag_named(tmp_path):
    path = qualtrics(tmp_path, ["True", "maybe"], [18, 18])
    with pytest.raises(DataValidationError) as err:
        load_responses(path, INSTRUMENT)
    assert "qualtrics.csv, row 3, column 'Finished': not a completion flag" in str(err.value)


def test_no_complete_response_is_an_error_not_an_empty_study(tmp_path):
    path = qualtrics(tmp_path, ["0", "false"], [3, 4])
    with pytest.raises(DataValidationError, match="no complete response: all 2 are incomplete"):
        load_responses(path, INSTRUMENT)
    assert len(load_responses(path, INSTRUMENT, include_incomplete=True)) == 2


def test_include_incomplete_reaches_run_notebooks_and_validate(tmp_path, monkeypatch, capsys):
    degree = {i: "some" if INSTRUMENT.items.at[i, "scale_id"] == "degree5" else "no" for i in INSTRUMENT.item_ids}
    answers = [dict(degree) for _ in range(4)]
    path = write_export(tmp_path / "results.csv", answers, INSTRUMENT, "da", "codes", incomplete={3: 2})
    parser = build_parser()
    config = config_from_args(parser.parse_args(["reproduce", "--data", str(path), "--include-incomplete"]))
    assert config.include_incomplete and common_parameters(config)["include_incomplete"] is True
    plain = config_from_args(parser.parse_args(["reproduce", "--data", str(path)]))
    assert not plain.include_incomplete and "include_incomplete" not in common_parameters(plain)
    with pytest.warns(IngestWarning):
        assert load_study(responses=path).n == 3
    monkeypatch.setenv(INCOMPLETE_ENV, "1")  # what `samskab reproduce --include-incomplete` sets for its notebooks
    with pytest.warns(IngestWarning):
        assert load_study(responses=path).n == 4
    monkeypatch.delenv(INCOMPLETE_ENV)
    assert main(["validate", str(path)]) == 0  # said once, in the command's own line: no Python warning format
    said = capsys.readouterr()
    assert "valid (3 respondents, 18 items; 1 incomplete left out, --include-incomplete keeps them)" in said.out
    assert "Warning" not in said.err and ".py:" not in said.err and "include_incomplete=" not in said.err
    assert main(["validate", str(path), "--include-incomplete"]) == 0
    assert "valid (4 respondents, 18 items)" in capsys.readouterr().out
