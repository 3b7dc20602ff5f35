"""Statistical disclosure control: what ``--min-count k`` hides, in one place.

The rule, the same for the published study and for cohorts (``min_count`` = k > 0; 0 turns it off):

* **Primary suppression.** Every count below k is suppressed — zeros included: a zero is a count below k,
  and showing it could tell that every respondent gave one of the other answers.
* **Secondary suppression.** A distribution whose total is published (an item's N, a respondent count) has
  more suppressed cells until at least two are suppressed and together hold at least k respondents (the
  smallest shown cells first). Then no suppressed cell follows from N minus the shown cells.
* **Derived statistics** (shares, intervals, means, medians, top-2 shares, tests, correlations) of an item
  with any suppressed cell, or resting on fewer than k respondents, are suppressed too; individual scores
  (minimum, maximum, median, box plots of respondent scores) are never shown when k > 0.

Suppressed values print as :data:`SUPPRESSED`, primary and secondary alike (a different mark would tell
which cells are the small ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from samskab_analysis.data.errors import DataValidationError, Problem

SUPPRESSED = "suppressed"


def hidden_cells(counts: Sequence[int], min_count: int) -> list[bool]:
    """Which cells of one distribution (its total published) to suppress: primary, then secondary.

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


def hidden_mask(frame: pd.DataFrame, min_count: int, count: str = "count", by: str = "item_id") -> pd.Series:
    """Boolean per row of a long count table: the cell is suppressed (rows grouped into distributions by *by*)."""
    mask = pd.Series(False, index=frame.index)
    if min_count <= 0 or frame.empty:
        return mask
    for _, part in frame.groupby(by, sort=False):
        mask.loc[part.index] = hidden_cells(part[count].astype(int).tolist(), min_count)
    return mask


def hidden_items(frame: pd.DataFrame, min_count: int, count: str = "count", by: str = "item_id") -> set[str]:
    """Items (values of *by*) with at least one suppressed cell: their derived statistics are suppressed."""
    mask = hidden_mask(frame, min_count, count, by)
    return set(frame.loc[mask, by]) if mask.any() else set()


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
    flags = [hidden_cells([int(v) for v in row], min_count) for row in frame[list(columns)].itertuples(index=False)]
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


def protect_summary(
    summary: pd.DataFrame, counts: pd.DataFrame, min_count: int, columns=SUMMARY_DERIVED
) -> pd.DataFrame:
    """An item summary with the derived statistics of items that have a suppressed cell suppressed."""
    if min_count <= 0:
        return summary
    hidden = hidden_items(counts, min_count)
    rows = summary["item_id"].isin(hidden)
    if "n" in summary.columns:
        rows |= pd.to_numeric(summary["n"], errors="coerce").fillna(0) < min_count
    return mask_rows(summary, rows, columns)
