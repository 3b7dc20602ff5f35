"""The questionnaire for Nettskjema (University of Oslo): a codebook sheet and step-by-step instructions.

Nettskjema imports no form files, so the researcher builds the form by hand from the codebook
(``nettskjema_codebook_<lang>.xlsx``: one row per answer option - page, section, question text, question type,
codebook name = the item's ``survey_code``, answer option, codebook value = the instrument's code) and turns the
codebook on; its exports then name the columns by codebook name and write codebook values as answers
(Nettskjema API v3 ``csv-report``: ``"$submission_id";"$created";<codebook names>;"$answer_time_ms"``), which
ingest reads without a column map. The steps (``nettskjema_README_<lang>.md``) are text of
``instrument/fielding_labels.csv``. Both files are byte-identical for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.output import write_bytes, write_text

FIXED_TIME = dt.datetime(2000, 1, 1)
COLUMNS = ("page", "section", "question", "type", "name", "option", "value")
STEPS = ("nettskjema_step1", "nettskjema_step2", "nettskjema_step3", "nettskjema_step4", "nettskjema_step5",
         "nettskjema_step6")  # fmt: skip


def codebook_rows(instrument: Instrument, lang: str, labels: pd.DataFrame) -> list[list[object]]:
    """The codebook sheet: a header in *lang*, then one row per question and answer option, in survey order."""
    rows: list[list[object]] = [[str(labels.at[f"nettskjema_col_{c}", lang]) for c in COLUMNS]]
    items = instrument.items
    kind = str(labels.at["nettskjema_type", lang])
    page = 0
    for level in instrument.levels.sort_values("order").itertuples():
        level_items = items[items["level_id"] == level.level_id].sort_values("order")
        if level_items.empty:
            continue
        page += 1
        section = str(getattr(level, f"label_{lang}"))
        for item_id in level_items.index:
            scale = instrument.scale_rows(items.at[item_id, "scale_id"])
            for category in scale.itertuples():
                rows.append(
                    [
                        page,
                        section,
                        instrument.title(item_id, lang),
                        kind,
                        instrument.survey_code(item_id),
                        str(getattr(category, f"label_{lang}")),
                        int(category.code),
                    ]
                )
    return rows


def codebook_xlsx(rows: list[list[object]], sheet: str) -> bytes:
    """The rows as a one-sheet .xlsx workbook with fixed document dates and zip entry times (byte-stable)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (6, 28, 70, 30, 18, 26, 14), strict=True):
        ws.column_dimensions[letter].width = width
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "samskab instrument export --format nettskjema"
    first = io.BytesIO()
    with zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    stable = io.BytesIO()
    with zipfile.ZipFile(first) as source, zipfile.ZipFile(stable, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return stable.getvalue()


def readme_text(instrument: Instrument, lang: str, labels: pd.DataFrame, codebook: str) -> str:
    """The step-by-step instructions in *lang* (Markdown)."""
    names = ", ".join(instrument.survey_code(i) for i in instrument.item_ids)
    values = "; ".join(
        " / ".join(f"{int(c.code)} = {getattr(c, f'label_{lang}')}" for c in instrument.scale_rows(s).itertuples())
        for s in dict.fromkeys(instrument.items["scale_id"])
    )
    fill = {"codebook": codebook, "names": names, "values": values,
            "language": str(labels.at["nettskjema_language", lang])}  # fmt: skip
    intro = str(labels.at["nettskjema_intro", lang]).format(**fill)
    lines = [f"# {labels.at['nettskjema_title', lang]}", "", intro, ""]
    lines += [f"{k}. {str(labels.at[key, lang]).format(**fill)}" for k, key in enumerate(STEPS, start=1)]
    return "\n".join(lines) + "\n"


def write_nettskjema(instrument: Instrument, lang: str, labels: pd.DataFrame, out_dir: Path) -> dict[str, Path]:
    """Write ``nettskjema_codebook_<lang>.xlsx`` and ``nettskjema_README_<lang>.md`` into *out_dir*."""
    out = Path(out_dir)
    codebook = out / f"nettskjema_codebook_{lang}.xlsx"
    readme = out / f"nettskjema_README_{lang}.md"
    sheet = str(labels.at["nettskjema_sheet", lang])
    write_bytes(codebook, codebook_xlsx(codebook_rows(instrument, lang, labels), sheet))
    write_text(readme, readme_text(instrument, lang, labels, codebook.name))
    return {"nettskjema": codebook, "nettskjema_readme": readme}
