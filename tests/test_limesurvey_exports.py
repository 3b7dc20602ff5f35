"""Every real LimeSurvey 6.10.2 export of the package's own survey, read with no column map, to its exact answers.

``tests/fixtures/limesurvey/`` holds 160 exports a real LimeSurvey 6.10.2 server made from the package's Danish
and English structure files (``samskab instrument export --format limesurvey``) after 30 invented responses were
added (25 complete, 5 incomplete: only their first page(s) submitted, some questions left blank), and
``truth_<lang>.csv``, the answers entered (``complete`` 1/0, ``lastpage``). Names:
``<lang>_<all|complete>_<code|full|abbreviated|codetext>_<short|long>.<csv|comma.csv|xlsx|json|sav>`` (``csv``:
RemoteControl's default ``;``; ``comma.csv``: the web UI's ``,``). ``tests/test_limesurvey_server.py`` makes
such exports afresh from a running server.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import warnings
from collections import Counter

import pytest
from shared_tools import shared_tools

from samskab_analysis.data.count_table import NO_ANSWER, NOT_REACHED
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.ingest.names import ColumnMatcher, load_metadata
from samskab_analysis.ingest.responses import IngestWarning, item_pages, load_responses
from samskab_analysis.paths import DATA_DIR, REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "limesurvey"
EXPORTS = sorted(p.name for p in FIXTURES.iterdir() if not p.name.startswith("truth_"))
READABLE = [n for n in EXPORTS if "_abbreviated_" not in n or n.endswith(".sav")]
ABBREVIATED = [n for n in EXPORTS if n not in READABLE]
INSTRUMENT = load_instrument()


def truth(lang: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((FIXTURES / f"truth_{lang}.csv").read_text(encoding="utf-8"))))


def expected_answers(name: str, include_incomplete: bool) -> tuple[list[str], dict[str, list[str]]]:
    """Respondent ids and category ids per item the file must give, from the answers entered."""
    lang, status = name.split("_")[:2]
    rows = [r for r in truth(lang) if r["complete"] == "1" or (include_incomplete and status == "all")]
    pages = item_pages(INSTRUMENT)
    answers: dict[str, list[str]] = {}
    for item_id in INSTRUMENT.item_ids:
        scale = INSTRUMENT.scale_rows(INSTRUMENT.items.at[item_id, "scale_id"])
        by_code = {str(int(code)): category for category, code in scale["code"].items()}
        column = []
        for row in rows:
            code = row[INSTRUMENT.survey_code(item_id)]
            if code:
                column.append(by_code[code])
            elif row["complete"] == "0" and pages[item_id] > int(row["lastpage"]):
                column.append(NOT_REACHED)
            else:
                column.append("")
        answers[item_id] = column
    return [r["response_id"] for r in rows], answers


def read(name: str, include_incomplete: bool):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answers = load_responses(FIXTURES / name, INSTRUMENT, include_incomplete=include_incomplete)
    return answers, [str(w.message) for w in caught if issubclass(w.category, IngestWarning)]


def test_fixtures_are_all_there():
    assert len(EXPORTS) == 160 and len(READABLE) == 128 and len(ABBREVIATED) == 32
    assert [len(truth(lang)) for lang in ("da", "en")] == [30, 30]
    assert Counter(r["complete"] for r in truth("da")) == {"1": 25, "0": 5}


@pytest.mark.parametrize("include_incomplete", [False, True], ids=["complete only", "include incomplete"])
@pytest.mark.parametrize("name", READABLE)
def test_every_real_export_gives_the_answers_entered(name, include_incomplete):
    answers, messages = read(name, include_incomplete)
    ids, expected = expected_answers(name, include_incomplete)
    assert list(answers.index) == ids
    for item_id in INSTRUMENT.item_ids:
        assert answers[item_id].tolist() == expected[item_id], item_id
    status = name.split("_")[1]
    left_out = 5 if status == "all" and not include_incomplete else 0
    assert answers.attrs["incomplete_left_out"] == left_out
    assert answers.attrs["incomplete_kept"] == (5 if status == "all" and include_incomplete else 0)
    if left_out:  # the run says how many incomplete responses it left out
        assert any("5 incomplete response(s) left out" in m and "25 complete" in m for m in messages), messages
    # no column was matched approximately, and every item by its code (SPSS, JSON, CSV, XLSX alike)
    assert not any("approximate" in how for how in answers.attrs["matched_by"].values())
    counts = counts_from_responses(answers, INSTRUMENT)
    for item_id in INSTRUMENT.item_ids:
        rows = counts[counts["item_id"] == item_id]
        tally = Counter(c or NO_ANSWER for c in expected[item_id])
        assert {c: n for c, n in zip(rows["category_id"], rows["count"], strict=True) if n} == dict(tally)


def test_counts_of_the_real_exports(study):
    """Figure 1 top-2 over completed responses (the default) and over all rows (--include-incomplete)."""
    complete, _ = read("da_all_full_long.csv", False)
    everyone, _ = read("da_all_full_long.csv", True)
    top = {"very_high", "high"}
    assert (complete["fig01"].isin(top).sum(), len(complete)) == (6, 25)  # 24 %
    assert (everyone["fig01"].isin(top).sum(), len(everyone)) == (8, 30)
    counts = counts_from_responses(everyone, INSTRUMENT).set_index(["item_id", "category_id"])["count"]
    assert counts["fig17", NOT_REACHED] == 5 and counts["fig17", NO_ANSWER] == 0
    assert counts["fig06", NOT_REACHED] == 1 and counts["fig01", NOT_REACHED] == 0  # one stopped after page 1


@pytest.mark.parametrize("name", ABBREVIATED)
def test_abbreviated_headings_refused_with_one_message(name):
    with pytest.raises(DataValidationError) as err:
        load_responses(FIXTURES / name, INSTRUMENT)
    assert len(err.value.problems) == 1
    message = str(err.value)
    assert "abbreviated headings" in message and "Headings 'Question code'" in message
    assert "'Text abbreviated' off" in message


def test_headings_of_every_mode_recognised_in_both_languages():
    matcher = ColumnMatcher(INSTRUMENT, {}, load_metadata())
    for name in ("da_all_full_short.csv", "en_all_full_short.csv", "da_all_codetext_short.comma.csv",
                 "en_all_codetext_long.csv"):  # fmt: skip
        header = next(csv.reader(io.StringIO((FIXTURES / name).read_text(encoding="utf-8-sig")),
                                 delimiter="," if name.endswith("comma.csv") else ";"))  # fmt: skip
        targets = [matcher.classify(h).target for h in header]
        assert targets[0] == "respondent_id" and targets[1:7] == ["ignore"] * 6, (name, header[:7])
        assert targets[7:] == INSTRUMENT.item_ids
    assert matcher.classify("submitdateDato for indsendelse").role == "submitted"
    assert matcher.classify("Sidste side").role == "last_page"


def test_limesurvey_headings_are_limesurveys_own_translations():
    """data/raw/instrument/limesurvey_headings.csv: every LimeSurvey language, from its locale files."""
    rows = list(csv.DictReader(io.StringIO((DATA_DIR / "instrument" / "limesurvey_headings.csv").read_text("utf-8"))))
    langs = {r["lang"] for r in rows}
    assert len(langs) == 122 and {"da", "nb", "nn", "en", "de", "fr", "ar", "zh-Hans", "sv"} <= langs
    heading = {(r["lang"], r["field"]): r["heading"] for r in rows}
    assert [heading["da", f] for f in ("id", "submitdate", "lastpage", "startlanguage", "startdate", "datestamp")] == [
        "Besvarelse-ID", "Dato for indsendelse", "Sidste side", "Standardsprog", "Startdato", "Dato for sidste handling"
    ]  # fmt: skip
    assert [heading["nb", f] for f in ("id", "submitdate", "lastpage", "startlanguage", "seed", "startdate")] == [
        "Svar-ID", "Dato for besvarelse", "Siste side", "Standardspråk", "Frø", "Dato for oppstart"
    ]  # fmt: skip
    assert heading["nb", "datestamp"] == "Dato for siste hendelse" and heading["da", "questionTime"] == "Spørgsmålstid"
    assert all(r["source"].startswith("LimeSurvey 6.10.2 locale/") for r in rows)


def test_limesurvey_headings_regenerate_from_the_tarball():
    tarball = shared_tools("limesurvey", "limesurvey-6.10.2.tar.gz")
    if tarball is None:
        pytest.skip("LimeSurvey tarball not found (../shared/tools/limesurvey/ or $SAMSKAB_SHARED_TOOLS)")
    script = REPO_ROOT / "scripts" / "extract_limesurvey_headings.py"
    done = subprocess.run([sys.executable, str(script), str(tarball), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_json_reader_accepts_older_limesurvey_records(tmp_path):
    """LimeSurvey before 6 wrapped each record in its response id: {"responses": [{"1": {...}}]}."""
    record = {"id": 1, "submitdate": "2025-05-01 10:00:45", "lastpage": 6, "startlanguage": "en"}
    record |= {INSTRUMENT.survey_code(i): "9" for i in INSTRUMENT.item_ids}
    path = tmp_path / "old.json"
    import json

    path.write_text(json.dumps({"responses": [{"1": record}, {"2": {**record, "id": 2, "fig01": None}}]}), "utf-8")
    answers = load_responses(path, INSTRUMENT)
    assert list(answers.index) == ["1", "2"]
    assert answers.at["2", "fig01"] == "" and answers.at["1", "fig01"] == "dont_know"
    path.write_text(json.dumps({"responses": [{"a": {"b": 1}}]}), "utf-8")
    with pytest.raises(DataValidationError, match="not a flat object"):
        load_responses(path, INSTRUMENT)
    path.write_text("{not json", "utf-8")
    with pytest.raises(DataValidationError, match="not valid JSON"):
        load_responses(path, INSTRUMENT)




def test_code_and_text_headings_are_matched_exactly():
    """A code decides with a separator; without one the text must be that item's question text; a code naming one
    item and a text naming another is never a guess; timing columns are never items."""
    matcher = ColumnMatcher(INSTRUMENT, {}, load_metadata())
    fig10 = INSTRUMENT.title("fig10", "da")
    cases = {
        f"fig10{fig10}": ("fig10", "question code and text"),
        f"fig10. {fig10}": ("fig10", "question code and text"),
        "fig01 :: Ny formulering af spørgsmålet": ("fig01", "question code (with a question text that differs "
                                                   "from the instrument's)"),
        f"fig01{fig10}": (None, "ambiguous"),
        f"fig01. {fig10}": (None, "ambiguous"),
        "fig01Ny formulering": (None, "unknown"),
        "fig01Time": ("ignore", "export metadata (LimeSurvey timing)"),
        "fig01TimeSpørgsmålstid: fig01": ("ignore", "export metadata (LimeSurvey timing)"),
        "Spørsmålstid: fig01": ("ignore", "export metadata (LimeSurvey timing)"),
        "groupTime12Gruppetid: Personligt niveau": ("ignore", "export metadata (LimeSurvey timing)"),
        "Temps total :": ("ignore", "export metadata (LimeSurvey heading)"),
        "idSvar-ID": ("respondent_id", "respondent id (LimeSurvey code and heading)"),
        "submitdate. Dato for indsen..": ("ignore", "export metadata (LimeSurvey code and heading)"),
        "id_number": (None, "unknown"),  # a field code followed by other text is not that field
        "Response_ID": ("respondent_id", "respondent id"),  # "Convert spaces in question text to underscores"
    }  # fmt: skip
    for header, (target, how) in cases.items():
        match = matcher.classify(header)
        assert (match.target, match.how) == (target, how), header
    assert matcher.classify(f"fig01{fig10}").candidates == ("fig01", "fig10")
    assert matcher.classify("submitdate. Dato for indsen..").role == "submitted"
