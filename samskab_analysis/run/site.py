"""The report's site: Sphinx + MyST-NB over the executed notebooks, in Danish, Norwegian and English.

``build_site`` writes a build-source folder per language (``<out>/.site-src/<lang>/``, not tracked by git):
a copy of the Sphinx template (``site/``: conf.py, CSS, templates), a ``site.json`` with what differs per
language and run, the landing page, one results page per report level (sentences whose numbers are
``{glue:text}`` references to the executed results notebook), one page per exhibit (a copy of its executed
notebook behind a generated header: title, N, provenance badge, the SVG figures with captions, links to
the notebook, its data rows and the version that produced it) and a data page (claims ledger, sha256 of
every raw file).  Files are only rewritten when their content changes, so Sphinx rebuilds incrementally.
Then ``sphinx-build`` renders ``<out>/site/<lang>/`` (MyST-NB never executes a notebook:
``nb_execution_mode = "off"``), ``<out>/index.html`` redirects to the Danish site and, when Chromium is
available, :mod:`samskab_analysis.site_pdf` prints the whole report per language to ``<out>/pdf/``.
Every string shown comes from ``data/raw/site/strings.csv`` or the instrument's labels.
"""

from __future__ import annotations

import copy
import csv
import html as html_text
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from samskab_analysis import __version__, output
from samskab_analysis.data.strings import Strings, load_strings
from samskab_analysis.paths import DATA_DIR, LANGS, current_project, resolve
from samskab_analysis.run.manifest import update_manifest
from samskab_analysis.run.site_html import html
from samskab_analysis.run.site_job import (
    SiteWork,
    is_synthetic,
    pdf_available,
    pdf_outputs,
    plan_site,
    site_outputs,
    source_epoch,
)
from samskab_analysis.run.sphinx_build import sphinx_build, stop_all

SPHINX_LANGUAGE = {"da": "da", "no": "no", "en": "en"}
LANG_NAMES = {"da": "Dansk", "no": "Norsk", "en": "English"}
SOURCE_DIR = ".site-src"


@dataclass
class SiteConfig:
    """What the site is built from and where it goes."""

    out_dir: Path
    processed_dir: Path
    data_dir: Path = DATA_DIR
    published: bool = True
    label: str = ""
    synthetic: bool = False
    langs: tuple[str, ...] = LANGS
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    pdf: bool = True
    min_count: int = 0  # --min-count of the run: notebooks without disclosure control (results) did not run
    #: The Sphinx template (conf.py, CSS, templates): the project's ``site/`` or the packaged study's.
    template_dir: Path = field(default_factory=lambda: current_project().site_dir)

    @property
    def source_root(self) -> Path:
        return Path(self.out_dir) / SOURCE_DIR

    @property
    def site_dir(self) -> Path:
        return Path(self.out_dir) / "site"


# --- small helpers ------------------------------------------------------------------------------------------------


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write unless the file already holds exactly *data* (keeps mtimes, so Sphinx stays incremental)."""
    return output.write_if_changed(path, data)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file (empty when absent)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError:
        return [], []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def inputs_id(manifest: dict) -> str:
    """The run's inputs as a short content hash (data, library code, notebooks list, pins; from the manifest).

    Unlike a git commit it is the same on every clone of the same files, so the committed site is reproducible.
    """
    return str(manifest.get("inputs") or "unknown")[:12]


# --- what the run produced ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One exhibit page: the job's executed notebook and what its header shows."""

    name: str
    stem: str
    item_id: str | None
    level_id: str | None
    figures: tuple[str, ...]  # file names under <out>/figures
    titles: dict[str, str]
    title: str = ""  # the exhibit's title in notebooks/exhibits.csv (for a notebook the strings table lacks)


def split_figure(name: str, langs: Sequence[str] = LANGS) -> tuple[str, str | None, str]:
    """``fig07_da.svg`` -> (``fig07``, ``da``, ``.svg``); files without a language suffix get ``None``."""
    path = Path(name)
    base, _, lang = path.stem.rpartition("_")
    if base and lang in langs:
        return base, lang, path.suffix.lower()
    return path.stem, None, path.suffix.lower()


def figures_in(page: Page, lang: str) -> list[str]:
    """The page's figure files for *lang*: SVG preferred, PNG otherwise, figures without language too."""
    chosen: dict[str, dict[str, str]] = {}
    for name in page.figures:
        base, flang, ext = split_figure(name)
        if flang in (lang, None) and ext in (".svg", ".png"):
            chosen.setdefault(base, {})[ext] = name
    return [files.get(".svg") or files[".png"] for _, files in sorted(chosen.items())]


def collect_pages(jobs: Iterable, manifest: dict, out_dir: Path, instrument) -> list[Page]:
    """Exhibit pages of the executed jobs, in the runner's order (results notebook first)."""
    entries = manifest.get("jobs", {})
    pages = []
    for job in jobs:
        if getattr(job, "lang", None) or not (out_dir / "notebooks" / f"{job.name}.ipynb").is_file():
            continue  # a further language's run is shown on that language's page of its job
        runs = [job.name, *(f"{job.name}.{code}" for code in LANGS)]  # each language's run of the job
        recorded = [Path(f).name for name in runs for f in entries.get(name, {}).get("figures", [])]
        if not recorded and (out_dir / "figures").is_dir():  # no manifest record (fresh clone): the naming rule
            recorded = [p.name for p in (out_dir / "figures").iterdir() if p.name.startswith(job.figure_prefixes)]
        figures = tuple(sorted(n for n in recorded if (out_dir / "figures" / n).is_file()))
        level = instrument.items.at[job.item_id, "level_id"] if job.item_id else None
        pages.append(Page(job.name, job.stem, job.item_id, level, figures, dict(job.titles), job.title))
    return sorted(pages, key=lambda p: p.stem != "results")


