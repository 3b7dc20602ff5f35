"""Several waves of the same questionnaire side by side: the published study and any number of cohorts.

Per item and wave the top-box share ("high" + "very high", or "yes") of all respondents with its exact
(Clopper-Pearson) 95 % interval; between consecutive waves an exact Mann-Whitney test of the scored answers
(:func:`~samskab_analysis.exact_tests.unpaired_test`, ties by mid-ranks), with Holm's correction over every
item and every consecutive pair of the run (one family); a table of what changed. With ``min_count`` a count
below it is shown as ``<k`` and its share, interval and change are not printed, in every wave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from statsmodels.stats.multitest import multipletests

from samskab_analysis.cohorts import expanded_scores, is_synthetic
from samskab_analysis.errors import DataValidationError, Problem
from samskab_analysis.exact_tests import unpaired_test
from samskab_analysis.intervals import proportion_interval
from samskab_analysis.paths import DATA_DIR, LANGS, resolve
from samskab_analysis.study import Study, load_study
from samskab_analysis.tables import read_table

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
    prefix = "SYNTHETIC " if is_synthetic(wave.study) else ""
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
    """Exact Mann-Whitney test per item between each pair of consecutive waves, Holm-corrected over all."""
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
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def plot_trends(waves: Sequence[Wave], shares: pd.DataFrame, lang: str = "da", min_count: int = 0) -> Figure:
    """One small panel per item: top-box share per wave with its exact interval (suppressed cells left out)."""
    from samskab_analysis.plotting import apply_style

    apply_style()
    text = load_wave_labels()
    instrument = waves[0].study.instrument
    items = instrument.item_ids
    ncols = 6
    nrows = int(np.ceil(len(items) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.0 * nrows + 1.0), sharey=True, sharex=True)
    x = np.arange(1, len(waves) + 1)
    for ax, item_id in zip(axes.flat, items, strict=False):
        rows = shares[shares["item_id"] == item_id].sort_values("wave_no")
        shown = rows[~rows["suppressed"]]
        ax.errorbar(
            shown["wave_no"],
            shown["share"],
            yerr=[shown["share"] - shown["ci_low"], shown["ci_high"] - shown["share"]],
            fmt="o-",
            color="#1f5f99",
            ecolor="#6fa8dc",
            capsize=3,
            markersize=4,
            linewidth=1,
        )
        for row in rows[rows["suppressed"]].itertuples():
            ax.text(row.wave_no, 0.5, f"<{min_count}", ha="center", va="center", fontsize=7, color="#7a7a7a")
        ax.set_title(instrument.exhibit_name(item_id, lang), fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_xlim(0.5, len(waves) + 0.5)
        ax.set_xticks(x)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(items) :]:
        ax.axis("off")
    legend = "   ".join(f"{k}: {wave_name(w, lang, text)}" for k, w in enumerate(waves, start=1))
    fig.suptitle(str(text.at["title", lang]), fontsize=10)
    fig.text(0.5, 0.01, legend, ha="center", va="bottom", fontsize=7.5)
    if any(is_synthetic(w.study) for w in waves):
        fig.text(0.99, 0.995, "SYNTHETIC DATA", ha="right", va="top", fontsize=10, color="#b8412e", weight="bold")
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return fig


def save_wave_figures(
    waves: Sequence[Wave], shares: pd.DataFrame, lang: str, also_langs: str, output_dir: str | Path, formats: str,
    min_count: int = 0,
) -> list[Path]:
    """Draw and save the trend figure in each language as ``waves_<lang>.<fmt>``."""
    from samskab_analysis.exhibits import split_list
    from samskab_analysis.plotting import save_figure

    out = resolve(output_dir) or Path(output_dir)
    paths = []
    for code in dict.fromkeys([lang, *split_list(also_langs)]):
        fig = plot_trends(waves, shares, code, min_count)
        paths += save_figure(fig, f"waves_{code}", out, split_list(formats))
        plt.close(fig)
    return paths


def default_wave_files(waves: str | None, responses: str | None) -> list[str]:
    """The notebook's wave files: *waves* when given, else the run's respondent file, else the SYNTHETIC example."""
    from samskab_analysis.cohorts import SYNTHETIC_EXAMPLE

    files = split_paths(waves)
    if files:
        return files
    return [str(responses)] if responses not in (None, "") else [SYNTHETIC_EXAMPLE]
