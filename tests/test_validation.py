"""Bad input gets one clear error naming file, row, column and allowed values."""

from __future__ import annotations

from pathlib import Path

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
    lines.append("fig01,bogus,1,x,y")
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
