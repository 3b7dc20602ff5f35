"""Nettskjema (University of Oslo): the questionnaire out as a codebook, its exports back with no column map.

Nettskjema has no server we can run, so the exports here follow recorded real ones:

* the current API export (``GET https://nettskjema.no/api/v3/form/{id}/csv-report``, a ``text/plain`` download
  named ``data-<form>-<date>.txt``): every value quoted, ``;``-separated, LF line ends, the columns
  ``"$submission_id";"$created";<codebook names>;"$answer_time_ms"``, answers as codebook values, an unanswered
  question ``""`` - recorded 2025-05-14 in the nettskjemar R package's tests,
  https://github.com/capro-uio/nettskjemar/blob/main/tests/fixtures/ns_get_data_original.yml ;
* the older tab-separated export: ``NR``, ``E-post``, ``Opprettet``, ``Endret`` (``dd.mm.yyyy hh:mm``), the
  questions by codebook name, ``Svartid`` (``3 minutt``) - recorded in
  https://github.com/capro-uio/nettskjemar/blob/main/tests/data-82087-2018-09-03-1550-utf.txt ;
* the codebook must be switched on per form (Settings > General settings > Codebook activated; nettskjemar's
  vignette, https://github.com/capro-uio/nettskjemar/blob/main/vignettes/nettskjemar.Rmd): its element codes
  (``externalElementId``) name the columns, its answer codes (``externalAnswerOptionId``) are the values
  (nettskjemar ``R/ns-codebook.R``).
"""

from __future__ import annotations

from collections import Counter

import pytest
from openpyxl import load_workbook

from samskab_analysis.cli import main
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.fielding.export import export_instrument
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.ingest.responses import load_responses

INSTRUMENT = load_instrument()


def codebook(path):
    """``{codebook name: {codebook value: answer option}}`` and the question texts, read from the sheet."""
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.values)
    names: dict[str, dict[int, str]] = {}
    texts: dict[str, str] = {}
    for _page, _section, question, _kind, name, option, value in rows[1:]:
        names.setdefault(name, {})[value] = option
        texts[name] = question
    return rows[0], names, texts


def answers_for(names: dict[str, dict[int, str]], n: int) -> list[dict[str, str]]:
    """*n* respondents cycling through every codebook value (and a blank) of each question."""
    out = []
    for r in range(n):
        row = {}
        for k, (name, values) in enumerate(names.items()):
            options = [*map(str, values), ""]
            row[name] = options[(r + k) % len(options)]
        out.append(row)
    return out


def api_csv_report(names: list[str], answers: list[dict[str, str]]) -> str:
    header = ["$submission_id", "$created", *names, "$answer_time_ms"]
    lines = [";".join(f'"{h}"' for h in header)]
    for k, row in enumerate(answers):
        cells = [str(27685292 + k), f"2025-05-14T21:{k:02d}:15+02:00", *(row[n] for n in names), str(70000 + k)]
        lines.append(";".join(f'"{c}"' for c in cells))
    return "\n".join(lines) + "\n"


def old_tab_export(names: list[str], answers: list[dict[str, str]]) -> str:
    header = ["NR", "E-post", "Opprettet", "Endret", *names, "Svartid"]
    lines = ["\t".join(header)]
    for k, row in enumerate(answers):
        cells = [str(1735123 + k), "", f"09.04.2017 08:{k:02d}", f"09.04.2017 08:{k:02d}", *(row[n] for n in names),
                 f"{1 + k % 3} minutt"]  # fmt: skip
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def tally(answers, names, instrument):
    """Expected counts per item from the values written (blank = no answer)."""
    out = {}
    for item_id in instrument.item_ids:
        name = instrument.survey_code(item_id)
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        by_code = {str(int(c)): cat for cat, c in scale["code"].items()}
        out[item_id] = Counter(by_code.get(row[name], "no_answer") for row in answers)
    return out


