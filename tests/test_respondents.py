"""Respondent-level files: every format and spelling read alike, every bad file rejected with a clear message."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.ingest.responses import (
    answer_lookup,
    answer_summary,
    column_key,
    figure_item,
    load_responses,
    parse_answer,
    raw_answers,
)
from samskab_analysis.paths import DATA_DIR, REPO_ROOT
from samskab_analysis.study import load_study

EXAMPLES = DATA_DIR / "examples"
BROKEN = EXAMPLES / "broken"
CSV = EXAMPLES / "samskab_synthetic_cohort_no.csv"
CP1252 = EXAMPLES / "samskab_synthetic_cohort_no_semicolon_cp1252.csv"
XLSX = EXAMPLES / "samskab_synthetic_cohort_da.xlsx"
SAV = EXAMPLES / "samskab_synthetic_cohort_codes.sav"
RENAMED = EXAMPLES / "samskab_synthetic_cohort_renamed.csv"
RENAMED_MAP = EXAMPLES / "samskab_synthetic_cohort_renamed_column_map.csv"
HEADER = ",".join(
    ["respondent_id", "StartDate", *(f"fig{k:02d}" for k in range(1, 9)), "meeting_place"]
    + [f"fig{k:02d}" for k in range(9, 18)]
)


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def counts_of(study, item_id: str) -> dict[str, int]:
    rows = study.item_counts(item_id)
    return dict(zip(rows["category_id"], rows["count"], strict=True))


def test_example_counts_match_hand_count():
    # counted by hand from the fig01 / fig10 / fig15 columns of the CSV (mixed case, stray spaces)
    study = load_study(responses=CSV)
    assert study.n == 14
    assert counts_of(study, "fig01") == {
        "very_high": 2,
        "high": 4,
        "some": 4,
        "low": 3,
        "not_at_all": 0,
        "dont_know": 0,
        "no_answer": 1,
    }
    assert counts_of(study, "fig10") == {"yes": 9, "no": 3, "dont_know": 2, "no_answer": 0}
    assert counts_of(study, "fig15") == {"yes": 9, "no": 2, "dont_know": 1, "no_answer": 2}
    assert set(study.counts["provenance"]) == {"observed"}


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (CP1252, {}),
        (XLSX, {}),
        (XLSX, {"sheet": "Svar"}),
        (SAV, {}),
        (RENAMED, {"column_map": RENAMED_MAP}),
    ],
    ids=["csv-semicolon-cp1252", "xlsx-danish", "xlsx-named-sheet", "sav-codes", "csv-renamed-with-map"],
)
def test_every_format_gives_identical_answers(instrument, path, options):
    reference = load_responses(CSV, instrument)
    other = load_responses(path, instrument, **options)
    pd.testing.assert_frame_equal(other, reference)
    assert load_study(responses=path, **options).counts.equals(load_study(responses=CSV).counts)


def test_column_map_as_dict(instrument):
    frame = pd.read_csv(RENAMED_MAP, dtype=str)
    mapping = dict(zip(frame["column"], frame["item_id"], strict=True))
    assert load_responses(RENAMED, instrument, column_map=mapping).equals(load_responses(CSV, instrument))


def test_provenance_and_partial_answers_kept(instrument):
    answers = load_responses(CSV, instrument)
    assert list(answers.columns) == instrument.item_ids
    assert answers.index.name == "respondent_id" and answers.index[0] == "SYN-R01"
    assert answers.attrs["ignored_columns"] == ["StartDate"]
    assert answers.attrs["columns"]["fig01"] == "fig01"
    assert answers.attrs["provenance"].rows["SYN-R03"] == 4  # file line of the third respondent
    raw = raw_answers(answers)
    assert raw.at["SYN-R01", "fig01"] == "I NOEN GRAD" and answers.at["SYN-R01", "fig01"] == "some"
    summary = answer_summary(answers, instrument).set_index("item_id")
    assert summary.loc["fig15"].to_dict() == {"respondents": 14, "answered": 11, "dont_know": 1, "no_answer": 2,
                                                 "not_reached": 0}
    assert int(summary["respondents"].min()) == 14  # nobody dropped


def test_raw_files_are_never_modified(instrument):
    files = sorted(p for p in EXAMPLES.rglob("*") if p.is_file())
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    for path in files:
        try:
            load_responses(path, instrument, column_map=RENAMED_MAP if path == RENAMED else None)
        except DataValidationError:
            pass
    load_study(responses=XLSX)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files} == before


BROKEN_CASES = [
    ("unknown_column_synthetic.csv", ["row 1", "column 'Favorittfarge'", "unknown column", "allowed: fig01, fig02"]),
    (
        "outside_scale_synthetic.csv",
        [
            "2 problems",
            "row 3, column 'fig03'",
            "respondent 'SYN-R02'",
            "(got 'i overkant stor grad')",
            "allowed: 5 / very_high / i meget høj grad / i svært stor grad / to a very high degree",
            "row 5, column 'fig10'",
            "(got '7'); allowed: 1 / yes / ja / yes, 0 / no / nej / nei / no",
        ],
    ),
    (
        "duplicate_id_synthetic.csv",
        ["row 5, column 'respondent_id'", "duplicated respondent id (first on row 2)", "(got 'SYN-R01')"],
    ),
    ("empty_synthetic.csv", ["empty_synthetic.csv: responses file is empty"]),
    ("header_only_synthetic.csv", ["header_only_synthetic.csv: has a header but no respondent rows"]),
    (
        "mixed_encoding_synthetic.csv",
        ["row 3", "mixed text encodings", "line(s) 2, 4 are UTF-8", "line(s) 3 are cp1252"],
    ),
    ("missing_item_synthetic.csv", ["row 1", "missing item fig17", "allowed: fig17, Figur 17, F17"]),
]


@pytest.mark.parametrize(("name", "fragments"), BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES])
def test_broken_files_are_rejected(instrument, name, fragments):
    with pytest.raises(DataValidationError) as err:
        load_responses(BROKEN / name, instrument)
    text = str(err.value)
    assert name in text
    for fragment in fragments:
        assert fragment in text
    assert "Traceback" not in text


def test_every_broken_file_is_covered():
    assert sorted(p.name for p in BROKEN.iterdir()) == sorted(c[0] for c in BROKEN_CASES)


def test_wrong_sheet_lists_sheet_names(instrument):
    with pytest.raises(
        DataValidationError, match=r"no sheet with this name \(got 'Answers'\); allowed: Svar, Om filen"
    ):
        load_responses(XLSX, instrument, sheet="Answers")


def test_question_numbers_need_a_map(instrument):
    with pytest.raises(DataValidationError) as err:
        load_responses(RENAMED, instrument)
    text = str(err.value)
    assert "column 'Q1': unknown column" in text and "question numbers are not guessed" in text
    assert "column 'Kommune': unknown column" in text
    assert "missing item meeting_place" in text


def test_bad_column_map(instrument, tmp_path):
    bad = tmp_path / "map.csv"
    bad.write_text("column,item_id\nQ1,fig99\nQ2,fig02\nQ3,fig02\nNope,fig03\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_responses(RENAMED, instrument, column_map=bad)
    text = str(err.value)
    assert "map.csv, row 2, column 'item_id': value not allowed (got 'fig99')" in text
    assert "map.csv, row 4, column 'item_id': duplicates row 3" in text
    missing = tmp_path / "map2.csv"
    missing.write_text("column,item_id\nNope,fig03\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"map2.csv, row 2, column 'column': column map names a column"):
        load_responses(RENAMED, instrument, column_map=missing)


def test_no_id_column_numbers_rows_and_headers_are_recognised(instrument, tmp_path):
    names = ["Timestamp", *(f"Figur {k}" for k in range(1, 10)), "Meeting place"]
    names += [f"F{k}" for k in range(10, 15)] + ["fig. 15", "FIG16", "figure_17"]
    path = tmp_path / "forms.csv"
    row = ["2025-01-01", *["4"] * 9, "3", "1.0", "1.0", *["5.0"] * 3, "1", "0", "9"]
    path.write_text(",".join(names) + "\n" + ",".join(row) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    answers = load_responses(path, instrument)
    assert list(answers.index) == ["1", "2"]
    assert answers.loc["1"].to_dict() == {
        **{f"fig0{k}": "high" for k in range(1, 10)},
        "meeting_place": "some",
        "fig10": "yes",
        "fig11": "yes",
        **{f"fig{k}": "very_high" for k in range(12, 15)},
        "fig15": "yes",
        "fig16": "no",
        "fig17": "dont_know",
    }
    assert answers.attrs["ignored_columns"] == ["Timestamp"]


def test_answer_spellings(instrument):
    lookup = answer_lookup(instrument, "degree5")
    assert parse_answer("  I SVÆRT\u00a0STOR grad ".strip(), lookup) == "very_high"
    assert parse_answer("I Meget Høj Grad", lookup) == "very_high"
    assert parse_answer("to a high degree", lookup) == "high"
    assert parse_answer("5.0", lookup) == "very_high"
    assert parse_answer("2,0", lookup) == "low"
    assert parse_answer("not_at_all", lookup) == "not_at_all"
    assert parse_answer("Don\u2019t know", lookup) == "dont_know"
    assert parse_answer("VED IKKE", lookup) == "dont_know"
    assert parse_answer("", lookup) == ""
    assert parse_answer("6", lookup) is None
    assert parse_answer("4", lookup, value_label="i stor grad") == "high"
    yes_no = answer_lookup(instrument, "yes_no")
    assert [parse_answer(v, yes_no) for v in ("Ja", "NEJ", "nei", "no", "1", "0.0", "vet ikke")] == [
        "yes",
        "no",
        "no",
        "no",
        "yes",
        "no",
        "dont_know",
    ]


def test_column_keys(instrument):
    assert column_key("Figur\u00a007") == "figur_07"
    assert figure_item(column_key("Fig. 7"), instrument) == "fig07"
    assert figure_item(column_key("F17"), instrument) == "fig17"
    assert figure_item(column_key("Q7"), instrument) is None
    assert figure_item(column_key("Figur 18"), instrument) is None


def test_unsupported_suffix_and_missing_file(instrument, tmp_path):
    old = tmp_path / "answers.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataValidationError, match=r"unsupported file type.*allowed: .csv"):
        load_responses(old, instrument)
    with pytest.raises(DataValidationError, match="responses file not found"):
        load_responses(tmp_path / "nope.csv", instrument)


def test_example_generator_is_byte_stable():
    spec = importlib.util.spec_from_file_location(
        "make_example_cohort", REPO_ROOT / "scripts" / "make_example_cohort.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_header_constant_matches_example():
    assert CSV.read_text(encoding="utf-8").splitlines()[0] == HEADER
    assert Path(CP1252).read_bytes().decode("cp1252").splitlines()[0] == HEADER.replace(",", ";")


# --- no silent loss (issue 11) -------------------------------------------------------------


def _rows(n: int = 3) -> list[list[object]]:
    inst = load_instrument()
    scales = [inst.items.at[i, "scale_id"] for i in inst.item_ids]
    header = ["respondent_id", *inst.item_ids]
    return [header] + [[f"R{k}", *("4" if s == "degree5" else "1" for s in scales)] for k in range(1, n + 1)]


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_formula_cells_without_saved_values_are_errors(instrument, tmp_path):
    rows = _rows()
    rows[1][1] = "=2+2"  # openpyxl saves the formula but no result: read as values it would look blank
    rows[3][5] = "=IF(TRUE,4,1)"
    with pytest.raises(DataValidationError) as err:
        load_responses(_workbook(tmp_path / "f.xlsx", rows), instrument)
    text = str(err.value)
    assert text.startswith("2 problems")
    assert "row 2, column 'fig01': formula cell B2 has no saved value; open and save the file in Excel" in text
    assert "row 4, column 'fig05': formula cell F4" in text and "no answer" in text


def test_excel_date_cells_are_named(instrument, tmp_path):
    import datetime

    rows = _rows()
    rows[2][3] = datetime.datetime(2025, 4, 5)
    with pytest.raises(DataValidationError) as err:
        load_responses(_workbook(tmp_path / "d.xlsx", rows), instrument)
    text = str(err.value)
    assert "row 3, column 'fig03': answer outside the scale of fig03 (respondent 'R2')" in text
    assert "this cell is formatted as a date" in text and "(got '2025-04-05T00:00:00')" in text


@pytest.mark.parametrize(
    "cell", ["R1\u200b", "R1\u00a0", "\u00a0R1", "R\u200d1", "Ｒ1", "R1\ufeff", " R1 ", "\u200eR1"]
)
def test_ids_equal_after_normalisation_are_duplicates(instrument, tmp_path, cell):
    rows = _rows(2)
    rows[2][0] = cell
    path = tmp_path / "ids.csv"
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_responses(path, instrument)
    text = str(err.value)
    assert "row 3, column 'respondent_id': duplicated respondent id (first on row 2" in text


@pytest.mark.parametrize("cell", ["1e0", "+5", "5_0", "0x5", "inf", "4.5", "1e1", "٤", "5e-0", "1_000"])
def test_number_lookalikes_are_not_codes(instrument, tmp_path, cell):
    rows = _rows(2)
    rows[1][1] = cell
    path = tmp_path / "codes.csv"
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"row 2, column 'fig01': answer outside the scale of fig01"):
        load_responses(path, instrument)


def test_codes_still_read(instrument, tmp_path):
    lookup = answer_lookup(instrument, "degree5")
    assert [parse_answer(t, lookup) for t in ("5", "05", "5.0", "5,00", "'5", " 5 ")] == ["very_high"] * 6


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("a.csv", b"PK\x03\x04" + b"\x00" * 40, "is a ZIP archive (an Excel .xlsx"),
        ("a.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "is an old-style Office file"),
        ("a.csv", b"%PDF-1.7\n%\xe2\xe3", "is a PDF document, not delimited text"),
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "is a PNG image"),
        ("a.csv", b"abc\x00\x01\x02\x03\xff\xfe\x00\x00\x10" * 10, "is a binary file (it contains NUL"),
        ("a.xlsx", b"respondent_id,fig01\nR1,4\n", "is a text file, not an Excel .xlsx workbook"),
        ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "password-protected workbook), not an Excel"),
        ("a.sav", b"respondent_id,fig01\nR1,4\n", "is a text file, not an SPSS .sav file"),
        ("a.sav", b"PK\x03\x04" + b"\x00" * 40, "is a ZIP archive"),
    ],
)
def test_files_that_are_not_what_their_name_says(instrument, tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataValidationError) as err:
        load_responses(path, instrument)
    assert fragment in str(err.value) and str(path) in str(err.value)


def test_folders_and_unreadable_files(instrument, tmp_path, monkeypatch):
    folder = tmp_path / "answers.csv"
    folder.mkdir()
    with pytest.raises(DataValidationError, match="answers.csv: is a folder, not a responses file"):
        load_responses(folder, instrument)
    path = tmp_path / "locked.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    real_open = Path.open

    def denied(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(DataValidationError, match=r"locked.csv: responses file cannot be read \(permission denied\)"):
        load_responses(path, instrument)


def test_long_values_and_headers_are_cut_in_messages(instrument, tmp_path):
    rows = _rows(2)
    rows[1][1] = "y" * 5000
    rows[0].append("z" * 1000)
    rows[1].append("")
    rows[2].append("")
    path = tmp_path / "long.csv"
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_responses(path, instrument)
    text = str(err.value)
    assert "y" * 81 not in text and "(5000 characters)" in text
    assert "z" * 161 not in text and "(1000 characters)" in text


def test_utf16_without_bom_is_text_not_binary(instrument, tmp_path):
    rows = _rows(2)
    path = tmp_path / "u.txt"
    path.write_bytes("\n".join("\t".join(r) for r in rows).encode("utf-16-le"))
    assert len(load_responses(path, instrument)) == 2


def test_pasted_exports_and_unclosed_quotes_are_named(instrument, tmp_path):
    rows = _rows(4)
    rows.insert(3, list(rows[0]))
    path = tmp_path / "pasted.csv"
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_responses(path, instrument)
    assert str(err.value).startswith("1 problem")
    assert "row 4: row repeats the header (row 1): two exports pasted into one file?" in str(err.value)
    lines = [",".join(r) for r in _rows(4)]
    lines[2] = lines[2].replace(",4,", ',"4,', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"row 3: has \d+ fields .* a quote \(\"\) opened and not closed"):
        load_responses(path, instrument)


def test_damaged_workbook(instrument, tmp_path):
    path = _workbook(tmp_path / "ok.xlsx", _rows(2))
    data = path.read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataValidationError, match="cut.xlsx: not a readable Excel workbook"):
        load_responses(tmp_path / "cut.xlsx", instrument)


def test_lines_quoted_whole_are_named(instrument, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("\n".join('"' + ",".join(r) + '"' for r in _rows(2)), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"q.csv, row 1: every line is one quoted field"):
        load_responses(path, instrument)


def test_damaged_spss_file_is_a_message_not_a_crash(instrument, tmp_path):
    data = bytearray(SAV.read_bytes())
    data[963] = 21  # one byte of the header: pyreadstat's C reader crashes (segmentation fault) on this file
    path = tmp_path / "damaged.sav"
    path.write_bytes(bytes(data))
    with pytest.raises(DataValidationError, match=r"damaged.sav: not a readable SPSS file \(the SPSS reader stopped"):
        load_responses(path, instrument)
