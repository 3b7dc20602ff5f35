"""What every engine shares: the worker's set-up and progress events, and writing a job's outputs.

A job's outputs are its executed notebook (volatile metadata stripped, streams coalesced so reruns are
byte-identical), a standalone offline HTML page and the figure files it saved.
"""

from __future__ import annotations

import contextlib
import html
import json
import multiprocessing as mp
import os
import queue as queue_module
import re
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from samskab_analysis.output import ROOT_ENV, OutputError, is_fatal, remove_file, write_bytes
from samskab_analysis.output.messages import is_fatal_message, printable
from samskab_analysis.output.temp import remove_private_file
from samskab_analysis.paths import (
    CACHE_ENV,
    INCOMPLETE_ENV,
    PACKAGE_DIR,
    PATHS_ENV,
    Project,
    adopt_project,
    current_project,
    study_root,
)

#: A figure file name printed by a notebook (linear time on any output: names start at a word boundary, are bounded).
FIGURE_FILE = re.compile(r"(?<![\w.\-])([\w.\-]{1,200}\.(?:svg|png|pdf|jpe?g))\b")


_events: mp.Queue | None = None

_workdir: Path | None = None



@dataclass
class JobResult:
    """What a worker reports back for one job."""

    name: str
    seconds: float
    error: str | None = None
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The job could not write because the disk is full or read-only: the run stops.
    fatal: bool = False

def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Ask Linux to send *signum* to this process when its parent exits (``PR_SET_PDEATHSIG``; no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signum), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # pragma: no cover - no libc with prctl
        pass


def watch_parent(pid: int, interval: float = 0.5) -> None:
    """Exit this process at once when process *pid* (the ``samskab reproduce`` run) has gone.

    A daemon thread; it covers what ``PR_SET_PDEATHSIG`` cannot (a worker whose direct parent is a server
    process, other operating systems).
    """

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - alive, owned by someone else
                pass

    threading.Thread(target=watch, name="samskab-watch-parent", daemon=True).start()


