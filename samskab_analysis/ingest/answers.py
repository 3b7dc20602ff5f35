"""Parse one answer cell into a category id of an item's scale.

Accepted: labels in Danish, Norwegian or English (``scales.csv``; any letter case, stray or
non-breaking spaces, a leading Excel apostrophe, trailing ``.``), with or without a leading ``i``
(``meget høj grad``), the scale's numeric codes (``5``, ``5.0``, ``5,0``), category ids, code and label
together (``5 - I meget høj grad``, ``5: ...``, ``(5) ...``, ``... (5)``; the label decides), and the
aliases of ``instrument/answer_aliases.csv`` (e.g. ``Ved ikke / ikke relevant`` = don't know;
``N/A``, ``-``, ``.``, ``99`` = no answer). SPSS: the value label of a code decides when present,
otherwise the code (user-missing codes are values: ``9`` = don't know, ``99`` = no answer). Anything
else is not on the scale (``None``). Codes are digits only: ``1e0``, ``+5`` or ``inf`` are not codes.

Whole columns (:func:`read_answers`): each distinct text of a file is read once (:func:`read_answer_text`),
each column's distinct values are mapped once and the mapping is applied to the column, so a file is read
in time linear in its cells. Every answer outside the scale is a problem naming file, row, column,
respondent and allowed answers (an Excel date cell says so); Excel formula cells without a saved value and
rows that repeat the header are problems too, never blanks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from samskab_analysis.data.count_table import NO_ANSWER
from samskab_analysis.data.csv_reader import LINE, check_allowed, check_required_values, read_table
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.columns import ColumnPlan
from samskab_analysis.ingest.files import DATE_NOTE, FORMULA_NOTE, column_ref
from samskab_analysis.ingest.table import RawTable
from samskab_analysis.ingest.text import column_key, normal_text
from samskab_analysis.paths import DATA_DIR, LANGS

ALIAS_FILE = "answer_aliases.csv"
CODE_THEN_LABEL = re.compile(r"^\(?\s*(-?\d{1,3})\s*(?:[).:=\-–—]\s*|\s+)(\D.*)$")
LABEL_THEN_CODE = re.compile(r"^(\D.*?)\s*[(\[]\s*(-?\d{1,3})\s*[)\]]$")
LABEL_PREFIXES = ("i ", "to a ", "to ")
CODE = re.compile(r"^(-?[0-9]{1,15})(?:[.,]0+)?$", re.ASCII)


#: Answers outside the scale listed one by one per column; the rest of a column is counted in one problem.
MAX_PROBLEMS_PER_COLUMN = 1_000


def answer_key(value: object) -> str:
    """An answer reduced for matching: case, spacing, a leading ``'``, spaces around ``/``, end punctuation."""
    text = normal_text(value).lstrip("'").strip()
    text = re.sub(r"\s*/\s*", " / ", text)
    stripped = text.strip(" .:;!?")
    return stripped or text


def code_text(text: str) -> str | None:
    """``'5'``, ``'5.0'``, ``'5,0'`` -> ``'5'``; None when *text* is not a plain whole number.

    Only digits (with an optional minus and a zero decimal part) are codes: ``1e0``, ``+5``, ``5_0``, ``0x5``,
    ``inf`` or ``5.5`` are not.
    """
    match = CODE.match(text.strip().lstrip("'"))
    return str(int(match.group(1))) if match else None


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
    categories = {s: [*instrument.categories(s), NO_ANSWER] for s in scale_ids}
    for alias, scale, category, line in zip(
        frame["alias"], frame["scale_id"], frame["category_id"], frame[LINE], strict=True
    ):
        targets = [scale] if scale else scale_ids
        key = answer_key(alias)
        for scale_id in targets:
            allowed = categories[scale_id]
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


@dataclass(frozen=True)
class AnswerText:
    """What one distinct answer text says, independent of the scale: read once per text, then looked up."""

    key: str  # the text reduced by :func:`answer_key`
    code: str | None  # the whole number it writes, if any
    label: str | None  # the label of ``5 - label`` / ``label (5)``, if any
    blank: bool


