"""Benchmark ``samskab reproduce`` against a plain papermill loop and against the single-process floor.

Times, in one run on this machine:

(a) a serial loop of the ``papermill`` command line over every planned notebook, same parameters;
(b) ``samskab reproduce`` from clean (a fresh temporary output folder);
(b2) the same with ``--engine kernel`` (a fresh Jupyter kernel per notebook; the default is ``fork``);
(c) ``samskab reproduce`` again with nothing changed (the no-op check), the site and the PDFs included (they are
    jobs of the manifest too);
(d) the floor: the same work as (b) -- every planned notebook's code, printed tables and figures (saved, and
    rendered as a kernel's inline backend does) -- in one plain Python process (``benchmarks/floor.py``),
    so b/d is what the runner itself costs (processes, papermill, executed notebooks); (a), (b), (b2) and (d) build
    no site.

Prints the ratios a/b, a/b2 and b/d and (c) in seconds, and writes them to ``benchmarks/RESULTS.md`` (its own
section; ``benchmarks/bench_growth.py`` keeps another there).
Usage: ``python benchmarks/bench_runner.py [--only figure,overview] [--jobs N] [--results PATH]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONHASHSEED": "0", "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg"}



def timed(cmd: list[str], **kwargs: object) -> float:
    """Wall-clock seconds of a command (which must succeed)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def noop(reproduce: list[str]) -> float:
    """(c): ``samskab reproduce`` with nothing changed, the site and the PDFs included (built once first, untimed)."""
    with_site = [arg for arg in reproduce if arg != "--no-site"]
    timed(with_site)  # the site and PDFs of (b)'s notebooks: now everything is current
    return min(timed(with_site) for _ in range(3))


def planned(out: Path, only: str) -> list[tuple[Path, str, dict]]:
    """(notebook, job name, declared parameters) of every job ``samskab reproduce`` would run."""
    import papermill as pm

    from samskab_analysis.run.plan import RunConfig, plan_jobs

    jobs = plan_jobs(RunConfig(out_dir=out, only=tuple(x for x in only.split(",") if x)))
    declared = {job.notebook: pm.inspect_notebook(str(job.notebook)) for job in jobs}
    return [(j.notebook, j.name, {k: v for k, v in j.parameters.items() if k in declared[j.notebook]}) for j in jobs]


def papermill_loop(jobs: list[tuple[Path, str, dict]], out: Path) -> float:
    """(a): one ``papermill`` process per notebook, one after the other."""
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for notebook, name, params in jobs:
        cmd = [str(BIN / "papermill"), str(notebook), str(out / "notebooks" / f"{name}.ipynb"), "--cwd", str(REPO)]
        subprocess.run(
            [*cmd, "-y", json.dumps(params)],
            check=True,
            cwd=REPO,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the four timings and report them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="restrict to these notebook stems (as samskab reproduce --only)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel notebooks for (b)")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "RESULTS.md", help="markdown output")
    parser.add_argument("--skip-a", action="store_true", help="skip the slow papermill loop")
    parser.add_argument("--noop-only", action="store_true", help="measure (c) only (printed, RESULTS.md unchanged)")
    args = parser.parse_args(argv)
    if args.noop_only:
        tmp = Path(tempfile.mkdtemp(prefix="samskab-bench-"))
        try:
            reproduce = [str(BIN / "samskab"), "reproduce", "--out", str(tmp / "c"), "--jobs", str(args.jobs)]
            timed([*reproduce, *(["--only", args.only] if args.only else [])])
            seconds = noop([*reproduce, *(["--only", args.only] if args.only else [])])
            print(f"(c) samskab reproduce no-op: {seconds:.2f} s (best of 3, with the site and PDFs)")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="samskab-bench-"))
    try:
        jobs = planned(tmp / "a", args.only)
        print(f"{len(jobs)} notebooks, {os.cpu_count()} cores, --jobs {args.jobs}", flush=True)
        # --no-site: (a) and (d) execute notebooks only; the site and PDFs are timed in the README on their own
        reproduce = [str(BIN / "samskab"), "reproduce", "--out", str(tmp / "b"), "--jobs", str(args.jobs), "--no-site"]
        if args.only:
            reproduce += ["--only", args.only]
        times: dict[str, float] = {}
        times["a"] = float("nan") if args.skip_a else papermill_loop(jobs, tmp / "a")
        print(f"(a) papermill CLI loop:      {times['a']:7.1f} s", flush=True)
        times["b"] = timed(reproduce)
        print(f"(b) samskab reproduce clean: {times['b']:7.1f} s", flush=True)
        kernel = [*reproduce, "--engine", "kernel"]
        kernel[kernel.index(str(tmp / "b"))] = str(tmp / "b2")
        times["b2"] = timed(kernel)
        print(f"(b2) ... --engine kernel clean: {times['b2']:7.1f} s", flush=True)
        times["c"] = noop(reproduce)
        print(f"(c) samskab reproduce no-op: {times['c']:7.2f} s (best of 3, with the site and PDFs)", flush=True)
        floor = [sys.executable, str(HERE / "floor.py"), str(tmp / "d")] + (["--only", args.only] if args.only else [])
        times["d"] = timed(floor)
        print(f"(d) same work, one process:  {times['d']:7.1f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    a_b, a_b2, b_d = times["a"] / times["b"], times["a"] / times["b2"], times["b"] / times["d"]
    print(
        f"a/b = {a_b:.1f}x faster than the papermill loop (a/b2 = {a_b2:.1f}x with --engine kernel);"
        f" b/d = {b_d:.1f}x the single-process floor"
    )
    lines = [
        "## Runner",
        "",
        f"Measured {dt.date.today().isoformat()} with `python benchmarks/bench_runner.py"
        + (f" --only {args.only}" if args.only else "")
        + f"` on {platform.machine()} Linux, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" {len(jobs)} notebooks, `--jobs {args.jobs}`.",
        "",
        "| | what | wall-clock |",
        "|---|---|---|",
        f"| (a) | serial loop of the `papermill` CLI over the same notebooks and parameters | {times['a']:.1f} s |",
        f"| (b) | `samskab reproduce` from clean (fresh output folder) | {times['b']:.1f} s |",
        f"| (b2) | `samskab reproduce --engine kernel` from clean (fresh output folder) | {times['b2']:.1f} s |",
        f"| (c) | `samskab reproduce` with nothing changed, site and PDFs included (best of 3) | {times['c']:.2f} s |",
        f"| (d) | the same notebooks' code, tables and figures in one Python process (floor) | {times['d']:.1f} s |",
        "",
        f"a/b = **{a_b:.1f}x** faster than the papermill loop (a/b2 = **{a_b2:.1f}x** with `--engine kernel`);"
        f" b/d = **{b_d:.1f}x** the single-process floor;"
        f" no-op rerun **{times['c']:.2f} s**.",
        "",
        "(d) does the work of (b) -- every planned notebook's computation, printed tables and figures (saved, and"
        " rendered as the inline backend does) -- without kernels, papermill, executed notebooks, HTML or the index.",
    ]
    replace_section(args.results, "runner", lines)
    print(f"written {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
