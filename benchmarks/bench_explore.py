"""How long the explorer takes to answer a control change (issue 24: ≤ 0.5 s at N = 10, ≤ 2 s at N = 10,000).

    python benchmarks/bench_explore.py [--n 10000] [--repeat 3]

Measures, in one process, what a reader waits for after moving a control -- the model's recomputation and every
output the app shows (figure PNG, exact intervals, claims, comparisons, sentence), through the same
:class:`~samskab_analysis.explore.app.ExplorerApp` the notebook uses, minus the browser's transport:

* published study (N = 10): one change of every assumed cell of every item to another allowed value, after the
  once-only preparation (consistent tables; comparisons over every consistent table);
* a SYNTHETIC cohort of ``--n`` respondents (``benchmarks/cohort.py``, seeded, plus a LimeSurvey
  ``startlanguage`` column): changing the item, the subgroup filter (metadata column, an item's answer) and its
  value, with ``min_count`` 5.

Prints the median and maximum seconds per kind of change and records them in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cohort import cohort_frame  # noqa: E402
from results import replace_section  # noqa: E402

from samskab_analysis.data.instrument import load_instrument  # noqa: E402
from samskab_analysis.explore.app import ExplorerApp  # noqa: E402


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def published(out: Path) -> tuple[float, list[float]]:
    """(seconds to start and prepare, seconds per cell change)."""
    start = time.perf_counter()
    app = ExplorerApp(output_dir=out)
    app.prepare()
    ready = time.perf_counter() - start
    times = []
    for item_id in app.instrument.item_ids:
        app.item_select.value = item_id
        for select in list(app.cell_selects.values()):
            other = next(v for v in select.options if v != select.value)
            times.append(timed(lambda s=select, v=other: setattr(s, "value", v)))
    return ready, times


def cohort(n: int, out: Path, tmp: Path) -> tuple[float, dict[str, list[float]]]:
    """(seconds to load, seconds per change by kind) for a SYNTHETIC cohort of *n* respondents."""
    frame = cohort_frame(n, load_instrument())
    frame.insert(2, "startlanguage", (["nb", "da", "en", "nn"] * (n // 4 + 1))[:n])
    path = tmp / f"synthetic_{n}.csv"
    frame.to_csv(path, index=False)
    start = time.perf_counter()
    app = ExplorerApp(path, min_count=5, output_dir=out)
    ready = time.perf_counter() - start
    times: dict[str, list[float]] = {"item": [], "filter": [], "value": []}
    for item_id in app.instrument.item_ids[:6]:
        times["item"].append(timed(lambda i=item_id: setattr(app.item_select, "value", i)))
    for key in ("meta:startlanguage", "item:fig15", "item:fig01"):
        times["filter"].append(timed(lambda k=key: setattr(app.filter_select, "value", k)))
        for value in list(app.value_select.options)[1:3]:
            times["value"].append(timed(lambda v=value[1]: setattr(app.value_select, "value", v)))
    return ready, times


def line(name: str, values: list[float], limit: float) -> str:
    worst = max(values)
    return (f"| {name} | {len(values)} | {statistics.median(values):.3f} | {worst:.3f} | {limit:g} | "
            f"{'yes' if worst <= limit else 'NO'} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="cohort size (default 10,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        ready, cells = published(tmp_path / "out")
        cohort_ready, changes = cohort(args.n, tmp_path / "out", tmp_path)
    rows = [
        line("published (N = 10): one assumed cell changed", cells, 0.5),
        *(line(f"cohort (N = {args.n:,}): {kind} changed", values, 2.0) for kind, values in changes.items()),
    ]
    lines = [
        f"Measured {dt.date.today().isoformat()} with `python benchmarks/bench_explore.py --n {args.n}` on "
        f"{platform.machine()} {platform.system()}, Python {platform.python_version()}; seconds from a control's "
        f"change to every output recomputed (in the kernel, without the browser's transport). Start: published "
        f"{ready:.1f} s (including the comparisons over every consistent table, once), cohort {cohort_ready:.1f} s "
        "(reading the file twice: answers and metadata).",
        "",
        "| change | n | median s | max s | limit s | within |",
        "|---|---:|---:|---:|---:|---|",
        *rows,
    ]
    print("\n".join(lines))
    replace_section(REPO / "benchmarks" / "RESULTS.md", "explore", lines)


if __name__ == "__main__":
    main()
