"""Assign every column of a respondent table: an item, the respondent id, or ignored metadata.

The column map (``column,item_id`` CSV or a dict) is validated here; each column is then classified by
:class:`~samskab_analysis.column_matching.ColumnMatcher`. Unknown columns, a repeated header name, two
columns for one item, a text matching several items and items without a column are all reported.
Question numbers such as ``Q1`` are not guessed from their number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import LINE, check_allowed, check_required_values, check_unique, read_table
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.files import column_ref
from samskab_analysis.ingest.names import (
    ABBREVIATED,
    IGNORE,
    QUESTION_HINT,
    QUESTION_PATTERN,
    RESPONDENT_ID,
    ColumnMatcher,
    accepted_names,
)
from samskab_analysis.ingest.table import RawTable
from samskab_analysis.ingest.text import column_key


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
    roles: dict[str, str] = field(default_factory=dict)  # role (submitted, finished, last_page) -> file column


ABBREVIATED_MESSAGE = (
    "LimeSurvey export with abbreviated headings (question texts cut short and ended with '..'; {n} columns, "
    "several identical): no column can be matched to its question. Export the responses again with "
    "Headings 'Question code' (Export results > Headings > Export questions as: Question code; RemoteControl "
    "heading type 'code') and 'Text abbreviated' off; 'Full question text' and 'Question code & question text' "
    "are read too"
)


def abbreviated_problem(raw: RawTable, matcher: ColumnMatcher) -> Problem | None:
    """One problem for a LimeSurvey export with abbreviated headings (``Er det blevet n..``): no map can fix it."""
    cut = [c for c in raw.columns if ABBREVIATED.search(c.strip()) and matcher.classify(c).target is None]
    if len(cut) < 2:
        return None
    return Problem(
        file=raw.file,
        row=raw.header_row,
        message=ABBREVIATED_MESSAGE.format(n=len(cut)),
        value=", ".join(dict.fromkeys(cut[:3])),
        allowed=["Question code", "Full question text", "Question code & question text"],
    )


def plan_columns(
    raw: RawTable,
    matcher: ColumnMatcher,
    map_name: str,
) -> tuple[ColumnPlan, list[Problem]]:
    """Assign every column of *raw*; problems for unknown, doubled, ambiguous and missing columns."""
    instrument = matcher.instrument
    problems: list[Problem] = []
    abbreviated = abbreviated_problem(raw, matcher)
    if abbreviated is not None:
        return ColumnPlan({}, None, []), [abbreviated]
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
            if match.role and match.role != RESPONDENT_ID:
                plan.roles.setdefault(match.role, column)
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
