"""Run jobs in parallel worker processes with one of two engines, and show progress.

``kernel`` (:mod:`samskab_analysis.run.kernel_engine`): a fresh Jupyter kernel per notebook.
``fork`` (:mod:`samskab_analysis.run.fork_engine`): libraries imported once per worker, one forked child per notebook.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_module
import sys
from pathlib import Path

from samskab_analysis.output import OutputError
from samskab_analysis.paths import current_project
from samskab_analysis.run import fork_engine, kernel_engine
from samskab_analysis.run.worker import JobResult


def pool_context() -> mp.context.BaseContext:
    """``fork`` where available (fast start, the parent has imported almost nothing), else ``spawn``."""
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() and sys.platform != "darwin" else "spawn")


def execute_jobs(
    todo: list,
    out_dir: Path,
    workers: int,
    on_result=None,
    engine: str = "kernel",
    timeout: float | None = None,
    environment: dict[str, str] | None = None,
) -> dict[str, JobResult]:
    """Run *todo* (``[(job, hash), ...]``) in parallel with progress display; returns results by job name.

    ``on_result(job, result)`` is called in this process as soon as each job has finished.  *engine* is
    ``kernel`` (a fresh Jupyter kernel per notebook) or ``fork`` (:mod:`samskab_analysis.run.fork_engine`).
    *timeout* (seconds) limits each notebook. On Ctrl-C (or SIGTERM, turned into ``KeyboardInterrupt`` by the
    CLI) every worker is killed at once (their notebook processes die with them) before the interrupt propagates.
    *environment* (the run's private temporary folder, answers cache, path names) is set in every worker: a
    forkserver started by an earlier run in this process still has that run's environment.
    A job that could not write because the disk is full or read-only stops the whole run (:class:`OutputError`):
    no other notebook could write either.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from samskab_analysis.run.progress import Progress

    if engine == "fork" and (not hasattr(os, "fork") or "forkserver" not in mp.get_all_start_methods()):
        raise SystemExit("samskab reproduce: --engine fork needs os.fork (Linux); use --engine kernel")
    # fork engine: workers from a fresh server process, not copies of this one (its imports, matplotlib state)
    ctx = pool_context() if engine == "kernel" else mp.get_context("forkserver")
    events = ctx.Queue()
    workers = max(1, min(workers, len(todo)))
    results: dict[str, JobResult] = {}
    progress = Progress(len(todo), workers)
    module = fork_engine if engine == "fork" else kernel_engine
    initializer, run = module.init_worker, module.run_job
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=initializer,
        initargs=(events, os.getpid(), current_project(), environment),
    )
    try:
        # a worker pre-starts the kernel of its next notebook, except for the last ones (nothing follows)
        futures = {
            pool.submit(run, job, out_dir, index < len(todo) - workers, timeout): job
            for index, (job, _) in enumerate(todo)
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
                if result.fatal:
                    stopped = len(pending)
                    raise OutputError(f"{result.error}; run stopped ({stopped} notebook(s) not finished)")
    except BaseException:  # Ctrl-C, SIGTERM, or a bug here: stop every worker now
        kill_workers(pool)
        progress.close()
        raise
    pool.shutdown(wait=True)
    drain(events, progress)
    progress.close()
    return results

def kill_workers(pool) -> None:
    """Kill the pool's worker processes (their forked notebooks and kernels die with them) and shut it down."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    for process in processes:
        process.join(timeout=2)
    pool.shutdown(wait=False, cancel_futures=True)


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
