"""The corpus as data: the :class:`Corpus` of validated tables, and its agreement with other data files.

The tables live in ``data/raw/corpus/`` and are loaded by :mod:`samskab_analysis.corpus.files`; printable
tables are built by :mod:`samskab_analysis.corpus.tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samskab_analysis.corpus.files import (
    ACTIVITY_COLUMNS,
    CROSSWALK_COLUMNS,
    ELEMENT_KINDS,
    FACT_COLUMNS,
    FACT_KINDS,
    FRAMEWORK_COLUMNS,
    KIRKPATRICK,
    LABEL_COLUMNS,
    LOCATIONS,
    POSITION_BASES,
    POSITION_COLUMNS,
    SEEDS,
    SEPARATOR,
    STUDY_COLUMNS,
    STUDY_KINDS,
    TIMELINE_COLUMNS,
    TYPOLOGY,
    date_bounds,
    load_activities,
    load_crosswalk,
    load_facts,
    load_frameworks,
    load_labels,
    load_positions,
    load_studies,
    load_timeline,
    parse_date,
)
from samskab_analysis.data.csv_reader import LINE, parse_float, source_of
from samskab_analysis.data.errors import Problem
from samskab_analysis.data.instrument import Instrument, load_instrument
from samskab_analysis.paths import DATA_DIR

__all__ = [
    "ACTIVITY_COLUMNS",
    "CROSSWALK_COLUMNS",
    "ELEMENT_KINDS",
    "FACT_COLUMNS",
    "FACT_KINDS",
    "FRAMEWORK_COLUMNS",
    "INDEX_COLUMNS",
    "INDEX_FAMILY",
    "KIRKPATRICK",
    "LABEL_COLUMNS",
    "LOCATIONS",
    "POSITION_BASES",
    "POSITION_COLUMNS",
    "PUBLISHED_STUDY",
    "SEEDS",
    "SEPARATOR",
    "STUDY_COLUMNS",
    "STUDY_KINDS",
    "TIMELINE_COLUMNS",
    "TYPOLOGY",
    "Corpus",
    "check_design_agreement",
    "check_index_rows",
    "corpus_dir",
    "date_bounds",
    "kirkpatrick_index_rows",
    "load_activities",
    "load_corpus",
    "load_crosswalk",
    "load_facts",
    "load_frameworks",
    "load_labels",
    "load_positions",
    "load_studies",
    "load_timeline",
    "parse_date",
]

PUBLISHED_STUDY = "norwegian_survey"
INDEX_FAMILY = "kirkpatrick"
INDEX_COLUMNS = ("index_id", "family", "item_id", "label_da", "label_no", "label_en")


@dataclass(frozen=True)
class Corpus:
    """All validated corpus tables."""

    studies: pd.DataFrame
    facts: pd.DataFrame
    timeline: pd.DataFrame
    frameworks: pd.DataFrame
    positions: pd.DataFrame
    crosswalk: pd.DataFrame
    activities: pd.DataFrame
    labels: pd.DataFrame

    def label(self, key: str, lang: str = "da") -> str:
        """A figure text from ``corpus/labels.csv`` in *lang* (the key itself when unknown)."""
        return str(self.labels.at[key, lang]) if key in self.labels.index else key

    def elements(self, framework_id: str, kind: str | None = None) -> pd.DataFrame:
        """Elements of one framework (optionally of one kind) in their order."""
        rows = self.frameworks[self.frameworks["framework_id"] == framework_id]
        if kind is not None:
            rows = rows[rows["kind"] == kind]
        return rows.sort_values(["order", "element_id"]).set_index("element_id", drop=False)

    def name(self, framework_id: str, element_id: str, lang: str = "da") -> str:
        """Element name in *lang*; Norwegian (and any missing name) falls back to Danish."""
        row = self.elements(framework_id).loc[element_id]
        value = str(row.get(f"name_{lang}", "") or "")
        return value if value else str(row["name_da"])

    def activity_names(self, lang: str = "da") -> pd.Series:
        """Each activity's name in *lang* (as the report names it in Danish; translated for no/en)."""
        column = f"name_{lang}" if f"name_{lang}" in self.activities.columns else "name_da"
        return self.activities[column]

    def fact(self, study_id: str, key: str) -> str:
        """The value (as text) of one study fact."""
        rows = self.facts[(self.facts["study_id"] == study_id) & (self.facts["key"] == key)]
        if rows.empty:
            raise KeyError(f"{study_id}/{key}")
        return str(rows["value"].iloc[0])

    @property
    def kirkpatrick_levels(self) -> list[str]:
        """Kirkpatrick level ids in order (reaction ... results)."""
        return list(self.elements(KIRKPATRICK, "level").index)

    @property
    def typology_types(self) -> list[str]:
        """Ulrich's four type ids in order."""
        return list(self.elements(TYPOLOGY, "type").index)


