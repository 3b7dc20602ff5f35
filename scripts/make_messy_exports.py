"""Write SYNTHETIC messy survey exports under data/raw/examples/messy/ (seeded, byte-stable).

    .venv/bin/python scripts/make_messy_exports.py            # (re)write the files
    .venv/bin/python scripts/make_messy_exports.py --check    # fail if the files on disk differ

The answers are the invented ones of ``scripts/make_example_cohort.py`` (same seed, same 14 fake
respondents SYN-R01 ... SYN-R14); here they are written the way survey tools and spreadsheets really
export them: Qualtrics (three header rows, metadata, labels or numeric codes), Google / Microsoft
Forms (question texts as headers), SurveyXact / Nettskjema (semicolons, cp1252 or UTF-8 with BOM,
"5 - label" answers, "-" for unanswered), Excel oddities (title rows, a cover sheet, merged header
cells, float codes, trailing empty columns and rows), Excel "Unicode text" (UTF-16, tab, CRLF),
Latin-1, and SPSS files with string variables, variable labels and user-missing codes.
``messy/broken/`` holds messy files that must be rejected with a clear message. Nothing here comes
from real people; every file name contains ``synthetic``. See ``data/raw/examples/README.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import make_example_cohort as base  # noqa: E402

from samskab_analysis.data.instrument import Instrument, load_instrument  # noqa: E402
from samskab_analysis.paths import DATA_DIR  # noqa: E402

OUT = DATA_DIR / "examples" / "messy"
QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Copenhagen"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Copenhagen"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/Copenhagen"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
SURVEYXACT_SEPARATORS = (" - ", ": ", " = ")
NETTSKJEMA_FORMATS = ("({code}) {label}", "{code}: {label}", "{label}")


def label(instrument: Instrument, item_id: str, category: str, lang: str) -> str:
    return base.label_of(instrument, item_id, category, lang)


def code(instrument: Instrument, item_id: str, category: str) -> int | None:
    value = base.code_of(instrument, item_id, category)
    return None if value != value else int(value)


def stable_xlsx(book: object) -> bytes:
    """Save an openpyxl workbook byte-stably (see ``make_example_cohort.stable_xlsx``)."""
    return base.stable_xlsx(book, creator="scripts/make_messy_exports.py (synthetic data)")


workbook = base.workbook


def spss(frame: pd.DataFrame, **options: object) -> bytes:
    """An SPSS file with fixed creation date/time in its header (byte-stable)."""
    import pyreadstat

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.sav"
        pyreadstat.write_sav(frame, str(path), file_label="SYNTHETIC messy export (samskab)", **options)
        data = bytearray(path.read_bytes())
    date_at = 4 + 60 + 4 + 4 + 4 + 4 + 4 + 8
    data[date_at : date_at + 9] = base.FIXED_TIME.strftime("%d %b %y").encode("ascii")
    data[date_at + 9 : date_at + 17] = base.FIXED_TIME.strftime("%H:%M:%S").encode("ascii")
    return bytes(data)


def qualtrics_rows(instrument: Instrument, answers: pd.DataFrame, rng: np.random.Generator, numeric: bool) -> list:
    items = instrument.item_ids
    lang = "no" if numeric else "da"
    names = [m[0] for m in QUALTRICS_META] + [f"Q{k}" for k in range(1, len(items) + 1)]
    texts = [m[1] for m in QUALTRICS_META]
    for k, item_id in enumerate(items):
        title = instrument.title(item_id, lang)
        # a matrix question for the first four, a line break inside the question text for fig05
        texts.append(
            f"Samskabelse med borgerne - {title}" if k < 4 else f"Del 2\n{title}" if item_id == "fig05" else title
        )
    imports = [m[2] for m in QUALTRICS_META] + [f'{{"ImportId":"QID{k}"}}' for k in range(1, len(items) + 1)]
    rows: list[list[object]] = [names, texts, imports]
    for n, rid in enumerate(answers.index, start=1):
        meta = [
            f"2025-03-{n + 2:02d} 09:{n:02d}:00",
            f"2025-03-{n + 2:02d} 09:{n + 12:02d}:00",
            "IP Address" if not numeric else 0,
            f"192.0.2.{n}",
            100,
            int(rng.integers(300, 900)),
            "True" if not numeric else 1,
            f"2025-03-{n + 2:02d} 09:{n + 12:02d}:01",
            rid,
            "",
            "",
            "",
            "",
            "55.6761" if not numeric else 55.6761,
            "12.5683" if not numeric else 12.5683,
            "anonymous",
            "DA" if not numeric else "NO",
        ]
        if numeric:
            values = [code(instrument, i, answers.at[rid, i]) for i in items]
        else:
            values = [label(instrument, i, answers.at[rid, i], "da") for i in items]
        rows.append(meta + values)
    return rows


def forms_headers(instrument: Instrument, lang: str) -> list[str]:
    """Question texts as Google/Microsoft Forms write them (some numbered, some re-cased, no '?')."""
    out = []
    for k, item_id in enumerate(instrument.item_ids, start=1):
        title = instrument.title(item_id, lang)
        if k % 4 == 1:
            title = f"{k}. {title}"
        elif k % 4 == 2:
            title = title.rstrip("?").upper() + "  "
        elif k % 4 == 3:
            title = title.lower().replace(",", "")
        out.append(title)
    return out


def build_files(instrument: Instrument) -> dict[str, bytes]:
    """Every messy file as bytes, keyed by its path relative to data/raw/examples/messy."""
    answers = base.draw_answers(instrument, np.random.default_rng(base.SEED))
    rng = np.random.default_rng(base.SEED + 1)
    items = instrument.item_ids
    ids = list(answers.index)
    files: dict[str, bytes] = {}

    # Qualtrics: labels (CSV, UTF-8 with BOM) and numeric values (XLSX)
    rows = qualtrics_rows(instrument, answers, rng, numeric=False)
    files["qualtrics_labels_synthetic.csv"] = b"\xef\xbb\xbf" + base.csv_bytes(rows[0], rows[1:])
    rows = qualtrics_rows(instrument, answers, rng, numeric=True)
    files["qualtrics_numeric_synthetic.xlsx"] = stable_xlsx(workbook({"Sheet0": rows}))

    # Google Forms: timestamp, Norwegian question texts as headers, no respondent id
    header = ["Timestamp", *forms_headers(instrument, "no")]
    body = [
        [f"03.03.2025 10:{n:02d}:00", *(base.messy(label(instrument, i, answers.at[r, i], "no"), rng) for i in items)]
        for n, r in enumerate(ids)
    ]
    files["google_forms_synthetic.csv"] = base.csv_bytes(header, body)

    # Microsoft Forms: ID, times, email, name, English question texts
    header = ["ID", "Start time", "Completion time", "Email", "Name", *forms_headers(instrument, "en")]
    body = [
        [n, f"3/3/25 10:{n:02d}:00", f"3/3/25 10:{n + 9:02d}:00", "anonymous", None]
        + [label(instrument, i, answers.at[r, i], "en") or None for i in items]
        for n, r in enumerate(ids, start=1)
    ]
    files["microsoft_forms_synthetic.xlsx"] = stable_xlsx(workbook({"Sheet1": [header, *body]}))

    # SurveyXact: semicolon, cp1252, CRLF, "5 - label" answers, "-" for unanswered, Danish (no metadata column:
    # no source we could find documents SurveyXact's export columns, see data/raw/instrument/README)
    names = [f"Figur {int(instrument.items.at[i, 'figure'])}:" if i != "meeting_place" else "Mødeplads" for i in items]
    names = [instrument.title("meeting_place", "da") if n == "Mødeplads" else n for n in names]
    header = ["respondentid", *names]
    body = []
    for n, rid in enumerate(ids):
        cells = []
        for k, item_id in enumerate(items):
            category = answers.at[rid, item_id]
            if category == "":
                cells.append("-")
            elif category == "dont_know":
                cells.append("Ved ikke / ikke relevant")
            else:
                sep = SURVEYXACT_SEPARATORS[(n + k) % len(SURVEYXACT_SEPARATORS)]
                cells.append(f"{code(instrument, item_id, category)}{sep}{label(instrument, item_id, category, 'da')}")
        body.append([rid, *cells])
    text = base.csv_bytes(header, body, ";", "cp1252").replace(b"\n", b"\r\n")
    files["surveyxact_semicolon_cp1252_synthetic.csv"] = text

    # Nettskjema: UTF-8 with BOM, semicolon, trailing delimiter, "(5) label" / "5: label" answers
    header = [
        "$submission_id",
        "$created",
        *(
            f"fig{k:02d}" if i != "meeting_place" else i
            for k, i in zip(instrument.items.loc[items, "figure"].fillna(0).astype(int), items, strict=True)
        ),
    ]
    body = []
    for n, rid in enumerate(ids):
        cells = []
        for k, item_id in enumerate(items):
            category = answers.at[rid, item_id]
            text_label = label(instrument, item_id, category, "no")
            if category in ("", "dont_know"):
                cells.append(text_label)
            else:
                form = NETTSKJEMA_FORMATS[(n + 2 * k) % len(NETTSKJEMA_FORMATS)]
                cells.append(form.format(code=code(instrument, item_id, category), label=text_label))
        body.append([rid, f"2025-03-03T10:{n:02d}:00", *cells, ""])
    files["nettskjema_bom_semicolon_synthetic.csv"] = b"\xef\xbb\xbf" + base.csv_bytes([*header, ""], body, ";")

    # Excel oddities: cover sheet, title + blank rows, merged header cells, float and text codes
    files["excel_oddities_synthetic.xlsx"] = excel_oddities(instrument, answers)

    # Excel "Unicode text": UTF-16 LE with BOM, tab, CRLF; a quoted name with a line break and a tab
    header = ["respondent_id", "Navn", *items]
    body = [
        [rid, f"Person {n}\n(syntetisk)\tX", *(label(instrument, i, answers.at[rid, i], "da") for i in items)]
        for n, rid in enumerate(ids, start=1)
    ]
    text = base.csv_bytes(header, body, "\t").decode("utf-8").replace("\n(syn", "\r\n(syn")
    files["unicode_text_synthetic.txt"] = b"\xff\xfe" + text.replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode(
        "utf-16-le"
    )

    # Latin-1 (ISO 8859-1), comma, Danish labels
    header = ["respondent_id", *items]
    body = [[rid, *(label(instrument, i, answers.at[rid, i], "da") for i in items)] for rid in ids]
    files["latin1_synthetic.csv"] = base.csv_bytes(header, body, ",", "latin-1")

    # SPSS: string variables V1..V18 with Norwegian labels; question texts as variable labels
    frame = pd.DataFrame({"RespondentID": ids})
    for k, item_id in enumerate(items, start=1):
        frame[f"V{k}"] = [label(instrument, item_id, answers.at[r, item_id], "no") for r in ids]
    column_labels = ["Respondent", *(instrument.title(i, "no") for i in items)]
    files["spss_strings_synthetic.sav"] = spss(frame, column_labels=column_labels)

    # SPSS: numeric codes without labels, blanks coded 99 (user-missing), numeric ids
    frame = pd.DataFrame({"id": [float(n) for n in range(1, len(ids) + 1)]})
    value_labels, missing = {}, {}
    for item_id in items:
        frame[item_id] = [
            99.0 if answers.at[r, item_id] == "" else float(code(instrument, item_id, answers.at[r, item_id]))
            for r in ids
        ]
        value_labels[item_id] = {9.0: "Vet ikke", 99.0: "Ikke besvart"}
        missing[item_id] = [9.0, 99.0]
    files["spss_user_missing_synthetic.sav"] = spss(frame, variable_value_labels=value_labels, missing_ranges=missing)

    # missing respondent ids: rows kept with generated ids (and a warning)
    header = ["respondent_id", *items]
    body = [
        [rid if n not in (3, 8) else "", *(label(instrument, i, answers.at[rid, i], "no") for i in items)]
        for n, rid in enumerate(ids)
    ]
    files["missing_ids_synthetic.csv"] = base.csv_bytes(header, body)

    files.update(broken_files(instrument, answers))
    return files


def excel_oddities(instrument: Instrument, answers: pd.DataFrame) -> bytes:
    """Cover sheet first; data on sheet 2 under a title row, a blank row and merged group headings."""
    from openpyxl.styles import Font

    items = instrument.item_ids
    spellings = ["FIG01", "Fig 2", "Figur 3:", "fig04 ", "Fig.05", "figur 06", "F7", "Figure 8", "Meeting place"]
    spellings += ["FIG 9", "Fig10", "fig. 11", "Figur 12 ", "f13", "FIGURE 14", "Fig 15:", "figur16", "Fig_17"]
    book = workbook({"Forside": [["SYNTETISKE DATA - invented answers, see data/raw/examples/README.md"]]})
    sheet = book.create_sheet("Data")
    sheet.append(["Spørgeskema 2025 (SYNTETISKE DATA)"])
    sheet.append([])
    sheet.append(["Respondent", "Personligt niveau", None, None, None, None, "Institutionelt niveau"])
    sheet.append([None, *spellings, None, None])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:F3")
    for n, rid in enumerate(answers.index):
        row: list[object] = [float(n + 1)]
        for k, item_id in enumerate(items):
            category = answers.at[rid, item_id]
            value = code(instrument, item_id, category)
            if value is None:
                row.append(None)
            elif (n + k) % 3 == 0:
                row.append(float(value))  # a number stored as 5.0
            elif (n + k) % 3 == 1:
                row.append(str(value))  # a number stored as text
            else:
                row.append(label(instrument, item_id, category, "da").replace(" ", "\u00a0", 1) + " ")
        sheet.append(row)
    last = sheet.max_row
    for r in range(last + 1, last + 4):  # formatted but empty rows and columns below and right of the data
        for c in range(1, len(items) + 4):
            sheet.cell(row=r, column=c).font = Font(bold=True)
    return stable_xlsx(book)


def broken_files(instrument: Instrument, answers: pd.DataFrame) -> dict[str, bytes]:
    """Messy files that must be rejected (see the README in examples/)."""
    items = instrument.item_ids
    ids = list(answers.index)[:4]
    body = [[rid, *(label(instrument, i, answers.at[rid, i], "no") for i in items)] for rid in ids]
    out: dict[str, bytes] = {}
    header = ["respondent_id", *items]
    doubled = [*header, "FIG01 "]
    out["broken/duplicate_header_synthetic.csv"] = base.csv_bytes(doubled, [[*r, r[1]] for r in body])
    ambiguous = list(header)
    ambiguous[items.index("fig10") + 1] = "Figur 10: " + instrument.title("fig11", "da")
    ambiguous[items.index("fig11") + 1] = "Kommentar til figur 11"
    out["broken/ambiguous_title_synthetic.csv"] = base.csv_bytes(ambiguous, body)
    unknown = [list(r) for r in body]
    unknown[0][1] = "5 - Helt enig"
    unknown[2][items.index("fig10") + 1] = "Måske"
    out["broken/unknown_answers_synthetic.csv"] = base.csv_bytes(header, unknown)
    ragged = base.csv_bytes(header, body).split(b"\n")
    ragged[2] = ragged[2].rsplit(b",", 3)[0]
    out["broken/ragged_row_synthetic.csv"] = b"\n".join(ragged)
    out["broken/two_answer_sheets_synthetic.xlsx"] = stable_xlsx(
        workbook({"Kommune A": [header, *body[:2]], "Kommune B": [header, *body[2:]]})
    )
    headerless = [[*r, None, "x" if k == 1 else None] for k, r in enumerate(body)]
    out["broken/headerless_values_synthetic.xlsx"] = stable_xlsx(workbook({"Svar": [header, *headerless]}))
    numeric_ids = [[float(k) if k != 3 else "1", *r[1:]] for k, r in enumerate(body, start=1)]
    out["broken/duplicate_numeric_ids_synthetic.xlsx"] = stable_xlsx(workbook({"Svar": [header, *numeric_ids]}))
    return out


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check compare) the messy example files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = parser.parse_args(argv)
    return base.write_or_check(build_files(load_instrument(DATA_DIR)), OUT, args.check)


if __name__ == "__main__":
    raise SystemExit(main())
