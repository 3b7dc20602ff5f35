"""Read delimited text files robustly and validate their columns and values.

Survey and metadata CSVs arrive with a UTF-8 BOM, semicolons (Excel in Danish/Norwegian locales)
or in cp1252.  :func:`read_table` detects all of that, reads every cell as text and remembers the
file name and line numbers so validation messages can point at the exact cell.  Files are only read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from samskab_analysis.data.errors import DataValidationError, Problem, raise_if

LINE = "_line"
DELIMITERS = (",", ";", "\t")


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` for *raw*: UTF-8 (with or without BOM), UTF-16 or cp1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def detect_delimiter(text: str) -> str:
    """Pick the delimiter that splits the header line into the most fields."""
    first = text.splitlines()[0] if text else ""
    best, best_fields = ",", 1
    for delim in DELIMITERS:
        fields = len(next(csv.reader([first], delimiter=delim), []))
        if fields > best_fields:
            best, best_fields = delim, fields
    return best


def read_table(
    path: str | Path,
    required: Sequence[str] = (),
    *,
    what: str = "table",
) -> pd.DataFrame:
    """Read a delimited text file as strings with a ``_line`` column (1-based file line numbers).

    Raises :class:`DataValidationError` for a missing or empty file, duplicated or missing columns.
    """
    path = Path(path)
    name = str(path)
    if path.is_dir():
        raise DataValidationError(Problem(file=name, message=f"{what}: is a folder, not a file"))
    if not path.is_file():
        raise DataValidationError(Problem(file=name, message=f"{what} file not found"))
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataValidationError(
            Problem(file=name, message=f"{what} file cannot be read ({err.strerror or err})")
        ) from None
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataValidationError(
            Problem(file=name, message=f"is a binary file (a spreadsheet or archive?), not a CSV {what} file")
        )
    text, _encoding = decode_bytes(raw)
    if not text.strip():
        raise DataValidationError(Problem(file=name, message=f"{what} file is empty"))
    delim = detect_delimiter(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    header = [h.strip() for h in rows[0]]
    problems: list[Problem] = []
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.append(Problem(file=name, row=1, column=col, message="column name appears twice"))
        seen.add(col)
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(
            Problem(
                file=name,
                row=1,
                message="missing required column(s) " + ", ".join(missing),
                value=", ".join(header),
                allowed=list(required),
            )
        )
    records: list[list[str]] = []
    lines: list[int] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line: nothing to drop
        if len(row) != len(header):
            problems.append(
                Problem(
                    file=name,
                    row=lineno,
                    message=f"has {len(row)} fields but the header has {len(header)}",
                )
            )
            continue
        records.append([cell.strip() for cell in row])
        lines.append(lineno)
    raise_if(problems)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    frame[LINE] = lines
    frame.attrs["source"] = name
    return frame


def source_of(frame: pd.DataFrame) -> str:
    """The file a frame was read from (or ``<table>``)."""
    return str(frame.attrs.get("source", "<table>"))


def check_allowed(frame: pd.DataFrame, column: str, allowed: Iterable[str], *, optional: bool = False) -> list[Problem]:
    """Problems for cells of *column* that are not in *allowed* (blank allowed when *optional*)."""
    allowed_list = list(allowed)
    allowed_set = set(allowed_list)
    out = []
    for value, line in zip(frame[column], frame[LINE], strict=True):
        if optional and value == "":
            continue
        if value not in allowed_set:
            out.append(
                Problem(
                    file=source_of(frame),
                    row=int(line),
                    column=column,
                    message="value not allowed",
                    value=value,
                    allowed=allowed_list,
                )
            )
    return out


def check_parse(
    frame: pd.DataFrame,
    column: str,
    parse: Callable[[str], object],
    expected: str,
    *,
    optional: bool = False,
) -> list[Problem]:
    """Problems for cells of *column* that *parse* rejects (ValueError)."""
    out = []
    for value, line in zip(frame[column], frame[LINE], strict=True):
        if optional and value == "":
            continue
        try:
            parse(value)
        except (TypeError, ValueError):
            out.append(
                Problem(
                    file=source_of(frame),
                    row=int(line),
                    column=column,
                    message=f"expected {expected}",
                    value=value,
                )
            )
    return out


def check_unique(frame: pd.DataFrame, columns: Sequence[str]) -> list[Problem]:
    """Problems for rows whose *columns* repeat an earlier row."""
    out = []
    first_seen: dict[tuple[str, ...], int] = {}
    for _, row in frame.iterrows():
        key = tuple(row[c] for c in columns)
        if key in first_seen:
            out.append(
                Problem(
                    file=source_of(frame),
                    row=int(row[LINE]),
                    column="+".join(columns),
                    message=f"duplicates row {first_seen[key]}",
                    value="/".join(key),
                )
            )
        else:
            first_seen[key] = int(row[LINE])
    return out


def check_required_values(frame: pd.DataFrame, columns: Sequence[str]) -> list[Problem]:
    """Problems for blank cells in *columns*."""
    out = []
    for col in columns:
        for value, line in zip(frame[col], frame[LINE], strict=True):
            if value == "":
                out.append(Problem(file=source_of(frame), row=int(line), column=col, message="must not be empty"))
    return out


def parse_bool(value: str) -> bool:
    """Parse ``true``/``false`` (also yes/no, 1/0)."""
    low = value.strip().lower()
    if low in {"true", "yes", "1"}:
        return True
    if low in {"false", "no", "0"}:
        return False
    raise ValueError(value)


WHOLE_NUMBER = re.compile(r"^-?[0-9]+(?:[.,]0*)?$", re.ASCII)
DECIMAL_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$", re.ASCII)


def parse_int(value: str) -> int:
    """Parse a whole number written with digits (``3``, ``3.0``, ``3,0``); fractions, ``1e0``, ``+3``, ``inf`` fail."""
    text = str(value).strip()
    if not WHOLE_NUMBER.match(text):
        raise ValueError(value)
    return int(float(text.replace(",", ".")))


def parse_float(value: str) -> float:
    """Parse a decimal number written with digits, accepting a decimal comma; ``nan``, ``inf``, ``1e2`` fail."""
    text = str(value).strip()
    if not DECIMAL_NUMBER.match(text):
        raise ValueError(value)
    return float(text.replace(",", "."))
