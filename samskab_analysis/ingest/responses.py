"""Read a new cohort's respondent-level answers (CSV, Excel, SPSS) into category ids of the instrument.

:func:`load_responses` returns a frame indexed by respondent id with one column per item id holding
the category id of the item's scale (``""`` = no answer). Every column of the file is recognised
(item, respondent id, survey-export metadata) or reported; nothing is dropped silently and the file
is only read. All problems are collected and raised together as one
:class:`~samskab_analysis.errors.DataValidationError` naming file, row, column and allowed values.

The steps live in their own modules: reading files into grids (:mod:`~samskab_analysis.ingest.files`),
locating header and data rows (:mod:`~samskab_analysis.ingest.table`), recognising columns
(:mod:`~samskab_analysis.ingest.names`, :mod:`~samskab_analysis.ingest.columns`) and parsing answers
(:mod:`~samskab_analysis.ingest.answers`). This module assembles and validates the result; their
public names stay importable from here.

**Completion**: when the export marks whether a response is complete (a ``role`` in
``instrument/export_metadata_columns.csv``: LimeSurvey's ``submitdate`` - empty for a response that was never
submitted -, Qualtrics' ``Finished``), only complete responses are analysed and an :class:`IngestWarning` says
how many were left out; ``include_incomplete=True`` (``--include-incomplete``) keeps them, and their
unanswered questions after the last page they submitted (LimeSurvey's ``lastpage``; the instrument's levels are
the pages, one group per level as ``samskab instrument export`` writes them) - or, without a last-page column,
after their last answered question - are ``not_reached``, not "no answer".

**Respondent ids**: ``1.0`` is read as ``1``; a repeated id is an error naming both rows; an empty id
keeps the row under the generated id ``row<N>`` (N = its row in the file) with an
:class:`IngestWarning`; without an id column respondents are numbered ``1``, ``2``, ... in file order.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from samskab_analysis.data.count_table import NOT_REACHED
from samskab_analysis.data.errors import DataValidationError, Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.answers import (
    allowed_answers,
    answer_key,
    answer_lookup,
    load_answer_aliases,
    parse_answer,
    read_answers,
)
from samskab_analysis.ingest.columns import ColumnPlan, load_column_map, plan_columns
from samskab_analysis.ingest.files import EXCEL_SUFFIXES, SPSS_SUFFIXES, TEXT_SUFFIXES, cell_text, read_grids
from samskab_analysis.ingest.names import (
    FIGURE_PATTERN,
    FINISHED,
    ID_COLUMN_KEYS,
    IGNORE,
    LAST_PAGE,
    QUESTION_PATTERN,
    RESPONDENT_ID,
    SUBMITTED,
    ColumnMatcher,
    accepted_names,
    figure_item,
    load_metadata,
)
from samskab_analysis.ingest.table import RawTable, build_table, choose_grid, read_raw
from samskab_analysis.ingest.text import INVISIBLE, column_key, normal_text
from samskab_analysis.paths import DATA_DIR

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

WHOLE_FLOAT = re.compile(r"^[+-]?\d+[.,]0+$")


class IngestWarning(UserWarning):
    """A decision taken while reading a respondent file that the user should know about."""


class CompletionWarning(IngestWarning):
    """Incomplete responses left out or kept: the commands ``reproduce`` and ``validate`` say it in their own line."""


class CellProvenance:
    """Where each answer came from: the cells as written (respondent x item frame) and the file row per respondent.

    Attached to a responses frame as ``attrs["provenance"]``; pandas deep-copies ``attrs`` on every
    operation, so this object is shared instead of copied (it is never modified).
    """

    def __init__(self, cells: pd.DataFrame, rows: dict[str, int]) -> None:
        self.cells = cells
        self.rows = rows

    def __copy__(self) -> CellProvenance:
        return self

    def __deepcopy__(self, memo: dict) -> CellProvenance:
        return self


# --- rows ----------------------------------------------------------------------------------


def id_text(value: str) -> str:
    """A respondent id as text: ``'1.0'`` -> ``'1'``; Unicode normalised (NFKC), invisible characters
    (zero-width space, soft hyphen, ...) removed and spaces (NBSP too) collapsed; leading zeros and case kept."""
    if not value:
        return ""
    text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    text = " ".join(text.split()).lstrip("'")
    return text.split(".")[0].split(",")[0] if WHOLE_FLOAT.match(text) else text


def respondent_ids(raw: RawTable, plan: ColumnPlan) -> tuple[list[str], dict[str, int], list[Problem]]:
    """Ids per row (generated for empty cells), the generated ones, and duplicate problems naming both rows."""
    problems: list[Problem] = []
    if plan.id_column is None:
        return [str(i) for i in range(1, len(raw.rows) + 1)], {}, problems
    position = raw.columns.index(plan.id_column)
    ids, generated, first_row = [], {}, {}
    written: dict[str, str] = {}
    for row, number in zip(raw.rows, raw.row_numbers, strict=True):
        cell = row[position]
        rid = id_text(cell)
        if rid == "":
            rid = f"row{number}"
            generated[rid] = number
        if rid in first_row:
            same = cell == written[rid]
            problems.append(
                Problem(
                    file=raw.file,
                    row=number,
                    column=plan.id_column,
                    message=f"duplicated respondent id (first on row {first_row[rid]}"
                    + (
                        ""
                        if same
                        else f" as {written[rid]!r}; equal after Unicode normalisation and removing "
                        "invisible characters and spaces"
                    )
                    + ")",
                    value=rid if same else cell,
                    kind="duplicated respondent id",
                )
            )
        else:
            first_row[rid] = number
            written[rid] = cell
        ids.append(rid)
    return ids, generated, problems


def preamble_problems(
    raw: RawTable, plan: ColumnPlan, readers: dict[str, dict[str, str]], instrument: Instrument
) -> list[Problem]:
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


# --- completion ----------------------------------------------------------------------------

TRUE_TEXTS = {"1", "true", "yes", "ja"}
FALSE_TEXTS = {"0", "false", "no", "nej", "nei", ""}


def completion_status(raw: RawTable, plan: ColumnPlan) -> tuple[list[bool] | None, str, list[Problem]]:
    """Per row whether the response is complete (None when the export does not say), the column, problems.

    ``submitted`` (LimeSurvey's ``submitdate``): complete when filled; ``finished`` (Qualtrics' ``Finished``):
    complete when 1 / true, incomplete when 0 / false / blank; any other value is a problem.
    """
    column = plan.roles.get(SUBMITTED) or plan.roles.get(FINISHED)
    if column is None:
        return None, "", []
    position = raw.columns.index(column)
    cells = [row[position].strip() for row in raw.rows]
    if column == plan.roles.get(SUBMITTED):
        return [c != "" for c in cells], column, []
    problems = []
    complete = []
    for cell, number in zip(cells, raw.row_numbers, strict=True):
        text = cell.casefold()
        if text not in TRUE_TEXTS | FALSE_TEXTS:
            problems.append(
                Problem(
                    file=raw.file,
                    row=number,
                    column=column,
                    message="not a completion flag",
                    value=cell,
                    allowed=["1 / true (complete)", "0 / false / blank (incomplete)"],
                )
            )
        complete.append(text in TRUE_TEXTS)
    return complete, column, problems


def last_pages(raw: RawTable, plan: ColumnPlan) -> tuple[list[int] | None, list[Problem]]:
    """Each row's last page submitted (LimeSurvey's ``lastpage``; blank = 0), or None without such a column."""
    column = plan.roles.get(LAST_PAGE)
    if column is None:
        return None, []
    position = raw.columns.index(column)
    pages, problems = [], []
    for row, number in zip(raw.rows, raw.row_numbers, strict=True):
        cell = row[position].strip()
        text = cell.split(".")[0] if WHOLE_FLOAT.match(cell) else cell
        if text == "" or text.isdigit():
            pages.append(int(text or 0))
            continue
        pages.append(0)
        problems.append(
            Problem(file=raw.file, row=number, column=column, message="last page is not a whole number", value=cell)
        )
    return pages, problems


def item_pages(instrument: Instrument) -> dict[str, int]:
    """The page of each item: its level's place among the levels that hold items (one group per level, 1-based),
    as ``samskab instrument export --format limesurvey`` builds the survey (group by group)."""
    items = instrument.items
    levels = [lv for lv in instrument.levels.sort_values("order")["level_id"] if (items["level_id"] == lv).any()]
    page = {level: k for k, level in enumerate(levels, start=1)}
    return {i: page[items.at[i, "level_id"]] for i in instrument.item_ids}


def mark_not_reached(
    answers: dict[str, list[str]], instrument: Instrument, rows: list[int], pages: list[int] | None
) -> int:
    """Unanswered questions of the incomplete *rows* after their last page (without pages: after their last
    answered question, in questionnaire order) become ``not_reached``; returns how many cells."""
    order = [i for i in instrument.item_ids if i in answers]
    page_of = item_pages(instrument)
    marked = 0
    for k in rows:
        if pages is not None:
            after = [i for i in order if page_of[i] > pages[k]]
        else:
            answered = [n for n, i in enumerate(order) if answers[i][k] != ""]
            after = order[answered[-1] + 1 :] if answered else list(order)
        for item_id in after:
            if answers[item_id][k] == "":
                answers[item_id][k] = NOT_REACHED
                marked += 1
    return marked


def load_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    column_map: str | Path | Mapping[str, str] | None = None,
    sheet: str | None = None,
    data_dir: str | Path = DATA_DIR,
    include_incomplete: bool = False,
) -> pd.DataFrame:
    """Answers of a cohort as category ids, indexed by respondent id, one column per item id.

    ``""`` means no answer. ``frame.attrs`` keeps the provenance: ``source`` (file, with the sheet),
    ``format``, ``columns`` (item id -> file column), ``matched_by`` (item id -> how its column was
    recognised), ``id_column``, ``ignored_columns``, ``header_row``, ``skipped_rows`` (title / second header
    rows), ``generated_ids``, ``details`` (encoding, delimiter, sheet, blank rows) and ``provenance``
    (:class:`CellProvenance`: the file row of each respondent and each cell as written, see :func:`raw_answers`),
    and for an export that marks completion ``completion_column``, ``incomplete_left_out`` (responses not
    analysed), ``incomplete_kept`` and ``not_reached`` (cells marked ``not_reached``).
    Raises :class:`DataValidationError` listing every problem found; warns (:class:`IngestWarning`) about
    generated ids, approximate question-text matches, respondents without any answer and incomplete responses
    left out (or kept).
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
    answers, shown, answer_problems = read_answers(raw, plan, instrument, readers, ids)
    problems += answer_problems
    complete, completion_column, completion_problems = completion_status(raw, plan)
    pages, page_problems = last_pages(raw, plan) if complete is not None else (None, [])
    problems += completion_problems + page_problems
    numbers = list(raw.row_numbers)
    completion: dict[str, object] = {}
    if complete is not None:
        incomplete = [k for k, done in enumerate(complete) if not done]
        if not include_incomplete and len(incomplete) == len(complete):
            problems.append(
                Problem(
                    file=raw.file,
                    column=completion_column,
                    message=f"no complete response: all {len(complete)} are incomplete (no '{completion_column}'); "
                    "analyse them with --include-incomplete (include_incomplete=True)",
                )
            )
        raise_if(problems)
        completion = {"completion_column": completion_column}
        if include_incomplete:
            marked = mark_not_reached(answers, instrument, incomplete, pages)
            completion.update(incomplete_kept=len(incomplete), not_reached=marked, incomplete_left_out=0)
        else:
            keep = [k for k, done in enumerate(complete) if done]
            ids = [ids[k] for k in keep]
            numbers = [numbers[k] for k in keep]
            answers = {i: [v[k] for k in keep] for i, v in answers.items()}
            shown = {i: [v[k] for k in keep] for i, v in shown.items()}
            kept_ids = set(ids)
            generated = {i: n for i, n in generated.items() if i in kept_ids}
            completion.update(incomplete_kept=0, not_reached=0, incomplete_left_out=len(incomplete))
    raise_if(problems)
    raw.rows = []  # every cell is in the columns now: the rows' lists are freed before the frames are built
    index = pd.Index(ids, name=RESPONDENT_ID, dtype=object)
    frame = pd.DataFrame(answers, index=index, dtype=object)
    del answers
    cells = pd.DataFrame(shown, index=index, dtype=object)
    del shown
    warn_about(frame, raw, plan, generated, numbers, completion)
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
            **completion,
            "provenance": CellProvenance(cells, dict(zip(ids, numbers, strict=True))),
        }
    )
    return frame


