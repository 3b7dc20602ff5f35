"""The report's site: tables in two forms, strings, the results chapter's numbers, the Sphinx build.

One small site (three exhibits, two languages) is built into a temporary folder per session and built
again to prove the build is deterministic; the full committed site under ``reports/site`` is checked for
English left in the Danish and Norwegian builds and for links; the results chapter is rebuilt once with
an overridden assumption to prove its sentences follow the computed numbers.
"""

from __future__ import annotations

import csv
import hashlib
import html as htmlmod
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
from reader_view import example_numbers, foreign_hits, foreign_strings, svg_text

from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.strings import load_strings
from samskab_analysis.figures.display import Table, table_html
from samskab_analysis.paths import DATA_DIR, LANGS, PROCESSED_DIR, REPO_ROOT, REPORTS_DIR
from samskab_analysis.run.plan import RunConfig, plan_jobs
from samskab_analysis.run.site import SiteConfig, build_site, split_figure
from samskab_analysis.stats.results import glue_keys, item_results
from samskab_analysis.study import load_study

SITE = REPORTS_DIR / "site"


# --- tables as text and HTML ------------------------------------------------------------------------------------


def test_table_keeps_the_text_form_and_marks_provenance() -> None:
    df = pd.DataFrame(
        {
            "category": ["i høj grad", "i nogen grad"],
            "count": [4, 1],
            "percent": [40.0, 10.0],
            "provenance": ["stated", "assumed"],
            "wilson95": ["17-69", "2-40"],
        }
    )
    table = Table(df)
    assert repr(table) == df.to_string(index=False)
    page = table._repr_html_()
    assert page.count("text-align:right;white-space:nowrap") == 6  # numbers never wrap; their headers may
    assert page.count('<th style="text-align:right">') == 3
    assert '<tr class="prov-assumed" style="background:#fff4e0" title="assumed">' in page
    assert ">1*</td>" in page and ">4</td>" in page  # the marker goes on the first number of an assumed row
    assert "overflow-x:auto" in page
    assert table_html(df) == page  # deterministic
    danish = Table(df, lang="da")
    assert repr(danish).splitlines()[0].split() == ["Kategori", "Antal", "Procent", "Grundlag", "wilson95"]
    html = danish._repr_html_()
    assert 'title="antaget">' in html and ">antaget</td>" in html and ">oplyst</td>" in html  # tooltip too
    assert '<p class="samskab-legend" style="font-size:85%">* antaget</p>' in html


def test_localize_translates_headers_codes_lists_and_ids(study) -> None:
    from samskab_analysis.figures.display import localize

    df = pd.DataFrame({"item_id": ["fig07", "meeting_place"], "categories": ["very_high+high", "some"],
                       "cells": ["assumed,stated", "stated"], "status": ["consistent", "INCONSISTENT"],
                       "exact95": ["3-56", "7-65"], "note": ["assumption: adjacent_below", "S07a"]})  # fmt: skip
    shown = localize(df, "no", study.instrument, n=10)
    assert list(shown.columns)[:2] == ["Figur", "Kategorier"]
    assert shown.columns[4] == "95 %-intervall (Clopper–Pearson; eksakt) for andelen av de 10 respondentene"
    first = ["Figur 7", "i svært stor grad + i stor grad", "antatt, oppgitt", "stemmer med tabellen"]
    assert shown.iloc[0].tolist()[:4] == first
    assert shown.iloc[1, 0] == "Møteplass (uten figurnummer)" and shown.iloc[1, 3] == "STEMMER IKKE"
    assert shown.iloc[0, 5] == "antakelse: nærmeste kategori nedenfor" and shown.iloc[1, 5] == "S07a"
    assert localize(df, "en", study.instrument, keep=("note",), n=10).iloc[0, 5] == "assumption: adjacent_below"


# --- strings ----------------------------------------------------------------------------------------------------


def test_strings_have_every_language() -> None:
    strings = load_strings()
    assert strings["nav_results"] == {"da": "Resultater", "no": "Resultater", "en": "Results"}
    for level in pd.read_csv(DATA_DIR / "instrument" / "levels.csv")["level_id"]:
        assert f"intro_{level}" in strings


