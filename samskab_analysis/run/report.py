"""The reviewer's index page (``reports/index.html``): every exhibit, its provenance, data and checks.

A single self-contained HTML file (inline CSS and a few lines of inline JavaScript, nothing from the
internet) with relative links only, so the ``reports/`` folder can be zipped, mailed or served as is.
It lists every job of the run generically: the figure files each job saved (recorded in the manifest,
else found by the ``<job>_*`` / ``<item>_*`` naming rule) as thumbnails per language, a provenance badge
(from the processed count table), links to the rendered notebook and to the data rows it used, then the
claims ledger, the study design numbers, the package version, the run date and the sha256 of every raw
data file.  Reads CSV files with the csv module only (no pandas): it is rewritten on every run.
"""

from __future__ import annotations

import csv
import html
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from samskab_analysis.paths import LANGS

FIGURE_EXTS = (".svg", ".png")
LANG_NAMES = {"da": "Dansk", "no": "Norsk", "en": "English"}
UI = {
    "title": {
        "da": "samskab: reproduceret rapport",
        "no": "samskab: reprodusert rapport",
        "en": "samskab: reproduced report",
    },
}
LEDGER_COLUMNS = (
    "claim_id",
    "item_id",
    "cited_figure",
    "categories",
    "stated",
    "from_table",
    "count",
    "cells",
    "status",
    "interpretation",
)
DESIGN_COLUMNS = ("key", "value", "unit", "kind", "note")

CSS = """
:root { --ink:#1d2733; --muted:#5b6675; --line:#d8dee6; --bg:#f6f8fa; --ok:#1e7b34; --warn:#9a5b00; --bad:#b3261e; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
header { padding: 1.2rem 2rem 1rem; background: var(--bg); border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 .3rem; font-size: 1.5rem; }
header p { margin: .2rem 0; color: var(--muted); }
main { padding: 1rem 2rem 3rem; max-width: 1400px; }
h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
nav.toc a { margin-right: 1rem; }
.langs { float: right; }
.langs button { font: inherit; border: 1px solid var(--line); background: #fff; padding: .25rem .7rem; cursor: pointer;
                border-radius: 4px; }
.langs button[aria-pressed="true"] { background: var(--ink); color: #fff; border-color: var(--ink); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .8rem; background: #fff; display: flex;
        flex-direction: column; gap: .4rem; }
.card h3 { font-size: 1rem; margin: 0; }
.card .thumbs { display: flex; flex-wrap: wrap; gap: .4rem; }
.card .thumbs a { flex: 1 1 100%; }
.card img { width: 100%; height: 230px; object-fit: contain; background: #fff; border: 1px solid var(--line); }
.card .links a { margin-right: .7rem; white-space: nowrap; }
.card .nofig { color: var(--muted); font-style: italic; }
.badge { display: inline-block; font-size: .8rem; padding: .05rem .5rem; border-radius: 999px; border: 1px solid;
         white-space: nowrap; }
.badge.ok { color: var(--ok); border-color: var(--ok); }
.badge.warn { color: var(--warn); border-color: var(--warn); background: #fff7e8; }
.badge.bad { color: var(--bad); border-color: var(--bad); background: #fdeceb; }
.badge.info { color: var(--muted); border-color: var(--line); }
pre.error { white-space: pre-wrap; color: var(--bad); font-size: .8rem; margin: 0; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--bg); }
td.hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .78rem; }
tr.status-consistent td.status { color: var(--ok); }
tr.status-certain td.status, tr.status-possible td.status,
tr.status-inconsistent td.status { color: var(--bad); font-weight: 600; }
footer { color: var(--muted); font-size: .85rem; padding: 1rem 2rem; border-top: 1px solid var(--line); }
"""


def lang_css(langs: Sequence[str]) -> str:
    """CSS showing only the elements of the selected language (``<body data-lang=..>``)."""
    rules = []
    for shown in langs:
        hidden = ", ".join(f'body[data-lang="{shown}"] .l-{other}' for other in langs if other != shown)
        if hidden:
            rules.append(f"{hidden} {{ display: none; }}")
    return "\n".join(rules)


