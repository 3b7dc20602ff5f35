"""The questionnaire out (LimeSurvey structure, printable form, data package) and the answers back."""

from __future__ import annotations

import csv
import io
import json

import pytest
from limesurvey_export import METADATA, answer_rows, limesurvey_csv, write_export

from samskab_analysis.cli import main
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.fielding.datapackage import respondent_schema
from samskab_analysis.fielding.export import export_instrument, parse_formats
from samskab_analysis.fielding.limesurvey import COLUMNS, structure_rows
from samskab_analysis.fielding.questionnaire import fixed_dates, questionnaire_html
from samskab_analysis.fielding.texts import load_fielding_labels
from samskab_analysis.fielding.validate import validate_file
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.output import UnsafeOutputError, check_out_dir
from samskab_analysis.paths import DATA_DIR, NOTEBOOK_DIR, REPO_ROOT
from samskab_analysis.study import load_study

N = 40


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def labels():
    return load_fielding_labels()


def built_counts(instrument) -> dict[str, dict[str, int]]:
    """A known count table for 40 respondents: every category used, 1-2 unanswered per item."""
    out = {}
    for k, item_id in enumerate(instrument.item_ids):
        cats = instrument.item_categories(item_id)
        missing = 1 + k % 2
        base = [(N - missing) // len(cats)] * len(cats)
        for j in range((N - missing) - sum(base)):
            base[(j + k) % len(cats)] += 1
        out[item_id] = {**dict(zip(cats, base, strict=True)), "no_answer": missing}
    return out


def test_survey_codes_are_limesurvey_codes(instrument):
    codes = [instrument.survey_code(i) for i in instrument.item_ids]
    assert codes[:3] == ["fig01", "fig02", "fig03"] and "meetingplace" in codes
    assert all(c[0].isalpha() and c.isalnum() for c in codes) and len(set(codes)) == 18


def test_limesurvey_structure_rows(instrument, labels):
    rows = structure_rows(instrument, "no", labels)
    assert list(rows[0]) == list(COLUMNS)
    # LimeSurvey's own exports start with the survey id; its command-line import stops without it
    assert (rows[0]["class"], rows[0]["name"], rows[0]["text"]) == ("S", "sid", "571102")
    assert COLUMNS[:4] == ("id", "related_id", "class", "type/scale") and COLUMNS[-1] == "same_default"
    survey = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert survey["language"] == "nb"
    groups = [r for r in rows if r["class"] == "G"]
    assert [g["name"] for g in groups][:2] == ["Personlig nivå", "Institusjonelt nivå"] and len(groups) == 6
    questions = [r for r in rows if r["class"] == "Q"]
    assert len(questions) == 18 and {q["type/scale"] for q in questions} == {"L"}
    meeting = next(q for q in questions if q["name"] == "meetingplace")
    assert meeting["text"].startswith("Har den samskapende tilnærmingen")
    answers = [r for r in rows if r["class"] == "A" and r["id"] == meeting["id"]]
    assert [(a["name"], a["text"]) for a in answers][:2] == [("5", "i svært stor grad"), ("4", "i stor grad")]
    assert [a["name"] for a in answers] == ["5", "4", "3", "2", "1", "9"]
    fig10 = next(q for q in questions if q["name"] == "fig10")
    assert [a["name"] for a in rows if a["class"] == "A" and a["id"] == fig10["id"]] == ["1", "0", "9"]
    # one group per level, each question inside the group of its level
    assert sum(1 for r in rows if r["class"] == "A") == 13 * 6 + 5 * 3


def test_export_writes_deterministic_files(tmp_path):
    a, msgs = export_instrument("da", tmp_path / "a", parse_formats("limesurvey,html,datapackage"))
    b, _ = export_instrument("da", tmp_path / "b", parse_formats("limesurvey,html,datapackage"))
    assert sorted(a) == ["codes", "datapackage", "html", "limesurvey", "respondents"] and msgs == []
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name
    text = a["limesurvey"].read_text(encoding="utf-8")
    assert text.splitlines()[0].split("\t") == list(COLUMNS)
    assert "\tQ\tL\tfig07\t1\tDet samskabende arbejdes betydning for besøgstallet\t" in text


def test_export_refuses_repo_folders(tmp_path):
    for bad in (REPO_ROOT, DATA_DIR, DATA_DIR / "instrument" / "x", NOTEBOOK_DIR / "out"):
        with pytest.raises(UnsafeOutputError, match="choose"):
            export_instrument("da", bad, ("limesurvey",))
    assert not (DATA_DIR / "instrument" / "x").exists() and not (NOTEBOOK_DIR / "out").exists()
    assert check_out_dir(tmp_path / "ok") == (tmp_path / "ok").resolve()
    with pytest.raises(DataValidationError, match="unknown format"):
        parse_formats("limesurvey,spss")


def test_questionnaire_html(instrument, labels):
    page = questionnaire_html(instrument, "en", labels)
    assert "Respondent id" in page and page.count('class="q"') == 18
    assert "Has the co-creative approach made the library a relevant meeting place?" in page
    assert "to a very high degree <span class=\"c\">(code 5)</span>" in page
    assert "http" not in page  # nothing fetched from outside


def test_pdf_dates_are_fixed():
    pdf = b"<< /CreationDate (D:20261127150524+00'00') /ModDate (D:20261127150524+00'00') >>"
    fixed = fixed_dates(pdf)
    assert len(fixed) == len(pdf) and b"2026" not in fixed and b"D:20000101000000+00'00'" in fixed


def test_datapackage_schema(instrument):
    schema = respondent_schema(instrument)
    names = [f["name"] for f in schema["fields"]]
    assert names[0] == "respondent_id" and names[1:] == instrument.item_ids
    fig10 = schema["fields"][names.index("fig10")]
    assert fig10["constraints"]["enum"] == [1, 0, 9]
    assert fig10["categories"][0] == {"value": 1, "label": "yes"}
    assert "" in schema["missingValues"]


def test_datapackage_validates_with_frictionless(tmp_path):
    from frictionless import validate

    files, _ = export_instrument("no", tmp_path, ("datapackage",))
    assert validate(str(files["datapackage"])).valid
    descriptor = json.loads(files["datapackage"].read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == ["respondents", "codes"]


@pytest.mark.parametrize("mode", ["codes", "full"])
def test_limesurvey_export_round_trips_to_counts(tmp_path, instrument, mode):
    counts = built_counts(instrument)
    path = write_export(tmp_path / f"results-survey{mode}.csv", answer_rows(counts, instrument, N), instrument,
                        "no", mode, timings=True)
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert header[: len(METADATA)] == list(METADATA) and "meetingplace" in header and "fig01Time" in header
    study = load_study(responses=path)  # what `samskab reproduce --data` does: no column map
    assert study.n == N
    got = counts_from_responses(study.responses, instrument)
    for item_id, expected in counts.items():
        rows = got[got["item_id"] == item_id]
        assert dict(zip(rows["category_id"], rows["count"], strict=True)) == expected, item_id
    assert study.responses.attrs["columns"]["meeting_place"] == "meetingplace"
    ignored = set(study.responses.attrs["ignored_columns"])
    assert {"interviewtime", "groupTime1", "fig01Time", "meetingplaceTime"} <= ignored
    assert study.responses.attrs["incomplete_left_out"] == 0
    assert counts["fig01"] == {"very_high": 7, "high": 7, "some": 7, "low": 6, "not_at_all": 6, "dont_know": 6,
                               "no_answer": 1}


def test_incomplete_responses_left_out_or_not_reached(tmp_path, instrument):
    """Respondents 3 and 7 stopped after page 1 and 2 (LimeSurvey: submitdate NULL, lastpage = last page
    submitted, later questions NULL): left out by default, kept with their later questions 'not reached'."""
    answers = [dict.fromkeys(instrument.item_ids, "no_answer") for _ in range(8)]
    for row in answers:
        row.update(fig01="very_high", fig05="some", fig06="low", fig10="yes")
    path = write_export(tmp_path / "results.csv", answers, instrument, "da", "codes", incomplete={2: 1, 6: 2})
    with pytest.warns(UserWarning, match=r"2 incomplete response\(s\) left out .*'submitdate'.*6 complete"):
        default = load_study(responses=path)
    assert default.n == 6 and list(default.responses.index) == ["1", "2", "4", "5", "6", "8"]
    with pytest.warns(UserWarning, match=r"2 incomplete response\(s\) kept .*'not reached'"):
        kept = load_study(responses=path, include_incomplete=True)
    assert kept.n == 8 and kept.responses.attrs["incomplete_kept"] == 2
    row3, row7 = kept.responses.loc["3"], kept.responses.loc["7"]
    assert (row3["fig01"], row3["fig05"], row3["fig06"], row3["fig10"]) == ("very_high", "some", "not_reached",
                                                                           "not_reached")
    assert (row7["fig06"], row7["fig07"], row7["fig02"]) == ("low", "not_reached", "")  # fig02 on page 1: no answer
    counts = kept.counts
    fig07 = counts[counts["item_id"] == "fig07"].set_index("category_id")["count"]
    assert (fig07["no_answer"], fig07["not_reached"]) == (6, 2)
    fig01 = counts[counts["item_id"] == "fig01"].set_index("category_id")["count"]
    assert (fig01["very_high"], fig01["no_answer"], fig01["not_reached"]) == (8, 0, 0)
    assert list(counts[counts["item_id"] == "fig01"]["category_id"])[-2:] == ["no_answer", "not_reached"]


def test_handwritten_export_equals_real_limesurvey_exports(instrument):
    """tests/limesurvey_export.py rebuilds the real exports of tests/fixtures/limesurvey/ byte for byte."""
    fixtures = REPO_ROOT / "tests" / "fixtures" / "limesurvey"
    for lang in ("da", "en"):
        truth = list(csv.DictReader(io.StringIO((fixtures / f"truth_{lang}.csv").read_text(encoding="utf-8"))))
        answers = []
        for row in truth:
            answer = {}
            for item_id in instrument.item_ids:
                code = row[instrument.survey_code(item_id)]
                scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
                answer[item_id] = "no_answer" if code == "" else scale.index[scale["code"] == int(code)][0]
            answers.append(answer)
        incomplete = {k: int(r["lastpage"]) for k, r in enumerate(truth) if r["complete"] == "0"}
        for mode, kind in (("codes", "short"), ("full", "long")):
            for delimiter, suffix in ((";", "csv"), (",", "comma.csv")):
                real = (fixtures / f"{lang}_all_code_{kind}.{suffix}").read_bytes()
                built = limesurvey_csv(answers, instrument, lang, mode, incomplete=incomplete, delimiter=delimiter)
                assert built.encode("utf-8") == real, (lang, kind, suffix)


def test_validate_reports_file_row_column(tmp_path, capsys):
    instrument = load_instrument()
    header = ["respondent_id", *instrument.item_ids]
    good = ["r1", *("5" if instrument.items.at[i, "scale_id"] == "degree5" else "1" for i in instrument.item_ids)]
    bad = ["r2", "7", *good[2:]]
    path = tmp_path / "round.csv"
    path.write_text("\n".join(",".join(r) for r in (header, good, bad)) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        validate_file(path)
    text = str(err.value)
    assert "round.csv, row 3, column 'fig01'" in text and "allowed: 5, 4, 3, 2, 1, 9" in text
    path.write_text("\n".join(",".join(r) for r in (header, good)) + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "valid (1 respondents, 18 items)" in capsys.readouterr().out


def test_pdf_is_printed_deterministically(tmp_path):
    from samskab_analysis.fielding.questionnaire import chromium_path

    pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    if chromium_path() is None:
        pytest.skip("Chromium not installed (run .ci/install-system-deps)")
    first, messages = export_instrument("en", tmp_path / "a", ("pdf",))
    second, _ = export_instrument("en", tmp_path / "b", ("pdf",))
    if "pdf" not in first:
        pytest.skip(messages[0])
    data = first["pdf"].read_bytes()
    assert data.startswith(b"%PDF-") and data == second["pdf"].read_bytes()
    assert b"D:20000101000000" in data
