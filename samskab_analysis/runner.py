"""Execute the study's notebooks with papermill: planned, parallel, incremental.

The plan comes from ``notebooks/exhibits.csv`` (one row per notebook; ``per_item`` notebooks run
once per survey item).  A job is skipped when the content hash of its input notebook, parameters,
data and library code matches ``manifest.json`` in the output folder and all its outputs (executed
notebook, HTML page, the figure files it saved) exist.  Planning and the up-to-date check use only
the standard library, so a run with nothing to do takes a fraction of a second; pandas, papermill
and the kernels are only started when something has to run (in :mod:`samskab_analysis.execute`).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from samskab_analysis import __version__
from samskab_analysis.errors import DataValidationError, Problem, raise_if
from samskab_analysis.paths import DATA_DIR, LANGS, NOTEBOOK_DIR, PROCESSED_DIR, REPO_ROOT, REPORTS_DIR

EXHIBITS_FILE = NOTEBOOK_DIR / "exhibits.csv"
MANIFEST = "manifest.json"
LIBRARY_DIR = REPO_ROOT / "samskab_analysis"
#: Bump when the runner's outputs change in a way that needs every notebook re-executed.
RUN_FORMAT = 2
#: Modules of the runner itself, never imported by notebooks: editing them does not rerun notebooks.
RUNNER_MODULES = frozenset(
    {"runner.py", "execute.py", "fork_engine.py", "progress.py", "site.py", "site_pdf.py", "cli.py"}
)
APPLIES_TO = ("both", "published", "respondents")
EXHIBIT_COLUMNS = ("notebook", "per_item", "applies_to", "title")


@dataclass(frozen=True)
class Job:
    """One papermill execution: input notebook, output stem and parameters."""

    name: str
    notebook: Path
    parameters: dict[str, object]
    title: str
    item_id: str | None = None
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        """The notebook's file stem (``figure`` for ``figure_fig07``)."""
        return self.notebook.stem

    def title_in(self, lang: str) -> str:
        """The job's title in *lang* (item titles are translated; others fall back to :attr:`title`)."""
        return self.titles.get(lang, self.title)


@dataclass
class RunConfig:
    """What to reproduce and where."""

    data_dir: Path = DATA_DIR
    responses: Path | None = None
    out_dir: Path = REPORTS_DIR
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
    exhibits: Path = EXHIBITS_FILE
    engine: str = field(default_factory=lambda: default_engine())
    site: bool = True
    pdf: bool = True

    @property
    def published(self) -> bool:
        """True when reproducing the published report (no respondent-level data)."""
        return self.responses is None

    @property
    def processed_dir(self) -> Path:
        """Where the processed tables of this run go (data/processed for the published report)."""
        if self.published and Path(self.out_dir).resolve() == REPORTS_DIR.resolve():
            return PROCESSED_DIR
        return Path(self.out_dir) / "processed"


def default_engine() -> str:
    """``fork`` where the OS can fork from a forkserver (Linux), else ``kernel``."""
    import multiprocessing as mp

    return "fork" if hasattr(os, "fork") and "forkserver" in mp.get_all_start_methods() else "kernel"


def rel(path: Path | None) -> str | None:
    """A path as a string relative to the repository when inside it (keeps outputs portable)."""
    if path is None:
        return None
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


# --- planning (standard library only: no pandas on the no-op path) ---------------------------------------------


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
        from samskab_analysis.instrument import load_instrument

        instrument = load_instrument(data_dir)  # raises a DataValidationError naming the problem
        return [
            ItemInfo(i, {lang: f"{instrument.exhibit_name(i, lang)}: {instrument.title(i, lang)}" for lang in LANGS})
            for i in instrument.item_ids
        ]


def common_parameters(config: RunConfig) -> dict[str, object]:
    """Parameters passed to every notebook (only those a notebook declares are used)."""
    return {
        "data_dir": rel(config.data_dir),
        "responses": rel(config.responses),
        "lang": config.lang,
        "also_langs": ",".join(lang for lang in config.langs if lang != config.lang),
        "output_dir": rel(Path(config.out_dir) / "figures"),
        "formats": ",".join(config.formats),
        "assumptions": rel(config.assumptions),
        "column_map": rel(config.column_map),
        "sheet": config.sheet,
        "min_count": config.min_count,
    }


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
        notebook = exhibits_file.parent / row["notebook"]
        if row["per_item"].lower() == "true":
            items = items if items is not None else read_items(config.data_dir)
            for item in items:
                params = {**common, "item": item.item_id}
                name = f"{notebook.stem}_{item.item_id}"
                jobs.append(Job(name, notebook, params, item.titles["en"], item.item_id, item.titles))
        else:
            jobs.append(Job(notebook.stem, notebook, dict(common), row["title"]))
    if config.only:
        jobs = [j for j in jobs if any(key in (j.name, j.item_id, j.stem) for key in config.only)]
    return jobs