def item_data_files(processed_dir: Path, out_dir: Path) -> dict[str, Path]:
    """Write ``<out>/data/<item>.csv`` (the item's rows of the count table); return them by item id."""
    header, counts = read_csv(Path(processed_dir) / "counts.csv")
    by_item: dict[str, list[dict[str, str]]] = {}
    for row in counts:
        by_item.setdefault(row.get("item_id", ""), []).append(row)
    written = {}
    for item_id, rows in sorted(by_item.items()):
        if not item_id:
            continue
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path = Path(out_dir) / "data" / f"{item_id}.csv"
        write_if_changed(path, buffer.getvalue())
        written[item_id] = path
    return written


# --- page content -------------------------------------------------------------------------------------------------


@dataclass
class Context:
    """Everything the generated pages of one language need."""

    config: SiteConfig
    lang: str
    say: Strings
    instrument: object
    counts: list[dict[str, str]]
    n: int
    inputs: str
    pages: list[Page]
    item_csv: dict[str, Path]
    failed: tuple[str, ...] = ()  # jobs whose last run failed (manifest status): no page, listed on the landing page
    totals: frozenset[str] = frozenset()  # items whose figure draws a stated total (a bracket marked Σ)

    def up(self, depth: int) -> str:
        """From a page *depth* folders below the language root back to ``<out>/`` (site/<lang>/…)."""
        return "../" * (depth + 2)

    def title(self, page: Page) -> str:
        if page.item_id:
            return page.titles.get(self.lang) or page.name
        key = f"job_{page.stem}"
        return self.say(key, n=self.n) if key in self.say.table else page.title or page.stem

    def badge(self, rows: list[dict[str, str]]) -> str:
        return provenance_badge([r.get("provenance", "") for r in rows], self.say)

    def data_label(self) -> str:
        """What the data are (HTML, escaped): the published study, or the cohort's file name as given."""
        if self.config.published:
            return html("data_label", text=self.say("data_published"), synthetic=None)
        text = self.say("data_cohort", label=self.config.label)
        return html("data_label", text=text, synthetic=self.say("synthetic") if self.config.synthetic else None)


def provenance_badge(kinds: list[str], say: Strings) -> str:
    """The badge of a page's cells: observed data, all stated/derived, or how many rest on an assumption.

    A cell derived only under an assumed answer scale (``derived_under_assumption``) rests on an assumption.
    """
    if not kinds:
        return ""
    if all(k == "observed" for k in kinds):
        return html("badge", kind="ok", text=say("badge_observed"))
    assumed = sum(k in ("assumed", "derived_under_assumption") for k in kinds)
    if assumed:
        return html("badge", kind="warn", text=say("badge_assumed", assumed=assumed, cells=len(kinds)))
    return html("badge", kind="ok", text=say("badge_stated"))


def md_escape(text: str) -> str:
    """Text safe inside MyST markdown (no roles, emphasis or targets by accident)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>#|$" else ch for ch in str(text))


#: Provenance kinds in the order a caption explains them (each only when the figure draws it).
CAPTION_KINDS = ("stated", "derived", "derived_under_assumption", "assumed")


def item_caption(ctx: Context, page: Page) -> str:
    """An item figure's caption: N once, then only the kinds of cell, totals and intervals the figure draws."""
    say = ctx.say
    rows = [r for r in ctx.counts if r.get("item_id") == page.item_id]
    parts = [say("caption_item", n=ctx.n)]
    kinds = {r.get("provenance") for r in rows}
    parts += [say(f"legend_{kind}") for kind in CAPTION_KINDS if kind in kinds]
    if ctx.config.published and page.item_id in ctx.totals:
        parts.append(say("legend_total"))
    parts.append(say("legend_interval", n=ctx.n))
    return " ".join(parts)


def caption(ctx: Context, page: Page, figure: str) -> str:
    """A figure's caption, specific to what it draws: N once, the kinds of cell it shows, the source.

    Item figures explain only their own kinds of cell (:func:`item_caption`); other figures have their own
    caption (``caption_<figure>`` in the strings table).  The source credit is given for the published
    study only; a cohort's figure says SYNTHETIC when its data are invented.
    """
    say = ctx.say
    base, _, _ = split_figure(figure)
    if page.item_id and base == page.item_id:
        text = item_caption(ctx, page)
    else:
        key = f"caption_{base}"
        text = say(key, n=ctx.n) if key in say.table else say("caption_other", n=ctx.n)
        if base == "overview":
            kinds = {r.get("provenance") for r in ctx.counts}
            text += "".join(" " + say(f"legend_{kind}") for kind in CAPTION_KINDS if kind in kinds)
            if ctx.config.published and ctx.totals:
                text += " " + say("legend_total")
    if ctx.config.published:
        text += " " + ctx.instrument.label("source_note", ctx.lang) + "."
    elif ctx.config.synthetic:
        text += " " + say("synthetic_caption")
    return text


