"""The questionnaire as a LimeSurvey survey structure (tab-separated ``.txt``, importable as a new survey).

Columns and row classes follow LimeSurvey's TSV survey-structure format (``tsvSurveyExport`` /
``TSVImportSurvey``): ``S`` survey settings, ``SL`` language settings, ``G`` a question group (one per report
level), ``Q`` a question (type ``L``, list with radio buttons, named by the item's ``survey_code``) and ``A``
its answer options with the instrument's codes, so an export with "answer codes" holds the codes of
``scales.csv`` and one with "full answers" holds its labels.

The first row is ``S sid``, as in every structure file LimeSurvey exports: LimeSurvey's own command-line
import (``console.php importsurvey``) stops without it (``Undefined array key "sid"``), while the web UI and
RemoteControl hide the warning. The id is the one LimeSurvey gives the survey when it is free; when it is
taken, LimeSurvey assigns a random id instead (without a warning).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.output import write_text

COLUMNS = (
    "id",
    "related_id",
    "class",
    "type/scale",
    "name",
    "relevance",
    "text",
    "help",
    "language",
    "validation",
    "mandatory",
    "other",
    "default",
    "same_default",
)
#: LimeSurvey's language codes (Norwegian Bokmål is ``nb``).
LANGUAGE_CODES = {"da": "da", "no": "nb", "en": "en"}
QUESTION_TYPE = "L"  # list (radio)
#: The survey id asked for per language (LimeSurvey survey ids are whole numbers of up to 6 digits, 1-9 only when
#: it draws them itself); a taken id is replaced by a random one on import.
SURVEY_IDS = {"da": 571101, "no": 571102, "en": 571103}
SURVEY_SETTINGS = (("format", "G"), ("anonymized", "Y"), ("datestamp", "Y"), ("ipaddr", "N"), ("refurl", "N"))


def _row(**values: object) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    for key, value in values.items():
        row[key.replace("type_scale", "type/scale")] = "" if value is None else str(value)
    return row


def structure_rows(instrument: Instrument, lang: str, labels: pd.DataFrame) -> list[dict[str, str]]:
    """Every row of the survey structure in *lang*, in LimeSurvey's order (S, SL, then G/Q/A)."""
    code = LANGUAGE_CODES[lang]
    rows = [_row(**{"class": "S", "name": "sid", "text": SURVEY_IDS[lang]})]
    rows.append(_row(**{"class": "S", "name": "language", "text": code}))
    rows += [_row(**{"class": "S", "name": k, "text": v}) for k, v in SURVEY_SETTINGS]
    for key, name in (("survey_title", "surveyls_title"), ("survey_description", "surveyls_description")):
        rows.append(_row(**{"class": "SL", "name": name, "text": labels.at[key, lang], "language": code}))
    rows.append(_row(**{"class": "SL", "name": "surveyls_language", "text": code, "language": code}))
    items = instrument.items
    qid = 0
    for gid, level in enumerate(instrument.levels.sort_values("order").itertuples(), start=1):
        level_items = items[items["level_id"] == level.level_id].sort_values("order")
        if level_items.empty:
            continue
        name = getattr(level, f"label_{lang}")
        rows.append(_row(id=gid, type_scale=gid, name=name, text=name, language=code, relevance="1", **{"class": "G"}))
        for item_id in level_items.index:
            qid += 1
            rows.append(
                _row(
                    id=qid,
                    type_scale=QUESTION_TYPE,
                    name=instrument.survey_code(item_id),
                    relevance="1",
                    text=instrument.title(item_id, lang),
                    help=labels.at["question_help", lang],
                    language=code,
                    mandatory="N",
                    other="N",
                    same_default="0",
                    **{"class": "Q"},
                )
            )
            scale = instrument.scale_rows(items.at[item_id, "scale_id"])
            for category in scale.itertuples():
                label = getattr(category, f"label_{lang}")
                rows.append(
                    _row(id=qid, type_scale=0, name=category.code, text=label, language=code, **{"class": "A"})
                )
    return rows


def structure_text(instrument: Instrument, lang: str, labels: pd.DataFrame) -> str:
    """The survey structure as tab-separated text (UTF-8, ``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(structure_rows(instrument, lang, labels))
    return buffer.getvalue()


def write_structure(instrument: Instrument, lang: str, labels: pd.DataFrame, out_dir: Path) -> Path:
    """Write ``limesurvey_survey_<lang>.txt`` into *out_dir*."""
    path = Path(out_dir) / f"limesurvey_survey_{lang}.txt"
    write_text(path, structure_text(instrument, lang, labels))
    return path
