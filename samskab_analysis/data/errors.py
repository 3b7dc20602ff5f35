"""Validation errors that name the file, row, column and the allowed values.

Long values are cut in messages (``MAX_VALUE_SHOWN`` characters). More than ``MAX_PROBLEMS_LISTED`` problems
are summarised by kind (how many, the first rows, the first few in full) and every one of them (up to a cap) is
written to ``<name>.problems.csv`` through the output gate: in ``problems/`` of the running command's output
folder, or the user's private cache (never the shared temp folder, never next to the input file), whose path the
message names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from samskab_analysis.output import OutputError, shown, write_problems_csv

MAX_ALLOWED_SHOWN = 30
MAX_VALUE_SHOWN = 80
MAX_PROBLEMS_LISTED = 25
SHOWN_PER_KIND = 3
ROWS_PER_KIND = 10
VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


def shorten(text: str, limit: int = MAX_VALUE_SHOWN) -> str:
    """*text* cut to *limit* characters with an ellipsis and the full length."""
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file; *kind* groups problems of the same sort in summaries."""

    file: str
    message: str
    row: int | str | None = None
    column: str | None = None
    value: object = None
    allowed: Sequence[str] | None = None
    kind: str = ""

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{shorten(str(self.column), 2 * MAX_VALUE_SHOWN)}'")
        text = ", ".join(where) + ": " + self.message
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > MAX_VALUE_SHOWN:
                shown = repr(str(self.value)[:MAX_VALUE_SHOWN]) + f"… ({len(str(self.value))} characters)"
            text += f" (got {shown})"
        if self.allowed is not None:
            shown_allowed = [shorten(str(a)) for a in list(self.allowed)[:MAX_ALLOWED_SHOWN]]
            more = "" if len(self.allowed) <= MAX_ALLOWED_SHOWN else ", ..."
            text += "; allowed: " + ", ".join(shown_allowed) + more
        return text

    def kind_or_message(self) -> str:
        """The kind of problem: *kind* when given, else the message without quoted parts and numbers."""
        return self.kind or VARYING.sub("…", self.message)


def write_problems(problems: Sequence[Problem]) -> Path | None:
    """Write every problem (file, row, column, kind, message, value, allowed) as CSV; None if not writable.

    Through the output gate: into ``problems/`` of the running command's output folder (private, 0700) or the
    user's private cache, at most :data:`~samskab_analysis.output.problems.MAX_PROBLEMS_WRITTEN` rows, cells
    that a spreadsheet would run as formulas neutralised.
    """
    name = Path(str(problems[0].file).split(" [sheet ")[0]).name or "input"
    rows = (
        [
            p.file,
            "" if p.row is None else p.row,
            p.column or "",
            p.kind_or_message(),
            p.message,
            "" if p.value is None else str(p.value),
            "" if p.allowed is None else " | ".join(map(str, list(p.allowed)[:MAX_ALLOWED_SHOWN])),
        ]
        for p in problems
    )
    header = ["file", "row", "column", "kind", "message", "value", "allowed"]
    try:
        return write_problems_csv(name, header, rows, total=len(problems))
    except OutputError:
        return None


def summary(problems: Sequence[Problem]) -> str:
    """Problems grouped by kind: count, first rows, the first few in full; and where all of them are."""
    kinds: dict[str, list[Problem]] = {}
    for p in problems:
        kinds.setdefault(p.kind_or_message(), []).append(p)
    path = write_problems(problems)
    where = f"all of them are listed in {shown(path)}" if path else "the list could not be written"
    lines = [f"{len(problems)} problems in the input data ({len(kinds)} kind{'s' * (len(kinds) != 1)}; {where}):"]
    for kind, group in kinds.items():
        rows = list(dict.fromkeys(str(p.row) for p in group if p.row is not None))
        first = ", ".join(rows[:ROWS_PER_KIND]) + (", ..." if len(rows) > ROWS_PER_KIND else "")
        values = list(dict.fromkeys(shorten(str(p.value), 40) for p in group if p.value is not None))
        listed = ", ".join(repr(v) for v in values[:ROWS_PER_KIND]) + (", ..." if len(values) > ROWS_PER_KIND else "")
        lines.append(
            f"  * {shorten(kind, 2 * MAX_VALUE_SHOWN)}: {len(group)} problem{'s' * (len(group) != 1)}"
            + (f", row(s) {first}" if rows else "")
            + (f"; value(s) {listed}" if values else "")
        )
        lines += [f"    - {p}" for p in group[:SHOWN_PER_KIND]]
        if len(group) > SHOWN_PER_KIND:
            lines.append(f"    - ... {len(group) - SHOWN_PER_KIND} more of this kind")
    return "\n".join(lines)


class DataValidationError(ValueError):
    """Raised when input data is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem] | Problem | str, file: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(file=file or "<input>", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        if count > MAX_PROBLEMS_LISTED:
            super().__init__(summary(self.problems))
            return
        head = f"{count} problem{'s' if count != 1 else ''} in the input data:"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


def raise_if(problems: list[Problem]) -> None:
    """Raise :class:`DataValidationError` when *problems* is not empty."""
    if problems:
        raise DataValidationError(problems)
