"""What the report publishes: statements per item, design numbers, errata, and our assumptions."""

from __future__ import annotations

import re
from collections.abc import Mapping
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
API_SOURCE = "load_study(assumptions={...})"
FRAME_SOURCE = "load_study(assumptions=<DataFrame>)"


def published_dir(data_dir: str | Path = DATA_DIR) -> Path:
    """Folder holding the published statements."""
    return Path(data_dir) / "published"


def _check_categories(frame: pd.DataFrame, instrument: Instrument, column: str) -> list[Problem]:
    problems = []
    for _, row in frame.iterrows():
        if row["item_id"] not in instrument.items.index or str(row[column]).strip() == "":
            continue
        allowed = instrument.item_categories(row["item_id"])
        seen: set[str] = set()
        for category in str(row[column]).split(SEPARATOR):
            where = {"file": source_of(frame), "row": int(row[LINE]), "column": column}
            if category.strip() not in allowed:
                problems.append(
                    Problem(
                        **where,
                        message=f"unknown category for item {row['item_id']}"
                        + (f" (categories are separated by '{SEPARATOR}')" if category.strip() == "" else ""),
                        value=category,
                        allowed=allowed,
                    )
                )
            elif category.strip() in seen:
                problems.append(Problem(**where, message="category named twice", value=category.strip()))
            seen.add(category.strip())
    return problems


def _check_statement_values(frame: pd.DataFrame) -> list[Problem]:
    """A percentage must lie in 0-100; a count must be a whole, non-negative number of respondents."""
    problems = []
    for value, unit, line in zip(frame["value"], frame["unit"], frame[LINE], strict=True):
        try:
            number = parse_float(value)
        except ValueError:
            continue  # reported by the number check
        where = {"file": source_of(frame), "row": int(line), "column": "value", "value": value}
        if unit == "percent" and not 0 <= number <= 100:
            problems.append(Problem(**where, message="percentage outside 0-100"))
        elif unit == "count" and number < 0:
            problems.append(Problem(**where, message="a count of respondents must not be negative"))
        elif unit == "count" and not number.is_integer():
            problems.append(Problem(**where, message="a count of respondents must be a whole number"))
    return problems


def _read_errata(data_dir: str | Path) -> pd.DataFrame | None:
    path = published_dir(data_dir) / "errata.csv"
    return read_table(path, ERRATA_COLUMNS, what="errata") if path.is_file() else None


