"""Write data/raw/instrument/limesurvey_headings.csv from LimeSurvey's own source tarball and locale files.

    .venv/bin/python scripts/extract_limesurvey_headings.py [TARBALL]            # (re)write the file
    .venv/bin/python scripts/extract_limesurvey_headings.py [TARBALL] --check    # fail if the file differs

TARBALL defaults to ``$SAMSKAB_SHARED_TOOLS/limesurvey/limesurvey-6.10.2.tar.gz``, else the first
``shared/tools/limesurvey/limesurvey-6.10.2.tar.gz`` found next to the repository or one of its parents
(``../shared/tools/`` from the repository root). Nothing at run time reads the tarball: the CSV is the data.

In "Full question text" and "Question code & question text" exports LimeSurvey writes the headings of its
response metadata, participant fields and timings through ``gT()``, i.e. translated into the export's
language (``application/helpers/common_helper.php``: ``createFieldMap`` - "Response ID", "Date submitted",
"Last page", ...; ``createTimingsFieldMap`` - "Total time", "Group time: <group>", "Question time: <code>";
``getTokenFieldsAndNames`` - "First name", "Access code", ...). The script checks that every msgid is in
those ``gT()`` calls of the tarball's source, then reads every ``locale/<lang>/<lang>.mo`` with Python's
``gettext`` and writes one row per field and language (the English msgid for languages whose catalogue
leaves it untranslated; ``en`` has its own catalogue). ``gT()`` escapes its text for HTML and the export
flattens it back (HTMLPurifier), so a translation holding ``&`` would be written ``&amp;`` in the export: the row keeps
the plain text and ingest compares HTML-unescaped headings.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import io
import os
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "raw" / "instrument" / "limesurvey_headings.csv"
TARBALL_NAME = "limesurvey-6.10.2.tar.gz"
VERSION = "6.10.2"
SOURCE_FILE = "application/helpers/common_helper.php"
#: (field, msgid, kind): the response table's columns as createFieldMap / createTimingsFieldMap /
#: getTokenFieldsAndNames name them, with the text gT() translates.
FIELDS = (
    ("id", "Response ID", "response"),
    ("submitdate", "Date submitted", "response"),
    ("lastpage", "Last page", "response"),
    ("startlanguage", "Start language", "response"),
    ("seed", "Seed", "response"),
    ("token", "Access code", "response"),
    ("startdate", "Date started", "response"),
    ("datestamp", "Date last action", "response"),
    ("ipaddr", "IP address", "response"),
    ("refurl", "Referrer URL", "response"),
    ("interviewtime", "Total time", "timing"),
    ("groupTime", "Group time", "timing_prefix"),
    ("questionTime", "Question time", "timing_prefix"),
    ("firstname", "First name", "participant"),
    ("lastname", "Last name", "participant"),
    ("email", "Email address", "participant"),
    ("emailstatus", "Email status", "participant"),
    ("language", "Language code", "participant"),
    ("sent", "Invitation sent date", "participant"),
    ("remindersent", "Last reminder sent date", "participant"),
    ("remindercount", "Total numbers of sent reminders", "participant"),
    ("usesleft", "Uses left", "participant"),
    ("completed", "Completed", "participant"),
)
HEADER = ("field", "kind", "msgid", "lang", "heading", "source")


def default_tarball() -> Path | None:
    """The tarball under $SAMSKAB_SHARED_TOOLS, else under a ``shared/tools`` beside the repo or a parent."""
    env = os.environ.get("SAMSKAB_SHARED_TOOLS")
    candidates = [Path(env) / "limesurvey" / TARBALL_NAME] if env else []
    candidates += [p / "shared" / "tools" / "limesurvey" / TARBALL_NAME for p in ROOT.parents]
    return next((p for p in candidates if p.is_file()), None)


def read_tarball(path: Path) -> tuple[str, dict[str, bytes]]:
    """The source of common_helper.php and every ``locale/<lang>/<lang>.mo`` (by language code)."""
    catalogues: dict[str, bytes] = {}
    source = ""
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if len(parts) == 4 and parts[1] == "locale" and parts[3] == f"{parts[2]}.mo" and member.isfile():
                catalogues[parts[2]] = tar.extractfile(member).read()
            elif "/".join(parts[1:]) == SOURCE_FILE:
                source = tar.extractfile(member).read().decode("utf-8")
    if not source or not catalogues:
        raise SystemExit(f"{path}: not a LimeSurvey tarball ({SOURCE_FILE} or locale/*/*.mo missing)")
    return source, catalogues


def check_msgids(source: str) -> None:
    """Every msgid must be the text of a gT() call in common_helper.php (the heading's origin)."""
    called = set(re.findall(r"""gT\(\s*(['"])(.+?)\1""", source))
    texts = {text for _, text in called}
    missing = [msgid for _, msgid, _ in FIELDS if msgid not in texts]
    if missing:
        raise SystemExit(f"msgids not found in gT() calls of {SOURCE_FILE}: {missing}")


def heading_rows(catalogues: dict[str, bytes]) -> list[tuple[str, ...]]:
    """One row per field and language, sorted by language then field order."""
    rows = []
    for lang in sorted(catalogues):
        data = catalogues[lang]  # an empty catalogue (ha, ny) leaves every text untranslated, as gT() does
        translations = gettext.GNUTranslations(io.BytesIO(data)) if data else gettext.NullTranslations()
        for field, msgid, kind in FIELDS:
            text = " ".join(translations.gettext(msgid).split())
            source = f"LimeSurvey {VERSION} locale/{lang}/{lang}.mo; msgid in {SOURCE_FILE}"
            rows.append((field, kind, msgid, lang, text, source))
    return rows


def csv_text(rows: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(sorted(rows, key=lambda r: (r[3], [f[0] for f in FIELDS].index(r[0]))))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", nargs="?", type=Path, default=None)
    parser.add_argument("--check", action="store_true", help="fail if the file on disk differs")
    args = parser.parse_args(argv)
    tarball = args.tarball or default_tarball()
    if tarball is None or not tarball.is_file():
        print(f"no {TARBALL_NAME} found (give its path or set SAMSKAB_SHARED_TOOLS)", file=sys.stderr)
        return 2
    source, catalogues = read_tarball(tarball)
    check_msgids(source)
    text = csv_text(heading_rows(catalogues))
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.relative_to(ROOT)}: {'up to date' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8", newline="")
    print(f"{OUT.relative_to(ROOT)}: {text.count(chr(10)) - 1} rows, {len(catalogues)} languages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
