"""The notebook runner: planning, content hashes, incremental reruns, failures, progress output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from samskab_analysis.cli import main
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.paths import DATA_DIR, REPO_ROOT
from samskab_analysis.run.manifest import inputs_hash, job_hash, load_manifest
from samskab_analysis.run.plan import Job, RunConfig, plan_jobs, read_exhibits
from samskab_analysis.run.progress import Progress
from samskab_analysis.run.runner import schedule

TINY = """from pathlib import Path

out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
for code in [lang, *[x for x in also_langs.split(",") if x]]:
    (out / f"NAME_{code}.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
    print(f"NAME_{code}.svg")"""


def notebook(path: Path, *sources: str) -> Path:
    """Write a notebook whose first source is the ``parameters`` cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(sources[0], metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in sources[1:]]
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def setup(tmp_path: Path) -> dict[str, Path]:
    """A tiny exhibits list: two fast notebooks writing one SVG per language."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    params = 'lang = "da"\nalso_langs = ""\noutput_dir = "reports/figures"'
    for name in ("tiny", "other"):
        notebook(nbs / f"{name}.ipynb", params, TINY.replace("NAME", name))
    exhibits = nbs / "exhibits.csv"
    exhibits.write_text(
        "notebook,per_item,applies_to,title\ntiny.ipynb,false,both,Tiny\nother.ipynb,false,both,Other\n"
    )
    return {"exhibits": exhibits, "out": tmp_path / "out", "nbs": nbs}


def reproduce(setup: dict[str, Path], *extra: str) -> int:
    """``samskab reproduce`` on the tiny setup (one worker per notebook)."""
    args = ["reproduce", "--exhibits", str(setup["exhibits"]), "--out", str(setup["out"]), "--jobs", "2", "--no-site"]
    return main([*args, *extra])


def summary_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("samskab reproduce:") and "executed" in line)


def test_plan_matches_instrument() -> None:
    """The quick csv-based plan gives the same items, order and titles as the validated instrument."""
    jobs = plan_jobs(RunConfig())
    instrument = load_instrument()
    items = [j for j in jobs if j.stem == "figure" and j.lang is None]
    assert [j.item_id for j in items] == instrument.item_ids
    assert len(items) == 18
    fig07 = next(j for j in items if j.item_id == "fig07")
    assert fig07.name == "figure_fig07"
    assert fig07.parameters["item"] == "fig07"
    for lang in ("da", "no", "en"):
        expected = f"{instrument.exhibit_name('fig07', lang)}: {instrument.title('fig07', lang)}"
        assert fig07.title_in(lang) == expected
    meeting = next(j for j in items if j.item_id == "meeting_place")
    assert meeting.title_in("en").startswith(instrument.label("meeting_place", "en") + ": ")
    assert fig07.parameters["output_dir"] == "reports/figures"
    assert fig07.parameters["also_langs"] == "" and fig07.parameters["lang"] == "da"
    # every further language is a run of its own, so its site shows tables and figures in that language
    runs = {j.name: j for j in jobs if j.base == "figure_fig07"}
    assert sorted(runs) == ["figure_fig07", "figure_fig07.en", "figure_fig07.no"]
    assert runs["figure_fig07.en"].parameters == {**fig07.parameters, "lang": "en"}
    assert runs["figure_fig07.no"].lang == "no" and runs["figure_fig07.no"].item_id == "fig07"
    assert len(jobs) == 3 * len([j for j in jobs if j.lang is None])
    only_da = plan_jobs(RunConfig(langs=("da",), only=("fig07",)))
    assert [j.name for j in only_da] == ["figure_fig07"]
    assert [j.name for j in plan_jobs(RunConfig(only=("figure_fig07",)))] == [
        "figure_fig07", "figure_fig07.no", "figure_fig07.en"
    ]


def test_plan_respects_applies_to_and_only(tmp_path: Path) -> None:
    exhibits = tmp_path / "exhibits.csv"
    exhibits.write_text(
        "notebook,per_item,applies_to,title\nfigure.ipynb,true,both,F\npub.ipynb,false,published,P\n"
        "resp.ipynb,false,respondents,R\n"
    )
    published = plan_jobs(RunConfig(exhibits=exhibits, langs=("da",)))
    assert [j.name for j in published][-1] == "pub"
    assert len(published) == 19
    assert len(plan_jobs(RunConfig(exhibits=exhibits))) == 3 * 19  # a run per language
    respondents = plan_jobs(RunConfig(exhibits=exhibits, responses=tmp_path / "x.csv", langs=("da",)))
    assert [j.name for j in respondents][-1] == "resp"
    only = plan_jobs(RunConfig(exhibits=exhibits, only=("fig03", "pub"), langs=("da", "en")))
    assert [j.name for j in only] == ["figure_fig03", "pub", "figure_fig03.en", "pub.en"]


def test_exhibits_problems_are_reported_together(tmp_path: Path) -> None:
    exhibits = tmp_path / "exhibits.csv"
    exhibits.write_text("notebook,per_item,applies_to,title\na.ipynb,maybe,always,A\na.ipynb,false,both,A again\n")
    with pytest.raises(DataValidationError) as err:
        read_exhibits(exhibits)
    text = str(err.value)
    assert "3 problems" in text
    assert "row 2, column 'applies_to'" in text and "allowed: both, published, respondents" in text
    assert "row 2, column 'per_item'" in text
    assert "row 3, column 'notebook'" in text and "listed twice" in text


def test_hashes_follow_data_and_notebooks(raw_copy: Path, setup: dict[str, Path]) -> None:
    """A changed raw CSV changes every job's hash; a changed notebook only its own jobs' hashes."""
    config = RunConfig(data_dir=raw_copy, exhibits=setup["exhibits"])
    jobs = plan_jobs(config)
    before = {j.name: job_hash(j, inputs_hash(config)) for j in jobs}
    statements = raw_copy / "published" / "statements.csv"
    statements.write_bytes(statements.read_bytes() + b"\n")
    after_data = {j.name: job_hash(j, inputs_hash(config)) for j in jobs}
    assert all(before[name] != after_data[name] for name in before)
    notebook(setup["nbs"] / "tiny.ipynb", 'lang = "da"\nalso_langs = ""\noutput_dir = "x"', "print(1)")
    after_nb = {j.name: job_hash(j, inputs_hash(config)) for j in jobs}
    assert after_nb["tiny"] != after_data["tiny"]
    assert after_nb["other"] == after_data["other"]


def test_schedule_runs_longest_first() -> None:
    nb = Path("x.ipynb")
    jobs = [(Job(name, nb, {}, name, item), "h") for name, item in (("a", "fig01"), ("b", None), ("c", "fig02"))]
    history = {"a": {"seconds": 1.0, "notebook": "x.ipynb"}, "c": {"seconds": 5.0, "notebook": "x.ipynb"}}
    assert [j.name for j, _ in schedule(jobs, history)] == ["c", "b", "a"]  # b: same notebook, mean 3.0
    assert [j.name for j, _ in schedule(jobs, {})] == ["b", "a", "c"]  # never timed: single notebooks first


def test_incremental_reruns(setup: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = setup["out"]
    assert reproduce(setup) == 0
    assert summary_line(capsys.readouterr().out).startswith("samskab reproduce: 6 executed, 0 up to date, 0 failed")
    for name in ("tiny", "other", "tiny.no", "tiny.en", "other.no", "other.en"):  # a run per language
        assert (out / "notebooks" / f"{name}.ipynb").is_file()
    manifest = load_manifest(out)
    assert manifest["jobs"]["tiny"]["figures"] == ["figures/tiny_da.svg"]  # each run owns its language's figures
    assert manifest["jobs"]["tiny.en"]["figures"] == ["figures/tiny_en.svg"]
    assert manifest["jobs"]["tiny.no"]["figures"] == ["figures/tiny_no.svg"]
    assert manifest["jobs"]["tiny"]["status"] == "ok"
    assert set(manifest["data"]) >= {"data/raw/instrument/items.csv", "data/raw/published/statements.csv"}
    executed = nbformat.read(out / "notebooks" / "tiny.ipynb", as_version=4)
    assert "duration" not in executed.metadata["papermill"]  # volatile metadata stripped
    assert executed.cells[-1].outputs[0]["text"] == "tiny_da.svg\n"
    english = nbformat.read(out / "notebooks" / "tiny.en.ipynb", as_version=4)
    assert english.cells[-1].outputs[0]["text"] == "tiny_en.svg\n"

    assert reproduce(setup) == 0
    assert summary_line(capsys.readouterr().out).startswith("samskab reproduce: 0 executed, 6 up to date")

    notebook(setup["nbs"] / "other.ipynb", 'lang = "da"\nalso_langs = ""\noutput_dir = "x"', TINY.replace("NAME", "o2"))
    assert reproduce(setup) == 0
    captured = capsys.readouterr().out
    assert summary_line(captured).startswith("samskab reproduce: 3 executed, 3 up to date")
    assert "executed:   other ×3" in captured

    (out / "figures" / "tiny_no.svg").unlink()
    assert reproduce(setup) == 0
    captured = capsys.readouterr().out
    assert summary_line(captured).startswith("samskab reproduce: 1 executed, 5 up to date")
    assert "executed:   tiny\n" in captured  # only the Norwegian run, whose figure was removed
    assert (out / "figures" / "tiny_no.svg").is_file()

    (out / "notebooks" / "other.ipynb").unlink()
    assert reproduce(setup, "--only", "other") == 0
    assert summary_line(capsys.readouterr().out).startswith("samskab reproduce: 1 executed, 2 up to date")

    assert reproduce(setup, "--force") == 0
    assert summary_line(capsys.readouterr().out).startswith("samskab reproduce: 6 executed, 0 up to date")

    # the no-op path neither imports pandas nor papermill (that is what keeps it well under a second)
    code = (
        "import sys, json; from samskab_analysis.cli import main; "
        f"rc = main(['reproduce', '--exhibits', {str(setup['exhibits'])!r}, '--out', {str(out)!r}, '--no-site']); "
        "print(json.dumps([rc, 'pandas' in sys.modules, 'papermill' in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [0, False, False]
    assert "0 executed, 6 up to date" in done.stdout


def test_changed_data_reruns_everything(raw_copy: Path, setup: dict[str, Path], capsys) -> None:
    args = ("--data-dir", str(raw_copy), "--langs", "da")
    assert reproduce(setup, *args) == 0
    capsys.readouterr()
    design = raw_copy / "published" / "design.csv"
    design.write_bytes(design.read_bytes() + b"\n")
    assert reproduce(setup, *args) == 0
    assert summary_line(capsys.readouterr().out).startswith("samskab reproduce: 2 executed, 0 up to date")


def test_failing_notebook_is_named_and_others_finish(setup: dict[str, Path], capsys) -> None:
    notebook(setup["nbs"] / "broken.ipynb", 'lang = "da"', "x = 1", "y = 2\nratio = x / 0  # boom\n")
    with setup["exhibits"].open("a") as handle:
        handle.write("broken.ipynb,false,both,Broken on purpose\n")
    assert reproduce(setup, "--langs", "da") == 1
    captured = capsys.readouterr()
    assert summary_line(captured.out).startswith("samskab reproduce: 2 executed, 0 up to date, 1 failed")
    assert "FAILED broken: cell 3/3 (`y = 2`): ZeroDivisionError: division by zero" in captured.err
    out = setup["out"]
    assert (out / "notebooks" / "tiny.ipynb").is_file() and (out / "notebooks" / "other.ipynb").is_file()
    assert not (out / "notebooks" / "broken.ipynb").exists()
    assert (out / "failed" / "broken.ipynb").is_file()
    entry = load_manifest(out)["jobs"]["broken"]
    assert entry["status"] == "failed" and "ZeroDivisionError" in entry["error"]
    assert "KeyboardInterrupt" not in captured.err and "without encryption" not in captured.err

    # the failure is not remembered as done: the next run retries it (and only it)
    assert reproduce(setup, "--langs", "da") == 1
    assert summary_line(capsys.readouterr().out).startswith("samskab reproduce: 0 executed, 2 up to date, 1 failed")


def test_missing_notebook_fails_clearly(setup: dict[str, Path], capsys) -> None:
    with setup["exhibits"].open("a") as handle:
        handle.write("ghost.ipynb,false,both,Not there\n")
    assert reproduce(setup, "--only", "ghost") == 1
    assert "FAILED ghost: FileNotFoundError: notebook" in capsys.readouterr().err


def test_only_matching_nothing(setup: dict[str, Path], capsys) -> None:
    assert reproduce(setup, "--only", "nothing_like_this") == 2
    err = capsys.readouterr().err
    assert "--only nothing_like_this matches no notebook; valid: tiny, other" in err


def test_progress_plain_lines() -> None:
    stream = io.StringIO()
    progress = Progress(2, 2, stream=stream, tty=False)
    progress.started("a", 5)
    progress.cell("a", 1, "x = 1")
    progress.finished("a", 1.25, None)
    progress.finished("b", 0.5, "cell 2/3 (`1/0`): ZeroDivisionError: division by zero")
    progress.close()
    assert stream.getvalue().splitlines() == [
        "samskab reproduce: running 2 notebooks on 2 workers",
        "[1/2] ok     a (1.2s)",
        "[2/2] FAILED b (0.5s)",
        "    cell 2/3 (`1/0`): ZeroDivisionError: division by zero",
    ]


def test_progress_bars_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(2, 2, stream=stream, tty=True)
    progress.started("a", 0)
    progress.started("b", 4)
    progress.started("a", 6)
    progress.cell("a", 2, "print(x)")
    assert progress.bars["a"].total == 6 and progress.bars["a"].n == 2
    assert {progress.bars["a"].position_slot, progress.bars["b"].position_slot} == {1, 2}
    progress.finished("a", 1.0, None)
    progress.cell("a", 3, "late event after finishing")  # ignored
    assert "a" not in progress.bars
    progress.finished("b", 1.0, "boom")
    progress.close()
    assert "FAILED b" in stream.getvalue()


def test_default_exhibits_file_is_valid() -> None:
    rows = read_exhibits(REPO_ROOT / "notebooks" / "exhibits.csv")
    assert rows[0]["notebook"] == "figure.ipynb" and rows[1]["notebook"] == "overview.ipynb"
    assert DATA_DIR.is_dir()


def test_a_stale_figure_sharing_the_job_prefix_is_not_adopted(tmp_path: Path) -> None:
    """Only figures the job printed or wrote during its run count as its figures, not an earlier run's leftovers."""
    from samskab_analysis.run.worker import figure_stamps, saved_figures

    figures = tmp_path / "figures"
    figures.mkdir()
    for name in ("cohorts_old_da.svg", "cohorts_da.svg", "printed_da.svg"):
        (figures / name).write_text("<svg/>", encoding="utf-8")
    job = Job(name="cohorts", notebook=tmp_path / "cohorts.ipynb", parameters={}, title="cohorts")
    before = figure_stamps(job, tmp_path)
    assert sorted(before) == ["cohorts_da.svg", "cohorts_old_da.svg"]
    (figures / "tmp").write_text("<svg/>", encoding="utf-8")  # rewritten with the same bytes, as the gate writes
    (figures / "tmp").replace(figures / "cohorts_da.svg")
    (figures / "cohorts_new_da.svg").write_text("<svg/>", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="saved figures/printed_da.svg\n")]
    nb.cells = [cell]
    adopted = saved_figures(nb, "cohorts", None, figures, before)
    assert adopted == ["figures/cohorts_da.svg", "figures/cohorts_new_da.svg", "figures/printed_da.svg"]
    assert "figures/cohorts_old_da.svg" in saved_figures(nb, "cohorts", None, figures)  # nothing known: any


def test_a_job_no_longer_planned_leaves_the_figures_a_planned_job_now_writes(tmp_path: Path) -> None:
    """After a layout change (fig07's English figure moved from figure_fig07 to figure_fig07.en), forgetting the
    old job removes its notebook and its other figures, never the file the new job has just written."""
    from samskab_analysis.run.manifest import discard_recorded

    (tmp_path / "figures").mkdir()
    (tmp_path / "notebooks").mkdir()
    for name in ("figures/fig07_en.svg", "figures/fig07_old.svg", "notebooks/figure_fig07.ipynb"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    entry = {"figures": ["figures/fig07_en.svg", "figures/fig07_old.svg"]}
    discard_recorded(tmp_path, "figure_fig07", entry, keep={"figures/fig07_en.svg"})
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == ["figures/fig07_en.svg"]
