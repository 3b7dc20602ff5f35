"""Statistical disclosure control (``--min-count``): the rule, and a whole cohort run scanned for small counts."""

from __future__ import annotations

import csv
import html
import json
import os
import re
import struct
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from samskab_analysis.cli import main
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.run.processed import build_processed
from samskab_analysis.stats.disclosure import SUPPRESSED, hidden_cells, hidden_mask, protect_count_table
from samskab_analysis.study import load_study

SYNTHETIC = DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv"
K = 3
#: Columns holding counts of respondents (or numbers of them), wherever they are printed or written.
COUNT_COLUMN = re.compile(r"^(count(_\w+)?|n|n_\w+|N|top_box_count|answered|dont_know|no_answer|a[<>=]b|completions)$")
#: Columns that are individual scores when shown at all.
SCORE_COLUMN = re.compile(r"^(min|max|median)$")


def test_secondary_suppression_of_the_issue_example() -> None:
    # N = 14: yes 9, no 3, "don't know" 2 - hiding only the 2 gives it away (14 - 9 - 3)
    assert hidden_cells([9, 3, 2], 3) == [False, True, True]


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([5, 5, 0], [True, False, True]),  # a zero is a count below k; the suppressed cells must hold >= k
        ([4, 0, 0], [True, True, True]),  # everyone in one cell: nothing can be shown
        ([3, 3, 4], [False, False, False]),
        ([1, 10, 10], [True, True, False]),  # at least two cells suppressed
        ([2, 1, 10], [True, True, False]),  # 2 + 1 hold 3 >= k
    ],
)
def test_hidden_cells(counts: list[int], hidden: list[bool]) -> None:
    assert hidden_cells(counts, 3) == hidden
    assert hidden_cells(counts, 0) == [False] * len(counts)
    shown = sum(c for c, h in zip(counts, hidden, strict=True) if not h)
    if any(hidden):  # what N minus the shown cells leaves is at least k, spread over at least two cells
        assert sum(counts) - shown >= 3 and sum(hidden) >= 2


def test_count_table_rows_and_zero_rule_are_the_same_for_the_published_study() -> None:
    study = load_study()
    protected = protect_count_table(study.counts, 3)
    mask = hidden_mask(study.counts, 3)
    assert (protected.loc[mask, "count"] == SUPPRESSED).all() and (protected.loc[mask, "share"] == SUPPRESSED).all()
    shown = pd.to_numeric(protected.loc[~mask, "count"])
    assert (shown >= 3).all()
    assert (study.counts.loc[study.counts["count"] == 0].index.isin(mask[mask].index)).all()  # zeros hidden too


