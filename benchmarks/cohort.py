"""A large SYNTHETIC cohort for the growth benchmark (seeded, byte-stable, vectorised).

    python benchmarks/cohort.py 100000 /tmp/cohort_100000.csv

Plain UTF-8 CSV, one row per respondent: ``respondent_id``, a survey-export ``StartDate`` column and one
column per item with the instrument's Norwegian labels in mixed letter case, the odd stray space, some
"vet ikke" and some blanks. The answers follow the one-factor model of ``scripts/make_example_cohort.py``
(a latent "co-creation climate" per respondent raises all of their answers). Nothing comes from real people.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from samskab_analysis.data.instrument import Instrument, load_instrument  # noqa: E402

SEED = 20261127
P_DONT_KNOW = 0.06
P_BLANK = 0.05
DEGREE = {5: "very_high", 4: "high", 3: "some", 2: "low", 1: "not_at_all"}


def cohort_frame(n: int, instrument: Instrument, seed: int = SEED) -> pd.DataFrame:
    """*n* synthetic respondents as text cells (Norwegian labels), the file's columns in order."""
    rng = np.random.default_rng(seed)
    climate = rng.normal(0.0, 1.0, size=n)
    base = pd.Timestamp("2025-03-03 08:00")
    minutes = np.sort(rng.integers(0, 14 * 24 * 60, size=n))
    columns: dict[str, object] = {
        "respondent_id": [f"SYN-{i:06d}" for i in range(1, n + 1)],
        "StartDate": (base + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%d %H:%M"),
    }
    for item_id in instrument.item_ids:
        scale_id = instrument.items.at[item_id, "scale_id"]
        labels = instrument.scale_rows(scale_id)["label_no"]
        noise = rng.normal(0.0, 0.8, size=n)
        if scale_id == "degree5":
            level = np.clip(np.rint(3.3 + 0.9 * climate + noise), 1, 5).astype(int)
            category = np.array([DEGREE[k] for k in range(1, 6)], dtype=object)[level - 1]
        else:
            category = np.where(climate + noise > -0.3, "yes", "no").astype(object)
        special = rng.random(size=n)
        category[special < P_DONT_KNOW + P_BLANK] = "dont_know"
        text = labels.reindex(category).to_numpy(dtype=object, copy=True)
        text[(special >= P_DONT_KNOW) & (special < P_DONT_KNOW + P_BLANK)] = ""
        casing = rng.integers(4, size=n)
        series = pd.Series(text, dtype=object)
        text = np.where(casing == 2, series.str.upper(), np.where(casing == 3, series.str.capitalize(), text))
        spot = rng.random(size=n)
        text = np.where((spot < 0.1) & (text != ""), " " + text.astype(str), text)
        columns[item_id] = text
    return pd.DataFrame(columns)


def write_cohort(n: int, path: Path, data_dir: Path | None = None, seed: int = SEED) -> Path:
    """Write the cohort of *n* respondents to *path* (UTF-8 CSV, LF line ends)."""
    instrument = load_instrument(data_dir or REPO / "data" / "raw")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cohort_frame(n, instrument, seed).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_cohort(int(sys.argv[1]), Path(sys.argv[2])))
