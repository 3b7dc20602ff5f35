"""Execute the study's notebooks with papermill: planned, parallel, incremental.

The plan comes from ``notebooks/exhibits.csv`` (one row per notebook; ``per_item`` notebooks run
once per survey item).  A job is skipped when the content hash of its input notebook, parameters,
data and library code matches ``manifest.json`` in the output folder and its outputs exist.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from samskab_analysis.paths import DATA_DIR, LANGS, NOTEBOOK_DIR, PROCESSED_DIR, REPO_ROOT, REPORTS_DIR
from samskab_analysis.tables import parse_bool, read_table

EXHIBITS_FILE = NOTEBOOK_DIR / "exhibits.csv"
MANIFEST = "manifest.json"
LIBRARY_DIR = REPO_ROOT / "samskab_analysis"


@dataclass(frozen=True)
class Job:
    """One papermill execution: input notebook, output stem and parameters."""

    name: str
    notebook: Path
    parameters: dict[str, object]
    title: str
    item_id: str | None = None


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
    min_count: int = 0

    @property
    def published(self) -> bool:
        """True when reproducing the published report (no respondent-level data)."""
        return self.responses is None


def rel(path: Path | None) -> str | None:
    """A path as a string relative to the repository when inside it (keeps outputs portable)."""
    if path is None:
        return None
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def plan_jobs(config: RunConfig) -> list[Job]:
    """All notebook runs for *config*, in report order."""
    from samskab_analysis.instrument import load_instrument

    instrument = load_instrument(config.data_dir)
    exhibits = read_table(EXHIBITS_FILE, ["notebook", "per_item", "applies_to", "title"], what="exhibits")
    common: dict[str, object] = {
        "data_dir": rel(config.data_dir),
        "responses": rel(config.responses),
        "lang": config.lang,
        "also_langs": ",".join(lang for lang in config.langs if lang != config.lang),
        "output_dir": rel(config.out_dir / "figures"),
        "formats": ",".join(config.formats),
        "assumptions": rel(config.assumptions),
        "column_map": rel(config.column_map),
        "min_count": config.min_count,
    }
    kind = "published" if config.published else "respondents"
    jobs = []
    for _, row in exhibits.iterrows():
        if row["applies_to"] not in ("both", kind):
            continue
        notebook = NOTEBOOK_DIR / row["notebook"]
        stem = notebook.stem
        if parse_bool(row["per_item"]):
            for item_id in instrument.item_ids:
                params = {**common, "item": item_id}
                title = f"{instrument.exhibit_name(item_id, 'en')}: {instrument.title(item_id, 'en')}"
                jobs.append(Job(f"{stem}_{item_id}", notebook, params, title, item_id))
        else:
            jobs.append(Job(stem, notebook, dict(common), row["title"]))
    if config.only:
        jobs = [j for j in jobs if any(key in (j.name, j.item_id, j.notebook.stem) for key in config.only)]
    return jobs


def _hash_files(paths: Iterable[Path], digest: hashlib._Hash) -> None:
    for path in sorted(paths):
        digest.update(rel(path).encode())
        digest.update(path.read_bytes())


def inputs_hash(config: RunConfig) -> str:
    """Hash of everything shared by all jobs: data, library code, exhibits list."""
    digest = hashlib.sha256()
    _hash_files((p for p in Path(config.data_dir).rglob("*") if p.is_file()), digest)
    _hash_files(LIBRARY_DIR.rglob("*.py"), digest)
    extra = [EXHIBITS_FILE, REPO_ROOT / "requirements" / "constraints.txt"]
    extra += [p for p in (config.responses, config.assumptions, config.column_map) if p is not None]
    _hash_files([Path(p) for p in extra if Path(p).is_file()], digest)
    return digest.hexdigest()


def job_hash(job: Job, shared: str) -> str:
    """Content hash of one job."""
    digest = hashlib.sha256(shared.encode())
    digest.update(job.notebook.read_bytes())
    digest.update(json.dumps(job.parameters, sort_keys=True).encode())
    return digest.hexdigest()


def output_paths(job: Job, out_dir: Path) -> dict[str, Path]:
    """Where a job's executed notebook and HTML go."""
    return {
        "notebook": out_dir / "notebooks" / f"{job.name}.ipynb",
        "html": out_dir / "html" / f"{job.name}.html",
    }


def strip_volatile(path: Path) -> None:
    """Remove timings and absolute paths papermill writes, so reruns give identical notebooks."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables"):
        meta.pop(key, None)
    for cell in nb.cells:
        cell.metadata.get("papermill", {}).clear()
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def export_html(notebook: Path, target: Path) -> None:
    """Render an executed notebook to a standalone HTML page."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")


def run_job(job: Job, out_dir: Path) -> tuple[str, float, str | None]:
    """Execute one notebook (in a worker process); returns (name, seconds, error or None)."""
    import logging

    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    start = time.perf_counter()
    paths = output_paths(job, out_dir)
    paths["notebook"].parent.mkdir(parents=True, exist_ok=True)
    declared = pm.inspect_notebook(str(job.notebook))
    params = {k: v for k, v in job.parameters.items() if k in declared}
    try:
        pm.execute_notebook(
            str(job.notebook),
            str(paths["notebook"]),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(REPO_ROOT),
        )
    except pm.PapermillExecutionError as err:
        return job.name, time.perf_counter() - start, f"cell {err.exec_count}: {err.ename}: {err.evalue}"
    except Exception as err:  # noqa: BLE001 - report any failure of one notebook, keep the others running
        return job.name, time.perf_counter() - start, f"{type(err).__name__}: {err}"
    strip_volatile(paths["notebook"])
    export_html(paths["notebook"], paths["html"])
    return job.name, time.perf_counter() - start, None


