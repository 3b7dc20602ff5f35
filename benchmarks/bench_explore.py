"""How long the explorer takes to answer a control change (issue 24: ≤ 0.5 s at N = 10, ≤ 2 s at N = 10,000).

    python benchmarks/bench_explore.py [--n 10000] [--no-record]

Measures, in one process, what a reader waits for after moving a control -- the model's recomputation and every
output the app shows (figure PNG, exact intervals, claims, comparisons, sentence), through the same
:class:`~samskab_analysis.explore.app.ExplorerApp` the notebook uses, minus the browser's transport:

* published study (N = 10): after start-up and the once-only preparation (consistent tables; comparisons over
  every consistent table), every assumed cell of every item set to each of its other allowed values in turn
  (listed apart when that returns to a table already shown, whose outputs are cached), then each item chosen
  again and the language changed;
* a SYNTHETIC cohort of ``--n`` respondents (``benchmarks/cohort.py``, seeded, plus a LimeSurvey
  ``startlanguage`` column): changing the item, the subgroup filter (metadata column, an item's answer) and its
  value through every value, with ``min_count`` 5.

Per change two clocks: **wall** seconds (what the reader waits; inflated when other processes share the cores)
and **CPU** seconds of this process (``time.process_time``: the work itself, meaningful under load).  Prints the
median and maximum per kind of change with the load average before and after, and records them in
``benchmarks/RESULTS.md`` (unless ``--no-record``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cohort import cohort_frame  # noqa: E402
from results import replace_section  # noqa: E402

from samskab_analysis.data.instrument import load_instrument  # noqa: E402
from samskab_analysis.explore.app import ExplorerApp  # noqa: E402
from samskab_analysis.explore.cells import move_cell  # noqa: E402

Times = list[tuple[float, float]]  # (wall s, CPU s) per change


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) that *action* takes."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def published(out: Path) -> tuple[tuple[float, float], dict[str, Times], dict[str, int]]:
    """((wall, CPU) to start and prepare, (wall, CPU) per change by kind, how the figures were made)."""
    wall, cpu = time.perf_counter(), time.process_time()
    app = ExplorerApp(output_dir=out)
    app.prepare()
    start = (time.perf_counter() - wall, time.process_time() - cpu)
    times: dict[str, Times] = {"cell": [], "cell_seen": [], "item": [], "lang": []}
    for item_id in app.instrument.item_ids:
        app.item_select.value = item_id
        for category, select in list(app.cell_selects.items()):
            for value in [v for v in select.options if v != select.value]:  # every allowed value in turn
                target = move_cell(app.model.spaces[item_id], app.model.tables[item_id], category, int(value))
                seen = ("figure", ("published", item_id, tuple(int(v) for v in target)), app.lang, 0) in app.views
                kind = "cell_seen" if seen else "cell"
                times[kind].append(timed(lambda s=select, v=value: setattr(s, "value", v)))
    for item_id in app.instrument.item_ids:
        times["item"].append(timed(lambda i=item_id: setattr(app.item_select, "value", i)))
    for lang in ("no", "en", "da"):
        times["lang"].append(timed(lambda lg=lang: setattr(app.lang_select, "value", lg)))
    return start, times, dict(app.drawer.made)


def cohort(n: int, out: Path, tmp: Path) -> tuple[tuple[float, float], dict[str, Times]]:
    """((wall, CPU) to load, (wall, CPU) per change by kind) for a SYNTHETIC cohort of *n* respondents."""
    frame = cohort_frame(n, load_instrument())
    frame.insert(2, "startlanguage", (["nb", "da", "en", "nn"] * (n // 4 + 1))[:n])
    path = tmp / f"synthetic_{n}.csv"
    frame.to_csv(path, index=False)
    wall, cpu = time.perf_counter(), time.process_time()
    app = ExplorerApp(path, min_count=5, output_dir=out)
    start = (time.perf_counter() - wall, time.process_time() - cpu)
    times: dict[str, Times] = {"item": [], "filter": [], "value": []}
    for item_id in app.instrument.item_ids[:6]:
        times["item"].append(timed(lambda i=item_id: setattr(app.item_select, "value", i)))
    for key in ("meta:startlanguage", "item:fig15", "item:fig01"):
        times["filter"].append(timed(lambda k=key: setattr(app.filter_select, "value", k)))
        for value in list(app.value_select.options)[1:]:
            times["value"].append(timed(lambda v=value[1]: setattr(app.value_select, "value", v)))
    return start, times


def row(name: str, values: Times, limit: float) -> str:
    """One table row: n, median and max of wall and CPU seconds, the limit, and whether both clocks keep it."""
    wall, cpu = [w for w, _ in values], [c for _, c in values]
    within = max(wall) <= limit and statistics.median(wall) <= limit
    cpu_within = max(cpu) <= limit
    return (
        f"| {name} | {len(values)} | {statistics.median(wall):.3f} | {max(wall):.3f} | "
        f"{statistics.median(cpu):.3f} | {max(cpu):.3f} | {limit:g} | "
        f"{'yes' if within else 'NO'} / {'yes' if cpu_within else 'NO'} |"
    )


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="cohort size (default 10,000)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    args = parser.parse_args()
    before = load()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        ready, changes, made = published(tmp_path / "out")
        cohort_ready, cohort_changes = cohort(args.n, tmp_path / "out", tmp_path)
    after = load()
    names = {"cell": "one assumed cell changed, to a table not shown before",
             "cell_seen": "one assumed cell changed, back to a table shown before", "item": "item chosen",
             "lang": "language changed"}  # fmt: skip
    rows = [
        *(row(f"published (N = 10): {names[kind]}", values, 0.5) for kind, values in changes.items() if values),
        *(row(f"cohort (N = {args.n:,}): {kind} changed", values, 2.0) for kind, values in cohort_changes.items()),
    ]
    lines = [
        "## Explorer: a control change",
        "",
        f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `python benchmarks/bench_explore.py --n "
        f"{args.n}` on {platform.machine()} {platform.system()}, {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}; load average (1 / 5 / 15 min) {before} before, {after} after. Seconds "
        "from a control's change to every output recomputed and set (in the kernel, without the browser's "
        "transport): wall-clock, and CPU of the kernel process (`time.process_time`, the work itself: what the "
        "change costs whatever else runs on the machine). Start (before the first change): published "
        f"{ready[0]:.1f} s wall / {ready[1]:.1f} s CPU (including the comparisons over every consistent table, "
        f"once), cohort {cohort_ready[0]:.1f} s wall / {cohort_ready[1]:.1f} s CPU. Published figures: "
        f"{made.get('moved', 0)} moved in place over a cached background, {made.get('live', 0)} new live figures "
        f"(the first of an item and language), {made.get('fresh', 0)} drawn afresh (a label outside the axes); "
        "a table shown before comes from the cache.",
        "",
        "| change | n | median wall s | max wall s | median CPU s | max CPU s | limit s | within (wall / CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *rows,
    ]
    print("\n".join(lines))
    if not args.no_record:
        replace_section(REPO / "benchmarks" / "RESULTS.md", "explore", lines)


if __name__ == "__main__":
    main()
