"""The what-if state over the published study: one consistent table per item, changed cell by cell.

:class:`WhatIf` starts from ``data/raw/published/assumptions.csv``.  :meth:`WhatIf.set_cell` moves one assumed
cell (:func:`~samskab_analysis.explore.cells.move_cell`: the table stays consistent with the statements);
:meth:`WhatIf.assumptions` is the assumptions table that gives exactly the current tables -- the shipped rows for
unchanged items, one row per open cell for changed ones -- and :meth:`WhatIf.study` the study built from it by the
same reconstruction ``samskab reproduce --assumptions FILE`` runs, so saved numbers and shown numbers agree.

Precomputed once: every item's consistent tables, and the comparisons over every table the report allows (which
also fills the pairing cache, so a what-if comparison afterwards costs milliseconds).  Cached: studies by state,
an item's reconstructed rows by its table, each comparison's numbers by the two items' tables (so a change
recomputes only the comparisons of the changed item, then the family's Holm verdicts), the comparison table by
the compared items' tables.  :meth:`WhatIf.item_key` names what an item's own outputs depend on (its table).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.data.csv_reader import LINE
from samskab_analysis.data.published import ASSUMPTION_COLUMNS, assumptions_from_frame
from samskab_analysis.explore.cells import ItemSpace, cell_choices, item_space, move_cell
from samskab_analysis.output import write_text
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.reconstruct.counts import reconstruct_counts
from samskab_analysis.stats.comparisons import comparison_numbers, comparison_table, load_comparisons
from samskab_analysis.study import Study, load_study

#: rule and rationale of the rows the explorer writes for a changed item
EXPLORER_RULE = "explorer"
EXPLORER_RATIONALE = "chosen in the explorer (samskab explore / notebooks/explore.ipynb) among the consistent tables"

State = tuple[tuple[str, tuple[int, ...]], ...]


class WhatIf:
    """The published study under changeable assumptions (see the module docstring)."""

    def __init__(self, data_dir: str | Path = DATA_DIR, *, prepare: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.base = load_study(self.data_dir)
        inst = self.base.instrument
        self.spaces: dict[str, ItemSpace] = {i: item_space(self.base, i) for i in inst.item_ids}
        self.defaults = {i: self.base.item_counts(i)["count"].to_numpy(dtype=int) for i in inst.item_ids}
        self.tables = {i: t.copy() for i, t in self.defaults.items()}
        self.comparisons = load_comparisons(inst, self.data_dir)
        #: verdicts over every consistent table (independent of the assumptions): :meth:`prepare`, once
        self.every_table: pd.DataFrame | None = None
        self._studies: dict[State, Study] = {self.state(): self.base}
        self._whatif: dict[State, pd.DataFrame] = {}  # by the tables of the compared items
        self._rows: dict[tuple[str, tuple[int, ...]], pd.DataFrame] = {}
        self._numbers: dict[tuple, tuple[dict[str, object], dict[str, np.ndarray]]] = {}
        #: the shipped assumption rows per item (what :meth:`assumptions` writes for an unchanged item)
        self._shipped: dict[str, list[dict[str, object]]] = {}
        for record in self.base.assumptions[list(ASSUMPTION_COLUMNS)].to_dict("records"):
            self._shipped.setdefault(str(record["item_id"]), []).append(record)
        if prepare:
            self.prepare()

    def prepare(self) -> None:
        """The comparisons over every consistent table (seconds, once); fills the pairing cache as it goes."""
        if self.every_table is None:
            self.every_table = comparison_table(self.base, self.comparisons)

    # --- the state ---------------------------------------------------------------------------------------

    def state(self) -> State:
        """The current tables as a hashable key."""
        return tuple((i, tuple(int(v) for v in t)) for i, t in self.tables.items())

    def table_key(self, item_id: str) -> tuple[int, ...]:
        """The current table of *item_id* as a hashable key."""
        return tuple(int(v) for v in self.tables[item_id])

    def item_key(self, item_id: str) -> tuple[str, str, tuple[int, ...]]:
        """What *item_id*'s own outputs (figure, intervals, claims, sentence) depend on: its current table (an
        item's rows are those of ``assumptions.csv`` for the default table, else those its table reconstructs)."""
        return ("published", item_id, self.table_key(item_id))

    def table(self, item_id: str) -> dict[str, int]:
        """The current counts of *item_id* by category."""
        return dict(zip(self.spaces[item_id].categories, (int(v) for v in self.tables[item_id]), strict=True))

    def choices(self, item_id: str) -> dict[str, list[int]]:
        """Per open (assumed) cell of *item_id*: the values it takes in some consistent table."""
        space = self.spaces[item_id]
        return {c: cell_choices(space, c) for c in space.open_categories}

    def set_cell(self, item_id: str, category: str, value: int) -> dict[str, int]:
        """Set one open cell; the nearest consistent table becomes current. Returns the item's new counts."""
        self.tables[item_id] = move_cell(self.spaces[item_id], self.tables[item_id], category, int(value))
        return self.table(item_id)

    def set_table(self, item_id: str, counts: dict[str, int]) -> None:
        """Make *counts* (every category) the current table of *item_id*; it must be consistent."""
        space = self.spaces[item_id]
        table = np.array([int(counts[c]) for c in space.categories], dtype=int)
        if not (space.tables == table).all(axis=1).any():
            raise ValueError(f"{item_id}: {counts} is not consistent with the report's statements")
        self.tables[item_id] = table

    def reset(self, item_id: str | None = None) -> None:
        """Back to ``assumptions.csv`` (one item, or all)."""
        for i in [item_id] if item_id else list(self.tables):
            self.tables[i] = self.defaults[i].copy()

    def changed(self) -> list[str]:
        """Items whose table differs from the one ``assumptions.csv`` gives."""
        return [i for i, t in self.tables.items() if not np.array_equal(t, self.defaults[i])]

    # --- what it gives -----------------------------------------------------------------------------------

    def assumptions(self) -> pd.DataFrame:
        """The assumptions table (columns of ``assumptions.csv``) that reconstructs exactly the current tables."""
        changed = set(self.changed())
        rows: list[dict[str, object]] = []
        written: set[str] = set()
        for item_id in [*self._shipped, *self.tables]:
            if item_id in written:
                continue
            written.add(item_id)
            if item_id in changed:
                space = self.spaces[item_id]
                for category in space.open_categories:
                    rows.append(
                        {
                            "item_id": item_id,
                            "category_id": category,
                            "count": int(self.tables[item_id][space.column(category)]),
                            "rule": EXPLORER_RULE,
                            "rationale": EXPLORER_RATIONALE,
                        }
                    )
            else:
                rows.extend(dict(r) for r in self._shipped.get(item_id, []))
        return pd.DataFrame(rows, columns=list(ASSUMPTION_COLUMNS))

    def study(self) -> Study:
        """The study under the current tables, reconstructed from :meth:`assumptions` (cached by state).

        Only the changed items are reconstructed again (each once per table); the others keep the rows the
        shipped assumptions gave -- the same rows the whole reconstruction would give them.
        """
        key = self.state()
        if key not in self._studies:
            base = self.base
            chosen = assumptions_from_frame(self.assumptions(), base.instrument)
            changed = self.changed()
            frames = [base.counts[~base.counts["item_id"].isin(changed)]]
            for item_id in changed:
                frames.append(self._item_rows(item_id, chosen))
            counts = pd.concat(frames, ignore_index=True)[base.counts.columns]
            counts = counts.sort_values(["item_order", "category_order"]).reset_index(drop=True)
            self._studies[key] = replace(base, counts=counts, assumptions=chosen)
        return self._studies[key]

    def _item_rows(self, item_id: str, chosen: pd.DataFrame) -> pd.DataFrame:
        """The count rows of *item_id* reconstructed under *chosen* (cached by the item's table)."""
        key = (item_id, tuple(int(v) for v in self.tables[item_id]))
        if key not in self._rows:
            base = self.base
            counts = reconstruct_counts(base.instrument, base.statements, chosen, base.n, items=[item_id])
            self._rows[key] = with_scale_info(counts, base.instrument)
        return self._rows[key]

    def comparison_table(self) -> pd.DataFrame:
        """The report's comparisons under the current tables (pairings unknown; Holm over the family).

        Each comparison's numbers are cached by the two items' tables; only the family's verdicts (Holm over
        all comparisons) are computed again for a new combination.
        """
        compared = set(self.comparisons["item_a"]) | set(self.comparisons["item_b"])
        key = tuple((i, t) for i, t in self.state() if i in compared)
        if key not in self._whatif:
            tables = dict(key)

            def numbers_of(study: Study, item_a: str, item_b: str, *, over_assumptions: bool = True):
                cached = (item_a, tables[item_a], item_b, tables[item_b], over_assumptions)
                if cached not in self._numbers:
                    self._numbers[cached] = comparison_numbers(
                        study, item_a, item_b, over_assumptions=over_assumptions
                    )
                return self._numbers[cached]

            self._whatif[key] = comparison_table(
                self.study(), self.comparisons, over_assumptions=False, numbers_of=numbers_of
            )
        return self._whatif[key]

    def save(self, path: str | Path) -> Path:
        """Write :meth:`assumptions` as CSV to *path* (atomically); ``samskab reproduce --assumptions`` reads it."""
        frame = self.assumptions().drop(columns=[LINE], errors="ignore")
        return write_text(path, frame.to_csv(index=False, lineterminator="\n"))  # the output gate