def _check_cited_figures(frame: pd.DataFrame, instrument: Instrument, errata: pd.DataFrame | None) -> list[Problem]:
    """A statement's cited figure must be its item's figure, unless an erratum row records the mismatch."""
    corrected = set()
    if errata is not None:
        corrected = {
            (str(s).strip(), str(c).strip(), str(m).strip())
            for s, c, m in zip(errata["statement_id"], errata["cited_figure"], errata["matched_item"], strict=True)
        }
    figures = {i: instrument.items.at[i, "figure"] for i in instrument.item_ids}
    problems = []
    for sid, item_id, cited, line in zip(
        frame["statement_id"], frame["item_id"], frame["cited_figure"], frame[LINE], strict=True
    ):
        if item_id not in figures or cited == "":
            continue
        try:
            number = parse_int(cited)
        except ValueError:
            continue  # reported by the number check
        figure = figures[item_id]
        if not pd.isna(figure) and int(figure) == number:
            continue
        if (sid, str(number), item_id) in corrected or (sid, cited, item_id) in corrected:
            continue
        own = "has no figure number" if pd.isna(figure) else f"is Figure {int(figure)}"
        problems.append(
            Problem(
                file=source_of(frame),
                row=int(line),
                column="cited_figure",
                message=f"statement {sid} cites Figure {number} but its item {item_id} {own}; correct one of them, "
                "or record the report's wrong cross-reference in errata.csv (statement_id, cited_figure, matched_item)",
                value=cited,
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
    problems += _check_statement_values(frame)
    problems += _check_cited_figures(frame, instrument, _read_errata(data_dir))
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
    return check_assumptions(read_table(path, ASSUMPTION_COLUMNS, what="assumptions"), instrument)


def check_assumptions(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Validate an assumptions table of text cells (from a file, a dict or a DataFrame) and parse its counts.

    Unknown items and categories are named with the allowed ones; a count must be a whole, non-negative
    number of respondents (``1.5`` is rejected, never truncated); an item x category pair may appear once.
    """
    problems = check_required_values(frame, ["item_id", "category_id", "count", "rationale"])
    problems += check_unique(frame, ["item_id", "category_id"])
    problems += check_allowed(frame, "item_id", instrument.item_ids)
    problems += check_parse(frame, "count", parse_int, "a whole number of respondents")
    problems += _check_categories(frame, instrument, "category_id")
    raise_if(problems)
    frame = frame.copy()
    frame["count"] = frame["count"].map(parse_int)
    negative = frame[frame["count"] < 0]
    raise_if(
        [
            Problem(
                file=source_of(frame),
                row=int(r[LINE]),
                column="count",
                message="must not be negative",
                value=r["count"],
            )
            for _, r in negative.iterrows()
        ]
    )
    return frame


def _cell(value: object) -> str:
    """A Python value as the text a CSV cell would hold (``3`` and ``3.0`` -> ``'3'``; ``True`` stays ``'True'``)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return str(value)  # not a count: rejected like the text 'True' in a file
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def assumptions_from_mapping(
    mapping: Mapping[tuple[str, str], object],
    rationale: str = "user override",
    instrument: Instrument | None = None,
) -> pd.DataFrame:
    """Build an assumptions table from ``{(item_id, category_id): count}``; validated when *instrument* is given.

    Row numbers in messages count the mapping's entries from 1.
    """
    rows, problems = [], []
    for line, (key, count) in enumerate(mapping.items(), start=1):
        if not isinstance(key, tuple) or len(key) != 2:
            problems.append(
                Problem(
                    file=API_SOURCE,
                    row=line,
                    message="a key must be a pair (item_id, category_id)",
                    value=key,
                )
            )
            continue
        item_id, category = key
        rows.append(
            {
                "item_id": _cell(item_id),
                "category_id": _cell(category),
                "count": _cell(count),
                "rule": "override",
                "rationale": rationale,
                LINE: line,
            }
        )
    raise_if(problems)
    frame = pd.DataFrame(rows, columns=[*ASSUMPTION_COLUMNS, LINE], dtype=object)
    frame[LINE] = [r[LINE] for r in rows]
    frame.attrs["source"] = API_SOURCE
    return frame if instrument is None else check_assumptions(frame, instrument)


def assumptions_from_frame(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Validate an assumptions DataFrame given to the API exactly as the file would be (rows counted from 1)."""
    missing = [c for c in ("item_id", "category_id", "count") if c not in frame.columns]
    raise_if(
        [
            Problem(
                file=FRAME_SOURCE,
                message="missing required column(s) " + ", ".join(missing),
                value=", ".join(map(str, frame.columns)),
                allowed=list(ASSUMPTION_COLUMNS),
            )
        ]
        if missing
        else []
    )
    text = pd.DataFrame({c: [_cell(v) for v in frame[c]] for c in frame.columns if c != LINE}, dtype=object)
    for column, default in (("rule", "override"), ("rationale", "user override")):
        if column not in text.columns:
            text[column] = default
    text[LINE] = list(frame[LINE]) if LINE in frame.columns else list(range(1, len(frame) + 1))
    text.attrs["source"] = source_of(frame) if "source" in frame.attrs else FRAME_SOURCE
    return check_assumptions(text, instrument)


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


_SEE = re.compile(r"^see (\w+)/(\w+)$")


def assumption_rationale(assumptions: pd.DataFrame, row: pd.Series, lang: str = "en", depth: int = 0) -> str:
    """The rationale of one assumption in *lang*, following ``see <item>/<category>`` pointers.

    ``rationale_<lang>`` when the file has it (the shipped file: Danish and Norwegian), else ``rationale``
    as written (English in the shipped file; an override file's own words).
    """
    english = str(row.get("rationale", "") or "")
    match = _SEE.match(english)
    if match and depth < 5:
        same = (assumptions["item_id"] == match.group(1)) & (assumptions["category_id"] == match.group(2))
        target = assumptions[same]
        if len(target):
            return assumption_rationale(assumptions, target.iloc[0], lang, depth + 1)
    return str(row.get(f"rationale_{lang}", "") or "") or english


def statement_interpretation(statements: pd.DataFrame | None, statement_id: str, lang: str, english: str = "") -> str:
    """Our reading of one statement and its reason in *lang* (``interpretation_<lang>`` columns), else *english*."""
    if statements is None or statement_id not in statements.index or lang == "en":
        return english
    row = statements.loc[statement_id]
    text = str(row.get(f"interpretation_{lang}", "") or "")
    reason = str(row.get(f"interpretation_reason_{lang}", "") or "")
    if not text:
        return english
    return f"{text} -- {reason}" if reason else text
