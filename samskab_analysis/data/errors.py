"""Validation errors that name the file, row, column and the allowed values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_ALLOWED_SHOWN = 30


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file."""

    file: str
    message: str
    row: int | str | None = None
    column: str | None = None
    value: object = None
    allowed: Sequence[str] | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + ": " + self.message
        if self.value is not None:
            text += f" (got {self.value!r})"
        if self.allowed is not None:
            shown = list(self.allowed)[:MAX_ALLOWED_SHOWN]
            more = "" if len(self.allowed) <= MAX_ALLOWED_SHOWN else ", ..."
            text += "; allowed: " + ", ".join(str(a) for a in shown) + more
        return text


class DataValidationError(ValueError):
    """Raised when input data is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem] | Problem | str, file: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(file=file or "<input>", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input data:"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


def raise_if(problems: list[Problem]) -> None:
    """Raise :class:`DataValidationError` when *problems* is not empty."""
    if problems:
        raise DataValidationError(problems)
