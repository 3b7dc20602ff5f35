"""The kernel engine: papermill in a worker process, one fresh Jupyter kernel per notebook.

Every notebook gets its own new ``python3`` kernel (papermill semantics), started with the ``ipc`` transport
(local sockets in a private temporary folder: no TCP ports) and stopped at once when the last cell has finished.
The kernel's own stderr goes to a log file: known start-up noise is dropped, anything else is reported with the job.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from samskab_analysis.output import is_fatal
from samskab_analysis.output.temp import private_file, remove_private_file
from samskab_analysis.paths import current_project
from samskab_analysis.run import worker
from samskab_analysis.run.worker import JobResult, emit, failed_job, failure_message, finish_job

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
_spare = None
ENGINE = "samskab-kernel"
#: The longest path of a local (Unix) socket on Linux, in bytes.
MAX_SOCKET_PATH = 107


def init_worker(events, run_pid: int | None = None, project=None, environment: dict[str, str] | None = None) -> None:
    """Worker-process set-up for the kernel engine: the common set-up, and stop the spare kernel at exit."""
    from multiprocessing.util import Finalize

    worker.init_worker(events, run_pid, project, environment)
    Finalize(None, _stop_spare, exitpriority=20)

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
    sockets = str(workdir / f"k{tag}")
    if len(os.fsencode(sockets)) + 3 <= MAX_SOCKET_PATH:  # local sockets, no ports
        options = {"transport": "ipc", "ip": sockets}
    else:  # a socket path has at most 107 bytes: a deep temporary folder gets ports on 127.0.0.1
        options = {"transport": "tcp", "ip": "127.0.0.1"}
    manager = AsyncKernelManager(kernel_name="python3", connection_file=str(workdir / f"k{tag}.json"), **options)
    log_path = workdir / f"k{tag}.log"
    with private_file(log_path) as log:  # the kernel process keeps its own copy of the descriptor
        run_sync(manager.start_kernel)(cwd=str(current_project().root), stdout=log, stderr=log)
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

def is_timeout(err: BaseException) -> bool:
    """True for nbclient's cell time-out (``CellTimeoutError``, a ``TimeoutError``)."""
    return isinstance(err, TimeoutError) or type(err).__name__ == "CellTimeoutError"


def kernel_messages(log_path: Path) -> list[str]:
    """Lines the kernel wrote to its stderr, without the known noise."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    noise = re.compile("|".join(KERNEL_NOISE))
    return [line for line in lines if not noise.search(line)]

def run_job(job, out_dir: Path, prestart_next: bool = False, timeout: float | None = None) -> JobResult:
    """Execute one notebook (in a worker process) and write its notebook, HTML and figures."""
    import papermill as pm

    start = time.perf_counter()
    out_dir = Path(out_dir)
    workdir = worker._workdir or Path(tempfile.mkdtemp(prefix="worker-"))  # output-gate: the run's private folder
    partial = workdir / f"{job.name}.ipynb"
    before = worker.figure_stamps(job, out_dir)
    emit("start", job.name, 0)

    def on_notebook_start(notebook=None, **_: object) -> None:
        emit("start", job.name, len(notebook.cells) if notebook is not None else 0)

    current = {"cell": 0, "line": ""}

    def on_cell_start(cell=None, cell_index=0, **_: object) -> None:
        first = next((line for line in (cell.source if cell is not None else "").splitlines() if line.strip()), "")
        current.update(cell=cell_index, line=first.strip())
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
            cwd=str(current_project().root),
            km=kernel.manager,
            shutdown_kernel="immediate",
            record_timing=False,
            execution_timeout=timeout,
            on_notebook_start=on_notebook_start,
            on_cell_start=on_cell_start,
        )
    except Exception as err:  # noqa: BLE001 - report any failure of one notebook, keep the others running
        message = failure_message(err, partial)
        if timeout is not None and is_timeout(err):
            message = worker.timeout_message(job, timeout, current["cell"], current["line"], job.notebook)
        stderr = kernel_messages(kernel.log_path) if kernel else []
        if stderr and not isinstance(err, pm.PapermillExecutionError):
            message += "\n  kernel stderr:\n    " + "\n    ".join(stderr[-15:])
        return failed_job(job, partial, out_dir, message, start, is_fatal(err))
    finally:
        stop_kernel(kernel)
        notes = kernel_messages(kernel.log_path) if kernel else []
        if kernel:
            remove_private_file(kernel.log_path)
    return finish_job(nb, job, out_dir, partial, start, notes, before)
