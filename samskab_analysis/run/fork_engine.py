"""Opt-in execution engine: import the heavy libraries once per worker, fork a child per notebook.

``samskab reproduce --engine fork`` runs each notebook in a child process forked from a worker that
has already imported pandas, matplotlib, seaborn, statsmodels, scipy and the study library.  The
child executes the cells in an in-process IPython shell that behaves like an ipykernel kernel for
the notebook (same display formatter, matplotlib inline backend activated lazily on the first
figure, outputs recorded in order as nbformat outputs, execution counts 1, 2, ...).  Papermill
itself parameterizes the notebook, records the cell metadata and raises on the failing cell
(through a papermill engine executing in-process), so executed notebooks match the kernel engine's.
Isolation between notebooks comes from the fork: module state a notebook changes dies with its child.
"""

from __future__ import annotations

import io
import os
import pickle
import select
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from samskab_analysis.output import is_fatal
from samskab_analysis.paths import current_project
from samskab_analysis.run import worker
from samskab_analysis.run.worker import JobResult

#: The papermill engine name (entry point ``papermill.engine`` in pyproject.toml).
ENGINE = "samskab"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Imported once per worker, before any fork (what the notebooks import, and what they import).
PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "scipy.stats",
    "statsmodels.stats.proportion",
    "nbformat",
    "papermill",
    "nbconvert",
    "samskab_analysis.study",
    "samskab_analysis.figures.exhibits",
    "samskab_analysis.figures.plotting",
    "samskab_analysis.stats.intervals",
)

_shell = None


class Capture:
    """The output list of the cell being executed (outputs are appended in the order they happen)."""

    outputs: list = []


