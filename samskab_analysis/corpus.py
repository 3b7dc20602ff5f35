"""The rest of the corpus as data: study designs, frameworks, the survey-item crosswalk and activities.

Files live in ``data/raw/corpus/`` (see its README section in ``data/raw/README.md``):

* ``studies.csv`` / ``study_facts.csv`` — one row per study; its design numbers in long form
* ``timeline.csv`` — spans and points of the projects and follow-ups, built from study facts
* ``frameworks.csv`` — elements of the frameworks (Kirkpatrick, competence levels, development foci,
  Teece, 4P, Ulrich's typology) with definitions in our own words
* ``typology_positions.csv`` — where each of Ulrich's four types sits on the two axes
* ``crosswalk.csv`` — every survey item tagged with a Kirkpatrick level, partner and typology type
* ``activities.csv`` — activities the Norwegian report lists, coded inside/outside and by type

Every fact row names its source: a seed id (``000``–``004``) and a section heading.
Loaders validate with the helpers of :mod:`samskab_analysis.tables` and raise one
:class:`DataValidationError` listing every problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samskab_analysis.errors import Problem, raise_if
from samskab_analysis.instrument import Instrument, load_instrument
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.sensitivity import sensitivity_table
from samskab_analysis.study import Study
from samskab_analysis.tables import (
    LINE,
    check_allowed,
    check_parse,
    check_required_values,
    check_unique,
    parse_float,
    parse_int,
    read_table,
    source_of,
)

SEEDS = ("000", "001", "002", "003", "004")
SEPARATOR = "|"
PUBLISHED_STUDY = "norwegian_survey"
KIRKPATRICK = "kirkpatrick"
TYPOLOGY = "ulrich_typology"
INDEX_FAMILY = "kirkpatrick"
FACT_KINDS = ("stated", "derived")
ELEMENT_KINDS = ("level", "focus", "process_competence", "capability", "element", "axis", "pole", "type")
POSITION_BASES = ("described", "inferred")
LOCATIONS = ("inside", "outside")
STUDY_KINDS = ("evaluation_report", "article", "article_excerpt", "teaching_case", "survey_report")

STUDY_COLUMNS = (
    "study_id",
    "seed",
    "kind",
    "title",
    "project",
    "authors",
    "period",
    "country",
    "sector",
    "method",
    "frameworks",
    "source_section",
)
FACT_COLUMNS = ("study_id", "key", "value", "unit", "kind", "compare", "seed", "source_section")
TIMELINE_COLUMNS = ("event_id", "study_id", "start_key", "end_key", "label_da", "label_no", "label_en")
FRAMEWORK_COLUMNS = (
    "framework_id",
    "element_id",
    "order",
    "kind",
    "parent_id",
    "name_da",
    "name_no",
    "name_en",
    "definition_en",
    "seed",
    "source_section",
)
POSITION_COLUMNS = ("type_id", "axis_id", "pole_id", "basis", "rationale", "seed", "source_section")
CROSSWALK_COLUMNS = (
    "item_id",
    "kirkpatrick_level",
    "kirkpatrick_rationale",
    "partner_id",
    "typology_type",
    "typology_rationale",
    "seed",
    "source_section",
)
ACTIVITY_COLUMNS = ("activity_id", "name_da", "location", "typology_type", "coding_rationale", "seed", "source_section")
INDEX_COLUMNS = ("index_id", "family", "item_id", "label_da", "label_no", "label_en")
LABEL_COLUMNS = ("key", "da", "no", "en")


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


def parse_date(value: str) -> str:
    """Accept ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; return it unchanged."""
    parts = value.split("-")
    if len(parts) == 1 and len(value) == 4:
        dt.date(int(value), 1, 1)
    elif len(parts) == 2:
        dt.date(int(parts[0]), int(parts[1]), 1)
    else:
        dt.date.fromisoformat(value)
    return value


def date_bounds(value: str) -> tuple[dt.date, dt.date]:
    """First and last day covered by a date of year, month or day precision."""
    parts = [int(p) for p in parse_date(value).split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    day = dt.date(*parts)
    return day, day


def _problem(frame: pd.DataFrame, line: object, column: str, message: str, value: object = None, allowed=None):
    return Problem(file=source_of(frame), row=int(line), column=column, message=message, value=value, allowed=allowed)


def load_frameworks(path: str | Path) -> pd.DataFrame:
    """Load ``frameworks.csv``: unique elements, known kinds, parents inside the same framework."""
    frame = read_table(path, FRAMEWORK_COLUMNS, what="frameworks")
    problems = check_required_values(
        frame, ["framework_id", "element_id", "order", "kind", "name_da", "name_en", "definition_en", "seed"]
    )
    problems += check_unique(frame, ["framework_id", "element_id"])
    problems += check_parse(frame, "order", parse_int, "a whole number")
    problems += check_allowed(frame, "kind", ELEMENT_KINDS)
    problems += check_allowed(frame, "seed", SEEDS)
    ids = {(f, e) for f, e in zip(frame["framework_id"], frame["element_id"], strict=True)}
    for _, row in frame[frame["parent_id"] != ""].iterrows():
        if (row["framework_id"], row["parent_id"]) not in ids:
            allowed = sorted(e for f, e in ids if f == row["framework_id"])
            problems.append(
                _problem(frame, row[LINE], "parent_id", "unknown parent in this framework", row["parent_id"], allowed)
            )
    raise_if(problems)
    frame["order"] = frame["order"].map(parse_int)
    return frame


def load_studies(path: str | Path, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``studies.csv``; ``frameworks`` is a ``|``-list of framework ids (blank allowed)."""
    frame = read_table(path, STUDY_COLUMNS, what="studies")
    problems = check_required_values(frame, ["study_id", "seed", "kind", "title", "country", "method"])
    problems += check_unique(frame, ["study_id"])
    problems += check_unique(frame, ["seed"])
    problems += check_allowed(frame, "seed", SEEDS)
    problems += check_allowed(frame, "kind", STUDY_KINDS)
    known = sorted(set(frameworks["framework_id"]))
    for _, row in frame.iterrows():
        for fid in filter(None, (f.strip() for f in row["frameworks"].split(SEPARATOR))):
            if fid not in known:
                problems.append(_problem(frame, row[LINE], "frameworks", "unknown framework", fid, known))
    raise_if(problems)
    return frame.set_index("study_id", drop=False)


