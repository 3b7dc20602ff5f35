"""Resource limits of reading a respondent file (issue 18.5): bounded columns per row, bounded unpacked size of
a workbook (zip bombs), bounded problem lists, memory within about 5 times the size of a CSV file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from samskab_analysis.cli import main
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.ingest.answers import MAX_PROBLEMS_PER_COLUMN
from samskab_analysis.ingest.files import MAX_COLUMNS, MAX_XLSX_UNPACKED, read_grids
from samskab_analysis.ingest.responses import load_responses
from samskab_analysis.output.problems import MAX_PROBLEMS_WRITTEN
from samskab_analysis.paths import DATA_DIR, REPO_ROOT

EXAMPLE_XLSX = DATA_DIR / "examples" / "samskab_synthetic_cohort_da.xlsx"


def test_a_million_columns_in_one_line_is_one_message_in_seconds(tmp_path: Path, capsys) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("respondent_id," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n1,2\n", encoding="utf-8")
    started = time.perf_counter()
    assert main(["validate", str(path)]) == 2
    assert time.perf_counter() - started < 60
    err = capsys.readouterr().err
    assert f"row 1: has 1,000,001 fields in one row; at most {MAX_COLUMNS:,} are read" in err
    assert err.count("\n") <= 3 and "Traceback" not in err
    assert not list(tmp_path.rglob("*.problems.csv"))


def test_a_wide_sheet_is_refused_too(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["respondent_id", *[f"c{i}" for i in range(MAX_COLUMNS + 1)]])
    path = tmp_path / "wide.xlsx"
    book.save(path)
    with pytest.raises(DataValidationError, match=f"at most {MAX_COLUMNS:,} are read"):
        read_grids(path)


def bomb(path: Path, size: int, name: str = "xl/worksheets/sheet2.xml") -> Path:
    """A real workbook (the example) plus a part that unpacks to *size* bytes (written as a stream)."""
    with zipfile.ZipFile(EXAMPLE_XLSX) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        with target.open(name, "w", force_zip64=True) as part:
            block = b"<row><c><v>1</v></c></row>" * 40_000
            for _ in range(size // len(block) + 1):
                part.write(block)
    return path


def test_a_workbook_that_unpacks_too_far_is_refused_before_unpacking(tmp_path: Path, capsys) -> None:
    path = bomb(tmp_path / "big.xlsx", MAX_XLSX_UNPACKED + 2**20)
    assert path.stat().st_size < MAX_XLSX_UNPACKED // 50
    started = time.perf_counter()
    assert main(["validate", str(path)]) == 2
    assert time.perf_counter() - started < 30
    err = capsys.readouterr().err
    assert "the workbook unpacks to 25" in err and f"MB; at most {MAX_XLSX_UNPACKED // 2**20} MB are read" in err


def test_a_zip_bomb_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(EXAMPLE_XLSX) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/media/zeros.bin", b"\0" * (100 * 2**20), compresslevel=9)
    with pytest.raises(DataValidationError, match="more than 1000 times its size"):
        read_grids(path)
    assert len(read_grids(EXAMPLE_XLSX)) >= 1  # an ordinary workbook is read


def test_problems_are_capped_in_memory_and_on_disk(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rows = MAX_PROBLEMS_PER_COLUMN + 500
    path = tmp_path / "wrong.csv"
    path.write_text("respondent_id,fig01,fig02\n" + "".join(f"r{i},=cmd|' /C calc'!A0,nope\n" for i in range(rows)))
    with pytest.raises(DataValidationError) as info:
        load_responses(path, load_instrument(DATA_DIR))
    problems = [p for p in info.value.problems if p.kind.startswith("answer outside")]
    assert len(problems) == 2 * MAX_PROBLEMS_PER_COLUMN + 2
    assert "500 more answers outside the scale of fig01" in problems[MAX_PROBLEMS_PER_COLUMN].message
    listed = tmp_path / "cache" / "samskab" / "problems" / "wrong.csv.problems.csv"
    text = listed.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_PROBLEMS_WRITTEN + 2
    assert ",'=cmd|' /C calc'!A0," in text and ",=cmd" not in text  # neutralised for spreadsheets


PEAK = textwrap.dedent("""
    import resource, sys, warnings
    from samskab_analysis.data.instrument import load_instrument
    from samskab_analysis.ingest.responses import load_responses
    from samskab_analysis.paths import DATA_DIR
    warnings.simplefilter("ignore")
    instrument = load_instrument(DATA_DIR)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    frame = load_responses(sys.argv[1], instrument)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(frame.shape[0], (after - before) * 1024)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in kilobytes (Linux)")
def test_reading_a_csv_takes_at_most_about_five_times_its_size(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from cohort import cohort_frame

    path = tmp_path / "big.csv"
    cohort_frame(150_000, load_instrument(DATA_DIR)).to_csv(path, index=False)
    result = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, check=True)
    respondents, grown = map(int, result.stdout.split())
    assert respondents == 150_000
    assert grown <= 5.5 * path.stat().st_size, f"{grown / path.stat().st_size:.1f} times the file"
