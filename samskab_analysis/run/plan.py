"""The run plan: which notebooks (``notebooks/exhibits.csv``) run with which parameters, for which items.

Standard library only, so a run with nothing to do never imports pandas.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from samskab_analysis.data.errors import DataValidationError, Problem, raise_if
from samskab_analysis.output import portable_path
from samskab_analysis.paths import LANGS, NOTEBOOK_DIR, OUTSIDE, current_project

#: The exhibits list of the project found at import (code run after ``--project`` asks ``current_project()``).
EXHIBITS_FILE = NOTEBOOK_DIR / "exhibits.csv"


APPLIES_TO = ("both", "published", "respondents")


EXHIBIT_COLUMNS = ("notebook", "per_item", "applies_to", "title")
#: Optional column: ``true`` when the notebook applies ``min_count`` (statistical disclosure control) to every
#: output; with ``--min-count`` > 0 the others are not run.
DISCLOSURE_COLUMN = "disclosure_control"


def figure_prefixes(name: str, item_id: str | None) -> tuple[str, ...]:
    """The name prefixes of the figure files of job *name* (and of its item): ``<name>_``, ``<item>_``."""
    return tuple(f"{p}_" for p in (name, item_id) if p)


@dataclass(frozen=True)
class Job:
    """One papermill execution: input notebook, output stem and parameters."""

    name: str
    notebook: Path
    parameters: dict[str, object]
    title: str
    item_id: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    #: Set on the run of a further language (``figure_fig07.en``): the run's own language has ``None``.
    lang: str | None = None

    @property
    def stem(self) -> str:
        """The notebook's file stem (``figure`` for ``figure_fig07``)."""
        return self.notebook.stem

    @property
    def base(self) -> str:
        """The job's name without its language (``figure_fig07`` for ``figure_fig07.en``)."""
        return self.name.removesuffix(f".{self.lang}") if self.lang else self.name

    @property
    def figure_prefixes(self) -> tuple[str, ...]:
        """The name prefixes of the job's figure files (``figure_fig07_``, ``fig07_``): the naming rule."""
        return figure_prefixes(self.name, self.item_id)

    def title_in(self, lang: str) -> str:
        """The job's title in *lang* (item titles are translated; others fall back to :attr:`title`)."""
        return self.titles.get(lang, self.title)


@dataclass
class RunConfig:
    """What to reproduce and where."""

    data_dir: Path = field(default_factory=lambda: current_project().data_dir)
    responses: Path | None = None
    out_dir: Path = field(default_factory=lambda: current_project().reports_dir)
    lang: str = "da"
    langs: tuple[str, ...] = LANGS
    formats: tuple[str, ...] = ("svg", "png")
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    force: bool = False
    only: tuple[str, ...] = ()
    assumptions: Path | None = None
    column_map: Path | None = None
    sheet: str | None = None
    min_count: int = 0
    exhibits: Path = field(default_factory=lambda: current_project().exhibits_file)
    engine: str = field(default_factory=lambda: default_engine())
    #: Seconds a notebook may run before it is stopped and reported as a failure (None: no limit).
    timeout: float | None = 1800.0
    #: Every ``--data`` file when more than one is given (the waves, in order); ``responses`` is the last.
    waves: tuple[Path, ...] = ()
    wave_labels: tuple[str, ...] = ()
    include_incomplete: bool = False  # keep a cohort's incomplete responses (--include-incomplete)
    site: bool = True  # build the report's site (reports/site) at the end
    pdf: bool = True  # and its PDFs (reports/pdf)
    #: Disclosure control across releases (``--min-count``): a JSON-lines log of earlier releases to check
    #: against and append to, and whether a release close to an earlier one is published anyway.
    release_log: Path | None = None
    allow_overlap: bool = False

    @property
    def published(self) -> bool:
        """True when reproducing the published report (no respondent-level data)."""
        return self.responses is None

    @property
    def processed_dir(self) -> Path:
        """Where the processed tables of this run go (the project's data/processed for the published report)."""
        project = current_project()
        if self.published and Path(self.out_dir).resolve() == project.reports_dir.resolve():
            return project.processed_dir
        return Path(self.out_dir) / "processed"


def default_engine() -> str:
    """``fork`` where the OS can fork from a forkserver (Linux), else ``kernel``."""
    import multiprocessing as mp

    return "fork" if hasattr(os, "fork") and "forkserver" in mp.get_all_start_methods() else "kernel"


