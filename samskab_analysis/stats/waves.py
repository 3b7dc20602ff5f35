"""Several waves of the same questionnaire side by side: the published study and any number of cohorts.

Per item and wave the top-box share ("high" + "very high", or "yes") of all respondents with its exact
(Clopper-Pearson) 95 % interval; between consecutive waves a Mann-Whitney test of the scored answers
(:func:`~samskab_analysis.exact_tests.unpaired_test`, ties by mid-ranks: exact while cheap, the normal
approximation for large waves; column ``test`` says which), with Holm's correction over every
item and every consecutive pair of the run (one family); a table of what changed. With ``min_count`` a count
below it is shown as ``<k`` and its share, interval and change are not printed, in every wave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from samskab_analysis.data.csv_reader import read_table
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.paths import DATA_DIR, LANGS, resolve
from samskab_analysis.stats.cohorts import SYNTHETIC_EXAMPLE, expanded_scores, is_synthetic
from samskab_analysis.stats.exact_tests import unpaired_test
from samskab_analysis.stats.intervals import proportion_interval
from samskab_analysis.study import Study, load_study

PUBLISHED = "published"
LABELS_FILE = Path("analysis") / "waves_labels.csv"
ALPHA = 0.05


@dataclass(frozen=True)
class Wave:
    """One wave: its label and its study."""

    label: str
    study: Study


def split_paths(value: str | Sequence[str] | None) -> list[str]:
    """``a.csv|b.xlsx`` (or a list) -> the entries, blanks dropped."""
    if value is None:
        return []
    parts = value.split("|") if isinstance(value, str) else list(value)
    return [str(p).strip() for p in parts if str(p).strip()]


def load_waves(
    files: Sequence[str | Path],
    labels: Sequence[str] = (),
    *,
    data_dir: str | Path = DATA_DIR,
    include_published: bool = True,
    column_map: str | Path | None = None,
    sheet: str | None = None,
) -> list[Wave]:
    """The published study (first, unless excluded) and one wave per respondent file, in the order given.

    *labels* name the files' waves (default: the file stem); a file may also be ``published``.
    """
    files = [str(f) for f in files]
    if labels and len(labels) != len(files):
        raise DataValidationError(
            Problem(file="wave labels", message=f"{len(labels)} labels for {len(files)} wave files",
                    value="|".join(labels))
        )
    waves = [Wave(PUBLISHED, load_study(data_dir))] if include_published else []
    for k, name in enumerate(files):
        if name == PUBLISHED:
            waves.append(Wave(labels[k] if labels else PUBLISHED, load_study(data_dir)))
            continue
        path = resolve(name) or Path(name)
        study = load_study(data_dir, path, column_map=column_map, sheet=sheet)
        waves.append(Wave(labels[k] if labels else path.stem, study))
    seen = [w.label for w in waves]
    if len(set(seen)) != len(seen):
        raise DataValidationError(Problem(file="wave labels", message="two waves have the same label",
                                          value="|".join(seen)))
    return waves


def load_wave_labels(data_dir: str | Path | None = DATA_DIR) -> pd.DataFrame:
    """Figure and table text (``analysis/waves_labels.csv``) indexed by key."""
    return read_table(Path(data_dir or DATA_DIR) / LABELS_FILE, ("key", *LANGS), what="wave labels").set_index("key")


def wave_name(wave: Wave, lang: str, text: pd.DataFrame) -> str:
    """The wave's label, ``published`` translated, with N."""
    name = str(text.at["published", lang]) if wave.label == PUBLISHED else wave.label
    prefix = f"{text.at['synthetic_mark', lang]} " if is_synthetic(wave.study) else ""
    return f"{prefix}{name} (N = {wave.study.n})"


def top_count(study: Study, item_id: str) -> int:
    """Respondents in the item's top-box categories."""
    rows = study.item_counts(item_id)
    return int(rows.loc[rows["top_box"].astype(bool), "count"].sum())


