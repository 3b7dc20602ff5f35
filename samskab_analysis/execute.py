"""Run notebooks with papermill in worker processes, one fresh kernel per notebook.

Each worker process imports papermill and nbconvert once and executes the jobs it is given.
Every notebook gets its own new ``python3`` kernel (papermill semantics), started with the
``ipc`` transport (local sockets in a private temporary folder: no TCP ports, so no
"running over TCP without encryption" warning) and stopped at once when the last cell has
finished (no graceful-shutdown interrupt, no "KeyboardInterrupt caught in kernel").  The
kernel's own stderr goes to a log file: known start-up noise is dropped, anything else is
reported with the job.  Per-cell progress is sent to the parent through a queue.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_module
import re
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from samskab_analysis.paths import REPO_ROOT

#: Kernel stderr lines that are noise to users (matched as regular expressions).
KERNEL_NOISE = (
    r"Kernel is running over TCP without encryption",
    r"KeyboardInterrupt caught in kernel",
    r"Parent appears to have exited, shutting down",
    r"Jupyter is migrating its paths to use standard platformdirs",
    r"JUPYTER_PLATFORM_DIRS",
    r"DeprecationWarning: Jupyter is migrating",
    r"^\s*$",
)
FIGURE_FILE = re.compile(r"([\w.\-]+\.(?:svg|png|pdf|jpe?g))\b")

_events: mp.Queue | None = None
_workdir: Path | None = None
_spare = None
ENGINE = "samskab"


@dataclass
class JobResult:
    """What a worker reports back for one job."""

    name: str
    seconds: float
    error: str | None = None
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def init_worker(events: mp.Queue | None) -> None:
    """Worker-process set-up: the progress queue, quiet loggers, a private folder for kernel sockets."""
    import logging

    global _events, _workdir
    _events = events
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    for name in ("papermill", "traitlets", "nbclient", "jupyter_client", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _workdir = Path(tempfile.mkdtemp(prefix="samskab-"))
    from multiprocessing.util import Finalize

    Finalize(None, shutil.rmtree, args=(_workdir,), kwargs={"ignore_errors": True}, exitpriority=10)
    Finalize(None, _stop_spare, exitpriority=20)


def emit(*event: object) -> None:
    """Send a progress event to the parent (never blocks, never fails the job)."""
    if _events is not None:
        try:
            _events.put_nowait(event)
        except (queue_module.Full, OSError, ValueError):
            pass


@dataclass
class Kernel:
    """A started kernel (manager) and the file its stderr goes to."""

    manager: object
    log_path: Path


def start_kernel(workdir: Path) -> Kernel:
    """Start a fresh ``python3`` kernel on the ipc transport with its stderr going to a log file.

    Sockets and connection file live in *workdir* (private, removed when the worker exits).
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    tag = uuid.uuid4().hex[:8]
    manager = AsyncKernelManager(
        kernel_name="python3",
        transport="ipc",
        ip=str(workdir / f"k{tag}"),
        connection_file=str(workdir / f"k{tag}.json"),
    )
    log_path = workdir / f"k{tag}.log"
    with open(log_path, "ab") as log:  # the kernel process keeps its own copy of the descriptor
        run_sync(manager.start_kernel)(cwd=str(REPO_ROOT), stdout=log, stderr=log)
    return Kernel(manager, log_path)


def take_kernel(workdir: Path, prestart_next: bool) -> Kernel:
    """The kernel for the next notebook: the spare one started earlier (when alive) or a new one.

    With *prestart_next*, a spare kernel for the following notebook starts booting right away, so its
    start-up overlaps with this notebook's execution.  Every notebook still gets a brand-new kernel.
    """
    from jupyter_core.utils import run_sync

    global _spare
    kernel, _spare = _spare, None
    if kernel is not None and not run_sync(kernel.manager.is_alive)():
        stop_kernel(kernel)
        kernel = None
    kernel = kernel or start_kernel(workdir)
    if prestart_next and os.environ.get("SAMSKAB_PRESTART", "1") != "0":
        _spare = start_kernel(workdir)
    return kernel


def stop_kernel(kernel: Kernel | None) -> None:
    """Kill a kernel at once and remove its files (no-op for None or a dead kernel)."""
    if kernel is None:
        return
    from jupyter_core.utils import run_sync

    try:
        if run_sync(kernel.manager.is_alive)():
            run_sync(kernel.manager.shutdown_kernel)(now=True)
        run_sync(kernel.manager.cleanup_resources)()
    except Exception:  # noqa: BLE001 - best effort at exit
        pass


def _stop_spare() -> None:
    global _spare
    stop_kernel(_spare)
    _spare = None


def register_engine() -> str:
    """Register (once) a papermill engine that shuts down the kernel it was handed, and return its name."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class OwnKernelEngine(NBClientEngine):
        """papermill's nbclient engine, but cleaning up a kernel passed in as ``km`` (stop it, close channels)."""

        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None, start_timeout=60,
            execution_timeout=None, **kwargs,
        ):  # fmt: skip
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            return PapermillNotebookClient(nb_man, **final_kwargs).execute(cleanup_kc=True)

    papermill_engines.register(ENGINE, OwnKernelEngine)
    return ENGINE


