"""Loaders that read and validate each table of ``data/raw/corpus/`` (see ``data/raw/README.md``).

* ``studies.csv`` / ``study_facts.csv`` — one row per study; its design numbers in long form
* ``timeline.csv`` — spans and points of the projects and follow-ups, built from study facts
* ``frameworks.csv`` — elements of the frameworks (Kirkpatrick, competence levels, development foci,
  Teece, 4P, Ulrich's typology) with definitions in our own words
* ``typology_positions.csv`` — where each of Ulrich's four types sits on the two axes
* ``crosswalk.csv`` — every survey item tagged with a Kirkpatrick level, partner and typology type
* ``activities.csv`` — activities the Norwegian report lists, coded inside/outside and by type
* ``labels.csv`` — figure texts in da/no/en

Every fact row names its source: a seed id (``000``–``004``) and a section heading.
Loaders validate with the helpers of :mod:`samskab_analysis.data.csv_reader` and raise one
:class:`DataValidationError` listing every problem.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import (
    LINE,
    check_allowed,
    check_parse,
    check_required_values,
    check_unique,
    parse_float,
    parse_int,
    read_table,
    source_of,
)
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument

SEEDS = ("000", "001", "002", "003", "004")
SEPARATOR = "|"
KIRKPATRICK = "kirkpatrick"
TYPOLOGY = "ulrich_typology"
FACT_KINDS = ("stated", "derived")
ELEMENT_KINDS = ("level", "focus", "process_competence", "capability", "element", "axis", "pole", "type")
POSITION_BASES = ("described", "inferred")
LOCATIONS = ("inside", "outside")
STUDY_KINDS = ("evaluation_report", "article", "article_excerpt", "teaching_case", "survey_report")

STUDY_COLUMNS = (
    "study_id",
    "seed",
    "kind",
    "title",
    "project",
    "authors",
    "period",
    "country",
    "sector",
    "method",
    "frameworks",
    "source_section",
)
FACT_COLUMNS = ("study_id", "key", "value", "unit", "kind", "compare", "seed", "source_section")
TIMELINE_COLUMNS = ("event_id", "study_id", "start_key", "end_key", "label_da", "label_no", "label_en")
FRAMEWORK_COLUMNS = (
    "framework_id",
    "element_id",
    "order",
    "kind",
    "parent_id",
    "name_da",
    "name_no",
    "name_en",
    "definition_en",
    "seed",
    "source_section",
)
POSITION_COLUMNS = ("type_id", "axis_id", "pole_id", "basis", "rationale", "seed", "source_section")
CROSSWALK_COLUMNS = (
    "item_id",
    "kirkpatrick_level",
    "kirkpatrick_rationale",
    "partner_id",
    "typology_type",
    "typology_rationale",
    "seed",
    "source_section",
)
ACTIVITY_COLUMNS = ("activity_id", "name_da", "name_no", "name_en", "location", "typology_type", "coding_rationale",
                    "seed", "source_section")  # fmt: skip
LABEL_COLUMNS = ("key", "da", "no", "en")


def parse_date(value: str) -> str:
    """Accept ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; return it unchanged."""
    parts = value.split("-")
    if len(parts) == 1 and len(value) == 4:
        dt.date(int(value), 1, 1)
    elif len(parts) == 2:
        dt.date(int(parts[0]), int(parts[1]), 1)
    else:
        dt.date.fromisoformat(value)
    return value


def date_bounds(value: str) -> tuple[dt.date, dt.date]:
    """First and last day covered by a date of year, month or day precision."""
    parts = [int(p) for p in parse_date(value).split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    day = dt.date(*parts)
    return day, day


def _problem(frame: pd.DataFrame, line: object, column: str, message: str, value: object = None, allowed=None):
    return Problem(file=source_of(frame), row=int(line), column=column, message=message, value=value, allowed=allowed)


def load_frameworks(path: str | Path) -> pd.DataFrame:
    """Load ``frameworks.csv``: unique elements, known kinds, parents inside the same framework."""
    frame = read_table(path, FRAMEWORK_COLUMNS, what="frameworks")
    problems = check_required_values(
        frame, ["framework_id", "element_id", "order", "kind", "name_da", "name_en", "definition_en", "seed"]
    )
    problems += check_unique(frame, ["framework_id", "element_id"])
    problems += check_parse(frame, "order", parse_int, "a whole number")
    problems += check_allowed(frame, "kind", ELEMENT_KINDS)
    problems += check_allowed(frame, "seed", SEEDS)
    ids = {(f, e) for f, e in zip(frame["framework_id"], frame["element_id"], strict=True)}
    for _, row in frame[frame["parent_id"] != ""].iterrows():
        if (row["framework_id"], row["parent_id"]) not in ids:
            allowed = sorted(e for f, e in ids if f == row["framework_id"])
            problems.append(
                _problem(frame, row[LINE], "parent_id", "unknown parent in this framework", row["parent_id"], allowed)
            )
    raise_if(problems)
    frame["order"] = frame["order"].map(parse_int)
    return frame


def load_studies(path: str | Path, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``studies.csv``; ``frameworks`` is a ``|``-list of framework ids (blank allowed)."""
    frame = read_table(path, STUDY_COLUMNS, what="studies")
    problems = check_required_values(frame, ["study_id", "seed", "kind", "title", "country", "method"])
    problems += check_unique(frame, ["study_id"])
    problems += check_unique(frame, ["seed"])
    problems += check_allowed(frame, "seed", SEEDS)
    problems += check_allowed(frame, "kind", STUDY_KINDS)
    known = sorted(set(frameworks["framework_id"]))
    for _, row in frame.iterrows():
        for fid in filter(None, (f.strip() for f in row["frameworks"].split(SEPARATOR))):
            if fid not in known:
                problems.append(_problem(frame, row[LINE], "frameworks", "unknown framework", fid, known))
    raise_if(problems)
    return frame.set_index("study_id", drop=False)