def load_manifest(out_dir: Path) -> dict[str, object]:
    """The manifest of the last run (empty when absent or unreadable)."""
    path = out_dir / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(out_dir: Path, manifest: dict[str, object]) -> None:
    """Write the manifest deterministically."""
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def prepare_data(config: RunConfig) -> dict[str, Path]:
    """Rebuild the processed tables (data/processed for the published study)."""
    from samskab_analysis.pipeline import build_processed
    from samskab_analysis.study import load_study

    study = load_study(config.data_dir, config.responses, assumptions=config.assumptions, column_map=config.column_map)
    target = PROCESSED_DIR if config.published and config.out_dir == REPORTS_DIR else config.out_dir / "processed"
    return build_processed(study, target)


def run(config: RunConfig) -> int:
    """Plan, execute what changed, write the manifest and the index page. Returns an exit code."""
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shared = inputs_hash(config)
    jobs = plan_jobs(config)
    manifest = load_manifest(out_dir)
    done: dict[str, dict[str, str]] = dict(manifest.get("jobs", {}))  # type: ignore[arg-type]
    todo, fresh = [], []
    for job in jobs:
        digest = job_hash(job, shared)
        outputs_exist = all(p.exists() for p in output_paths(job, out_dir).values())
        if not config.force and done.get(job.name, {}).get("hash") == digest and outputs_exist:
            fresh.append(job)
        else:
            todo.append((job, digest))
    if todo or config.force or manifest.get("inputs") != shared:
        prepare_data(config)
    failures = execute(todo, out_dir, config.jobs, done)
    manifest = {"inputs": shared, "jobs": done}
    write_manifest(out_dir, manifest)
    from samskab_analysis.report import write_index

    index = write_index(config, jobs, out_dir)
    summary(todo, fresh, failures, out_dir, index, time.perf_counter() - started)
    return 1 if failures else 0


def execute(todo: list[tuple[Job, str]], out_dir: Path, workers: int, done: dict) -> dict[str, str]:
    """Run *todo* in parallel; updates *done* with hashes of successes, returns failures."""
    from tqdm import tqdm

    failures: dict[str, str] = {}
    if not todo:
        return failures
    workers = max(1, min(workers, len(todo)))
    bar = tqdm(total=len(todo), desc="notebooks", unit="nb", file=sys.stderr, disable=None)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(run_job, job, out_dir): (job, digest) for job, digest in todo}
        for future in as_completed(futures):
            job, digest = futures[future]
            name, seconds, error = future.result()
            if error:
                failures[name] = error
                done.pop(name, None)
                bar.write(f"FAILED {name} ({job.notebook.name}) {error}")
            else:
                done[name] = {"hash": digest, "notebook": job.notebook.name}
            bar.set_postfix_str(f"{name} {seconds:.1f}s")
            bar.update()
    bar.close()
    return failures


def summary(todo, fresh, failures, out_dir: Path, index: Path, seconds: float) -> None:
    """Print what ran, what was up to date and where the outputs are."""
    ran = len(todo) - len(failures)
    print(f"samskab reproduce: {ran} executed, {len(fresh)} up to date, {len(failures)} failed in {seconds:.1f}s")
    for name, error in sorted(failures.items()):
        print(f"  FAILED {name}: {error}")
    print(f"  report:    {index}")
    print(f"  notebooks: {out_dir / 'notebooks'}")
    print(f"  figures:   {out_dir / 'figures'}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``samskab reproduce``."""
    parser.add_argument("--data", type=Path, default=None, help="respondent-level file of a new cohort")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="raw data folder (instrument etc.)")
    parser.add_argument("--column-map", type=Path, default=None, help="CSV mapping file columns to item ids")
    parser.add_argument("--assumptions", type=Path, default=None, help="CSV replacing the shipped assumptions")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: reports/)")
    parser.add_argument("--lang", choices=LANGS, default="da", help="language of figures (default: da)")
    parser.add_argument("--langs", default=",".join(LANGS), help="languages to render figure files in")
    parser.add_argument("--formats", default="svg,png", help="figure formats (default: svg,png)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="parallel notebooks")
    parser.add_argument("--force", action="store_true", help="rerun every notebook")
    parser.add_argument("--only", default="", help="comma-separated notebook stems or item ids to run")
    parser.add_argument("--min-count", type=int, default=0, help="suppress cells below this count (privacy)")


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
        jobs=args.jobs,
        force=args.force,
        only=tuple(x for x in args.only.split(",") if x),
        assumptions=args.assumptions.resolve() if args.assumptions else None,
        column_map=args.column_map.resolve() if args.column_map else None,
        min_count=args.min_count,
    )


def reproduce(args: argparse.Namespace) -> int:
    """``samskab reproduce``."""
    return run(config_from_args(args))
