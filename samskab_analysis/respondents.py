"""Read a new cohort's respondent-level answers (CSV, Excel, SPSS) into category ids of the instrument.

One row per respondent, one column per item. :func:`load_responses` returns a frame indexed by
respondent id with one column per item id holding the category id of the item's scale (``""`` = no
answer). Everything else in the file is either recognised (respondent id column, survey-export
metadata listed in ``data/raw/instrument/export_metadata_columns.csv``) or reported; nothing is
dropped silently and the file is only read.

Recognised without a column map (case, spaces, ``_``/``-``/``.`` ignored):

* item ids: ``fig01`` … ``fig17``, ``meeting_place`` (also ``Meeting place``);
* figure numbers: ``fig1``, ``Fig. 7``, ``Figur 7``, ``Figure 07``, ``F7``;
* respondent id: ``respondent_id``, ``respondent``, ``id``, ``ResponseId``, ``case_id`` …

Question numbers such as ``Q1`` are *not* guessed: survey tools number questions in the order of the
questionnaire, which differs from the report's figure numbers (the meeting-place item has none), so
such files need a column map (CSV ``column,item_id``; ``item_id`` may also be ``respondent_id`` or
``ignore``).

Answers may be labels in Danish, Norwegian or English (``label_da/no/en`` of ``scales.csv``) in any
letter case and with stray or non-breaking spaces, the numeric codes of the scale (``5``, ``5.0``,
``5,0``), or the category ids. SPSS files: the value label of a code is used when present, otherwise
the code. User-missing SPSS values are kept as values (``9`` is "don't know", not missing).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from samskab_analysis.errors import DataValidationError, Problem, raise_if
from samskab_analysis.instrument import Instrument
from samskab_analysis.paths import DATA_DIR, LANGS
from samskab_analysis.tables import (
    LINE,
    check_allowed,
    check_required_values,
    check_unique,
    parse_float,
    read_table,
)

RESPONDENT_ID = "respondent_id"
IGNORE = "ignore"
METADATA_FILE = "export_metadata_columns.csv"
ID_COLUMN_KEYS = (
    "respondent_id",
    "respondentid",
    "respondent",
    "id",
    "responseid",
    "response_id",
    "respid",
    "resp_id",
    "case_id",
    "caseid",
)
FIGURE_PATTERN = re.compile(r"^(?:fig|figur|figure|f)_*0*(\d{1,3})$")
QUESTION_PATTERN = re.compile(r"^(?:q|question|spm|spørgsmål|spørsmål)_*\d+$")
QUESTION_HINT = " (question numbers are not guessed: they follow the questionnaire, not the figure numbers)"
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SPSS_SUFFIXES = (".sav", ".zsav")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


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
    """A respondent file as text cells, before interpretation."""

    file: str
    kind: str
    columns: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)


def normal_text(value: object) -> str:
    """Case-folded text with non-breaking/odd spaces collapsed and curly apostrophes straightened."""
    text = unicodedata.normalize("NFKC", str(value)).translate(APOSTROPHES)
    return " ".join(text.split()).casefold()


def column_key(name: object) -> str:
    """A column name reduced for matching: ``'Figur 07'`` -> ``'figur_07'``."""
    text = normal_text(name).rstrip(".")
    return re.sub(r"[\s\-.]+", "_", text)


def cell_text(value: object) -> str:
    """A cell from any reader as text: blank for missing, ``5`` for ``5.0`` floats from SPSS."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


# --- reading the three formats -------------------------------------------------------------


def encoding_problems(raw: bytes, name: str) -> list[Problem]:
    """A problem when some lines are UTF-8 and others are not (a file pieced together from two sources)."""
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return []
    try:
        raw.decode("utf-8")
        return []
    except UnicodeDecodeError:
        pass
    utf8_lines, other_lines = [], []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines.append(number)
        except UnicodeDecodeError:
            other_lines.append(number)
    if not utf8_lines or not other_lines:
        return []
    return [
        Problem(
            file=name,
            row=other_lines[0],
            message="mixed text encodings: line(s) "
            + ", ".join(map(str, utf8_lines))
            + " are UTF-8 but line(s) "
            + ", ".join(map(str, other_lines))
            + " are cp1252/latin-1; save the whole file in one encoding (UTF-8 recommended)",
        )
    ]