def test_every_notebook_heading_has_a_translation() -> None:
    """A Danish or Norwegian page keeps a notebook's markdown cell only as its translated heading
    (``heading:<English>``): a heading without one drops the whole section, heading and all, in da and no."""
    strings = load_strings()
    missing = []
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "markdown"]
        for cell in cells[1:]:  # the first is the page's title, generated
            text = "".join(cell["source"]).strip()
            match = re.match(r"^#+\s+(.*)$", text.splitlines()[0] if text else "")
            if match is None or f"heading:{match.group(1).strip()}" not in strings:
                missing.append(f"{path.name}: {text[:60]!r}")
    assert not missing, "\n".join(missing)


def test_missing_translation_is_reported(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "strings.csv").write_text("key,da,no,en\nhello,hej,,hello\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_strings(tmp_path)
    assert "row 2, column 'no': missing text" in str(err.value)


# --- the results chapter's numbers ------------------------------------------------------------------------------


def test_item_results_published() -> None:
    table = item_results(load_study()).set_index("item_id")
    assert table.loc["fig01", ["pct", "lo", "hi", "basis"]].tolist() == [90, 55, 100, "fixed"]  # Clopper–Pearson
    assert table.loc["fig03", ["pct", "basis", "min_pct", "max_pct"]].tolist() == [30, "assumed", 30, 40]
    strings = load_strings()
    keys = glue_keys(table.reset_index().iloc[2], strings)
    assert keys["fig03_pct"] == "30"
    assert keys["fig03_basis_da"] == (
        "hviler på rekonstruktionens antagelser (de tabeller, der passer med rapporten, giver 30–40 %)"
    )


def test_item_results_follow_an_overridden_assumption() -> None:
    study = load_study(assumptions={("fig03", "very_high"): 1, ("fig03", "low"): 0})
    row = item_results(study).set_index("item_id").loc["fig03"]
    assert (row["pct"], row["basis"]) == (40, "assumed")


def test_item_results_of_a_cohort_are_observed() -> None:
    study = load_study(responses=DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv")
    table = item_results(study, min_count=3)
    assert set(table["basis"]) <= {"observed", "suppressed"}
    assert (table["basis"] == "observed").any()


# --- the site build ---------------------------------------------------------------------------------------------


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def small_site(out: Path) -> Path:
    """Build a two-language site of three committed exhibits into *out* (no PDF)."""
    out.mkdir(parents=True)
    for name in ("notebooks", "figures"):
        (out / name).symlink_to(REPORTS_DIR / name, target_is_directory=True)
    config = SiteConfig(out_dir=out, processed_dir=PROCESSED_DIR, langs=("da", "en"), jobs=2, pdf=False)
    jobs = plan_jobs(RunConfig(only=("fig03", "overview", "results")))
    build_site(config, jobs, {"data": {"data/raw/x.csv": "ab" * 32}})
    return out / "site"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    if not (REPORTS_DIR / "notebooks" / "results.ipynb").is_file():
        pytest.skip("reports/notebooks not rendered (run samskab reproduce)")
    base = tmp_path_factory.mktemp("site")
    return small_site(base / "one"), small_site(base / "two")


def test_site_build_is_deterministic(built) -> None:
    one, two = built
    first = tree(one)
    assert {"da/index.html", "en/exhibits/figure_fig03.html", "da/results/personal.html", "en/data.html"} <= set(first)
    assert first == tree(two)


def test_exhibit_page_has_title_figure_caption_links_and_collapsed_code(built) -> None:
    page = (built[0] / "da" / "exhibits" / "figure_fig03.html").read_text(encoding="utf-8")
    assert "<title>Figur 3: I hvor høj grad inviterer deltagerne borgene ind til samskabende processer?" in page
    assert 'src="../_images/fig03_da.svg"' in page
    assert "Kilde: Ulrich &amp; Stabell" in page and "antaget i rekonstruktionen" in page  # caption
    assert 'href="../../../notebooks/figure_fig03.ipynb"' in page and 'href="../../../data/fig03.csv"' in page
    assert 'class="badge warn">indeholder antagelser (4 af 6 celler)' in page
    assert "hide-input" in page and "Vis koden" in page  # code collapsed, toggle in Danish
    assert 'class="prov-assumed"' in page  # the table as HTML with provenance per row
    assert 'href="../../en/exhibits/figure_fig03.html"' in page  # language switch to the same page
    assert "One survey item" not in page  # the notebook's English title is replaced
    english = (built[0] / "en" / "exhibits" / "figure_fig03.html").read_text(encoding="utf-8")
    assert 'href="../../../notebooks/figure_fig03.en.ipynb"' in english  # the English page links the English run


def test_results_page_sentences_carry_the_computed_numbers(built) -> None:
    page = (built[0] / "en" / "results" / "personal.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    assert "30 % of the 10 answered to a very high or high degree (95 % interval 7–65 %, exact Clopper–Pearson, " \
        "for the share of the 10 respondents)" in text
    assert "rests on the reconstruction" in text and "give 30–40 %" in text


def test_nothing_is_loaded_from_the_internet(built) -> None:
    for path in (built[0] / "da").rglob("*.html"):
        for url in re.findall(r'(?:src|href)="([^"]+)"', path.read_text(encoding="utf-8")):
            assert not re.match(r"(https?:)?//", url) or "<link" not in url, (path, url)
        head = path.read_text(encoding="utf-8").split("</head>")[0]
        assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', head), path


def test_exhibit_notebook_copy_has_a_header_and_collapsed_code(built) -> None:
    """The build source holds a generated copy; the executed notebook under reports/ is not modified."""
    source = REPORTS_DIR / "notebooks" / "figure_fig03.ipynb"
    before = source.read_bytes()
    copy = json.loads((built[0].parent / ".site-src" / "da" / "exhibits" / "figure_fig03.ipynb").read_text())
    assert copy["cells"][0]["id"] == "samskab-header" and copy["cells"][0]["source"].startswith("# Figur 3: ")
    code = [c for c in copy["cells"] if c["cell_type"] == "code"]
    assert code and all("hide-input" in c["metadata"]["tags"] for c in code)
    assert not any("image/png" in o.get("data", {}) for c in code for o in c["outputs"])  # the SVG is shown
    assert source.read_bytes() == before
    assert split_figure("fig04_no.svg") == ("fig04", "no", ".svg")


def test_override_one_assumption_rebuild_and_the_sentence_changes(tmp_path: Path) -> None:
    """Override fig03's assumptions, rerun the results notebook and rebuild: the sentence shows 40 %."""
    assumptions = tmp_path / "assumptions.csv"
    rows = list(csv.DictReader((DATA_DIR / "published" / "assumptions.csv").open(encoding="utf-8")))
    for row in rows:
        if row["item_id"] == "fig03":
            row["count"] = {"very_high": "1", "low": "0"}.get(row["category_id"], row["count"])
    with assumptions.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    from samskab_analysis.cli import main

    code = main(["reproduce", "--only", "results", "--assumptions", str(assumptions), "--out", str(out), "--no-pdf"])
    assert code == 0
    for lang, expected in (("en", "40 % of the 10 answered"), ("da", "40 % af de 10 svarede")):
        text = re.sub(r"<[^>]+>", "", (out / "site" / lang / "results" / "personal.html").read_text(encoding="utf-8"))
        assert expected in text, lang
    assert (out / "index.html").read_text(encoding="utf-8").count('url=site/da/index.html"') == 1


# --- the committed site -----------------------------------------------------------------------------------------


class Visible(HTMLParser):
    """What a page shows: its text, tooltips and labels, without scripts, styles and the folded code cells."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: does it start a hidden region?
        self.hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        for name in ("title", "aria-label", "placeholder", "alt"):
            if values.get(name) and not self.hidden:
                self.parts.append(values[name])
        if tag in ("br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"):
            return
        classes = (values.get("class") or "").split()
        starts = tag in ("script", "style", "template") or bool({"cell_input", "hide", "samskab-langs"} & set(classes))
        self.stack.append(starts)
        self.hidden += starts

    def handle_endtag(self, tag) -> None:
        if tag in ("br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"):
            return
        if self.stack and self.stack.pop():
            self.hidden -= 1

    def handle_data(self, data) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(path: Path) -> str:
    parser = Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return htmlmod.unescape(" ".join(" ".join(parser.parts).split()))


committed = pytest.mark.skipif(not (SITE / "da" / "index.html").is_file(), reason="reports/site not built")


@committed
@pytest.mark.parametrize("lang", LANGS)
def test_no_other_language_in_the_committed_site(lang: str) -> None:
    """Without a browser: no page's text (notebook outputs included) or tooltip holds another language's string."""
    assert len(foreign_strings(lang)) > 500
    left = {}
    for path in sorted((SITE / lang).rglob("*.html")):
        hits = foreign_hits(visible_text(path), lang)
        if hits:
            left[path.relative_to(SITE).as_posix()] = hits[:8]
    assert not left, f"strings of another language in the {lang} site: {left}"


#: An interval's method and whom it is about, in the site's languages.
METHOD = re.compile(r"Clopper–Pearson|Wilson|Bonferroni|Goodman|Sison|Manski|hypergeometri", re.I)
FRAME = re.compile(r"respondent|inviter|invited|deltage|deltake|participant|runde|wave|tabel|table", re.I)
INTERVAL = re.compile(r"\b(?:\d+ %-)?(?:konfidens)?interval(?:l|let|lerne|lene|s)?\b|\binterval\b", re.I)


@committed
@pytest.mark.parametrize("lang", LANGS)
def test_every_interval_names_its_method_and_frame(lang: str) -> None:
    """Table headers and figure captions that show an interval say which (Clopper–Pearson, exact …) and of whom."""
    vague = []
    for path in sorted((SITE / lang).rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        texts = [htmlmod.unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r"<th[^>]*>(.*?)</th>", page, re.S)]
        texts += [htmlmod.unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r"<figcaption>(.*?)</figcaption>",
                                                                              page, re.S)]  # fmt: skip
        for text in texts:
            if INTERVAL.search(text) and not (METHOD.search(text) and FRAME.search(text)):
                vague.append(f"{path.relative_to(SITE).as_posix()}: {' '.join(text.split())[:120]}")
    assert not vague, "\n".join(vague[:20])


@committed
def test_published_report_shows_no_invented_numbers() -> None:
    """No page or figure of the published report carries the invented example's N or its shares (k of 14).

    The example's N counts on its own; its shares count from two different ones on a page, because one such number
    also occurs in other arithmetic (the planning page's half-width at N = 200 is 7.1 points, as 1 of 14 is 7.1 %).
    Any plot or table of the example shows its N and several of its shares.
    """
    numbers = example_numbers()
    pattern = re.compile(r"(?<![\d.,])(" + "|".join(re.escape(n) for n in numbers) + r")(?![\d])")
    words = ("SYNTHETIC", "SYNTETISK", "synthetic_cohort")

    def invented(text: str) -> list[str]:
        hits = set(pattern.findall(text))
        shares = {h.replace(",", ".") for h in hits if not h.startswith("N")}
        flagged = {h for h in hits if h.startswith("N")} | (hits if len(shares) >= 2 else set())
        return sorted(flagged | {w for w in words if w in text})

    found = {}
    for path in sorted(SITE.rglob("*.html")):
        hits = invented(visible_text(path))
        if hits:
            found[path.relative_to(SITE).as_posix()] = hits
    figures = [*SITE.glob("*/_images/*.svg"), *(REPORTS_DIR / "figures").glob("*.svg")]
    assert figures
    for svg in figures:
        hits = invented(" ".join(t for t, _ in svg_text(svg)[2]))
        if hits:
            found[svg.relative_to(REPORTS_DIR).as_posix()] = hits
    assert not found, found
    assert invented("N = 10 · 14.3 % · 28,6 %") and invented("N = 14") and not invented("half-width 7.1")


@committed
def test_committed_site_has_the_same_pages_in_every_language_and_links_resolve() -> None:
    pages = {lang: {p.relative_to(SITE / lang).as_posix() for p in (SITE / lang).rglob("*.html")} for lang in LANGS}
    assert pages["da"] == pages["no"] == pages["en"]
    for job in plan_jobs(RunConfig()):
        assert f"exhibits/{job.base}.html" in pages[job.parameters["lang"]], job.name  # each language's own run
    levels = pd.read_csv(DATA_DIR / "instrument" / "levels.csv")["level_id"]
    assert {f"results/{level}.html" for level in levels} <= pages["da"]
    missing = []
    for lang in LANGS:
        for rel in sorted(pages[lang]):
            path = SITE / lang / rel
            for url in re.findall(r'(?:src|href)="([^"#][^"]*)"', path.read_text(encoding="utf-8")):
                target = urlsplit(htmlmod.unescape(url))
                if target.scheme or not target.path:
                    continue
                if not (path.parent / unquote(target.path)).resolve().exists():
                    missing.append(f"{lang}/{rel} -> {url}")
    assert not missing, missing[:20]
    redirect = (REPORTS_DIR / "index.html").read_text(encoding="utf-8")
    assert 'url=site/da/index.html"' in redirect


# --- nbval still compares the numbers ---------------------------------------------------------------------------


def test_nbval_fails_when_a_number_in_a_table_changes(tmp_path: Path) -> None:
    source = REPORTS_DIR / "notebooks" / "figure_fig04.ipynb"
    if not source.is_file():
        pytest.skip("reports/notebooks not rendered")
    nb = json.loads(source.read_text(encoding="utf-8"))
    changed = False
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/plain", ""))
            fifty = next((f for f in ("   50.0", "   50,0") if f in text), None)  # the run's language's decimal mark
            if "text/html" in data and fifty:
                data["text/plain"] = text.replace(fifty, fifty.replace("5", "6"), 1)
                changed = data["text/plain"] != text
                break
        if changed:
            break
    assert changed, "no table with a text form found in figure_fig04"
    target = tmp_path / "figure_fig04.ipynb"
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--nbval",
        "--nbval-current-env", "--nbval-sanitize-with", str(REPO_ROOT / "tests" / "nbval_sanitize.cfg"),
        "--rootdir", str(tmp_path), str(target),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode != 0, result.stdout[-2000:]
    assert any(f"60{m}0" in result.stdout and f"50{m}0" in result.stdout for m in ".,")
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_each_language_page_shows_its_own_run(tmp_path: Path) -> None:
    """``<job>.<lang>.ipynb`` (a further language's run) for that language; the plain job for the run's language."""
    from samskab_analysis.run.site import page_notebook

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("figure_fig03.ipynb", "figure_fig03.en.ipynb"):
        (notebooks / name).write_text("{}", encoding="utf-8")
    assert page_notebook(tmp_path, "figure_fig03", "en").name == "figure_fig03.en.ipynb"
    assert page_notebook(tmp_path, "figure_fig03", "da").name == "figure_fig03.ipynb"
    # a language run twice as the primary and as a further language never mixes: the own run wins
    (notebooks / "figure_fig03.da.ipynb").write_text("{}", encoding="utf-8")
    assert page_notebook(tmp_path, "figure_fig03", "da").name == "figure_fig03.da.ipynb"


def test_empty_sections_are_left_out_and_headings_share_one_level_in_every_language() -> None:
    """A heading over code that printed nothing is dropped with its prose; prose-only sections and sections with
    results stay; the English notebook's headings sit where the translated ones do (level 3 under '## ')."""
    from samskab_analysis.run.site import demote_title, without_empty_sections

    def md(text: str) -> dict:
        return {"cell_type": "markdown", "source": text}

    def code(*outputs: dict) -> dict:
        return {"cell_type": "code", "source": "x", "outputs": list(outputs)}

    table = {"output_type": "display_data", "data": {"text/html": "<table/>"}}
    cells = [md("## 1. About"), md("prose"), md("### 1a. Empty"), md("why"), code(), md("### 1b. Full"), code(table),
             md("## 2. Empty too"), code(), code()]  # fmt: skip
    kept = [c["source"] for c in without_empty_sections(cells)]
    assert kept == ["## 1. About", "prose", "### 1b. Full", "x"]
    fenced = "text\n```\n# a comment\n```"
    assert demote_title("# Title\n## Part\n" + fenced) == "### Title\n### Part\n" + fenced


def test_tables_use_each_languages_decimal_mark() -> None:
    """Danish and Norwegian tables write 0,25 (text and HTML), English 0.25; integers stay as they are."""
    import pandas as pd

    from samskab_analysis.figures.display import Table

    frame = pd.DataFrame({"share": [0.25, 0.5], "count": [1, 2]})
    for lang, mark in (("da", ","), ("no", ","), ("en", ".")):
        table = Table(frame, lang=lang)
        assert f"0{mark}25" in repr(table) and f">0{mark}25<" in table._repr_html_(), lang
        assert ">1<" in table._repr_html_()