def corpus_dir(data_dir: str | Path = DATA_DIR) -> Path:
    """Folder holding the corpus tables."""
    return Path(data_dir) / "corpus"


def load_corpus(data_dir: str | Path = DATA_DIR, instrument: Instrument | None = None) -> Corpus:
    """Load and validate every corpus table from ``<data_dir>/corpus``."""
    base = corpus_dir(data_dir)
    instrument = instrument if instrument is not None else load_instrument(data_dir)
    frameworks = load_frameworks(base / "frameworks.csv")
    studies = load_studies(base / "studies.csv", frameworks)
    facts = load_facts(base / "study_facts.csv", studies)
    return Corpus(
        studies=studies,
        facts=facts,
        timeline=load_timeline(base / "timeline.csv", facts),
        frameworks=frameworks,
        positions=load_positions(base / "typology_positions.csv", frameworks),
        crosswalk=load_crosswalk(base / "crosswalk.csv", instrument, frameworks),
        activities=load_activities(base / "activities.csv", frameworks),
        labels=load_labels(base / "labels.csv"),
    )


def _same_value(a: str, b: str) -> bool:
    try:
        return parse_float(a) == parse_float(b)
    except ValueError:
        return a.strip() == b.strip()


def check_design_agreement(corpus: Corpus, design: pd.DataFrame, study_id: str = PUBLISHED_STUDY) -> list[Problem]:
    """Problems where ``published/design.csv`` and the corpus facts of *study_id* disagree (value or unit)."""
    facts = corpus.facts[corpus.facts["study_id"] == study_id].set_index("key")
    problems = []
    for _, row in design.iterrows():
        key = row["key"]
        where = f"{source_of(design)} vs {source_of(corpus.facts)}"
        if key not in facts.index:
            problems.append(
                Problem(file=where, row=int(row[LINE]), column="key", message="not in the corpus", value=key)
            )
            continue
        fact = facts.loc[key]
        if not _same_value(str(row["value"]), str(fact["value"])) or row["unit"] != fact["unit"]:
            problems.append(
                Problem(
                    file=where,
                    row=int(row[LINE]),
                    column="value",
                    message=f"{key}: design says {row['value']} {row['unit']}, "
                    f"corpus says {fact['value']} {fact['unit']}",
                )
            )
    return problems


def kirkpatrick_index_rows(corpus: Corpus) -> pd.DataFrame:
    """Rows for ``analysis/indices.csv`` (family ``kirkpatrick``) built from the crosswalk.

    One index per Kirkpatrick level that has items (``kirkpatrick_<level>``), items in survey order.
    """
    records = []
    for level in corpus.kirkpatrick_levels:
        items = corpus.crosswalk.loc[corpus.crosswalk["kirkpatrick_level"] == level, "item_id"]
        for item_id in items:
            records.append(
                {
                    "index_id": f"kirkpatrick_{level}",
                    "family": INDEX_FAMILY,
                    "item_id": item_id,
                    **{
                        f"label_{lang}": "Kirkpatrick: " + corpus.name(KIRKPATRICK, level, lang)
                        for lang in ("da", "no", "en")
                    },
                }
            )
    return pd.DataFrame(records, columns=list(INDEX_COLUMNS))


def check_index_rows(indices: pd.DataFrame, corpus: Corpus) -> list[Problem]:
    """Problems where the ``kirkpatrick`` rows of an indices table differ from :func:`kirkpatrick_index_rows`."""
    expected = kirkpatrick_index_rows(corpus)
    actual = indices.loc[indices["family"] == INDEX_FAMILY, list(INDEX_COLUMNS)].reset_index(drop=True)
    where = source_of(indices)
    want = {tuple(r) for r in expected.itertuples(index=False)}
    have = {tuple(r) for r in actual.itertuples(index=False)}
    problems = [
        Problem(file=where, message="kirkpatrick row missing (rebuild from crosswalk.csv)", value=",".join(r))
        for r in sorted(want - have)
    ]
    problems += [
        Problem(file=where, message="kirkpatrick row not in crosswalk.csv", value=",".join(r))
        for r in sorted(have - want)
    ]
    return problems