def read_delimited(path: Path) -> RawTable:
    """CSV/TSV with comma, semicolon or tab; UTF-8 (BOM or not) or cp1252/latin-1."""
    name = str(path)
    if path.is_file():
        raise_if(encoding_problems(path.read_bytes(), name))
    frame = read_table(path, what="responses")
    columns = [c for c in frame.columns if c != LINE]
    rows = [[str(v) for v in values] for values in frame[columns].itertuples(index=False, name=None)]
    return RawTable(name, "csv", columns, rows, [int(v) for v in frame[LINE]])


def read_excel(path: Path, sheet: str | None) -> RawTable:
    """An .xlsx sheet (default: the first); row numbers are Excel's."""
    import zipfile

    from openpyxl import load_workbook

    name = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as err:
        raise DataValidationError(Problem(file=name, message=f"not a readable Excel workbook ({err})")) from None
    try:
        if sheet is None:
            sheet_name = book.sheetnames[0]
        elif str(sheet) in book.sheetnames:
            sheet_name = str(sheet)
        else:
            raise DataValidationError(
                Problem(file=name, message="no sheet with this name", value=str(sheet), allowed=book.sheetnames)
            )
        values = [list(row) for row in book[sheet_name].iter_rows(values_only=True)]
    finally:
        book.close()
    label = f"{name} [sheet {sheet_name}]"
    numbered = [(i, [cell_text(v) for v in row]) for i, row in enumerate(values, start=1)]
    numbered = [(i, row) for i, row in numbered if any(row)]
    if not numbered:
        raise DataValidationError(Problem(file=label, message="responses sheet is empty"))
    header_row, header = numbered[0]
    width = max(len(row) for _, row in numbered)
    header = header + [""] * (width - len(header))
    while header and header[-1] == "" and all(len(r) < len(header) or r[len(header) - 1] == "" for _, r in numbered):
        header.pop()
    problems = [
        Problem(file=label, row=header_row, column=f"#{j + 1}", message="column has answers but no header")
        for j, h in enumerate(header)
        if h == ""
    ]
    raise_if(problems)
    rows, numbers = [], []
    for i, row in numbered[1:]:
        extra = [v for v in row[len(header) :] if v]
        if extra:
            problems.append(Problem(file=label, row=i, message="cells to the right of the last header", value=extra))
        rows.append((row + [""] * len(header))[: len(header)])
        numbers.append(i)
    raise_if(problems)
    return RawTable(label, "xlsx", header, rows, numbers)


def read_spss(path: Path) -> RawTable:
    """An SPSS .sav file; value labels are kept so answers can be read from them; rows are case numbers."""
    import pyreadstat

    name = str(path)
    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as err:  # noqa: BLE001 - pyreadstat raises its own exception types
        raise DataValidationError(Problem(file=name, message=f"not a readable SPSS file ({err})")) from None
    columns = [str(c) for c in frame.columns]
    rows = [[cell_text(v) for v in values] for values in frame.itertuples(index=False, name=None)]
    labels = {
        str(var): {cell_text(code): str(text) for code, text in mapping.items()}
        for var, mapping in (meta.variable_value_labels or {}).items()
    }
    return RawTable(name, "sav", columns, rows, list(range(1, len(rows) + 1)), labels)