def rel(path: Path | None) -> str | None:
    """A path as it may appear in outputs: relative to the project when inside it, else ``…/<file name>``."""
    return portable_path(path)


def parameter_path(path: Path | str | None) -> str | None:
    """A path as passed to a notebook: relative to the project when inside it, else absolute.

    The executed notebook shows it as :func:`display_names` says (the runner replaces the machine's paths in
    it after execution: :func:`samskab_analysis.run.worker.scrub_paths`).
    """
    if path is None or str(path) == "":
        return None
    shown = portable_path(path)
    return shown if shown is not None and not shown.startswith(OUTSIDE) else os.path.abspath(path)  # links kept


def display_names(paths: Iterable[Path | str | None]) -> dict[Path, str]:
    """``{resolved path: name shown in outputs}``, unique: outside the project ``…/<name>``, with as many parent
    folders as it takes to tell two paths apart (``…/wave1/answers.csv`` and ``…/wave2/answers.csv``)."""
    real = list(dict.fromkeys(Path(p).resolve() for p in paths if p is not None and str(p) != ""))
    names = {path: str(portable_path(path)) for path in real}
    depth = 1
    while len(set(names.values())) < len(names) and depth < 64:
        depth += 1
        counts: dict[str, int] = {}
        for name in names.values():
            counts[name] = counts.get(name, 0) + 1
        for path, name in names.items():
            if counts[name] > 1 and name.startswith(OUTSIDE):
                names[path] = OUTSIDE + "/" + "/".join(path.parts[-depth:])
    return names


def passed_paths(config: RunConfig) -> list[Path | None]:
    """Every path the run passes to its notebooks."""
    return [
        config.data_dir,
        config.responses,
        Path(config.out_dir) / "figures",
        config.assumptions,
        config.column_map,
        config.processed_dir,
        *config.waves,
    ]


def path_mapping(config: RunConfig) -> dict[str, str]:
    """``{real path: name shown in outputs}`` of every path passed to the notebooks, the output folder, and
    their folders outside the project (shown as ``…``), for ``PATHS_ENV``."""
    passed = [p for p in passed_paths(config) if p is not None]
    mapping = {str(path): name for path, name in display_names([*passed, config.out_dir]).items()}
    for path in [*passed, config.out_dir]:
        folder = Path(path).resolve().parent
        if str(portable_path(folder)).startswith(OUTSIDE):
            mapping.setdefault(str(folder), OUTSIDE)
    return mapping


def read_rows(path: Path, required: Iterable[str], what: str) -> list[dict[str, str]]:
    """Rows of a small CSV file as dicts (BOM, ``;`` and tab tolerated); raises on missing file or columns."""
    if not path.is_file():
        raise DataValidationError(Problem(file=str(path), message=f"{what} file not found"))
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise DataValidationError(
            Problem(
                file=str(path),
                row=1,
                message="missing required column(s) " + ", ".join(missing),
                allowed=list(required),
            )
        )
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def _problem(path: Path, row: int, column: str, value: str, message: str, allowed=None) -> Problem:
    return Problem(file=str(path), message=message, row=row, column=column, value=value, allowed=allowed)


def read_exhibits(path: Path) -> list[dict[str, str]]:
    """The exhibits list, validated: ``applies_to`` and ``per_item`` values, no duplicate notebooks."""
    rows = read_rows(path, EXHIBIT_COLUMNS, "exhibits")
    problems, seen = [], set()
    for line, row in enumerate(rows, start=2):
        if row["applies_to"] not in APPLIES_TO:
            problems.append(_problem(path, line, "applies_to", row["applies_to"], "unknown value", APPLIES_TO))
        if row.get("disclosure_control", "false").lower() not in ("true", "false"):
            value = row.get("disclosure_control", "")
            problems.append(_problem(path, line, "disclosure_control", value, "not true or false", ("true", "false")))
        if row["per_item"].lower() not in ("true", "false"):
            problems.append(_problem(path, line, "per_item", row["per_item"], "not true or false", ("true", "false")))
        if not row["notebook"].endswith(".ipynb"):
            problems.append(_problem(path, line, "notebook", row["notebook"], "not an .ipynb file name"))
        elif row["notebook"] in seen:
            problems.append(_problem(path, line, "notebook", row["notebook"], "listed twice"))
        seen.add(row["notebook"])
    raise_if(problems)
    return rows


