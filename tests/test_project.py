"""Project-level checks: packaging pins, CLI, notebooks' parameters, determinism, claims ledger."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from samskab_analysis.cli import main
from samskab_analysis.paths import NOTEBOOK_DIR, REPO_ROOT
from samskab_analysis.stats.ledger import claims_ledger

FIGURE_PARAMETERS = {"item", "data_dir", "lang", "output_dir", "formats"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==")
            pins[_name(name)] = version.strip()
    return pins


def _environment_pins() -> dict[str, str]:
    text = (REPO_ROOT / "environment.yml").read_text()
    pins = {}
    for line in text.splitlines():
        match = re.match(r"\s+- ([A-Za-z0-9_.-]+)==([^\s#]+)", line)
        if match:
            pins[_name(match.group(1))] = match.group(2)
    return pins


def test_environment_and_pyproject_name_the_same_packages():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    assert set(_environment_pins()) == declared


def test_pins_agree_with_constraints():
    constraints = _constraints()
    for name, version in _environment_pins().items():
        assert constraints.get(name) == version, name


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "data" in out and "reproduce" in out


def test_cli_data_writes_processed(tmp_path, capsys):
    assert main(["data", "--out", str(tmp_path)]) == 0
    counts = (tmp_path / "counts.csv").read_text().splitlines()
    assert counts[0].startswith("item_id,figure,category_id,count")
    assert len(counts) == 1 + 93
    assert "fig06,6,low,2,10,0.2,stated,S06e" in (tmp_path / "counts.csv").read_text()
    assert (tmp_path / "counts.csv").read_bytes() == (REPO_ROOT / "data" / "processed" / "counts.csv").read_bytes()


def test_cli_reports_bad_input_without_traceback(tmp_path, raw_copy, capsys):
    path = raw_copy / "published" / "statements.csv"
    path.write_text(path.read_text().replace("S06e,fig06,6,low,2", "S06e,fig06,6,lowish,2"))
    assert main(["data", "--data-dir", str(raw_copy), "--out", str(tmp_path / "processed")]) == 2  # not around raw
    err = capsys.readouterr().err
    assert "statements.csv, row 17, column 'categories'" in err and "Traceback" not in err


def test_console_script_is_installed():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "samskab"), "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("samskab ")


def test_figure_notebook_parameters():
    nb = nbformat.read(NOTEBOOK_DIR / "figure.ipynb", as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    names = {line.split("=")[0].strip() for line in cells[0].source.splitlines() if "=" in line}
    assert names >= FIGURE_PARAMETERS


def test_rendered_notebooks_exist_for_every_item(study):
    rendered = REPO_ROOT / "reports" / "notebooks"
    for item_id in study.instrument.item_ids:
        nb = nbformat.read(rendered / f"figure_{item_id}.ipynb", as_version=4)
        assert nb.metadata["papermill"]["parameters"]["item"] == item_id
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
        assert "N = 10" in text


def test_claims_ledger_all_consistent(study):
    ledger = claims_ledger(study)
    assert len(study.statements) == 37 and len(ledger) == 37 + 1  # + the possible erratum E02 (no statement)
    assert ledger["status"].iloc[:37].str.startswith("consistent").all()
    erratum = ledger.set_index("claim_id").loc["S05b"]
    assert erratum["item_id"] == "fig01" and int(erratum["cited_figure"]) == 2
    assert "erratum" in erratum["status"]


def test_processed_ledger_matches(study):
    text = (REPO_ROOT / "data" / "processed" / "claims_ledger.csv").read_text()
    assert "S07c,fig07,7,very_high+high+some,80%,80%,8/10,\"assumed,stated\",consistent" in text


DRAW = """
import sys
from samskab_analysis import load_study
from samskab_analysis.figures.exhibits import save_item_figures, save_overview_figures
study = load_study()
save_item_figures(study, "fig07", "da", "en", sys.argv[1], "svg,png")
save_overview_figures(study, "da", "", sys.argv[1], "svg")
"""


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_figures_are_byte_identical_across_processes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for target, seed in ((first, "0"), (second, "123")):
        env = {"PYTHONHASHSEED": seed, "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-c", DRAW, str(target)], check=True, env=env)
    assert _digests(first) == _digests(second)
    assert {"fig07_da.svg", "fig07_en.png", "overview_da.svg"} <= set(_digests(first))
    committed = REPO_ROOT / "reports" / "figures" / "fig07_da.svg"
    assert (first / "fig07_da.svg").read_bytes() == committed.read_bytes()


def test_sheet_option_reaches_the_notebooks():
    from samskab_analysis.cli import build_parser
    from samskab_analysis.run.plan import plan_jobs
    from samskab_analysis.run.runner import config_from_args

    args = build_parser().parse_args(
        ["reproduce", "--data", "data/raw/examples/samskab_synthetic_cohort_da.xlsx", "--sheet", "Svar"]
    )
    config = config_from_args(args)
    jobs = plan_jobs(config)
    assert {j.parameters["sheet"] for j in jobs} == {"Svar"}
    assert {j.stem for j in jobs} >= {"figure", "overview", "microdata", "cohorts", "uncertainty"}
    assert "reconstruction" not in {j.stem for j in jobs}  # published-only notebook
    for stem in ("figure", "overview", "uncertainty", "cohorts", "microdata", "corpus", "typology"):
        nb = nbformat.read(NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert "sheet = None" in params.source, stem


def test_stream_chunks_are_coalesced():
    from samskab_analysis.run.worker import coalesce_streams

    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "a\n"},
        {"output_type": "stream", "name": "stdout", "text": ["b", "\n"]},
        {"output_type": "display_data", "data": {}},
        {"output_type": "stream", "name": "stdout", "text": "c"},
    ]
    merged = coalesce_streams(outputs)
    assert [o["output_type"] for o in merged] == ["stream", "display_data", "stream"]
    assert merged[0]["text"] == "a\nb\n"


def test_executed_notebook_is_byte_identical_across_runs(tmp_path):
    """Executing the same figure notebook twice gives the same .ipynb, HTML and figure files."""
    import shutil

    from samskab_analysis.run.kernel_engine import run_job
    from samskab_analysis.run.plan import RunConfig, plan_jobs

    out = tmp_path / "out"
    config = RunConfig(out_dir=out, only=("fig06",), langs=("da",))
    (job,) = plan_jobs(config)
    snapshots = []
    for run in range(2):
        assert run_job(job, out).error is None
        shutil.copytree(out, tmp_path / f"run{run}")
        snapshots.append(_tree_digests(tmp_path / f"run{run}"))
    assert snapshots[0] == snapshots[1]
    assert {"notebooks/figure_fig06.ipynb", "figures/fig06_da.svg"} <= set(snapshots[0])


def _tree_digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_min_count_hides_small_cells_in_the_item_figure(study):
    from samskab_analysis.figures.plotting import plot_item

    fig = plot_item(study, "fig06", "en", min_count=3)  # 1 very high, 2 low and the zeros are below 3
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("suppressed") == 4
    assert not any(t.startswith(("10 %", "20 %")) for t in texts)
    assert "30 % (3)" in texts and "40 % (4)" in texts
    bars = [p for p in fig.axes[0].patches if p.get_width() > 0]
    assert sorted(round(p.get_width()) for p in bars) == [30, 40]
