"""The runner's two disclosure-control steps, kept apart from the runner: before and after a run.

* :func:`before_run` — a folder whose last run used another ``--min-count`` loses every output first
  (never turned from unprotected into protected in place); a ``--min-count`` release differing from an
  earlier one by fewer than k respondents is refused (:mod:`samskab_analysis.run.releases`).
* :func:`after_run` — the linked-table audit of everything the run wrote (:mod:`samskab_analysis.run.audit`);
  when it fails, the run's outputs are removed and the run fails; when it holds, the release is recorded.
"""

from __future__ import annotations

import sys
from pathlib import Path

from samskab_analysis.run.plan import RunConfig


def _answers(config: RunConfig, path: Path):
    from samskab_analysis.study import load_study

    column_map = config.column_map if Path(path) == config.responses else None
    return load_study(config.data_dir, path, column_map=column_map, sheet=config.sheet).responses


def before_run(config: RunConfig, out_dir: Path, manifest: dict) -> bool:
    """Clear a folder that changes protection; refuse a risky release. True when outputs were removed."""
    from samskab_analysis.run.releases import (
        RUN_OUTPUTS,
        answer_rows,
        check_release,
        discard_run_outputs,
        previous_min_count,
    )

    if config.min_count > 0 and config.responses is not None:  # refused before anything is removed or written
        from samskab_analysis.data.instrument import load_instrument

        items = load_instrument(config.data_dir).item_ids
        rows = answer_rows(_answers(config, config.responses), items)
        check_release(rows, config.min_count, out_dir, config.release_log, config.allow_overlap)
    previous = previous_min_count(manifest)
    if previous is None and any((out_dir / name).exists() for name in RUN_OUTPUTS[:-1]):
        previous = 0  # outputs without a manifest (a fresh clone's reports/, a deleted manifest): unprotected
    if previous is None or previous == config.min_count:
        return False
    removed = discard_run_outputs(out_dir, config.processed_dir)  # no page of the other setting stays behind
    if removed:
        was = f"with --min-count {previous}" if previous else "without --min-count"
        now = f"with --min-count {config.min_count}" if config.min_count else "without --min-count"
        print(f"samskab reproduce: {out_dir} held a run {was}: every output of it removed, all regenerated {now}",
              file=sys.stderr)  # fmt: skip
    return True


def _respondents(config: RunConfig):
    """``name -> answers`` for the respondent files a run can show (its --data files, the synthetic example)."""
    from samskab_analysis.stats.cohorts import SYNTHETIC_EXAMPLE

    files = {Path(p).name: Path(p) for p in (*config.waves, config.responses, SYNTHETIC_EXAMPLE) if p is not None}

    def load(name: str):
        path = files.get(name)
        return _answers(config, path) if path is not None and path.is_file() else None

    return load


def after_run(config: RunConfig, out_dir: Path, record: bool = True) -> int:
    """Audit a ``--min-count`` run's outputs; 0 when protected (the release recorded when *record*), 1 when not
    (every output removed)."""
    if config.min_count <= 0:
        return 0
    from samskab_analysis.run.audit import AuditResult, audit_run, summary
    from samskab_analysis.run.releases import answer_rows, discard_run_outputs, record_release, release_record
    from samskab_analysis.stats.registry import PUBLISHED_DATASET

    dataset = Path(config.responses).name if config.responses is not None else PUBLISHED_DATASET
    try:
        result = audit_run(
            out_dir,
            config.min_count,
            processed_dir=config.processed_dir,
            dataset=dataset,
            data_dir=config.data_dir,
            respondents=_respondents(config),
        )
    except Exception as err:  # an audit that cannot finish protects nothing: fail, publish nothing
        result = AuditResult([], [f"the audit could not finish: {type(err).__name__}: {err}"], config.min_count)
    if not result.protected:
        discard_run_outputs(out_dir, config.processed_dir)
        print(summary(result), file=sys.stderr)
        print(
            f"samskab reproduce: nothing published: every output of this run was removed from {out_dir} "
            "(the disclosure audit could not confirm the protection)",
            file=sys.stderr,
        )
        return 1
    print(f"samskab reproduce: {summary(result)} -> {Path(out_dir) / 'disclosure' / 'audit.csv'}")
    if record and config.responses is not None:
        from samskab_analysis.data.instrument import load_instrument

        rows = answer_rows(_answers(config, config.responses), load_instrument(config.data_dir).item_ids)
        record = release_record(rows, config.min_count, Path(config.responses).name, config.allow_overlap)
        record_release(record, out_dir, config.release_log)
    return 0
