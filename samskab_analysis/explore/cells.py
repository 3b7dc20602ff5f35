"""Which cells of an item may move, to which values, and where the rest of the table goes when one moves.

For the published study every item has its consistent count tables (all tables over its categories summing to N
that satisfy the report's statements; :func:`samskab_analysis.reconstruct.counts.consistent_tables`, at most
3,003 per item at N = 10).  A cell that takes the same value in all of them is fixed (stated or derived); every
other cell is *open*: its control offers exactly the values it takes in some consistent table.  Setting an open
cell to a value moves the table to the **nearest** consistent table with that value (fewest respondents moved,
then moves closest to the cell on the answer scale, then the first in enumeration order), so the cells it
constrains follow and the table always satisfies the statements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from samskab_analysis.reconstruct.counts import consistent_tables, statement_constraints
from samskab_analysis.study import Study


@dataclass(frozen=True)
class ItemSpace:
    """The consistent tables of one item and what is fixed in them.

    ``tables`` (rows: tables, columns: ``categories``), ``fixed`` per category (same value in every table),
    ``provenance`` and ``source`` per category as the reconstruction gives them.
    """

    item_id: str
    categories: tuple[str, ...]
    tables: np.ndarray
    fixed: tuple[bool, ...]
    provenance: tuple[str, ...]
    source: tuple[str, ...]

    @property
    def open_categories(self) -> list[str]:
        """The categories a reader may set (not fixed by the statements)."""
        return [c for c, f in zip(self.categories, self.fixed, strict=True) if not f]

    def column(self, category: str) -> int:
        """Position of *category* in the tables' columns."""
        return self.categories.index(category)


def item_space(study: Study, item_id: str) -> ItemSpace:
    """The consistent tables of *item_id* in a published *study* (its statements, N) with fixed cells marked."""
    if study.statements is None:
        raise ValueError("item_space needs the published statements (a reconstructed study)")
    rows = study.item_counts(item_id)
    categories = list(rows["category_id"])
    statements = study.statements[study.statements["item_id"] == item_id]
    tables = consistent_tables(statement_constraints(statements, categories, study.n), len(categories), study.n)
    fixed = tuple(bool((tables[:, j] == tables[0, j]).all()) for j in range(len(categories)))
    return ItemSpace(
        item_id,
        tuple(categories),
        tables,
        fixed,
        tuple(rows["provenance"].astype(str)),
        tuple(rows["source"].astype(str)),
    )


def cell_choices(space: ItemSpace, category: str) -> list[int]:
    """The values *category* takes in at least one consistent table (ascending)."""
    return sorted({int(v) for v in space.tables[:, space.column(category)]})


def is_consistent(space: ItemSpace, table: np.ndarray | list[int]) -> bool:
    """True when *table* is one of the item's consistent tables."""
    return bool((space.tables == np.asarray(table, dtype=int)).all(axis=1).any())


def move_cell(space: ItemSpace, table: np.ndarray | list[int], category: str, value: int) -> np.ndarray:
    """The consistent table nearest to *table* in which *category* equals *value*.

    Nearest: fewest respondents moved (L1 distance / 2), then the moves closest to *category* on the answer
    scale, then the first such table in enumeration order.  ``ValueError`` naming the allowed values when
    *value* occurs in no consistent table, or when *category* is fixed by the statements.
    """
    col = space.column(category)
    if space.fixed[col]:
        raise ValueError(
            f"{space.item_id}/{category} is {space.provenance[col]} ({space.source[col]}): it cannot be changed"
        )
    candidates = space.tables[space.tables[:, col] == int(value)]
    if len(candidates) == 0:
        raise ValueError(
            f"{space.item_id}/{category} = {value} fits no table consistent with the statements; "
            f"allowed: {', '.join(map(str, cell_choices(space, category)))}"
        )
    diff = np.abs(candidates - np.asarray(table, dtype=int))
    distance = diff.sum(axis=1)
    spread = (diff * np.abs(np.arange(len(space.categories)) - col)).sum(axis=1)
    best = np.lexsort((np.arange(len(candidates)), spread, distance))[0]
    return candidates[best].copy()


def fixed_cells(space: ItemSpace) -> pd.DataFrame:
    """The cells the statements fix: category, count, provenance and source (statement ids, N)."""
    rows = [
        {
            "category_id": c,
            "count": int(space.tables[0, j]),
            "provenance": space.provenance[j],
            "source": space.source[j],
        }
        for j, c in enumerate(space.categories)
        if space.fixed[j]
    ]
    return pd.DataFrame(rows, columns=["category_id", "count", "provenance", "source"])
