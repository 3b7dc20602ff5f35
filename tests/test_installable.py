"""Installable anywhere: one version, packaging metadata, Binder, project discovery, ``samskab init``.

The wheel itself, installed into a fresh venv and used from an empty folder, is tested in ``test_wheel.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

import samskab_analysis
from samskab_analysis import paths
from samskab_analysis.cli import build_parser, error_text, main, version_text
from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.paths import (
    PROJECT_ENV,
    REPO_ROOT,
    current_project,
    digest_name,
    find_project,
    project_scope,
    relative,
    resolve,
    study_root,
)
from samskab_analysis.run.manifest import data_files, file_digests, inputs_hash
from samskab_analysis.run.plan import RunConfig
from samskab_analysis.run.runner import config_from_args
from samskab_analysis.run.scaffold import init_project, pinned_requirements

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CITATION = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
SYNTHETIC = REPO_ROOT / "data" / "raw" / "examples" / "samskab_synthetic_cohort_no.csv"
TEST_TOOLS = ("nbval", "pytest", "pytest-xdist", "playwright", "ruff", "import-linter", "build", "twine")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


@pytest.fixture()
def outside(tmp_path, monkeypatch) -> Path:
    """An empty working folder outside any project."""
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.delenv(PROJECT_ENV, raising=False)
    monkeypatch.chdir(folder)
    assert not find_project().is_project, "a samskab.toml above the temporary folder"
    return folder


@pytest.fixture(scope="module")
def project_no(tmp_path_factory) -> Path:
    """A project made by ``samskab init --lang no`` (notebook copies)."""
    target = tmp_path_factory.mktemp("init") / "replication"
    init_project(target, lang="no")
    return target


# 1. one version, metadata, dependencies -----------------------------------------------------------------------------


def test_version_has_one_source():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "samskab_analysis.__version__"}
    assert str(CITATION["version"]) == samskab_analysis.__version__


def test_runtime_dependencies_exclude_test_tools():
    runtime = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert not runtime & set(TEST_TOOLS)
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {_name(r) for r in extras["pdf"]} == {"playwright"}
    assert {"nbval", "pytest", "playwright", "build", "twine"} <= {_name(r) for r in extras["dev"]}


def test_citation_has_release_date_repository_and_authors():
    assert isinstance(CITATION["date-released"], dt.date)
    assert CITATION["repository-code"] == PYPROJECT["project"]["urls"]["Repository"]
    assert CITATION["repository-code"].startswith("https://")
    assert [a["name"] for a in CITATION["authors"]] == [a["name"] for a in PYPROJECT["project"]["authors"]]


def test_version_prints_the_packaged_study_input_hash(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    study = RunConfig(data_dir=REPO_ROOT / "data" / "raw", exhibits=REPO_ROOT / "notebooks" / "exhibits.csv")
    digest = inputs_hash(study)
    assert out.startswith(f"samskab {samskab_analysis.__version__}\n") and f"sha256 {digest}" in out
    assert f"study inputs {digest[:12]}" in out
    # the hash `samskab reproduce` records for the published study (manifest "inputs", shown on the site)
    config = config_from_args(build_parser().parse_args(["reproduce"]))
    assert inputs_hash(config, file_digests(data_files(config))) == digest


def test_study_files_are_in_the_sdist_manifest():
    manifest = (REPO_ROOT / "MANIFEST.in").read_text(encoding="utf-8").split()
    for name in PYPROJECT["tool"]["samskab"]["study"]:
        assert name in manifest, f"{name} ([tool.samskab] study) is not in MANIFEST.in"
        assert (REPO_ROOT / name).exists(), name


def test_checkout_reads_the_study_from_the_repository():
    assert study_root() == REPO_ROOT == Path(samskab_analysis.__file__).resolve().parent.parent
    assert not paths.is_packaged_study()
    assert (REPO_ROOT / "samskab.toml").is_file()
    project = find_project(start=REPO_ROOT / "notebooks")
    assert project.root == REPO_ROOT and project.found_by == "samskab.toml"
    assert project.data_dir == REPO_ROOT / "data" / "raw" and project.processed_dir == REPO_ROOT / "data" / "processed"


# 5. Binder ----------------------------------------------------------------------------------------------------------


def test_binder_builds_from_environment_yml_alone():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    assert PYPROJECT["project"]["requires-python"] == ">=" + python.split("=")[1]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    # local references make repo2docker install after copying the repository; they must exist in it
    assert "-e .[dev]" in pip and "-c requirements/constraints.txt" in pip
    assert (REPO_ROOT / "requirements" / "constraints.txt").is_file()
    assert any(line.startswith("jupyterlab==") for line in pip)
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    owner_repo = PYPROJECT["project"]["urls"]["Repository"].removeprefix("https://github.com/")
    assert f"https://mybinder.org/v2/gh/{owner_repo}/HEAD?urlpath=lab" in readme
    assert "https://mybinder.org/badge_logo.svg" in readme


# 7. README ---------------------------------------------------------------------------------------------------------


def test_readme_leads_with_the_commands_and_the_two_ways_in():
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    head = [line.strip() for line in lines[:6]]
    assert any(line.startswith("make reproduce") for line in head)
    assert any(line.startswith("make test") for line in head)
    text = "\n".join(lines[:40])
    order = ["Use it on your survey", "pipx install samskab-analysis", "samskab init", "Reproduce this study",
             "git clone", "make reproduce"]  # fmt: skip
    at = text.index("Two ways in")
    for step in order:  # each after the one before (raises ValueError when missing or out of order)
        at = text.index(step, at)


# 2. a project is a folder, found the way git finds its root ---------------------------------------------------------


def test_project_is_found_upwards_and_outside_any_project_the_package_is_used(tmp_path, outside, monkeypatch):
    here = find_project()
    assert here.root == outside and not here.is_project
    assert here.data_dir == study_root() / "data" / "raw"
    assert here.exhibits_file == study_root() / "notebooks" / "exhibits.csv"
    assert here.reports_dir == outside / "reports" and here.processed_dir == outside / "reports" / "processed"
    (tmp_path / "proj" / "a" / "b").mkdir(parents=True)
    (tmp_path / "proj" / "samskab.toml").write_text('[samskab]\nlang = "en"\n', encoding="utf-8")
    found = find_project(start=tmp_path / "proj" / "a" / "b")
    assert found.root == tmp_path / "proj" and found.found_by == "samskab.toml" and found.lang == "en"
    assert found.data_dir == study_root() / "data" / "raw"  # no data/raw of its own: the packaged study
    assert found.processed_dir == tmp_path / "proj" / "data" / "processed"
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path / "proj" / "a"))
    assert find_project().root == tmp_path / "proj" / "a" and find_project().found_by == f"${PROJECT_ENV}"
    assert find_project(tmp_path / "proj").found_by == "--project"  # --project wins over the variable


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[samskab]\nlang = "fr"\n', "lang = 'fr' is not a language of this study; allowed: da, no, en"),
        ('[samskab]\ncolour = "red"\n', "unknown key(s) colour in [samskab]; allowed: lang, data, notebooks, site"),
        ('[samskab]\ndata = "answers"\n', "data = 'answers', but"),
        ("[samskab\n", "not a readable TOML file"),
    ],
)
def test_bad_project_files_are_named(tmp_path, outside, capsys, toml, message):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "samskab.toml").write_text(toml, encoding="utf-8")
    assert main(["validate", str(SYNTHETIC), "--project", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "p" / "samskab.toml") in err and message in err and "Traceback" not in err


def test_project_option_and_variable_name_a_folder(tmp_path, outside, capsys, monkeypatch):
    assert main(["--project", str(tmp_path / "nowhere"), "validate", str(SYNTHETIC)]) == 2
    assert f"--project {tmp_path / 'nowhere'}: no such folder" in capsys.readouterr().err
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path / "gone"))
    assert main(["validate", str(SYNTHETIC)]) == 2
    assert f"${PROJECT_ENV} {tmp_path / 'gone'}: no such folder" in capsys.readouterr().err


def test_paths_in_parameters_round_trip(tmp_path, monkeypatch):
    root = tmp_path / "p"
    (root / "data" / "raw").mkdir(parents=True)
    (root / "samskab.toml").write_text('[samskab]\ndata = "package"\n', encoding="utf-8")
    answers = root / "data" / "raw" / "answers.csv"
    answers.write_text("x\n")
    monkeypatch.chdir(root)
    with project_scope() as project:
        assert project.data_dir == study_root() / "data" / "raw"
        assert resolve("data/raw/instrument/items.csv") == study_root() / "data" / "raw" / "instrument" / "items.csv"
        assert relative(answers) == str(answers)  # "data/raw/answers.csv" would mean the packaged study's
        assert relative(root / "reports" / "figures") == "reports/figures"
        for path in (answers, root / "reports" / "x.svg", study_root() / "data" / "raw", Path("/elsewhere/a.csv")):
            assert resolve(relative(path)) == path.resolve()
        assert digest_name(study_root() / "data" / "raw" / "published" / "statements.csv") == (
            "data/raw/published/statements.csv"
        )


def test_data_outside_any_project_goes_to_reports(outside, capsys):
    assert main(["data"]) == 0
    written = outside / "reports" / "processed" / "counts.csv"
    assert written.read_bytes() == (REPO_ROOT / "data" / "processed" / "counts.csv").read_bytes()
    assert sorted(p.name for p in outside.iterdir()) == ["reports"]


def test_a_users_own_reports_folder_outside_any_project_is_refused(outside, capsys):
    (outside / "reports").mkdir()
    (outside / "reports" / "annual-report.docx").write_text("x")
    assert main(["reproduce", "--no-site"]) == 2
    assert "already holds files samskab did not write (annual-report.docx)" in capsys.readouterr().err
    assert sorted(p.name for p in (outside / "reports").iterdir()) == ["annual-report.docx"]


def test_validate_and_export_outside_any_project(outside, capsys):
    assert main(["validate", str(SYNTHETIC)]) == 0
    assert "valid (14 respondents, 18 items)" in capsys.readouterr().out
    assert main(["instrument", "export", "--lang", "no", "--format", "limesurvey"]) == 0
    text = (outside / "reports" / "instrument" / "no" / "limesurvey_survey_no.txt").read_text(encoding="utf-8")
    assert "\tQ\tL\tfig07\t" in text and "\tnb\t" in text


def test_archive_outside_any_project_uses_the_packaged_tables(outside, capsys):
    assert main(["archive"]) == 0
    path = outside / "reports" / "archive" / f"samskab-replication-{samskab_analysis.__version__}.zip"
    with zipfile.ZipFile(path) as archive:
        names = {n.split("/", 1)[1] for n in archive.namelist()}
        counts = archive.read(f"samskab-replication-{samskab_analysis.__version__}/data/processed/counts.csv")
    assert counts == (REPO_ROOT / "data" / "processed" / "counts.csv").read_bytes()
    assert {"CITATION.cff", "LICENSE", "DATA_AVAILABILITY.md", "environment/environment.yml"} <= names


# 3. samskab init ----------------------------------------------------------------------------------------------------

CFF_REQUIRED = {
    "type": "object",
    "required": ["cff-version", "message", "title", "authors", "version"],
    "properties": {
        "cff-version": {"const": "1.2.0"},
        "authors": {"type": "array", "minItems": 1},
        "references": {"type": "array", "items": {"required": ["type", "title", "authors"]}},
    },
}


def test_init_scaffolds_a_project(project_no):
    p = project_no
    for name in ("samskab.toml", "README.md", "CITATION.cff", "Makefile", "environment.yml", "requirements.txt",
                 ".gitignore", "data/raw/PERSONAL-DATA.md", "data/raw/instrument/items.csv",
                 "data/raw/published/statements.csv", "notebooks/figure.ipynb", "notebooks/exhibits.csv"):  # fmt: skip
        assert (p / name).is_file(), name
    assert (p / "data" / "raw" / "instrument" / "items.csv").read_bytes() == (
        REPO_ROOT / "data" / "raw" / "instrument" / "items.csv"
    ).read_bytes()
    project = find_project(start=p / "notebooks")
    assert project.root == p and project.lang == "no" and project.data_dir == p / "data" / "raw"
    assert project.notebook_dir == p / "notebooks" and project.site_dir == study_root() / "site"
    readme = (p / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[2].strip().startswith("make reproduce") and readme[3].strip().startswith("make test")
    text = "\n".join(readme)
    assert "samskab instrument export --lang no" in text and "samskab archive" in text and "Neste steg" in text
    assert "personopplysninger" in (p / "data" / "raw" / "PERSONAL-DATA.md").read_text(encoding="utf-8")
    citation = yaml.safe_load((p / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(citation, CFF_REQUIRED)
    assert citation["references"][1]["version"] == samskab_analysis.__version__
    env = yaml.safe_load((p / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"] and {"pip": ["-r requirements.txt"]} in env["dependencies"]


def test_project_makefile_takes_every_answer_format_the_reader_reads(tmp_path):
    """`make reproduce`/`make test` of a project run every answer file directly in data/raw/: a LimeSurvey JSON
    export (or .xlsm, .zsav) that `samskab validate` accepts must not be skipped silently."""
    from samskab_analysis.ingest.files import EXCEL_SUFFIXES, JSON_SUFFIXES, SPSS_SUFFIXES, TEXT_SUFFIXES

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    target = tmp_path / "replication"
    init_project(target, lang="en")
    # .txt is read too, but a notes file directly in data/raw/ is more likely than a .txt answer file
    suffixes = [s for s in (*TEXT_SUFFIXES, *EXCEL_SUFFIXES, *SPSS_SUFFIXES, *JSON_SUFFIXES) if s != ".txt"]
    for suffix in suffixes:
        (target / "data" / "raw" / f"answers{suffix}").write_text("x", encoding="utf-8")
    result = subprocess.run(["make", "-n", "test", "SAMSKAB=samskab"], cwd=target, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [s for s in suffixes if f"data/raw/answers{s}" not in result.stdout] == []


def test_init_pins_the_runtime_environment(project_no):
    lines = [x for x in (project_no / "requirements.txt").read_text().splitlines() if x and not x.startswith("#")]
    assert lines[0] == f"samskab-analysis=={samskab_analysis.__version__}"
    pins = {name.lower().replace("_", "-"): version for name, version in (line.split("==") for line in lines)}
    text = (REPO_ROOT / "requirements" / "constraints.txt").read_text()
    constraints = dict(line.split("==") for line in text.splitlines() if "==" in line)
    lower = {k.lower().replace("_", "-"): v for k, v in constraints.items()}
    for name in ("pandas", "scipy", "papermill", "sphinx", "jupyterlab", "frictionless"):
        assert pins[name] == lower[name], name
    assert not {_name(n) for n in pins} & set(TEST_TOOLS)  # the project's runtime closure has no test tools
    assert lines == [lines[0], *pinned_requirements()[1:]]


def test_init_gitignores_answer_files_but_not_the_instrument(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project_no = tmp_path / "project"
    init_project(project_no, lang="no")
    subprocess.run(["git", "init", "-q", str(project_no)], check=True)
    (project_no / "data" / "raw" / "results-survey123.csv").write_text("id,fig01\n1,5\n", encoding="utf-8")
    (project_no / "data" / "raw" / "round2").mkdir(exist_ok=True)
    (project_no / "data" / "raw" / "round2" / "answers.xlsx").write_bytes(b"x")

    def ignored(name: str) -> bool:
        return subprocess.run(["git", "-C", str(project_no), "check-ignore", "-q", name]).returncode == 0

    assert ignored("data/raw/results-survey123.csv") and ignored("data/raw/round2/answers.xlsx")
    kept = ["data/raw/instrument/items.csv", "data/raw/PERSONAL-DATA.md", "data/raw/README.md"]
    kept += ["notebooks/figure.ipynb", "samskab.toml", "data/raw/examples/samskab_synthetic_cohort_no.csv"]
    for name in kept:
        assert not ignored(name), name
    assert ignored("reports/cohorts/x/figures/a.svg") and ignored(".venv/bin/python")


def test_init_refuses_a_folder_with_files_unless_forced(tmp_path, capsys):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.docx").write_text("x")
    assert main(["init", str(tmp_path / "busy")]) == 2
    err = capsys.readouterr().err
    assert "already holds files (thesis.docx)" in err and "--force" in err
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["thesis.docx"]
    assert main(["init", str(tmp_path / "busy"), "--force", "--lang", "en"]) == 0
    assert (tmp_path / "busy" / "thesis.docx").read_text() == "x" and (tmp_path / "busy" / "samskab.toml").is_file()
    assert main(["init", str(REPO_ROOT)]) == 2 and main(["init", str(REPO_ROOT / "data"), "--force"]) == 2
    assert "the study itself" in capsys.readouterr().err


def test_init_is_locked_against_a_second_init_into_the_same_folder(tmp_path, capsys):
    """While one ``samskab init`` writes a folder, a second is refused naming the first; none leaves its lock."""
    from samskab_analysis.output import lock_folder

    target = tmp_path / "shared"
    with lock_folder(target, "samskab init"):
        assert main(["init", str(target)]) == 2
        assert "being written by another samskab run" in capsys.readouterr().err
        assert sorted(p.name for p in target.iterdir()) == [".samskab.lock"]
    assert not target.exists()  # the first init wrote nothing: the folder it made is gone
    assert main(["init", str(target)]) == 0 and not (target / ".samskab.lock").exists()
    assert main(["init", str(target)]) == 2 and "already holds files" in capsys.readouterr().err


def test_init_from_package_references_the_packaged_notebooks(tmp_path, capsys):
    assert main(["init", str(tmp_path / "thin"), "--from-package"]) == 0
    assert "the installed package's notebooks" in capsys.readouterr().out
    project = find_project(start=tmp_path / "thin")
    assert project.notebook_dir == study_root() / "notebooks" and project.data_dir == tmp_path / "thin" / "data" / "raw"
    assert not list((tmp_path / "thin" / "notebooks").glob("*.ipynb"))
    assert 'notebooks = "package"' in (tmp_path / "thin" / "notebooks" / "README.md").read_text(encoding="utf-8")


def test_init_project_hashes_like_the_packaged_study(project_no, monkeypatch):
    """An unchanged copy of the study has the packaged study's input hash (``samskab --version``)."""
    monkeypatch.chdir(project_no)
    with project_scope():
        config = config_from_args(build_parser().parse_args(["reproduce"]))
        assert config.data_dir == project_no / "data" / "raw" and config.out_dir == project_no / "reports"
        assert config.exhibits == project_no / "notebooks" / "exhibits.csv" and config.lang == "no"
        assert config.processed_dir == project_no / "data" / "processed"
        assert f"sha256 {inputs_hash(config)}" in version_text()
        answers = project_no / "data" / "raw" / "results.csv"
        shutil.copyfile(SYNTHETIC, answers)  # an answer file in data/raw is not a study input
        assert f"sha256 {inputs_hash(config)}" in version_text()
        answers.unlink()
        cohort = config_from_args(build_parser().parse_args(["reproduce", "--data", str(SYNTHETIC)]))
        assert cohort.out_dir == project_no / "reports" / "cohorts" / SYNTHETIC.stem


