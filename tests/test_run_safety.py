"""Runs that cannot overwrite sources, notice changed outputs, stop cleanly and reject bad options (issue 11)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from samskab_analysis.cli import main
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.output import UnsafeOutputError, check_out_dir
from samskab_analysis.paths import DATA_DIR, REPO_ROOT, check_lang
from samskab_analysis.run.manifest import load_manifest
from samskab_analysis.run.runner import source_date
from samskab_analysis.study import load_study

PARAMS = 'lang = "da"\nalso_langs = ""\noutput_dir = "reports/scratch/figures"\nfail = False'
FIGURE = """from pathlib import Path

out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
(out / f"NAME_{lang}.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
print(f"NAME_{lang}.svg")"""


def notebook(path: Path, *sources: str) -> Path:
    """A notebook whose first source is the ``parameters`` cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(sources[0], metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in sources[1:]]
    nbformat.write(nb, path)
    return path


def exhibits(folder: Path, *names: str) -> Path:
    path = folder / "exhibits.csv"
    path.write_text("notebook,per_item,applies_to,title\n" + "".join(f"{n}.ipynb,false,both,{n}\n" for n in names))
    return path


@pytest.fixture()
def nbs(tmp_path: Path) -> Path:
    folder = tmp_path / "nbs"
    folder.mkdir()
    return folder


def reproduce(exhibits_file: Path, out: Path, *extra: str) -> int:
    args = ["--exhibits", str(exhibits_file), "--out", str(out), "--jobs", "1", "--no-pdf", "--langs", "da"]
    return main(["reproduce", *args, *extra])


# 7. strict command line -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "0"], "argument --jobs/-j: 0 is not allowed"),
        (["--min-count", "-1"], "argument --min-count: -1 is not allowed"),
        (["--lang", "fr"], "invalid choice: 'fr' (choose from 'da', 'no', 'en')"),
        (["--langs", "da,fr"], "unknown language fr; choose from da, no, en"),
        (["--timeout", "0"], "argument --timeout: 0 is not allowed"),
        (["--forse"], "unrecognized arguments: --forse"),
    ],
)
def test_bad_options_get_the_subcommand_usage(args: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("usage: samskab reproduce") and "samskab reproduce: error:" in err


def test_unknown_only_lists_the_valid_names(tmp_path: Path, capsys) -> None:
    assert main(["reproduce", "--only", "figure,fig99", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "--only fig99 matches no notebook; valid: figure, overview" in err and "meeting_place" in err
    assert not (tmp_path / "out").exists()  # a rejected run leaves no folder behind


def test_notebook_lang_parameter_is_checked() -> None:
    instrument = load_instrument(DATA_DIR)
    with pytest.raises(ValueError, match=r"lang='fr' is not a language of this study; use one of da, no, en"):
        instrument.title("fig07", "fr")
    with pytest.raises(ValueError, match="da, no, en"):
        instrument.exhibit_name("fig07", "fr")
    assert check_lang("no") == "no"
    from samskab_analysis.stats.microdata import index_summary

    study = load_study(DATA_DIR, DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv")
    with pytest.raises(ValueError, match="use one of da, no, en"):
        index_summary(study.responses, study.instrument, lang="fr")


# 2. nothing outside the output folder -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", [".", "notebooks", "notebooks/sub", "data/raw", "data/raw/new", "samskab_analysis", ".."]
)
def test_output_folders_holding_sources_are_refused(target: str, capsys) -> None:
    out = REPO_ROOT / target
    assert main(["reproduce", "--out", str(out)]) == 2
    assert "choose" in capsys.readouterr().err
    assert not (REPO_ROOT / "notebooks" / "sub").exists() and not (REPO_ROOT / "data" / "raw" / "new").exists()


def test_data_out_may_not_point_into_raw_data(capsys) -> None:
    assert main(["data", "--out", str(DATA_DIR / "published")]) == 2
    assert "inside data/raw/, which holds sources" in capsys.readouterr().err


def test_folder_with_the_inputs_or_foreign_files_is_refused(tmp_path: Path) -> None:
    answers = tmp_path / "survey" / "answers.csv"
    answers.parent.mkdir()
    answers.write_text("fig01\n")
    with pytest.raises(UnsafeOutputError, match="contains the input"):
        check_out_dir(tmp_path / "survey", (answers,))
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "thesis.docx").write_text("x")
    with pytest.raises(UnsafeOutputError, match="already holds files samskab did not write"):
        check_out_dir(tmp_path / "documents")
    assert check_out_dir(tmp_path / "new") == (tmp_path / "new").resolve()
    assert check_out_dir(REPO_ROOT / "reports" / "cohorts" / "x") == REPO_ROOT / "reports" / "cohorts" / "x"


def test_rejected_run_leaves_no_empty_folder(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("fig01,fig02\nmaybe,perhaps\n", encoding="utf-8")
    out = tmp_path / "new" / "deeper"
    assert main(["reproduce", "--data", str(bad), "--out", str(out)]) == 2
    assert "bad.csv" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_notebooks_run_by_hand_write_only_to_scratch() -> None:
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        params = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        for line in params.splitlines():
            if line.startswith(("output_dir", "processed_dir")):
                assert '"reports/scratch/' in line, f"{path.name}: {line}"
    assert "reports/scratch/" in (REPO_ROOT / ".gitignore").read_text().splitlines()


# 3. the manifest notices changed outputs -----------------------------------------------------------------------------


def test_changed_output_is_re_executed_and_said_so(nbs: Path, tmp_path: Path, capsys) -> None:
    notebook(nbs / "tiny.ipynb", PARAMS, FIGURE.replace("NAME", "tiny"))
    ex, out = exhibits(nbs, "tiny"), tmp_path / "out"
    assert reproduce(ex, out) == 0
    entry = load_manifest(out)["jobs"]["tiny"]
    assert set(entry["outputs"]) == {"figures/tiny_da.svg", "notebooks/tiny.ipynb"}
    capsys.readouterr()
    assert reproduce(ex, out) == 0
    assert "0 executed, 1 up to date" in capsys.readouterr().out
    (out / "figures" / "tiny_da.svg").write_text("<svg>edited by hand</svg>")
    assert reproduce(ex, out) == 0
    captured = capsys.readouterr()
    assert "re-executing tiny: output figures/tiny_da.svg differs from what it wrote" in captured.err
    assert "1 executed, 0 up to date" in captured.out
    assert "edited" not in (out / "figures" / "tiny_da.svg").read_text()


def test_failed_notebook_leaves_no_output_claiming_to_be_current(nbs: Path, tmp_path: Path, capsys) -> None:
    notebook(nbs / "flaky.ipynb", PARAMS, FIGURE.replace("NAME", "flaky"), "assert not fail, 'failed on purpose'")
    ex, out = exhibits(nbs, "flaky"), tmp_path / "out"
    assert reproduce(ex, out, "--langs", "da,en") == 0  # the English site is read below
    assert (out / "notebooks" / "flaky.ipynb").is_file()
    notebook(nbs / "flaky.ipynb", PARAMS.replace("fail = False", "fail = True"), FIGURE.replace("NAME", "flaky"),
             "assert not fail, 'failed on purpose'")  # fmt: skip
    assert reproduce(ex, out, "--langs", "da,en") == 1
    capsys.readouterr()
    for stale in ("notebooks/flaky.ipynb", "figures/flaky_da.svg"):
        assert not (out / stale).exists(), stale  # the figure it wrote before failing is gone too
    assert (out / "failed" / "flaky.ipynb").is_file()
    assert load_manifest(out)["jobs"]["flaky"]["status"] == "failed"
    landing = (out / "site" / "en" / "index.html").read_text(encoding="utf-8")
    assert "Notebooks that failed" in landing and 'class="badge bad">failed' in landing and "flaky" in landing
    assert not (out / "site" / "en" / "exhibits" / "flaky.html").exists()


# 15.6 time limit ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["fork", "kernel"])
def test_runaway_notebook_is_stopped_at_the_time_limit(engine: str, nbs: Path, tmp_path: Path, capsys) -> None:
    notebook(nbs / "slow.ipynb", PARAMS, "x = 1", "import time\nwhile True:\n    time.sleep(0.05)")
    ex = exhibits(nbs, "slow")
    assert reproduce(ex, tmp_path / "out", "--timeout", "3", "--engine", engine) == 1
    err = capsys.readouterr().err
    assert "FAILED slow: notebook slow exceeded the time limit of 3 s at cell 3/3 (`import time`)" in err


# 8. determinism ----------------------------------------------------------------------------------------------------


def test_run_date_comes_only_from_source_date_epoch(monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date() is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    assert source_date() == "2023-11-14"


def test_no_wall_clock_time_zone_or_locale_in_the_package() -> None:
    pattern = re.compile(r"today\(\)|\.now\(|strftime|localtime|getlocale|setlocale|time\.time\(\)")
    found = [
        f"{path.relative_to(REPO_ROOT)}:{n}"
        for path in sorted((REPO_ROOT / "samskab_analysis").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_committed_reports_show_no_wall_clock_date() -> None:
    index = REPO_ROOT / "reports" / "index.html"
    if not index.is_file():
        pytest.skip("reports/index.html not generated")
    assert "notebooks last executed" not in index.read_text(encoding="utf-8")


# 6. runs stop cleanly ----------------------------------------------------------------------------------------------


def processes_in_group(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group *pgid*, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains *text* (kernels run in their own session), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc (Linux)")
def test_interrupt_stops_kernels_too(nbs: Path, tmp_path: Path) -> None:
    """The kernel engine: Ctrl-C kills the workers, and their kernels (own sessions) exit with them."""
    for name in ("a", "b"):
        notebook(nbs / f"{name}.ipynb", PARAMS, "import time\ntime.sleep(120)")
    scratch = tmp_path / "tmp"  # the workers' private folders (kernel connection files) go here
    scratch.mkdir()
    command = [sys.executable, "-m", "samskab_analysis.cli", "reproduce", "--exhibits", str(exhibits(nbs, "a", "b"))]
    proc = subprocess.Popen(
        [*command, "--out", str(tmp_path / "out"), "--jobs", "2", "--engine", "kernel"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    try:
        deadline = time.monotonic() + 150
        while len(processes_mentioning(f"-f {scratch}")) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        if not processes_mentioning(f"-f {scratch}"):
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate(timeout=15)
            raise AssertionError(f"no kernel started: {out}\n{err}")
        time.sleep(3)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "samskab reproduce: interrupted; finished notebooks kept, manifest valid"
    deadline = time.monotonic() + 10
    while processes_mentioning(f"-f {scratch}") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_mentioning(f"-f {scratch}") == []
    assert processes_in_group(proc.pid) == []
    assert list(scratch.iterdir()) == []  # no private folder (kernel sockets, notebooks) is left behind


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("how", ["SIGINT to the group (Ctrl-C)", "SIGTERM"])
def test_interrupt_stops_the_whole_run(how: str, nbs: Path, tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        notebook(nbs / f"{name}.ipynb", PARAMS, "import time\ntime.sleep(120)")
    out = tmp_path / "out"
    scratch = Path(tempfile.gettempdir())  # this test process's own (conftest); short: a forkserver's socket is there
    command = [
        sys.executable,
        "-m",
        "samskab_analysis.cli",
        "reproduce",
        "--exhibits",
        str(exhibits(nbs, "a", "b", "c")),
    ]
    proc = subprocess.Popen(
        [*command, "--out", str(out), "--jobs", "2", "--engine", "fork"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(processes_in_group(proc.pid)) < 6 and time.monotonic() < deadline:  # run, tracker, server, workers
            time.sleep(0.5)
        time.sleep(2)
        if how == "SIGTERM":
            os.kill(proc.pid, signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    lines = [line for line in err.splitlines() if not line.startswith("samskab reproduce: running")]
    assert lines == ["samskab reproduce: interrupted; finished notebooks kept, manifest valid"], err
    time.sleep(1)
    assert processes_in_group(proc.pid) == []
    assert isinstance(json.loads((out / "manifest.json").read_text(encoding="utf-8")), dict)
    assert not list(scratch.glob("samskab-run-*"))  # the run's private folder is removed on SIGINT and SIGTERM
    assert not [p for p in out.rglob("*") if p.name.endswith(".samskab-tmp")]