def _check_fact_value(frame: pd.DataFrame) -> list[Problem]:
    problems = []
    for _, row in frame.iterrows():
        parse, expected = (
            (parse_date, "a date YYYY, YYYY-MM or YYYY-MM-DD")
            if row["unit"] == "date"
            else (
                parse_float,
                "a number",
            )
        )
        try:
            parse(row["value"])
        except (TypeError, ValueError):
            problems.append(_problem(frame, row[LINE], "value", f"expected {expected}", row["value"]))
    return problems


def load_facts(path: str | Path, studies: pd.DataFrame) -> pd.DataFrame:
    """Load ``study_facts.csv`` (long: study x key); values parse as numbers or dates (unit ``date``)."""
    frame = read_table(path, FACT_COLUMNS, what="study facts")
    problems = check_required_values(frame, ["study_id", "key", "value", "unit", "kind", "seed", "source_section"])
    problems += check_unique(frame, ["study_id", "key"])
    problems += check_allowed(frame, "study_id", list(studies.index))
    problems += check_allowed(frame, "kind", FACT_KINDS)
    problems += check_allowed(frame, "seed", SEEDS)
    problems += _check_fact_value(frame)
    raise_if(problems)
    return frame


def load_timeline(path: str | Path, facts: pd.DataFrame) -> pd.DataFrame:
    """Load ``timeline.csv``; start/end keys must be date facts of the same study."""
    frame = read_table(path, TIMELINE_COLUMNS, what="timeline")
    problems = check_required_values(frame, ["event_id", "study_id", "start_key", "label_da", "label_en"])
    problems += check_unique(frame, ["event_id"])
    problems += check_allowed(frame, "study_id", sorted(set(facts["study_id"])))
    dates = facts[facts["unit"] == "date"]
    for _, row in frame.iterrows():
        allowed = sorted(dates.loc[dates["study_id"] == row["study_id"], "key"])
        for column in ("start_key", "end_key"):
            if row[column] and row[column] not in allowed:
                problems.append(
                    _problem(frame, row[LINE], column, f"not a date fact of {row['study_id']}", row[column], allowed)
                )
    raise_if(problems)
    return frame