def _check_fact_value(frame: pd.DataFrame) -> list[Problem]:
    problems = []
    for _, row in frame.iterrows():
        parse, expected = (
            (parse_date, "a date YYYY, YYYY-MM or YYYY-MM-DD")
            if row["unit"] == "date"
            else (
                parse_float,
                "a number",
            )
        )
        try:
            parse(row["value"])
        except (TypeError, ValueError):
            problems.append(_problem(frame, row[LINE], "value", f"expected {expected}", row["value"]))
    return problems


def load_facts(path: str | Path, studies: pd.DataFrame) -> pd.DataFrame:
    """Load ``study_facts.csv`` (long: study x key); values parse as numbers or dates (unit ``date``)."""
    frame = read_table(path, FACT_COLUMNS, what="study facts")
    problems = check_required_values(frame, ["study_id", "key", "value", "unit", "kind", "seed", "source_section"])
    problems += check_unique(frame, ["study_id", "key"])
    problems += check_allowed(frame, "study_id", list(studies.index))
    problems += check_allowed(frame, "kind", FACT_KINDS)
    problems += check_allowed(frame, "seed", SEEDS)
    problems += _check_fact_value(frame)
    raise_if(problems)
    return frame


def load_timeline(path: str | Path, facts: pd.DataFrame) -> pd.DataFrame:
    """Load ``timeline.csv``; start/end keys must be date facts of the same study."""
    frame = read_table(path, TIMELINE_COLUMNS, what="timeline")
    problems = check_required_values(frame, ["event_id", "study_id", "start_key", "label_da", "label_en"])
    problems += check_unique(frame, ["event_id"])
    problems += check_allowed(frame, "study_id", sorted(set(facts["study_id"])))
    dates = facts[facts["unit"] == "date"]
    for _, row in frame.iterrows():
        allowed = sorted(dates.loc[dates["study_id"] == row["study_id"], "key"])
        for column in ("start_key", "end_key"):
            if row[column] and row[column] not in allowed:
                problems.append(
                    _problem(frame, row[LINE], column, f"not a date fact of {row['study_id']}", row[column], allowed)
                )
    raise_if(problems)
    return frame


