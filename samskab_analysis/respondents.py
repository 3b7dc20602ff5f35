"""Read a new cohort's respondent-level answers (CSV, Excel, SPSS) into category ids of the instrument.

:func:`load_responses` returns a frame indexed by respondent id with one column per item id holding
the category id of the item's scale (``""`` = no answer). Every column of the file is recognised
(item, respondent id, survey-export metadata) or reported; nothing is dropped silently and the file
is only read. All problems are collected and raised together as one
:class:`~samskab_analysis.errors.DataValidationError` naming file, row, column and allowed values.

**Where the table starts.** Title rows and blank rows above the header are skipped (a skipped row
that holds answers is an error); the header is the row in which most columns are recognised.
Qualtrics exports (names row, question-text row, ``{"ImportId": ...}`` row) are recognised and their
question-text row is used to match columns. Excel: the sheet with the answers is found among all
sheets (two sheets that both look like answers need ``sheet=``); an empty header cell merged from
the row above takes that cell's text; empty columns (``Unnamed: 12``) and blank rows are left out,
a column with values but no header is an error.

**Columns** (see :mod:`samskab_analysis.column_matching`): column map, respondent id names, item ids and
figure numbers (``fig01``, ``FIG 1``, ``Figur 1:``), export metadata, then question text
(``items.csv`` titles, also the Qualtrics question-text row and SPSS variable labels). Question
numbers such as ``Q1`` are *not* guessed from their number. Two columns for one item, a repeated
header name and a text matching several items are errors naming both columns / all items.

**Answers**: labels in Danish, Norwegian or English (``scales.csv``; any letter case, stray or
non-breaking spaces, a leading Excel apostrophe, trailing ``.``), with or without a leading ``i``
(``meget høj grad``), the scale's numeric codes (``5``, ``5.0``, ``5,0``), category ids, code and label
together (``5 - I meget høj grad``, ``5: ...``, ``(5) ...``, ``... (5)``; the label decides), and the
aliases of ``instrument/answer_aliases.csv`` (e.g. ``Ved ikke / ikke relevant`` = don't know;
``N/A``, ``-``, ``.``, ``99`` = no answer). SPSS: the value label of a code decides when present,
otherwise the code (user-missing codes are values: ``9`` = don't know, ``99`` = no answer). Anything
else is an error listing the allowed answers.

**Respondent ids**: ``1.0`` is read as ``1``; a repeated id is an error naming both rows; an empty id
keeps the row under the generated id ``row<N>`` (N = its row in the file) with an
:class:`IngestWarning`; without an id column respondents are numbered ``1``, ``2``, ... in file order.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from samskab_analysis.column_matching import (
    FIGURE_PATTERN,
    ID_COLUMN_KEYS,
    IGNORE,
    QUESTION_HINT,
    QUESTION_PATTERN,
    RESPONDENT_ID,
    ColumnMatcher,
    accepted_names,
    column_key,
    figure_item,
    load_metadata,
    normal_text,
)
from samskab_analysis.errors import DataValidationError, Problem, raise_if
from samskab_analysis.instrument import Instrument
from samskab_analysis.paths import DATA_DIR, LANGS
from samskab_analysis.response_files import (
    EXCEL_SUFFIXES,
    SPSS_SUFFIXES,
    TEXT_SUFFIXES,
    Grid,
    cell_text,
    column_ref,
    read_grids,
)
from samskab_analysis.tables import LINE, check_allowed, check_required_values, check_unique, parse_float, read_table

__all__ = [
    "EXCEL_SUFFIXES",
    "FIGURE_PATTERN",
    "ID_COLUMN_KEYS",
    "IGNORE",
    "QUESTION_PATTERN",
    "RESPONDENT_ID",
    "SPSS_SUFFIXES",
    "TEXT_SUFFIXES",
    "CellProvenance",
    "IngestWarning",
    "RawTable",
    "accepted_names",
    "allowed_answers",
    "answer_key",
    "answer_lookup",
    "answer_summary",
    "cell_text",
    "column_key",
    "figure_item",
    "load_answer_aliases",
    "load_column_map",
    "load_responses",
    "normal_text",
    "parse_answer",
    "raw_answers",
    "read_raw",
]

ALIAS_FILE = "answer_aliases.csv"
NO_ANSWER = "no_answer"
HEADER_SEARCH_ROWS = 30
SHOWN_CELL_PROBLEMS = 10
IMPORT_ID = re.compile(r"""^\{\s*["']?importid["']?\s*:""", re.IGNORECASE)
UNNAMED = re.compile(r"^unnamed:?\s*\d+$")
WHOLE_FLOAT = re.compile(r"^[+-]?\d+[.,]0+$")
CODE_THEN_LABEL = re.compile(r"^\(?\s*(-?\d{1,3})\s*(?:[).:=\-–—]\s*|\s+)(\D.*)$")
LABEL_THEN_CODE = re.compile(r"^(\D.*?)\s*[(\[]\s*(-?\d{1,3})\s*[)\]]$")
LABEL_PREFIXES = ("i ", "to a ", "to ")
SUBHEADERS = {"response", "open_ended_response", "answer", "svar", "svar_1"}  # SurveyMonkey-style second row
MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf¦¥¤¸]")


class IngestWarning(UserWarning):
    """A decision taken while reading a respondent file that the user should know about."""


class CellProvenance:
    """Where each answer came from: the cell as written and the file row per respondent.

    Attached to a responses frame as ``attrs["provenance"]``; pandas deep-copies ``attrs`` on every
    operation, so this object is shared instead of copied (it is never modified).
    """

    def __init__(self, raw: dict[str, dict[str, str]], rows: dict[str, int]) -> None:
        self.raw = raw
        self.rows = rows

    def __copy__(self) -> CellProvenance:
        return self

    def __deepcopy__(self, memo: dict) -> CellProvenance:
        return self


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


# --- answers -------------------------------------------------------------------------------


def answer_key(value: object) -> str:
    """An answer reduced for matching: case, spacing, a leading ``'``, spaces around ``/``, end punctuation."""
    text = normal_text(value).lstrip("'").strip()
    text = re.sub(r"\s*/\s*", " / ", text)
    stripped = text.strip(" .:;!?")
    return stripped or text


def code_text(text: str) -> str | None:
    """``'5'``, ``'5.0'``, ``'5,0'`` -> ``'5'``; None when *text* is not a whole number."""
    try:
        number = parse_float(text.strip().lstrip("'"))
    except ValueError:
        return None
    return str(int(number)) if number == number and float(number).is_integer() and abs(number) < 1e15 else None


def load_answer_aliases(instrument: Instrument, data_dir: str | Path = DATA_DIR) -> dict[str, dict[str, str]]:
    """``{scale_id: {answer key: category id or ''}}`` from ``instrument/answer_aliases.csv`` (validated)."""
    path = Path(data_dir) / "instrument" / ALIAS_FILE
    scale_ids = sorted(set(instrument.scales["scale_id"]))
    out: dict[str, dict[str, str]] = {s: {} for s in scale_ids}
    if not path.is_file():
        return out
    frame = read_table(path, ["alias", "scale_id", "category_id", "note"], what="answer aliases")
    problems = check_required_values(frame, ["alias", "category_id"])
    problems += check_allowed(frame, "scale_id", scale_ids, optional=True)
    raise_if(problems)
    first: dict[tuple[str, str], int] = {}
    for alias, scale, category, line in zip(
        frame["alias"], frame["scale_id"], frame["category_id"], frame[LINE], strict=True
    ):
        targets = [scale] if scale else scale_ids
        key = answer_key(alias)
        for scale_id in targets:
            allowed = [*instrument.categories(scale_id), NO_ANSWER]
            if category not in allowed:
                problems.append(
                    Problem(
                        file=str(path),
                        row=int(line),
                        column="category_id",
                        message=f"not a category of scale {scale_id}",
                        value=category,
                        allowed=allowed,
                    )
                )
                continue
            if (scale_id, key) in first:
                problems.append(
                    Problem(
                        file=str(path),
                        row=int(line),
                        column="alias",
                        message=f"alias repeats row {first[scale_id, key]} for scale {scale_id}",
                        value=alias,
                    )
                )
                continue
            first[scale_id, key] = int(line)
            out[scale_id][key] = "" if category == NO_ANSWER else category
    raise_if(problems)
    return out


def _builtin_lookup(instrument: Instrument, scale_id: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    problems = []
    for category, row in instrument.scale_rows(scale_id).iterrows():
        keys = {answer_key(category), answer_key(str(category).replace("_", " ")), str(int(row["code"]))}
        for lang in LANGS:
            label = answer_key(row[f"label_{lang}"])
            keys.add(label)
            keys |= {label[len(p) :] for p in LABEL_PREFIXES if label.startswith(p) and len(label) > len(p) + 3}
        for key in keys:
            if lookup.get(key, category) != category:
                problems.append(
                    Problem(
                        file="scales.csv",
                        row=int(row[LINE]),
                        message=f"answer '{key}' would mean both {lookup[key]} and {category} on scale {scale_id}",
                    )
                )
            lookup[key] = category
    raise_if(problems)
    return lookup


def answer_lookup(
    instrument: Instrument,
    scale_id: str,
    data_dir: str | Path = DATA_DIR,
    aliases: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, str]:
    """Every accepted spelling of an answer on *scale_id* (see :func:`answer_key`) -> category id (``''`` = blank)."""
    lookup = _builtin_lookup(instrument, scale_id)
    if aliases is None:
        aliases = load_answer_aliases(instrument, data_dir)
    problems = []
    for key, category in aliases.get(scale_id, {}).items():
        if key in lookup and lookup[key] != category:
            problems.append(
                Problem(
                    file=ALIAS_FILE,
                    column="alias",
                    message=f"alias '{key}' contradicts scales.csv, where it means {lookup[key]} on scale {scale_id}",
                    value=category or NO_ANSWER,
                )
            )
        lookup.setdefault(key, category)
    raise_if(problems)
    return lookup


def allowed_answers(instrument: Instrument, scale_id: str) -> list[str]:
    """One line per category for error messages: code / id / labels."""
    out = []
    for category, row in instrument.scale_rows(scale_id).iterrows():
        labels = " / ".join(dict.fromkeys(str(row[f"label_{lang}"]) for lang in LANGS))
        out.append(f"{int(row['code'])} / {category} / {labels}")
    return [*out, "blank (no answer)", f"or an alias of instrument/{ALIAS_FILE}"]


def parse_text_answer(text: str, lookup: Mapping[str, str]) -> str | None:
    """Category id of an answer written as text, code, or code and label together; None if unknown."""
    key = answer_key(text)
    if key in lookup:
        return lookup[key]
    code = code_text(text)
    if code is not None:
        return lookup.get(code)
    for pattern, label_group in ((CODE_THEN_LABEL, 2), (LABEL_THEN_CODE, 1)):
        match = pattern.match(key)
        if match:
            label = answer_key(match.group(label_group))
            return lookup.get(label)  # the label decides: the code may follow the survey tool's numbering
    return None


def parse_answer(text: str, lookup: Mapping[str, str], value_label: str | None = None) -> str | None:
    """Category id of one cell (``""`` for blank or a no-answer alias), or None when it is not on the scale.

    An SPSS value label, when the code has one, decides over the code.
    """
    if value_label is not None:
        return parse_text_answer(value_label, lookup)
    if text.strip() == "" or answer_key(text) == "":
        return ""
    return parse_text_answer(text, lookup)


# --- locating the table --------------------------------------------------------------------


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
    width = max([header_width, *(max((j + 1 for j, c in enumerate(grid.rows[k]) if c), default=0) for k in data)])
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
                        f"{header_width}: a missing delimiter or a line break outside quotes?",
                    )
                )
    rows = [(grid.rows[k] + [""] * width)[:width] for k in data]
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
    description_row = next((k for k in descriptions if not any(IMPORT_ID.match(c) for c in grid.rows[k])), None)
    texts = dict(grid.descriptions)
    if description_row is not None:
        cells = grid.rows[description_row] + [""] * width
        texts.update({header[j]: cells[j] for j in keep if cells[j]})
    preamble = [(grid.numbers[k], (grid.rows[k] + [""] * width)[:width]) for k in nonblank if k < h]
    blank = [grid.numbers[k] for k in range(len(grid.rows)) if k not in set(nonblank) and h < k]
    skipped = sorted([n for n, _ in preamble] + [grid.numbers[k] for k in descriptions])
    return RawTable(
        file=grid.file,
        kind=grid.kind,
        columns=[header[j] for j in keep],
        rows=[[row[j] for j in keep] for row in rows],
        row_numbers=[grid.numbers[k] for k in data],
        value_labels=grid.value_labels,
        descriptions=texts,
        header_row=None if grid.header_given else header_number,
        positions=keep,
        preamble=[(n, [cells[j] for j in keep]) for n, cells in preamble],
        skipped_rows=skipped,
        empty_columns=empty,
        details={**grid.details, "blank_rows": ", ".join(map(str, blank))} if blank else dict(grid.details),
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
        from samskab_analysis.instrument import load_instrument

        matcher = ColumnMatcher(instrument or load_instrument(), {}, load_metadata())
    grid = choose_grid(read_grids(path), sheet, matcher, str(path))
    return build_table(grid, matcher)


# --- columns -------------------------------------------------------------------------------


def load_metadata_columns(data_dir: str | Path = DATA_DIR) -> set[str]:
    """Column keys of survey-export metadata that are ignored (``instrument/export_metadata_columns.csv``)."""
    return load_metadata(data_dir)[0]


def load_column_map(column_map: str | Path | Mapping[str, str], instrument: Instrument) -> dict[str, str]:
    """``{file column: item id | 'respondent_id' | 'ignore'}`` from a dict or a CSV ``column,item_id``."""
    targets = [*instrument.item_ids, RESPONDENT_ID, IGNORE]
    if isinstance(column_map, Mapping):
        frame = pd.DataFrame({"column": list(column_map), "item_id": [str(v) for v in column_map.values()]})
        frame[LINE] = range(1, len(frame) + 1)
        frame.attrs["source"] = "column map"
    else:
        frame = read_table(column_map, ["column", "item_id"], what="column map")
    problems = check_required_values(frame, ["column", "item_id"])
    problems += check_allowed(frame, "item_id", targets)
    problems += check_unique(frame, ["column"])
    problems += check_unique(frame[frame["item_id"] != IGNORE], ["item_id"])
    raise_if(problems)
    mapping = dict(zip(frame["column"].map(str.strip), frame["item_id"].map(str.strip), strict=True))
    return {str(k): v for k, v in mapping.items()}


@dataclass
class ColumnPlan:
    """What each file column is: an item, the respondent id, or ignored metadata."""

    items: dict[str, str]  # item id -> file column
    id_column: str | None
    ignored: list[str]
    how: dict[str, str] = field(default_factory=dict)  # item id -> how its column was recognised


def plan_columns(
    raw: RawTable,
    matcher: ColumnMatcher,
    map_name: str,
) -> tuple[ColumnPlan, list[Problem]]:
    """Assign every column of *raw*; problems for unknown, doubled, ambiguous and missing columns."""
    instrument = matcher.instrument
    problems: list[Problem] = []
    keys = {column_key(c) for c in raw.columns}
    for line, source in enumerate(matcher.mapping, start=2):
        if source not in raw.columns and column_key(source) not in keys:
            problems.append(
                Problem(
                    file=map_name,
                    row=line,
                    column="column",
                    message=f"column map names a column that is not in {raw.file}",
                    value=source,
                    allowed=raw.columns,
                )
            )
    plan = ColumnPlan({}, None, [])
    first_seen: dict[str, int] = {}
    row = raw.header_row
    for j, column in enumerate(raw.columns):
        ref = column_ref(raw.positions[j] if raw.positions else j, raw.kind)
        key = column_key(column)
        if key in first_seen:
            other = first_seen[key]
            problems.append(
                Problem(
                    file=raw.file,
                    row=row,
                    column=column,
                    message=f"column name appears twice: {column_ref(raw.positions[other], raw.kind)} "
                    f"('{raw.columns[other]}') and {ref} ('{column}'); rename or remove one",
                )
            )
            continue
        first_seen[key] = j
        match = matcher.classify(column, raw.descriptions.get(column, ""))
        target = match.target
        if target is None and match.how == "ambiguous":
            problems.append(
                Problem(
                    file=raw.file,
                    row=row,
                    column=column,
                    message=f"{ref}: question text matches several items ({', '.join(match.candidates)}); "
                    "name the column in a column map",
                    allowed=list(match.candidates),
                )
            )
        elif target is None:
            hint = QUESTION_HINT if QUESTION_PATTERN.match(key) else ""
            problems.append(
                Problem(
                    file=raw.file,
                    row=row,
                    column=column,
                    message="unknown column: not an item id, a figure number, an item's question text, a respondent "
                    "id or known survey-export metadata; name it in a column map (item id or 'ignore')" + hint,
                    allowed=instrument.item_ids,
                )
            )
        elif target == IGNORE:
            plan.ignored.append(column)
        elif target == RESPONDENT_ID:
            if plan.id_column is not None:
                problems.append(
                    Problem(
                        file=raw.file,
                        row=row,
                        column=column,
                        message=f"second respondent id column (first: '{plan.id_column}'); map one of them to 'ignore'",
                    )
                )
            else:
                plan.id_column = column
        elif target in plan.items:
            problems.append(
                Problem(
                    file=raw.file,
                    row=row,
                    column=column,
                    message=f"gives item {target} a second time (already column '{plan.items[target]}'); "
                    "map one of them to 'ignore'",
                )
            )
        else:
            plan.items[target] = column
            plan.how[target] = match.how
    for item_id in instrument.item_ids:
        if item_id not in plan.items:
            problems.append(
                Problem(
                    file=raw.file,
                    row=row,
                    message=f"missing item {item_id} ({instrument.exhibit_name(item_id, 'en')}): no column for it "
                    "(add an empty column if the question was not asked, or map the column)",
                    allowed=accepted_names(item_id, instrument),
                )
            )
    return plan, problems


# --- rows ----------------------------------------------------------------------------------


def id_text(value: str) -> str:
    """A respondent id as text: ``'1.0'`` -> ``'1'``; leading zeros and other text kept."""
    text = " ".join(str(value).replace("\u00a0", " ").split()).lstrip("'") if value else ""
    return text.split(".")[0].split(",")[0] if WHOLE_FLOAT.match(text) else text


def respondent_ids(raw: RawTable, plan: ColumnPlan) -> tuple[list[str], dict[str, int], list[Problem]]:
    """Ids per row (generated for empty cells), the generated ones, and duplicate problems naming both rows."""
    problems: list[Problem] = []
    if plan.id_column is None:
        return [str(i) for i in range(1, len(raw.rows) + 1)], {}, problems
    position = raw.columns.index(plan.id_column)
    ids, generated, first_row = [], {}, {}
    for row, number in zip(raw.rows, raw.row_numbers, strict=True):
        rid = id_text(row[position])
        if rid == "":
            rid = f"row{number}"
            generated[rid] = number
        if rid in first_row:
            problems.append(
                Problem(
                    file=raw.file,
                    row=number,
                    column=plan.id_column,
                    message=f"duplicated respondent id (first on row {first_row[rid]})",
                    value=rid,
                )
            )
        else:
            first_row[rid] = number
        ids.append(rid)
    return ids, generated, problems


def preamble_problems(raw: RawTable, plan: ColumnPlan, readers: dict[str, dict[str, str]], instrument) -> list[Problem]:
    """Rows skipped above the header must not hold answers (they would be lost)."""
    problems = []
    position = {c: j for j, c in enumerate(raw.columns)}
    for number, cells in raw.preamble:
        hits = [
            item
            for item, column in plan.items.items()
            if cells[position[column]]
            and parse_answer(cells[position[column]], readers[instrument.items.at[item, "scale_id"]]) not in (None, "")
        ]
        if len(hits) >= 2:
            problems.append(
                Problem(
                    file=raw.file,
                    row=number,
                    message=f"row is above the header (row {raw.header_row}) but holds answers "
                    f"({', '.join(hits[:5])}{', ...' if len(hits) > 5 else ''}); is the header in the right place?",
                )
            )
    return problems


def answer_problem(raw: RawTable, number: int, column: str, item_id: str, rid: str, shown: str, allowed) -> Problem:
    """The error for one answer outside the scale (with a hint for text read in the wrong encoding)."""
    hint = (
        " - this looks like UTF-8 text read as cp1252 (mojibake): re-export as UTF-8" if MOJIBAKE.search(shown) else ""
    )
    return Problem(
        file=raw.file,
        row=number,
        column=column,
        message=f"answer outside the scale of {item_id} (respondent '{rid}'){hint}",
        value=shown,
        allowed=allowed,
    )


def load_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    column_map: str | Path | Mapping[str, str] | None = None,
    sheet: str | None = None,
    data_dir: str | Path = DATA_DIR,
) -> pd.DataFrame:
    """Answers of a cohort as category ids, indexed by respondent id, one column per item id.

    ``""`` means no answer. ``frame.attrs`` keeps the provenance: ``source`` (file, with the sheet),
    ``format``, ``columns`` (item id -> file column), ``matched_by`` (item id -> how its column was
    recognised), ``id_column``, ``ignored_columns``, ``header_row``, ``skipped_rows`` (title / second header
    rows), ``generated_ids``, ``details`` (encoding, delimiter, sheet, blank rows) and ``provenance``
    (:class:`CellProvenance`: the file row of each respondent and each cell as written, see :func:`raw_answers`).
    Raises :class:`DataValidationError` listing every problem found; warns (:class:`IngestWarning`) about
    generated ids, approximate question-text matches and respondents without any answer.
    """
    mapping: dict[str, str] = {}
    map_name = "column map"
    if column_map is not None and str(column_map) != "":
        mapping = load_column_map(column_map, instrument)
        map_name = str(column_map) if not isinstance(column_map, Mapping) else map_name
    matcher = ColumnMatcher(instrument, mapping, load_metadata(data_dir))
    aliases = load_answer_aliases(instrument, data_dir)
    scale_ids = sorted(set(instrument.scales["scale_id"]))
    readers = {s: answer_lookup(instrument, s, aliases=aliases) for s in scale_ids}
    raw = build_table(choose_grid(read_grids(path), sheet, matcher, str(path)), matcher)
    plan, problems = plan_columns(raw, matcher, map_name)
    if not raw.rows:
        problems.append(Problem(file=raw.file, message="has a header but no respondent rows"))
        raise DataValidationError(problems)
    problems += preamble_problems(raw, plan, readers, instrument)
    ids, generated, id_problems = respondent_ids(raw, plan)
    problems += id_problems
    position = {c: j for j, c in enumerate(raw.columns)}
    answers: dict[str, list[str]] = {}
    raw_cells: dict[str, dict[str, str]] = {}
    for item_id in instrument.item_ids:
        column = plan.items.get(item_id)
        if column is None:
            continue
        scale_id = instrument.items.at[item_id, "scale_id"]
        lookup = readers[scale_id]
        labels = raw.value_labels.get(column, {})
        cache: dict[str, str | None] = {}
        values, cells, bad = [], {}, []
        j = position[column]
        for rid, row, number in zip(ids, raw.rows, raw.row_numbers, strict=True):
            text = row[j]
            label = labels.get(text)
            if text not in cache:
                cache[text] = parse_answer(text, lookup, label)
            category = cache[text]
            shown = text if label is None else f"{text} (value label '{label}')"
            cells[rid] = shown
            if category is None:
                bad.append((number, rid, shown))
                category = ""
            values.append(category)
        allowed = allowed_answers(instrument, scale_id)
        problems += [answer_problem(raw, n, column, item_id, r, s, allowed) for n, r, s in bad[:SHOWN_CELL_PROBLEMS]]
        if len(bad) > SHOWN_CELL_PROBLEMS:
            rest = bad[SHOWN_CELL_PROBLEMS:]
            distinct = list(dict.fromkeys(s for _, _, s in rest))
            problems.append(
                Problem(
                    file=raw.file,
                    row=f"{rest[0][0]}-{rest[-1][0]}",
                    column=column,
                    message=f"{len(rest)} more answers outside the scale of {item_id} (distinct values: "
                    + ", ".join(repr(v) for v in distinct[:10])
                    + (", ..." if len(distinct) > 10 else "")
                    + ")",
                    allowed=allowed,
                )
            )
        answers[item_id] = values
        raw_cells[item_id] = cells
    raise_if(problems)
    frame = pd.DataFrame(answers, index=pd.Index(ids, name=RESPONDENT_ID, dtype=object), dtype=object)
    warn_about(frame, raw, plan, generated)
    frame.attrs.update(
        {
            "source": raw.file,
            "format": raw.kind,
            "columns": dict(plan.items),
            "matched_by": dict(plan.how),
            "id_column": plan.id_column or "",
            "ignored_columns": list(plan.ignored),
            "header_row": raw.header_row,
            "skipped_rows": list(raw.skipped_rows),
            "empty_columns": list(raw.empty_columns),
            "generated_ids": dict(generated),
            "details": dict(raw.details),
            "provenance": CellProvenance(raw_cells, dict(zip(ids, raw.row_numbers, strict=True))),
        }
    )
    return frame


