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
import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from samskab_analysis import __version__
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.paths import CACHE_ENV, INCOMPLETE_ENV, LANGS, check_out_dir, current_project, resolve
from samskab_analysis.run.manifest import (
    RUN_FORMAT,
    data_files,
    discard_outputs,
    discard_recorded,
    file_digests,
    inputs_hash,
    job_hash,
    load_manifest,
    output_digests,
    stale_reason,
    update_manifest,
)
from samskab_analysis.run.plan import (
    Job,
    RunConfig,
    default_engine,
    only_choices,
    plan_jobs,
    rel,
    unknown_only,
    withheld_notebooks,
)

FORMATS = ("svg", "png", "pdf")


def source_date() -> str | None:
    """The date to show for a run: from ``SOURCE_DATE_EPOCH`` (UTC) when set, else none.

    The wall-clock date, time zone and locale never reach the committed reports (reproducible builds).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()


def prepare_data(config: RunConfig) -> dict[str, Path]:
    """Rebuild the processed tables (data/processed for the published study).

    For a cohort run this is where the respondent file is read and validated, once: the answers go to the
    run's private cache (:func:`answers_cache`) for the notebooks.
    """
    from samskab_analysis.run.processed import build_processed
    from samskab_analysis.study import load_study

    study = load_study(
        config.data_dir,
        config.responses,
        assumptions=config.assumptions,
        column_map=config.column_map,
        sheet=config.sheet,
        include_incomplete=config.include_incomplete,
    )
    if study.responses is not None:
        say_incomplete(study.responses.attrs, config.responses)
    return build_processed(study, config.processed_dir, config.min_count)


def say_incomplete(attrs: dict, responses: Path | None) -> None:
    """One line on the incomplete responses of a cohort file: how many were left out, or kept."""
    left_out, kept = int(attrs.get("incomplete_left_out", 0)), int(attrs.get("incomplete_kept", 0))
    if left_out:
        print(
            f"samskab reproduce: {shown(responses)}: {left_out} incomplete response(s) left out (never submitted); "
            "--include-incomplete keeps them",
            file=sys.stderr,
        )
    elif kept:
        print(
            f"samskab reproduce: {shown(responses)}: {kept} incomplete response(s) kept; "
            f"{attrs.get('not_reached', 0)} unanswered question(s) after their last page count as 'not reached'",
            file=sys.stderr,
        )


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


def make_dirs(path: Path) -> list[Path]:
    """Create *path* and its missing parents; return the folders created (deepest first)."""
    made = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        made.append(folder)
    path.mkdir(parents=True, exist_ok=True)
    return made


def remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders a rejected run created, when nothing was written into them (deepest first)."""
    for folder in folders:
        if folder.is_dir() and not any(p.is_file() or p.is_symlink() for p in folder.rglob("*")):
            shutil.rmtree(folder, ignore_errors=True)


def run(config: RunConfig) -> int:
    """Plan, execute what changed, update the manifest and the index page. Returns an exit code.

    The output folder is checked first (:func:`~samskab_analysis.paths.check_out_dir`); a folder this run
    created is removed again when the run is rejected before writing anything into it.
    """
    out_dir = check_out_dir(
        config.out_dir,
        (config.data_dir, config.responses, config.assumptions, config.column_map, config.exhibits, *config.waves),
    )
    made = make_dirs(out_dir)
    try:
        with answers_cache(config):
            return _run(config, out_dir)
    finally:
        remove_if_empty(made)


