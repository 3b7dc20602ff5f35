"""Rebuild the item x category count table from the report's statements, N and assumptions.

Every count table that satisfies all statements of an item (and sums to N) is a *consistent
completion*.  With N = 10 the space is small, so it is enumerated exactly.  A cell is

* ``stated``  when a statement names that single category (its ``source`` is the statement about the item's
  own figure first; statements quoted elsewhere, e.g. under an erratum, follow as ``also``),
* ``derived`` when it takes the same value in every consistent completion and the answer scale is stated,
* ``derived_under_assumption`` when it takes the same value in every consistent completion *only because the
  answer scale is assumed*: the item's scale is ``assumed`` in items.csv (e.g. the "don't know" cells of the
  yes/no items), or the cell is a non-zero count in a category the report's prose never names (the scale
  completes it); its ``source`` names the scale assumption,
* ``assumed`` when it is fixed only by a row of the assumptions file.

The assumptions must pick exactly one completion per item; anything else is an error that says
which statements and assumptions clash, or which cells are still open.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from samskab_analysis.data.csv_reader import LINE, source_of
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.data.instrument import Instrument

MAX_TABLES = 2_000_000
PROVENANCES = ("stated", "derived", "derived_under_assumption", "assumed", "observed")
#: provenances that rest on an assumption of ours (figures hatch them, badges count them)
ASSUMPTION_PROVENANCES = ("derived_under_assumption", "assumed")


@dataclass(frozen=True)
class Constraint:
    """A statement turned into the counts it allows for a set of categories."""

    statement_id: str
    columns: tuple[int, ...]
    allowed: frozenset[int]
    text: str


def round_half_up(x: float) -> int:
    """Round like a report does (0.5 goes up), not banker's rounding."""
    return math.floor(x + 0.5)


def allowed_counts(value: float, unit: str, n: int) -> frozenset[int]:
    """Head counts out of *n* that a statement of *value* (percent, rounded, or count) allows."""
    if unit == "count":
        return frozenset({int(value)}) if float(value).is_integer() and 0 <= value <= n else frozenset()
    return frozenset(c for c in range(n + 1) if round_half_up(100 * c / n) == round_half_up(value))


@cache
def compositions(n: int, k: int) -> np.ndarray:
    """All ways to split *n* respondents over *k* categories (rows of non-negative ints; read-only, cached)."""
    total = math.comb(n + k - 1, k - 1)
    if total > MAX_TABLES:
        raise DataValidationError(
            f"{total} possible count tables for N = {n} and {k} categories: too many to enumerate; "
            "use respondent-level data instead of published percentages"
        )
    rows = []
    for bars in itertools.combinations(range(n + k - 1), k - 1):
        edges = (-1, *bars, n + k - 1)
        rows.append([edges[i + 1] - edges[i] - 1 for i in range(k)])
    out = np.array(rows, dtype=int).reshape(-1, k)
    out.setflags(write=False)
    return out


def statement_constraints(statements: pd.DataFrame, categories: list[str], n: int) -> list[Constraint]:
    """Constraints from the statements of one item."""
    out = []
    for sid, row in statements.iterrows():
        columns = tuple(categories.index(c) for c in row["categories"])
        unit = "%" if row["unit"] == "percent" else " respondents"
        text = f"{sid}: {'+'.join(row['categories'])} = {row['value']:g}{unit}"
        out.append(Constraint(str(sid), columns, allowed_counts(row["value"], row["unit"], n), text))
    return out


def consistent_tables(constraints: list[Constraint], k: int, n: int) -> np.ndarray:
    """Count tables (rows) over *k* categories summing to *n* that satisfy all *constraints*."""
    tables = compositions(n, k)
    for con in constraints:
        sums = tables[:, list(con.columns)].sum(axis=1)
        tables = tables[np.isin(sums, list(con.allowed))]
    return tables


def _item_problem(item_id: str, file: str, message: str, row: int | None = None) -> Problem:
    return Problem(file=file, row=row, column=f"item {item_id}", message=message)


