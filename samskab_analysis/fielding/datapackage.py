"""A Frictionless Data Package describing the respondent file of a new round.

Resources: ``respondents`` (``respondents.csv``: header only, the layout a new round's file takes: the id
field, then one integer field per item with its allowed codes as an ``enum`` constraint and the code
labels as ``categories``; blank = not answered) and ``codes`` (``codes.csv``: the codebook, one row per
item x answer code with labels in Danish, Norwegian and English). Built with the ``frictionless`` library.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.output import write_text
from samskab_analysis.paths import LANGS

ID_FIELD = "respondent_id"
#: Cell values read as "not answered" (LimeSurvey and most tools export a blank; 99 is the usual user-missing code).
MISSING_VALUES = ("", "99", "-99")
PACKAGE_NAME = "samskab-respondents"
CODE_COLUMNS = ("item_id", "survey_code", "code", "category_id", "score", "substantive", *(f"label_{x}" for x in LANGS))


def respondent_schema(instrument: Instrument, lang: str = "en") -> dict[str, object]:
    """Table Schema descriptor of the respondent file (titles in *lang*)."""
    fields: list[dict[str, object]] = [
        {
            "name": ID_FIELD,
            "type": "string",
            "title": "respondent id",
            "description": "pseudonymous id (never a name or e-mail)",
            "constraints": {"required": True, "unique": True},
        }
    ]
    for item_id in instrument.item_ids:
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        codes = [int(c) for c in scale["code"]]
        fields.append(
            {
                "name": item_id,
                "type": "integer",
                "title": instrument.title(item_id, lang),
                "description": f"{instrument.exhibit_name(item_id, 'en')}; "
                f"survey code {instrument.survey_code(item_id)}; blank = not answered",
                "constraints": {"enum": codes},
                "categories": [
                    {"value": int(row.code), "label": str(getattr(row, f"label_{lang}"))} for row in scale.itertuples()
                ],
                "categoriesOrdered": True,
            }
        )
    return {"fields": fields, "missingValues": list(MISSING_VALUES), "primaryKey": [ID_FIELD]}


def codes_table(instrument: Instrument) -> pd.DataFrame:
    """Codebook: one row per item x answer code."""
    rows = []
    for item_id in instrument.item_ids:
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        for category_id, row in scale.iterrows():
            score = "" if pd.isna(row["score"]) else f"{row['score']:g}"
            rows.append(
                [item_id, instrument.survey_code(item_id), int(row["code"]), category_id, score,
                 str(bool(row["substantive"])).lower(), *(row[f"label_{x}"] for x in LANGS)]
            )
    return pd.DataFrame(rows, columns=list(CODE_COLUMNS))


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def package_descriptor(instrument: Instrument, lang: str = "en", extra: list[dict] | None = None) -> dict:
    """The data package descriptor (validated by frictionless), resources relative to its folder."""
    from frictionless import Package

    codes_schema = {
        "fields": [
            {"name": "item_id", "type": "string"},
            {"name": "survey_code", "type": "string"},
            {"name": "code", "type": "integer"},
            {"name": "category_id", "type": "string"},
            {"name": "score", "type": "number"},
            {"name": "substantive", "type": "boolean"},
            *({"name": f"label_{x}", "type": "string"} for x in LANGS),
        ],
        "primaryKey": ["item_id", "code"],
    }
    descriptor = {
        "name": PACKAGE_NAME,
        "title": "Samskabelse follow-up survey: respondent file of a new round",
        "description": "One row per respondent, one column per item (Figures 1-17 and the meeting-place item of "
        "Ulrich & Stabell), answer codes as in codes.csv. Generated from data/raw/instrument/.",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {"name": "respondents", "path": "respondents.csv", "format": "csv", "mediatype": "text/csv",
             "encoding": "utf-8", "schema": respondent_schema(instrument, lang)},
            {"name": "codes", "path": "codes.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
             "schema": codes_schema},
            *(extra or []),
        ],
    }
    Package.from_descriptor(descriptor)  # raises frictionless.FrictionlessException on an invalid descriptor
    return descriptor


def write_datapackage(instrument: Instrument, out_dir: Path, lang: str = "en") -> dict[str, Path]:
    """Write ``datapackage.json``, ``respondents.csv`` (header only) and ``codes.csv`` into *out_dir*."""
    out_dir = Path(out_dir)
    descriptor = package_descriptor(instrument, lang)
    codes = codes_table(instrument)
    files = {
        "respondents": out_dir / "respondents.csv",
        "codes": out_dir / "codes.csv",
        "datapackage": out_dir / "datapackage.json",
    }
    write_text(files["respondents"], csv_text([ID_FIELD, *instrument.item_ids], []))
    write_text(files["codes"], csv_text(list(CODE_COLUMNS), codes.values.tolist()))
    write_text(files["datapackage"], json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    return files
