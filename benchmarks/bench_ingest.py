"""Ingest benchmark: read and validate synthetic respondent files of growing size (not a timed test).

    .venv/bin/python benchmarks/bench_ingest.py [--sizes 10,100,1000,10000,100000] [--formats csv,xlsx,sav]

Generates one file per size with a fixed seed (a Qualtrics-like CSV: metadata columns, an id column and the
18 items answered in Danish/Norwegian/English labels, codes and blanks) in a temporary folder and prints the
seconds :func:`load_responses` takes (wall clock and CPU), the seconds per respondent and the peak memory
of the process so far. ``time_ingest(n)`` is importable for the
whole-run growth benchmark.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samskab_analysis.data.instrument import Instrument, load_instrument  # noqa: E402
from samskab_analysis.ingest.responses import load_responses  # noqa: E402

SEED = 20261127
DEGREE = [
    "I meget høj grad",
    "i høj grad",
    "I NOGEN GRAD",
    "i lav grad",
    "Slet ikke",
    "Ved ikke",
    "",
    "5",
    "4",
    "3",
    "to a high degree",
    "i svært stor grad",
    "2",
    "1",
    "9",
]
YES_NO = ["Ja", "nej", "Nei", "yes", "", "1", "0", "Vet ikke", "Ved ikke"]


def rows(n: int, instrument: Instrument, seed: int = SEED) -> list[list[str]]:
    """Header plus *n* respondent rows (fixed seed)."""
    rng = random.Random(seed)
    items = instrument.item_ids
    scales = [instrument.items.at[i, "scale_id"] for i in items]
    out = [["StartDate", "respondent_id", "Progress", *items]]
    for k in range(n):
        answers = [rng.choice(DEGREE if s == "degree5" else YES_NO) for s in scales]
        out.append([f"2025-01-{1 + k % 28:02d} 10:{k % 60:02d}", f"R{k + 1:06d}", "100", *answers])
    return out


def write_file(n: int, folder: Path, fmt: str = "csv", instrument: Instrument | None = None) -> Path:
    """A synthetic respondent file of *n* rows in *fmt* (csv, xlsx or sav)."""
    instrument = instrument or load_instrument()
    table = rows(n, instrument)
    path = folder / f"bench_{n}.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(table)
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Svar")
        for row in table:
            sheet.append(row)
        book.save(path)
    elif fmt == "sav":
        import pandas as pd
        import pyreadstat

        frame = pd.DataFrame(table[1:], columns=table[0])
        pyreadstat.write_sav(frame, str(path))
    else:
        raise ValueError(fmt)
    return path


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the SPSS reader runs in a forked child)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_ingest(n: int, fmt: str = "csv") -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` :func:`load_responses` takes on a synthetic file of *n* respondents.

    Writing the file is not timed. CPU seconds (this process) are robust when other jobs share the cores.
    """
    instrument = load_instrument()
    with tempfile.TemporaryDirectory() as folder:
        path = write_file(n, Path(folder), fmt, instrument)
        start, cpu = time.perf_counter(), cpu_seconds()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            answers = load_responses(path, instrument)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    assert len(answers) == n
    return seconds, cpu


def time_ingest(n: int, fmt: str = "csv") -> float:
    """Wall-clock seconds :func:`load_responses` takes on a synthetic file of *n* respondents."""
    return measure_ingest(n, fmt)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000,100000")
    parser.add_argument("--formats", default="csv")
    args = parser.parse_args(argv)
    print(f"{'format':>6} {'respondents':>11} {'seconds':>8} {'cpu s':>8} {'s/respondent':>13} {'peak MB':>8}")
    for fmt in args.formats.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            seconds, cpu = measure_ingest(n, fmt)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{fmt:>6} {n:>11} {seconds:>8.3f} {cpu:>8.3f} {seconds / n:>13.2e} {peak:>8.0f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