def load_positions(path: str | Path, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``typology_positions.csv``: exactly one pole of each axis per type."""
    frame = read_table(path, POSITION_COLUMNS, what="typology positions")
    typology = frameworks[frameworks["framework_id"] == TYPOLOGY]
    types = list(typology.loc[typology["kind"] == "type", "element_id"])
    axes = list(typology.loc[typology["kind"] == "axis", "element_id"])
    poles = typology[typology["kind"] == "pole"]
    problems = check_required_values(frame, ["type_id", "axis_id", "pole_id", "basis", "rationale", "seed"])
    problems += check_unique(frame, ["type_id", "axis_id"])
    problems += check_allowed(frame, "type_id", types)
    problems += check_allowed(frame, "axis_id", axes)
    problems += check_allowed(frame, "basis", POSITION_BASES)
    problems += check_allowed(frame, "seed", SEEDS)
    for _, row in frame.iterrows():
        allowed = list(poles.loc[poles["parent_id"] == row["axis_id"], "element_id"])
        if row["axis_id"] in axes and row["pole_id"] not in allowed:
            problems.append(
                _problem(frame, row[LINE], "pole_id", f"not a pole of axis {row['axis_id']}", row["pole_id"], allowed)
            )
    present = set(zip(frame["type_id"], frame["axis_id"], strict=True))
    missing = [f"{t}/{a}" for t in types for a in axes if (t, a) not in present]
    if missing:
        problems.append(
            Problem(file=source_of(frame), message="types without a position on an axis: " + ", ".join(missing))
        )
    raise_if(problems)
    return frame


def _check_typology_column(frame: pd.DataFrame, column: str, rationale: str, types: list[str]) -> list[Problem]:
    problems = check_allowed(frame, column, types, optional=True)
    for _, row in frame.iterrows():
        if row[column] and not row[rationale]:
            problems.append(_problem(frame, row[LINE], rationale, f"a coded {column} needs a rationale"))
    return problems


def load_crosswalk(path: str | Path, instrument: Instrument, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``crosswalk.csv``: every survey item once, Kirkpatrick level, partner as in items.csv."""
    frame = read_table(path, CROSSWALK_COLUMNS, what="crosswalk")
    kp = frameworks[(frameworks["framework_id"] == KIRKPATRICK) & (frameworks["kind"] == "level")]
    typology = frameworks[(frameworks["framework_id"] == TYPOLOGY) & (frameworks["kind"] == "type")]
    problems = check_required_values(frame, ["item_id", "kirkpatrick_level", "kirkpatrick_rationale", "partner_id"])
    problems += check_unique(frame, ["item_id"])
    problems += check_allowed(frame, "item_id", instrument.item_ids)
    problems += check_allowed(frame, "kirkpatrick_level", list(kp.sort_values("order")["element_id"]))
    problems += check_allowed(frame, "partner_id", list(instrument.partners.index))
    problems += _check_typology_column(frame, "typology_type", "typology_rationale", list(typology["element_id"]))
    problems += check_allowed(frame, "seed", SEEDS)
    for _, row in frame.iterrows():
        if row["item_id"] in instrument.items.index and row["partner_id"] in instrument.partners.index:
            expected = instrument.items.at[row["item_id"], "partner_id"]
            if row["partner_id"] != expected:
                problems.append(
                    _problem(
                        frame,
                        row[LINE],
                        "partner_id",
                        f"differs from items.csv for {row['item_id']}",
                        row["partner_id"],
                        [expected],
                    )
                )
    missing = [i for i in instrument.item_ids if i not in set(frame["item_id"])]
    if missing:
        problems.append(
            Problem(file=source_of(frame), column="item_id", message="survey items missing: " + ", ".join(missing))
        )
    raise_if(problems)
    order = {item: i for i, item in enumerate(instrument.item_ids)}
    return frame.assign(_order=frame["item_id"].map(order)).sort_values("_order").drop(columns="_order")


def load_activities(path: str | Path, frameworks: pd.DataFrame) -> pd.DataFrame:
    """Load ``activities.csv``: location inside/outside, optional typology type with rationale."""
    frame = read_table(path, ACTIVITY_COLUMNS, what="activities")
    typology = frameworks[(frameworks["framework_id"] == TYPOLOGY) & (frameworks["kind"] == "type")]
    problems = check_required_values(frame, ["activity_id", "name_da", "location", "coding_rationale", "seed"])
    problems += check_unique(frame, ["activity_id"])
    problems += check_allowed(frame, "location", LOCATIONS)
    problems += _check_typology_column(frame, "typology_type", "coding_rationale", list(typology["element_id"]))
    problems += check_allowed(frame, "seed", SEEDS)
    raise_if(problems)
    return frame


def load_labels(path: str | Path) -> pd.DataFrame:
    """Load ``corpus/labels.csv`` (figure texts in da/no/en), indexed by key."""
    frame = read_table(path, LABEL_COLUMNS, what="corpus labels")
    problems = check_required_values(frame, list(LABEL_COLUMNS))
    problems += check_unique(frame, ["key"])
    raise_if(problems)
    return frame.set_index("key", drop=False)


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


# ---- tables -------------------------------------------------------------------------------------


def studies_table(corpus: Corpus) -> pd.DataFrame:
    """One line per study: id, seed, kind, period, country, frameworks."""
    cols = ["study_id", "seed", "kind", "period", "country", "frameworks"]
    return corpus.studies[cols].reset_index(drop=True)


def design_side_by_side(corpus: Corpus) -> pd.DataFrame:
    """Comparable design numbers (facts with a ``compare`` id), one column per study; ``-`` = not reported."""
    rows = corpus.facts[corpus.facts["compare"] != ""]
    order = list(dict.fromkeys(rows["compare"]))
    table = pd.DataFrame(index=order, columns=list(corpus.studies.index), dtype=object).fillna("-")
    for (compare, study_id), part in rows.groupby(["compare", "study_id"], sort=False):
        values = [
            v + ("" if u in ("date",) else f" {u}") + (" *" if k == "derived" else "")
            for v, u, k in zip(part["value"], part["unit"], part["kind"], strict=True)
        ]
        table.at[compare, study_id] = " - ".join(values)
    return table.rename_axis("compare").reset_index()


def timeline_frame(corpus: Corpus, lang: str = "da") -> pd.DataFrame:
    """Timeline events with first/last day, label in *lang* and whether any date is derived."""
    facts = corpus.facts.set_index(["study_id", "key"])
    records = []
    for _, row in corpus.timeline.iterrows():
        start_fact = facts.loc[(row["study_id"], row["start_key"])]
        end_fact = facts.loc[(row["study_id"], row["end_key"] or row["start_key"])]
        first, _ = date_bounds(str(start_fact["value"]))
        _, last = date_bounds(str(end_fact["value"]))
        label = row.get(f"label_{lang}", "") or row["label_da"]
        records.append(
            {
                "event_id": row["event_id"],
                "study_id": row["study_id"],
                "label": label,
                "start": str(start_fact["value"]),
                "end": str(end_fact["value"]),
                "first_day": first,
                "last_day": last,
                "derived": "derived" in (start_fact["kind"], end_fact["kind"]),
            }
        )
    return pd.DataFrame(records)


def framework_table(corpus: Corpus, framework_id: str, lang: str = "en") -> pd.DataFrame:
    """Elements of one framework: id, kind, parent, name in *lang*, definition, source."""
    rows = corpus.elements(framework_id)
    top = rows[rows["parent_id"] == ""]
    kinds = list(dict.fromkeys(top["kind"]))
    roots = {e: (kinds.index(k), o) for e, k, o in zip(top["element_id"], top["kind"], top["order"], strict=True)}
    rank = [
        (*roots[p], 1, o) if p else (*roots[e], 0, o)
        for e, p, o in zip(rows["element_id"], rows["parent_id"], rows["order"], strict=True)
    ]
    rows = rows.assign(_rank=rank).sort_values("_rank", kind="stable")
    return pd.DataFrame(
        {
            "element_id": rows["element_id"],
            "kind": rows["kind"],
            "parent": rows["parent_id"],
            "name": [corpus.name(framework_id, e, lang) for e in rows.index],
            "definition_en": rows["definition_en"],
            "source": rows["seed"] + " " + rows["source_section"],
        }
    ).reset_index(drop=True)


def quadrants(corpus: Corpus) -> pd.DataFrame:
    """Ulrich's types with the pole on each axis and whether any position is inferred."""
    pos = corpus.positions
    out = pos.pivot(index="type_id", columns="axis_id", values="pole_id")
    out["basis"] = pos.groupby("type_id")["basis"].agg(lambda b: "inferred" if "inferred" in set(b) else "described")
    out = out.reindex(corpus.typology_types)
    return out.rename_axis("type_id").reset_index().rename_axis(None, axis=1)


def crosswalk_table(corpus: Corpus, instrument: Instrument, lang: str = "da") -> pd.DataFrame:
    """The crosswalk with exhibit names, level and type names in *lang*."""
    cw = corpus.crosswalk
    return pd.DataFrame(
        {
            "exhibit": [instrument.exhibit_name(i, lang) for i in cw["item_id"]],
            "kirkpatrick": [corpus.name(KIRKPATRICK, lv, lang) for lv in cw["kirkpatrick_level"]],
            "partner": [instrument.partners.at[p, f"label_{lang}"] for p in cw["partner_id"]],
            "typology": [corpus.name(TYPOLOGY, t, lang) if t else "" for t in cw["typology_type"]],
            "rationale": cw["kirkpatrick_rationale"],
        }
    ).reset_index(drop=True)


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


def activities_table(corpus: Corpus, lang: str = "da") -> pd.DataFrame:
    """Activities with location and type name (blank = uncoded)."""
    act = corpus.activities
    return pd.DataFrame(
        {
            "activity": act["name_da"],
            "location": act["location"],
            "typology": [corpus.name(TYPOLOGY, t, lang) if t else "(uncoded)" for t in act["typology_type"]],
        }
    ).reset_index(drop=True)


def framework_items_table(study: Study, corpus: Corpus, lang: str = "da") -> pd.DataFrame:
    """Top-2-box per item grouped by Kirkpatrick level, with its range over consistent completions.

    For respondent-level data the range collapses to the observed value.  ``typology`` names the
    Ulrich type an item is tagged with in the crosswalk (blank otherwise).
    """
    top2 = sensitivity_table(study)
    top2 = top2[top2["statistic"] == "top2_share"].set_index("item_id")
    inst = study.instrument
    records = []
    for level in corpus.kirkpatrick_levels:
        part = corpus.crosswalk[corpus.crosswalk["kirkpatrick_level"] == level]
        for _, row in part.iterrows():
            item_id = row["item_id"]
            if item_id not in top2.index:
                continue
            records.append(
                {
                    "level_id": level,
                    "level": corpus.name(KIRKPATRICK, level, lang),
                    "item_id": item_id,
                    "exhibit": inst.exhibit_name(item_id, lang),
                    "N": int(study.item_counts(item_id)["count"].sum()),
                    "top2_pct": round(100 * float(top2.at[item_id, "default"]), 1),
                    "min_pct": round(100 * float(top2.at[item_id, "min"]), 1),
                    "max_pct": round(100 * float(top2.at[item_id, "max"]), 1),
                    "typology": corpus.name(TYPOLOGY, row["typology_type"], lang) if row["typology_type"] else "",
                }
            )
    return pd.DataFrame(records)
