"""Other readings of the report's words, and what they change.

Some statements name their categories only through our reading of the prose: "i forskellige grader" (in
varying degrees, S09a, S12a, S13a) is read as some + high + very high, but "low" is a degree too.  Each
alternative reading is a set of rows in ``data/raw/analysis/readings.csv`` (``reading_id``, ``statement_id``,
the categories under that reading, its label in da/no/en).  A statement with an alternative reading is an
*interpretation*: tables, figure brackets and the claims ledger say so next to its number, and
:func:`reading_verdicts` gives the comparisons' verdicts under every reading (over every consistent table,
so no assumed cell is needed: the default tables may not even be consistent with another reading).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import LINE, check_allowed, check_required_values, read_table
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.paths import DATA_DIR, LANGS
from samskab_analysis.stats.indices import analysis_dir
from samskab_analysis.study import Study

READING_COLUMNS = ("reading_id", "statement_id", "categories", *(f"label_{lang}" for lang in LANGS))
AS_READ = "as_read"
SEPARATOR = "|"


def load_readings(study: Study, data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """The alternative readings (one row per reading x statement); empty for respondent-level data.

    Statements must exist and categories belong to the statement's item (errors name file, row, column).
    ``categories`` becomes a tuple.
    """
    path = analysis_dir(data_dir) / "readings.csv"
    if study.statements is None or not path.exists():
        return pd.DataFrame(columns=list(READING_COLUMNS))
    frame = read_table(path, READING_COLUMNS, what="readings")
    problems = check_required_values(frame, list(READING_COLUMNS))
    problems += check_allowed(frame, "statement_id", list(study.statements.index))
    for _, row in frame.iterrows():
        if row["statement_id"] not in study.statements.index:
            continue
        item = study.statements.at[row["statement_id"], "item_id"]
        allowed = study.instrument.item_categories(item)
        for category in str(row["categories"]).split(SEPARATOR):
            if category.strip() not in allowed:
                message = f"not a category of {item}"
                problems.append(Problem(file=str(path), row=int(row[LINE]), column="categories", message=message,
                                        value=category, allowed=allowed))  # fmt: skip
    raise_if(problems)
    frame["categories"] = frame["categories"].map(lambda v: tuple(c.strip() for c in v.split(SEPARATOR)))
    return frame


def interpreted_statements(readings: pd.DataFrame) -> dict[str, list[str]]:
    """statement id -> the reading ids that read it otherwise."""
    out: dict[str, list[str]] = {}
    for _, row in readings.iterrows():
        out.setdefault(str(row["statement_id"]), []).append(str(row["reading_id"]))
    return out


def reading_label(readings: pd.DataFrame, reading_id: str, lang: str = "en") -> str:
    """The label of *reading_id* in *lang* ('' for the reading as shipped)."""
    rows = readings[readings["reading_id"] == reading_id]
    return str(rows.iloc[0][f"label_{lang}"]) if len(rows) else ""


def study_under_reading(study: Study, readings: pd.DataFrame, reading_id: str) -> Study:
    """*study* with the statements of *reading_id* read otherwise (counts unchanged: use only statistics that
    range over every consistent table, e.g. :func:`samskab_analysis.stats.sensitivity.item_completions`)."""
    if reading_id == AS_READ:
        return study
    statements = study.statements.copy()
    for _, row in readings[readings["reading_id"] == reading_id].iterrows():
        statements.at[row["statement_id"], "categories"] = row["categories"]
    return dataclasses.replace(study, statements=statements)


def reading_count_range(study: Study, readings: pd.DataFrame, reading_id: str, item_id: str,
                        categories: tuple[str, ...]) -> tuple[int, int]:  # fmt: skip
    """Smallest and largest head count of *categories* over the tables consistent under *reading_id*."""
    from samskab_analysis.stats.sensitivity import set_count_range

    return set_count_range(study_under_reading(study, readings, reading_id), item_id, categories)


def reading_verdicts(study: Study, comparisons: pd.DataFrame, readings: pd.DataFrame, alpha: float = 0.05,
                     lang: str = "en") -> pd.DataFrame:  # fmt: skip
    """The comparisons' verdicts under the reading as shipped and under every alternative reading.

    One row per reading x comparison: reading_id, reading (label in *lang*), comparison_id, completions
    (combinations of the two items' consistent tables), verdict, tables_holds, sign_p_min_attainable
    (either direction), sign_p_min_claimed (the claimed direction), sign_p_minmax, holm_p_best.
    Holm's family is the whole set of comparisons under the same reading.
    """
    from samskab_analysis.stats.comparisons import family_verdicts
    from samskab_analysis.stats.pairings import pairing_evidence
    from samskab_analysis.stats.sensitivity import item_completions

    if not study.is_published:
        return pd.DataFrame()
    frames = []
    for reading_id in [AS_READ, *dict.fromkeys(readings["reading_id"])]:
        variant = study_under_reading(study, readings, reading_id)
        rows, evidence, combos = [], [], []
        for _, c in comparisons.iterrows():
            ev = pairing_evidence(variant, c["item_a"], c["item_b"])
            if ev is None:
                continue
            rows.append({"comparison_id": c["comparison_id"], "expected": c["expected_direction"],
                         "pairing": "unknown"})  # fmt: skip
            evidence.append(ev)
            combos.append(len(item_completions(variant, c["item_a"])) * len(item_completions(variant, c["item_b"])))
        verdicts = family_verdicts(rows, evidence, alpha)
        label = reading_label(readings, reading_id, lang) if reading_id != AS_READ else ""
        for row, v, n in zip(rows, verdicts, combos, strict=True):
            frames.append({"reading_id": reading_id, "reading": label, "comparison_id": row["comparison_id"],
                           "completions": n, "verdict": v["verdict"], "tables_holds": v["tables_holds"],
                           "sign_p_min_attainable": v["sign_p_min_attainable"],
                           "sign_p_min_claimed": v["sign_p_min_claimed"], "sign_p_minmax": v["sign_p_minmax"],
                           "holm_p_best": v["holm_p_best"]})  # fmt: skip
    return pd.DataFrame(frames)
