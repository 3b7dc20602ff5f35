"""Messy real-world exports (Qualtrics, Forms, SurveyXact, Nettskjema, Excel, SPSS) read alike; bad ones rejected."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pandas as pd
import pytest

from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.ingest.responses import (
    IngestWarning,
    answer_lookup,
    load_answer_aliases,
    load_responses,
    parse_answer,
)
from samskab_analysis.paths import DATA_DIR, REPO_ROOT
from samskab_analysis.study import load_study

EXAMPLES = DATA_DIR / "examples"
MESSY = EXAMPLES / "messy"
REFERENCE = EXAMPLES / "samskab_synthetic_cohort_no.csv"
NUMBERED = [str(i) for i in range(1, 15)]


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def reference(instrument):
    return load_responses(REFERENCE, instrument)


MESSY_CASES = [
    # file, ids (None = the SYN-R ids of the reference), header row, skipped rows, how items were recognised
    ("qualtrics_labels_synthetic.csv", None, 1, [2, 4], {"question text stored with the column"}),
    ("qualtrics_numeric_synthetic.xlsx", None, 1, [2, 3], {"question text stored with the column"}),
    ("google_forms_synthetic.csv", NUMBERED, 1, [], {"question text"}),
    ("microsoft_forms_synthetic.xlsx", NUMBERED, 1, [], {"question text"}),
    ("surveyxact_semicolon_cp1252_synthetic.csv", None, 1, [], {"item id or figure number", "question text"}),
    ("nettskjema_bom_semicolon_synthetic.csv", None, 1, [], {"item id or figure number"}),
    ("excel_oddities_synthetic.xlsx", NUMBERED, 4, [1, 3], {"item id or figure number"}),
    ("unicode_text_synthetic.txt", None, 1, [], {"item id or figure number"}),
    ("latin1_synthetic.csv", None, 1, [], {"item id or figure number"}),
    ("spss_strings_synthetic.sav", None, None, [], {"question text stored with the column"}),
    ("spss_user_missing_synthetic.sav", NUMBERED, None, [], {"item id or figure number"}),
]


@pytest.mark.parametrize(("name", "ids", "header_row", "skipped", "how"), MESSY_CASES, ids=[c[0] for c in MESSY_CASES])
def test_messy_exports_give_the_reference_answers(instrument, reference, name, ids, header_row, skipped, how):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IngestWarning)
        answers = load_responses(MESSY / name, instrument)
    expected = reference if ids is None else reference.set_axis(pd.Index(ids, name="respondent_id", dtype=object))
    pd.testing.assert_frame_equal(answers, expected)
    assert answers.attrs["header_row"] == header_row
    assert answers.attrs["skipped_rows"] == skipped
    assert set(answers.attrs["matched_by"].values()) == how


def test_export_details_are_recorded(instrument):
    qualtrics = load_responses(MESSY / "qualtrics_labels_synthetic.csv", instrument)
    assert qualtrics.attrs["details"] == {"encoding": "utf-8-sig", "delimiter": "comma"}
    assert qualtrics.attrs["columns"]["fig01"] == "Q1" and qualtrics.attrs["columns"]["meeting_place"] == "Q9"
    assert qualtrics.attrs["id_column"] == "ResponseId"
    assert "IPAddress" in qualtrics.attrs["ignored_columns"] and "UserLanguage" in qualtrics.attrs["ignored_columns"]
    surveyxact = load_responses(MESSY / "surveyxact_semicolon_cp1252_synthetic.csv", instrument)
    assert surveyxact.attrs["details"] == {"encoding": "cp1252", "delimiter": "semicolon"}
    utf16 = load_responses(MESSY / "unicode_text_synthetic.txt", instrument)
    assert utf16.attrs["details"] == {"encoding": "utf-16", "delimiter": "tab"}
    excel = load_responses(MESSY / "excel_oddities_synthetic.xlsx", instrument)
    assert excel.attrs["details"] == {"sheet": "Data", "blank_rows": "19, 20, 21"}
    assert excel.attrs["id_column"] == "Respondent"  # header cell merged from the row above
    assert excel.attrs["source"].endswith("excel_oddities_synthetic.xlsx [sheet Data]")


def test_study_counts_from_messy_exports_match(instrument):
    expected = load_study(responses=REFERENCE).counts
    for name in ("qualtrics_numeric_synthetic.xlsx", "surveyxact_semicolon_cp1252_synthetic.csv"):
        assert load_study(responses=MESSY / name).counts.equals(expected)


def test_missing_ids_are_generated_with_a_warning(instrument, reference):
    with pytest.warns(IngestWarning, match=r"respondent id empty on row\(s\) 5, 10; kept with generated ids"):
        answers = load_responses(MESSY / "missing_ids_synthetic.csv", instrument)
    assert list(answers.index[2:5]) == ["SYN-R03", "row5", "SYN-R05"]
    assert answers.attrs["generated_ids"] == {"row5": 5, "row10": 10}
    assert (answers.values == reference.values).all()


BROKEN_CASES = [
    (
        "duplicate_header_synthetic.csv",
        ["row 1, column 'FIG01'", "column name appears twice: field 2 ('fig01') and field 20 ('FIG01')"],
    ),
    (
        "ambiguous_title_synthetic.csv",
        [
            "column 'Figur 10: Er der skabt flere nye aktiviteter uden for biblioteksrummet?'",
            "question text matches several items (fig10, fig11)",
            "column 'Kommentar til figur 11': unknown column",
        ],
    ),
    (
        "unknown_answers_synthetic.csv",
        [
            "2 problems",
            "row 2, column 'fig01': answer outside the scale of fig01 (respondent 'SYN-R01') (got '5 - Helt enig')",
            "allowed: 5 / very_high / i meget høj grad",
            "row 4, column 'fig10'",
            "(got 'Måske'); allowed: 1 / yes / ja / yes",
            "or an alias of instrument/answer_aliases.csv",
        ],
    ),
    ("ragged_row_synthetic.csv", ["row 3: has 16 fields but the header (row 1) has 19"]),
    (
        "two_answer_sheets_synthetic.xlsx",
        ["several sheets look like answers", "(got 'Kommune A, Kommune B')"],
    ),
    (
        "headerless_values_synthetic.xlsx",
        ["[sheet Svar], row 1, column 'column U': column has values (row(s) 3) but no header"],
    ),
    (
        "duplicate_numeric_ids_synthetic.xlsx",
        ["row 4, column 'respondent_id': duplicated respondent id (first on row 2) (got '1')"],
    ),
]


@pytest.mark.parametrize(("name", "fragments"), BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES])
def test_broken_messy_files_are_rejected(instrument, name, fragments):
    with pytest.raises(DataValidationError) as err:
        load_responses(MESSY / "broken" / name, instrument)
    text = str(err.value)
    assert name in text and "Traceback" not in text
    for fragment in fragments:
        assert fragment in text


def test_every_broken_messy_file_is_covered():
    assert sorted(p.name for p in (MESSY / "broken").iterdir()) == sorted(c[0] for c in BROKEN_CASES)


def test_two_answer_sheets_load_when_one_is_named(instrument):
    answers = load_responses(MESSY / "broken" / "two_answer_sheets_synthetic.xlsx", instrument, sheet="Kommune B")
    assert list(answers.index) == ["SYN-R03", "SYN-R04"]


def test_messy_generator_is_byte_stable():
    spec = importlib.util.spec_from_file_location("make_messy_exports", REPO_ROOT / "scripts" / "make_messy_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


# --- answers -------------------------------------------------------------------------------


def test_code_and_label_answers(instrument):
    lookup = answer_lookup(instrument, "degree5")
    for text in (
        "5 - I meget høj grad",
        "5: i meget høj grad",
        "(5) i meget høj grad",
        "5. I MEGET HØJ GRAD",
        "i meget høj grad (5)",
        "5 = i svært stor grad",
        "meget høj grad",
        "'5",
        "5,00",
        "I meget høj grad.",
    ):
        assert parse_answer(text, lookup) == "very_high", text
    assert parse_answer("1 - I meget høj grad", lookup) == "very_high"  # the label decides, not the tool's number
    assert parse_answer("5 - Helt enig", lookup) is None
    assert parse_answer("6 - Ved ikke", lookup) == "dont_know"


def test_answer_aliases(instrument):
    lookup = answer_lookup(instrument, "degree5")
    for text in ("Ved ikke / ikke relevant", "ved ikke/ikke relevant", "Vet ikke", "Don't know", "Ikke relevant"):
        assert parse_answer(text, lookup) == "dont_know", text
    for text in ("N/A", "-", ".", "99", "99.0", "#N/A", "Ikke besvaret", "  "):
        assert parse_answer(text, lookup) == "", text
    assert parse_answer("9", lookup) == "dont_know"
    yes_no = answer_lookup(instrument, "yes_no")
    assert [parse_answer(v, yes_no) for v in ("true", "FALSE", "1 - Ja", "(0) Nei")] == ["yes", "no", "yes", "no"]
    assert parse_answer("true", lookup) is None  # TRUE means yes only on a yes/no item


def test_value_labels_decide_over_codes(instrument):
    lookup = answer_lookup(instrument, "degree5")
    assert parse_answer("1", lookup, value_label="I meget høj grad") == "very_high"
    assert parse_answer("99", lookup, value_label="Ved ikke") == "dont_know"
    assert parse_answer("99", lookup, value_label="Missing") == ""
    assert parse_answer("5", lookup, value_label="Strongly agree") is None


def test_alias_file_is_validated(instrument, raw_copy):
    path = raw_copy / "instrument" / "answer_aliases.csv"
    path.write_text(
        "alias,scale_id,category_id,note\nmaybe,degree5,perhaps,x\nja,degree5,very_high,x\nok,nope,yes,x\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as err:
        load_answer_aliases(instrument, raw_copy)
    text = str(err.value)
    assert "row 4, column 'scale_id': value not allowed (got 'nope')" in text
    path.write_text("alias,scale_id,category_id,note\nmaybe,degree5,perhaps,x\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"row 2, column 'category_id': not a category of scale degree5"):
        load_answer_aliases(instrument, raw_copy)
    path.write_text("alias,scale_id,category_id,note\nslet ikke,degree5,very_high,x\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"alias 'slet ikke' contradicts scales.csv"):
        answer_lookup(instrument, "degree5", raw_copy)


# --- small files written on the fly --------------------------------------------------------


INSTRUMENT = load_instrument()
SCALES = [INSTRUMENT.items.at[i, "scale_id"] for i in INSTRUMENT.item_ids]


def item_ids():
    return INSTRUMENT.item_ids


def values(degree: str = "4", yes_no: str = "1") -> list[str]:
    """One answer per item in item order: *degree* on degree items, *yes_no* on yes/no items."""
    return [degree if scale == "degree5" else yes_no for scale in SCALES]


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_sep_hint_cr_line_ends_and_utf16_without_bom(instrument, tmp_path):
    header = ["respondent_id", *item_ids()]
    body = "\r".join(";".join(r) for r in [header, ["R1", *values()], ["R2", *values("2", "0")]])
    answers = load_responses(write(tmp_path, "a.csv", "sep=;\r" + body), instrument)
    assert list(answers.index) == ["R1", "R2"] and answers.at["R1", "fig01"] == "high"
    assert answers.at["R2", "fig10"] == "no"
    assert answers.attrs["provenance"].rows == {"R1": 3, "R2": 4}
    tab = "\n".join("\t".join(r) for r in [header, ["R1", *values("1", "1")]])
    answers = load_responses(write(tmp_path, "b.txt", tab, "utf-16-le"), instrument)
    assert answers.at["R1", "fig10"] == "yes" and answers.at["R1", "fig01"] == "not_at_all"
    assert answers.attrs["details"] == {"encoding": "utf-16-le", "delimiter": "tab"}


def test_title_rows_and_quoted_newlines(instrument, tmp_path):
    header = ["respondent_id", "Navn", *item_ids()]
    rows = [[f"R{k}", '"Linje 1\nlinje 2; med semikolon"', *values("4", "ja")] for k in (1, 2)]
    lines = ["Samskabelse 2025;;", "", ";".join(header)] + [";".join(r) for r in rows]
    answers = load_responses(write(tmp_path, "t.csv", "\r\n".join(lines) + "\r\n"), instrument)
    assert answers.attrs["header_row"] == 3 and answers.attrs["skipped_rows"] == [1]
    assert answers.attrs["provenance"].rows == {"R1": 4, "R2": 6}
    assert answers.at["R2", "fig10"] == "yes"


def test_legacy_two_row_qualtrics_and_surveymonkey(instrument, tmp_path):
    inst = instrument
    names = ["V1", "V8", *(f"Q{k}" for k in range(1, 19))]
    texts = ["ResponseID", "StartDate", *(inst.title(i, "en") for i in inst.item_ids)]
    row = ["R_1", "2025-01-01", *values("3", "0")]
    answers = load_responses(
        write(tmp_path, "legacy.csv", "\n".join(",".join(f'"{c}"' for c in r) for r in [names, texts, row])), inst
    )
    assert list(answers.index) == ["R_1"] and answers.attrs["header_row"] == 2
    upper = ["Respondent ID", *(inst.title(i, "da") for i in inst.item_ids)]
    lower = ["", *["Response"] * 18]
    rows = [upper, lower, [row[0], *row[2:]]]
    text = "\n".join(",".join(f'"{c}"' for c in r) for r in rows)
    answers = load_responses(write(tmp_path, "monkey.csv", text), inst)
    assert list(answers.index) == ["R_1"] and answers.attrs["skipped_rows"] == [2]


def test_question_texts_match_loosely_but_never_ambiguously(instrument, tmp_path):
    inst = instrument
    headers = ["Timestamp", *(inst.title(i, "da") for i in inst.item_ids)]
    headers[3] = headers[3].replace("borgene", "borgerne")  # a typo fixed: close to exactly one title
    with pytest.warns(IngestWarning, match="similar \\(not identical\\) question text"):
        answers = load_responses(
            write(tmp_path, "f.csv", "\n".join([";".join(headers), ";".join(["x", *values("2", "0")])])), inst
        )
    assert answers.attrs["matched_by"]["fig03"] == "question text (approximate)"
    headers[1] = inst.title("fig10", "da") + " - " + inst.title("fig12", "da")  # two titles in one header
    with pytest.raises(DataValidationError) as err:
        load_responses(
            write(tmp_path, "g.csv", "\n".join([";".join(headers), ";".join(["x", *values("2", "0")])])), inst
        )
    assert "field 2: question text matches several items (fig10, fig12); name the column in a column map" in str(
        err.value
    )
    # a bracketed Google Forms grid row is read as one text: the whole header is fig11's title
    matcher_headers = list(headers)
    matcher_headers[1] = "Er der skabt flere nye aktiviteter [uden for biblioteksrummet]"
    with pytest.raises(DataValidationError, match="gives item fig11 a second time"):
        load_responses(
            write(tmp_path, "k.csv", "\n".join([";".join(matcher_headers), ";".join(["x", *values("2", "0")])])), inst
        )


def test_rows_above_the_header_must_not_hold_answers(instrument, tmp_path):
    header = ["respondent_id", *item_ids()]
    lines = [",".join(["R0", *values()]), ",".join(header), ",".join(["R1", *values()])]
    # the first row is a respondent above the header: reported, not dropped
    with pytest.raises(DataValidationError, match=r"row 1: row is above the header \(row 2\) but holds answers"):
        load_responses(write(tmp_path, "h.csv", "\n".join(lines)), instrument)


def test_empty_and_unnamed_columns(instrument, tmp_path):
    header = ["Unnamed: 0", "respondent_id", *item_ids(), "Unnamed: 20", ""]
    body = [",".join(["", f"R{k}", *values(), "", ""]) for k in (1, 2)]
    answers = load_responses(write(tmp_path, "u.csv", "\n".join([",".join(header), *body])), instrument)
    assert answers.attrs["empty_columns"] == ["field 1", "field 21"]
    body = [",".join([str(k), f"R{k}", *values(), "", ""]) for k in (1, 2)]
    with pytest.raises(
        DataValidationError, match=r"column 'field 1': column has values \(row\(s\) 2, 3\) but no header"
    ):
        load_responses(write(tmp_path, "v.csv", "\n".join([",".join(header), *body])), instrument)


def test_respondents_without_answers_are_kept_with_a_warning(instrument, tmp_path):
    header = ["respondent_id", *item_ids()]
    body = [",".join(["R1", *values()]), ",".join(["R2", *[""] * 18])]
    with pytest.warns(IngestWarning, match=r"1 respondent\(s\) answered no item \(row\(s\) 3\)"):
        answers = load_responses(write(tmp_path, "e.csv", "\n".join([",".join(header), *body])), instrument)
    assert list(answers.index) == ["R1", "R2"]


def test_many_bad_answers_are_summarised_by_kind_and_all_written_to_a_file(instrument, tmp_path):
    header = ["respondent_id", *item_ids()]
    body = [",".join([f"R{k}", "7", "x" * 300, *values()[2:]]) for k in range(1, 31)]
    path = write(tmp_path, "m.csv", "\n".join([",".join(header), *body]))
    with pytest.raises(DataValidationError) as err:
        load_responses(path, instrument)
    text = str(err.value)
    assert len(err.value.problems) == 60
    assert text.startswith("60 problems in the input data (2 kinds; all of them are listed in ")
    assert "* answer outside the scale of fig01: 30 problems, row(s) 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ..." in text
    assert "* answer outside the scale of fig02: 30 problems" in text and "; value(s) 'xxxxxxxxxx" in text
    assert "row 2, column 'fig01': answer outside the scale of fig01 (respondent 'R1') (got '7')" in text
    assert "(got '" + "x" * 80 + "'… (300 characters))" in text and "x" * 81 not in text
    listed = Path(text.split("listed in ")[1].split("):")[0])
    assert listed.parent != path.parent and listed.name == "m.csv.problems.csv"
    table = pd.read_csv(listed, dtype=str, keep_default_na=False)
    assert len(table) == 60 and table["row"].tolist()[:2] == ["2", "3"]
    assert set(table["kind"]) == {"answer outside the scale of fig01", "answer outside the scale of fig02"}
    assert table["value"].str.len().max() == 300  # the file keeps whole values


def test_spss_reversed_value_labels_and_unknown_label(instrument, tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"id": ["a", "b"], **{i: [1.0, 99.0] for i in item_ids()}})
    labels = {
        i: {1.0: "I meget høj grad" if s == "degree5" else "Ja", 99.0: "Ikke besvaret"}
        for i, s in zip(item_ids(), SCALES, strict=True)
    }
    path = tmp_path / "rev.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels, missing_ranges={"fig01": [99.0]})
    answers = load_responses(path, instrument)
    assert (
        answers.at["a", "fig01"] == "very_high" and answers.at["b", "fig01"] == "" and answers.at["a", "fig10"] == "yes"
    )
    labels["fig02"] = {1.0: "Helt enig"}
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    with pytest.raises(
        DataValidationError, match=r"column 'fig02': answer outside the scale of fig02 .*value label 'Helt"
    ):
        load_responses(path, instrument)


def test_each_distinct_answer_text_is_read_once(instrument, tmp_path, monkeypatch):
    """20,000 respondents: the per-text parser runs once per distinct text of the file, not once per cell."""
    from samskab_analysis.ingest import answers as answer_module

    inst = instrument
    names = ["StartDate", "ResponseId", *(f"Q{k}" for k in range(1, 19))]
    texts = ["Start Date", "Response ID", *(inst.title(i, "da") for i in inst.item_ids)]
    imports = ['{"ImportId":"startDate"}', '{"ImportId":"_recordId"}', *(f'{{"ImportId":"QID{k}"}}' for k in range(18))]
    degree = ["I høj grad", "Ved ikke", "5 - I meget høj grad", "", "1", "i lav grad", "2,0"]
    yes_no = ["Ja", "nei", "", "Vet ikke", "0", "1"]
    rows = [
        [
            "2025-01-01",
            f"R_{n}",
            *(degree[(n + k) % 7] if s == "degree5" else yes_no[(n * 7 + k) % 6] for k, s in enumerate(SCALES)),
        ]
        for n in range(20_000)
    ]
    path = write(tmp_path, "big.csv", "\n".join(",".join(f'"{c}"' for c in r) for r in [names, texts, imports, *rows]))
    calls: list[str] = []
    original = answer_module.read_answer_text

    def counted(text):
        calls.append(text)
        return original(text)

    monkeypatch.setattr(answer_module, "read_answer_text", counted)
    answers = load_responses(path, inst)
    assert len(answers) == 20_000 and answers.at["R_0", "fig01"] == "high" and answers.at["R_2", "fig01"] == "very_high"
    assert sorted(calls) == sorted(set(degree) | set(yes_no))  # each distinct text once, across all 18 columns
