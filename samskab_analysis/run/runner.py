"""Execute the study's notebooks with papermill: planned, parallel, incremental.

The plan comes from ``notebooks/exhibits.csv`` (one row per notebook; ``per_item`` notebooks run
once per survey item).  A job is skipped when the content hash of its input notebook, parameters,
data and library code matches ``manifest.json`` in the output folder and all its outputs (executed
notebook, HTML page, the figure files it saved) exist.  Planning and the up-to-date check use only
the standard library, so a run with nothing to do takes a fraction of a second; pandas, papermill
and the kernels are only started when something has to run (in :mod:`samskab_analysis.run.execute`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from samskab_analysis import __version__
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.paths import DATA_DIR, LANGS, REPO_ROOT, REPORTS_DIR
from samskab_analysis.run.manifest import (
    RUN_FORMAT,
    data_files,
    file_digests,
    inputs_hash,
    is_up_to_date,
    job_hash,
    load_manifest,
    update_manifest,
)
from samskab_analysis.run.plan import EXHIBITS_FILE, Job, RunConfig, default_engine, plan_jobs, rel


def prepare_data(config: RunConfig) -> dict[str, Path]:
    """Rebuild the processed tables (data/processed for the published study)."""
    from samskab_analysis.run.processed import build_processed
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
    top: dict[str, object] = {"format": RUN_FORMAT, "version": __version__}
    if todo or config.force or stale_data:
        written = prepare_data(config)
        top.update(inputs=shared, data=data, processed=sorted(rel(p) for p in written.values()))
    changes: dict[str, dict | None] = {}
    failures: dict[str, str] = {}
    if todo:
        from samskab_analysis.run.execute import execute_jobs

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
    from samskab_analysis.run.report import write_index

    all_jobs = plan_jobs(RunConfig(**{**config.__dict__, "only": ()})) if config.only else jobs
    index = write_index(config, all_jobs, out_dir, manifest)
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
    print(f"  report:     {shown(index)}")
    print(f"  notebooks:  {shown(out_dir / 'notebooks')}/ (executed) and {shown(out_dir / 'html')}/ (HTML)")
    print(f"  figures:    {shown(out_dir / 'figures')}/")
    for name, error in sorted(failures.items()):
        print(f"FAILED {name}: {error}", file=sys.stderr)
        print(f"  failed notebook: {shown(out_dir / 'failed' / (name + '.ipynb'))}", file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``samskab reproduce``."""
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        default=None,
        help="respondent-level file of a new cohort; repeat for several waves (in time order: the last one is "
        "analysed by every notebook, all of them side by side in the waves notebook)",
    )
    parser.add_argument("--wave-labels", default="", help="comma-separated labels of the --data waves, in order")
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
    parser.add_argument(
        "--engine",
        choices=("kernel", "fork"),
        default=default_engine(),
        help="fork (default where the OS can fork): libraries imported once per worker, one forked process per "
        "notebook, outputs identical to kernel; kernel: a fresh Jupyter kernel per notebook",
    )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Build a :class:`RunConfig` from parsed CLI arguments."""
    data = [Path(p) for p in ([args.data] if isinstance(args.data, (str, Path)) else args.data or [])]
    responses = data[-1].resolve() if data else None
    waves = tuple(p.resolve() for p in data) if len(data) > 1 else ()
    wave_labels = tuple(x.strip() for x in getattr(args, "wave_labels", "").split(",") if x.strip())
    if wave_labels and len(wave_labels) != len(data):
        raise DataValidationError(
            Problem(file="--wave-labels", message=f"{len(wave_labels)} labels for {len(data)} --data files",
                    value=",".join(wave_labels))
        )
    default_out = REPORTS_DIR / "cohorts" / (("waves-" if waves else "") + responses.stem) if responses else REPORTS_DIR
    out = args.out or default_out
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
        waves=waves,
        wave_labels=wave_labels if waves else (),
    )


def reproduce(args: argparse.Namespace) -> int:
    """``samskab reproduce``."""
    return run(config_from_args(args))