@dataclass(frozen=True)
class ItemInfo:
    """What planning needs to know about one survey item."""

    item_id: str
    titles: dict[str, str]


def read_items(data_dir: Path) -> list[ItemInfo]:
    """Items in report order with 'Figur 7: <title>' per language, read with the csv module.

    Falls back to the validating :func:`~samskab_analysis.instrument.load_instrument` when the quick read
    fails, so a broken instrument file is reported with file, row and column.
    """
    base = Path(data_dir) / "instrument"
    try:
        items = read_rows(base / "items.csv", ("item_id", "figure", "order"), "items")
        labels = {row["key"]: row for row in read_rows(base / "labels.csv", ("key",), "labels")}
        items.sort(key=lambda row: int(row["order"]))
        infos = []
        for row in items:
            titles = {}
            for lang in LANGS:
                label = labels.get(row["item_id"], {}).get(lang) or row["item_id"]
                name = f"{labels['figure'][lang]} {int(row['figure'])}" if row["figure"] else label
                titles[lang] = f"{name}: {row.get(f'title_{lang}') or row.get('title_da', '')}"
            infos.append(ItemInfo(row["item_id"], titles))
        return infos
    except (DataValidationError, KeyError, ValueError):
        from samskab_analysis.data.instrument import load_instrument

        instrument = load_instrument(data_dir)  # raises a DataValidationError naming the problem
        return [
            ItemInfo(i, {lang: f"{instrument.exhibit_name(i, lang)}: {instrument.title(i, lang)}" for lang in LANGS})
            for i in instrument.item_ids
        ]


def common_parameters(config: RunConfig) -> dict[str, object]:
    """Parameters passed to every notebook (only those a notebook declares are used)."""
    shown = parameter_path
    return {
        "data_dir": shown(config.data_dir),
        "responses": shown(config.responses),
        "lang": config.lang,
        "also_langs": "",  # each further language is a job of its own (language_jobs)
        "output_dir": shown(Path(config.out_dir) / "figures"),
        "formats": ",".join(config.formats),
        "assumptions": shown(config.assumptions),
        "column_map": shown(config.column_map),
        "sheet": config.sheet,
        "min_count": config.min_count,
        "processed_dir": shown(config.processed_dir),
    } | wave_parameters(config, shown) | ({"include_incomplete": True} if config.include_incomplete else {})


def wave_parameters(config: RunConfig, shown=parameter_path) -> dict[str, object]:
    """``waves`` / ``wave_labels`` (``|``-separated) for a run with several ``--data`` files, else nothing.

    A run with one ``--data`` file (or none) passes exactly the parameters it always did.
    """
    if len(config.waves) < 2:
        return {}
    return {"waves": "|".join(str(shown(p)) for p in config.waves), "wave_labels": "|".join(config.wave_labels) or None}


def other_language(job: Job, filename: str) -> bool:
    """True when a figure file is in another language than *job*'s run (``fig07_en.svg`` for ``figure_fig07``)."""
    code = Path(filename).stem.rpartition("_")[2]
    return code in LANGS and code != job.parameters.get("lang", code)


def matches(job: Job, key: str) -> bool:
    """True when an ``--only`` key names *job*: its name (with or without language), item or notebook stem."""
    return key in (job.name, job.base, job.item_id, job.stem)


def unknown_only(config: RunConfig, jobs: list[Job]) -> list[str]:
    """The ``--only`` keys matching no job of *jobs* (the unfiltered plan)."""
    return [key for key in config.only if not any(matches(j, key) for j in jobs)]


def language_jobs(config: RunConfig, jobs: list[Job]) -> list[Job]:
    """One run of every job per further language of ``config.langs``, named ``<job>.<lang>``.

    Each language's site shows its own run (tables, sentences and figures in that language,
    :mod:`samskab_analysis.run.site`); the run's own language keeps the plain job names.
    """
    return [
        replace(job, name=f"{job.name}.{lang}", parameters={**job.parameters, "lang": lang}, lang=lang)
        for lang in config.langs
        if lang != config.lang
        for job in jobs
    ]


