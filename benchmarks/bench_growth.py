"""Growth benchmark: ingest and the whole ``samskab reproduce --data`` for cohorts of 10 ... 100,000 respondents.

    .venv/bin/python benchmarks/bench_growth.py [--sizes 10,100,1000,10000,100000] [--jobs N] [--no-write]

A script, not a timed test.  In one run on this machine it measures

* the published study's run: ``samskab reproduce --out TMP`` from clean (the reference);
* for each size N: a SYNTHETIC cohort written with a fixed seed (:mod:`benchmarks.cohort`: a plain UTF-8 CSV
  of the instrument's Norwegian labels in mixed case, with blanks and "vet ikke"), then
  - ingest alone: :func:`~samskab_analysis.ingest.responses.load_responses` on that file in a fresh process
    (wall clock; the import of the package is not timed);
  - the whole run: ``samskab reproduce --data FILE --out TMP`` from clean (every notebook: figures,
    overview, corpus, typology, microdata, the comparison with the published study, uncertainty);

and prints, per N, ingest seconds, reproduce seconds (wall clock and CPU of every process of the run),
seconds per respondent, the ratio to the published run and the peak memory of the whole run (the summed
proportional set size of all its processes, sampled every 0.1 s by :mod:`benchmarks.measure`).  The table
is written to ``benchmarks/RESULTS.md`` (its own section) and the README (between the ``growth`` markers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from cohort import write_cohort  # noqa: E402
from measure import Usage, run_measured  # noqa: E402
from results import replace_section  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONHASHSEED": "0", "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg"}
SIZES = "10,100,1000,10000,100000"
INGEST = """
import sys, time, warnings
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.ingest.responses import load_responses
instrument = load_instrument()
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    answers = load_responses(sys.argv[1], instrument)
print(time.perf_counter() - start, len(answers))
"""


def ingest_seconds(path: Path) -> float:
    """Wall-clock seconds ``load_responses`` takes on *path* (fresh process, imports not timed)."""
    out = subprocess.run(
        [sys.executable, "-c", INGEST, str(path)], check=True, cwd=REPO, env=ENV, capture_output=True, text=True
    )
    return float(out.stdout.split()[0])


def reproduce(out: Path, jobs: int, data: Path | None = None) -> Usage:
    """``samskab reproduce`` from clean into *out* (with ``--data`` for a cohort), measured."""
    cmd = [str(BIN / "samskab"), "reproduce", "--out", str(out), "--jobs", str(jobs)]
    if data is not None:
        cmd += ["--data", str(data)]
    usage = run_measured(cmd, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if usage.returncode != 0:
        raise SystemExit(f"failed ({usage.returncode}): {' '.join(cmd)}")
    return usage


def table(published: Usage, rows: list[tuple[int, float, Usage]]) -> list[str]:
    """The results as markdown table lines."""
    lines = [
        "| N | ingest s | reproduce s | CPU s | s / respondent | ratio to published (wall / CPU) | peak memory (PSS) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| published (N = 10) | – | {published.wall:.1f} | {published.cpu:.1f} | – | 1.00 / 1.00 |"
        f" {published.peak_pss_mb:.0f} MB |",
    ]
    for n, ingest, usage in rows:
        lines.append(
            f"| {n:,} | {ingest:.2f} | {usage.wall:.1f} | {usage.cpu:.1f} | {usage.wall / n:.2g} |"
            f" {usage.wall / published.wall:.2f} / {usage.cpu / published.cpu:.2f} | {usage.peak_pss_mb:.0f} MB |"
        )
    return lines


def record(published: Usage, rows: list[tuple[int, float, Usage]], jobs: int) -> None:
    """Write the table to benchmarks/RESULTS.md (its section) and the README (between the growth markers)."""
    when = (
        f"Measured {dt.date.today().isoformat()} with `python benchmarks/bench_growth.py --jobs {jobs}` on"
        f" {platform.machine()} Linux, {os.cpu_count()} cores, Python {platform.python_version()}; one run,"
        " wall-clock seconds from clean; CPU s sums every process of the run; peak memory is the largest summed"
        " proportional set size of all the run's processes (sampled every 0.1 s)."
    )
    body = [when, "", *table(published, rows)]
    replace_section(HERE / "RESULTS.md", "growth", ["## Growth with the cohort size", "", *body])
    replace_section(REPO / "README.md", "growth", body)


def main(argv: list[str] | None = None) -> int:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=SIZES, help=f"cohort sizes (default {SIZES})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="samskab reproduce --jobs")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md and README alone")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    tmp = Path(tempfile.mkdtemp(prefix="samskab-growth-"))
    rows: list[tuple[int, float, Usage]] = []
    try:
        print(f"{os.cpu_count()} cores, --jobs {args.jobs}, sizes {sizes}", flush=True)
        published = reproduce(tmp / "published", args.jobs)
        print(f"published: {published.wall:.1f} s, CPU {published.cpu:.1f} s, {published.peak_pss_mb:.0f} MB")
        for n in sizes:
            path = write_cohort(n, tmp / f"cohort_{n}.csv")
            ingest = ingest_seconds(path)
            usage = reproduce(tmp / f"run_{n}", args.jobs, path)
            rows.append((n, ingest, usage))
            print(
                f"N = {n:>7,}: ingest {ingest:7.2f} s; reproduce {usage.wall:7.1f} s (CPU {usage.cpu:.1f} s),"
                f" {usage.wall / n:.2g} s/respondent, {usage.wall / published.wall:.2f}x published,"
                f" peak {usage.peak_pss_mb:.0f} MB",
                flush=True,
            )
            shutil.rmtree(tmp / f"run_{n}", ignore_errors=True)
            if not args.no_write:  # after every size, so a long run leaves the sizes it finished
                record(published, rows, args.jobs)
        print("\n".join(table(published, rows)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