def warn_about(
    frame: pd.DataFrame,
    raw: RawTable,
    plan: ColumnPlan,
    generated: dict[str, int],
    numbers: list[int],
    completion: Mapping[str, object],
) -> None:
    """Warn about decisions the user should check (incomplete responses left out or kept are said with their
    number)."""
    left_out = int(completion.get("incomplete_left_out", 0))
    if left_out:
        column = completion["completion_column"]
        warnings.warn(
            CompletionWarning(
                f"{raw.file}: {left_out} incomplete response(s) left out (empty or false '{column}': never "
                f"submitted); {len(frame)} complete response(s) analysed; --include-incomplete "
                "(include_incomplete=True) keeps them"
            ),
            stacklevel=3,
        )
    kept = int(completion.get("incomplete_kept", 0))
    if kept:
        warnings.warn(
            CompletionWarning(
                f"{raw.file}: {kept} incomplete response(s) kept (--include-incomplete): "
                f"{completion.get('not_reached', 0)} unanswered question(s) after their last page count as "
                "'not reached', not 'no answer'"
            ),
            stacklevel=3,
        )
    if generated:
        empty = list(generated.values())
        rows = ", ".join(map(str, empty[:10])) + (f", … ({len(empty)} rows)" if len(empty) > 10 else "")
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
        empty = frame.index[frame.isin(["", NOT_REACHED]).all(axis=1)]
        if len(empty):
            rows = [str(numbers[frame.index.get_loc(r)]) for r in empty[:10]]
            warnings.warn(
                IngestWarning(
                    f"{raw.file}: {len(empty)} respondent(s) answered no item (row(s) {', '.join(rows)}"
                    f"{', ...' if len(empty) > 10 else ''}); they are kept and count as 'no answer' "
                    "(questions an incomplete response never reached: 'not reached')"
                ),
                stacklevel=3,
            )


def raw_answers(responses: pd.DataFrame) -> pd.DataFrame:
    """The cells as written in the file (same shape as *responses*), for messages and audits."""
    provenance = responses.attrs.get("provenance")
    if not isinstance(provenance, CellProvenance):
        return pd.DataFrame(index=responses.index)
    return provenance.cells.reindex(responses.index)


def answer_summary(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Per item: respondents, substantive answers, non-substantive ("don't know"), blanks and not reached."""
    rows = []
    for item_id in [i for i in instrument.item_ids if i in responses.columns]:
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        values = responses[item_id].fillna("")
        substantive = values.map(scale["substantive"].astype(bool).to_dict()).fillna(False).astype(bool)
        blank = values == ""
        unreached = values == NOT_REACHED
        rows.append(
            {
                "item_id": item_id,
                "respondents": len(values),
                "answered": int(substantive.sum()),
                "dont_know": int((~substantive & ~blank & ~unreached).sum()),
                "no_answer": int(blank.sum()),
                "not_reached": int(unreached.sum()),
            }
        )
    return pd.DataFrame(rows)