def test_fewer_respondents_than_min_count_is_refused(tmp_path: Path) -> None:
    two = tmp_path / "two.csv"
    two.write_text("\n".join(SYNTHETIC.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    study = load_study(DATA_DIR, two)
    with pytest.raises(DataValidationError, match="only 2 respondents, fewer than --min-count 3"):
        build_processed(study, tmp_path / "processed", min_count=3)


# The whole run -----------------------------------------------------------------------------------------------------


def small(value: str) -> bool:
    """True for a printed count below K (a number, not the suppression mark or a blank)."""
    value = value.strip()
    if value in ("", SUPPRESSED, "NaN", "nan", "<NA>"):
        return False
    try:
        return float(value) < K
    except ValueError:
        return False


def table_problems(text: str, where: str) -> list[str]:
    """Small counts and individual scores in the tables printed in *text* (pandas ``to_string`` layout)."""
    problems = []
    lines = text.splitlines()
    for i, header in enumerate(lines):
        spans = [(m.group(), m.end()) for m in re.finditer(r"\S+", header)]
        watched = [(name, end) for name, end in spans if COUNT_COLUMN.match(name) or SCORE_COLUMN.match(name)]
        if not watched or len(spans) < 2:
            continue
        for row in lines[i + 1 :]:
            if not row.strip() or len(row) < len(header) - 40:
                break
            tokens = {m.end(): m.group() for m in re.finditer(r"\S+", row)}
            for name, end in watched:
                value = tokens.get(end)
                if value is None:
                    continue
                if SCORE_COLUMN.match(name) and value != SUPPRESSED:
                    problems.append(f"{where}: individual score {name}={value} in {row.strip()!r}")
                elif COUNT_COLUMN.match(name) and small(value):
                    problems.append(f"{where}: {name}={value} in {row.strip()!r}")
    return problems


def csv_problems(path: Path) -> list[str]:
    problems = []
    with path.open(encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            for column, value in row.items():
                if COUNT_COLUMN.match(column or "") and small(value or ""):
                    problems.append(f"{path.name}:{line}: {column}={value}")
                if SCORE_COLUMN.match(column or "") and value not in ("", SUPPRESSED):
                    problems.append(f"{path.name}:{line}: individual score {column}={value}")
    return problems


def png_text(path: Path) -> str:
    """The text chunks of a PNG file (metadata)."""
    data, texts, pos = path.read_bytes(), [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        text = data[pos + 8 : pos + 8 + length].decode("latin-1") if kind in (b"tEXt", b"iTXt", b"zTXt") else ""
        if text and not text.startswith("Software\x00"):  # the writer's name and version are not data
            texts.append(text)
        pos += 12 + length
    return "\n".join(texts)


@pytest.fixture(scope="module")
def four_respondent_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``samskab reproduce`` on the first 4 respondents of the synthetic cohort with ``--min-count 3``."""
    folder = tmp_path_factory.mktemp("four")
    four = folder / "four.csv"
    four.write_text("\n".join(SYNTHETIC.read_text(encoding="utf-8").splitlines()[:5]) + "\n", encoding="utf-8")
    out = folder / "out"
    temp = folder / "tmp"  # the run's own temporary folder: what it leaves there is checked below
    temp.mkdir()
    saved, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir, os.environ["TMPDIR"] = str(temp), str(temp)
    try:
        assert main(["reproduce", "--data", str(four), "--min-count", str(K), "--out", str(out), "--langs", "en"]) == 0
    finally:
        tempfile.tempdir = saved
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
    return out


def test_four_respondent_cohort_shows_no_count_below_min_count(four_respondent_run: Path) -> None:
    out = four_respondent_run
    # every file but the site theme's own static assets (icons, fonts, scripts: no data)
    files = [p for p in out.rglob("*") if p.is_file() and "_static" not in p.relative_to(out).parts[:-1]]
    kinds = {p.suffix for p in files}
    assert {".csv", ".ipynb", ".html", ".svg", ".png", ".json"} <= kinds
    respondents = [f"SYN-R0{i}" for i in range(1, 5)]
    problems: list[str] = []
    for path in files:
        where = path.relative_to(out).as_posix()
        if path.suffix == ".csv":
            problems += csv_problems(path)
        elif path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                for output in cell.get("outputs", []):
                    text = output.get("text") or output.get("data", {}).get("text/plain", "")
                    problems += table_problems("".join(text), where)
        elif path.suffix == ".html":
            page = path.read_text(encoding="utf-8")
            for block in re.findall(r"<pre[^>]*>(.*?)</pre>", page, flags=re.S):
                problems += table_problems(html.unescape(re.sub(r"<[^>]+>", "", block)), where)
            for cell in re.findall(r'<td class="(?:count|n)">([^<]*)</td>', page):
                if small(cell):
                    problems.append(f"{where}: table cell {cell}")
        elif path.suffix == ".png":
            assert not re.search(r"\d", png_text(path)), where  # no metadata with numbers
        elif path.suffix == ".svg":
            assert "<text" not in path.read_text(encoding="utf-8"), where  # text drawn as paths, checked in tests
        if path.suffix in (".csv", ".ipynb", ".html", ".svg", ".json"):
            text = path.read_text(encoding="utf-8")
            assert not [r for r in respondents if r in text], where
            assert "<3" not in text.replace("&lt;3", "<3") or path.suffix == ".svg", where  # no '<k' mark leaks
    assert problems == []
    # no notebook without disclosure control ran; the summary and tests are suppressed for every item
    assert not (out / "notebooks" / "uncertainty.ipynb").exists() and not (out / "notebooks" / "corpus.ipynb").exists()
    summary = list(csv.DictReader((out / "processed" / "item_summary.csv").open(encoding="utf-8")))
    assert {r["mean_score"] for r in summary} == {SUPPRESSED}


def test_cohort_run_keeps_no_respondent_level_file(four_respondent_run: Path) -> None:
    """The answers cache lives in a private temporary folder for the run only: nothing of it in the outputs, and
    nothing left in the temporary folder the run used (its own, not the machine's shared one: hermetic)."""
    out = four_respondent_run
    assert not [p for p in out.rglob("*") if p.suffix == ".npz" or "cache" in p.relative_to(out).parts]
    temp = out.parent / "tmp"
    assert not list(temp.glob("samskab-*")) and not list(temp.rglob("*.npz"))  # (multiprocessing's pymp-* aside)