def read_answer_text(text: str) -> AnswerText:
    """The scale-independent reading of an answer text (the per-text parser: called once per distinct text)."""
    key = answer_key(text)
    label = None
    for pattern, label_group in ((CODE_THEN_LABEL, 2), (LABEL_THEN_CODE, 1)):
        match = pattern.match(key)
        if match:
            label = answer_key(match.group(label_group))
            break
    return AnswerText(key, code_text(text), label, text.strip() == "" or key == "")


def resolve_answer(answer: AnswerText, lookup: Mapping[str, str]) -> str | None:
    """Category id of an answer text read by :func:`read_answer_text` on one scale; None if not on it."""
    if answer.key in lookup:
        return lookup[answer.key]
    if answer.code is not None:
        return lookup.get(answer.code)
    if answer.label is not None:
        return lookup.get(answer.label)  # the label decides: the code may follow the survey tool's numbering
    return None


def parse_text_answer(text: str, lookup: Mapping[str, str]) -> str | None:
    """Category id of an answer written as text, code, or code and label together; None if unknown."""
    return resolve_answer(read_answer_text(text), lookup)


def parse_answer(text: str, lookup: Mapping[str, str], value_label: str | None = None) -> str | None:
    """Category id of one cell (``""`` for blank or a no-answer alias), or None when it is not on the scale.

    An SPSS value label, when the code has one, decides over the code.
    """
    if value_label is not None:
        return parse_text_answer(value_label, lookup)
    answer = read_answer_text(text)
    return "" if answer.blank else resolve_answer(answer, lookup)


# --- whole columns -------------------------------------------------------------------------

MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf¦¥¤¸]")


def answer_problem(
    raw: RawTable, number: int, column: str, item_id: str, rid: str, shown: str, allowed: list[str], note: str = ""
) -> Problem:
    """The error for one answer outside the scale (with a hint for text read in the wrong encoding or a date cell)."""
    hint = (
        " - this looks like UTF-8 text read as cp1252 (mojibake): re-export as UTF-8" if MOJIBAKE.search(shown) else ""
    )
    if note == DATE_NOTE:
        hint = " - this cell is formatted as a date in Excel; format the column as text or number and retype it"
    return Problem(
        file=raw.file,
        row=number,
        column=column,
        message=f"answer outside the scale of {item_id} (respondent '{rid}'){hint}",
        value=shown,
        allowed=allowed,
        kind=f"answer outside the scale of {item_id}",
    )


def formula_problems(raw: RawTable, plan: ColumnPlan) -> list[Problem]:
    """Excel formula cells without a saved value in the id or item columns (read as values they would be blank)."""
    columns = {raw.positions[j] if raw.positions else j: c for j, c in enumerate(raw.columns)}
    kept = {*plan.items.values(), plan.id_column}
    rows = set(raw.row_numbers)
    problems = []
    for (number, position), note in sorted(raw.cell_notes.items()):
        if note != FORMULA_NOTE or columns.get(position) not in kept or number not in rows:
            continue
        problems.append(
            Problem(
                file=raw.file,
                row=number,
                column=columns[position],
                message=f"formula cell {column_ref(position, raw.kind).split()[-1]}{number} has no saved value; "
                "open and save the file in Excel (or export values), never read as 'no answer'",
                kind="formula cell without a saved value",
            )
        )
    return problems


def repeated_headers(raw: RawTable, plan: ColumnPlan) -> tuple[list[Problem], set[int]]:
    """Data rows that repeat the header (two exports pasted into one file): one problem per row, and their indices."""
    position = {c: j for j, c in enumerate(raw.columns)}
    item_columns = [position[c] for c in plan.items.values()]
    keys = [column_key(raw.columns[j]) for j in item_columns]
    if not item_columns:
        return [], set()
    problems, rows = [], set()
    for k, row in enumerate(raw.rows):
        first = row[item_columns[0]]
        if not first or column_key(first) != keys[0]:
            continue  # fast path: a header row repeats the first item column's name
        if sum(column_key(row[j]) == key for j, key in zip(item_columns, keys, strict=True)) * 2 >= len(keys):
            rows.add(k)
            problems.append(
                Problem(
                    file=raw.file,
                    row=raw.row_numbers[k],
                    message=f"row repeats the header (row {raw.header_row}): two exports pasted into one file? "
                    "remove the row",
                    kind="row repeats the header",
                )
            )
    return problems, rows


