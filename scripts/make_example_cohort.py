"""Write the SYNTHETIC example cohort under data/raw/examples/ (seeded, byte-stable).

    .venv/bin/python scripts/make_example_cohort.py            # (re)write the files
    .venv/bin/python scripts/make_example_cohort.py --check    # fail if the files on disk differ

The answers are invented: 14 fake respondents drawn with numpy's default_rng(SEED) from a one-factor
model (a latent "co-creation climate" per respondent raises all of their answers), with some
"don't know" answers and blanks. Nothing here comes from real people.

The same answers are written in several shapes a researcher may bring:

* ``samskab_synthetic_cohort_no.csv`` - UTF-8, comma, Norwegian labels in mixed letter case,
  a few stray (also non-breaking) spaces, plus a survey-export metadata column (StartDate);
* ``samskab_synthetic_cohort_no_semicolon_cp1252.csv`` - the same as Excel on Windows writes it
  (semicolon, cp1252);
* ``samskab_synthetic_cohort_da.xlsx`` - Danish labels, columns named 'Figur 1' ..., first sheet 'Svar';
* ``samskab_synthetic_cohort_codes.sav`` - SPSS, numeric codes with English value labels;
* ``samskab_synthetic_cohort_renamed.csv`` + ``samskab_synthetic_cohort_renamed_column_map.csv`` -
  question numbers Q1..Q18 and a municipality column that need a column map;
* ``broken/*_synthetic.*`` - deliberately invalid files the tests expect to be rejected.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samskab_analysis.data.instrument import Instrument, load_instrument  # noqa: E402
from samskab_analysis.paths import DATA_DIR  # noqa: E402

SEED = 20250611
N = 14
OUT = DATA_DIR / "examples"
STEM = "samskab_synthetic_cohort"
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)
P_DONT_KNOW = 0.06
P_BLANK = 0.05
CASINGS = ("lower", "lower", "capitalize", "upper")
MUNICIPALITIES = ("Kommune A", "Kommune B", "Kommune C")


def draw_answers(instrument: Instrument, rng: np.random.Generator) -> pd.DataFrame:
    """Category ids (``""`` = blank) for N synthetic respondents, one column per item."""
    climate = rng.normal(0.0, 1.0, size=N)
    answers = {}
    for item_id in instrument.item_ids:
        scale_id = instrument.items.at[item_id, "scale_id"]
        noise = rng.normal(0.0, 0.8, size=N)
        if scale_id == "degree5":
            level = np.clip(np.rint(3.3 + 0.9 * climate + noise), 1, 5).astype(int)
            by_score = {5: "very_high", 4: "high", 3: "some", 2: "low", 1: "not_at_all"}
            values = [by_score[int(v)] for v in level]
        else:
            values = ["yes" if v > -0.3 else "no" for v in climate + noise]
        special = rng.random(size=N)
        values = [
            "dont_know" if u < P_DONT_KNOW else "" if u < P_DONT_KNOW + P_BLANK else v
            for v, u in zip(values, special, strict=True)
        ]
        answers[item_id] = values
    ids = [f"SYN-R{i:02d}" for i in range(1, N + 1)]
    return pd.DataFrame(answers, index=pd.Index(ids, name="respondent_id"))


def label_of(instrument: Instrument, item_id: str, category: str, lang: str) -> str:
    """The label of *category* on the scale of *item_id* (blank stays blank)."""
    if category == "":
        return ""
    return instrument.category_label(instrument.items.at[item_id, "scale_id"], category, lang)


def code_of(instrument: Instrument, item_id: str, category: str) -> float:
    """The numeric code of *category* (NaN for blank)."""
    if category == "":
        return float("nan")
    return float(instrument.scale_rows(instrument.items.at[item_id, "scale_id"]).at[category, "code"])


def messy(text: str, rng: np.random.Generator) -> str:
    """Mixed letter case and the odd stray or non-breaking space, as typed or exported by hand."""
    if not text:
        return text
    casing = CASINGS[int(rng.integers(len(CASINGS)))]
    text = {"lower": text.lower(), "capitalize": text[:1].upper() + text[1:], "upper": text.upper()}[casing]
    spot = rng.random()
    if spot < 0.1:
        text = " " + text
    elif spot < 0.2:
        text = text + "\u00a0"
    return text


def start_dates(rng: np.random.Generator) -> list[str]:
    """Survey-export metadata (ignored by the loader): invented submission times."""
    minutes = np.sort(rng.integers(0, 14 * 24 * 60, size=N))
    base = dt.datetime(2025, 3, 3, 8, 0)
    return [(base + dt.timedelta(minutes=int(m))).strftime("%Y-%m-%d %H:%M") for m in minutes]


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """Delimited text with LF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def workbook(sheets: dict[str, list[list[object]]]) -> object:
    """An openpyxl workbook with one sheet per entry of *sheets* (rows as lists)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    return book


def stable_xlsx(book: object, creator: str = "scripts/make_example_cohort.py (synthetic data)") -> bytes:
    """Save an openpyxl workbook with fixed document dates and zip entry times (byte-stable)."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = creator
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


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx workbook with fixed document dates and zip entry times (byte-stable)."""
    return stable_xlsx(workbook(sheets))


def sav_bytes(frame: pd.DataFrame, value_labels: dict[str, dict[float, str]], label: str) -> bytes:
    """An SPSS file; the creation date and time in its header are set to fixed values (byte-stable)."""
    import pyreadstat

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.sav"
        pyreadstat.write_sav(frame, str(path), file_label=label, variable_value_labels=value_labels)
        data = bytearray(path.read_bytes())
    # header: $FL2 (4) product (60) layout (4) case size (4) compression (4) weight (4) cases (4) bias (8)
    date_at = 4 + 60 + 4 + 4 + 4 + 4 + 4 + 8
    data[date_at : date_at + 9] = FIXED_TIME.strftime("%d %b %y").encode("ascii")
    data[date_at + 9 : date_at + 17] = FIXED_TIME.strftime("%H:%M:%S").encode("ascii")
    return bytes(data)


def build_files(instrument: Instrument) -> dict[str, bytes]:
    """Every example file as bytes, keyed by its path relative to data/raw/examples."""
    rng = np.random.default_rng(SEED)
    answers = draw_answers(instrument, rng)
    items = instrument.item_ids
    ids = list(answers.index)
    files: dict[str, bytes] = {}

    # Norwegian labels, mixed case, comma / UTF-8 and semicolon / cp1252
    dates = start_dates(rng)
    no_rows = [
        [rid, date, *(messy(label_of(instrument, i, answers.at[rid, i], "no"), rng) for i in items)]
        for rid, date in zip(ids, dates, strict=True)
    ]
    header = ["respondent_id", "StartDate", *items]
    files[f"{STEM}_no.csv"] = csv_bytes(header, no_rows)
    files[f"{STEM}_no_semicolon_cp1252.csv"] = csv_bytes(header, no_rows, ";", "cp1252")

    # Danish labels in Excel, figure names as column headers
    names = [instrument.exhibit_name(i, "da") if i != "meeting_place" else "Meeting place" for i in items]
    da_rows = [[rid, *(label_of(instrument, i, answers.at[rid, i], "da") or None for i in items)] for rid in ids]
    about = [
        ["SYNTETISKE DATA / SYNTHETIC DATA"],
        ["Invented answers of 14 fake respondents, made by scripts/make_example_cohort.py."],
        ["They describe no real person or library."],
    ]
    files[f"{STEM}_da.xlsx"] = xlsx_bytes({"Svar": [["ID", *names], *da_rows], "Om filen": about})

    # SPSS: numeric codes with English value labels
    sav = pd.DataFrame({"respondent_id": ids})
    labels: dict[str, dict[float, str]] = {}
    for item_id in items:
        sav[item_id] = [code_of(instrument, item_id, answers.at[rid, item_id]) for rid in ids]
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        labels[item_id] = {float(row["code"]): str(row["label_en"]) for _, row in scale.iterrows()}
    files[f"{STEM}_codes.sav"] = sav_bytes(sav, labels, "SYNTHETIC example cohort (samskab)")

    # question numbers and an extra column: needs the column map
    municipalities = [MUNICIPALITIES[int(k)] for k in rng.integers(len(MUNICIPALITIES), size=N)]
    renamed_header = ["ResponseId", "Kommune", *(f"Q{k}" for k in range(1, len(items) + 1))]
    renamed_rows = [
        [rid, town, *(label_of(instrument, i, answers.at[rid, i], "en") for i in items)]
        for rid, town in zip(ids, municipalities, strict=True)
    ]
    files[f"{STEM}_renamed.csv"] = csv_bytes(renamed_header, renamed_rows)
    map_rows = [["Kommune", "ignore"], *([f"Q{k}", i] for k, i in enumerate(items, start=1))]
    files[f"{STEM}_renamed_column_map.csv"] = csv_bytes(["column", "item_id"], map_rows)

    files.update(broken_files(header, no_rows))
    return files


def broken_files(header: list[str], rows: list[list[str]]) -> dict[str, bytes]:
    """Deliberately invalid variants of the first five respondents (see the README in examples/)."""
    rows = [list(r) for r in rows[:5]]
    col = header.index
    out: dict[str, bytes] = {}
    out["broken/unknown_column_synthetic.csv"] = csv_bytes([*header, "Favorittfarge"], [[*r, "blå"] for r in rows])
    outside = [list(r) for r in rows]
    outside[1][col("fig03")] = "i overkant stor grad"
    outside[3][col("fig10")] = "7"
    out["broken/outside_scale_synthetic.csv"] = csv_bytes(header, outside)
    duplicated = [list(r) for r in rows]
    duplicated[3][0] = duplicated[0][0]
    out["broken/duplicate_id_synthetic.csv"] = csv_bytes(header, duplicated)
    out["broken/empty_synthetic.csv"] = b""
    out["broken/header_only_synthetic.csv"] = csv_bytes(header, [])
    mixed = [list(r) for r in rows[:3]]
    mixed[0][col("fig01")] = "i svært stor grad"
    mixed[1][col("fig01")] = "i svært stor grad"
    lines = csv_bytes(header, mixed).split(b"\n")
    lines[2] = lines[2].decode("utf-8").encode("cp1252")
    out["broken/mixed_encoding_synthetic.csv"] = b"\n".join(lines)
    keep = [j for j, h in enumerate(header) if h != "fig17"]
    out["broken/missing_item_synthetic.csv"] = csv_bytes(
        [header[j] for j in keep], [[r[j] for j in keep] for r in rows]
    )
    return out


def write_or_check(files: dict[str, bytes], out_dir: Path, check: bool) -> int:
    """Write *files* under *out_dir* (only those that changed), or with *check* just compare. Returns 0/1."""
    differ = []
    for name, data in sorted(files.items()):
        path = out_dir / name
        if check:
            if not path.is_file() or path.read_bytes() != data:
                differ.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    if differ:
        print("differ from the generator: " + ", ".join(differ))
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check compare) the example files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = parser.parse_args(argv)
    return write_or_check(build_files(load_instrument(DATA_DIR)), OUT, args.check)


if __name__ == "__main__":
    raise SystemExit(main())
