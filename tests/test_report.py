"""The reviewer's index page: figures per language, provenance badges, data rows, offline pages."""

from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from samskab_analysis.paths import PROCESSED_DIR, REPORTS_DIR
from samskab_analysis.run.plan import RunConfig, plan_jobs
from samskab_analysis.run.report import job_figures, lang_css, provenance_badge, split_figure, write_index

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'


class Links(HTMLParser):
    """Collects ``href`` and ``src`` attributes and element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("href", "src"):
            if values.get(key):
                self.urls.append(values[key])
        if values.get("id"):
            self.ids.add(values["id"])
        if tag in ("script", "link") and (values.get("src") or values.get("href")):
            self.scripts.append(values.get("src") or values.get("href"))


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_split_figure_names() -> None:
    langs = ("da", "no", "en")
    assert split_figure("fig07_da.svg", langs) == ("fig07", "da", ".svg")
    assert split_figure("uncertainty_top2_en.png", langs) == ("uncertainty_top2", "en", ".png")
    assert split_figure("meeting_place_no.svg", langs) == ("meeting_place", "no", ".svg")
    assert split_figure("typology.svg", langs) == ("typology", None, ".svg")


def test_lang_css_hides_other_languages() -> None:
    css = lang_css(["da", "en"])
    assert 'body[data-lang="da"] .l-en { display: none; }' in css
    assert 'body[data-lang="en"] .l-da { display: none; }' in css
    assert lang_css(["da"]) == ""


def test_provenance_badges_from_counts() -> None:
    with (PROCESSED_DIR / "counts.csv").open(encoding="utf-8") as handle:
        counts = list(csv.DictReader(handle))
    fig01 = provenance_badge((r for r in counts if r["item_id"] == "fig01"), "this item")
    assert "contains assumptions (4/6 cells)" in fig01 and "badge warn" in fig01
    fig04 = provenance_badge((r for r in counts if r["item_id"] == "fig04"), "this item")
    assert "all stated/derived" in fig04 and "badge ok" in fig04
    observed = provenance_badge([{"provenance": "observed"}], "x")
    assert "observed data" in observed
    assert provenance_badge([], "x") == ""


def test_index_lists_figures_per_language_and_data_rows(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    for lang in ("da", "no", "en"):
        (out / "figures" / f"fig04_{lang}.svg").write_text(SVG)
        (out / "figures" / f"fig04_{lang}.png").write_bytes(b"not used: svg preferred")
    (out / "figures" / "overview_da.png").write_bytes(b"png only")
    (out / "html").mkdir()
    (out / "html" / "figure_fig04.html").write_text("<html></html>")
    processed = out / "processed"
    processed.mkdir()
    for name in ("counts.csv", "claims_ledger.csv", "design.csv"):
        shutil.copy(PROCESSED_DIR / name, processed / name)
    config = RunConfig(out_dir=out, only=("fig04", "overview"))
    jobs = plan_jobs(config)
    manifest = {
        "version": "9.9",
        "run_date": "2024-01-02",
        "data": {"data/raw/x.csv": "ab" * 32},
        "jobs": {"figure_fig04": {"status": "ok", "figures": [f"figures/fig04_{x}.svg" for x in ("da", "en", "no")]}},
    }
    index = write_index(config, jobs, out, manifest)
    page = index.read_text(encoding="utf-8")
    assert '<body data-lang="da">' in page
    assert page.count('<button type="button" data-lang=') == 3
    for lang in ("da", "no", "en"):
        assert f'<a class="l-{lang}" href="figures/fig04_{lang}.svg"><img src="figures/fig04_{lang}.svg"' in page
    assert 'src="figures/overview_da.png"' in page  # no manifest record: found by the naming rule
    assert "all stated/derived" in page  # fig04 has no assumed cell
    assert 'href="data/fig04.csv"' in page and 'href="processed/counts.csv"' in page
    assert 'href="html/figure_fig04.html"' in page
    assert 'class="badge info">not run yet' in page  # overview has no executed notebook here
    assert "samskab 9.9" in page and "2024-01-02" in page and "ab" * 32 in page
    assert "S01a" in page  # the claims ledger
    assert "participants_total" in page  # the study design
    rows = list(csv.DictReader((out / "data" / "fig04.csv").open(encoding="utf-8")))
    assert {r["item_id"] for r in rows} == {"fig04"} and len(rows) == 6
    links = parse(index)
    for url in links.urls:
        target = urlsplit(url)
        if not target.scheme and target.path:
            assert (out / unquote(target.path)).is_file(), url
    assert not any(re.match(r"https?://", u) for u in links.scripts)
    mtime = index.stat().st_mtime_ns
    write_index(config, jobs, out, manifest)
    assert index.stat().st_mtime_ns == mtime  # unchanged content is not rewritten


def test_job_figures_from_manifest_record(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    for name in ("uncertainty_top2_da.svg", "uncertainty_top2_da.png", "uncertainty_ranges_en.png"):
        (tmp_path / "figures" / name).write_text(SVG)
    job = next(j for j in plan_jobs(RunConfig()) if j.name == "overview")
    entry = {"figures": ["figures/uncertainty_top2_da.svg", "figures/uncertainty_top2_da.png", "figures/gone.svg"]}
    entry["figures"].append("figures/uncertainty_ranges_en.png")
    assert job_figures(job, entry, tmp_path, ("da", "no", "en")) == {
        "uncertainty_ranges": {"en": "figures/uncertainty_ranges_en.png"},
        "uncertainty_top2": {"da": "figures/uncertainty_top2_da.svg"},
    }


COMMITTED_INDEX = REPORTS_DIR / "index.html"


@pytest.mark.skipif(not COMMITTED_INDEX.is_file(), reason="reports/index.html not generated yet")
def test_committed_index_is_complete_and_links_resolve() -> None:
    """The committed page lists every planned exhibit and every relative link points at a file."""
    links = parse(COMMITTED_INDEX)
    for job in plan_jobs(RunConfig()):
        assert job.name in links.ids, f"{job.name} missing from reports/index.html: run samskab reproduce"
    missing = []
    for url in links.urls:
        target = urlsplit(url)
        if target.scheme or not target.path:
            continue
        if not (REPORTS_DIR / unquote(target.path)).resolve().is_file():
            missing.append(url)
    assert not missing
    assert not links.scripts  # inline CSS and JS only


@pytest.mark.parametrize("page", sorted((REPORTS_DIR / "html").glob("*.html")), ids=lambda p: p.name)
def test_rendered_notebooks_need_no_internet(page: Path) -> None:
    """nbconvert's pages load no script, style sheet or font from a CDN."""
    links = parse(page)
    external = [u for u in links.scripts if re.match(r"(https?:)?//", u)]
    assert not external, f"{page.name} loads {external}"
    assert "cdnjs.cloudflare.com" not in page.read_text(encoding="utf-8")