def init_worker(
    events: mp.Queue | None,
    run_pid: int | None = None,
    project: Project | None = None,
    environment: dict[str, str] | None = None,
) -> None:
    """Worker-process set-up: the run's project and environment, the progress queue, quiet loggers, a private folder.

    *environment* (from the run: its private temporary folder as ``TMPDIR``, the answers cache, the paths'
    names) is set here, not inherited: a forkserver keeps the environment of the run that started it.
    Ctrl-C is the run's business (the parent stops the workers), so workers ignore SIGINT; they die with
    their parent and when the run's process (*run_pid*) has gone. The run's *project* is adopted too
    (:func:`~samskab_analysis.paths.adopt_project`): a forkserver started by an earlier run of the same process
    keeps that run's project and environment (e.g. an answers cache folder that is gone).
    """
    import logging

    global _events, _workdir
    if project is not None:
        adopt_project(project)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    if run_pid is not None:
        watch_parent(run_pid)
    _events = events
    for key in (CACHE_ENV, PATHS_ENV, ROOT_ENV, INCOMPLETE_ENV):
        os.environ.pop(key, None)
    os.environ.update(environment or {})
    if environment and environment.get("TMPDIR"):
        tempfile.tempdir = environment["TMPDIR"]
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    for name in ("papermill", "traitlets", "nbclient", "jupyter_client", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # kernel sockets and partly executed notebooks: in the run's private folder (removed by the run; short, as a
    # socket path has at most 107 bytes), else in a private folder of this worker
    if environment and environment.get("TMPDIR"):
        _workdir = Path(environment["TMPDIR"])
    else:
        _workdir = Path(tempfile.mkdtemp(prefix="w"))  # output-gate: a private temporary folder (0700)
        from multiprocessing.util import Finalize

        Finalize(None, remove_private, args=(_workdir,), exitpriority=10)


def remove_private(folder: Path) -> None:
    """Remove a worker's private folder (at its exit)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)  # output-gate: the worker's own private temporary folder

def emit(*event: object) -> None:
    """Send a progress event to the parent (never blocks, never fails the job)."""
    if _events is not None:
        try:
            _events.put_nowait(event)
        except (queue_module.Full, OSError, ValueError):
            pass

def strip_volatile(nb) -> None:
    """Remove timings and absolute paths papermill writes, so reruns give identical notebooks."""
    meta = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables"):
        meta.pop(key, None)
    for cell in nb.cells:
        cell.metadata.get("papermill", {}).clear()
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id on every run
        if cell.get("outputs"):
            cell["outputs"] = coalesce_streams(cell["outputs"])

def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) chunks: how the kernel flushes them varies from run to run."""
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == out.get("name")
        ):
            last["text"] = "".join(last["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged

def scrub_paths(nb, mapping: dict[str, str] | None = None) -> None:
    """Replace the machine's paths in text outputs by their names in outputs (``…/answers.csv``, relative ones).

    Warnings and messages of a notebook may name the real input file or output folder; executed notebooks,
    the pages built from them and the PDFs show only paths relative to the project or ``…/<file name>``.
    """
    if mapping is None:
        try:
            mapping = json.loads(os.environ.get(PATHS_ENV) or "{}")
        except ValueError:
            mapping = {}
    pairs = [(str(real), str(name)) for real, name in (mapping or {}).items() if str(real) not in ("", "/")]
    # the project's folder, the study's (the installed package's data outside a checkout) and the package's
    for root in dict.fromkeys(str(p) for p in (current_project().root, study_root(), PACKAGE_DIR.parent)):
        if root not in ("", "/"):
            pairs += [(root + "/", ""), (root, ".")]
    variants = []
    for real, name in pairs:  # as written, inside a JSON/Python string literal, and escaped in HTML
        variants.append((real, name))
        for quote in (lambda t: json.dumps(t, ensure_ascii=False)[1:-1], lambda t: html.escape(t, quote=True),
                      lambda t: html.escape(t, quote=False)):  # fmt: skip
            if quote(real) != real:
                variants.append((quote(real), quote(name)))
    variants.sort(key=lambda pair: -len(pair[0]))

    def clean(text: str) -> str:
        for real, name in variants:
            if real in text:
                text = text.replace(real, name)
        return printable(text)  # a file name's bytes that are not UTF-8 as \\xe9: the notebook is UTF-8

    def clean_value(value):
        if isinstance(value, str):
            return clean(value)
        if isinstance(value, list):
            return [clean_value(v) for v in value]
        if isinstance(value, dict):
            return {k: clean_value(v) for k, v in value.items()}
        return value

    papermill = nb.metadata.get("papermill")
    if papermill:
        nb.metadata["papermill"] = clean_value(papermill)
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = clean_value(cell["source"])
        for output in cell.get("outputs", []):
            for key in ("text", "evalue", "traceback"):
                if key in output:
                    output[key] = clean_value(output[key])
            for kind, value in output.get("data", {}).items():
                if kind.startswith(("text/", "image/svg")) or kind.endswith("json"):
                    output["data"][kind] = clean_value(value)


def write_atomic(target: Path, data: bytes) -> None:
    """Write *data* to *target* through the output gate (a temporary file, ``fsync``, ``os.replace``)."""
    write_bytes(target, data)

def figure_stamps(job, out_dir: Path) -> dict[str, tuple[int, int]]:
    """``{name: (inode, mtime_ns)}`` of the ``<job or item>_*`` files in ``figures/`` (taken as a job starts)."""
    figures_dir = Path(out_dir) / "figures"
    prefixes = job.figure_prefixes
    stamps = {}
    if figures_dir.is_dir():
        for path in figures_dir.iterdir():
            if path.name.startswith(prefixes):
                with contextlib.suppress(OSError):
                    info = path.stat()
                    stamps[path.name] = (info.st_ino, info.st_mtime_ns)
    return stamps


def saved_figures(
    nb, job_name: str, item_id: str | None, figures_dir: Path, before: dict[str, tuple[int, int]] | None = None
) -> list[str]:
    """Figure files the job wrote: names printed in its outputs plus ``<job or item>_*`` files in *figures_dir*
    that are new or rewritten since *before* (:func:`figure_stamps` at the job's start; ``None``: all), so a
    stale file of an earlier run that only shares the prefix is not adopted.

    Returned as paths relative to the output folder (``figures/fig07_da.svg``), sorted.
    """
    names: set[str] = set()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") or output.get("data", {}).get("text/plain", "")
            names.update(FIGURE_FILE.findall(text if isinstance(text, str) else "".join(text)))
    if figures_dir.is_dir():
        from samskab_analysis.run.plan import figure_prefixes

        prefixes = figure_prefixes(job_name, item_id)
        for path in figures_dir.iterdir():
            if not path.name.startswith(prefixes):
                continue
            if before is not None and path.name in before:
                with contextlib.suppress(OSError):
                    info = path.stat()
                    if (info.st_ino, info.st_mtime_ns) == before[path.name]:
                        continue  # untouched by this run
            names.add(path.name)
    found = [n for n in names if (figures_dir / n).is_file()]
    return sorted(f"{figures_dir.name}/{n}" for n in found)

def failure_message(err: Exception, nb_path: Path | None) -> str:
    """``cell 4/9 (`study = load_study(`): ValueError: ...`` for a failing cell; the exception otherwise."""
    import papermill as pm

    if not isinstance(err, pm.PapermillExecutionError):
        return f"{type(err).__name__}: {err}".strip()
    index, total = err.cell_index, None
    if nb_path is not None and nb_path.is_file():
        import nbformat

        cells = nbformat.read(nb_path, as_version=4).cells
        cells = [c for c in cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
        injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.metadata.get("tags", [])]
        if injected and index > injected[0]:
            index -= 1  # count cells of the input notebook, not the injected parameters cell
        total = len(cells) - len(injected)
    first = next((line.strip() for line in str(err.source).splitlines() if line.strip()), "")
    where = f"cell {index + 1}" + (f"/{total}" if total else "")
    return f"{where} (`{first[:80]}`): {err.ename}: {err.evalue}"

def failed_job(job, partial: Path, out_dir: Path, message: str, start: float, fatal: bool = False) -> JobResult:
    """Keep the partly executed notebook under ``failed/`` (paths scrubbed) and report the failure.

    *fatal* (or a message saying the disk is full or read-only) stops the run.
    """
    fatal = fatal or is_fatal_message(message)
    if partial.is_file() and not fatal:
        try:
            import nbformat

            nb = nbformat.read(partial, as_version=4)
            scrub_paths(nb)
            write_atomic(out_dir / "failed" / f"{job.name}.ipynb", nbformat.writes(nb).encode("utf-8") + b"\n")
        except OutputError as err:
            message, fatal = f"{message}\n  {err}", fatal or is_fatal(err)
        except Exception:  # noqa: BLE001 - an unreadable partial notebook: the message says what failed
            pass
    remove_private_file(partial)
    return JobResult(job.name, time.perf_counter() - start, message, fatal=fatal)


def write_outputs(nb, job, out_dir: Path, partial: Path, before: dict | None = None) -> list[str]:
    """Write an executed notebook and return the figures it saved (new or rewritten since *before*)."""
    import nbformat

    strip_volatile(nb)
    scrub_paths(nb)
    write_atomic(out_dir / "notebooks" / f"{job.name}.ipynb", nbformat.writes(nb).encode("utf-8") + b"\n")
    remove_private_file(partial)
    remove_file(out_dir / "failed" / f"{job.name}.ipynb", root=out_dir)
    from samskab_analysis.run.plan import other_language

    figures = saved_figures(nb, job.name, job.item_id, out_dir / "figures", before)
    return [f for f in figures if not other_language(job, f)]  # a language's figures belong to its own run


def finish_job(
    nb, job, out_dir: Path, partial: Path, start: float, notes: list[str] | None = None, before: dict | None = None
) -> JobResult:
    """Write the job's outputs; a write error becomes the job's failure (fatal when the disk is full/read-only)."""
    try:
        figures = write_outputs(nb, job, out_dir, partial, before)
    except OutputError as err:
        return JobResult(job.name, time.perf_counter() - start, str(err), fatal=is_fatal(err))
    return JobResult(job.name, time.perf_counter() - start, None, figures, notes or [])


def timeout_message(job, seconds: float, cell_index: int, first_line: str, notebook: Path | None = None) -> str:
    """``notebook figure_fig07 exceeded the time limit of 60 s at cell 4/9 (`fig = plot_item(...`)``.

    *cell_index* counts the cells of the executed notebook (0-based, with papermill's injected parameters cell);
    the message counts those of the input notebook, as :func:`failure_message` does.
    """
    index, total = cell_index, None
    if notebook is not None and Path(notebook).is_file():
        import nbformat

        cells = nbformat.read(notebook, as_version=4).cells
        params = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
        if params and index > params[0]:
            index -= 1  # papermill inserts the injected-parameters cell after the parameters cell
        total = len(cells)
    where = f"cell {index + 1}" + (f"/{total}" if total else "")
    shown = f" (`{first_line[:80]}`)" if first_line else ""
    return f"notebook {job.name} exceeded the time limit of {seconds:g} s at {where}{shown}"
