"""Wall clock, CPU time and peak memory of a command and all its descendants (Linux ``/proc``).

``/usr/bin/time -v`` and ``getrusage(RUSAGE_CHILDREN)`` see only processes their parent waited for, and
the maximum of one process, not the sum: ``samskab reproduce`` runs notebooks in processes forked from a
fork server, so they would be missed.  :func:`run_measured` samples the whole process tree instead: the
peak of the summed proportional set size (PSS: shared pages split between the processes sharing them, so
forked workers are not counted twice), the largest single RSS, and the CPU seconds of every process seen.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Usage:
    """What one measured command used."""

    wall: float
    cpu: float
    peak_pss_mb: float
    peak_rss_mb: float
    returncode: int


def _children() -> dict[int, list[int]]:
    """``{parent pid: [child pids]}`` of every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _descendants(root: int) -> list[int]:
    tree, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def _sample(pid: int) -> tuple[float, float, float] | None:
    """(PSS bytes, RSS bytes, CPU seconds) of one process, None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        rss = int(fields[21]) * PAGE
        pss = rss
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
        return pss, rss, cpu
    except (OSError, ValueError, IndexError):
        return None


def run_measured(cmd: list[str], interval: float = 0.1, **kwargs: object) -> Usage:
    """Run *cmd* to completion, sampling its process tree every *interval* seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kwargs)
    cpu_seen: dict[int, float] = {}
    peak = {"pss": 0.0, "rss": 0.0}
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            pss_total = 0.0
            for pid in _descendants(proc.pid):
                sample = _sample(pid)
                if sample is None:
                    continue
                pss, rss, cpu = sample
                pss_total += pss
                peak["rss"] = max(peak["rss"], rss)
                cpu_seen[pid] = max(cpu_seen.get(pid, 0.0), cpu)
            peak["pss"] = max(peak["pss"], pss_total)
            done.wait(interval)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    returncode = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    thread.join()
    return Usage(wall, sum(cpu_seen.values()), peak["pss"] / 2**20, peak["rss"] / 2**20, returncode)