@pytest.mark.parametrize("lang", ["da", "no", "en"])
def test_codebook_sheet_names_questions_by_survey_code(tmp_path, lang):
    files, _ = export_instrument(lang, tmp_path / "a", ("nettskjema",))
    again, _ = export_instrument(lang, tmp_path / "b", ("nettskjema",))
    assert sorted(files) == ["nettskjema", "nettskjema_readme"]
    for key in files:
        assert files[key].read_bytes() == again[key].read_bytes(), key  # byte-identical on a rerun
    header, names, texts = codebook(files["nettskjema"])
    assert list(names) == [INSTRUMENT.survey_code(i) for i in INSTRUMENT.item_ids]
    assert names["fig01"] == {5: INSTRUMENT.scale_rows("degree5").at["very_high", f"label_{lang}"],
                              4: INSTRUMENT.scale_rows("degree5").at["high", f"label_{lang}"],
                              3: INSTRUMENT.scale_rows("degree5").at["some", f"label_{lang}"],
                              2: INSTRUMENT.scale_rows("degree5").at["low", f"label_{lang}"],
                              1: INSTRUMENT.scale_rows("degree5").at["not_at_all", f"label_{lang}"],
                              9: INSTRUMENT.scale_rows("degree5").at["dont_know", f"label_{lang}"]}  # fmt: skip
    assert list(names["fig10"]) == [1, 0, 9]
    assert texts["meetingplace"] == INSTRUMENT.title("meeting_place", lang)
    readme = files["nettskjema_readme"].read_text(encoding="utf-8")
    assert readme.startswith("# ") and "1. " in readme and "6. " in readme and files["nettskjema"].name in readme
    assert "fig01, fig02" in readme and "meetingplace" in readme and "5 = " in readme


def test_codebook_header_in_the_chosen_language(tmp_path):
    files, _ = export_instrument("no", tmp_path, ("nettskjema",))
    header, _, texts = codebook(files["nettskjema"])
    assert header[2:5] == ("Spørsmålstekst", "Spørsmålstype i Nettskjema", "Kodeboknavn (spørsmål)")
    assert texts["fig01"] == "Har det blitt enklere for deltakerne å arbeide samskapende med innbyggerne?"
    assert "Kodebok aktivert: Ja" in files["nettskjema_readme"].read_text(encoding="utf-8")


def test_current_api_export_read_with_no_map(tmp_path, capsys):
    files, _ = export_instrument("no", tmp_path / "form", ("nettskjema",))
    _, names, _ = codebook(files["nettskjema"])
    answers = answers_for(names, 23)
    path = tmp_path / "data-123823-2025-05-14-2329.txt"
    path.write_text(api_csv_report(list(names), answers), encoding="utf-8")
    read = load_responses(path, INSTRUMENT)
    assert read.attrs["id_column"] == "$submission_id" and list(read.index[:2]) == ["27685292", "27685293"]
    assert set(read.attrs["ignored_columns"]) == {"$created", "$answer_time_ms"}
    assert set(read.attrs["matched_by"].values()) == {"item id or figure number"}
    assert "completion_column" not in read.attrs  # Nettskjema exports delivered submissions only
    counts = counts_from_responses(read, INSTRUMENT)
    for item_id, expected in tally(answers, names, INSTRUMENT).items():
        rows = counts[counts["item_id"] == item_id]
        assert {c: n for c, n in zip(rows["category_id"], rows["count"], strict=True) if n} == dict(expected)
    assert main(["validate", str(path)]) == 0
    assert "valid (23 respondents, 18 items)" in capsys.readouterr().out


def test_older_tab_separated_export_read_with_no_map(tmp_path):
    files, _ = export_instrument("da", tmp_path / "form", ("nettskjema",))
    _, names, _ = codebook(files["nettskjema"])
    answers = answers_for(names, 12)
    path = tmp_path / "data-82087-2018-09-03-1550-utf.txt"
    path.write_text(old_tab_export(list(names), answers), encoding="utf-8")
    read = load_responses(path, INSTRUMENT)
    assert read.attrs["id_column"] == "NR" and read.attrs["details"]["delimiter"] == "tab"
    assert read.attrs["ignored_columns"] == ["E-post", "Opprettet", "Endret", "Svartid"]
    counts = counts_from_responses(read, INSTRUMENT)
    fig01 = counts[counts["item_id"] == "fig01"].set_index("category_id")["count"].to_dict()
    assert fig01 == {**dict.fromkeys(["very_high", "high", "some", "low", "not_at_all", "dont_know"], 0),
                     **tally(answers, names, INSTRUMENT)["fig01"]}  # fmt: skip
    assert sum(fig01.values()) == 12


def test_export_with_question_texts_when_the_codebook_is_off(tmp_path):
    """Without the codebook Nettskjema names the columns by question text (nettskjemar's vignette): the titles
    of the chosen language are recognised too."""
    files, _ = export_instrument("no", tmp_path / "form", ("nettskjema",))
    _, names, texts = codebook(files["nettskjema"])
    answers = answers_for(names, 5)
    report = api_csv_report(list(names), answers)
    header, body = report.split("\n", 1)
    for name, text in texts.items():
        header = header.replace(f'"{name}"', f'"{text}"')
    path = tmp_path / "data-1-2025.txt"
    path.write_text(header + "\n" + body, encoding="utf-8")
    read = load_responses(path, INSTRUMENT)
    assert len(read) == 5 and set(read.attrs["matched_by"].values()) == {"question text"}
