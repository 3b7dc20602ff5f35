"""``samskab validate FILE``: check a respondent file before analysis.

Two checks, both reported as :class:`~samskab_analysis.errors.Problem` (file, row, column, allowed values):
a CSV whose header is the data package's field list (``respondent_id`` + item ids) is validated against the
package's Table Schema with ``frictionless`` (types, allowed codes, unique ids); every file is then read by
the ingest (:func:`~samskab_analysis.respondents.load_responses`), exactly as ``samskab reproduce --data``
reads it (survey-tool exports such as LimeSurvey's included).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.data.instrument import Instrument, load_instrument
from samskab_analysis.fielding.datapackage import ID_FIELD, respondent_schema
from samskab_analysis.ingest.responses import load_responses
from samskab_analysis.paths import DATA_DIR


def _header(path: Path) -> list[str] | None:
    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [h.strip() for h in next(csv.reader(handle), [])]
    except (OSError, UnicodeDecodeError):
        return None


def schema_problems(path: Path, instrument: Instrument) -> list[Problem]:
    """Problems of a data-package layout CSV against the package's Table Schema (frictionless)."""
    from frictionless import Resource, Schema

    schema = respondent_schema(instrument)
    allowed = {f["name"]: [str(v) for v in f.get("constraints", {}).get("enum", [])] for f in schema["fields"]}
    resource = Resource(path=path.name, basepath=str(path.parent.resolve()), schema=Schema.from_descriptor(schema))
    report = resource.validate()
    problems = []
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            column = getattr(error, "field_name", None)
            problems.append(
                Problem(
                    file=str(path),
                    row=row,
                    column=column,
                    message=f"{error.type}: {error.note}",
                    value=getattr(error, "cell", None),
                    allowed=(allowed.get(column) or None) if column else None,
                )
            )
    return problems


def validate_file(
    path: str | Path,
    data_dir: str | Path = DATA_DIR,
    column_map: str | Path | None = None,
    sheet: str | None = None,
    include_incomplete: bool = False,
) -> pd.DataFrame:
    """The respondent answers of a valid file; raises :class:`DataValidationError` listing every problem.

    Incomplete responses of an export that marks completion are left out unless *include_incomplete*
    (``attrs["incomplete_left_out"]`` says how many)."""
    path = Path(path)
    instrument = load_instrument(data_dir)
    header = _header(path)
    if header is not None and header == [ID_FIELD, *instrument.item_ids]:
        problems = schema_problems(path, instrument)
        if problems:
            raise DataValidationError(problems)
    return load_responses(
        path, instrument, column_map=column_map, sheet=sheet, data_dir=data_dir, include_incomplete=include_incomplete
    )
