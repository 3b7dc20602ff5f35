"""The what-if state over the published study: one consistent table per item, changed cell by cell.

:class:`WhatIf` starts from ``data/raw/published/assumptions.csv``.  :meth:`WhatIf.set_cell` moves one assumed
cell (:func:`~samskab_analysis.explore.cells.move_cell`: the table stays consistent with the statements);
:meth:`WhatIf.assumptions` is the assumptions table that gives exactly the current tables -- the shipped rows for
unchanged items, one row per open cell for changed ones -- and :meth:`WhatIf.study` the study built from it by the
same reconstruction ``samskab reproduce --assumptions FILE`` runs, so saved numbers and shown numbers agree.

Precomputed once: every item's consistent tables, and the comparisons over every table the report allows (which
also fills the pairing cache, so a what-if comparison afterwards costs milliseconds).  Studies are cached by state.
"""

from __future__ import annotations

import gc
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.data.csv_reader import LINE
from samskab_analysis.data.published import ASSUMPTION_COLUMNS, assumptions_from_frame
from samskab_analysis.explore.cells import ItemSpace, cell_choices, item_space, move_cell
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.reconstruct.counts import reconstruct_counts
from samskab_analysis.stats.comparisons import comparison_table, load_comparisons
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
        if prepare:
            self.prepare()
        else:
            self._freeze()

    def prepare(self) -> None:
        """The comparisons over every consistent table (seconds, once); fills the pairing cache as it goes."""
        if self.every_table is None:
            self.every_table = comparison_table(self.base, self.comparisons)
        self._freeze()

    @staticmethod
    def _freeze() -> None:
        """statsmodels' Holm calls gc.collect() on every call; freezing the long-lived objects made so far keeps
        that at a millisecond instead of ~60 ms (CPython's ``gc.freeze`` is meant for exactly this)."""
        gc.collect()
        gc.freeze()

    # --- the state ---------------------------------------------------------------------------------------

    def state(self) -> State:
        """The current tables as a hashable key."""
        return tuple((i, tuple(int(v) for v in t)) for i, t in self.tables.items())

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
        base = self.base.assumptions
        rows: list[dict[str, object]] = []
        written: set[str] = set()
        for item_id in [*dict.fromkeys(base["item_id"]), *self.tables]:
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
                for _, r in base[base["item_id"] == item_id].iterrows():
                    rows.append({c: r[c] for c in ASSUMPTION_COLUMNS})
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
        """The report's comparisons under the current tables (pairings unknown; Holm over the family)."""
        compared = set(self.comparisons["item_a"]) | set(self.comparisons["item_b"])
        key = tuple((i, t) for i, t in self.state() if i in compared)
        if key not in self._whatif:
            self._whatif[key] = comparison_table(self.study(), self.comparisons, over_assumptions=False)
        return self._whatif[key]

    def save(self, path: str | Path) -> Path:
        """Write :meth:`assumptions` as CSV to *path* (atomically); ``samskab reproduce --assumptions`` reads it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = self.assumptions().drop(columns=[LINE], errors="ignore")
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        frame.to_csv(partial, index=False, lineterminator="\n")
        os.replace(partial, path)
        return path
