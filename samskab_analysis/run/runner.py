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
import dataclasses
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from samskab_analysis import __version__
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.output import ROOT_ENV, claim_output, private_temp, remove_tree, safe_name, shown, write_text
from samskab_analysis.paths import CACHE_ENV, INCOMPLETE_ENV, LANGS, PATHS_ENV, current_project
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
    processed_digests,
    processed_reason,
    stale_reason,
    update_manifest,
)
from samskab_analysis.run.plan import (
    Job,
    RunConfig,
    bounded_int,
    check_applies,
    check_sheet_option,
    choice_list,
    default_engine,
    only_choices,
    path_mapping,
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


def run(config: RunConfig) -> int:
    """Plan, execute what changed, update the manifest and the index page. Returns an exit code.

    The output folder is claimed first (:func:`samskab_analysis.output.claim_output`: checked against the
    refusal policy, created, locked against a second run); a folder this run created is removed again when
    the run is rejected before writing anything into it. The processed tables' folder, when it is not inside
    the output folder (``data/processed`` for the published study), is claimed too.
    """
    inputs = (config.responses, config.assumptions, config.column_map, config.exhibits, *config.waves)
    input_dirs = (config.data_dir, Path(config.exhibits).parent)
    with contextlib.ExitStack() as stack:
        out_dir = stack.enter_context(claim_output(config.out_dir, inputs=inputs, input_dirs=input_dirs))
        config = dataclasses.replace(config, out_dir=out_dir)  # the folder as checked: links resolved
        processed = Path(config.processed_dir).resolve()
        if not (processed == out_dir or out_dir in processed.parents):
            stack.enter_context(
                claim_output(processed, inputs=inputs, input_dirs=input_dirs, what="the processed tables' folder")
            )
        environment = stack.enter_context(run_environment(config, out_dir))
        config = utf8_inputs(config, Path(environment["TMPDIR"]))
        return _run(config, out_dir, environment)
    raise AssertionError("unreachable")  # pragma: no cover


def utf8_inputs(config: RunConfig, folder: Path) -> RunConfig:
    """*config* with every input file whose path is not valid UTF-8 replaced by a link with a safe name in the run's
    private folder (notebooks, manifests and pages are UTF-8; the file itself is read where it is)."""
    links = folder / "inputs"

    def utf8(path: Path | None) -> Path | None:
        if path is None:
            return None
        try:
            str(path).encode("utf-8")
            return path
        except UnicodeEncodeError:
            pass
        links.mkdir(mode=0o700, exist_ok=True)  # output-gate: the run's private temporary folder
        name = safe_name(str(path.name).encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        link = links / name
        if not link.is_symlink():
            link.symlink_to(path)  # output-gate: a link in the run's private temporary folder
        return link

    waves = tuple(utf8(p) for p in config.waves)
    return dataclasses.replace(
        config,
        responses=utf8(config.responses),
        waves=waves,  # type: ignore[arg-type]
        column_map=utf8(config.column_map),
        assumptions=utf8(config.assumptions),
    )


@contextlib.contextmanager
def run_environment(config: RunConfig, out_dir: Path) -> Iterator[dict[str, str]]:
    """The run's private temporary folder and what its worker processes need to know (environment variables).

    * ``TMPDIR``: the run's private folder (0700; every temporary file of the workers, kernels and notebooks
      goes there; removed when the run ends, swept by the next run after a ``kill -9``);
    * :data:`~samskab_analysis.paths.CACHE_ENV` (cohort runs): where the validated answers are kept for the
      run's notebooks, parsed once (:func:`samskab_analysis.study.cohort_answers`), never in the outputs;
    * :data:`~samskab_analysis.paths.INCOMPLETE_ENV` (``--include-incomplete``): keep incomplete responses;
    * :data:`~samskab_analysis.paths.PATHS_ENV`: the paths passed to the notebooks as shown in their outputs
      (relative to the project, or ``…/<name>``) mapped to the real ones;
    * :data:`~samskab_analysis.output.ROOT_ENV`: the folders the workers may write into (output folder, processed
      tables, the private folder), below which no link is followed.

    This process sets the answers cache and the paths' names too while the run lasts (the processed tables are
    written here); its own writes are confined to the folders it claimed.
    """
    with private_temp("run") as folder:
        roots = [out_dir, Path(config.processed_dir).resolve(), folder]  # where the run's workers may write
        environment = {
            "TMPDIR": str(folder),
            PATHS_ENV: json.dumps(path_mapping(config), sort_keys=True),
            ROOT_ENV: os.pathsep.join(str(r) for r in roots),
        }
        if config.responses is not None or config.waves:
            (folder / "answers").mkdir(mode=0o700)  # output-gate: the run's private temporary folder
            environment[CACHE_ENV] = str(folder / "answers")
        if config.include_incomplete:
            environment[INCOMPLETE_ENV] = "1"
        saved = {key: os.environ.get(key) for key in (*environment, CACHE_ENV, INCOMPLETE_ENV)}
        os.environ.pop(CACHE_ENV, None)
        os.environ.pop(INCOMPLETE_ENV, None)
        os.environ.update({k: v for k, v in environment.items() if k not in ("TMPDIR", ROOT_ENV)})
        try:
            yield environment
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def quiet_notebooks(config: RunConfig) -> None:
    """Under ``--min-count`` the notebooks do not repeat the ingest warnings the run printed on the terminal.

    Their numbers (incomplete responses, questions not reached, file rows) are not disclosure-controlled.
    """
    folder = os.environ.get(CACHE_ENV, "")
    if config.min_count > 0 and folder:
        from samskab_analysis.ingest.cache import QUIET_FILE

        write_text(Path(folder) / QUIET_FILE, "", private=True)  # output-gate: the run's private folder


def _run(config: RunConfig, out_dir: Path, environment: dict[str, str]) -> int:
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
    if protection_changes(config, out_dir, manifest):
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
    processed_dir = Path(config.processed_dir)
    edited = processed_reason(manifest.get("processed"), processed_dir)
    stale_data = manifest.get("inputs") != shared or edited is not None
    top: dict[str, object] = {
        "format": RUN_FORMAT,
        "version": __version__,
        "responses": rel(config.responses),
        "published": config.published,
        "min_count": config.min_count,
    }
    if todo or config.force or stale_data:
        if edited and manifest.get("inputs") == shared:
            print(f"samskab reproduce: rebuilding the processed tables: {edited}", file=sys.stderr)
        written = prepare_data(config)
        remove_tree(out_dir / "problems")  # problem lists of an earlier, rejected run: the file is valid now
        top.update(inputs=shared, data=data, processed=processed_digests(written.values(), processed_dir))
        update_manifest(out_dir, {}, top)  # a valid manifest from the start, whenever the run is stopped
    changes: dict[str, dict | None] = {}
    failures: dict[str, str] = {}
    quiet_notebooks(config)
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
            environment=environment,
        )
    if not config.only:  # forget jobs that are no longer planned (e.g. a notebook removed from exhibits.csv)
        planned = {job.name for job in jobs}
        changes.update({name: None for name in previous if name not in planned})
        recorded = load_manifest(out_dir).get("jobs", {})
        owned = {str(f) for name in planned if name not in changes
                 for f in (recorded.get(name) or {}).get("figures", [])}  # fmt: skip
        for name in changes:  # and their outputs: e.g. a notebook withheld by --min-count keeps no old counts
            discard_recorded(out_dir, name, previous.get(name), keep=owned)
    manifest = update_manifest(out_dir, changes, top)
    all_jobs = plan_jobs(RunConfig(**{**config.__dict__, "only": ()})) if config.only else jobs
    index = out_dir / "index.html"
    if config.site:  # the site and the PDFs are jobs too: built only when their inputs or outputs changed
        from samskab_analysis.run.site_job import plan_site

        work = plan_site(config, all_jobs, manifest, config.pdf)
        if config.force or not work.current:
            from samskab_analysis.run.site import build_for_run

            try:
                index = build_for_run(config, all_jobs, manifest, pdf=config.pdf, work=work)
            except RuntimeError as err:  # sphinx-build's messages are already printed
                failures["site"] = str(err)
    print_summary(todo, fresh, failures, out_dir, index, time.perf_counter() - started, config.jobs)
    audited = audit_outputs(config, out_dir, failed=bool(failures))
    return 1 if failures or audited else 0


def protection_changes(config: RunConfig, out_dir: Path, manifest: dict) -> bool:
    """Disclosure control before anything runs (:func:`samskab_analysis.run.protection.before_run`)."""
    if config.min_count <= 0 and not manifest.get("min_count"):
        return False
    from samskab_analysis.run.protection import before_run

    return before_run(config, out_dir, manifest)


def audit_outputs(config: RunConfig, out_dir: Path, failed: bool) -> int:
    """Disclosure control after the run: the linked-table audit (:func:`samskab_analysis.run.protection.after_run`)."""
    if config.min_count <= 0:
        return 0
    from samskab_analysis.run.protection import after_run

    return after_run(config, out_dir, record=not failed)


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
    if index.is_file():  # say only what is there: no site after --no-site, no PDFs without Chromium or --no-pdf
        pdfs = sorted((out_dir / "pdf").glob("*.pdf")) if (out_dir / "pdf").is_dir() else []
        where = f", PDFs in {shown(out_dir / 'pdf')}/" if pdfs else ""
        print(f"  report:     {shown(index)} -> {shown(out_dir / 'site')}/<da|no|en>/{where}")
    else:
        print("  report:     not built (--no-site or a failed site step); `samskab site` builds it")
    print(f"  notebooks:  {shown(out_dir / 'notebooks')}/ (executed)")
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
        "--release-log",
        type=Path,
        default=None,
        help="with --min-count: a file listing earlier releases (JSON lines); a release differing from one of them "
        "by fewer than --min-count respondents is refused, a published one is appended",
    )
    parser.add_argument(
        "--allow-overlap",
        action="store_true",
        help="with --min-count: publish even when this release differs from an earlier one by fewer than "
        "--min-count respondents (subtracting the two releases then tells those respondents' answers)",
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
    check_sheet_option(args.sheet, data)
    check_applies(args, data)
    wave_labels = tuple(x.strip() for x in getattr(args, "wave_labels", "").split(",") if x.strip())
    if wave_labels and len(wave_labels) != len(data):
        raise DataValidationError(
            Problem(file="--wave-labels", message=f"{len(wave_labels)} labels for {len(data)} --data files",
                    value=",".join(wave_labels))
        )
    if args.min_count <= 0 and (getattr(args, "release_log", None) or getattr(args, "allow_overlap", False)):
        option = "--release-log" if getattr(args, "release_log", None) else "--allow-overlap"
        raise DataValidationError(Problem(file=option, message=f"{option} applies to --min-count releases only"))
    project = current_project()
    reports = project.reports_dir
    default_out = reports
    if responses is not None:
        name = safe_name(("waves-" if waves else "") + responses.stem, default="cohort")
        default_out = reports / "cohorts" / name
    out = args.out or default_out
    lang = getattr(args, "lang", None) or project.lang
    langs = tuple(dict.fromkeys([lang, *[x for x in args.langs.split(",") if x]]))
    return RunConfig(
        data_dir=Path(args.data_dir or project.data_dir).resolve(),
        responses=responses,
        out_dir=Path(os.path.abspath(Path(out).expanduser())),  # resolved by the output gate, which checks links
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
        release_log=Path(args.release_log).resolve() if getattr(args, "release_log", None) else None,
        allow_overlap=bool(getattr(args, "allow_overlap", False)),
    )


def reproduce(args: argparse.Namespace) -> int:
    """``samskab reproduce``."""
    return run(config_from_args(args))