@contextlib.contextmanager
def answers_cache(config: RunConfig) -> Iterator[None]:
    """For a cohort run, a private temporary folder where the validated answers are kept for the run's notebooks.

    The respondent file is parsed once per run (:func:`samskab_analysis.study.cohort_answers`); the folder is
    outside the output folder (no respondent-level data in the reports) and is removed when the run ends.
    """
    if config.responses is None and not config.waves:
        os.environ.pop(CACHE_ENV, None)
        yield
        return
    folder = tempfile.mkdtemp(prefix="samskab-answers-")
    os.environ[CACHE_ENV] = folder
    if config.include_incomplete:
        os.environ[INCOMPLETE_ENV] = "1"
    try:
        yield
    finally:
        os.environ.pop(CACHE_ENV, None)
        os.environ.pop(INCOMPLETE_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def _run(config: RunConfig, out_dir: Path) -> int:
    started = time.perf_counter()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    data = file_digests(data_files(config))
    shared = inputs_hash(config, data)
    jobs = plan_jobs(config)
    if config.only:
        every = plan_jobs(RunConfig(**{**config.__dict__, "only": ()}))
        unknown = unknown_only(config, every)
        if unknown:
            print(
                f"samskab reproduce: --only {','.join(unknown)} matches no notebook; valid: {only_choices(every)}",
                file=sys.stderr,
            )
            return 2
    withheld = withheld_notebooks(config)
    if withheld:
        print(
            f"samskab reproduce: --min-count {config.min_count}: not running {', '.join(withheld)} "
            "(no disclosure control for all their outputs; notebooks/exhibits.csv)",
            file=sys.stderr,
        )
    manifest = load_manifest(out_dir)
    previous: dict[str, dict] = dict(manifest.get("jobs", {}))  # type: ignore[arg-type]
    todo, fresh, changed = [], [], {}
    for job in jobs:
        digest = job_hash(job, shared)
        reason = "forced" if config.force else stale_reason(job, digest, previous.get(job.name), out_dir)
        if reason is None:
            fresh.append(job)
        else:
            todo.append((job, digest))
            if reason.startswith("output"):
                changed[job.name] = reason
    processed = [resolve(p) for p in manifest.get("processed", [])]  # type: ignore[union-attr]
    stale_data = manifest.get("inputs") != shared or not processed or not all(p.is_file() for p in processed)
    top: dict[str, object] = {"format": RUN_FORMAT, "version": __version__, "responses": rel(config.responses)}
    if todo or config.force or stale_data:
        written = prepare_data(config)
        top.update(inputs=shared, data=data, processed=sorted(rel(p) for p in written.values()))
        update_manifest(out_dir, {}, top)  # a valid manifest from the start, whenever the run is stopped
    changes: dict[str, dict | None] = {}
    failures: dict[str, str] = {}
    if todo:
        from samskab_analysis.run.execute import execute_jobs

        date = source_date()
        if date:
            top["run_date"] = date
        digests = {job.name: digest for job, digest in todo}
        for name, reason in sorted(changed.items()):
            print(f"samskab reproduce: re-executing {name}: {reason}", file=sys.stderr)

        def record(job: Job, result) -> None:  # the manifest is updated as each notebook finishes
            if result.error is None:
                entry = {"hash": digests[job.name], "notebook": job.notebook.name, "status": "ok"}
                outputs = output_digests(job, out_dir, result.figures)
                entry.update(seconds=round(result.seconds, 1), figures=result.figures, outputs=outputs)
            else:
                failures[job.name] = result.error
                discard_outputs(job, out_dir, previous.get(job.name))
                entry = {"notebook": job.notebook.name, "status": "failed", "error": result.error}
            update_manifest(out_dir, {job.name: entry}, top)

        history = {**load_manifest(current_project().reports_dir).get("jobs", {}), **previous}  # type: ignore[dict-item]
        execute_jobs(
            schedule(todo, history),
            out_dir,
            config.jobs,
            on_result=record,
            engine=config.engine,
            timeout=config.timeout,
        )
    if not config.only:  # forget jobs that are no longer planned (e.g. a notebook removed from exhibits.csv)
        planned = {job.name for job in jobs}
        changes.update({name: None for name in previous if name not in planned})
        for name in changes:  # and their outputs: e.g. a notebook withheld by --min-count keeps no old counts
            discard_recorded(out_dir, name, previous.get(name))
    manifest = update_manifest(out_dir, changes, top)
    all_jobs = plan_jobs(RunConfig(**{**config.__dict__, "only": ()})) if config.only else jobs
    index = out_dir / "index.html"
    if config.site:
        from samskab_analysis.run.site import build_for_run

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
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="raw data folder (instrument etc.; default: the project's data/raw)"
    )
    parser.add_argument("--column-map", type=Path, default=None, help="CSV mapping file columns to item ids")
    parser.add_argument("--sheet", default=None, help="Excel sheet holding the answers (default: found automatically)")
    parser.add_argument(
        "--include-incomplete",
        action="store_true",
        help="keep incomplete responses (an export that marks completion, e.g. LimeSurvey's submitdate); "
        "their unanswered questions after their last page count as 'not reached' (default: complete ones only)",
    )
    parser.add_argument("--assumptions", type=Path, default=None, help="CSV replacing the shipped assumptions")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the project's reports/)")
    parser.add_argument(
        "--lang", choices=LANGS, default=None, help="language of figures (default: the project's, else da)"
    )
    parser.add_argument(
        "--langs", type=choice_list(LANGS, "language"), default=",".join(LANGS), help="languages to render figures in"
    )
    parser.add_argument(
        "--formats", type=choice_list(FORMATS, "format"), default="svg,png", help="figure formats (default: svg,png)"
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=bounded_int(1, "a number of parallel notebooks"),
        default=os.cpu_count() or 1,
        help="notebooks run in parallel (default: all cores)",
    )
    parser.add_argument(
        "--timeout",
        type=bounded_int(1, "a number of seconds"),
        default=1800,
        help="seconds a notebook may run before it is stopped and reported as failed (default: 1800)",
    )
    parser.add_argument("--force", action="store_true", help="rerun every notebook, even when up to date")
    parser.add_argument("--only", default="", help="comma-separated notebook stems, job names or item ids to run")
    parser.add_argument(
        "--min-count",
        type=bounded_int(0, "a count"),
        default=0,
        help="statistical disclosure control: suppress counts below this and what would reveal them (default: 0, off)",
    )
    parser.add_argument(
        "--exhibits",
        type=Path,
        default=None,
        help="list of notebooks to run (default: the project's notebooks/exhibits.csv)",
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
    data = [Path(p) for p in ([args.data] if isinstance(args.data, (str, Path)) else args.data or [])]
    responses = data[-1].resolve() if data else None
    waves = tuple(p.resolve() for p in data) if len(data) > 1 else ()
    wave_labels = tuple(x.strip() for x in getattr(args, "wave_labels", "").split(",") if x.strip())
    if wave_labels and len(wave_labels) != len(data):
        raise DataValidationError(
            Problem(file="--wave-labels", message=f"{len(wave_labels)} labels for {len(data)} --data files",
                    value=",".join(wave_labels))
        )
    project = current_project()
    reports = project.reports_dir
    default_out = reports / "cohorts" / (("waves-" if waves else "") + responses.stem) if responses else reports
    out = args.out or default_out
    lang = getattr(args, "lang", None) or project.lang
    langs = tuple(dict.fromkeys([lang, *[x for x in args.langs.split(",") if x]]))
    return RunConfig(
        data_dir=Path(args.data_dir or project.data_dir).resolve(),
        responses=responses,
        out_dir=Path(out).resolve(),
        lang=lang,
        langs=langs,
        formats=tuple(f for f in args.formats.split(",") if f),
        jobs=args.jobs,
        force=args.force,
        only=tuple(x for x in args.only.split(",") if x),
        assumptions=args.assumptions.resolve() if args.assumptions else None,
        column_map=args.column_map.resolve() if args.column_map else None,
        sheet=args.sheet,
        min_count=args.min_count,
        exhibits=Path(getattr(args, "exhibits", None) or project.exhibits_file).resolve(),
        engine=getattr(args, "engine", default_engine()),
        timeout=float(getattr(args, "timeout", 1800)),
        waves=waves,
        wave_labels=wave_labels if waves else (),
        include_incomplete=bool(getattr(args, "include_incomplete", False)),
        site=not getattr(args, "no_site", False),
        pdf=not getattr(args, "no_pdf", False),
    )


def reproduce(args: argparse.Namespace) -> int:
    """``samskab reproduce``."""
    return run(config_from_args(args))