def test_commands_in_a_project_use_its_files(project_no, outside, capsys):
    items = project_no / "data" / "raw" / "instrument" / "items.csv"
    original = items.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(original)))
    rows[0]["title_no"] = "Vår egen formulering"  # the group edits its copy of the instrument
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    items.write_text(edited.getvalue(), encoding="utf-8")
    try:
        assert main(["--project", str(project_no), "instrument", "export", "--format", "limesurvey"]) == 0
    finally:
        items.write_text(original, encoding="utf-8")
    written = project_no / "reports" / "instrument" / "no" / "limesurvey_survey_no.txt"  # the project's language
    assert "Vår egen formulering" in written.read_text(encoding="utf-8") and not (outside / "reports").exists()
    scales = project_no / "data" / "raw" / "instrument" / "scales.csv"
    kept = scales.read_bytes()
    scales.unlink()
    try:
        assert main(["validate", str(SYNTHETIC), "--project", str(project_no)]) == 2
        err = capsys.readouterr().err
        assert f"{scales}: scales file not found" in err and f"project {project_no}" in err
        assert "package file missing" not in err
    finally:
        scales.write_bytes(kept)
    exhibits = project_no / "notebooks" / "exhibits.csv"
    exhibits.rename(exhibits.with_suffix(".bak"))
    try:
        assert main(["reproduce", "--project", str(project_no), "--no-site"]) == 2
        err = capsys.readouterr().err
        assert str(project_no / "samskab.toml") in err and "exhibits.csv does not exist" in err
    finally:
        exhibits.with_suffix(".bak").rename(exhibits)


