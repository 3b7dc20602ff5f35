"""Printable tables of the corpus: studies, design numbers side by side, timeline, frameworks, crosswalk."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from samskab_analysis.corpus.files import KIRKPATRICK, TYPOLOGY, date_bounds
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.data.labels import VALUES_FILE, label_table, value_label
from samskab_analysis.stats.sensitivity import sensitivity_table

if TYPE_CHECKING:
    from samskab_analysis.corpus.model import Corpus
    from samskab_analysis.study import Study


def in_lang(frame: pd.DataFrame, column: str, lang: str) -> pd.Series:
    """``<column>_<lang>`` where the file fills it in (English data columns end in ``_en`` or have no suffix)."""
    base = column[: -len("_en")] if column.endswith("_en") else column
    local = f"{base}_{lang}"
    if local in frame.columns and local != column:
        return frame[local].where(frame[local] != "", frame[column])
    return frame[column]


def studies_table(corpus: Corpus, lang: str = "en") -> pd.DataFrame:
    """One line per study: id, seed, kind, period, country, frameworks (ids: a reader's table translates them)."""
    cols = ["study_id", "seed", "kind", "period", "country", "frameworks"]
    return corpus.studies[cols].reset_index(drop=True)


def design_side_by_side(corpus: Corpus, lang: str = "en") -> pd.DataFrame:
    """Comparable design numbers (facts with a ``compare`` id), one column per study; ``-`` = not reported.

    Units are written in *lang* (``data/raw/site/values.csv``).
    """
    words = {k: v[lang] for k, v in label_table(VALUES_FILE).items()}
    rows = corpus.facts[corpus.facts["compare"] != ""]
    order = list(dict.fromkeys(rows["compare"]))
    table = pd.DataFrame(index=order, columns=list(corpus.studies.index), dtype=object).fillna("-")
    for (compare, study_id), part in rows.groupby(["compare", "study_id"], sort=False):
        values = [
            v + ("" if u in ("date",) else f" {words.get(u, u)}") + (" *" if k == "derived" else "")
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
    """Elements of one framework: id, kind, parent, name and definition in *lang*, source."""
    rows = corpus.elements(framework_id)
    top = rows[rows["parent_id"] == ""]
    kinds = list(dict.fromkeys(top["kind"]))
    roots = {e: (kinds.index(k), o) for e, k, o in zip(top["element_id"], top["kind"], top["order"], strict=True)}
    rank = [
        (*roots[p], 1, o) if p else (*roots[e], 0, o)
        for e, p, o in zip(rows["element_id"], rows["parent_id"], rows["order"], strict=True)
    ]
    rows = rows.assign(_rank=rank).sort_values("_rank", kind="stable")
    sources = zip(rows["seed"], rows["source_section"], strict=True)
    return pd.DataFrame(
        {
            "element_id": rows["element_id"],
            "kind": rows["kind"],
            "parent": [corpus.name(framework_id, p, lang) if p else "" for p in rows["parent_id"]],
            "name": [corpus.name(framework_id, e, lang) for e in rows.index],
            "definition": in_lang(rows, "definition_en", lang),
            "source": [f"{seed} {section_name(section, lang)}" for seed, section in sources],
        }
    ).reset_index(drop=True)


def section_name(section: str, lang: str) -> str:
    """A section of a source document named in *lang* (``data/raw/site/values.csv``; ``;``-separated lists too)."""
    return "; ".join(value_label(p.strip(), lang) for p in section.split(";"))


def corpus_names(corpus: Corpus, lang: str) -> dict[str, str]:
    """Every framework element id of the corpus with its name in *lang* (for a reader's tables)."""
    names = {}
    for (framework_id, element_id) in zip(corpus.frameworks["framework_id"], corpus.frameworks["element_id"],
                                          strict=True):  # fmt: skip
        names.setdefault(str(element_id), corpus.name(framework_id, element_id, lang))
    return names


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
            "rationale": in_lang(cw, "kirkpatrick_rationale", lang),
        }
    ).reset_index(drop=True)


def activities_table(corpus: Corpus, lang: str = "da") -> pd.DataFrame:
    """Activities with location and type name (blank = uncoded)."""
    act = corpus.activities
    return pd.DataFrame(
        {
            "activity": corpus.activity_names(lang),
            "location": act["location"],
            "typology": [corpus.name(TYPOLOGY, t, lang) if t else "uncoded" for t in act["typology_type"]],
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
