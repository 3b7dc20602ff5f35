"""The linked-table audit (integer programming over every published relation), its run-level reading of the
output files, and the release fingerprints: unit tests with real values."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.run.audit import Published, audit_terms, item_groups, notebook_terms, read_outputs
from samskab_analysis.run.releases import (
    Difference,
    answer_rows,
    bucket_count,
    check_release,
    difference,
    histogram,
    read_release_log,
    record_release,
    release_record,
)
from samskab_analysis.stats.audit import Interval, Relation, Table, audit_tables, feasible_intervals, protect
from samskab_analysis.stats.disclosure import (
    SUPPRESSED,
    computable,
    derivable,
    hidden_cells,
    joint_table_passes,
    protected_hidden,
)
from samskab_analysis.stats.microdata import answer_table
from samskab_analysis.study import load_study

SYNTHETIC = DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv"

# --- the integer programme ---------------------------------------------------------------------------------------


def test_one_total_gives_every_suppressed_cell_the_whole_remainder() -> None:
    # yes 9 shown, no 3 and "don't know" 2 suppressed, N = 14: each of the two can be 0..5
    intervals = audit_tables([Table("fig10", ("yes", "no", "dk"), (9, 3, 2))], {"no", "dk"})
    assert intervals == {"no": Interval(0, 5), "dk": Interval(0, 5)}
    assert intervals["no"].protected(3) and intervals["no"].protected(5) and not intervals["no"].protected(6)


def test_a_published_partial_sum_determines_cells() -> None:
    # the microdata leak: answered (= very high + high + ...) published beside the item table
    cells = ("vh", "h", "s", "l", "n", "dk", "na")
    counts = (0, 4, 5, 5, 0, 3, 1)  # N = 18
    hidden = {c for c, h in zip(cells, hidden_cells(list(counts), 3), strict=True) if h}
    assert hidden == {"vh", "n", "na", "dk"}  # 0, 0, 1 primary; together 1 < 3, so the smallest shown (dk 3) too
    assert all(iv.protected(3) for iv in audit_tables([Table("fig02", cells, counts)], hidden).values())
    answered = Relation.equals(("vh", "h", "s", "l", "n"), 14, "answered")
    dont_know = Relation.equals(("dk",), 3, "dont know")
    leaked = audit_tables([Table("fig02", cells, counts)], hidden, [answered, dont_know])
    assert leaked["na"] == Interval(1, 1)  # no answer = 18 - 14 - 3: determined
    assert leaked["vh"].width == 0 and leaked["n"].width == 0  # vh + n = 14 - 14 = 0


def test_rounded_percentages_bound_a_cell() -> None:
    # 100 * x / 14 rounded to 1 decimal = 21.4 -> x = 3 exactly
    rel = Relation({"x": 100 / 14}, 21.35, 21.45)
    assert feasible_intervals([rel], ["x"], {"x": (0, 14)}) == {"x": Interval(3, 3)}


def test_linked_tables_need_integer_programming() -> None:
    # two items share no cell but a published cross-item sum links them: a + c = 1 with a, b, c, d >= 0
    relations = [
        Relation.equals(("a", "b"), 4),
        Relation.equals(("c", "d"), 4),
        Relation.equals(("a", "c"), 1),
        Relation({"a": 1, "d": 1}, 3, 5),
    ]
    got = feasible_intervals(relations, ["a", "b", "c", "d"], {v: (0, 4) for v in "abcd"})
    assert got == {"a": Interval(0, 1), "b": Interval(3, 4), "c": Interval(0, 1), "d": Interval(3, 4)}


def test_protect_suppresses_further_cells_until_every_interval_is_k_wide() -> None:
    # a published relation pins the two primary cells' sum: protect adds the next smallest cell
    table = Table("t", ("a", "b", "c", "d"), (1, 2, 5, 8))

    def extra(hidden: set) -> list[Relation]:  # an output publishing "a + c" while c is shown
        return [] if "c" in hidden else [Relation.equals(("a", "c"), 6, "partial sum")]

    hidden, intervals = protect([table], 3, hidden_cells, extra)
    assert hidden == {"a", "b", "c"}  # a = 6 - 5 would be determined: c (the smallest shown) goes too
    assert intervals == {"a": Interval(0, 8), "b": Interval(0, 8), "c": Interval(0, 8)}
    plain, _ = protect([table], 3, hidden_cells)
    assert plain == {"a", "b"}  # the rule alone: 1 + 2 hold 3


def test_protected_hidden_is_the_rule_when_only_totals_are_published() -> None:
    for counts in ([9, 3, 2], [5, 5, 0], [4, 0, 0], [1, 10, 10], [3, 3, 4], [0, 0, 0, 0, 4, 0, 0]):
        assert protected_hidden([counts], 3) == [hidden_cells(counts, 3)]
    assert protected_hidden([[1, 2]], 0) == [[False, False]]


def test_computable_sums() -> None:
    cats = ["a", "b", "c", "d"]
    assert computable(["a", "b"], ["c"], cats) is True  # a and b are shown
    assert computable(["a", "c"], ["c", "d"], cats) is False
    assert computable(["c", "d"], ["c", "d"], cats) is True  # N - a - b


def test_joint_table_rule() -> None:
    # every combination of yes / no / blank, 3 times: the 3 x 3 joint table passes k = 3, not k = 4
    combos = [(x, y) for x in ("yes", "no", None) for y in ("yes", "no", None)] * 3
    answers = pd.DataFrame(combos, columns=["x", "y"])
    categories = {"x": ["yes", "no"], "y": ["yes", "no"]}
    assert joint_table_passes(answers, ["x", "y"], categories, 3)
    assert not joint_table_passes(answers, ["x", "y"], categories, 4)
    # a category nobody chose is a row of zeros: "don't know" never given fails the rule
    assert not joint_table_passes(answers, ["x", "y"], {**categories, "x": ["yes", "no", "dont_know"]}, 3)
    # nobody left an item blank: the "no answer" row is zeros too
    filled = pd.DataFrame([(x, y) for x in ("yes", "no") for y in ("yes", "no")] * 5, columns=["x", "y"])
    assert not joint_table_passes(filled, ["x", "y"], categories, 3)


# --- derived numbers from the protected base -------------------------------------------------------------------


def test_microdata_answers_come_from_the_protected_item_table() -> None:
    study = load_study(DATA_DIR, SYNTHETIC)
    table = answer_table(study.responses, study.instrument, "en", 3, "cohort").set_index("item_id")
    allowed = derivable(study.counts, 3)
    # Figure 15: yes 9 shown, no, "don't know", blank suppressed: "answered" (yes + no) would give them back
    assert table.at["fig15", "answered"] == SUPPRESSED
    for item_id, row in table.iterrows():
        assert (row["answered"] != SUPPRESSED) == allowed[item_id]["scored"]
    record = table.attrs["samskab_published"]
    assert {t["kind"] for t in record["terms"]} <= {"n", "cells", "public"}


# --- the run-level audit, on written files ---------------------------------------------------------------------


def notebook(path: Path, outputs: list[dict]) -> Path:
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": outputs}]}), encoding="utf-8")
    return path


def test_an_output_with_numbers_and_no_record_fails_the_audit(tmp_path: Path) -> None:
    published = Published()
    plain = {"output_type": "stream", "name": "stdout", "text": "answered 11\n"}
    figure = {"output_type": "display_data", "metadata": {},
              "data": {"image/png": "iVBOR", "text/plain": "<Figure size 720x484 with 1 Axes>"}}  # fmt: skip
    words = {"output_type": "stream", "name": "stdout", "text": "(no published claims)\n"}
    notebook_terms(notebook(tmp_path / "x.ipynb", [plain, figure, words]), published, "notebooks/x.ipynb")
    assert published.findings == ["notebooks/x.ipynb cell 0: an output shows numbers without a disclosure record "
                                  "('answered 11')"]  # fmt: skip


def test_unknown_files_in_the_output_folder_fail_the_audit(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("14 respondents", encoding="utf-8")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "extra.svg").write_text("<svg/>", encoding="utf-8")
    published = read_outputs(tmp_path, tmp_path / "processed", "c.csv", {}, figures=set())
    assert sorted(published.findings) == [
        "figures/extra.svg: a figure no notebook of the run recorded",
        "notes.txt: an output the disclosure audit does not know",
    ]


def test_audit_finds_the_leak_of_a_partial_sum_and_passes_without_it() -> None:
    # Figure 2 of 18 respondents: very high 0, high 4, some 5, low 5, not at all 0, don't know 3, no answer 1
    groups = item_groups(load_study().instrument)
    ds = "c.csv"
    shown = {"high": 4, "some": 5, "low": 5}
    terms = [({"kind": "n", "dataset": ds, "value": 18}, "csv")]
    terms += [({"kind": "cells", "dataset": ds, "item": "fig02", "categories": [c], "value": v}, "csv")
              for c, v in shown.items()]  # fmt: skip
    safe = audit_terms(Published(list(terms)), groups, 3, lambda *_: None)
    assert safe.protected
    assert {r["category_id"]: (r["lower"], r["upper"]) for r in safe.rows} == {
        "very_high": (0, 4), "not_at_all": (0, 4), "dont_know": (0, 4), "no_answer": (0, 4)}  # fmt: skip
    answered = {"kind": "cells", "dataset": ds, "item": "fig02",
                "categories": ["very_high", "high", "some", "low", "not_at_all"], "value": 14}  # fmt: skip
    leaky = audit_terms(Published([*terms, (answered, "microdata")]), groups, 3, lambda *_: None)
    assert not leaky.protected  # very high + not at all = 14 - 14 = 0: both determined
    assert any("fig02/very_high is not protected" in f for f in leaky.findings)
    assert any("fig02/not_at_all is not protected" in f for f in leaky.findings)


def test_audit_checks_statistics_and_joint_tables() -> None:
    groups = item_groups(load_study().instrument)
    ds = "c.csv"
    terms = [({"kind": "n", "dataset": ds, "value": 14}, "csv"),
             ({"kind": "cells", "dataset": ds, "item": "fig10", "categories": ["yes"], "value": 9}, "csv"),
             ({"kind": "statistic", "dataset": ds, "item": "fig10", "categories": ["yes", "no"]}, "summary"),
             ({"kind": "joint", "dataset": ds, "items": ["fig10", "fig11"]}, "paired")]  # fmt: skip
    result = audit_terms(Published(terms), groups, 3, lambda name, items: False)
    assert "summary: a statistic of fig10 uses suppressed cells ['no']" in result.findings
    joint = "paired: a statistic over ['fig10', 'fig11'] is shown but their joint table fails the rule"
    assert joint in result.findings


# --- releases ---------------------------------------------------------------------------------------------------


def test_histogram_counts_respondents_and_keeps_no_row() -> None:
    rows = ["high\x1fyes", "low\x1fno", "high\x1fyes"]
    record = release_record(rows, 3, "c.csv")
    assert record["buckets"] == bucket_count(3) == 16 and sum(record["histogram"]) == 3
    assert "high" not in json.dumps(record) and bucket_count(17) == 32 and bucket_count(100_000) == 131072
    assert histogram(rows, 16) == record["histogram"]


def test_difference_is_exact_for_additions_and_removals() -> None:
    rows = [f"r{i}" for i in range(20)]
    earlier = release_record(rows, 3, "a")
    assert difference(rows + ["new"], earlier, "x") == Difference(1, 0, "x")
    assert difference(rows[:-2], earlier, "x").removed == 2
    assert not difference(rows, earlier, "x").risky(3)
    assert difference(rows + ["n1", "n2", "n3"], earlier, "x").added == 3
    assert not difference(rows + ["n1", "n2", "n3"], earlier, "x").risky(3)


def test_release_one_respondent_apart_is_refused_with_the_reason(tmp_path: Path, capsys) -> None:
    rows = [f"r{i}" for i in range(10)]
    record_release(release_record(rows, 3, "a.csv"), tmp_path, None)
    with pytest.raises(DataValidationError, match="differs from an earlier one by fewer than 3 respondents"):
        check_release(rows + ["late"], 3, tmp_path, None, allow_overlap=False)
    assert check_release(rows, 3, tmp_path, None, allow_overlap=False) == []  # the same data again: nothing new
    risky = check_release(rows[1:], 3, tmp_path, None, allow_overlap=True)
    assert risky and "subtract" in capsys.readouterr().err


def test_release_log_is_validated(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"format": 1}\n', encoding="utf-8")
    with pytest.raises(DataValidationError, match="not a release record"):
        read_release_log(log)
    assert read_release_log(tmp_path / "missing.jsonl") == []


def test_answer_rows_ignore_ids_and_order_columns_by_the_instrument() -> None:
    frame = pd.DataFrame({"b": ["x", None], "a": ["y", "z"]}, index=["id1", "id2"])
    assert answer_rows(frame, ["a", "b"]) == ["y\x1fx", "z\x1f"]


def test_release_options_need_min_count(capsys) -> None:
    from samskab_analysis.cli import main

    assert main(["reproduce", "--data", str(SYNTHETIC), "--release-log", "x.jsonl"]) == 2
    assert "--release-log applies to --min-count releases only" in capsys.readouterr().err
    assert main(["reproduce", "--data", str(SYNTHETIC), "--allow-overlap"]) == 2


def test_a_folder_with_unprotected_outputs_is_cleared_before_a_protected_run(tmp_path: Path, capsys) -> None:
    from samskab_analysis.run.plan import RunConfig
    from samskab_analysis.run.protection import before_run

    out = tmp_path / "out"
    for name in ("notebooks/results.ipynb", "site/da/results/personal.html", "figures/fig01_da.svg"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("86 % af de 14 svarede ja", encoding="utf-8")
    (out / "disclosure").mkdir()
    (out / "disclosure" / "release.json").write_text("{}", encoding="utf-8")
    config = RunConfig(out_dir=out, min_count=3)
    assert before_run(config, out, {}) is True  # no manifest, but outputs: an unprotected folder
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["disclosure/release.json"]
    assert "without --min-count: every output of it removed" in capsys.readouterr().err
    assert before_run(config, out, {"min_count": 3, "jobs": {}}) is False  # the same protection: nothing removed
    assert before_run(RunConfig(out_dir=out, min_count=5), out, {"min_count": 3}) is True


def test_a_failing_audit_removes_every_output_and_fails_the_run(tmp_path: Path, monkeypatch, capsys) -> None:
    from samskab_analysis.run import audit
    from samskab_analysis.run.plan import RunConfig
    from samskab_analysis.run.protection import after_run

    out = tmp_path / "out"
    for name in ("notebooks/microdata.ipynb", "processed/counts.csv", "site/en/index.html", "manifest.json"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("answered 11", encoding="utf-8")
    failing = audit.AuditResult([], ["notebooks/microdata.ipynb cell 5: an output shows numbers without a record"], 3)
    monkeypatch.setattr(audit, "audit_run", lambda *a, **k: failing)
    config = RunConfig(out_dir=out, min_count=3, responses=SYNTHETIC)
    assert after_run(config, out) == 1
    assert not [p for p in out.rglob("*") if p.is_file()]
    err = capsys.readouterr().err
    assert "disclosure audit FAILED" in err and "nothing published" in err

    def broken(*args, **kwargs):
        raise RuntimeError("HiGHS gave up")

    monkeypatch.setattr(audit, "audit_run", broken)
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "fig01_en.svg").write_text("<svg/>", encoding="utf-8")
    assert after_run(config, out) == 1 and not (out / "figures").exists()
    assert "the audit could not finish: RuntimeError: HiGHS gave up" in capsys.readouterr().err


def test_incomplete_responses_under_min_count_publish_and_keep_the_ingest_warnings_out(tmp_path: Path, capsys) -> None:
    """The ingest warnings' numbers (incomplete responses, questions not reached) stay on the terminal: a
    ``--min-count`` run with incomplete responses passes its audit instead of failing on them."""
    import csv

    import numpy as np

    from samskab_analysis.cli import main
    from samskab_analysis.data.instrument import load_instrument

    instrument = load_instrument()
    items = instrument.item_ids
    codes = {"degree5": ["5", "4", "3", "2", "9"], "yes_no": ["1", "0", "9"]}
    rng = np.random.default_rng(5)
    rows = [["StartDate", "Finished", "ResponseId", *items]]
    for r in range(16):  # 11 complete, 5 stopping after 2 to 14 questions
        stop = 18 if r < 11 else int(rng.integers(2, 15))
        cells = [str(rng.choice(codes[instrument.items.at[i, "scale_id"]])) for i in items[:stop]]
        rows.append(["2025-03-01 10:00:00", "True" if r < 11 else "False", f"R_{r}", *cells, *[""] * (18 - stop)])
    data = tmp_path / "qualtrics.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    for incomplete in (["--include-incomplete"], []):
        out = tmp_path / f"out{len(incomplete)}"
        args = ["reproduce", "--data", str(data), "--out", str(out), "--min-count", "3", "--only", "overview",
                "--no-site", "--langs", "en", "--formats", "svg", "--jobs", "1", *incomplete]  # fmt: skip
        assert main(args) == 0
        err = capsys.readouterr().err
        assert "5 incomplete response(s)" in err  # said on the terminal
        notebook = (out / "notebooks" / "overview.ipynb").read_text(encoding="utf-8")
        assert "incomplete response" not in notebook and "not reached" not in notebook
        audit = (out / "disclosure" / "audit.csv").read_text(encoding="utf-8")
        assert ("not_reached" in audit) == bool(incomplete)
