"""The wheel as a user gets it (issue 22): built once, installed into a fresh venv, every command run from an
empty folder outside any project.

Slow (about 3-6 minutes on two cores), run by ``make test``. The venv is really fresh: no system site packages,
the wheel installed with its dependencies resolved by pip from the wheel's own metadata (pinned by
``requirements/constraints.txt``; pip's cache and this machine's package mirror make it an offline install).
Outputs are compared value for value with what the checkout's code computes (and with the report's counts).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import samskab_analysis
from samskab_analysis.cli import version_text
from samskab_analysis.fielding.export import export_instrument, parse_formats
from samskab_analysis.paths import REPO_ROOT, find_project

pytestmark = pytest.mark.slow

VERSION = samskab_analysis.__version__
SYNTHETIC = REPO_ROOT / "data" / "raw" / "examples" / "samskab_synthetic_cohort_no.csv"
STUDY = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["samskab"]["study"]
TEST_TOOLS = ("nbval", "pytest", "playwright", "ruff", "import-linter", "twine", "build")
#: Notebooks run in the fresh venv (one of each kind; the committed reports hold them all).
PUBLISHED_JOBS = "figure_fig02,overview,reconstruction,planning,results"
TIMEOUT = 1800


def source_files(root: Path) -> list[str]:
    """The checkout's files as git sees them (tracked and new, not ignored), without the rendered reports."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, check=True,
        ).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        skipped = {".git", ".venv", "reports", "build", "dist", "__pycache__"}
        listed = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not skipped & set(
            p.relative_to(root).parts)]
    return [name for name in listed if name and not name.startswith("reports/") and (root / name).is_file()]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """``python -m build`` (sdist, then the wheel from the sdist) on a copy of the checkout."""
    work = tmp_path_factory.mktemp("build")
    src = work / "src"
    for name in source_files(REPO_ROOT):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, src / name)
    out = work / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(src)], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def clean_env(home: Path | None = None, bin_dir: Path | None = None) -> dict[str, str]:
    """The environment of a user's shell: no samskab variables, no other venv, the fresh venv first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMSKAB_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join([*([str(bin_dir)] if bin_dir else []), "/usr/local/bin", "/usr/bin", "/bin"])
    env["MPLBACKEND"] = "Agg"
    if home is not None:
        env["HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory, dist) -> Path:
    """A fresh venv (no system site packages) with the wheel and the dependencies its metadata asks for."""
    folder = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300, env=clean_env())
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--no-compile", "--disable-pip-version-check"]
    constraints = REPO_ROOT / "requirements" / "constraints.txt"
    result = subprocess.run(
        [*pip, "-c", str(constraints), str(dist["wheel"])], capture_output=True, text=True, timeout=1500,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder


@pytest.fixture(scope="module")
def empty(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("user") / "empty"
    folder.mkdir()
    (folder.parent / "home").mkdir()
    if find_project(start=folder).is_project:
        pytest.skip(f"{folder} lies inside a samskab project: not an empty folder outside any project")
    return folder


def samskab(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the installed command as a user would (its own HOME, the venv's bin first on PATH)."""
    env = clean_env(cwd.parent / "home" if (cwd.parent / "home").is_dir() else cwd, venv / "bin")
    return subprocess.run(
        [str(venv / "bin" / "samskab"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    return result


def counts(path: Path, item: str | None = None) -> dict[str, int]:
    """``{category: count}`` from an item's data rows or (with *item*) from a processed ``counts.csv``."""
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {row["category_id"]: int(row["count"]) for row in rows if item is None or row["item_id"] == item}


DRAW = """
import sys
from samskab_analysis import load_study
from samskab_analysis.figures.exhibits import save_item_figures, save_overview_figures
study = load_study()
save_item_figures(study, "fig02", "da", "no", sys.argv[1], "svg")
save_overview_figures(study, "da", "no", sys.argv[1], "svg")
from samskab_analysis.run.processed import build_processed
build_processed(study, sys.argv[1] + "/processed")
"""


@pytest.fixture(scope="module")
def checkout_figures(tmp_path_factory) -> Path:
    """Figures and processed tables made by the checkout's code in a separate process (the committed reports may
    predate a merge: the wheel must give what the checkout gives now)."""
    folder = tmp_path_factory.mktemp("checkout-figures")
    env = {"PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", DRAW, str(folder)], check=True, env=env, cwd=REPO_ROOT, timeout=600)
    return folder


def checkout_counts(item: str) -> dict[str, int]:
    """The synthetic cohort's counts for *item* as the checkout computes them in this process."""
    from samskab_analysis.study import load_study

    rows = load_study(responses=SYNTHETIC).item_counts(item)
    return dict(zip(rows["category_id"], (int(c) for c in rows["count"]), strict=True))


# 1. the wheel and the sdist -----------------------------------------------------------------------------------------


def test_sdist_and_wheel_pass_twine_and_carry_the_study(dist):
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dist["wheel"]), str(dist["sdist"])],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and result.stdout.count("PASSED") == 2, result.stdout + result.stderr
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        meta = Parser().parsestr(wheel.read(f"samskab_analysis-{VERSION}.dist-info/METADATA").decode())
    for entry in STUDY:
        source = REPO_ROOT / entry
        files = [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file() and "__pycache__" not in
                                                   p.parts and ".ipynb_checkpoints" not in p.parts]
        for path in files:
            if path.name == ".samskab.lock" or path.name.endswith(".samskab-tmp"):  # the output gate's, untracked
                continue
            assert f"samskab_analysis/_study/{path.relative_to(REPO_ROOT).as_posix()}" in names, path
    exhibits = (REPO_ROOT / "notebooks" / "exhibits.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(exhibits)):
        assert f"samskab_analysis/_study/notebooks/{row['notebook']}" in names
    assert "samskab_analysis/run/project_template/README.no.md" in names
    assert meta["Version"] == VERSION and meta["Name"] == "samskab-analysis"
    runtime = [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert not [r for r in runtime if r.split(">")[0].split("=")[0].split("[")[0].strip() in TEST_TOOLS], runtime
    assert any(r.startswith("playwright") and 'extra == "pdf"' in r for r in meta.get_all("Requires-Dist"))
    assert set(meta.get_all("Provides-Extra")) == {"pdf", "dev"}


def test_fresh_venv_resolved_the_wheels_dependencies(venv, empty):
    config = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "include-system-site-packages = false" in config
    check = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout.lower()
    installed = {line.split("==")[0].replace("_", "-") for line in listed.splitlines()}
    assert f"samskab-analysis=={VERSION}" in listed and {"pandas", "papermill", "sphinx", "jupyterlab"} <= installed
    assert not installed & set(TEST_TOOLS), installed & set(TEST_TOOLS)
    version = ok(samskab(venv, empty, "--version")).stdout
    checkout = version_text().splitlines()[1].split(";")[0]  # "study inputs <12> (sha256 <64>"
    assert version.splitlines()[0] == f"samskab {VERSION}" and checkout in version and "packaged study" in version


# 4. every command from an empty folder ------------------------------------------------------------------------------


def test_reproduce_from_an_empty_folder(venv, empty, checkout_figures):
    result = ok(samskab(venv, empty, "reproduce", "--only", PUBLISHED_JOBS))
    assert "PDF skipped: the playwright Python package is not installed (pip install 'samskab-analysis[pdf]')" in (
        result.stderr
    )
    reports = empty / "reports"
    assert sorted(p.name for p in empty.iterdir()) == ["reports"]  # nothing written outside ./reports/
    fig02 = counts(reports / "data" / "fig02.csv")
    assert fig02["very_high"] + fig02["high"] == 9 and sum(fig02.values()) == 10  # 9 of 10 in the top two
    assert fig02 == counts(checkout_figures / "processed" / "counts.csv", "fig02")
    for name in ("counts.csv", "claims_ledger.csv", "item_summary.csv", "design.csv"):
        assert (reports / "processed" / name).read_bytes() == (checkout_figures / "processed" / name).read_bytes()
    for figure in ("fig02_da.svg", "fig02_no.svg", "overview_da.svg", "overview_no.svg"):
        assert (reports / "figures" / figure).read_bytes() == (checkout_figures / figure).read_bytes(), figure
    for lang in ("da", "no", "en"):
        page = (reports / "site" / lang / "exhibits" / "figure_fig02.html").read_text(encoding="utf-8")
        assert "N = 10" in page or "N&nbsp;=&nbsp;10" in page
    assert (reports / "index.html").is_file() and not (reports / "pdf").exists()


def test_reproduce_a_cohort_from_an_empty_folder(venv, empty):
    shutil.copyfile(SYNTHETIC, empty / "cohort.csv")
    ok(samskab(venv, empty, "reproduce", "--data", "cohort.csv", "--only", "figure_fig02,microdata", "--no-site"))
    out = empty / "reports" / "cohorts" / "cohort"
    observed = counts(out / "processed" / "counts.csv", "fig02")
    with open(SYNTHETIC, encoding="utf-8") as handle:
        answers = [row["fig02"] for row in csv.DictReader(handle)]
    assert sum(observed.values()) == len(answers) == 14 and observed == checkout_counts("fig02")
    executed = (out / "notebooks" / "microdata.ipynb").read_text(encoding="utf-8")
    assert "N = 14" in executed or "14 respondents" in executed
    assert (empty / "cohort.csv").read_bytes() == SYNTHETIC.read_bytes()  # the input is never modified


def test_validate_and_instrument_export_from_an_empty_folder(venv, empty, tmp_path):
    shutil.copyfile(SYNTHETIC, empty / "answers.csv")
    assert "answers.csv: valid (14 respondents, 18 items)" in ok(samskab(venv, empty, "validate", "answers.csv")).stdout
    (empty / "answers.csv").unlink()
    ok(samskab(venv, empty, "instrument", "export", "--lang", "no"))
    written = empty / "reports" / "instrument" / "no"
    expected, _ = export_instrument("no", tmp_path / "no", parse_formats("limesurvey,html,datapackage"))
    for name, path in expected.items():
        assert (written / path.name).read_bytes() == path.read_bytes(), name


def test_archive_from_an_empty_folder(venv, empty):
    ok(samskab(venv, empty, "archive"))
    path = empty / "reports" / "archive" / f"samskab-replication-{VERSION}.zip"
    prefix = f"samskab-replication-{VERSION}/"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        # the processed tables of this folder's run (the published study as the wheel computes it)
        processed = empty / "reports" / "processed" / "counts.csv"
        assert archive.read(prefix + "data/processed/counts.csv") == processed.read_bytes()
        assert archive.read(prefix + "DATA_AVAILABILITY.md").startswith(b"## Data availability")
    assert {prefix + "exhibits/figures/fig02_da.svg", prefix + "MANIFEST.sha256", prefix + "CITATION.cff"} <= names


def test_init_then_reproduce_in_the_new_project(venv, empty, checkout_figures):
    ok(samskab(venv, empty, "init", "proj", "--lang", "no"))
    project = empty / "proj"
    assert find_project(start=project / "data").root == project
    ok(samskab(venv, project / "notebooks", "reproduce", "--only", "figure_fig02", "--no-site"))  # found upwards
    drawn = project / "reports" / "figures" / "fig02_no.svg"
    assert drawn.read_bytes() == (checkout_figures / "fig02_no.svg").read_bytes()
    processed = checkout_figures / "processed" / "counts.csv"
    assert (project / "data" / "processed" / "counts.csv").read_bytes() == processed.read_bytes()
    ok(samskab(venv, project, "reproduce", "--data", "../cohort.csv", "--only", "figure_fig07", "--no-site"))
    observed = counts(project / "reports" / "cohorts" / "cohort" / "processed" / "counts.csv", "fig07")
    assert sum(observed.values()) == 14 and observed == checkout_counts("fig07")
    pins = (project / "requirements.txt").read_text(encoding="utf-8")
    assert f"\nsamskab-analysis=={VERSION}\n" in pins and "\nnbval==" not in pins and "\npytest==" not in pins
    if shutil.which("make"):
        env = clean_env(empty.parent / "home", venv / "bin")
        dry = subprocess.run(["make", "-n", "reproduce"], cwd=project, env=env, capture_output=True, text=True)
        assert f"{venv / 'bin' / 'samskab'} reproduce" in dry.stdout  # the installed command, no second venv


def test_a_missing_package_file_is_named_as_such(venv, empty):
    """Last: breaks the installed package on purpose."""
    site = next((venv / "lib").glob("python3*/site-packages/samskab_analysis/_study"))
    (site / "data" / "raw" / "instrument" / "scales.csv").unlink()
    shutil.copyfile(SYNTHETIC, empty / "again.csv")
    result = samskab(venv, empty, "validate", "again.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "package file missing: _study/data/raw/instrument/scales.csv" in result.stderr
    assert "input data" not in result.stderr