def kernel_messages(log_path: Path) -> list[str]:
    """Lines the kernel wrote to its stderr, without the known noise."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    noise = re.compile("|".join(KERNEL_NOISE))
    return [line for line in lines if not noise.search(line)]


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


def run_job(job, out_dir: Path, prestart_next: bool = False) -> JobResult:
    """Execute one notebook (in a worker process) and write its notebook, HTML and figures."""
    import nbformat
    import papermill as pm

    start = time.perf_counter()
    out_dir = Path(out_dir)
    workdir = _workdir or Path(tempfile.mkdtemp(prefix="samskab-"))
    partial = workdir / f"{job.name}.ipynb"
    emit("start", job.name, 0)

    def on_notebook_start(notebook=None, **_: object) -> None:
        emit("start", job.name, len(notebook.cells) if notebook is not None else 0)

    def on_cell_start(cell=None, cell_index=0, **_: object) -> None:
        first = next((line for line in (cell.source if cell is not None else "").splitlines() if line.strip()), "")
        emit("cell", job.name, cell_index, first.strip())

    kernel = None
    try:
        if not job.notebook.is_file():
            raise FileNotFoundError(f"notebook {job.notebook} not found")
        declared = pm.inspect_notebook(str(job.notebook))
        kernel = take_kernel(workdir, prestart_next)
        nb = pm.execute_notebook(
            str(job.notebook),
            str(partial),
            parameters={k: v for k, v in job.parameters.items() if k in declared},
            engine_name=register_engine(),
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
            cwd=str(REPO_ROOT),
            km=kernel.manager,
            shutdown_kernel="immediate",
            record_timing=False,
            on_notebook_start=on_notebook_start,
            on_cell_start=on_cell_start,
        )
    except Exception as err:  # noqa: BLE001 - report any failure of one notebook, keep the others running
        message = failure_message(err, partial)
        stderr = kernel_messages(kernel.log_path) if kernel else []
        if stderr and not isinstance(err, pm.PapermillExecutionError):
            message += "\n  kernel stderr:\n    " + "\n    ".join(stderr[-15:])
        return failed_job(job, partial, out_dir, message, start)
    finally:
        stop_kernel(kernel)
        notes = kernel_messages(kernel.log_path) if kernel else []
        if kernel:
            kernel.log_path.unlink(missing_ok=True)
    strip_volatile(nb)
    write_atomic(out_dir / "notebooks" / f"{job.name}.ipynb", nbformat.writes(nb).encode("utf-8") + b"\n")
    partial.unlink(missing_ok=True)
    (out_dir / "failed" / f"{job.name}.ipynb").unlink(missing_ok=True)
    figures = saved_figures(nb, job.name, job.item_id, out_dir / "figures")
    return JobResult(job.name, time.perf_counter() - start, None, figures, notes)


def pool_context() -> mp.context.BaseContext:
    """``fork`` where available (fast start, the parent has imported almost nothing), else ``spawn``."""
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() and sys.platform != "darwin" else "spawn")


def execute_jobs(
    todo: list, out_dir: Path, workers: int, on_result=None, engine: str = "kernel"
) -> dict[str, JobResult]:
    """Run *todo* (``[(job, hash), ...]``) in parallel with progress display; returns results by job name.

    ``on_result(job, result)`` is called in this process as soon as each job has finished.  *engine* is
    ``kernel`` (a fresh Jupyter kernel per notebook) or ``fork`` (:mod:`samskab_analysis.fork_engine`).
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from samskab_analysis.progress import Progress

    if engine == "fork" and (not hasattr(os, "fork") or "forkserver" not in mp.get_all_start_methods()):
        raise SystemExit("samskab reproduce: --engine fork needs os.fork (Linux); use --engine kernel")
    # fork engine: workers from a fresh server process, not copies of this one (its imports, matplotlib state)
    ctx = pool_context() if engine == "kernel" else mp.get_context("forkserver")
    events = ctx.Queue()
    workers = max(1, min(workers, len(todo)))
    results: dict[str, JobResult] = {}
    progress = Progress(len(todo), workers)
    initializer, run = init_worker, run_job
    if engine == "fork":
        from samskab_analysis import fork_engine

        initializer, run = fork_engine.init_worker, fork_engine.run_job
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=initializer, initargs=(events,))
    try:
        # a worker pre-starts the kernel of its next notebook, except for the last ones (nothing follows)
        futures = {
            pool.submit(run, job, out_dir, index < len(todo) - workers): job for index, (job, _) in enumerate(todo)
        }
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            drain(events, progress)
            for future in done:
                job = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool as err:
                    result = JobResult(job.name, 0.0, f"worker process died: {err}")
                except Exception as err:  # noqa: BLE001
                    result = JobResult(job.name, 0.0, f"{type(err).__name__}: {err}")
                results[job.name] = result
                progress.finished(job.name, result.seconds, result.error, result.notes)
                if on_result is not None:
                    on_result(job, result)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        progress.close()
        raise
    pool.shutdown(wait=True)
    drain(events, progress)
    progress.close()
    return results


def drain(events: mp.Queue, progress) -> None:
    """Pass every queued worker event to the progress display."""
    while True:
        try:
            event = events.get_nowait()
        except (queue_module.Empty, OSError, ValueError):
            return
        kind, name, *rest = event
        if kind == "start":
            progress.started(name, int(rest[0]))
        elif kind == "cell":
            progress.cell(name, int(rest[0]), str(rest[1]))