def parse_columns(
    raw: RawTable,
    plan: ColumnPlan,
    instrument: Instrument,
    readers: Mapping[str, Mapping[str, str]],
    ids: list[str],
    skip: set[int] = frozenset(),
) -> tuple[dict[str, list[str]], dict[str, list[str]], list[Problem]]:
    """Category ids and cells as written per item column, and a problem per answer outside the scale.

    Each distinct text of the file is read once (:func:`read_answer_text`); each column's distinct values are
    mapped to category ids once and the mapping is applied to the whole column (linear in the cells).
    """
    position = {c: j for j, c in enumerate(raw.columns)}
    texts: dict[str, AnswerText] = {}

    def read(text: str) -> AnswerText:
        answer = texts.get(text)
        if answer is None:
            answer = texts[text] = read_answer_text(text)
        return answer

    answers: dict[str, list[str]] = {}
    shown_cells: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for item_id in instrument.item_ids:
        column = plan.items.get(item_id)
        if column is None:
            continue
        scale_id = instrument.items.at[item_id, "scale_id"]
        lookup = readers[scale_id]
        labels = raw.value_labels.get(column, {})
        cells = list(map(itemgetter(position[column]), raw.rows))
        category: dict[str, str | None] = {}
        shown: dict[str, str] = {}
        for text in dict.fromkeys(cells):
            label = labels.get(text)
            if label is None:
                answer = read(text)
                category[text] = "" if answer.blank else resolve_answer(answer, lookup)
            else:
                category[text] = resolve_answer(read(label), lookup)
                shown[text] = f"{text} (value label '{label}')"
        bad = {t for t, c in category.items() if c is None}
        answers[item_id] = list(map(category.__getitem__, cells))
        shown_cells[item_id] = list(map(shown.get, cells, cells)) if shown else cells
        if bad:
            allowed = allowed_answers(instrument, scale_id)
            j = raw.positions[position[column]] if raw.positions else position[column]
            listed = 0
            for k, text in enumerate(cells):
                if text in bad and k not in skip:
                    listed += 1
                    if listed > MAX_PROBLEMS_PER_COLUMN:
                        continue  # counted below: memory stays bounded for a file of nothing but wrong answers
                    number = raw.row_numbers[k]
                    note = raw.cell_notes.get((number, j), "")
                    problems.append(
                        answer_problem(raw, number, column, item_id, ids[k], shown.get(text, text), allowed, note)
                    )
            if listed > MAX_PROBLEMS_PER_COLUMN:
                problems.append(
                    Problem(
                        file=raw.file,
                        column=column,
                        message=f"{listed - MAX_PROBLEMS_PER_COLUMN:,} more answers outside the scale of {item_id} "
                        f"in this column (the first {MAX_PROBLEMS_PER_COLUMN:,} are listed one by one)",
                        kind=f"answer outside the scale of {item_id}",
                    )
                )
    return answers, shown_cells, problems


def read_answers(
    raw: RawTable,
    plan: ColumnPlan,
    instrument: Instrument,
    readers: Mapping[str, Mapping[str, str]],
    ids: list[str],
) -> tuple[dict[str, list[str]], dict[str, list[str]], list[Problem]]:
    """Every item column as category ids and as written, with the problems: formula cells without values,
    rows repeating the header, answers outside the scale."""
    problems = formula_problems(raw, plan)
    header_problems, header_rows = repeated_headers(raw, plan)
    answers, shown, answer_problems = parse_columns(raw, plan, instrument, readers, ids, header_rows)
    return answers, shown, problems + header_problems + answer_problems
