"""Locate the respondent table inside a grid read from a file (:mod:`samskab_analysis.ingest.files`).

Title rows and blank rows above the header are skipped (a skipped row that holds answers is reported
by :mod:`samskab_analysis.ingest.responses`); the header is the row in which most columns are recognised.
Qualtrics exports (names row, question-text row, ``{"ImportId": ...}`` row) are recognised and their
question-text row is kept to match columns. Excel: the sheet with the answers is found among all
sheets (two sheets that both look like answers need ``sheet=``); an empty header cell merged from
the row above takes that cell's text; empty columns (``Unnamed: 12``) and blank rows are left out,
a column with values but no header is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from samskab_analysis.data.errors import DataValidationError, Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.files import Grid, column_ref, read_grids
from samskab_analysis.ingest.names import IGNORE, RESPONDENT_ID, ColumnMatcher, load_metadata
from samskab_analysis.ingest.text import column_key, normal_text

HEADER_SEARCH_ROWS = 30
IMPORT_ID = re.compile(r"""^\{\s*["']?importid["']?\s*:""", re.IGNORECASE)
UNNAMED = re.compile(r"^unnamed:?\s*\d+$")
SUBHEADERS = {"response", "open_ended_response", "answer", "svar", "svar_1"}  # SurveyMonkey-style second row


@dataclass
class RawTable:
    """The respondent table of a file as text cells, header located, before interpretation."""

    file: str
    kind: str
    columns: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    header_row: int | None = 1  # None for SPSS (variable names are not a row)
    positions: list[int] = field(default_factory=list)  # 0-based position of each column in the file
    preamble: list[tuple[int, list[str]]] = field(default_factory=list)  # rows above the header
    skipped_rows: list[int] = field(default_factory=list)  # title, description and blank rows
    empty_columns: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    cell_notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (row number, position) -> date/formula


def header_score(row: list[str], matcher: ColumnMatcher) -> int:
    """How header-like a row is: 2 per item or id column, 1 per metadata column."""
    score = 0
    for cell in row:
        if not cell:
            continue
        target = matcher.classify(cell, approximate=False).target
        score += 0 if target is None else 1 if target == IGNORE else 2
    return score


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", normal_text(text))


def is_description_row(row: list[str], header: list[str], matcher: ColumnMatcher) -> bool:
    """A second header row: Qualtrics ImportIds, metadata names spelled out, or the items' question texts."""
    if any(IMPORT_ID.match(c) for c in row):
        return True
    pairs = [(h, c) for h, c in zip(header, row, strict=False) if h and c]
    if sum(1 for h, c in pairs if _compact(h) == _compact(c) and not c.isdigit()) >= 2:
        return True
    texts = [(matcher.classify(h, approximate=False).target, c) for h, c in pairs]
    texts = [(t, c) for t, c in texts if t not in (None, IGNORE, RESPONDENT_ID)]
    if texts and all(column_key(c) in SUBHEADERS for _, c in texts):
        return True
    return bool(texts) and all(matcher.by_text(c, approximate=False).target == t for t, c in texts)


def header_position(grid: Grid, nonblank: list[int], matcher: ColumnMatcher) -> tuple[int, list[int]]:
    """Index of the header row in ``grid.rows`` and of the description rows under it."""
    first = nonblank[:HEADER_SEARCH_ROWS]
    for p, k in enumerate(first[:8]):
        if any(IMPORT_ID.match(c) for c in grid.rows[k]):  # Qualtrics: names, question text, ImportId
            start = max(p - 2, 0)
            return first[start], first[start + 1 : p + 1]
    scores = [header_score(grid.rows[k], matcher) for k in first]
    if max(scores) > 0:
        position = scores.index(max(scores))
    else:
        width = max(sum(1 for c in grid.rows[k] if c) for k in first)
        position = next(p for p, k in enumerate(first) if sum(1 for c in grid.rows[k] if c) >= max(1, width // 2))
    header = grid.rows[first[position]]
    descriptions = []
    for k in first[position + 1 : position + 3]:
        if not is_description_row(grid.rows[k], header, matcher):
            break
        descriptions.append(k)
    return first[position], descriptions


def fill_merged_header(header: list[str], number: int, grid: Grid) -> list[str]:
    """Empty header cells inside a merged range take the range's first cell (Excel merged headers)."""
    out = list(header)
    by_number = dict(zip(grid.numbers, grid.rows, strict=True))
    for min_row, min_col, max_row, max_col in grid.merged:
        if not min_row <= number <= max_row:
            continue
        top = by_number.get(min_row, [])
        value = top[min_col - 1] if min_col - 1 < len(top) else ""
        for col in range(min_col, max_col + 1):
            if col - 1 < len(out) and out[col - 1] == "" and value:
                out[col - 1] = value
            elif col - 1 >= len(out) and value:
                out += [""] * (col - len(out))
                out[col - 1] = value
    return out


def filled_width(row: list[str]) -> int:
    """Number of cells up to the last non-empty one."""
    return max((j + 1 for j, c in enumerate(row) if c), default=0)


def build_table(grid: Grid, matcher: ColumnMatcher) -> RawTable:
    """Locate header, description and data rows of *grid*; drop empty columns; report headerless values."""
    nonblank = [k for k, row in enumerate(grid.rows) if any(row)]
    if not nonblank:
        raise DataValidationError(Problem(file=grid.file, message="responses file is empty"))
    if grid.header_given:
        h, descriptions = 0, []
    else:
        h, descriptions = header_position(grid, nonblank, matcher)
    header_number = grid.numbers[h]
    header = fill_merged_header(grid.rows[h], header_number, grid) if grid.merged else list(grid.rows[h])
    above = [k for k in nonblank if k < h]
    if above and grid.numbers[above[-1]] == header_number - 1:  # a two-row header: empty or generic cells
        upper = grid.rows[above[-1]]
        header = [
            upper[j] if j < len(upper) and upper[j] and (not c or column_key(c) in SUBHEADERS) else c
            for j, c in enumerate(header)
        ]
    header_width = max((j + 1 for j, c in enumerate(header) if c), default=0)
    header = ["" if UNNAMED.match(normal_text(c)) else c for c in header]
    last_meta = max([h, *descriptions])
    data = [k for k in nonblank if k > last_meta]
    width = max([header_width, *(filled_width(grid.rows[k]) for k in data if len(grid.rows[k]) > header_width)])
    header = (header + [""] * width)[:width]
    problems: list[Problem] = []
    if grid.kind == "csv":
        for k in data:
            if len(grid.rows[k]) < header_width:
                problems.append(
                    Problem(
                        file=grid.file,
                        row=grid.numbers[k],
                        message=f"has {len(grid.rows[k])} fields but the header (row {header_number}) has "
                        f"{header_width}: "
                        + (
                            'a field of this record runs over several lines - a quote (") opened and not closed '
                            "where it should be?"
                            if any("\n" in c or "\r" in c for c in grid.rows[k])
                            else "a missing delimiter or a line break outside quotes?"
                        ),
                    )
                )
    rows = [grid.rows[k] if len(grid.rows[k]) == width else (grid.rows[k] + [""] * width)[:width] for k in data]
    keep, empty = [], []
    for j, name in enumerate(header):
        if name:
            keep.append(j)
            continue
        filled = [grid.numbers[k] for k, row in zip(data, rows, strict=True) if row[j]]
        if filled:
            shown = ", ".join(map(str, filled[:5])) + (", ..." if len(filled) > 5 else "")
            problems.append(
                Problem(
                    file=grid.file,
                    row=header_number,
                    column=column_ref(j, grid.kind),
                    message=f"column has values (row(s) {shown}) but no header; give it a name",
                )
            )
        elif j < header_width:
            empty.append(column_ref(j, grid.kind))
    raise_if(problems)
    pick = itemgetter(*keep) if len(keep) > 1 else lambda row: [row[j] for j in keep]
    description_row = next((k for k in descriptions if not any(IMPORT_ID.match(c) for c in grid.rows[k])), None)
    texts = dict(grid.descriptions)
    if description_row is not None:
        cells = grid.rows[description_row] + [""] * width
        texts.update({header[j]: cells[j] for j in keep if cells[j]})
    preamble = [(grid.numbers[k], (grid.rows[k] + [""] * width)[:width]) for k in nonblank if k < h]
    filled_rows = set(nonblank)
    blank = [grid.numbers[k] for k in range(h + 1, len(grid.rows)) if k not in filled_rows]
    skipped = sorted([n for n, _ in preamble] + [grid.numbers[k] for k in descriptions])
    return RawTable(
        file=grid.file,
        kind=grid.kind,
        columns=[header[j] for j in keep],
        rows=rows if keep == list(range(width)) else [list(pick(row)) for row in rows],
        row_numbers=[grid.numbers[k] for k in data],
        value_labels=grid.value_labels,
        descriptions=texts,
        header_row=None if grid.header_given else header_number,
        positions=keep,
        preamble=[(n, [cells[j] for j in keep]) for n, cells in preamble],
        skipped_rows=skipped,
        empty_columns=empty,
        details={**grid.details, "blank_rows": ", ".join(map(str, blank))} if blank else dict(grid.details),
        cell_notes=grid.cell_notes,
    )


def choose_grid(grids: list[Grid], sheet: str | None, matcher: ColumnMatcher, name: str) -> Grid:
    """The grid (Excel sheet) holding the answers: the named sheet, else the one with the best header."""
    if sheet is not None and str(sheet) != "":
        for grid in grids:
            if grid.details.get("sheet") == str(sheet):
                return grid
        if len(grids) == 1 and "sheet" not in grids[0].details:
            return grids[0]  # a sheet name given for a CSV / SPSS file is irrelevant
        raise DataValidationError(
            Problem(
                file=name,
                message="no sheet with this name",
                value=str(sheet),
                allowed=[g.details.get("sheet", "") for g in grids],
            )
        )
    if len(grids) == 1:
        return grids[0]
    scores = []
    for grid in grids:
        rows = [r for r in grid.rows if any(r)][:HEADER_SEARCH_ROWS]
        scores.append(max((header_score(r, matcher) for r in rows), default=-1))
    best = max(scores)
    full = len(matcher.instrument.item_ids)  # score of a header naming at least half of the items
    candidates = [g for g, s in zip(grids, scores, strict=True) if s == best or (s >= full and best >= full)]
    if best >= full and len(candidates) > 1:
        raise DataValidationError(
            Problem(
                file=name,
                message="several sheets look like answers; choose one (sheet=... / --sheet)",
                value=", ".join(g.details["sheet"] for g in candidates),
                allowed=[g.details["sheet"] for g in grids],
            )
        )
    if best <= 0:
        return next((g for g in grids if any(any(r) for r in g.rows)), grids[0])
    return candidates[0]


def read_raw(
    path: str | Path,
    sheet: str | None = None,
    matcher: ColumnMatcher | None = None,
    instrument: Instrument | None = None,
) -> RawTable:
    """Read *path* by its suffix and locate its table, without interpreting the answers."""
    if matcher is None:
        from samskab_analysis.data.instrument import load_instrument

        matcher = ColumnMatcher(instrument or load_instrument(), {}, load_metadata())
    grid = choose_grid(read_grids(path), sheet, matcher, str(path))
    return build_table(grid, matcher)