SCRIPT = """
function setLang(lang) {
  document.body.dataset.lang = lang;
  document.querySelectorAll('.langs button').forEach(function (b) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  });
  document.documentElement.lang = lang === 'no' ? 'nb' : lang;
}
document.querySelectorAll('.langs button').forEach(function (b) {
  b.addEventListener('click', function () { setLang(b.dataset.lang); });
});
"""


def esc(value: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(value), quote=True)


def href(target: Path, base: Path) -> str:
    """A relative URL from folder *base* to *target* (POSIX separators, escaped)."""
    return esc(Path(os.path.relpath(Path(target).resolve(), Path(base).resolve())).as_posix())


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a processed CSV file (empty when absent)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError:
        return [], []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def write_if_changed(path: Path, text: str) -> None:
    """Write *text* unless the file already holds exactly that (keeps mtimes and git quiet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    path.write_text(text, encoding="utf-8", newline="\n")


def split_figure(name: str, langs: Sequence[str]) -> tuple[str, str | None, str]:
    """``fig07_da.svg`` -> (``fig07``, ``da``, ``.svg``); files without a language suffix get ``None``."""
    path = Path(name)
    stem, ext = path.stem, path.suffix.lower()
    base, _, lang = stem.rpartition("_")
    if base and lang in langs:
        return base, lang, ext
    return stem, None, ext


def job_figures(job, entry: dict | None, out_dir: Path, langs: Sequence[str]) -> dict[str, dict[str | None, str]]:
    """``{figure base: {lang: file relative to out_dir}}`` for one job, SVG preferred over PNG."""
    figures_dir = out_dir / "figures"
    names = [Path(f).name for f in (entry or {}).get("figures", [])]
    if not names and figures_dir.is_dir():  # no record (older manifest): fall back on the naming rule
        prefixes = tuple(f"{p}_" for p in (job.name, job.item_id) if p)
        names = sorted(p.name for p in figures_dir.iterdir() if p.name.startswith(prefixes))
    found: dict[str, dict[str | None, dict[str, str]]] = {}
    for name in sorted(names):
        base, lang, ext = split_figure(name, langs)
        if ext in FIGURE_EXTS and (figures_dir / name).is_file():
            found.setdefault(base, {}).setdefault(lang, {})[ext] = f"figures/{name}"
    return {
        base: {lang: files.get(".svg") or files[".png"] for lang, files in by_lang.items()}
        for base, by_lang in found.items()
    }


def provenance_badge(rows: Iterable[dict[str, str]], scope: str, prefix: str = "") -> str:
    """'all stated/derived' (green) or 'contains assumptions' (amber) for count-table rows."""
    rows = list(rows)
    if not rows:
        return ""
    kinds = [r.get("provenance", "") for r in rows]
    assumed = sum(k in ("assumed", "derived_under_assumption") for k in kinds)
    if all(k == "observed" for k in kinds):
        return f'<span class="badge ok" title="{esc(scope)}">{prefix}observed data</span>'
    if assumed:
        tip = (
            f"{scope}: {assumed} of {len(kinds)} cells assumed or derived only under an assumed answer scale "
            "(data/raw/published/assumptions.csv, items.csv scale_basis)"
        )
        text = f"{prefix}contains assumptions ({assumed}/{len(kinds)} cells)"
        return f'<span class="badge warn" title="{esc(tip)}">{text}</span>'
    tip = f"{scope}: every cell stated in the report or derived from stated numbers"
    return f'<span class="badge ok" title="{esc(tip)}">{prefix}all stated/derived</span>'


def item_data_files(counts_header: list[str], counts: list[dict[str, str]], out_dir: Path) -> dict[str, Path]:
    """Write ``data/<item>.csv`` (the item's rows of the count table) and return them by item id."""
    by_item: dict[str, list[dict[str, str]]] = {}
    for row in counts:
        by_item.setdefault(row.get("item_id", ""), []).append(row)
    written = {}
    for item_id, rows in by_item.items():
        if not item_id:
            continue
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=counts_header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path = out_dir / "data" / f"{item_id}.csv"
        write_if_changed(path, buffer.getvalue())
        written[item_id] = path
    return written


def figure_html(figures: dict[str, dict[str | None, str]], title: str) -> str:
    """Thumbnails (one <img> per language; CSS shows the selected one) linking to the full figure."""
    parts = []
    for base, by_lang in figures.items():
        for lang, path in sorted(by_lang.items(), key=lambda kv: kv[0] or ""):
            cls = f' class="l-{lang}"' if lang else ""
            alt = f"{title} ({base}{', ' + lang if lang else ''})"
            parts.append(f'<a{cls} href="{esc(path)}"><img src="{esc(path)}" alt="{esc(alt)}"></a>')
    return '<div class="thumbs">' + "".join(parts) + "</div>" if parts else '<p class="nofig">no figure</p>'


def job_card(job, entry, figures, context: dict) -> str:
    """One exhibit: title, badges, thumbnails and links."""
    out_dir: Path = context["out_dir"]
    langs: Sequence[str] = context["langs"]
    titles = "".join(
        f'<span class="l-{lang}">{esc(job.title_in(lang))}</span>' if len(langs) > 1 else esc(job.title_in(lang))
        for lang in langs
    )
    counts = context["counts"]
    if job.item_id:
        badge = provenance_badge((r for r in counts if r.get("item_id") == job.item_id), "this item")
    else:
        badge = provenance_badge(counts, "the study's count table", "whole study: ") if counts else ""
    status = (entry or {}).get("status")
    links = []
    for label, path in (
        ("notebook (HTML)", out_dir / "html" / f"{job.name}.html"),
        ("ipynb", out_dir / "notebooks" / f"{job.name}.ipynb"),
    ):
        if path.is_file():
            links.append(f'<a href="{href(path, out_dir)}">{label}</a>')
    item_csv = context["item_csv"].get(job.item_id or "")
    if item_csv is not None:
        links.append(f'<a href="{href(item_csv, out_dir)}">data rows ({esc(job.item_id)})</a>')
    if context["counts_path"].is_file():
        links.append(f'<a href="{href(context["counts_path"], out_dir)}">counts.csv</a>')
    error = ""
    if status == "failed":
        badge += ' <span class="badge bad">failed</span>'
        error = f'<pre class="error">{esc(entry.get("error", ""))}</pre>'
        failed = out_dir / "failed" / f"{job.name}.ipynb"
        if failed.is_file():
            links.append(f'<a href="{href(failed, out_dir)}">failed notebook</a>')
    elif not (out_dir / "notebooks" / f"{job.name}.ipynb").is_file():
        badge += ' <span class="badge info">not run yet</span>'
    anchor = esc(job.name)
    return (
        f'<article class="card" id="{anchor}">'
        f'<h3><a href="#{anchor}">{titles}</a></h3>'
        f'<div>{badge} <span class="badge info">{esc(job.notebook.name)}</span></div>'
        f"{figure_html(figures, job.title)}{error}"
        f'<div class="links">{" ".join(links)}</div></article>'
    )


def table_html(header: Sequence[str], rows: Iterable[dict[str, str]], columns: Sequence[str], row_class=None) -> str:
    """A plain HTML table of *columns* (those present in *header*)."""
    cols = [c for c in columns if c in header]
    if not cols:
        return "<p>(not available)</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = []
    for row in rows:
        cls = f' class="{esc(row_class(row))}"' if row_class else ""
        cells = "".join(f'<td class="{esc(c)}">{esc(row.get(c, ""))}</td>' for c in cols)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def hashes_html(data: dict[str, str]) -> str:
    """The sha256 of every raw data file."""
    rows = "".join(f'<tr><td>{esc(path)}</td><td class="hash">{esc(sha)}</td></tr>' for path, sha in data.items())
    return f"<table><thead><tr><th>file</th><th>sha256</th></tr></thead><tbody>{rows}</tbody></table>"


def write_index(config, jobs, out_dir: Path, manifest: dict | None = None) -> Path:
    """Write ``<out_dir>/index.html`` (and ``<out_dir>/data/<item>.csv``) for *jobs*; returns its path."""
    from samskab_analysis.run.manifest import data_files, file_digests, load_manifest

    out_dir = Path(out_dir)
    manifest = manifest if manifest is not None else load_manifest(out_dir)
    entries: dict = manifest.get("jobs", {})
    processed = Path(config.processed_dir)
    counts_path = processed / "counts.csv"
    counts_header, counts = read_csv(counts_path)
    context = {
        "out_dir": out_dir,
        "counts": counts,
        "counts_path": counts_path,
        "item_csv": item_data_files(counts_header, counts, out_dir) if counts else {},
    }
    figures = {job.name: job_figures(job, entries.get(job.name), out_dir, LANGS) for job in jobs}
    rendered = {lang for figs in figures.values() for by_lang in figs.values() for lang in by_lang if lang}
    langs = [config.lang] + [lang for lang in LANGS if lang in rendered and lang != config.lang]
    context["langs"] = langs
    cards = "\n".join(job_card(job, entries.get(job.name), figures[job.name], context) for job in jobs)

    ledger_header, ledger = read_csv(processed / "claims_ledger.csv")
    design_header, design = read_csv(processed / "design.csv")
    data = manifest.get("data") or file_digests(data_files(config))
    version = manifest.get("version", "")
    run_date = manifest.get("run_date", "")
    n = counts[0].get("n", "") if counts else ""
    label = (
        "published report, reconstructed counts" if config.published else f"respondent data: {config.responses.name}"
    )
    buttons = ""
    if len(langs) > 1:
        buttons = '<div class="langs" role="group" aria-label="language">' + "".join(
            f'<button type="button" data-lang="{lang}" aria-pressed="{str(lang == config.lang).lower()}">'
            f"{LANG_NAMES.get(lang, lang)}</button>"
            for lang in langs
        )
        buttons += "</div>"
    title = UI["title"].get(config.lang, UI["title"]["en"])
    failed = sum(1 for job in jobs if entries.get(job.name, {}).get("status") == "failed")
    status = f"{len(jobs)} exhibits" + (f", <strong>{failed} failed</strong>" if failed else "")
    counts_link = f'<a href="{href(counts_path, out_dir)}">counts.csv</a>' if counts_path.is_file() else ""
    ledger_link = (
        f'<a href="{href(processed / "claims_ledger.csv", out_dir)}">claims_ledger.csv</a>' if ledger else "(none)"
    )
    manifest_link = ""  # the manifest is a local cache (not committed): the data hashes below stand in for it
    page = f"""<!doctype html>
<html lang="{esc(config.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{CSS}
{lang_css(langs)}</style>
</head>
<body data-lang="{esc(config.lang)}">
<header>
{buttons}
<h1>{esc(title)}</h1>
<p>Ulrich &amp; Stabell, <em>Samskabelse – De langsigtede effekter af kompetenceudvikling</em> — Norwegian follow-up
survey of library staff, N = {esc(n)}. Data: {esc(label)}.</p>
<p>samskab {esc(version)}{f" · run {esc(run_date)}" if run_date else ""} · {status} ·
{manifest_link}reproduce with <code>make reproduce</code></p>
<nav class="toc"><a href="#exhibits">Exhibits</a><a href="#ledger">Claims ledger</a><a href="#design">Study design</a>
<a href="#provenance">Data and provenance</a></nav>
</header>
<main>
<h2 id="exhibits">Exhibits</h2>
<p>Badges: <span class="badge ok">all stated/derived</span> every number is written in the report or follows from
it; <span class="badge warn">contains assumptions</span> some cells are reconstruction assumptions or follow only
under an assumed answer scale (hatched in the figures). Data rows: {counts_link}.</p>
<div class="grid">
{cards}
</div>
<h2 id="ledger">Claims ledger</h2>
<p>Every number the report states; <code>consistent</code> = the count table is consistent with the statement (the
table was built from the statements, so this checks consistency, not an independent reproduction); errata are
marked <code>certain</code> or <code>possible</code> ({ledger_link}).</p>
{table_html(ledger_header, ledger, LEDGER_COLUMNS, lambda r: "status-" + (r.get("status") or "x").split()[0])}
<h2 id="design">Study design</h2>
{table_html(design_header, design, DESIGN_COLUMNS)}
<h2 id="provenance">Data and provenance</h2>
<p>Package version samskab {esc(version)}{f"; notebooks last executed {esc(run_date)}" if run_date else ""}.
sha256 of every input data file:</p>
{hashes_html(data)}
</main>
<footer>Generated by <code>samskab reproduce</code>. Self-contained: no internet needed; all links are
relative.</footer>
<script>{SCRIPT}</script>
</body>
</html>
"""
    path = out_dir / "index.html"
    write_if_changed(path, page)
    return path
