"""Build a LimeSurvey response export (CSV, question codes as headers) by hand, for tests.

Layout as LimeSurvey's "Export results" writes it with "CSV", headings "Question code" and either
"Answer codes" or "Full answers": a UTF-8 file (optional BOM), every field quoted, comma-separated, the
response metadata columns first (id, token, submitdate, lastpage, startlanguage, seed, startdate,
datestamp, ipaddr, refurl), then one column per question named by its code, then ``interviewtime``.
Unanswered questions are empty; with full answers a question not shown is written ``N/A``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from samskab_analysis.data.instrument import Instrument

METADATA = ("id", "token", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr",
            "refurl")


def answer_rows(counts: dict[str, dict[str, int]], instrument: Instrument, n: int) -> list[dict[str, str]]:
    """*n* respondents whose answers tally exactly to *counts* ({item: {category or 'no_answer': count}})."""
    rows: list[dict[str, str]] = [{} for _ in range(n)]
    for shift, item_id in enumerate(instrument.item_ids):
        cells = [c for c, k in counts[item_id].items() for _ in range(k)]
        assert len(cells) == n, item_id
        for i in range(n):  # rotate so respondents differ between items
            rows[(i + 7 * shift) % n][item_id] = cells[i]
    return rows


def limesurvey_csv(
    answers: list[dict[str, str]], instrument: Instrument, lang: str, mode: str, bom: bool = True
) -> str:
    """The export as text; *mode* is ``codes`` or ``full``."""
    codes = [instrument.survey_code(i) for i in instrument.item_ids]
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([*METADATA, *codes, "interviewtime"])
    for number, answer in enumerate(answers, start=1):
        complete = number % 9 != 0  # every ninth respondent stopped early (no submitdate)
        day, minute = 1 + number % 28, number % 60
        started, submitted = f"2025-03-{day:02d} 09:{minute:02d}:00", f"2025-03-{day:02d} 10:{minute:02d}:00"
        language = "nb" if lang == "no" else lang
        meta = [str(number), "", submitted if complete else "", "6" if complete else "3", language,
                str(1000 + 37 * number), started, submitted, "", ""]
        cells = []
        for item_id in instrument.item_ids:
            category = answer[item_id]
            scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
            if category == "no_answer":
                cells.append("N/A" if mode == "full" and number % 2 else "")
            elif mode == "codes":
                cells.append(str(scale.at[category, "code"]))
            else:
                label = str(scale.at[category, f"label_{lang}"])
                cells.append(label[:1].upper() + label[1:])
        writer.writerow([*meta, *cells, str(200 + number)])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def write_export(path: Path, *args, **kwargs) -> Path:
    path.write_text(limesurvey_csv(*args, **kwargs), encoding="utf-8", newline="")
    return path
