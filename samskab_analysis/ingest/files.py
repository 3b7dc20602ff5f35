"""Read survey export files (CSV/TSV/TXT, XLSX, SPSS) into grids of text cells, without interpreting them.

* Text files: UTF-8 with or without BOM, UTF-16 with or without BOM (Excel's "Unicode text"),
  cp1252 / Latin-1; a file whose lines are partly UTF-8 and partly cp1252 is an error. The delimiter
  (comma, semicolon, tab or ``|``) is the one that splits most lines into the same number of fields;
  quoted fields may hold delimiters and line breaks; CRLF, LF and CR line ends are all read.
* Excel: every sheet is read (values, not formulas); merged cells are remembered so a header cell
  merged from the row above can be filled in.
* SPSS: numeric or string variables, value labels, variable labels (question texts) and user-missing
  values are kept (a user-missing code is a value, not a blank).
* JSON: a list of flat records (one object per respondent), at the top or as the one list of a top-level
  object - LimeSurvey's export is ``{"responses": [{...}, ...]}`` (older versions wrap each record as
  ``{"<id>": {...}}``); ``null`` is a blank, numbers are written as text (``6``, ``4.5``).

Rows keep their number in the file (Excel row, text line where the record starts, SPSS case number, JSON
record number).
Files are only read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from samskab_analysis.data.errors import DataValidationError, Problem, raise_if

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SPSS_SUFFIXES = (".sav", ".zsav")
JSON_SUFFIXES = (".json",)
DELIMITERS = (",", ";", "\t", "|")
SNIFF_ROWS = 200
SNIFF_CHARS = 1_000_000  # the delimiter is chosen on the first rows only
SEP_LINE = re.compile(r'^"?sep=([,;\t|])"?[ \t]*(?:\r\n|\n|\r)', re.IGNORECASE)
MERGE_PATTERN = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
CELL_START = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)(\d+)"')
CELL_END = re.compile(rb"</(?:\w+:)?c>|<(?:\w+:)?c\s")
CACHED_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>[^<]+<")
TEXT_RESULT = re.compile(rb'\st="str"')
FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>([^<]*)</")
DATE_NOTE = "date"
FORMULA_NOTE = "formula"
SNIFF_BYTES = 4096
READ_BLOCK = 1 << 20
#: At most this many fields per row are read (an export has tens to a few hundred columns).
MAX_COLUMNS = 5_000
#: A column's distinct cells are stored once while it has at most this many (answers); beyond, each as read.
DISTINCT_KEPT = 2_000
#: An .xlsx workbook may unpack to at most this many bytes (its own size table is read before anything else).
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
#: ... and no part of it may unpack to more than this many times its packed size (a zip bomb).
MAX_XLSX_RATIO = 1_000
CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# What a file starts with -> what it is (for files whose content does not match their name)
SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx / OpenDocument workbook or another zipped file)"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old-style Office file (Excel 97-2003 .xls or a password-protected workbook)",
    ),
    (b"$FL2", "an SPSS data file (.sav)"),
    (b"$FL3", "a compressed SPSS data file (.zsav)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"SQLite format 3", "an SQLite database"),
)


@dataclass
class Grid:
    """One table of a file as text cells (ragged rows allowed), before a header is chosen."""

    file: str
    kind: str
    rows: list[list[str]]
    numbers: list[int]
    details: dict[str, str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_row, min_col, max_row, max_col
    header_given: bool = False
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    cell_notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (row number, 0-based column) -> note


def cell_text(value: object) -> str:
    """A cell from any reader as text: blank for missing, ``5`` for ``5.0`` floats, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_ref(index: int, kind: str) -> str:
    """How a column position is named in messages: ``column C`` in Excel, ``field 3`` elsewhere."""
    return f"column {column_letter(index)}" if kind == "xlsx" else f"field {index + 1}"


# --- text ----------------------------------------------------------------------------------


