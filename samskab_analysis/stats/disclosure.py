"""Statistical disclosure control: what ``--min-count k`` hides, in one place.

The rule, the same for the published study and for cohorts (``min_count`` = k > 0; 0 turns it off):

* **Primary suppression.** Every count below k is suppressed — zeros included: a zero is a count below k,
  and showing it could tell that every respondent gave one of the other answers.
* **Secondary suppression.** A distribution whose total is published (an item's N, a respondent count) has
  more suppressed cells until at least two are suppressed and together hold at least k respondents (the
  smallest shown cells first). Then no suppressed cell follows from N minus the shown cells.
* **Audit.** The suppressed cells of all items are then audited together (:mod:`samskab_analysis.stats.audit`):
  each must keep a feasible interval at least k wide given every published total and shown cell, else
  further cells are suppressed (:func:`protected_hidden`). This is the one protected base of a run: every
  table, figure and derived number reads its suppressed cells from :func:`hidden_mask`.
* **Derived numbers** are shown only when they can be computed from the protected base: a sum of cells when
  all its cells, or all the other cells of the item (through N), are shown (:func:`computable`); a mean,
  median, SD, test or interval when every cell it uses is shown.
* **Cross-item statistics** (paired comparisons, correlations, reliability, indices over several items) are
  shown only when their own joint table passes the rule: every combination of the items' answers
  ("don't know" and "no answer" included) held by at least k respondents (:func:`joint_table_passes`);
  otherwise they are withheld with a one-line reason. Individual scores (minimum, maximum, median, box plots
  of respondent scores) are never shown when k > 0.

Suppressed values print as :data:`SUPPRESSED`, primary and secondary alike (a different mark would tell
which cells are the small ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from math import prod

import pandas as pd

from samskab_analysis.data.count_table import NOT_REACHED
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.stats.audit import ProtectionError, Table, protect

SUPPRESSED = "suppressed"


def hidden_cells(counts: Sequence[int], min_count: int) -> list[bool]:
    """The rule for one distribution (its total published): primary, then secondary suppression.

    >>> hidden_cells([9, 3, 2], 3)  # "don't know" 2 is small; 3 goes too, else 14 - 9 - 3 gives it away
    [False, True, True]
    """
    values = [int(c) for c in counts]
    if min_count <= 0:
        return [False] * len(values)
    hide = [c < min_count for c in values]
    if not any(hide):
        return hide
    shown = sorted((c, i) for i, c in enumerate(values) if not hide[i])
    while shown and (sum(hide) < 2 or sum(c for c, h in zip(values, hide, strict=True) if h) < min_count):
        _, index = shown.pop(0)
        hide[index] = True
    return hide


@lru_cache(maxsize=64)
def _protected(tables: tuple[tuple[int, ...], ...], min_count: int) -> tuple[tuple[bool, ...], ...]:
    specs = [Table(str(t), tuple((t, j) for j in range(len(c))), c) for t, c in enumerate(tables)]
    try:
        hidden, _ = protect(specs, min_count, hidden_cells)
    except ProtectionError as err:  # pragma: no cover - the rule always leaves a protectable table
        raise DataValidationError(Problem(file="", message=f"disclosure control cannot protect: {err}")) from err
    return tuple(tuple((t, j) in hidden for j in range(len(c))) for t, c in enumerate(tables))


def protected_hidden(distributions: Sequence[Sequence[int]], min_count: int) -> list[list[bool]]:
    """Suppressed cells of several distributions (each with its total published), audited together.

    The rule (:func:`hidden_cells`) per distribution, then the linked-table audit adds cells until every
    suppressed cell has a feasible interval at least *min_count* wide.
    """
    if min_count <= 0:
        return [[False] * len(d) for d in distributions]
    key = tuple(tuple(int(c) for c in d) for d in distributions)
    return [list(flags) for flags in _protected(key, int(min_count))]


def hidden_mask(frame: pd.DataFrame, min_count: int, count: str = "count", by: str = "item_id") -> pd.Series:
    """Boolean per row of a long count table: the cell is suppressed (rows grouped into distributions by *by*).

    The one protected base: tables, figures and derived numbers all take their suppressed cells from here.
    """
    mask = pd.Series(False, index=frame.index)
    if min_count <= 0 or frame.empty:
        return mask
    groups = [part for _, part in frame.groupby(by, sort=False)]
    flags = protected_hidden([part[count].astype(int).tolist() for part in groups], min_count)
    for part, hide in zip(groups, flags, strict=True):
        mask.loc[part.index] = hide
    return mask


def hidden_items(frame: pd.DataFrame, min_count: int, count: str = "count", by: str = "item_id") -> set[str]:
    """Items (values of *by*) with at least one suppressed cell: their derived statistics are suppressed."""
    mask = hidden_mask(frame, min_count, count, by)
    return set(frame.loc[mask, by]) if mask.any() else set()


def hidden_categories(counts: pd.DataFrame, min_count: int) -> dict[str, set[str]]:
    """``{item_id: suppressed category ids}`` of a study's long count table (every item present)."""
    mask = hidden_mask(counts, min_count)
    out: dict[str, set[str]] = {str(i): set() for i in counts["item_id"].unique()}
    for item_id, category in counts.loc[mask, ["item_id", "category_id"]].itertuples(index=False):
        out[str(item_id)].add(str(category))
    return out


def computable(cells: Iterable[str], hidden: Iterable[str], categories: Iterable[str]) -> bool:
    """True when the sum of *cells* follows from the shown cells of an item and its N.

    That is when none of *cells* is suppressed, or none of the item's other *categories* is (N minus them).
    """
    cells, hidden = set(cells), set(hidden)
    others = set(categories) - cells
    return not (cells & hidden) or not (others & hidden)


