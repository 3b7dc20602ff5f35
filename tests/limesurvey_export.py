"""Build a LimeSurvey 6 response export (CSV) by hand, for tests, laid out exactly as the real ones.

The real exports of a LimeSurvey 6.10.2 server are fixtures in ``tests/fixtures/limesurvey/`` (and
``tests/test_limesurvey_server.py`` makes more); this writer copies their layout so other tests can build
exports of any size: a UTF-8 file with BOM, CRLF line ends, every value quoted except SQL NULLs, which are
written as nothing (``;;``), the RemoteControl default separator ``;`` (the web UI's is ``,``); columns
``id, submitdate, lastpage, startlanguage, seed, startdate, datestamp`` (``token`` after ``seed`` only in
surveys with participants; ``ipaddr`` / ``refurl`` only when the survey saves them, which the package's
structure file turns off), one column per question named by its code, and with ``savetimings`` the timing
columns after them (``interviewtime``, ``groupTime<gid>``, ``<code>Time``). An unanswered question that was
shown is ``""``; a question an incomplete response never reached is NULL, its ``submitdate`` is NULL and its
``lastpage`` is the last page it submitted (one page per group). With "Full answers" a cell holds the answer
option's text as the structure file wrote it (lower case, e.g. ``i høj grad``); LimeSurvey never writes ``N/A``.
"""

from __future__ import annotations

from pathlib import Path

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.responses import item_pages

METADATA = ("id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp")
NULL = None


def answer_rows(counts: dict[str, dict[str, int]], instrument: Instrument, n: int) -> list[dict[str, str]]:
    """*n* respondents whose answers tally exactly to *counts* ({item: {category or 'no_answer': count}})."""
    rows: list[dict[str, str]] = [{} for _ in range(n)]
    for shift, item_id in enumerate(instrument.item_ids):
        cells = [c for c, k in counts[item_id].items() for _ in range(k)]
        assert len(cells) == n, item_id
        for i in range(n):  # rotate so respondents differ between items
            rows[(i + 7 * shift) % n][item_id] = cells[i]
    return rows


def _quoted(value: str | None, delimiter: str) -> str:
    if value is None:
        return ""
    return '"' + value.replace('"', '""') + '"'


def limesurvey_csv(
    answers: list[dict[str, str]],
    instrument: Instrument,
    lang: str,
    mode: str,
    *,
    incomplete: dict[int, int] | None = None,
    delimiter: str = ";",
    bom: bool = True,
    timings: bool = False,
) -> str:
    """The export as text; *mode* is ``codes`` (answer codes) or ``full`` (full answers).

    *incomplete* maps a respondent's position (0-based) to the last page it submitted: its ``submitdate`` is
    NULL and the questions on later pages are NULL (not reached).
    """
    incomplete = incomplete or {}
    codes = [instrument.survey_code(i) for i in instrument.item_ids]
    pages = item_pages(instrument)
    header = [*METADATA, *codes]
    if timings:
        groups = sorted(set(pages.values()))
        header += ["interviewtime", *(f"groupTime{g}" for g in groups), *(f"{c}Time" for c in codes)]
    language = "nb" if lang == "no" else lang
    lines = [delimiter.join(_quoted(h, delimiter) for h in header)]
    for number, answer in enumerate(answers, start=1):
        last = incomplete.get(number - 1)
        day, minute = 1 + (number - 1) % 28, (number - 1) % 60
        started = f"2025-05-{day:02d} 10:{minute:02d}:00"
        submitted = f"2025-05-{day:02d} 10:{minute:02d}:45"
        meta = [str(number), submitted if last is None else NULL, str(max(pages.values()) if last is None else last),
                language, NULL, started, f"2025-05-{day:02d} 10:{minute:02d}:30"]  # fmt: skip
        cells: list[str | None] = []
        for item_id in instrument.item_ids:
            category = answer.get(item_id, "no_answer")
            scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
            if last is not None and pages[item_id] > last:
                cells.append(NULL)
            elif category == "no_answer":
                cells.append("")
            elif mode == "codes":
                cells.append(str(scale.at[category, "code"]))
            else:
                cells.append(str(scale.at[category, f"label_{lang}"]))
        row = [*meta, *cells]
        if timings:
            row += ["95.5", *("12.25" for _ in sorted(set(pages.values()))), *("3.5" for _ in codes)]
        lines.append(delimiter.join(_quoted(v, delimiter) for v in row))
    return ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n\r\n"  # LimeSurvey ends with an empty line


def write_export(path: Path, *args, **kwargs) -> Path:
    path.write_text(limesurvey_csv(*args, **kwargs), encoding="utf-8", newline="")
    return path
