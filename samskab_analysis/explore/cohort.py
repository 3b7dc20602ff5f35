"""A cohort's respondent-level data in the explorer: subgroups, with the disclosure rule on every shown number.

A subgroup is the respondents with one value in a metadata column (:func:`~samskab_analysis.ingest.metadata.
respondent_metadata`) or one answer to an item.  With ``min_count`` = k > 0 a subgroup is shown only when it and
the rest of the file both have at least k respondents (else the whole file minus the subgroup would tell what
the subgroup hides); within it every table, figure, comparison and sentence applies
:mod:`samskab_analysis.stats.disclosure` (cells below k and the cells that would reveal them, and the statistics
of an item with a suppressed cell).  The linked-table audit across all shown subgroups belongs to the run's
disclosure control, not here.

Fast subgroups: every item's answers are coded once (category position, ``no_answer`` last); a filter's values
are coded once, and one ``np.bincount`` over (value, answer) codes gives the count table of every subgroup of
that filter at once -- the same rows :func:`~samskab_analysis.ingest.counts.counts_from_responses` gives
(tested).  A subgroup's study keeps its respondents' answers (the comparisons use the observed pairs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.count_table import NO_ANSWER
from samskab_analysis.ingest.metadata import respondent_metadata
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.stats.comparisons import comparison_table, load_comparisons
from samskab_analysis.stats.disclosure import check_enough_respondents
from samskab_analysis.study import Study, load_study

#: a metadata column is offered as a subgroup filter when it has between 2 and this many distinct values
MAX_LEVELS = 30

ALL = ("", "")


@dataclass(frozen=True)
class Subgroup:
    """A subgroup's study (None when too small to show), its size and the size of the rest of the file."""

    study: Study | None
    n: int
    rest: int