def reconstruct_item(
    item_id: str,
    categories: list[str],
    n: int,
    statements: pd.DataFrame,
    assumptions: pd.DataFrame,
    *,
    scale_assumption: str = "",
    named_categories: frozenset[str] | None = None,
    figure: int | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Reconstruct one item; returns its rows and the problems found.

    *scale_assumption* is the reason the item's answer scale is assumed (blank: the scale is stated);
    *named_categories* the categories the report's prose ever names (None: all); *figure* the item's own
    figure number (its statements are cited first).
    """
    constraints = statement_constraints(statements, categories, n)
    stmt_file = source_of(statements)
    problems = [
        _item_problem(item_id, stmt_file, f"{c.text} is not a whole number of respondents out of N = {n}")
        for c in constraints
        if not c.allowed
    ]
    if problems:
        return pd.DataFrame(), problems
    tables = consistent_tables(constraints, len(categories), n)
    if len(tables) == 0:
        listed = "; ".join(c.text for c in constraints)
        return pd.DataFrame(), [
            _item_problem(item_id, stmt_file, f"statements contradict each other for N = {n}: {listed}")
        ]
    determined = (tables == tables[0]).all(axis=0)
    stated: dict[int, list[str]] = {}
    for c in constraints:
        if len(c.columns) == 1:
            stated.setdefault(c.columns[0], []).append(c.statement_id)
    if figure is not None and "cited_figure" in statements:
        cited = statements["cited_figure"]
        foreign = {str(sid) for sid in statements.index if pd.notna(cited[sid]) and int(cited[sid]) != figure}
        stated = {col: sorted(ids, key=lambda sid: sid in foreign) for col, ids in stated.items()}

    chosen = tables
    asm_file = source_of(assumptions)
    for _, row in assumptions.iterrows():
        col = categories.index(row["category_id"])
        line = int(row[LINE]) if LINE in row and row[LINE] else None
        if determined[col] and tables[0, col] != row["count"]:
            problems.append(
                _item_problem(
                    item_id,
                    asm_file,
                    f"assumes {row['category_id']} = {row['count']} but the statements fix it at "
                    f"{tables[0, col]} ({'; '.join(c.text for c in constraints)})",
                    line,
                )
            )
        chosen = chosen[chosen[:, col] == row["count"]]
    if problems:
        return pd.DataFrame(), problems
    if len(chosen) == 0:
        assumed = ", ".join(f"{r['category_id']} = {r['count']}" for _, r in assumptions.iterrows())
        listed = "; ".join(c.text for c in constraints)
        return pd.DataFrame(), [
            _item_problem(
                item_id, asm_file, f"assumptions ({assumed}) contradict the statements ({listed}) for N = {n}"
            )
        ]
    if len(chosen) > 1:
        open_cols = [categories[i] for i in range(len(categories)) if not (chosen[:, i] == chosen[0, i]).all()]
        return pd.DataFrame(), [
            _item_problem(
                item_id,
                asm_file,
                f"{len(chosen)} count tables still fit; add assumptions fixing " + ", ".join(open_cols),
            )
        ]
    final = chosen[0]
    asm_rules = {r["category_id"]: f"{r['rule']}" for _, r in assumptions.iterrows()}
    rows = []
    for i, category in enumerate(categories):
        if i in stated:
            ids = stated[i]
            provenance, source = "stated", ids[0] + (f"; also {','.join(ids[1:])}" if len(ids) > 1 else "")
        elif determined[i]:
            provenance = "derived"
            source = "N=" + str(n) + "; " + ",".join(c.statement_id for c in constraints)
            unnamed = named_categories is not None and category not in named_categories and final[i] > 0
            if scale_assumption or unnamed:
                provenance = "derived_under_assumption"
                reason = scale_assumption or "the report never names this category; the standard scale completes it"
                source += f"; scale assumed: {reason}"
        else:
            provenance, source = "assumed", "assumption: " + asm_rules.get(category, "implied by other assumptions")
        rows.append(
            {
                "item_id": item_id,
                "category_id": category,
                "count": int(final[i]),
                "provenance": provenance,
                "source": source,
                "count_min": int(tables[:, i].min()),
                "count_max": int(tables[:, i].max()),
                "completions": len(tables),
            }
        )
    return pd.DataFrame(rows), []


def reconstruct_counts(
    instrument: Instrument,
    statements: pd.DataFrame,
    assumptions: pd.DataFrame,
    n: int,
    items: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The complete item x category count table with provenance, for every item of *instrument* (or of *items*).

    Raises :class:`DataValidationError` listing every contradiction or open cell at once.
    """
    frames, problems = [], []
    for item_id in instrument.item_ids if items is None else [i for i in instrument.item_ids if i in set(items)]:
        item_statements = statements[statements["item_id"] == item_id]
        item_statements.attrs["source"] = source_of(statements)
        item_assumptions = assumptions[assumptions["item_id"] == item_id]
        item_assumptions.attrs["source"] = source_of(assumptions)
        item = instrument.items.loc[item_id]
        figure = None if pd.isna(item["figure"]) else int(item["figure"])
        scale_id = item["scale_id"]
        named = frozenset(
            c
            for other, cats in zip(statements["item_id"], statements["categories"], strict=True)
            if instrument.items.at[other, "scale_id"] == scale_id
            for c in cats
        )
        frame, found = reconstruct_item(
            item_id,
            instrument.item_categories(item_id),
            n,
            item_statements,
            item_assumptions,
            scale_assumption=str(item["scale_note"]) if item["scale_basis"] == "assumed" else "",
            named_categories=named,
            figure=figure,
        )
        frames.append(frame)
        problems += found
    if problems:
        raise DataValidationError(problems)
    counts = pd.concat(frames, ignore_index=True)
    counts["n"] = n
    return counts
