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

Every summary carries its N. With ``min_count`` > 0 (:mod:`samskab_analysis.stats.disclosure`) the answers
per item come from the protected count table, and every statistic over several items (indices,
reliability, correlations, paired tests) is shown only when the joint table of its items passes the rule
(every combination of answers held by at least k respondents), otherwise withheld with a one-line reason;
individual scores (min, median, max) are never shown. No function here returns respondent ids to print.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.data.count_table import NO_ANSWER, NOT_REACHED
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.paths import DATA_DIR, LANGS, check_lang
from samskab_analysis.stats.disclosure import (
    SUPPRESSED,
    computable,
    hidden_categories,
    joint_table_passes,
    mask_rows,
    protect_columns,
    study_categories,
)
from samskab_analysis.stats.registry import attach, cells_term, joint_term, n_term, public_term, public_text

#: The dataset name used in the terms of respondent-level tables when none is given.
RESPONDENTS = "responses"

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
        raw = responses[item_id].map(scores).astype(float)  # a dict: unscored and blank answers give NaN
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


def joint_withheld(
    responses: pd.DataFrame,
    instrument: Instrument,
    items: list[str],
    min_count: int,
    categories: dict[str, list[str]] | None = None,
) -> bool:
    """True when a statistic over *items* is withheld: their joint table does not pass the rule."""
    if min_count <= 0:
        return False
    return not joint_table_passes(responses, items, categories or study_categories(instrument), min_count)


def withheld_note(instrument: Instrument, items: list[str], min_count: int, lang: str) -> str:
    """The one-line reason of a withheld cross-item statistic, in *lang* (``labels.csv``)."""
    names = ", ".join(instrument.exhibit_name(i, lang) for i in dict.fromkeys(items))
    return instrument.label("withheld_joint", lang).format(items=names, k=min_count)


def withhold(
    frame: pd.DataFrame,
    groups: list[list[str]],
    columns: list[str],
    data: tuple[pd.DataFrame, Instrument, str],
    min_count: int,
    lang: str,
    terms: list[dict],
) -> pd.DataFrame:
    """Rows whose items' joint table fails the rule: *columns* suppressed and a ``note`` with the reason.

    *groups* are the items of each row, *data* the responses, instrument and dataset name; *terms* the
    record's other terms (a row shown adds a ``joint`` term).
    """
    responses, instrument, dataset = data
    withheld = [joint_withheld(responses, instrument, items, min_count) for items in groups]
    frame = mask_rows(frame, withheld, columns)
    notes = [withheld_note(instrument, items, min_count, lang) for items in groups]
    frame["note"] = [note if w else "" for note, w in zip(notes, withheld, strict=True)]
    terms = [*terms, *(joint_term(dataset, items) for items, w in zip(groups, withheld, strict=True) if not w)]
    return attach(frame, terms, min_count)


def answer_table(
    responses: pd.DataFrame, instrument: Instrument, lang: str = "en", min_count: int = 0, dataset: str = RESPONDENTS
) -> pd.DataFrame:
    """Per item: respondents, substantive answers, "don't know" and blanks, nothing dropped.

    With *min_count* > 0 each number comes from the protected count table: "don't know" and "no answer"
    are its cells, "answered" is shown when it follows from the shown cells (all substantive cells, or
    "don't know" and "no answer" through N).
    """
    from samskab_analysis.ingest.counts import counts_from_responses
    from samskab_analysis.ingest.responses import answer_summary

    check_lang(lang)
    kept = answer_summary(responses, instrument)
    kept.insert(1, "exhibit", [instrument.exhibit_name(i, lang) for i in kept["item_id"]])
    if min_count <= 0:
        return kept
    from samskab_analysis.data.count_table import with_scale_info

    counts = with_scale_info(counts_from_responses(responses, instrument), instrument)
    gone = hidden_categories(counts, min_count)
    ids = list(kept["item_id"])
    n = len(responses)
    terms = [n_term(dataset, n), public_term("labels")]
    columns = [c for c in ("answered", "dont_know", "no_answer", "not_reached") if c in kept.columns]
    groups, cats = {}, {}
    for item_id in ids:
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        cats[item_id] = [str(c) for c in counts.loc[counts["item_id"] == item_id, "category_id"]]
        groups[item_id] = {
            "answered": [str(c) for c in scale.index if bool(scale.at[c, "substantive"])],
            "dont_know": [str(c) for c in scale.index if not bool(scale.at[c, "substantive"])],
            "no_answer": [NO_ANSWER],
            "not_reached": [NOT_REACHED] if NOT_REACHED in cats[item_id] else [],
        }
    out = kept
    for column in columns:
        hide = [bool(groups[i][column]) and not computable(groups[i][column], gone[i], cats[i]) for i in ids]
        out = mask_rows(out, hide, [column])
    for row in out.to_dict("records"):
        for column in columns:
            cells = groups[row["item_id"]][column]
            if row[column] != SUPPRESSED and cells:
                terms.append(cells_term(dataset, row["item_id"], cells, int(row[column])))
            elif row[column] != SUPPRESSED and int(row[column]) != 0:  # a count of a category the table lacks
                raise ValueError(f"{row['item_id']}: {column} = {row[column]} has no cells in the count table")
    return attach(out, terms, min_count)


