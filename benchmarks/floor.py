"""The floor of the runner benchmark: every planned notebook's code run in ONE plain Python process.

    python benchmarks/floor.py OUT_DIR [--only figure,overview] [--data FILE]

Same jobs and parameters as ``samskab reproduce`` (:func:`samskab_analysis.run.plan.plan_jobs`); each job's
code cells are executed in a fresh namespace (parameters cell, then the job's parameters), their printed
output captured, and every figure open at the end of a cell rendered to PNG as the inline backend of a
kernel does, then closed.  What it leaves out is exactly the runner's own work: kernels or forked
processes, papermill's notebook bookkeeping, writing executed notebooks and HTML pages, the index page.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parent.parent


def code_cells(notebook: Path) -> list[tuple[str, bool]]:
    """(source, is the parameters cell) of every code cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [
        ("".join(c["source"]), "parameters" in c.get("metadata", {}).get("tags", []))
        for c in cells
        if c["cell_type"] == "code"
    ]


def run_job(notebook: Path, parameters: dict[str, object]) -> None:
    """Execute one job's cells in a fresh namespace, rendering open figures after each cell."""
    import matplotlib.pyplot as plt

    namespace: dict[str, object] = {"__name__": "__main__"}
    for source, is_parameters in code_cells(notebook):
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, str(notebook), "exec"), namespace)  # noqa: S102 - our own notebooks
        if is_parameters:
            namespace.update({k: v for k, v in parameters.items() if k in namespace})
        for number in plt.get_fignums():
            plt.figure(number).savefig(io.BytesIO(), format="png", bbox_inches="tight")
        plt.close("all")


def main(argv: list[str] | None = None) -> int:
    """Run every planned job in this process."""
    from samskab_analysis.run.plan import RunConfig, plan_jobs
    from samskab_analysis.run.runner import prepare_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", default="")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    os.chdir(REPO)
    config = RunConfig(
        out_dir=args.out.resolve(),
        responses=args.data.resolve() if args.data else None,
        only=tuple(x for x in args.only.split(",") if x),
    )
    prepare_data(config)
    for job in plan_jobs(config):
        run_job(job.notebook, job.parameters)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