def only_choices(jobs: list[Job]) -> str:
    """The names ``--only`` accepts, for an error message: notebook stems and item ids."""
    stems = list(dict.fromkeys(j.stem for j in jobs))
    items = list(dict.fromkeys(j.item_id for j in jobs if j.item_id))
    return ", ".join(stems) + (f"; items {', '.join(items)}" if items else "") + "; or job names such as figure_fig07"


def has_disclosure_control(row: dict[str, str]) -> bool:
    """True when an exhibits row says its notebook applies ``min_count`` to every output it writes."""
    return row.get("disclosure_control", "false").lower() == "true"


def withheld_notebooks(config: RunConfig) -> list[str]:
    """Notebooks not run because ``--min-count`` is set and they do not apply it to all their outputs."""
    if config.min_count <= 0:
        return []
    kind = "published" if config.published else "respondents"
    rows = read_exhibits(Path(config.exhibits))
    return [
        Path(r["notebook"]).stem for r in rows if r["applies_to"] in ("both", kind) and not has_disclosure_control(r)
    ]


def plan_jobs(config: RunConfig) -> list[Job]:
    """All notebook runs for *config*, in report order (filtered by ``config.only``)."""
    exhibits_file = Path(config.exhibits)
    exhibits = read_exhibits(exhibits_file)
    common = common_parameters(config)
    kind = "published" if config.published else "respondents"
    items: list[ItemInfo] | None = None
    jobs = []
    for row in exhibits:
        if row["applies_to"] not in ("both", kind):
            continue
        if config.min_count > 0 and not has_disclosure_control(row):
            continue  # its outputs could show counts below min_count: not run (see withheld_notebooks)
        notebook = exhibits_file.parent / row["notebook"]
        if row["per_item"].lower() == "true":
            items = items if items is not None else read_items(config.data_dir)
            for item in items:
                params = {**common, "item": item.item_id}
                name = f"{notebook.stem}_{item.item_id}"
                jobs.append(Job(name, notebook, params, item.titles["en"], item.item_id, item.titles))
        else:
            jobs.append(Job(notebook.stem, notebook, dict(common), row["title"]))
    jobs += language_jobs(config, jobs)
    if config.only:
        jobs = [j for j in jobs if any(matches(j, key) for key in config.only)]
    return jobs


def bounded_int(low: int, what: str):
    """An argparse type: an integer of at least *low*."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (a whole number >= {low})") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is not allowed; use a whole number >= {low}")
        return value

    return parse


def choice_list(allowed: tuple[str, ...], what: str):
    """An argparse type: a comma-separated list of values from *allowed*, returned as a string."""

    def parse(text: str) -> str:
        values = [x.strip() for x in text.split(",") if x.strip()]
        wrong = [x for x in values if x not in allowed]
        if wrong or not values:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(wrong) or repr(text)}; choose from {', '.join(allowed)}"
            )
        return ",".join(values)

    return parse


#: File types a ``--sheet`` applies to.
SHEET_SUFFIXES = (".xlsx", ".xlsm")


def check_sheet_option(sheet: str | None, files: Iterable[Path | str | None]) -> None:
    """``--sheet`` applies to Excel workbooks only: refused (one message) with a CSV, SPSS file or no file."""
    if sheet is None:
        return
    given = [Path(f) for f in files if f is not None]
    other = [f for f in given if f.suffix.lower() not in SHEET_SUFFIXES]
    if len(other) == len(given):  # no workbook among them (several waves: it applies to the workbooks)
        raise DataValidationError(
            Problem(
                file="--sheet",
                message="applies only to Excel workbooks (.xlsx); "
                + (f"{other[0].name} is not one" if other else "no --data file is given"),
                value=sheet,
            )
        )


def check_applies(args: argparse.Namespace, data: list[Path]) -> None:
    """Options of ``samskab reproduce`` that do nothing in this run are errors, not silently ignored."""
    problems = []
    if getattr(args, "column_map", None) is not None and not data:
        problems.append(Problem(file="--column-map", message="applies only with --data (a respondent file)"))
    if getattr(args, "wave_labels", "") and len(data) < 2:
        problems.append(Problem(file="--wave-labels", message="applies only with two or more --data files"))
    if getattr(args, "no_pdf", False) and getattr(args, "no_site", False):
        problems.append(Problem(file="--no-pdf", message="has no effect with --no-site (no site, no PDFs)"))
    raise_if(problems)