def header_markdown(ctx: Context, page: Page, shows_numbers: bool = True) -> str:
    """The generated first cell of an exhibit page: the title (once), N and data, figures with captions, links.

    A page that shows no numbers (no table and no figure: the published run's cohorts and waves pages) has no
    badge about the cells' kinds.
    """
    say = ctx.say
    up = ctx.up(1)
    rows = [r for r in ctx.counts if r.get("item_id") == page.item_id] if page.item_id else ctx.counts
    lines = [f"# {md_escape(ctx.title(page))}", ""]
    badge = ctx.badge(rows)
    scope = "" if page.item_id else say("whole_study") + ": "
    lines.append(html("meta", n=ctx.n, data=ctx.data_label(), with_badge=shows_numbers, scope=scope, badge=badge))
    lines.append("")
    intro = f"intro_job_{page.stem}"
    if intro in say.table:
        lines += [md_escape(say(intro)), ""]
    for figure in figures_in(page, ctx.lang):
        text = caption(ctx, page, figure)
        lines += [
            f"```{{figure}} /_figures/{figure}",
            f":alt: {md_escape(figure_alt(ctx, page, figure))}",
            ":class: samskab-figure",
            "",
            md_escape(text),
            "```",
            "",
        ]
    own_run = page_notebook(Path(ctx.config.out_dir), page.name, ctx.lang).name  # this language's run
    links = [(f"{up}notebooks/{own_run}", say("link_notebook"))]
    if page.item_id and page.item_id in ctx.item_csv:
        links.append((f"{up}data/{page.item_id}.csv", say("link_data_rows")))
    elif (Path(ctx.config.processed_dir) / "counts.csv").is_file():
        rel = os.path.relpath(Path(ctx.config.processed_dir) / "counts.csv", Path(ctx.config.out_dir))
        links.append((f"{up}{Path(rel).as_posix()}", say("link_counts")))
    produced = say("produced_by", version=__version__, inputs=ctx.inputs)
    lines.append(html("links", links=links, produced=produced))
    lines.append("")
    code_note = html_text.escape(say("notebook_note_code"))
    note = f'{html_text.escape(say("notebook_note"))} <span class="samskab-screen-only">{code_note}</span>'
    lines += [f"## {md_escape(say('notebook_heading'))}", "", f"<p>{note}</p>", ""]  # the PDF has no code to unfold
    return "\n".join(lines)


def figure_alt(ctx: Context, page: Page, figure: str) -> str:
    """A figure's text alternative: what it shows (the page's title names it already for an item)."""
    base, _, _ = split_figure(figure)
    if page.item_id and base == page.item_id:
        return ctx.say("alt_item", exhibit=ctx.instrument.exhibit_name(page.item_id, ctx.lang), n=ctx.n)
    key = f"figure_{base}"
    return ctx.say(key) if key in ctx.say.table else ctx.title(page)


def page_notebook(out_dir: Path, name: str, lang: str) -> Path:
    """The executed notebook of job *name* in *lang*: ``<name>.<lang>.ipynb`` (a further language's run,
    :func:`~samskab_analysis.run.plan.language_jobs`), else ``<name>.ipynb`` (the run's own language)."""
    own = out_dir / "notebooks" / f"{name}.{lang}.ipynb"
    return own if own.is_file() else out_dir / "notebooks" / f"{name}.ipynb"


def exhibit_notebook(ctx: Context, page: Page) -> str:
    """The page's notebook: the executed notebook behind a generated header, code collapsed, PNGs replaced."""
    source = page_notebook(Path(ctx.config.out_dir), page.name, ctx.lang)
    nb = json.loads(source.read_text(encoding="utf-8"))
    has_svg = bool(figures_in(page, ctx.lang))
    cells = []
    first_markdown = True
    for cell in nb.get("cells", []):
        cell = copy.deepcopy(cell)
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if first_markdown:  # the title is generated
                first_markdown = False
                continue
            if ctx.lang != "en":  # the notebook's prose is English: keep its headings, translated
                heading = translated_heading(ctx, text)
                if heading is None:
                    continue
                cell["source"] = heading
            else:
                cell["source"] = demote_title(text)
        elif cell["cell_type"] == "code":
            tags = [t for t in cell.get("metadata", {}).get("tags", []) if t not in ("hide-input", "remove-cell")]
            cell.setdefault("metadata", {})["tags"] = [*tags, "hide-input"]
            outputs = []
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if has_svg and "image/png" in data and not any(k.startswith("text/html") for k in data):
                    continue  # the saved SVG is shown (with a caption) in the header
                outputs.append(output)
            cell["outputs"] = outputs
        cells.append(cell)
    cells = without_empty_sections(cells)
    shows_numbers = has_svg or any(shows_table_or_image(c) for c in cells)
    header = {"cell_type": "markdown", "id": "samskab-header", "metadata": {},
              "source": header_markdown(ctx, page, shows_numbers)}  # fmt: skip
    nb["cells"] = [header, *cells]
    nb.setdefault("metadata", {}).pop("papermill", None)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def shows_table_or_image(cell: dict) -> bool:
    """Whether a code cell's outputs show a table (HTML) or an image."""
    return cell["cell_type"] == "code" and any(
        key.startswith(("text/html", "image/")) for output in cell.get("outputs", []) for key in output.get("data", {})
    )


def heading_level(cell: dict) -> int:
    """The level of a markdown cell that starts with a heading (0: not a heading cell)."""
    if cell["cell_type"] != "markdown":
        return 0
    text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    match = re.match(r"^(#+)\s", text.strip())
    return len(match.group(1)) if match else 0