# --- content hashes ---------------------------------------------------------------------------------------------


def file_digests(paths: Iterable[Path]) -> dict[str, str]:
    """``{repo-relative path: sha256}`` of files, sorted by path."""
    found = {rel(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths if Path(p).is_file()}
    return dict(sorted(found.items()))  # type: ignore[arg-type]


def data_files(config: RunConfig) -> list[Path]:
    """Every input data file: the raw data folder plus the optional responses, assumptions and column map.

    Documentation (``*.md``) is not data: editing a codebook does not rerun the notebooks.
    """
    files = [
        p
        for p in Path(config.data_dir).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix.lower() != ".md"
    ]
    files += [Path(p) for p in (config.responses, config.assumptions, config.column_map) if p is not None]
    return files


def inputs_hash(config: RunConfig, data: dict[str, str] | None = None) -> str:
    """Hash of everything shared by all jobs: data files, library code, exhibits list, pinned packages."""
    digest = hashlib.sha256(f"format {RUN_FORMAT}\n".encode())
    library = [p for p in LIBRARY_DIR.rglob("*.py") if p.name not in RUNNER_MODULES]
    code = [*library, Path(config.exhibits), REPO_ROOT / "requirements" / "constraints.txt"]
    for group in (data if data is not None else file_digests(data_files(config)), file_digests(code)):
        for path, sha in group.items():
            digest.update(f"{path}\0{sha}\n".encode())
    return digest.hexdigest()


def job_hash(job: Job, shared: str) -> str:
    """Content hash of one job: shared inputs, its notebook file and its parameters."""
    digest = hashlib.sha256(shared.encode())
    digest.update(job.name.encode() + b"\0")
    digest.update(job.notebook.read_bytes() if job.notebook.is_file() else b"<missing notebook>")
    digest.update(json.dumps(job.parameters, sort_keys=True).encode())
    return digest.hexdigest()


def output_paths(job: Job, out_dir: Path) -> dict[str, Path]:
    """Where a job's executed notebook goes (the site renders it: :mod:`samskab_analysis.site`)."""
    return {"notebook": out_dir / "notebooks" / f"{job.name}.ipynb"}


def is_up_to_date(job: Job, digest: str, entry: dict[str, object] | None, out_dir: Path) -> bool:
    """True when *entry* (from the manifest) matches *digest* and every output it recorded still exists."""
    if not entry or entry.get("hash") != digest or entry.get("status", "ok") != "ok":
        return False
    figures = [out_dir / str(f) for f in entry.get("figures", [])]  # type: ignore[union-attr]
    return all(p.is_file() for p in [*output_paths(job, out_dir).values(), *figures])


# --- manifest ---------------------------------------------------------------------------------------------------


def load_manifest(out_dir: Path) -> dict[str, object]:
    """The manifest of the last run (empty when absent or unreadable)."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def write_manifest(out_dir: Path, manifest: dict[str, object]) -> None:
    """Write the manifest deterministically and atomically."""
    path = Path(out_dir) / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def manifest_lock(out_dir: Path) -> Iterator[None]:
    """Serialise read-merge-write of the manifest between concurrent ``samskab reproduce`` runs.

    Locks the output folder itself (``flock`` on its descriptor), so no lock file is left behind.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    handle = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def update_manifest(out_dir: Path, changes: dict[str, dict | None], top: dict[str, object]) -> dict[str, object]:
    """Merge job entries (``None`` removes one) and top-level keys into the manifest on disk."""
    with manifest_lock(out_dir):
        manifest = load_manifest(out_dir)
        jobs = dict(manifest.get("jobs", {}))  # type: ignore[arg-type]
        for name, entry in changes.items():
            if entry is None:
                jobs.pop(name, None)
            else:
                jobs[name] = entry
        manifest.update(top)
        manifest["jobs"] = dict(sorted(jobs.items()))
        write_manifest(out_dir, manifest)
    return manifest


# --- the run ----------------------------------------------------------------------------------------------------


def prepare_data(config: RunConfig) -> dict[str, Path]:
    """Rebuild the processed tables (data/processed for the published study)."""
    from samskab_analysis.pipeline import build_processed
    from samskab_analysis.study import load_study

    study = load_study(
        config.data_dir,
        config.responses,
        assumptions=config.assumptions,
        column_map=config.column_map,
        sheet=config.sheet,
    )
    return build_processed(study, config.processed_dir)


def schedule(todo: list[tuple[Job, str]], history: dict[str, dict]) -> list[tuple[Job, str]]:
    """Longest jobs first, to balance the workers.

    Durations come from *history* (manifest entries of earlier runs); a job never timed counts as long as
    its notebook's other jobs, and a notebook never timed at all goes first.
    """
    seconds = {name: float(e["seconds"]) for name, e in history.items() if isinstance(e, dict) and "seconds" in e}
    by_notebook: dict[str, list[float]] = {}
    for name, entry in history.items():
        if name in seconds:
            by_notebook.setdefault(str(entry.get("notebook", "")), []).append(seconds[name])
    unknown = max(seconds.values(), default=0.0) + 1

    def estimate(job: Job) -> float:
        if job.name in seconds:
            return seconds[job.name]
        known = by_notebook.get(job.notebook.name)
        return sum(known) / len(known) if known else unknown - (0.5 if job.item_id else 0.0)

    return sorted(todo, key=lambda pair: -estimate(pair[0]))


def run(config: RunConfig) -> int:
    """Plan, execute what changed, update the manifest and the index page. Returns an exit code."""
    started = time.perf_counter()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = file_digests(data_files(config))
    shared = inputs_hash(config, data)
    jobs = plan_jobs(config)
    if config.only and not jobs:
        print(f"samskab reproduce: nothing matches --only {','.join(config.only)}", file=sys.stderr)
        return 2
    manifest = load_manifest(out_dir)
    previous: dict[str, dict] = dict(manifest.get("jobs", {}))  # type: ignore[arg-type]
    todo, fresh = [], []
    for job in jobs:
        digest = job_hash(job, shared)
        if not config.force and is_up_to_date(job, digest, previous.get(job.name), out_dir):
            fresh.append(job)
        else:
            todo.append((job, digest))
    processed = [REPO_ROOT / p for p in manifest.get("processed", [])]  # type: ignore[union-attr]
    stale_data = manifest.get("inputs") != shared or not processed or not all(p.is_file() for p in processed)
    top: dict[str, object] = {"format": RUN_FORMAT, "version": __version__, "responses": rel(config.responses)}
    if todo or config.force or stale_data:
        written = prepare_data(config)
        top.update(inputs=shared, data=data, processed=sorted(rel(p) for p in written.values()))
    changes: dict[str, dict | None] = {}
    failures: dict[str, str] = {}
    if todo:
        from samskab_analysis.execute import execute_jobs

        top["run_date"] = dt.date.today().isoformat()
        digests = {job.name: digest for job, digest in todo}

        def record(job: Job, result) -> None:  # the manifest is updated as each notebook finishes
            if result.error is None:
                entry = {"hash": digests[job.name], "notebook": job.notebook.name, "status": "ok"}
                entry.update(seconds=round(result.seconds, 1), figures=result.figures)
            else:
                failures[job.name] = result.error
                entry = {"notebook": job.notebook.name, "status": "failed", "error": result.error}
            update_manifest(out_dir, {job.name: entry}, top)

        history = {**load_manifest(REPORTS_DIR).get("jobs", {}), **previous}  # type: ignore[dict-item]
        execute_jobs(schedule(todo, history), out_dir, config.jobs, on_result=record, engine=config.engine)
    if not config.only:  # forget jobs that are no longer planned (e.g. a notebook removed from exhibits.csv)
        planned = {job.name for job in jobs}
        changes.update({name: None for name in previous if name not in planned})
    manifest = update_manifest(out_dir, changes, top)
    from samskab_analysis.site import build_for_run

    all_jobs = plan_jobs(RunConfig(**{**config.__dict__, "only": ()})) if config.only else jobs
    index = out_dir / "index.html"
    if config.site:
        try:
            index = build_for_run(config, all_jobs, manifest, pdf=config.pdf)
        except RuntimeError as err:  # sphinx-build's messages are already printed
            failures["site"] = str(err)
    print_summary(todo, fresh, failures, out_dir, index, time.perf_counter() - started, config.jobs)
    return 1 if failures else 0


def shown(path: Path) -> str:
    """A path relative to the working directory when below it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def grouped(jobs: Iterable[Job]) -> str:
    """``figure ×18, overview`` — jobs counted per notebook."""
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.stem] = counts.get(job.stem, 0) + 1
    return ", ".join(f"{stem} ×{n}" if n > 1 else stem for stem, n in counts.items())


def print_summary(todo, fresh, failures, out_dir: Path, index: Path, seconds: float, workers: int) -> None:
    """Print what ran, what was up to date, what failed and where the outputs are."""
    ran = [job for job, _ in todo if job.name not in failures]
    print(
        f"samskab reproduce: {len(ran)} executed, {len(fresh)} up to date, {len(failures)} failed "
        f"in {seconds:.1f}s" + (f" ({min(workers, len(todo))} parallel)" if todo else "")
    )
    if ran:
        print(f"  executed:   {grouped(ran)}")
    if fresh:
        print(f"  up to date: {grouped(fresh)}" + ("" if todo else "  (use --force to rerun)"))
    print(f"  report:     {shown(index)} -> {shown(out_dir / 'site')}/<da|no|en>/, PDFs in {shown(out_dir / 'pdf')}/")
    print(f"  notebooks:  {shown(out_dir / 'notebooks')}/ (executed)")
    print(f"  figures:    {shown(out_dir / 'figures')}/")
    for name, error in sorted(failures.items()):
        print(f"FAILED {name}: {error}", file=sys.stderr)
        print(f"  failed notebook: {shown(out_dir / 'failed' / (name + '.ipynb'))}", file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``samskab reproduce``."""
    parser.add_argument("--data", type=Path, default=None, help="respondent-level file of a new cohort")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="raw data folder (instrument etc.)")
    parser.add_argument("--column-map", type=Path, default=None, help="CSV mapping file columns to item ids")
    parser.add_argument("--sheet", default=None, help="Excel sheet holding the answers (default: found automatically)")
    parser.add_argument("--assumptions", type=Path, default=None, help="CSV replacing the shipped assumptions")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: reports/)")
    parser.add_argument("--lang", choices=LANGS, default="da", help="language of figures (default: da)")
    parser.add_argument("--langs", default=",".join(LANGS), help="languages to render figure files in")
    parser.add_argument("--formats", default="svg,png", help="figure formats (default: svg,png)")
    parser.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, help="notebooks run in parallel (default: all cores)"
    )
    parser.add_argument("--force", action="store_true", help="rerun every notebook, even when up to date")
    parser.add_argument("--only", default="", help="comma-separated notebook stems, job names or item ids to run")
    parser.add_argument("--min-count", type=int, default=0, help="suppress cells below this count (privacy)")
    parser.add_argument(
        "--exhibits",
        type=Path,
        default=EXHIBITS_FILE,
        help="list of notebooks to run (default: notebooks/exhibits.csv)",
    )
    parser.add_argument("--no-site", action="store_true", help="do not build the site (reports/site) at the end")
    parser.add_argument("--no-pdf", action="store_true", help="build the site but not the PDFs")
    parser.add_argument(
        "--engine",
        choices=("kernel", "fork"),
        default=default_engine(),
        help="fork (default where the OS can fork): libraries imported once per worker, one forked process per "
        "notebook, outputs identical to kernel; kernel: a fresh Jupyter kernel per notebook",
    )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Build a :class:`RunConfig` from parsed CLI arguments."""
    responses = args.data.resolve() if args.data else None
    out = args.out or (REPORTS_DIR if responses is None else REPORTS_DIR / "cohorts" / responses.stem)
    langs = tuple(dict.fromkeys([args.lang, *[x for x in args.langs.split(",") if x]]))
    return RunConfig(
        data_dir=args.data_dir.resolve(),
        responses=responses,
        out_dir=Path(out).resolve(),
        lang=args.lang,
        langs=langs,
        formats=tuple(f for f in args.formats.split(",") if f),
        jobs=max(1, args.jobs),
        force=args.force,
        only=tuple(x for x in args.only.split(",") if x),
        assumptions=args.assumptions.resolve() if args.assumptions else None,
        column_map=args.column_map.resolve() if args.column_map else None,
        sheet=args.sheet,
        min_count=args.min_count,
        exhibits=Path(getattr(args, "exhibits", EXHIBITS_FILE)).resolve(),
        engine=getattr(args, "engine", default_engine()),
        site=not getattr(args, "no_site", False),
        pdf=not getattr(args, "no_pdf", False),
    )


def reproduce(args: argparse.Namespace) -> int:
    """``samskab reproduce``."""
    return run(config_from_args(args))