def mask_rows(frame: pd.DataFrame, rows: pd.Series | Sequence[bool], columns: Iterable[str]) -> pd.DataFrame:
    """A copy of *frame* with *columns* (those present) shown as :data:`SUPPRESSED` on *rows*."""
    out = frame.copy()
    rows = pd.Series(list(rows), index=out.index).astype(bool)
    for column in columns:
        if column in out.columns and rows.any():
            out[column] = out[column].astype(object).where(~rows, SUPPRESSED)
    return out


def protect_columns(
    frame: pd.DataFrame, columns: Sequence[str], min_count: int, derived: Sequence[str] = ()
) -> pd.DataFrame:
    """Each row's *columns* form one distribution (its total known): suppress cells, and *derived* when any is."""
    if min_count <= 0 or frame.empty:
        return frame
    out = frame.copy()
    rows = [[int(v) for v in row] for row in frame[list(columns)].itertuples(index=False)]
    flags = protected_hidden(rows, min_count)
    for j, column in enumerate(columns):
        out = mask_rows(out, [f[j] for f in flags], [column])
    return mask_rows(out, [any(f) for f in flags], derived)


def protect_count_table(counts: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """A long count table (``data/processed/counts.csv``) with suppressed cells and their shares and ranges."""
    if min_count <= 0:
        return counts
    mask = hidden_mask(counts, min_count)
    return mask_rows(counts, mask, ["count", "share", "count_min", "count_max", "completions"])


def check_enough_respondents(n: int, min_count: int, source: str = "") -> None:
    """Refuse data with fewer respondents than *min_count*: not even N could be published."""
    if 0 < n < min_count:
        raise DataValidationError(
            Problem(
                file=source,
                message=f"only {n} respondents, fewer than --min-count {min_count}: nothing can be published",
            )
        )


#: Columns of an item summary (:func:`~samskab_analysis.stats.scoring.item_summary`) derived from its cells.
SUMMARY_DERIVED = (
    "n_scored",
    "n_not_scored",
    "top_box_count",
    "top_box_share",
    "mean_score",
    "median_score",
    "sd_score",
)


def derivable(counts: pd.DataFrame, min_count: int) -> dict[str, dict[str, bool]]:
    """Per item, which derived numbers the protected base allows (``counts`` with ``score``/``top_box``).

    ``scored`` (respondents with a score; also "answered"), ``top`` (top-2-box count and share), ``scores``
    (mean, median and SD: every scored cell shown), ``all`` (every cell shown).
    """
    hidden = hidden_categories(counts, min_count)
    out = {}
    for item_id, part in counts.groupby("item_id", sort=False):
        cats = [str(c) for c in part["category_id"]]
        scored = [str(c) for c, s in zip(part["category_id"], part["score"], strict=True) if pd.notna(s)]
        top = [str(c) for c, t in zip(part["category_id"], part["top_box"], strict=True) if bool(t)]
        gone = hidden[str(item_id)]
        out[str(item_id)] = {
            "scored": computable(scored, gone, cats),
            "top": computable(top, gone, cats),
            "scores": not (set(scored) & gone),
            "all": not gone,
        }
    return out


def protect_summary(
    summary: pd.DataFrame, counts: pd.DataFrame, min_count: int, columns=SUMMARY_DERIVED
) -> pd.DataFrame:
    """An item summary with each derived statistic shown only when the protected base gives it.

    *counts* is the study's count table with scale information (``score``, ``top_box``).
    """
    if min_count <= 0:
        return summary
    allowed = derivable(counts, min_count)
    needs = {
        "n_scored": "scored",
        "n_not_scored": "scored",
        "top_box_count": "top",
        "top_box_share": "top",
        "mean_score": "scores",
        "median_score": "scores",
        "sd_score": "scores",
    }
    out = summary
    for column in columns:
        key = needs.get(column, "all")
        rows = [not allowed.get(str(i), {}).get(key, False) for i in summary["item_id"]]
        out = mask_rows(out, rows, [column])
    if "n" in summary.columns:
        few = (pd.to_numeric(summary["n"], errors="coerce").fillna(0) < min_count).to_numpy()
        out = mask_rows(out, few, columns)
    return out


def joint_table_passes(responses: pd.DataFrame, items: Sequence[str], categories: dict[str, list[str]], k: int) -> bool:
    """True when every combination of the *items*' answers is given by at least *k* respondents.

    *categories* lists each item's answer categories (without ``no_answer``, which is added: a blank is an
    answer category here; so is ``not_reached`` when incomplete responses were kept). Combinations nobody
    gave are zeros, and zeros are counts below k.
    """
    if k <= 0:
        return True
    items = list(dict.fromkeys(items))
    # 'not reached' is a category of every item once any answer is (incomplete responses kept)
    unreached = (responses.astype("string") == NOT_REACHED).to_numpy(dtype=bool, na_value=False).any()
    missing = 2 if unreached else 1
    cells = prod(len(categories[i]) + missing for i in items)
    if len(responses) < k * cells:
        return False
    codes = responses[items].astype("string").fillna("").apply(lambda s: s.str.strip())
    combos = codes.value_counts(dropna=False)
    return len(combos) == cells and int(combos.min()) >= k


def study_categories(instrument) -> dict[str, list[str]]:
    """``{item_id: answer categories}`` of an instrument (``no_answer`` not included)."""
    return {i: list(instrument.item_categories(i)) for i in instrument.item_ids}