def wave_shares(waves: Sequence[Wave], min_count: int = 0) -> pd.DataFrame:
    """Item x wave: n, top-box count, share and its exact 95 % interval (NaN where suppressed)."""
    rows = []
    for wave_no, wave in enumerate(waves, start=1):
        for item_id in wave.study.instrument.item_ids:
            n = wave.study.n
            count = top_count(wave.study, item_id)
            lo, hi = proportion_interval(count, n, "clopper-pearson", ALPHA)
            hidden = 0 < count < min_count or 0 < n - count < min_count
            rows.append(
                {
                    "item_id": item_id,
                    "wave_no": wave_no,
                    "wave": wave.label,
                    "n": n,
                    "top_count": count,
                    "share": np.nan if hidden else count / n,
                    "ci_low": np.nan if hidden else lo,
                    "ci_high": np.nan if hidden else hi,
                    "suppressed": hidden,
                }
            )
    return pd.DataFrame(rows)


def shares_table(shares: pd.DataFrame, min_count: int = 0) -> pd.DataFrame:
    """Printable shares: percent with interval, counts below *min_count* as ``<k``."""
    out = shares[["item_id", "wave", "n"]].copy()
    count = shares["top_count"].astype(object)
    out["top_count"] = count.where(~shares["suppressed"], f"<{min_count}")
    pct = shares.apply(
        lambda r: "suppressed" if r["suppressed"] else f"{100 * r['share']:.0f} [{100 * r['ci_low']:.0f}, "
        f"{100 * r['ci_high']:.0f}]",
        axis=1,
    )
    out["top_pct_95ci"] = pct
    return out


def consecutive_tests(waves: Sequence[Wave]) -> pd.DataFrame:
    """Mann-Whitney test per item between each pair of consecutive waves (size-chosen), Holm-corrected over all."""
    rows = []
    for a, b in zip(waves, waves[1:], strict=False):
        for item_id in a.study.instrument.item_ids:
            x, y = expanded_scores(a.study, item_id), expanded_scores(b.study, item_id)
            test = unpaired_test(x, y)
            rows.append(
                {
                    "item_id": item_id,
                    "from_wave": a.label,
                    "to_wave": b.label,
                    "n_from": len(x),
                    "n_to": len(y),
                    "mean_from": float(np.mean(x)) if len(x) else np.nan,
                    "mean_to": float(np.mean(y)) if len(y) else np.nan,
                    "mw_u": test["mannwhitney_u"],
                    "p": test["mannwhitney_p"],
                    "mw_method": test["mannwhitney_method"],
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table.assign(p_holm=[], significant=[])
    valid = table["p"].notna()
    table["p_holm"] = np.nan
    table["significant"] = False
    if valid.any():
        reject, adjusted, _, _ = multipletests(table.loc[valid, "p"], alpha=ALPHA, method="holm")
        table.loc[valid, "p_holm"] = adjusted
        table.loc[valid, "significant"] = reject
    return table


def changes(
    shares: pd.DataFrame, tests: pd.DataFrame, lang: str = "en", text: pd.DataFrame | None = None
) -> pd.DataFrame:
    """What changed between consecutive waves: share before/after (percentage points) and the Holm verdict."""
    text = text if text is not None else load_wave_labels()
    by = shares.set_index(["item_id", "wave"])
    rows = []
    for test in tests.itertuples():
        before, after = by.loc[(test.item_id, test.from_wave)], by.loc[(test.item_id, test.to_wave)]
        hidden = bool(before["suppressed"] or after["suppressed"])
        if not test.significant:
            verdict = text.at["no_change", lang]
        else:
            verdict = text.at["higher" if test.mean_to > test.mean_from else "lower", lang]
        rows.append(
            {
                "item_id": test.item_id,
                "from_wave": test.from_wave,
                "to_wave": test.to_wave,
                "top_pct_from": "suppressed" if hidden else f"{100 * before['share']:.0f}",
                "top_pct_to": "suppressed" if hidden else f"{100 * after['share']:.0f}",
                "diff_pp": "suppressed" if hidden else f"{100 * (after['share'] - before['share']):+.0f}",
                "p": f"{test.p:.3f}" if pd.notna(test.p) else "n/a",
                "p_holm": f"{test.p_holm:.3f}" if pd.notna(test.p_holm) else "n/a",
                "test": "exact" if str(test.mw_method).startswith("exact") else "asymptotic",
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def default_wave_files(waves: str | None, responses: str | None) -> list[str]:
    """The notebook's wave files: *waves* when given, else the run's respondent file, else the SYNTHETIC example."""
    files = split_paths(waves)
    if files:
        return files
    return [str(responses)] if responses not in (None, "") else [SYNTHETIC_EXAMPLE]