def without_empty_sections(cells: list[dict]) -> list[dict]:
    """Leave out each section (a heading cell up to the next heading) whose code cells all came out empty: its
    heading and prose would stand over nothing (the published run's cohorts and waves pages). A section of prose
    alone, or one whose subsections hold results, stays."""
    starts = [i for i, c in enumerate(cells) if heading_level(c)]
    drop: set[int] = set()
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(cells)
        code = [c for c in cells[start + 1 : end] if c["cell_type"] == "code"]
        if code and not any(c.get("outputs") for c in code):
            drop.update(range(start, end))
    return [c for i, c in enumerate(cells) if i not in drop]


def translated_heading(ctx: Context, text: str) -> str | None:
    """A markdown cell's heading in the page's language (``heading:<English>`` in the strings table), or None."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    match = re.match(r"^(#+)\s+(.*)$", first)
    if not match:
        return None
    key = "heading:" + match.group(2).strip()
    if key not in ctx.say.table:
        return None
    return f"{'#' * max(3, len(match.group(1)) + 1)} {md_escape(ctx.say(key))}"


def demote_title(text: str) -> str:
    """A markdown cell's headings go one level down, to level 3 at least, as :func:`translated_heading` puts them
    (the page has one title and its ``## `` sections; fenced code is left alone)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else re.match(r"^(#+)(\s.*)$", line)
        lines.append(f"{'#' * max(3, len(match.group(1)) + 1)}{match.group(2)}" if match else line)
    return "\n".join(lines)


def toctree(caption_text: str, entries: Sequence[str]) -> list[str]:
    if not entries:
        return []
    return ["```{toctree}", f":caption: {caption_text}", ":maxdepth: 1", "", *entries, "```", ""]


def landing_markdown(ctx: Context, design: dict[str, str]) -> str:
    """The landing page: what the study is, N, what is reconstructed, how to rerun; the table of contents."""
    say, inst = ctx.say, ctx.instrument
    lines = [f"# {md_escape(say('site_title'))}", ""]
    lines.append(html("meta", n=ctx.n, data=ctx.data_label(), with_badge=False))
    lines.append("")
    if ctx.config.published:
        lines += [
            md_escape(
                say(
                    "landing_study",
                    invited=design.get("invited", "?"),
                    n=ctx.n,
                    rate=design.get("response_rate", "?"),
                    items=len(inst.item_ids),
                )
            ),
            "",
            md_escape(say("landing_reconstructed")),
            "",
        ]
    else:
        lines += [md_escape(say("landing_cohort", label=ctx.config.label, n=ctx.n, items=len(inst.item_ids))), ""]
        if ctx.config.synthetic:
            lines += [f"**{md_escape(say('synthetic_note'))}**", ""]
    lines += [
        f"## {md_escape(say('rerun_heading'))}",
        "",
        md_escape(say("rerun_text")),
        "",
        "```bash",
        "make reproduce        # samskab reproduce",
        "samskab site          # " + say("rerun_site_comment"),
        "samskab explore       # " + say("rerun_explore_comment"),
        "```",
        "",
    ]
    if ctx.failed:  # a failed notebook has no page: say so where everyone looks first
        lines += [f"## {md_escape(say('failed_heading'))}", "", md_escape(say("failed_intro")), ""]
        lines += [html("failed", badge=say("failed_badge"), name=name) for name in ctx.failed]
        lines.append("")
    pdf = f"{ctx.up(0)}pdf/samskab_{ctx.lang}.pdf"
    lines += [html("link", href=pdf, text=say("link_pdf")), ""]
    levels = level_rows(ctx)
    lines += toctree(say("nav_results"), [f"results/{lv}" for lv, _ in levels])
    for level_id, label in levels:
        lines += toctree(label, [f"exhibits/{p.name}" for p in ctx.pages if p.level_id == level_id])
    others = [f"exhibits/{p.name}" for p in ctx.pages if not p.item_id]
    lines += toctree(say("nav_analyses"), others)
    lines += toctree(say("nav_data"), ["data"])
    return "\n".join(lines)


def level_rows(ctx: Context) -> list[tuple[str, str]]:
    levels = ctx.instrument.levels.sort_values("order")
    return [(lv, str(levels.at[lv, f"label_{ctx.lang}"])) for lv in levels.index]


def results_markdown(ctx: Context, level_id: str, label: str, results_doc: str | None) -> str:
    """One results page: our own sentences per item, every number a ``{glue:text}`` reference."""
    say, inst = ctx.say, ctx.instrument
    lines = [f"# {md_escape(label)}", "", md_escape(say(f"intro_{level_id}")), ""]
    items = [i for i in inst.item_ids if inst.items.at[i, "level_id"] == level_id]
    if results_doc is None:
        missing = "results_withheld" if ctx.config.min_count > 0 else "results_missing"
        return "\n".join([*lines, md_escape(say(missing)), ""])
    for item_id in items:
        scale = inst.items.at[item_id, "scale_id"]

        def glued(name: str, item_id: str = item_id) -> str:
            return f"{{glue:text}}`{results_doc}::{item_id}_{name}:s`"

        sentence = say(
            "sentence_item",
            exhibit=md_escape(inst.exhibit_name(item_id, ctx.lang)),
            title=md_escape(inst.title(item_id, ctx.lang)),
            top=md_escape(say(f"top_{scale}")),
            pct=glued("pct"),
            lo=glued("lo"),
            hi=glued("hi"),
            n=glued("n"),
            basis=glued(f"basis_{ctx.lang}"),
        )
        page = next((p for p in ctx.pages if p.item_id == item_id), None)
        link = f" ({{doc}}`{md_escape(say('link_exhibit'))} </exhibits/{page.name}>`)" if page else ""
        lines += [f"- {sentence}{link}", ""]
    return "\n".join(lines)


def ledger_status(status: str) -> str:
    """The strings-table key of a ledger status (``consistent``, ``INCONSISTENT``, with or without an erratum)."""
    if status.startswith("possible erratum"):
        return "status_possible_erratum"
    if "erratum" in status:
        return "status_erratum"
    return f"status_{status.split(' ')[0].lower()}"


def ledger_html(ctx: Context) -> str:
    """The claims ledger with translated headers, category labels and statuses."""
    header, ledger = read_csv(Path(ctx.config.processed_dir) / "claims_ledger.csv")
    if not ledger:
        return html("paragraph", text=ctx.say("ledger_none"))
    inst, say = ctx.instrument, ctx.say
    columns = ("claim_id", "item_id", "categories", "stated", "from_table", "count", "cells", "status")
    numeric = {"stated", "from_table", "count"}
    head = [(say("col_" + c), c in numeric) for c in columns]
    body = []
    for row in ledger:
        cells = []
        for c in columns:
            value = row.get(c, "")
            if c == "item_id" and value in inst.items.index:
                value = inst.exhibit_name(value, ctx.lang)
            elif c == "categories" and row.get("item_id") in inst.items.index:
                scale = inst.items.at[row["item_id"], "scale_id"]
                value = " + ".join(inst.category_label(scale, cat, ctx.lang) for cat in value.split("+") if cat)
                if row.get("alternative_reading"):  # our reading of which categories the words cover
                    value += f" ({say('ledger_reading')})"
            elif c == "cells":
                value = ", ".join(inst.label(kind, ctx.lang) for kind in value.split(",") if kind)
            elif c == "status":
                value = say(ledger_status(value))
            cells.append((value, c in numeric, False))
        kind = "assumed" if "assumed" in row.get("cells", "") else "stated"  # derived_under_assumption too
        body.append((kind, cells))
    return html("table", head=head, rows=body)


#: Test fixtures and examples under ``data/raw/``: not inputs of the study (a run's own respondent file is).
FIXTURES = "data/raw/examples/"


def study_inputs(hashes: dict[str, str], responses: str | None = None) -> dict[str, str]:
    """The run's input files with their sha256, without the shipped examples and test fixtures."""
    return {p: h for p, h in hashes.items() if not p.startswith(FIXTURES) or p == responses}


def kinds_markdown(ctx: Context) -> list[str]:
    """What the cell kinds mean: a definition list, only the kinds the study's cells have."""
    say = ctx.say
    present = {r.get("provenance") for r in ctx.counts}
    kinds = [k for k in (*CAPTION_KINDS, "observed") if k in present]
    lines = [f"## {md_escape(say('kinds_heading'))}", "", md_escape(say("kinds_intro")), ""]
    for kind in kinds:
        name = ctx.instrument.label(kind, ctx.lang)
        lines += [f"- **{md_escape(name)}**: {md_escape(say('kind_def_' + kind))}", ""]
    return lines


def data_markdown(ctx: Context, hashes: dict[str, str]) -> str:
    """The data and provenance page: the cell kinds, claims ledger (published study), version, sha256 of the inputs."""
    say = ctx.say
    lines = [f"# {md_escape(say('nav_data'))}", ""]
    lines += kinds_markdown(ctx)
    if ctx.config.published:
        lines += [
            f"## {md_escape(say('ledger_heading'))}",
            "",
            md_escape(say("ledger_intro")),
            "",
            "```{raw} html",
            ledger_html(ctx),
            "```",
            "",
        ]
    lines += [
        f"## {md_escape(say('hashes_heading'))}",
        "",
        md_escape(say("produced_by", version=__version__, inputs=ctx.inputs)),
        "",
        "```{raw} html",
        html("hashes", file=say("col_file"), hashes=list(hashes.items())),
        "```",
        "",
    ]
    return "\n".join(lines)


# --- the build ----------------------------------------------------------------------------------------------------


def site_json(ctx: Context, strings: dict[str, dict[str, str]]) -> str:
    say = ctx.say
    # the theme puts the title into its templates unescaped: a file name there is reduced to a safe name
    label = output.safe_name(ctx.config.label, default="cohort")
    title = say("site_title") if ctx.config.published else say("site_title_cohort", label=label)
    info = {
        "title": title,
        "author": "samskab",
        "copyright": say("copyright"),
        "version": __version__,
        "lang": ctx.lang,
        "sphinx_language": SPHINX_LANGUAGE[ctx.lang],
        "languages": [[code, LANG_NAMES[code]] for code in ctx.config.langs],
        "code_show": say("code_show"),
        "code_hide": say("code_hide"),
        "search_placeholder": say("search_placeholder"),
        "strings": {"language": say("language"), "footer": say("footer", version=__version__, inputs=ctx.inputs)},
    }
    return json.dumps(info, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def theme_catalog(strings: dict[str, dict[str, str]], lang: str) -> str:
    """A gettext catalog (``sphinx.po``) translating the theme's English strings (keys ``theme:<English>``)."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for key, row in sorted(strings.items()):
        if key.startswith("theme:"):
            lines += [f"msgid {quoted(key[len('theme:') :])}", f"msgstr {quoted(row[lang])}", ""]
    return "\n".join(lines)


#: The search page's messages (Sphinx's searchtools.js) and their keys in the strings table.
SEARCH_MESSAGES = {
    "Search Results": "search_results",
    "Searching": "search_searching",
    "Preparing search...": "search_preparing",
    "Your search did not match any documents. Please make sure that all words are spelled correctly and that "
    "you've selected enough categories.": "search_none",
    ", in ": "search_in",
    "Hide Search Matches": "search_hide",
    "Search": "search_button",
}
SEARCH_PLURAL = (
    "Search finished, found one page matching the search query.",
    "Search finished, found ${resultCount} pages matching the search query.",
)


def search_catalog(strings: dict[str, dict[str, str]], lang: str) -> str:
    """``sphinx.js``: the search page's messages in *lang* (Sphinx ships none, or empty ones, for Norwegian)."""
    say = Strings(strings, lang)
    messages: dict[str, object] = {msgid: say(key) for msgid, key in SEARCH_MESSAGES.items()}
    messages[SEARCH_PLURAL[0]] = [say("search_found_one"), say("search_found_many")]
    catalog = {"locale": SPHINX_LANGUAGE[lang], "messages": messages, "plural_expr": "n === 1 ? 0 : 1"}
    return "Documentation.addTranslations(" + json.dumps(catalog, indent=1, sort_keys=True, ensure_ascii=False) + ");\n"


def write_sources(config: SiteConfig, lang: str, pages: list[Page], shared: dict) -> Path:
    """Write the build source of one language; returns its folder. Stale generated files are removed."""
    src = config.source_root / lang
    written: set[Path] = set()

    def put(rel: str, data: str | bytes) -> None:
        path = src / rel
        write_if_changed(path, data)
        written.add(path)

    template = Path(config.template_dir)
    for path in sorted(template.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            put(path.relative_to(template).as_posix(), path.read_bytes())
    say = Strings(shared["strings"], lang)
    ctx = Context(
        config,
        lang,
        say,
        shared["instrument"],
        shared["counts"],
        shared["n"],
        shared["inputs"],
        pages,
        shared["item_csv"],
        shared["failed"],
        shared["totals"],
    )
    put("site.json", site_json(ctx, shared["strings"]))
    locale = f"locale/{SPHINX_LANGUAGE[lang]}/LC_MESSAGES"
    if lang != "en":  # the theme's own strings (search, previous/next, ...) from the strings table
        put(f"{locale}/sphinx.po", theme_catalog(shared["strings"], lang))
    put(f"{locale}/sphinx.js", search_catalog(shared["strings"], lang))  # the search page's messages
    put("index.md", landing_markdown(ctx, shared["design"]))
    results_doc = "/exhibits/results.ipynb" if any(p.stem == "results" for p in pages) else None
    for level_id, label in level_rows(ctx):
        put(f"results/{level_id}.md", results_markdown(ctx, level_id, label, results_doc))
    for page in pages:
        put(f"exhibits/{page.name}.ipynb", exhibit_notebook(ctx, page))
        for figure in figures_in(page, lang):
            put(f"_figures/{figure}", (Path(config.out_dir) / "figures" / figure).read_bytes())
    put("data.md", data_markdown(ctx, shared["hashes"]))
    for path in sorted(src.rglob("*"), reverse=True):  # forget pages of jobs no longer run
        if not path.is_dir() and path not in written and path.suffix != ".mo":  # .mo: compiled by Sphinx
            output.remove_file(path)
    output.remove_empty_dirs(src)
    return src


def unused_static(rel: Path) -> bool:
    """Files a reader's browser never loads: source maps, gettext catalogs, Jinja macro files, build info."""
    if rel.name.startswith(".buildinfo"):  # Sphinx's build bookkeeping, not for readers
        return True
    return rel.suffix == ".map" or (rel.parts[0] == "_static" and ("locales" in rel.parts or rel.suffix == ".html"))


#: ``?v=<checksum>`` after a CSS/JS link (a web cache-buster; a clean and an incremental build differ in them).
CACHE_BUSTER = re.compile(rb'(\.(?:css|js))\?v=[0-9a-f]+"')
def clean_search_index(data: bytes) -> bytes:
    """Sphinx's search index without the empty entries an incremental build leaves for words no page has."""
    text = data.decode("utf-8")
    prefix, suffix = "Search.setIndex(", ")"
    if not (text.startswith(prefix) and text.rstrip().endswith(suffix)):
        return data
    index = json.loads(text.rstrip()[len(prefix) : -len(suffix)])
    for key in ("terms", "titleterms"):
        if isinstance(index.get(key), dict):
            index[key] = {word: docs for word, docs in index[key].items() if docs != []}
    return (prefix + json.dumps(index, separators=(",", ":"), sort_keys=True) + suffix).encode("utf-8")


#: Pages Sphinx writes that have no source document.
SPECIAL_PAGES = frozenset({"genindex", "search", "py-modindex"})


def stale_page(rel: Path, docs: set[str]) -> bool:
    """A page (or its copied source) of a document that is gone: Sphinx keeps those in an incremental build."""
    if rel.parts[0] == "_sources":
        return rel.relative_to("_sources").as_posix().split(".")[0] not in docs
    if rel.suffix == ".html" and not rel.parts[0].startswith("_"):
        doc = rel.with_suffix("").as_posix()
        return doc not in docs and doc not in SPECIAL_PAGES
    return False


#: Attributes whose text a reader sees (tooltips, placeholders) or hears (screen readers).
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-bs-title")


def translate_attributes(data: bytes, words: dict[str, str]) -> bytes:
    """English words the themes hard-code in tooltips and labels, in the page's language (``attr:`` strings)."""
    if not words:
        return data
    pattern = re.compile(r'\b(' + "|".join(VISIBLE_ATTRIBUTES) + r')="([^"]*)"')

    def swap(match: re.Match[str]) -> str:
        value = html_text.unescape(match.group(2))
        return f'{match.group(1)}="{html_text.escape(words[value])}"' if value in words else match.group(0)

    return pattern.sub(swap, data.decode("utf-8")).encode("utf-8")


def attribute_words(strings: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    """``{English: translation}`` of the strings table's ``attr:<English>`` rows (none for English)."""
    if lang == "en":
        return {}
    return {key[len("attr:") :]: row[lang] for key, row in strings.items() if key.startswith("attr:")}


def mirror(source: Path, target: Path, docs: set[str] | None = None, words: dict[str, str] | None = None) -> None:
    """Make *target* a copy of *source*, rewriting only changed files (quiet git, stable mtimes).

    With *docs* (the source documents, without suffix), pages of documents no longer built are left out;
    *words* translates the themes' hard-coded English tooltips and labels (:func:`translate_attributes`).
    """
    wanted = {
        p.relative_to(source)
        for p in source.rglob("*")
        if p.is_file()
        and not unused_static(p.relative_to(source))
        and not (docs is not None and stale_page(p.relative_to(source), docs))
    }
    # Sphinx never deletes images of earlier builds: keep only those a page still shows
    shown = {m for p in source.rglob("*.html") for m in re.findall(r"_images/([^\"'?#)\s]+)", p.read_text("utf-8"))}
    wanted = {rel for rel in wanted if rel.parts[0] != "_images" or unquote(rel.name) in shown or rel.name in shown}
    for rel in sorted(wanted):
        data = (source / rel).read_bytes()
        if rel.suffix == ".html":  # cache-busting checksums: Sphinx adds some only on a second build
            data = translate_attributes(CACHE_BUSTER.sub(b'\\1"', data), words or {})
        elif rel.name == "searchindex.js":
            data = clean_search_index(data)
        write_if_changed(target / rel, data)
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            if not path.is_dir() and path.relative_to(target) not in wanted:
                output.remove_file(path)
        output.remove_empty_dirs(target)


def write_redirect(out_dir: Path, lang: str) -> Path:
    """``<out>/index.html``: a redirect to the site, so old links keep working."""
    target = f"site/{lang}/index.html"
    page = html("redirect", lang=lang, target=target)
    path = Path(out_dir) / "index.html"
    write_if_changed(path, page)
    return path


def stated_total_items(config: SiteConfig, counts: list[dict[str, str]]) -> frozenset[str]:
    """Items whose figure draws a stated total: a statement over several categories not all of them stated."""
    if not config.published:
        return frozenset()
    _, statements = read_csv(Path(config.data_dir) / "published" / "statements.csv")
    kinds = {(r.get("item_id"), r.get("category_id")): r.get("provenance") for r in counts}
    items = set()
    for row in statements:
        cats = [c.strip() for c in row.get("categories", "").split("|") if c.strip()]
        if len(cats) > 1 and any(kinds.get((row.get("item_id"), c)) != "stated" for c in cats):
            items.add(row.get("item_id", ""))
    return frozenset(items)


def shared_inputs(config: SiteConfig, manifest: dict) -> dict:
    """What every language's pages use: strings, instrument, counts, N, inputs hash, data hashes."""
    from samskab_analysis.data.instrument import load_instrument

    _, counts = read_csv(Path(config.processed_dir) / "counts.csv")
    _, design_rows = read_csv(Path(config.processed_dir) / "design.csv")
    n_values = {r.get("n") for r in counts if r.get("n")}
    return {
        "strings": load_strings(config.data_dir),
        "instrument": load_instrument(config.data_dir),
        "counts": counts,
        "n": int(max(n_values, key=int)) if n_values else 0,
        "design": {r["key"]: r["value"] for r in design_rows},
        "inputs": inputs_id(manifest),
        "item_csv": item_data_files(config.processed_dir, config.out_dir),
        "hashes": study_inputs(dict(sorted((manifest.get("data") or {}).items())), manifest.get("responses")),
        "failed": tuple(sorted(n for n, e in (manifest.get("jobs") or {}).items() if e.get("status") == "failed")),
        "totals": stated_total_items(config, counts),
    }


def build_site(config: SiteConfig, jobs: Iterable, manifest: dict) -> tuple[Path, list[Path] | None]:
    """Write the sources and build ``<out>/site/<lang>/`` for every language (then the PDFs).

    Returns the index page and the PDFs printed (None when not asked for).
    """
    started = time.perf_counter()
    shared = shared_inputs(config, manifest)
    pages = collect_pages(jobs, manifest, Path(config.out_dir), shared["instrument"])
    epoch = source_epoch()
    sources = {lang: write_sources(config, lang, pages, shared) for lang in config.langs}
    doctrees = config.source_root / "_doctrees"
    staging = config.source_root / "_build"  # MyST-NB writes next to the output folder: one folder per language
    for folder in (doctrees, staging):  # sphinx-build writes there itself: no link on the way
        output.check_no_links(folder, config.out_dir)

    def build(lang: str) -> tuple[str, subprocess.CompletedProcess]:
        result = sphinx_build("html", sources[lang], staging / lang / "html", doctrees / lang, epoch)
        if result.returncode == 0:
            docs = {
                p.relative_to(sources[lang]).with_suffix("").as_posix()
                for p in sources[lang].rglob("*")
                if p.suffix in (".md", ".ipynb") and not p.relative_to(sources[lang]).parts[0].startswith("_")
            }
            mirror(staging / lang / "html", config.site_dir / lang, docs, attribute_words(shared["strings"], lang))
        return lang, result

    failed = []
    pool = ThreadPoolExecutor(max_workers=max(1, min(config.jobs, len(sources))))
    try:
        for lang, result in pool.map(build, sources):
            if result.returncode != 0:
                failed.append(lang)
                print(f"samskab site: sphinx-build ({lang}) failed:\n{result.stderr}", file=sys.stderr)
            elif result.stderr.strip():
                print(f"samskab site ({lang}): {result.stderr.strip()}", file=sys.stderr)
    except BaseException:  # Ctrl-C, SIGTERM: stop the builds now, not when they finish
        stop_all()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    for stale in sorted(config.site_dir.glob("*")) if config.site_dir.is_dir() else []:
        if stale.is_dir() and stale.name not in config.langs:
            output.remove_tree(stale)
    index = write_redirect(config.out_dir, config.langs[0])
    print(f"samskab site: {len(config.langs)} languages in {time.perf_counter() - started:.1f}s -> {config.site_dir}")
    if failed:
        raise RuntimeError(f"sphinx-build failed for {', '.join(failed)}")
    if config.pdf:
        from samskab_analysis.run.site_pdf import build_pdfs

        return index, build_pdfs(config, sources, doctrees, epoch)
    return index, None


# --- entry points -------------------------------------------------------------------------------------------------


def site_config(run_config, pdf: bool = True) -> SiteConfig:
    """The site of a ``samskab reproduce`` run (published study or a cohort)."""
    responses = run_config.responses
    langs = tuple(dict.fromkeys([run_config.lang, *run_config.langs]))  # the languages the run executed
    return SiteConfig(
        out_dir=Path(run_config.out_dir),
        processed_dir=Path(run_config.processed_dir),
        data_dir=Path(run_config.data_dir),
        published=responses is None,
        label=Path(responses).name if responses is not None else "",
        synthetic=is_synthetic(responses),
        langs=langs,
        jobs=run_config.jobs,
        pdf=pdf,
        min_count=int(getattr(run_config, "min_count", 0) or 0),
    )


def build_for_run(run_config, jobs, manifest: dict, pdf: bool = True, work: SiteWork | None = None) -> Path:
    """Build the site (and PDFs) of a run and record them in the manifest as jobs (:mod:`.site_job`).

    Called at the end of ``samskab reproduce`` when :func:`~samskab_analysis.run.site_job.plan_site` found the
    site or the PDFs stale, and by ``samskab site``.
    """
    out_dir = Path(run_config.out_dir)
    work = work or plan_site(run_config, jobs, manifest, pdf)
    for what, reason in (("the site", work.site_reason), ("the PDFs", work.pdf_reason)):
        if reason and reason.startswith("output"):
            print(f"samskab site: rebuilding {what}: {reason}", file=sys.stderr)
    config = site_config(run_config, pdf)
    index, printed = build_site(config, jobs, manifest)
    top: dict[str, object] = {"site": {"hash": work.site_digest, "outputs": site_outputs(out_dir)}}
    if pdf and work.pdf_digest and (printed is not None and len(printed) == len(config.langs) or pdf_available()):
        top["pdf"] = {"hash": work.pdf_digest, "outputs": pdf_outputs(out_dir, config.langs)}
    update_manifest(out_dir, {}, top)
    return index


def cmd_site(args) -> int:
    """``samskab site``: rebuild the site (and PDFs) from the notebooks the last run executed."""
    from samskab_analysis.run.manifest import data_files, file_digests, inputs_hash, load_manifest
    from samskab_analysis.run.plan import RunConfig, plan_jobs

    project = current_project()
    with output.claim_output(args.out or project.reports_dir) as out:
        if not (out / "notebooks").is_dir():
            raise output.OutputError(
                f"{output.shown(out)} holds no executed notebooks; run samskab reproduce (--out) first"
            )
        manifest = load_manifest(out)
        responses = manifest.get("responses")
        published = manifest.get("published", False)
        responses_path = resolve(str(responses)) if responses and not published else None
        lang = getattr(args, "lang", None) or project.lang
        min_count = manifest.get("min_count", 0)
        config = RunConfig(
            out_dir=out,
            responses=responses_path,
            lang=lang,
            jobs=args.jobs,
            min_count=min_count if isinstance(min_count, int) else 0,
        )
        if "inputs" not in manifest:  # a fresh clone: the manifest is local; the inputs are what is here
            data = file_digests(data_files(config))
            manifest = {**manifest, "data": data, "inputs": inputs_hash(config, data)}
        jobs = plan_jobs(config)
        work = plan_site(config, jobs, manifest, not args.no_pdf)
        if work.current and not args.force:
            print(f"samskab site: up to date ({output.shown(out / 'site')}; use --force to rebuild)")
            return 0
        build_for_run(config, jobs, manifest, pdf=not args.no_pdf, work=work)
    return 0


def add_arguments(parser) -> None:
    """Options of ``samskab site``."""
    parser.add_argument(
        "--out", type=Path, default=None, help="the run's output folder (default: the project's reports/)"
    )
    parser.add_argument(
        "--lang", choices=LANGS, default=None, help="language of reports/index.html (default: the project's, else da)"
    )
    from samskab_analysis.run.plan import bounded_int

    parser.add_argument(
        "--jobs", "-j", type=bounded_int(1, "a number of languages"), default=os.cpu_count() or 1,
        help="languages built in parallel",
    )
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDFs")
    parser.add_argument("--force", action="store_true", help="rebuild even when the site and PDFs are up to date")
