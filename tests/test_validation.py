"""Bad input gets one clear error naming file, row, column and allowed values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from samskab_analysis.data.csv_reader import read_table
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.study import load_study


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_item_in_statements(raw_copy):
    _edit(raw_copy / "published" / "statements.csv", "S03a,fig03", "S03a,fig33")
    with pytest.raises(DataValidationError) as err:
        load_study(raw_copy)
    text = str(err.value)
    assert "statements.csv" in text and "row 7" in text and "column 'item_id'" in text
    assert "'fig33'" in text and "allowed: fig01, fig02" in text


def test_unknown_category(raw_copy):
    _edit(raw_copy / "published" / "statements.csv", "S03a,fig03,3,some", "S03a,fig03,3,somewhat")
    with pytest.raises(DataValidationError, match=r"column 'categories'.*'somewhat'.*allowed: very_high, high"):
        load_study(raw_copy)


def test_wrong_type(raw_copy):
    _edit(raw_copy / "published" / "statements.csv", "S03a,fig03,3,some,60", "S03a,fig03,3,some,sixty")
    with pytest.raises(DataValidationError, match=r"column 'value': expected a number \(got 'sixty'\)"):
        load_study(raw_copy)


def test_duplicated_rows_are_reported_together(raw_copy):
    path = raw_copy / "published" / "assumptions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1])
    lines.append("fig01,bogus,1,x,y,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_study(raw_copy)
    assert len(err.value.problems) == 2
    assert "duplicates row 2" in str(err.value)
    assert "'bogus'" in str(err.value)


def test_missing_file(raw_copy):
    (raw_copy / "instrument" / "scales.csv").unlink()
    with pytest.raises(DataValidationError, match=r"scales.csv: scales file not found"):
        load_instrument(raw_copy)


def test_missing_column(raw_copy):
    path = raw_copy / "instrument" / "items.csv"
    _edit(path, "scale_id,scale_basis", "scale,scale_basis")
    with pytest.raises(DataValidationError, match="missing required column"):
        load_instrument(raw_copy)


def test_unknown_scale_in_items(raw_copy):
    _edit(raw_copy / "instrument" / "items.csv", "citizens,degree5,stated", "citizens,degree7,stated")
    with pytest.raises(DataValidationError, match=r"items.csv, row 2, column 'scale_id'.*allowed: degree5, yes_no"):
        load_instrument(raw_copy)


def test_bom_semicolon_cp1252(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("item;label\nfig01;i høj grad\n".encode("cp1252"))
    frame = read_table(path, ["item", "label"])
    assert frame.loc[0, "label"] == "i høj grad"
    path.write_bytes(b"\xef\xbb\xbf" + b"item;label\nfig01;slet ikke\n")
    frame = read_table(path, ["item", "label"])
    assert list(frame.columns[:2]) == ["item", "label"]
    assert frame["_line"].tolist() == [2]


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataValidationError, match="is empty"):
        read_table(path)


def test_ragged_row(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(DataValidationError, match=r"row 3: has 1 fields but the header has 2"):
        read_table(path)


def test_semicolon_copy_of_raw_data_loads(raw_copy):
    """The same instrument saved by Excel (BOM + semicolons) loads identically."""
    import csv

    path = raw_copy / "instrument" / "items.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    assert load_instrument(raw_copy).item_ids == load_instrument().item_ids


# --- the Python API validates like the files (issue 11) -------------------------------------


@pytest.mark.parametrize(
    ("mapping", "fragments"),
    [
        ({("fig33", "high"): 1}, ["column 'item_id': value not allowed (got 'fig33'); allowed: fig01"]),
        ({("fig03", "very_hgh"): 1}, ["column 'category_id': unknown category for item fig03 (got 'very_hgh')"]),
        ({("fig03", "very_high"): 1.5}, ["column 'count': expected a whole number of respondents (got '1.5')"]),
        ({("fig03", "very_high"): "x"}, ["expected a whole number of respondents (got 'x')"]),
        ({("fig03", "very_high"): -1}, ["column 'count': must not be negative (got -1)"]),
        ({("fig03", "very_high"): True}, ["expected a whole number of respondents (got 'True')"]),
        ({("fig03", "very_high"): float("nan")}, ["column 'count': must not be empty"]),
        ({"fig03": 1}, ["row 1: a key must be a pair (item_id, category_id) (got 'fig03')"]),
        (
            {("fig33", "x"): 1, ("fig03", "nope"): 2, ("fig04", "low"): 0.5},
            ["3 problems", "row 1, column 'item_id'", "row 2, column 'category_id'", "row 3, column 'count'"],
        ),
    ],
)
def test_assumptions_argument_is_validated_like_the_file(mapping, fragments):
    with pytest.raises(DataValidationError) as err:
        load_study(assumptions=mapping)
    text = str(err.value)
    assert "load_study(assumptions={...})" in text
    for fragment in fragments:
        assert fragment in text


def test_assumptions_argument_and_file_give_the_same_checks(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("item_id,category_id,count,rule,rationale\nfig03,very_hgh,1.5,override,x\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as from_file:
        load_study(assumptions=path)
    with pytest.raises(DataValidationError) as from_dict:
        load_study(assumptions={("fig03", "very_hgh"): 1.5})
    frame = pd.DataFrame({"item_id": ["fig03"], "category_id": ["very_hgh"], "count": [1.5]})
    with pytest.raises(DataValidationError) as from_frame:
        load_study(assumptions=frame)
    messages = [[p.message for p in e.value.problems] for e in (from_file, from_dict, from_frame)]
    assert (
        messages[0]
        == messages[1]
        == messages[2]
        == [
            "expected a whole number of respondents",
            "unknown category for item fig03",
        ]
    )


def test_valid_assumptions_argument_still_works(study):
    override = load_study(
        assumptions={
            ("fig03", "very_high"): 1.0,
            ("fig03", "low"): 0,
            ("fig03", "not_at_all"): 0,
            ("fig03", "dont_know"): "0",
        }
    )
    rows = override.item_counts("fig03").set_index("category_id")
    assert rows.at["very_high", "count"] == 1 and rows.at["very_high", "provenance"] == "assumed"


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            "S03a,fig03,3,some,60,percent",
            "S03a,fig03,3,some,160,percent",
            "row 7, column 'value': percentage outside 0-100 (got '160')",
        ),
        ("S03a,fig03,3,some,60,percent", "S03a,fig03,3,some,-10,percent", "percentage outside 0-100 (got '-10')"),
        (
            "S06b,fig06,6,very_high,1,count",
            "S06b,fig06,6,very_high,-1,count",
            "a count of respondents must not be negative",
        ),
        (
            "S06b,fig06,6,very_high,1,count",
            "S06b,fig06,6,very_high,1.5,count",
            "a count of respondents must be a whole number",
        ),
        (
            "S03a,fig03,3,some,60,percent",
            "S03a,fig03,3,some,nan,percent",
            "column 'value': expected a number (got 'nan')",
        ),
        ("S03a,fig03,3,some,60,percent", "S03a,fig03,3,some,inf,percent", "expected a number (got 'inf')"),
        ("S03a,fig03,3,some,60", "S03a,fig03,3,some|some,60", "column 'categories': category named twice (got 'some')"),
        (
            "S03a,fig03,3,some,60",
            "S03a,fig03,3,some||high,60",
            "unknown category for item fig03 (categories are separated",
        ),
        (
            "S03a,fig03,3,",
            "S03a,fig03,4,",
            "row 7, column 'cited_figure': statement S03a cites Figure 4 but its item fig03 is Figure 3",
        ),
        ("S03a,fig03,3,", "S03a,fig04,3,", "statement S03a cites Figure 3 but its item fig04 is Figure 4"),
        ("S18a,meeting_place,,", "S18a,meeting_place,9,", "its item meeting_place has no figure number"),
        ("S05b,fig01,2,", "S05b,fig01,3,", "statement S05b cites Figure 3 but its item fig01 is Figure 1"),
        (
            "S03a,fig03,3,",
            "S03a,fig03,three,",
            "column 'cited_figure': expected a figure number or blank (got 'three')",
        ),
        ("S03a,fig03,3,", "S03a,fig03,3.5,", "expected a figure number or blank (got '3.5')"),
    ],
)
def test_statement_edits_get_their_reason(raw_copy, old, new, fragment):
    _edit(raw_copy / "published" / "statements.csv", old, new)
    with pytest.raises(DataValidationError) as err:
        load_study(raw_copy)
    assert fragment in str(err.value)


def test_cited_figure_with_erratum_row_is_accepted(raw_copy):
    _edit(raw_copy / "published" / "errata.csv", "E01,S05b,2,fig01", "E01,S05b,2,fig02")
    with pytest.raises(DataValidationError, match="statement S05b cites Figure 2 but its item fig01 is Figure 1"):
        load_study(raw_copy)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("item_id,category_id,count,rule,rationale\nfig03,very_high,1e0,override,x\n", "expected a whole number"),
        ("item_id,category_id,count,rule,rationale\nfig03,very_high,+1,override,x\n", "expected a whole number"),
        ("item_id,category_id,count,rule,rationale\nfig03,very_high,1,override\n", "has 4 fields but the header has 5"),
        (
            "item_id,category,count,rule,rationale\nfig03,very_high,1,override,x\n",
            "missing required column(s) category_id",
        ),
        (
            "item_id,category_id,count,rule,rationale\nfig03,very_high,1,override,\n",
            "column 'rationale': must not be empty",
        ),
        (b"PK\x03\x04\x00\x00binary", "is a binary file (a spreadsheet or archive?), not a CSV assumptions file"),
        ("", "assumptions file is empty"),
    ],
)
def test_bad_assumption_files(tmp_path, content, fragment):
    path = tmp_path / "a.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_study(assumptions=path)
    assert fragment in str(err.value) and "a.csv" in str(err.value)


def test_assumptions_folder(tmp_path):
    with pytest.raises(DataValidationError, match="assumptions: is a folder, not a file"):
        load_study(assumptions=tmp_path)
