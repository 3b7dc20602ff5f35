"""What the report publishes: statements per item, design numbers, errata, and our assumptions."""

from __future__ import annotations

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
from samskab_analysis.paths import DATA_DIR

STATEMENT_COLUMNS = ("statement_id", "item_id", "cited_figure", "categories", "value", "unit", "section_da")
ASSUMPTION_COLUMNS = ("item_id", "category_id", "count", "rule", "rationale")
DESIGN_COLUMNS = ("key", "value", "unit", "kind", "section_da")
ERRATA_COLUMNS = ("erratum_id", "statement_id", "cited_figure", "matched_item", "confidence", "evidence")
#: how sure an erratum is: ``certain`` (the wording proves it) or ``possible`` (the evidence points to it)
ERRATUM_CONFIDENCE = ("certain", "possible")
UNITS = ("percent", "count")
SEPARATOR = "|"


def published_dir(data_dir: str | Path = DATA_DIR) -> Path:
    """Folder holding the published statements."""
    return Path(data_dir) / "published"


def _check_categories(frame: pd.DataFrame, instrument: Instrument, column: str) -> list[Problem]:
    problems = []
    for _, row in frame.iterrows():
        if row["item_id"] not in instrument.items.index:
            continue
        allowed = instrument.item_categories(row["item_id"])
        for category in str(row[column]).split(SEPARATOR):
            if category.strip() not in allowed:
                problems.append(
                    Problem(
                        file=source_of(frame),
                        row=int(row[LINE]),
                        column=column,
                        message=f"unknown category for item {row['item_id']}",
                        value=category,
                        allowed=allowed,
                    )
                )
    return problems


def load_statements(instrument: Instrument, data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Load the report's numeric statements; ``categories`` becomes a tuple of category ids.

    ``wording`` is what the report literally says; ``interpretation`` (blank: none needed) is our reading
    where it adds to the wording (a category carried over from another sentence, 'halvdelen' = 50 %, an
    assumed yes/no scale), with ``interpretation_reason``.
    """
    frame = read_table(published_dir(data_dir) / "statements.csv", STATEMENT_COLUMNS, what="statements")
    problems = check_required_values(frame, ["statement_id", "item_id", "categories", "value", "unit"])
    problems += check_unique(frame, ["statement_id"])
    problems += check_allowed(frame, "item_id", instrument.item_ids)
    problems += check_allowed(frame, "unit", UNITS)
    problems += check_parse(frame, "value", parse_float, "a number")
    problems += check_parse(frame, "cited_figure", parse_int, "a figure number or blank", optional=True)
    problems += _check_categories(frame, instrument, "categories")
    for column in ("wording", "interpretation", "interpretation_reason"):
        if column not in frame:
            frame[column] = ""
    problems += [
        Problem(
            file=source_of(frame),
            row=int(row[LINE]),
            column="interpretation_reason",
            message="an interpretation needs its reason",
        )
        for _, row in frame.iterrows()
        if str(row["interpretation"]).strip() and not str(row["interpretation_reason"]).strip()
    ]
    raise_if(problems)
    frame["value"] = frame["value"].map(parse_float)
    frame["categories"] = frame["categories"].map(lambda v: tuple(c.strip() for c in v.split(SEPARATOR)))
    frame["cited_figure"] = pd.array([parse_int(v) if v != "" else pd.NA for v in frame["cited_figure"]], dtype="Int64")
    return frame.set_index("statement_id", drop=False)


def load_assumptions(instrument: Instrument, path: str | Path | None = None) -> pd.DataFrame:
    """Load assumed counts (one row per item x category) from *path* (default: the shipped file)."""
    path = Path(path) if path is not None else published_dir() / "assumptions.csv"
    frame = read_table(path, ASSUMPTION_COLUMNS, what="assumptions")
    problems = check_required_values(frame, ["item_id", "category_id", "count", "rationale"])
    problems += check_unique(frame, ["item_id", "category_id"])
    problems += check_allowed(frame, "item_id", instrument.item_ids)
    problems += check_parse(frame, "count", parse_int, "a whole number of respondents")
    problems += _check_categories(frame, instrument, "category_id")
    raise_if(problems)
    frame["count"] = frame["count"].map(parse_int)
    negative = frame[frame["count"] < 0]
    raise_if(
        [
            Problem(file=str(path), row=int(r[LINE]), column="count", message="must not be negative", value=r["count"])
            for _, r in negative.iterrows()
        ]
    )
    return frame


def assumptions_from_mapping(mapping: dict[tuple[str, str], int], rationale: str = "user override") -> pd.DataFrame:
    """Build an assumptions table from ``{(item_id, category_id): count}``."""
    rows = [
        {"item_id": i, "category_id": c, "count": int(n), "rule": "override", "rationale": rationale, LINE: 0}
        for (i, c), n in mapping.items()
    ]
    frame = pd.DataFrame(rows, columns=[*ASSUMPTION_COLUMNS, LINE])
    frame.attrs["source"] = "<assumptions argument>"
    return frame


def merge_assumptions(base: pd.DataFrame, override: pd.DataFrame) -> pd.DataFrame:
    """Replace all of *base*'s assumptions for each item that *override* mentions."""
    keep = base[~base["item_id"].isin(set(override["item_id"]))]
    merged = pd.concat([keep, override], ignore_index=True)
    merged.attrs["source"] = f"{source_of(base)} + {source_of(override)}"
    return merged


def load_design(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Load the study design numbers (participants, invited, respondents, ...)."""
    frame = read_table(published_dir(data_dir) / "design.csv", DESIGN_COLUMNS, what="design")
    problems = check_required_values(frame, ["key", "value", "unit"])
    problems += check_unique(frame, ["key"])
    problems += check_allowed(frame, "kind", ("stated", "derived", "assumed"))
    raise_if(problems)
    return frame.set_index("key", drop=False)


CONTEXT_COLUMNS = ("key", "value", "unit", "year", "kind", "reference")


def load_context(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Load context numbers the report cites from other sources (not survey results)."""
    frame = read_table(published_dir(data_dir) / "context.csv", CONTEXT_COLUMNS, what="context")
    problems = check_required_values(frame, ["key", "value", "unit", "reference"])
    problems += check_unique(frame, ["key"])
    problems += check_parse(frame, "value", parse_float, "a number")
    problems += check_allowed(frame, "kind", ("stated",))
    raise_if(problems)
    return frame.set_index("key", drop=False)


def design_int(design: pd.DataFrame, key: str) -> int:
    """A whole-number design value such as ``respondents``."""
    return parse_int(str(design.at[key, "value"]))


def load_errata(instrument: Instrument, statements: pd.DataFrame, data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Load the cross-reference errata found in the report, each ``certain`` or ``possible``.

    ``statement_id`` is blank when the wrong reference is not attached to a numeric statement.
    """
    frame = read_table(published_dir(data_dir) / "errata.csv", ERRATA_COLUMNS, what="errata")
    problems = check_unique(frame, ["erratum_id"])
    problems += check_required_values(frame, ["erratum_id", "confidence", "evidence"])
    problems += check_allowed(frame, "statement_id", list(statements.index), optional=True)
    problems += check_allowed(frame, "matched_item", instrument.item_ids)
    problems += check_allowed(frame, "confidence", ERRATUM_CONFIDENCE)
    problems += check_parse(frame, "cited_figure", parse_int, "a figure number")
    raise_if(problems)
    return frame.set_index("erratum_id", drop=False)