class Cohort:
    """The explorer over a respondent file (see the module docstring)."""

    def __init__(
        self,
        responses: str | Path,
        data_dir: str | Path = DATA_DIR,
        *,
        column_map: str | Path | None = None,
        sheet: str | None = None,
        min_count: int = 0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.min_count = int(min_count)
        self.study = load_study(self.data_dir, responses, column_map=column_map, sheet=sheet)
        check_enough_respondents(self.study.n, self.min_count, str(responses))
        self.metadata = respondent_metadata(
            responses, self.study.instrument, column_map=column_map, sheet=sheet, data_dir=self.data_dir
        ).reindex(self.study.responses.index)
        self.comparisons = load_comparisons(self.study.instrument, self.data_dir)
        self._groups: dict[tuple[str, str], Subgroup] = {}
        self._tables: dict[tuple[str, str], pd.DataFrame] = {}
        self._answer_codes, self._rows = self._code_answers()
        self._filter_codes: dict[str, np.ndarray] = {}
        self._filter_counts: dict[str, np.ndarray] = {}

    def _code_answers(self) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray, int]]]:
        """Per item in the count table: (each respondent's answer as its position among the item's categories
        then ``no_answer``, -1 for a value that is neither; and the item's rows in ``study.counts``, the answer
        code each row counts, the number of codes)."""
        codes, where = {}, {}
        items = self.study.counts["item_id"].to_numpy()
        for item_id in dict.fromkeys(items):
            categories = [*self.study.instrument.item_categories(item_id), NO_ANSWER]
            answers = self.study.responses[item_id].astype("string").fillna("").str.strip()
            answers = answers.where(answers != "", NO_ANSWER)
            codes[item_id] = pd.Index(categories).get_indexer(answers).astype(np.int64)
            rows = np.flatnonzero(items == item_id)
            cats = self.study.counts["category_id"].to_numpy()[rows]
            order = np.array([categories.index(c) for c in cats], dtype=np.int64)
            where[item_id] = (rows, order, len(categories))
        return codes, where

    def item_key(self, item_id: str, key: str = "", value: str = "") -> tuple[str, str, str, str]:
        """What *item_id*'s own outputs in the subgroup *key* = *value* depend on (for a cache)."""
        return ("cohort", key, value, item_id)

    def metadata_columns(self) -> list[str]:
        """Metadata columns usable as filters: 2 to :data:`MAX_LEVELS` (at most N / 2) distinct non-blank values."""
        out = []
        for column in self.metadata.columns:
            levels = self.metadata[column][self.metadata[column] != ""].nunique()
            if 2 <= levels <= min(MAX_LEVELS, len(self.metadata) // 2):
                out.append(column)
        return out

    def values(self, key: str) -> list[str]:
        """The values a filter *key* (``meta:<column>`` or ``item:<item_id>``) can take, in a stable order."""
        kind, name = key.split(":", 1)
        if kind == "meta":
            column = self.metadata[name]
            return sorted(set(column[column != ""]))
        return [*self.study.instrument.item_categories(name), NO_ANSWER]

    def mask(self, key: str, value: str) -> pd.Series:
        """Which respondents are in the subgroup *key* = *value* (everyone when *key* is empty)."""
        if not key:
            return pd.Series(True, index=self.study.responses.index)
        values = self.values(key)
        code = values.index(value) if value in values else -2
        return pd.Series(self.filter_codes(key) == code, index=self.study.responses.index)

    def filter_codes(self, key: str) -> np.ndarray:
        """Each respondent's position in :meth:`values` of the filter *key* (-1: blank or none of them)."""
        if key not in self._filter_codes:
            kind, name = key.split(":", 1)
            if kind == "meta":
                column = self.metadata[name].astype(str)
            else:
                column = self.study.responses[name].astype("string").fillna("").str.strip()
                column = column.where(column != "", NO_ANSWER)
            self._filter_codes[key] = pd.Index(self.values(key)).get_indexer(column).astype(np.int64)
        return self._filter_codes[key]

    def filter_counts(self, key: str) -> np.ndarray:
        """Count of every row of ``study.counts`` in every subgroup of *key*: shape (values, rows), one
        ``np.bincount`` per item over (value, answer) codes."""
        if key not in self._filter_counts:
            groups = self.filter_codes(key)
            n_values = len(self.values(key))
            out = np.zeros((n_values, len(self.study.counts)), dtype=np.int64)
            inside = groups >= 0
            for item_id, answers in self._answer_codes.items():
                rows, codes, k = self._rows[item_id]
                ok = inside & (answers >= 0)
                table = np.bincount(groups[ok] * k + answers[ok], minlength=n_values * k).reshape(n_values, k)
                out[:, rows] = table[:, codes]
            self._filter_counts[key] = out
        return self._filter_counts[key]

    def group_counts(self, key: str, value: str) -> pd.DataFrame:
        """The count table of the subgroup *key* = *value*: ``study.counts`` with its counts, N and shares."""
        values = self.values(key)
        counts = self.study.counts.copy()
        counts["count"] = self.filter_counts(key)[values.index(value)]
        totals = counts.groupby("item_id", sort=False)["count"].transform("sum")
        counts["n"] = totals.astype(int)
        counts["share"] = (counts["count"] / totals).where(totals > 0, np.nan)
        return counts

    def subgroup(self, key: str = "", value: str = "") -> Subgroup:
        """The subgroup's study (cached); ``study`` is None when it or the rest has fewer than ``min_count``."""
        if (key, value) not in self._groups:
            mask = self.mask(key, value)
            n, rest = int(mask.sum()), int((~mask).sum())
            small = self.min_count > 0 and (n < self.min_count or 0 < rest < self.min_count)
            if n == 0 or small:
                self._groups[(key, value)] = Subgroup(None, n, rest)
            elif not key:
                self._groups[(key, value)] = Subgroup(self.study, n, rest)
            else:
                answers = self.study.responses[mask.to_numpy()]
                counts = self.group_counts(key, value)
                study = Study(self.study.instrument, counts, label=self.study.label, n=n, responses=answers)
                self._groups[(key, value)] = Subgroup(study, n, rest)
        return self._groups[(key, value)]

    def comparison_table(self, key: str = "", value: str = "") -> pd.DataFrame:
        """The report's comparisons on the subgroup's observed pairs (cached)."""
        if (key, value) not in self._tables:
            group = self.subgroup(key, value)
            self._tables[(key, value)] = (
                comparison_table(group.study, self.comparisons) if group.study is not None else pd.DataFrame()
            )
        return self._tables[(key, value)]


def check_min_count(n: int, min_count: int, source: str) -> None:
    """Refuse a file with fewer respondents than *min_count* (one message, as the runner does)."""
    check_enough_respondents(n, min_count, source)