def test_missing_package_file_is_not_called_input_data(tmp_path, monkeypatch):
    packaged = tmp_path / "site-packages" / "samskab_analysis" / "_study"
    (packaged / "data" / "raw" / "instrument").mkdir(parents=True)
    monkeypatch.setattr(paths, "study_root", lambda: packaged)
    monkeypatch.setattr(paths, "PACKAGE_DIR", packaged.parent)
    missing = packaged / "data" / "raw" / "instrument" / "scales.csv"
    error = DataValidationError(Problem(file=str(missing), message="scales file not found"))
    text = error_text(error, current_project())
    assert text.startswith("package file missing: _study/data/raw/instrument/scales.csv") and "input data" not in text
    user = DataValidationError(Problem(file=str(tmp_path / "answers.csv"), message="responses file not found"))
    assert "1 problem in the input data" in error_text(user, current_project())


def test_workers_adopt_the_runs_project_and_answers_cache(tmp_path, monkeypatch, capsys):
    """A forkserver started by an earlier run keeps that run's environment; its workers must not write into the
    earlier run's (removed) answers cache, nor resolve paths against an earlier run's project."""
    import tempfile

    made: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args, **kwargs):  # the runs' private folders (answers cache inside), recorded
        folder = mkdtemp(*args, **kwargs)
        if Path(folder).name.startswith("samskab-run-"):
            made.append(folder)
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    shutil.copyfile(SYNTHETIC, tmp_path / "first.csv")
    shutil.copyfile(SYNTHETIC, tmp_path / "second.csv")
    project = tmp_path / "proj"
    init_project(project, lang="en")
    for name in ("first", "second"):
        args = ["reproduce", "--data", str(tmp_path / f"{name}.csv"), "--only", "figure_fig02", "--no-site"]
        assert main([*args, "--engine", "fork", "--jobs", "1", "--project", str(project)]) == 0
        out = project / "reports" / "cohorts" / name
        assert (out / "figures" / "fig02_en.svg").is_file() and (out / "notebooks" / "figure_fig02.ipynb").is_file()
    assert len(made) == 2 and not [folder for folder in made if Path(folder).exists()]
    assert not (REPO_ROOT / "reports" / "cohorts" / "first").exists()


def test_out_never_lands_in_the_sources_of_another_project_without_git(tmp_path, monkeypatch, capsys):
    """From outside a new project (no repository yet), ``--out`` into its data/raw, notebooks or instrument
    folder is refused for every command that writes; its reports/ folder is not a source."""
    init_project(tmp_path / "other", lang="en")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    for target in ("data/raw/newdir", "notebooks/newdir", "data/raw/instrument/new"):
        out = str(tmp_path / "other" / target)
        for command in (["instrument", "export", "--lang", "no", "--out", out], ["archive", "--out", out],
                        ["reproduce", "--no-site", "--only", "overview", "--out", out]):  # fmt: skip
            assert main(command) == 2, (command, capsys.readouterr())
            assert "of the samskab project" in capsys.readouterr().err
            assert not Path(out).exists()
    from samskab_analysis.output import check_out_dir

    assert check_out_dir(tmp_path / "other" / "reports" / "mine") == (tmp_path / "other" / "reports" / "mine").resolve()
    assert main(["init", str(tmp_path / "other" / "data" / "raw" / "nested")]) == 2
    assert "of the samskab project" in capsys.readouterr().err