def read_raw(path: str | Path, sheet: str | None = None) -> RawTable:
    """Read *path* by its suffix without interpreting the answers."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataValidationError(Problem(file=name, message="responses file not found"))
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise DataValidationError(Problem(file=name, message="responses file is empty"))
    if suffix in TEXT_SUFFIXES:
        return read_delimited(path)
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, sheet)
    if suffix in SPSS_SUFFIXES:
        return read_spss(path)
    raise DataValidationError(
        Problem(
            file=name,
            message="unsupported file type (save old .xls files as .xlsx)",
            value=suffix,
            allowed=[*TEXT_SUFFIXES, *EXCEL_SUFFIXES, *SPSS_SUFFIXES],
        )
    )


# --- columns -------------------------------------------------------------------------------


def load_metadata_columns(data_dir: str | Path = DATA_DIR) -> set[str]:
    """Column keys of survey-export metadata that are ignored (``instrument/export_metadata_columns.csv``)."""
    frame = read_table(Path(data_dir) / "instrument" / METADATA_FILE, ["column", "source", "note"], what="metadata")
    raise_if(check_required_values(frame, ["column"]))
    return {column_key(c) for c in frame["column"]}


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
    mapping = {str(k): v for k, v in mapping.items()}
    return mapping


def item_aliases(instrument: Instrument) -> dict[str, str]:
    """Column keys recognised without a map -> item id (ids and figure-number patterns)."""
    aliases = {column_key(i): i for i in instrument.item_ids}
    return aliases


def figure_item(key: str, instrument: Instrument) -> str | None:
    """The item of a figure-number column key (``fig7``, ``figur_07``, ``f7``), else None."""
    match = FIGURE_PATTERN.match(key)
    if not match:
        return None
    hits = instrument.items.index[instrument.items["figure"] == int(match.group(1))]
    return str(hits[0]) if len(hits) == 1 else None


def accepted_names(item_id: str, instrument: Instrument) -> list[str]:
    """Column names that are recognised for *item_id* without a map (for error messages)."""
    figure = instrument.items.at[item_id, "figure"]
    if pd.isna(figure):
        return [item_id, item_id.replace("_", " ").capitalize()]
    return list(dict.fromkeys([item_id, f"fig{int(figure)}", f"Figur {int(figure)}", f"F{int(figure)}"]))


@dataclass
class ColumnPlan:
    """What each file column is: an item, the respondent id, or ignored metadata."""

    items: dict[str, str]  # item id -> file column
    id_column: str | None
    ignored: list[str]


def plan_columns(
    raw: RawTable,
    instrument: Instrument,
    mapping: Mapping[str, str],
    metadata: set[str],
    map_name: str,
) -> tuple[ColumnPlan, list[Problem]]:
    """Assign every column of *raw*; problems for unknown, doubled and missing columns."""
    problems: list[Problem] = []
    by_name = {c: c for c in raw.columns}
    by_key = {column_key(c): c for c in raw.columns}
    mapped: dict[str, str] = {}
    for line, (source, target) in enumerate(mapping.items(), start=2):
        column = by_name.get(source) or by_key.get(column_key(source))
        if column is None:
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
        else:
            mapped[column] = target
    aliases = item_aliases(instrument)
    items: dict[str, str] = {}
    id_column: str | None = None
    ignored: list[str] = []
    seen_headers: set[str] = set()
    for column in raw.columns:
        key = column_key(column)
        if key in seen_headers and column not in mapped:
            problems.append(Problem(file=raw.file, row=1, column=column, message="column name appears twice"))
            continue
        seen_headers.add(key)
        target = mapped.get(column)
        if target is None:
            if id_column is None and key in ID_COLUMN_KEYS:
                target = RESPONDENT_ID
            else:
                target = aliases.get(key) or figure_item(key, instrument)
            if target is None and key in metadata:
                target = IGNORE
        if target is None:
            hint = QUESTION_HINT if QUESTION_PATTERN.match(key) else ""
            problems.append(
                Problem(
                    file=raw.file,
                    row=1,
                    column=column,
                    message="unknown column: not an item id, a figure number, a respondent id or known survey-export "
                    "metadata; name it in a column map (item id or 'ignore')" + hint,
                    allowed=instrument.item_ids,
                )
            )
        elif target == IGNORE:
            ignored.append(column)
        elif target == RESPONDENT_ID:
            if id_column is not None:
                problems.append(
                    Problem(file=raw.file, row=1, column=column, message=f"second respondent id column ({id_column})")
                )
            id_column = column
        elif target in items:
            problems.append(
                Problem(
                    file=raw.file,
                    row=1,
                    column=column,
                    message=f"gives item {target} a second time (already column '{items[target]}')",
                )
            )
        else:
            items[target] = column
    for item_id in instrument.item_ids:
        if item_id not in items:
            problems.append(
                Problem(
                    file=raw.file,
                    row=1,
                    message=f"missing item {item_id} ({instrument.exhibit_name(item_id, 'en')}): no column for it "
                    "(add an empty column if the question was not asked, or map the column)",
                    allowed=accepted_names(item_id, instrument),
                )
            )
    return ColumnPlan(items, id_column, ignored), problems


# --- answers -------------------------------------------------------------------------------


def code_text(text: str) -> str | None:
    """``'5'``, ``'5.0'``, ``'5,0'`` -> ``'5'``; None when *text* is not a whole number."""
    try:
        number = parse_float(text)
    except ValueError:
        return None
    return str(int(number)) if number == number and float(number).is_integer() else None


def answer_lookup(instrument: Instrument, scale_id: str) -> dict[str, str]:
    """Every accepted spelling of an answer on *scale_id* (normalised) -> category id."""
    lookup: dict[str, str] = {}
    problems = []
    for category, row in instrument.scale_rows(scale_id).iterrows():
        keys = {normal_text(category), normal_text(str(category).replace("_", " ")), str(int(row["code"]))}
        keys |= {normal_text(row[f"label_{lang}"]) for lang in LANGS}
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


def allowed_answers(instrument: Instrument, scale_id: str) -> list[str]:
    """One line per category for error messages: code / id / labels."""
    out = []
    for category, row in instrument.scale_rows(scale_id).iterrows():
        labels = " / ".join(dict.fromkeys(str(row[f"label_{lang}"]) for lang in LANGS))
        out.append(f"{int(row['code'])} / {category} / {labels}")
    return [*out, "blank (no answer)"]


def parse_answer(text: str, lookup: Mapping[str, str], value_label: str | None = None) -> str | None:
    """Category id of one cell (``""`` for blank), or None when it is not on the scale."""
    if text == "" and value_label is None:
        return ""
    if value_label is not None and normal_text(value_label) in lookup:
        return lookup[normal_text(value_label)]
    code = code_text(text)
    if code is not None:
        return lookup.get(code)
    return lookup.get(normal_text(text))


def load_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    column_map: str | Path | Mapping[str, str] | None = None,
    sheet: str | None = None,
    data_dir: str | Path = DATA_DIR,
) -> pd.DataFrame:
    """Answers of a cohort as category ids, indexed by respondent id, one column per item id.

    ``""`` means no answer. ``frame.attrs`` keeps the provenance: ``source`` (file), ``format``,
    ``columns`` (item id -> file column), ``id_column``, ``ignored_columns`` and ``provenance``
    (:class:`CellProvenance`: the file row of each respondent and each cell as written, see :func:`raw_answers`).
    Raises :class:`DataValidationError` listing every problem found.
    """
    raw = read_raw(path, sheet)
    problems: list[Problem] = []
    mapping: dict[str, str] = {}
    map_name = "column map"
    if column_map is not None and str(column_map) != "":
        mapping = load_column_map(column_map, instrument)
        map_name = str(column_map) if not isinstance(column_map, Mapping) else map_name
    plan, column_problems = plan_columns(raw, instrument, mapping, load_metadata_columns(data_dir), map_name)
    problems += column_problems
    if not raw.rows:
        problems.append(Problem(file=raw.file, message="has a header but no respondent rows"))
        raise DataValidationError(problems)
    position = {c: j for j, c in enumerate(raw.columns)}
    ids, first_row = [], {}
    for i, (row, number) in enumerate(zip(raw.rows, raw.row_numbers, strict=True), start=1):
        rid = cell_text(row[position[plan.id_column]]) if plan.id_column else str(i)
        rid = code_text(rid) or rid
        if rid == "":
            problems.append(Problem(file=raw.file, row=number, column=plan.id_column, message="respondent id is empty"))
        elif rid in first_row:
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
    answers: dict[str, list[str]] = {}
    raw_cells: dict[str, dict[str, str]] = {}
    for item_id in instrument.item_ids:
        column = plan.items.get(item_id)
        if column is None:
            continue
        scale_id = instrument.items.at[item_id, "scale_id"]
        lookup = answer_lookup(instrument, scale_id)
        labels = raw.value_labels.get(column, {})
        values, cells = [], {}
        for rid, row, number in zip(ids, raw.rows, raw.row_numbers, strict=True):
            text = row[position[column]]
            label = labels.get(text)
            category = parse_answer(text, lookup, label)
            shown = text if label is None else f"{text} (value label '{label}')"
            cells[rid] = shown
            if category is None:
                problems.append(
                    Problem(
                        file=raw.file,
                        row=number,
                        column=column,
                        message=f"answer outside the scale of {item_id} (respondent '{rid}')",
                        value=shown,
                        allowed=allowed_answers(instrument, scale_id),
                    )
                )
                category = ""
            values.append(category)
        answers[item_id] = values
        raw_cells[item_id] = cells
    raise_if(problems)
    frame = pd.DataFrame(answers, index=pd.Index(ids, name=RESPONDENT_ID, dtype=object), dtype=object)
    frame.attrs.update(
        {
            "source": raw.file,
            "format": raw.kind,
            "columns": dict(plan.items),
            "id_column": plan.id_column or "",
            "ignored_columns": list(plan.ignored),
            "provenance": CellProvenance(raw_cells, dict(zip(ids, raw.row_numbers, strict=True))),
        }
    )
    return frame


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
