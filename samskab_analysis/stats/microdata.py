"""What respondent-level data allows beyond the published marginals: indices, reliability, correlations.

* **Item scores** - each answer on 0..1 as percent of maximum possible (POMP):
  ``(score - scale min) / (scale max - scale min)`` with the scores of ``scales.csv``
  (degree: 5..1, yes/no: 1/0). "Don't know" and blanks have no score.
* **Respondent indices** - per respondent the mean of the scored items of each index of
  ``data/raw/analysis/indices.csv`` (respondents without any scored item of an index get none).
* **Cronbach's alpha** per level for the items of that level sharing one numeric scale (at least two).
  Missing answers ("don't know", blank) are handled by *listwise deletion*: only respondents with a
  score on every item of the set enter; ``n_complete`` says how many. Alpha is not computed for fewer
  than 3 complete respondents or when the total score does not vary.
* **Spearman correlations** between items on pairwise complete respondents (at least 3 pairs).
* **Paired tests** for the item comparisons the report makes (``data/raw/analysis/comparisons.csv``)
  with :func:`samskab_analysis.comparisons.paired_tests` on respondents who scored both items.

Every summary carries its N; with ``min_count`` > 0, statistics resting on fewer respondents, statistics
of items with a suppressed cell and individual scores (min, median, max) are replaced by ``suppressed``
(:mod:`samskab_analysis.stats.disclosure`). No function here returns respondent ids to print.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.paths import DATA_DIR, LANGS, check_lang
from samskab_analysis.stats.disclosure import SUPPRESSED, hidden_cells, mask_rows, protect_columns

MIN_ALPHA_N = 3
MIN_CORRELATION_N = 3


def scale_scores(instrument: Instrument, item_id: str) -> dict[str, float]:
    """``{category id: score}`` of the scored categories of *item_id*'s scale."""
    scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
    scored = scale[scale["score"].notna()]
    return {str(c): float(s) for c, s in scored["score"].items()}


def item_scores(responses: pd.DataFrame, instrument: Instrument, *, pomp: bool = True) -> pd.DataFrame:
    """Respondent x item scores: POMP 0..1 (or the raw scale score); NaN for "don't know" and blank."""
    out = {}
    for item_id in [i for i in instrument.item_ids if i in responses.columns]:
        scores = scale_scores(instrument, item_id)
        low, high = min(scores.values()), max(scores.values())
        raw = responses[item_id].map(lambda v, s=scores: s.get(v, np.nan)).astype(float)
        out[item_id] = (raw - low) / (high - low) if pomp else raw
    return pd.DataFrame(out, index=responses.index)