def warn_about(frame: pd.DataFrame, raw: RawTable, plan: ColumnPlan, generated: dict[str, int]) -> None:
    """Warn about decisions the user should check (nothing is dropped)."""
    if generated:
        rows = ", ".join(map(str, generated.values()))
        warnings.warn(
            IngestWarning(f"{raw.file}: respondent id empty on row(s) {rows}; kept with generated ids row<N>"),
            stacklevel=3,
        )
    approximate = [f"{plan.items[i]!r} -> {i}" for i, how in plan.how.items() if "approximate" in how]
    if approximate:
        warnings.warn(
            IngestWarning(
                f"{raw.file}: columns matched to items by similar (not identical) question text: "
                + "; ".join(approximate)
            ),
            stacklevel=3,
        )
    if len(frame.columns):
        empty = frame.index[(frame == "").all(axis=1)]
        if len(empty):
            numbers = [str(raw.row_numbers[frame.index.get_loc(r)]) for r in empty[:10]]
            warnings.warn(
                IngestWarning(
                    f"{raw.file}: {len(empty)} respondent(s) answered no item (row(s) {', '.join(numbers)}"
                    f"{', ...' if len(empty) > 10 else ''}); they are kept and count as 'no answer'"
                ),
                stacklevel=3,
            )


def raw_answers(responses: pd.DataFrame) -> pd.DataFrame:
    """The cells as written in the file (same shape as *responses*), for messages and audits."""
    provenance = responses.attrs.get("provenance")
    raw = provenance.raw if isinstance(provenance, CellProvenance) else {}
    return pd.DataFrame({item: pd.Series(cells) for item, cells in raw.items()}).reindex(responses.index)


def answer_summary(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Per item: respondents, substantive answers, non-substantive ("don't know") and blanks."""
    rows = []
    for item_id in [i for i in instrument.item_ids if i in responses.columns]:
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        values = responses[item_id].fillna("")
        substantive = values.map(lambda v, s=scale: bool(v) and bool(s.at[v, "substantive"]))
        blank = values == ""
        rows.append(
            {
                "item_id": item_id,
                "respondents": len(values),
                "answered": int(substantive.sum()),
                "dont_know": int((~substantive & ~blank).sum()),
                "no_answer": int(blank.sum()),
            }
        )
    return pd.DataFrame(rows)