class CellStream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` replacement appending ``stream`` outputs to the current cell.

    Like ipykernel's ``OutStream``, text is buffered until flushed: explicitly, before a display, a
    result or a traceback, and at the end of the cell (stdout first), so stdout and stderr written in
    one stretch come out as the kernel sends them (all stdout, then all stderr).
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.buffer: list[str] = []

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "UTF-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self.buffer.append(text)
        return len(text)

    def flush(self) -> None:
        text, self.buffer = "".join(self.buffer), []
        if text:
            add_output("stream", {"name": self.name, "text": text})


def add_output(msg_type: str, content: dict) -> None:
    """Turn a kernel message's content into an nbformat output, exactly as nbclient does (JSON round trip)."""
    from jupyter_client.session import json_packer, json_unpacker
    from nbformat.v4 import output_from_msg

    content = json_unpacker(json_packer(content))
    Capture.outputs.append(
        output_from_msg({"msg_type": msg_type, "header": {"msg_type": msg_type}, "content": content})
    )


def shell_class():
    """An ipykernel shell whose display hook, display publisher and tracebacks record outputs in-process.

    The class name contains "ZMQ" on purpose: pandas (``in_ipython_frontend``) detects a Jupyter
    front end by that name, and so formats DataFrames with the kernel's fixed width, not a terminal's.
    """
    from ipykernel.jsonutil import encode_images, json_clean
    from ipykernel.zmqshell import ZMQInteractiveShell
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher

    class RecordingDisplayHook(DisplayHook):
        """``execute_result`` outputs with the cell's execution count."""

        def start_displayhook(self) -> None:
            self.content: dict | None = {"data": {}, "metadata": {}}

        def write_output_prompt(self) -> None:
            self.content["execution_count"] = self.prompt_count

        def write_format_data(self, format_dict, md_dict=None) -> None:
            self.content["data"] = json_clean(encode_images(format_dict))
            self.content["metadata"] = md_dict or {}

        def finish_displayhook(self) -> None:
            sys.stdout.flush()
            sys.stderr.flush()
            if self.content and self.content["data"]:
                add_output("execute_result", self.content)
            self.content = None

    class RecordingDisplayPublisher(DisplayPublisher):
        """``display_data`` outputs (figures of the inline backend, ``display()`` calls)."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
            sys.stdout.flush()
            sys.stderr.flush()
            content = {"data": encode_images(data), "metadata": metadata or {}, "transient": transient or {}}
            add_output("update_display_data" if update else "display_data", json_clean(content))

        def clear_output(self, wait: bool = False) -> None:
            Capture.outputs.clear()

    class InProcessZMQShell(ZMQInteractiveShell):
        """A kernel's shell without the kernel: outputs go to :class:`Capture`."""

        displayhook_class = RecordingDisplayHook
        display_pub_class = RecordingDisplayPublisher

        def _showtraceback(self, etype, evalue, stb) -> None:
            sys.stdout.flush()
            sys.stderr.flush()
            add_output("error", json_clean({"traceback": stb, "ename": str(etype.__name__), "evalue": str(evalue)}))
            self._last_traceback = stb

    return InProcessZMQShell


def preload() -> None:
    """Import the heavy libraries and create the (pristine) shell, once per worker process."""
    global _shell
    if _shell is not None:
        return
    import importlib
    import logging

    from traitlets.config import Config

    if not os.environ.get("MPLBACKEND"):  # what ipykernel does at start-up
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    for name in PRELOAD:
        importlib.import_module(name)
    for name in ("papermill", "traitlets", "nbclient", "jupyter_client", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)
    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file shared by forked children
    _shell = shell_class().instance(config=config)
    warm_up()


def warm_up() -> None:
    """Load once what every child would otherwise load again: fonts, the SVG/PNG writers.

    Uses a figure outside pyplot (no figure numbers, no pyplot state).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.barh(["a", "b"], [1, 2])
    axes.set_title("warm-up")
    for fmt in ("png", "svg"):
        figure.savefig(io.BytesIO(), format=fmt, bbox_inches="tight")  # output-gate: into memory


def init_worker(events, run_pid: int | None = None, project=None, environment: dict[str, str] | None = None) -> None:
    """Worker-process set-up for the fork engine: the kernel engine's set-up, then the imports."""
    worker.init_worker(events, run_pid, project, environment)
    preload()


class InProcessEngine:
    """papermill engine ``samskab``: execute the cells in this process with a kernel-like IPython shell.

    Registered through the ``papermill.engine`` entry point, so it works outside the runner too::

        papermill --engine samskab notebooks/figure.ipynb out.ipynb -p item 7

    The runner uses it in a forked child of a preloaded worker (fresh module state per notebook); run by
    hand, it executes in papermill's own process. It follows papermill's ``Engine`` interface without
    importing papermill here: papermill imports this module while it loads its engines.
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        """papermill's entry point: :meth:`papermill.engines.Engine.execute_notebook` with our cell runner."""
        return _papermill_engine().execute_notebook(nb, kernel_name, **kwargs)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        """Run every cell with stdout/stderr recorded as the cells' stream outputs."""
        preload()
        real = sys.stdout, sys.stderr
        captured = isinstance(sys.stdout, CellStream)
        if not captured:
            sys.stdout, sys.stderr = CellStream("stdout"), CellStream("stderr")
        try:
            run_cells(nb_man, kwargs.get("on_notebook_start"), kwargs.get("on_cell_start"))
        finally:
            if not captured:
                sys.stdout.flush()
                sys.stderr.flush()
                sys.stdout, sys.stderr = real

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        """The kernel name papermill records: the notebook's own, else ``python3`` (this engine starts no kernel)."""
        return name or nb.metadata.get("kernelspec", {}).get("name") or "python3"

    @classmethod
    def nb_language(cls, nb, language=None):
        """The notebook's language, as papermill's base engine reads it."""
        return _papermill_engine().nb_language(nb, language)


def _papermill_engine():
    """papermill's ``Engine`` with :class:`InProcessEngine`'s cell runner (papermill imported on first use)."""
    from papermill.engines import Engine

    return type("SamskabEngine", (Engine,), {"execute_managed_notebook": InProcessEngine.execute_managed_notebook})


def run_cells(nb_man, on_notebook_start=None, on_cell_start=None) -> None:
    """Run every code cell in order; stop at the first error (unless the cell is tagged ``raises-exception``)."""
    from ipykernel.ipkernel import IPythonKernel
    from papermill.exceptions import PapermillExecutionError

    shell = _shell
    nb = nb_man.nb
    nb.metadata["language_info"] = IPythonKernel.language_info  # what nbclient copies from the kernel_info reply
    if on_notebook_start is not None:
        on_notebook_start(notebook=nb)
    if "" not in sys.path and not sys.flags.safe_path:  # the kernel puts its working folder first
        sys.path.insert(0, "")
    for index, cell in enumerate(nb.cells):
        try:
            nb_man.cell_start(cell, index)
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if on_cell_start is not None:
                on_cell_start(cell=cell, cell_index=index)
            cell.outputs = Capture.outputs = []
            cell.execution_count = shell.execution_count
            result = shell.run_cell(cell.source, store_history=True)
            sys.stdout.flush()
            sys.stderr.flush()
            failed = result.error_before_exec or result.error_in_exec
            if failed is not None and "raises-exception" not in cell.metadata.get("tags", []):
                error = next((o for o in cell.outputs if o.output_type == "error"), None)
                ename = error.ename if error else type(failed).__name__
                evalue = error.evalue if error else str(failed)
                exception = PapermillExecutionError(index, cell.execution_count, cell.source, ename, evalue, [])
                nb_man.cell_exception(cell, cell_index=index, exception=exception)
                break
        finally:
            nb_man.cell_complete(cell, cell_index=index)


def run_job(job, out_dir: Path, prestart_next: bool = False, timeout: float | None = None) -> JobResult:
    """Execute one notebook in a forked child of this (preloaded) worker; same outputs as the kernel engine.

    With *timeout* (seconds), a child still running after it is killed and the job fails with a message
    naming the notebook, the limit and the cell it was executing.
    """
    del prestart_next  # no kernels to pre-start
    preload()
    start = time.perf_counter()
    worker.emit("start", job.name, 0)
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: execute, report through the pipe, never return
        code = 0
        try:
            os.close(read_fd)
            worker.die_with_parent()
            with os.fdopen(write_fd, "wb") as channel:  # output-gate: a pipe to the worker, not a file

                def send(*message: object) -> None:
                    pickle.dump(message, channel)  # output-gate: the pipe to the worker
                    channel.flush()

                worker._events = None  # the worker's queue (and its feeder thread) belong to the parent
                send("result", execute_in_child(job, Path(out_dir), send, start))
        except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the worker
            code = 1
            traceback.print_exc(file=sys.__stderr__)
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        result, current = read_child(read_fd, start, timeout)
    finally:
        os.close(read_fd)
    if result == "timeout":
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        message = worker.timeout_message(job, timeout or 0, current[0], current[1], job.notebook)
        return JobResult(job.name, time.perf_counter() - start, message)
    _, status = os.waitpid(pid, 0)
    if result is None:
        code = os.waitstatus_to_exitcode(status)
        return JobResult(job.name, time.perf_counter() - start, f"notebook process died (exit status {code})")
    return result


def read_child(fd: int, start: float, timeout: float | None) -> tuple[object, tuple[int, str]]:
    """Relay the child's progress events until its result arrives, the pipe closes, or *timeout* has passed.

    Returns the result (``None`` when the child died without one, ``"timeout"``) and the last cell started.
    """
    buffer, result, current = b"", None, (0, "")
    while True:
        wait = 1.0 if timeout is None else min(1.0, start + timeout - time.perf_counter())
        if wait <= 0:
            return "timeout", current
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return result, current
        buffer += chunk
        while buffer:
            stream = io.BytesIO(buffer)
            try:
                kind, *rest = pickle.load(stream)
            except (EOFError, pickle.UnpicklingError, ValueError):
                break  # an incomplete message: wait for the rest
            buffer = buffer[stream.tell() :]
            if kind == "result":
                result = rest[0]
            else:
                if kind == "cell":
                    current = (int(rest[1]), str(rest[2]))
                worker.emit(kind, *rest)


def execute_in_child(job, out_dir: Path, send, start: float) -> JobResult:
    """The child's part of :func:`run_job`: papermill with the in-process engine, then notebook, HTML, figures."""
    import papermill as pm

    workdir = worker._workdir or Path(tempfile.mkdtemp(prefix="worker-"))  # output-gate: the run's private folder
    partial = workdir / f"{job.name}.ipynb"
    before = worker.figure_stamps(job, Path(out_dir))

    def on_notebook_start(notebook=None, **_: object) -> None:
        send("start", job.name, len(notebook.cells) if notebook is not None else 0)

    def on_cell_start(cell=None, cell_index=0, **_: object) -> None:
        first = next((line for line in (cell.source if cell is not None else "").splitlines() if line.strip()), "")
        send("cell", job.name, cell_index, first.strip())

    try:
        if not job.notebook.is_file():
            raise FileNotFoundError(f"notebook {job.notebook} not found")
        declared = pm.inspect_notebook(str(job.notebook))
        nb = pm.execute_notebook(
            str(job.notebook),
            str(partial),
            parameters={k: v for k, v in job.parameters.items() if k in declared},
            engine_name=ENGINE,
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
            cwd=str(current_project().root),
            on_notebook_start=on_notebook_start,
            on_cell_start=on_cell_start,
        )
    except Exception as err:  # noqa: BLE001 - report the failure of this notebook
        return worker.failed_job(job, partial, out_dir, worker.failure_message(err, partial), start, is_fatal(err))
    return worker.finish_job(nb, job, Path(out_dir), partial, start, before=before)