def load_positions(path: str | Path, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``typology_positions.csv``: exactly one pole of each axis per type."""
    frame = read_table(path, POSITION_COLUMNS, what="typology positions")
    typology = frameworks[frameworks["framework_id"] == TYPOLOGY]
    types = list(typology.loc[typology["kind"] == "type", "element_id"])
    axes = list(typology.loc[typology["kind"] == "axis", "element_id"])
    poles = typology[typology["kind"] == "pole"]
    problems = check_required_values(frame, ["type_id", "axis_id", "pole_id", "basis", "rationale", "seed"])
    problems += check_unique(frame, ["type_id", "axis_id"])
    problems += check_allowed(frame, "type_id", types)
    problems += check_allowed(frame, "axis_id", axes)
    problems += check_allowed(frame, "basis", POSITION_BASES)
    problems += check_allowed(frame, "seed", SEEDS)
    for _, row in frame.iterrows():
        allowed = list(poles.loc[poles["parent_id"] == row["axis_id"], "element_id"])
        if row["axis_id"] in axes and row["pole_id"] not in allowed:
            problems.append(
                _problem(frame, row[LINE], "pole_id", f"not a pole of axis {row['axis_id']}", row["pole_id"], allowed)
            )
    present = set(zip(frame["type_id"], frame["axis_id"], strict=True))
    missing = [f"{t}/{a}" for t in types for a in axes if (t, a) not in present]
    if missing:
        problems.append(
            Problem(file=source_of(frame), message="types without a position on an axis: " + ", ".join(missing))
        )
    raise_if(problems)
    return frame


def _check_typology_column(frame: pd.DataFrame, column: str, rationale: str, types: list[str]) -> list[Problem]:
    problems = check_allowed(frame, column, types, optional=True)
    for _, row in frame.iterrows():
        if row[column] and not row[rationale]:
            problems.append(_problem(frame, row[LINE], rationale, f"a coded {column} needs a rationale"))
    return problems


def load_crosswalk(path: str | Path, instrument: Instrument, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``crosswalk.csv``: every survey item once, Kirkpatrick level, partner as in items.csv."""
    frame = read_table(path, CROSSWALK_COLUMNS, what="crosswalk")
    kp = frameworks[(frameworks["framework_id"] == KIRKPATRICK) & (frameworks["kind"] == "level")]
    typology = frameworks[(frameworks["framework_id"] == TYPOLOGY) & (frameworks["kind"] == "type")]
    problems = check_required_values(frame, ["item_id", "kirkpatrick_level", "kirkpatrick_rationale", "partner_id"])
    problems += check_unique(frame, ["item_id"])
    problems += check_allowed(frame, "item_id", instrument.item_ids)
    problems += check_allowed(frame, "kirkpatrick_level", list(kp.sort_values("order")["element_id"]))
    problems += check_allowed(frame, "partner_id", list(instrument.partners.index))
    problems += _check_typology_column(frame, "typology_type", "typology_rationale", list(typology["element_id"]))
    problems += check_allowed(frame, "seed", SEEDS)
    for _, row in frame.iterrows():
        if row["item_id"] in instrument.items.index and row["partner_id"] in instrument.partners.index:
            expected = instrument.items.at[row["item_id"], "partner_id"]
            if row["partner_id"] != expected:
                problems.append(
                    _problem(
                        frame,
                        row[LINE],
                        "partner_id",
                        f"differs from items.csv for {row['item_id']}",
                        row["partner_id"],
                        [expected],
                    )
                )
    missing = [i for i in instrument.item_ids if i not in set(frame["item_id"])]
    if missing:
        problems.append(
            Problem(file=source_of(frame), column="item_id", message="survey items missing: " + ", ".join(missing))
        )
    raise_if(problems)
    order = {item: i for i, item in enumerate(instrument.item_ids)}
    return frame.assign(_order=frame["item_id"].map(order)).sort_values("_order").drop(columns="_order")


def load_activities(path: str | Path, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``activities.csv``: location inside/outside, optional typology type with rationale."""
    frame = read_table(path, ACTIVITY_COLUMNS, what="activities")
    typology = frameworks[(frameworks["framework_id"] == TYPOLOGY) & (frameworks["kind"] == "type")]
    required = ["activity_id", "name_da", "name_no", "name_en", "location", "coding_rationale", "seed"]
    problems = check_required_values(frame, required)
    problems += check_unique(frame, ["activity_id"])
    problems += check_allowed(frame, "location", LOCATIONS)
    problems += _check_typology_column(frame, "typology_type", "coding_rationale", list(typology["element_id"]))
    problems += check_allowed(frame, "seed", SEEDS)
    raise_if(problems)
    return frame


def load_labels(path: str | Path) -> pd.DataFrame:
    """Load ``corpus/labels.csv`` (figure texts in da/no/en), indexed by key."""
    frame = read_table(path, LABEL_COLUMNS, what="corpus labels")
    problems = check_required_values(frame, list(LABEL_COLUMNS))
    problems += check_unique(frame, ["key"])
    raise_if(problems)
    return frame.set_index("key", drop=False)