def load_index_definitions(instrument: Instrument, data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """Index definitions (``data/raw/analysis/indices.csv``), validated by :mod:`samskab_analysis.stats.indices`."""
    from samskab_analysis.stats.indices import load_indices

    return load_indices(instrument, data_dir)


def respondent_indices(
    responses: pd.DataFrame, instrument: Instrument, indices: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Respondent x index: mean POMP of the respondent's scored items of each index (NaN when none)."""
    defs = indices if indices is not None else load_index_definitions(instrument)
    scores = item_scores(responses, instrument)
    out = {}
    for index_id, part in defs.groupby("index_id", sort=False):
        items = [i for i in part["item_id"] if i in scores.columns]
        out[index_id] = scores[items].mean(axis=1, skipna=True)
    return pd.DataFrame(out, index=responses.index)


def suppress(frame: pd.DataFrame, n_column: str, columns: list[str], min_count: int) -> pd.DataFrame:
    """Replace *columns* by ``suppressed`` where ``frame[n_column]`` is below *min_count* (0: no change)."""
    if min_count <= 0:
        return frame
    out = frame.copy()
    small = out[n_column] < min_count
    for column in columns:
        out[column] = out[column].astype(object).where(~small, SUPPRESSED)
    return out


def suppress_cells(
    frame: pd.DataFrame, columns: list[str], min_count: int, derived: list[str] | None = None
) -> pd.DataFrame:
    """Each row's *columns* are counts adding up to a known total: suppress them as
    :func:`~samskab_analysis.stats.disclosure.hidden_cells` says, and *derived* columns of rows with a
    suppressed cell (0: no change)."""
    return protect_columns(frame, columns, min_count, derived or ())


def hidden_response_items(responses: pd.DataFrame, instrument: Instrument, min_count: int) -> set[str]:
    """Items whose answer counts (every category, blanks included) have a suppressed cell."""
    if min_count <= 0:
        return set()
    hidden = set()
    for item_id in [i for i in instrument.item_ids if i in responses.columns]:
        column = responses[item_id]
        counts = [int((column == c).sum()) for c in instrument.item_categories(item_id)]
        counts.append(len(column) - sum(counts))  # blanks ("no answer")
        if any(hidden_cells(counts, min_count)):
            hidden.add(item_id)
    return hidden


def index_summary(
    responses: pd.DataFrame,
    instrument: Instrument,
    indices: pd.DataFrame | None = None,
    lang: str = "en",
    min_count: int = 0,
) -> pd.DataFrame:
    """Per index: its items, respondents with a score, mean, SD, min, median and max of respondent scores."""
    check_lang(lang)
    defs = indices if indices is not None else load_index_definitions(instrument)
    values = respondent_indices(responses, instrument, defs)
    rows = []
    for index_id, part in defs.groupby("index_id", sort=False):
        column = values[index_id].dropna()
        rows.append(
            {
                "index_id": index_id,
                "label": part[f"label_{lang}"].iloc[0],
                "items": len(part),
                "n": len(column),
                "mean": round(float(column.mean()), 3) if len(column) else np.nan,
                "sd": round(float(column.std(ddof=1)), 3) if len(column) > 1 else np.nan,
                "min": round(float(column.min()), 3) if len(column) else np.nan,
                "median": round(float(column.median()), 3) if len(column) else np.nan,
                "max": round(float(column.max()), 3) if len(column) else np.nan,
            }
        )
    frame = suppress(pd.DataFrame(rows), "n", ["mean", "sd", "min", "median", "max"], min_count)
    if min_count > 0:  # individual scores never; means only of indices without a suppressed item cell
        hidden = hidden_response_items(responses, instrument, min_count)
        revealing = [bool(set(part["item_id"]) & hidden) for _, part in defs.groupby("index_id", sort=False)]
        frame = mask_rows(frame, [True] * len(frame), ["min", "median", "max"])
        frame = mask_rows(frame, revealing, ["mean", "sd"])
        scored = values.notna().sum()
        frame = mask_rows(frame, [r or n < min_count for r, n in zip(revealing, scored, strict=True)], ["n"])
    return frame


def cronbach_alpha(scores: pd.DataFrame) -> tuple[float, int]:
    """Cronbach's alpha of the columns of *scores* on complete rows: ``(alpha, n_complete)``.

    ``alpha = k / (k - 1) * (1 - sum of item variances / variance of the total)`` with sample variances.
    NaN when fewer than 2 items or 3 complete rows, or when the total does not vary.
    """
    complete = scores.dropna()
    k, n = complete.shape[1], len(complete)
    if k < 2 or n < MIN_ALPHA_N:
        return float("nan"), n
    total_var = complete.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return float("nan"), n
    return float(k / (k - 1) * (1 - complete.var(ddof=1).sum() / total_var)), n


def reliability(responses: pd.DataFrame, instrument: Instrument, lang: str = "en", min_count: int = 0) -> pd.DataFrame:
    """Cronbach's alpha per level for each scale shared by at least two of the level's items (listwise)."""
    check_lang(lang)
    scores = item_scores(responses, instrument, pomp=False)
    items = instrument.items.loc[[i for i in instrument.item_ids if i in scores.columns]]
    rows = []
    for level_id in instrument.levels.sort_values("order").index:
        in_level = items[items["level_id"] == level_id]
        for scale_id, part in in_level.groupby("scale_id", sort=False):
            ids = list(part.index)
            if len(ids) < 2:
                continue
            alpha, n_complete = cronbach_alpha(scores[ids])
            rows.append(
                {
                    "level": instrument.levels.at[level_id, f"label_{lang}"],
                    "scale": scale_id,
                    "items": ",".join(ids),
                    "k": len(ids),
                    "n_complete": n_complete,
                    "alpha": round(alpha, 3) if np.isfinite(alpha) else np.nan,
                }
            )
    frame = pd.DataFrame(rows, columns=["level", "scale", "items", "k", "n_complete", "alpha"])
    frame = suppress(frame, "n_complete", ["alpha"], min_count)
    hidden = hidden_response_items(responses, instrument, min_count)
    return mask_rows(frame, [bool(set(i.split(",")) & hidden) for i in frame["items"]], ["n_complete", "alpha"])


def item_correlations(responses: pd.DataFrame, instrument: Instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spearman correlations between items (pairwise complete, at least 3 pairs) and the pair counts."""
    scores = item_scores(responses, instrument)
    present = scores.notna().astype(int)
    pairs = present.T @ present
    rho = scores.corr(method="spearman", min_periods=MIN_CORRELATION_N)
    return rho, pairs


def correlation_table(
    responses: pd.DataFrame, instrument: Instrument, min_count: int = 0, decimals: int = 2
) -> pd.DataFrame:
    """The correlation matrix for printing: rounded, blank where undefined or resting on < *min_count* pairs."""
    rho, pairs = item_correlations(responses, instrument)
    shown = rho.round(decimals).astype(object)
    return shown.where(~correlation_hidden(responses, instrument, rho, pairs, min_count), "")


def correlation_hidden(
    responses: pd.DataFrame, instrument: Instrument, rho: pd.DataFrame, pairs: pd.DataFrame, min_count: int
) -> pd.DataFrame:
    """True where a correlation is not shown: undefined, too few pairs, or an item with a suppressed cell."""
    hidden = rho.isna() | (pairs < max(min_count, MIN_CORRELATION_N))
    items = hidden_response_items(responses, instrument, min_count)
    if items:
        involved = pd.Series(rho.index.isin(list(items)), index=rho.index)
        hidden = hidden | pd.DataFrame(
            np.logical_or.outer(involved.to_numpy(), involved.to_numpy()), index=rho.index, columns=rho.columns
        )
    return hidden


def paired_comparisons(
    responses: pd.DataFrame,
    instrument: Instrument,
    comparisons: pd.DataFrame | None = None,
    min_count: int = 0,
    data_dir: str | Path = DATA_DIR,
) -> pd.DataFrame:
    """One row per comparison of ``comparisons.csv``: real pairs, mean scores, exact sign and Wilcoxon tests.

    Uses :func:`samskab_analysis.comparisons.paired_tests` on the scale scores of both items (respondents
    without a score on either item are dropped pairwise; zero differences are dropped by the tests).
    """
    from samskab_analysis.stats.comparisons import load_comparisons, paired_tests

    defs = comparisons if comparisons is not None else load_comparisons(instrument, data_dir)
    scores = item_scores(responses, instrument, pomp=False)
    rows = []
    for _, comp in defs.iterrows():
        a, b = comp["item_a"], comp["item_b"]
        both = scores[[a, b]].dropna()
        tests = paired_tests(scores[a].to_numpy(), scores[b].to_numpy())
        rows.append(
            {
                "comparison_id": comp["comparison_id"],
                "item_a": a,
                "item_b": b,
                "expected": comp.get("expected_direction", ""),
                "n_pairs": int(tests["n_pairs"]),
                "mean_a": round(float(both[a].mean()), 2) if len(both) else np.nan,
                "mean_b": round(float(both[b].mean()), 2) if len(both) else np.nan,
                "a>b": int(tests["n_positive"]),
                "a<b": int(tests["n_negative"]),
                "a=b": int(tests["n_zero"]),
                "sign_p": round(float(tests["sign_p"]), 4),
                "wilcoxon_p": round(float(tests["wilcoxon_p"]), 4),
                "wilcoxon_method": tests["wilcoxon_method"],
            }
        )
    frame = suppress_cells(pd.DataFrame(rows), ["a>b", "a<b", "a=b"], min_count, ["sign_p", "wilcoxon_p"])
    frame = suppress(frame, "n_pairs", ["mean_a", "mean_b", "sign_p", "wilcoxon_p"], min_count)
    if min_count <= 0:
        return frame
    hidden = hidden_response_items(responses, instrument, min_count)
    in_a, in_b = frame["item_a"].isin(hidden).to_numpy(), frame["item_b"].isin(hidden).to_numpy()
    few = (pd.to_numeric(frame["n_pairs"]) < min_count).to_numpy()
    frame = mask_rows(frame, in_a, ["mean_a"])
    frame = mask_rows(frame, in_b, ["mean_b"])
    return mask_rows(frame, few | in_a | in_b, ["n_pairs"])  # N minus the pairs counts the blanks


def index_labels(indices: pd.DataFrame, lang: str) -> dict[str, str]:
    """``{index_id: label}`` in *lang*."""
    if f"label_{lang}" not in indices.columns:
        lang = LANGS[0]
    return dict(zip(indices["index_id"], indices[f"label_{lang}"], strict=True))
