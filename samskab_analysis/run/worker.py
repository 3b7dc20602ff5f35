"""What every engine shares: the worker's set-up and progress events, and writing a job's outputs.

A job's outputs are its executed notebook (volatile metadata stripped, streams coalesced so reruns are
byte-identical), a standalone offline HTML page and the figure files it saved.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_module
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from samskab_analysis.paths import CACHE_ENV, INCOMPLETE_ENV, Project, adopt_project

#: Variables the runner sets for one run's notebooks (answers cache, incomplete responses kept).
RUN_VARIABLES = (CACHE_ENV, INCOMPLETE_ENV)


def run_environment() -> dict[str, str | None]:
    """This run's values of :data:`RUN_VARIABLES` (None: not set), handed to its workers."""
    return {name: os.environ.get(name) for name in RUN_VARIABLES}

FIGURE_FILE = re.compile(r"([\w.\-]+\.(?:svg|png|pdf|jpe?g))\b")


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
    environment: dict[str, str | None] | None = None,
) -> None:
    """Worker-process set-up: the progress queue, quiet loggers, a private folder for kernel sockets.

    Ctrl-C is the run's business (the parent stops the workers), so workers ignore SIGINT; they die with
    their parent and when the run's process (*run_pid*) has gone. The run's *project* and *environment*
    (:func:`run_environment`: set, or removed when None) are adopted: a forkserver started by an earlier run
    of the same process keeps that run's environment (e.g. an answers cache folder that is gone).
    """
    import logging

    global _events, _workdir
    if project is not None:
        adopt_project(project)
    for name, value in (environment or {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    if run_pid is not None:
        watch_parent(run_pid)
    _events = events
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    for name in ("papermill", "traitlets", "nbclient", "jupyter_client", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _workdir = Path(tempfile.mkdtemp(prefix="samskab-"))
    from multiprocessing.util import Finalize

    Finalize(None, shutil.rmtree, args=(_workdir,), kwargs={"ignore_errors": True}, exitpriority=10)

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

def write_atomic(target: Path, data: bytes) -> None:
    """Write *data* to *target* via a temporary file, so readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)

def saved_figures(nb, job_name: str, item_id: str | None, figures_dir: Path) -> list[str]:
    """Figure files the job wrote: names printed in its outputs plus ``<job or item>_*`` files in *figures_dir*.

    Returned as paths relative to the output folder (``figures/fig07_da.svg``), sorted.
    """
    names: set[str] = set()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") or output.get("data", {}).get("text/plain", "")
            names.update(FIGURE_FILE.findall(text if isinstance(text, str) else "".join(text)))
    if figures_dir.is_dir():
        prefixes = tuple(f"{p}_" for p in (job_name, item_id) if p)
        names.update(p.name for p in figures_dir.iterdir() if p.name.startswith(prefixes))
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

def failed_job(job, partial: Path, out_dir: Path, message: str, start: float) -> JobResult:
    """Keep the partly executed notebook under ``failed/`` and report the failure."""
    if partial.is_file():
        failed = out_dir / "failed" / f"{job.name}.ipynb"
        failed.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(partial), failed)
    return JobResult(job.name, time.perf_counter() - start, message)


def write_outputs(nb, job, out_dir: Path, partial: Path) -> list[str]:
    """Write an executed notebook and return the figures it saved (the common tail of a job)."""
    import nbformat

    strip_volatile(nb)
    write_atomic(out_dir / "notebooks" / f"{job.name}.ipynb", nbformat.writes(nb).encode("utf-8") + b"\n")
    partial.unlink(missing_ok=True)
    (out_dir / "failed" / f"{job.name}.ipynb").unlink(missing_ok=True)
    from samskab_analysis.run.plan import other_language

    figures = saved_figures(nb, job.name, job.item_id, out_dir / "figures")
    return [f for f in figures if not other_language(job, f)]  # a language's figures belong to its own run


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