def index_summary(
    responses: pd.DataFrame,
    instrument: Instrument,
    indices: pd.DataFrame | None = None,
    lang: str = "en",
    min_count: int = 0,
    dataset: str = RESPONDENTS,
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
    frame = pd.DataFrame(rows)
    if min_count <= 0:
        return frame
    # individual scores never; the rest only when the joint table of the index's items passes the rule
    groups = [list(part["item_id"]) for _, part in defs.groupby("index_id", sort=False)]
    frame = mask_rows(frame, [True] * len(frame), ["min", "median", "max"])
    terms = [public_term("index definitions"), n_term(dataset, len(responses))]
    return withhold(frame, groups, ["n", "mean", "sd"], (responses, instrument, dataset), min_count, lang, terms)


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


def reliability(
    responses: pd.DataFrame, instrument: Instrument, lang: str = "en", min_count: int = 0, dataset: str = RESPONDENTS
) -> pd.DataFrame:
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
    if min_count <= 0:
        return frame
    groups = [i.split(",") for i in frame["items"]]
    data = (responses, instrument, dataset)
    return withhold(frame, groups, ["n_complete", "alpha"], data, min_count, lang, [public_term("levels, scales")])


def item_correlations(responses: pd.DataFrame, instrument: Instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spearman correlations between items (pairwise complete, at least 3 pairs) and the pair counts."""
    scores = item_scores(responses, instrument)
    present = scores.notna().astype(int)
    pairs = present.T @ present
    return spearman_matrix(scores, MIN_CORRELATION_N), pairs


def spearman_matrix(scores: pd.DataFrame, min_periods: int = MIN_CORRELATION_N) -> pd.DataFrame:
    """Spearman correlations of the columns on pairwise complete rows, from each pair's joint count table.

    Same values as ``scores.corr(method="spearman", min_periods=...)`` (mid-ranks for ties, NaN when a
    variable does not vary), but an item has only a handful of distinct scores, so each pair costs one
    ``bincount`` over the respondents instead of ranking them: linear in N.
    """
    codes, levels = {}, {}
    for column in scores.columns:
        values = scores[column].to_numpy(dtype=float)
        levels[column], inverse = np.unique(values[~np.isnan(values)], return_inverse=True)
        code = np.full(len(values), -1, dtype=np.int64)
        code[~np.isnan(values)] = inverse
        codes[column] = code
    columns = list(scores.columns)
    rho = np.full((len(columns), len(columns)), np.nan)
    for i, a in enumerate(columns):
        for j, b in enumerate(columns[: i + 1]):
            ka, kb = len(levels[a]), len(levels[b])
            both = (codes[a] >= 0) & (codes[b] >= 0)
            joint = np.bincount(codes[a][both] * kb + codes[b][both], minlength=ka * kb).reshape(ka, kb)
            rho[i, j] = rho[j, i] = _spearman_from_table(joint, min_periods)
    return pd.DataFrame(rho, index=scores.columns, columns=scores.columns)


def _spearman_from_table(joint: np.ndarray, min_periods: int) -> float:
    """Pearson correlation of the mid-ranks of a joint count table (rows: x's values, columns: y's)."""
    n = joint.sum()
    if n < max(min_periods, 1):
        return float("nan")
    rows, cols = joint.sum(axis=1), joint.sum(axis=0)
    rank_x = np.cumsum(rows) - (rows - 1) / 2  # mid-rank of each value of x
    rank_y = np.cumsum(cols) - (cols - 1) / 2
    dx, dy = rank_x - rows @ rank_x / n, rank_y - cols @ rank_y / n
    var_x, var_y = rows @ dx**2, cols @ dy**2
    if var_x <= 0 or var_y <= 0:
        return float("nan")
    return float(dx @ joint @ dy / np.sqrt(var_x * var_y))


def correlation_table(
    responses: pd.DataFrame,
    instrument: Instrument,
    min_count: int = 0,
    decimals: int = 2,
    dataset: str = RESPONDENTS,
) -> pd.DataFrame:
    """The correlation matrix for printing: rounded, blank where undefined, on fewer than 3 pairs or withheld."""
    rho, pairs = item_correlations(responses, instrument)
    shown = rho.round(decimals).astype(object)
    hidden = correlation_hidden(responses, instrument, rho, pairs, min_count)
    table = shown.where(~hidden, "")
    items = list(rho.index)
    terms = [public_term("item ids")]
    terms += [
        joint_term(dataset, [a, b])
        for i, a in enumerate(items)
        for b in items[i:]
        if not hidden.at[a, b]
    ]
    return attach(table, terms, min_count)


def correlation_hidden(
    responses: pd.DataFrame, instrument: Instrument, rho: pd.DataFrame, pairs: pd.DataFrame, min_count: int
) -> pd.DataFrame:
    """True where a correlation is not shown: undefined, too few pairs, or (with *min_count* > 0) its two
    items' joint table does not pass the rule."""
    hidden = rho.isna() | (pairs < MIN_CORRELATION_N)
    if min_count <= 0:
        return hidden
    items = list(rho.index)
    categories = study_categories(instrument)
    for i, a in enumerate(items):
        for b in items[i:]:
            if not hidden.at[a, b] and joint_withheld(responses, instrument, [a, b], min_count, categories):
                hidden.at[a, b] = hidden.at[b, a] = True
    return hidden


def correlation_note(
    responses: pd.DataFrame, instrument: Instrument, lang: str = "en", min_count: int = 0
) -> str:
    """The one-line reason under the correlation matrix (*min_count* > 0): how many of the item pairs are not
    shown. Counted over all pairs (the diagonal included), so it does not tell which correlations are
    undefined (an item whose answers do not vary)."""
    if min_count <= 0:
        return ""
    rho, pairs = item_correlations(responses, instrument)
    hidden = correlation_hidden(responses, instrument, rho, pairs, min_count).to_numpy()
    upper = np.triu(np.ones(rho.shape, dtype=bool))
    total, count = int(upper.sum()), int((hidden & upper).sum())
    text = instrument.label("withheld_correlations", lang).format(count=count, total=total, k=min_count)
    return public_text(text, min_count, "how many correlations are not shown")


def paired_comparisons(
    responses: pd.DataFrame,
    instrument: Instrument,
    comparisons: pd.DataFrame | None = None,
    min_count: int = 0,
    data_dir: str | Path = DATA_DIR,
    lang: str = "en",
    dataset: str = RESPONDENTS,
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
    frame = pd.DataFrame(rows)
    if min_count <= 0:
        return frame
    # a>b + a<b + a=b = n_pairs, the means and the tests are sums and functions of the two items' joint table
    pairs = [[a, b] for a, b in zip(frame["item_a"], frame["item_b"], strict=True)]
    numbers = ["n_pairs", "mean_a", "mean_b", "a>b", "a<b", "a=b", "sign_p", "wilcoxon_p", "wilcoxon_method"]
    data = (responses, instrument, dataset)
    return withhold(frame, pairs, numbers, data, min_count, lang, [public_term("comparisons.csv")])


def index_labels(indices: pd.DataFrame, lang: str) -> dict[str, str]:
    """``{index_id: label}`` in *lang*."""
    if f"label_{lang}" not in indices.columns:
        lang = LANGS[0]
    return dict(zip(indices["index_id"], indices[f"label_{lang}"], strict=True))