def _split_lines(path: Path, skip: int = 0) -> tuple[list[int], list[int]]:
    """Line numbers (1-based) with valid and with invalid UTF-8 among the non-ASCII lines (read line by line)."""
    valid, invalid = [], []
    with path.open("rb") as handle:
        handle.seek(skip)
        for number, line in enumerate(handle, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                valid.append(number)
            except UnicodeDecodeError:
                invalid.append(number)
    return valid, invalid


def _utf16_without_bom(raw: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when every other byte of the start is NUL, else None."""
    sample = raw[:2000]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    odd = sample[1::2].count(0)
    even = sample[0::2].count(0)
    if max(odd, even) < 0.7 * (len(sample) // 2):  # mostly-Latin text has a NUL in every other byte
        return None
    return "utf-16-le" if odd > even else "utf-16-be"


def _decode_error(path: Path, encoding: str, skip: int = 0) -> UnicodeDecodeError | None:
    """The first error decoding the whole file (after *skip* bytes) as *encoding*, read in blocks; None if none."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = skip
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            block = handle.read(READ_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as err:
                return UnicodeDecodeError(err.encoding, err.object, offset + err.start, offset + err.end, err.reason)
            if not block:
                return None
            offset += len(block)


def text_encoding(path: Path, head: bytes, name: str) -> tuple[str, int]:
    """``(encoding, bytes to skip)`` of a text file, checked over the whole file without holding it in memory.

    Raises for mixed encodings (lines in UTF-8 and others in cp1252) and for undecodable UTF-16.
    """
    candidates: list[tuple[str, int]] = []
    if head.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8", 3)]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", 0)]
    elif encoding := _utf16_without_bom(head):
        candidates = [(encoding, 0)]
    skip = 0
    for encoding, skip in candidates:
        err = _decode_error(path, encoding, skip)
        if err is None:
            return ("utf-8-sig" if skip == 3 else encoding), 0
        if encoding.startswith("utf-16"):
            raise DataValidationError(
                Problem(file=name, message=f"not valid {encoding.upper()} text ({err.reason} at byte {err.start})")
            )
    if _decode_error(path, "utf-8", skip) is None:
        return "utf-8", skip
    valid, invalid = _split_lines(path, skip)
    if valid and invalid:
        raise DataValidationError(
            Problem(
                file=name,
                row=invalid[0],
                message="mixed text encodings: line(s) "
                + _numbers(valid)
                + " are UTF-8 but line(s) "
                + _numbers(invalid)
                + " are cp1252/latin-1; save the whole file in one encoding (UTF-8 recommended)",
            )
        )
    return ("cp1252" if _decode_error(path, "cp1252", skip) is None else "latin-1"), skip


def _numbers(numbers: list[int], limit: int = 20) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return shown + (f", … ({len(numbers)} lines)" if len(numbers) > limit else "")


def detect_delimiter(text: str) -> str:
    """The delimiter that gives the most lines with the same (largest) number of fields."""
    best, best_score = ",", (0, 0)
    sample = text[:SNIFF_CHARS]
    for delim in DELIMITERS:
        try:
            rows = list(islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delim), SNIFF_ROWS))
        except csv.Error:
            continue
        counts = Counter(len(r) for r in rows if any(c.strip() for c in r))
        if not counts:
            continue
        width, lines = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        score = (lines if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def file_kind(head: bytes) -> str | None:
    """What a file is by its first bytes (see ``SIGNATURES``), or None when nothing is recognised."""
    return next((what for magic, what in SIGNATURES if head.startswith(magic)), None)


def looks_binary(text: str) -> bool:
    """True when decoded text holds NULs or many control characters (other than tab, line breaks, form feed)."""
    sample = text[:SNIFF_BYTES]
    controls = len(CONTROL.findall(sample))
    return "\x00" in sample or controls > max(2, len(sample) // 100)


def binary_problem(raw: bytes, name: str, text: str | None = None) -> Problem | None:
    """A problem for a binary file given as delimited text (by signature, or by control characters in the text)."""
    what = file_kind(raw[:16])
    if what is None and text is not None and looks_binary(text):
        what = "a binary file (it contains NUL or other control characters)"
    if what is None:
        return None
    return Problem(
        file=name,
        message=f"is {what}, not delimited text (CSV/TSV); export the answers as CSV, .xlsx or .sav and give "
        "that file a matching name",
    )


def read_text(path: Path) -> Grid:
    """A delimited text file as a grid; record numbers are the lines where each record starts.

    The file is read as a stream (never held whole in memory, as bytes or as text) and cells that repeat in a
    column (answers) are stored once: memory stays within a small multiple of the file size. A row with more
    than :data:`MAX_COLUMNS` fields is refused.
    """
    name = str(path)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    raise_if([p for p in [binary_problem(head, name)] if p])
    try:
        encoding, skip = text_encoding(path, head, name)
    except DataValidationError:
        raise_if([p for p in [binary_problem(head, name, head.decode("latin-1"))] if p])
        raise
    with _open_text(path, encoding, skip) as handle:
        sample = handle.read(SNIFF_CHARS)
    raise_if([p for p in [binary_problem(head, name, sample[:SNIFF_BYTES])] if p])
    if not sample.strip():
        raise DataValidationError(Problem(file=name, message="responses file is empty"))
    hint = SEP_LINE.match(sample)
    offset = 1 if hint else 0
    delim = hint.group(1) if hint else detect_delimiter(sample)
    del sample
    rows: list[list[str]] = []
    numbers: list[int] = []
    start = 1 + offset
    columns: list[dict[str, str] | None] = []
    strip = str.strip
    with _open_text(path, encoding, skip) as handle:
        if hint:  # Excel's "sep=;" first line names the delimiter
            handle.readline()
        reader = csv.reader(handle, delimiter=delim)
        try:
            for row in reader:
                if len(row) > MAX_COLUMNS:
                    raise too_many_columns(name, start, len(row))
                if len(row) > len(columns):
                    columns.extend({} for _ in range(len(row) - len(columns)))
                # stripped; a cell repeated in its column (an answer) is stored once
                pairs = zip(map(strip, row), columns, strict=False)
                rows.append([v if c is None else c.setdefault(v, v) for v, c in pairs])
                if not len(rows) % 1024:  # ids, dates: no two alike, nothing to share
                    columns = [c if c is None or len(c) <= DISTINCT_KEPT else None for c in columns]
                numbers.append(start)
                start = reader.line_num + 1 + offset
        except csv.Error as err:
            raise DataValidationError(
                Problem(file=name, row=reader.line_num, message=f"not readable as delimited text ({err})")
            ) from None
        except UnicodeDecodeError as err:
            raise DataValidationError(
                Problem(file=name, row=reader.line_num + 1, message=f"not valid {encoding} text ({err.reason})")
            ) from None
    raise_if([p for p in [quoted_lines_problem(rows, numbers, name)] if p])
    shown = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "bar"}[delim]
    return Grid(name, "csv", rows, numbers, {"encoding": encoding, "delimiter": shown})


def _open_text(path: Path, encoding: str, skip: int):
    """The file as text from byte *skip* on (line ends kept as they are, for the csv module)."""
    handle = path.open("rb")
    handle.seek(skip)
    return io.TextIOWrapper(handle, encoding=encoding, newline="")


def quoted_lines_problem(rows: list[list[str]], numbers: list[int], name: str) -> Problem | None:
    """A problem when every line is one quoted field holding delimiters (each whole line quoted by mistake)."""
    filled = [(n, r) for n, r in zip(numbers, rows, strict=True) if any(r)]
    if len(filled) < 2 or any(len(r) != 1 for _, r in filled):
        return None
    delimiter = next((d for d in DELIMITERS if all(d in r[0] for _, r in filled[:SNIFF_ROWS])), None)
    if delimiter is None:
        return None
    return Problem(
        file=name,
        row=filled[0][0],
        message="every line is one quoted field that holds the delimiters: each whole line was put in quotes "
        "(saved twice as CSV?); re-export the answers as plain CSV",
        value=filled[0][1][0],
    )


# --- Excel ---------------------------------------------------------------------------------


def _sheet_xml(sheet: object) -> bytes:
    """The XML of a read-only sheet (empty when unavailable)."""
    try:
        source = sheet._get_source()  # noqa: SLF001 - read-only sheets expose merges only in their XML
        data = source.read()
        source.close()
    except (AttributeError, OSError, KeyError, zipfile.BadZipFile):
        return b""
    return data


def _merged_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """Merged cell ranges of a sheet's XML."""
    from openpyxl.utils import column_index_from_string

    out = []
    for c1, r1, c2, r2 in MERGE_PATTERN.findall(data):
        out.append((int(r1), column_index_from_string(c1.decode()), int(r2), column_index_from_string(c2.decode())))
    return out


def formulas_without_values(data: bytes) -> dict[tuple[int, int], str]:
    """``{(row, 0-based column): formula}`` of formula cells that have no saved (cached) value.

    Files written by scripts (openpyxl, pandas) keep formulas but no results (no ``<v>`` or an empty
    ``<v/>``); read as values such cells would look blank. An empty text result (``t="str"``) is a result.
    Only sheets that contain a formula at all are scanned cell by cell.
    """
    from openpyxl.utils import column_index_from_string

    out: dict[tuple[int, int], str] = {}
    for match in FORMULA_TAG.finditer(data):
        start = data.rfind(b"<", 0, match.start())
        while start > 0 and not CELL_START.match(data, start):
            start = data.rfind(b"<", 0, start)
        cell = CELL_START.match(data, start) if start >= 0 else None
        if cell is None:
            continue
        end = CELL_END.search(data, match.end())
        chunk = data[match.start() : end.start() if end else len(data)]
        if CACHED_VALUE.search(chunk) or (TEXT_RESULT.search(cell.group(0)) and b"<v" in chunk):
            continue  # a saved result (an empty text result counts)
        text = FORMULA_TEXT.match(chunk)
        formula = "=" + text.group(1).decode("utf-8", "replace") if text and text.group(1) else "(shared formula)"
        out[(int(cell.group(2)), column_index_from_string(cell.group(1).decode()) - 1)] = formula
    return out


def _excel_rows(sheet: object, notes: dict[tuple[int, int], str], name: str = "") -> list[list[str]]:
    """Text cells of a read-only sheet; date/time cells are noted (they are never answers)."""
    from datetime import date, time, timedelta

    dated = (date, time, timedelta)
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if len(values) > MAX_COLUMNS:
            raise too_many_columns(name, number, len(values))
        cells = []
        for column, value in enumerate(values):
            if value is None:
                cells.append("")
            elif value.__class__ is str:
                cells.append(value.strip())
            else:
                if isinstance(value, dated):
                    notes[(number, column)] = DATE_NOTE
                cells.append(cell_text(value))
        rows.append(cells)
    return rows


def read_excel_sheets(path: Path) -> list[Grid]:
    """Every sheet of an .xlsx workbook as a grid (row numbers are Excel's)."""
    from openpyxl import load_workbook

    name = str(path)
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.startswith(b"PK\x03\x04"):
        what = file_kind(head) or ("a text file" if b"\x00" not in head else "a binary file")
        raise DataValidationError(
            Problem(
                file=name,
                message=f"is {what}, not an Excel .xlsx workbook; save it as .xlsx (or give a CSV file a .csv name)",
            )
        )
    raise_if([p for p in [workbook_size_problem(path, name)] if p])
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl and zipfile raise many types for damaged files
        raise DataValidationError(Problem(file=name, message=f"not a readable Excel workbook ({err})")) from None
    try:
        return _excel_grids(book, name)
    except DataValidationError:
        raise
    except Exception as err:  # noqa: BLE001 - damaged sheet XML, shared strings or styles
        raise DataValidationError(
            Problem(file=name, message=f"not a readable Excel workbook (damaged sheet: {err})")
        ) from None
    finally:
        book.close()


def workbook_size_problem(path: Path, name: str) -> Problem | None:
    """A problem when an .xlsx file would unpack to more than :data:`MAX_XLSX_UNPACKED` bytes, or a part of it
    to more than :data:`MAX_XLSX_RATIO` times its packed size (a zip bomb), read from the zip's own table
    before anything is unpacked (reading never goes past the sizes it declares)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        return Problem(file=name, message=f"not a readable Excel workbook ({err})")
    total = sum(part.file_size for part in parts)
    if total > MAX_XLSX_UNPACKED:
        return Problem(
            file=name,
            message=f"the workbook unpacks to {total / 2**20:,.0f} MB; at most {MAX_XLSX_UNPACKED // 2**20} MB are "
            "read (save the answers sheet as CSV: it is read as a stream)",
        )
    for part in parts:
        if part.file_size > 2**20 and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            return Problem(
                file=name,
                message=f"part {part.filename!r} of the workbook unpacks to {part.file_size:,} bytes from "
                f"{part.compress_size:,}: more than {MAX_XLSX_RATIO} times its size, not a spreadsheet written by a "
                "spreadsheet program",
            )
    return None


def too_many_columns(name: str, row: int | str, count: int) -> DataValidationError:
    """The error for a row with more than :data:`MAX_COLUMNS` fields."""
    return DataValidationError(
        Problem(
            file=name,
            row=row,
            message=f"has {count:,} fields in one row; at most {MAX_COLUMNS:,} are read "
            "(is this the answers file, and is it delimited text?)",
        )
    )


def _excel_grids(book: object, name: str) -> list[Grid]:
    """The sheets of an open read-only workbook as grids."""
    grids = []
    for sheet_name in book.sheetnames:
        sheet = book[sheet_name]
        if not hasattr(sheet, "iter_rows"):
            continue  # chart sheets
        sheet.reset_dimensions()  # some writers store a wrong sheet size; read what is there
        notes: dict[tuple[int, int], str] = {}
        rows = _excel_rows(sheet, notes, f"{name} [sheet {sheet_name}]")
        xml = _sheet_xml(sheet)
        for cell in formulas_without_values(xml):
            notes[cell] = FORMULA_NOTE
        grids.append(
            Grid(
                f"{name} [sheet {sheet_name}]",
                "xlsx",
                rows,
                list(range(1, len(rows) + 1)),
                {"sheet": sheet_name},
                _merged_ranges(xml),
                cell_notes=notes,
            )
        )
    return grids


# --- SPSS ----------------------------------------------------------------------------------


def column_texts(values: object) -> list[str]:
    """A column's values as text cells, each distinct value converted once (missing -> blank)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    texts = np.asarray([*(cell_text(u) for u in uniques), ""], dtype=object)  # code -1 (missing) -> ""
    return texts[codes].tolist()


SpssContent = tuple[list[str], list[list[str]], dict[str, dict[str, str]], dict[str, str]]


def _read_spss_content(path: str) -> SpssContent | str:
    """Variable names, each variable's cells as text, value labels, variable labels; or why it is unreadable."""
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(path, user_missing=True, apply_value_formats=False)
    except Exception as err:  # noqa: BLE001 - pyreadstat raises its own exception types
        return str(err)
    labels = {
        str(var): {cell_text(code): str(text) for code, text in mapping.items()}
        for var, mapping in (meta.variable_value_labels or {}).items()
    }
    descriptions = {
        str(var): str(label) for var, label in (meta.column_names_to_labels or {}).items() if label is not None
    }
    return [str(c) for c in frame.columns], [column_texts(frame[c]) for c in frame.columns], labels, descriptions


def _spss_child(path: str, connection: object) -> None:
    connection.send(_read_spss_content(path))
    connection.close()


def _read_spss_isolated(path: str) -> SpssContent | str:
    """:func:`_read_spss_content` in a forked process where fork exists: a damaged file can crash the C reader
    (a segmentation fault), which then becomes a message instead of ending the whole run."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return _read_spss_content(path)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_spss_child, args=(path, sender), daemon=True)
    child.start()
    sender.close()
    try:
        outcome = receiver.recv()
    except EOFError:
        outcome = None
    finally:
        receiver.close()
        child.join()
    if outcome is None:
        return f"the SPSS reader stopped with exit code {child.exitcode}: the file is damaged; export it again"
    return outcome


def read_spss(path: Path) -> Grid:
    """An SPSS file: variable names are the header; value and variable labels are kept."""
    name = str(path)
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.startswith((b"$FL2", b"$FL3")):
        what = file_kind(head) or ("a text file" if b"\x00" not in head else "a binary file")
        raise DataValidationError(Problem(file=name, message=f"is {what}, not an SPSS .sav file"))
    outcome = _read_spss_isolated(str(path))
    if isinstance(outcome, str):
        raise DataValidationError(Problem(file=name, message=f"not a readable SPSS file ({outcome})"))
    columns, texts, labels, descriptions = outcome
    if len(columns) > MAX_COLUMNS:
        raise too_many_columns(name, "of variable names", len(columns))
    rows = [columns, *map(list, zip(*texts, strict=True))]
    return Grid(
        name,
        "sav",
        rows,
        list(range(0, len(rows))),
        {},
        header_given=True,
        value_labels=labels,
        descriptions=descriptions,
    )


# --- JSON ----------------------------------------------------------------------------------


def json_records(data: object) -> tuple[list[object], str] | None:
    """The records of a parsed JSON document and where they were found; None when it holds no list of records."""
    if isinstance(data, list):
        return data, "top level"
    if isinstance(data, dict):
        lists = [(k, v) for k, v in data.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
        if len(lists) == 1:
            return lists[0][1], f"key '{lists[0][0]}'"
    return None


def flat_record(record: object) -> dict[str, object] | None:
    """A record as one flat object: ``{"12": {...}}`` (older LimeSurvey) is unwrapped; None when not flat."""
    if isinstance(record, dict) and len(record) == 1:
        (key, inner), = record.items()
        if isinstance(inner, dict) and str(key).strip().isdigit():
            record = inner
    if not isinstance(record, dict) or any(isinstance(v, (dict, list)) for v in record.values()):
        return None
    return record


def read_json(path: Path) -> Grid:
    """A JSON export (a list of flat records) as a grid: the keys are the header, one row per record."""
    name = str(path)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    raise_if([p for p in [binary_problem(head, name)] if p])
    encoding, skip = text_encoding(path, head, name)
    with _open_text(path, encoding, skip) as handle:
        text = handle.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataValidationError(
            Problem(file=name, row=err.lineno, message=f"not valid JSON ({err.msg} at line {err.lineno}, column "
                    f"{err.colno})")
        ) from None
    found = json_records(data)
    if found is None:
        raise DataValidationError(
            Problem(
                file=name,
                message="JSON holds no list of respondent records (expected a list of objects, or an object with "
                "one such list, e.g. LimeSurvey's {\"responses\": [...]})",
            )
        )
    records, where = found
    rows, header = [], {}
    problems = []
    for number, record in enumerate(records, start=1):
        flat = flat_record(record)
        if flat is None:
            problems.append(Problem(file=name, row=number, message="JSON record is not a flat object of answers"))
            continue
        flat = {str(k).strip(): v for k, v in flat.items()}  # keys as header cells: stripped like text cells
        header.update(dict.fromkeys(flat))
        rows.append(flat)
    raise_if(problems)
    columns = list(header)
    if len(columns) > MAX_COLUMNS:
        raise too_many_columns(name, "of keys", len(columns))
    cells = [[cell_text(r.get(c)) for c in columns] for r in rows]
    return Grid(
        name, "json", [columns, *cells], list(range(0, len(cells) + 1)), {"records": where}, header_given=True
    )


def unreadable_problem(path: Path) -> Problem | None:
    """A problem when *path* is missing, a folder, not a regular file, or cannot be opened."""
    name = str(path)
    if path.is_dir():
        return Problem(file=name, message="is a folder, not a responses file; give the file inside it")
    if not path.exists():
        return Problem(file=name, message="responses file not found")
    if not path.is_file():
        return Problem(file=name, message="is not a regular file (a device, socket or pipe); give a responses file")
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except PermissionError:
        return Problem(file=name, message="responses file cannot be read (permission denied)")
    except OSError as err:
        return Problem(file=name, message=f"responses file cannot be read ({err.strerror or err})")
    return None


def read_grids(path: str | Path) -> list[Grid]:
    """Read *path* by its suffix: one grid per Excel sheet, one for other files."""
    path = Path(path)
    name = str(path)
    raise_if([p for p in [unreadable_problem(path)] if p])
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise DataValidationError(Problem(file=name, message="responses file is empty"))
    if suffix in TEXT_SUFFIXES:
        return [read_text(path)]
    if suffix in EXCEL_SUFFIXES:
        return read_excel_sheets(path)
    if suffix in SPSS_SUFFIXES:
        return [read_spss(path)]
    if suffix in JSON_SUFFIXES:
        return [read_json(path)]
    raise_if(
        [
            Problem(
                file=name,
                message="unsupported file type (save old .xls or .ods files as .xlsx)",
                value=suffix,
                allowed=[*TEXT_SUFFIXES, *EXCEL_SUFFIXES, *SPSS_SUFFIXES, *JSON_SUFFIXES],
            )
        ]
    )
    return []
