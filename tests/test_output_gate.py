"""The output gate (issue 18): one refusal policy for every command, safe names, atomic writes that never follow
links, one lock per output folder, private temporary folders, problem lists, one message per OS error.

Attacks are tried on every command; a second line of tests calls the gate's functions directly.
"""

from __future__ import annotations

import ast
import errno
import os
import signal
import stat
import subprocess
import sys
import sysconfig
import textwrap
import time
import unicodedata
from pathlib import Path

import pytest

from samskab_analysis import output
from samskab_analysis.cli import main
from samskab_analysis.output import (
    OutputError,
    UnsafeOutputError,
    atomic_open,
    check_out_dir,
    claim_output,
    describe_os_error,
    neutralise_cell,
    private_temp,
    remove_file,
    safe_name,
    sweep_private_temps,
    write_bytes,
    write_if_changed,
    write_problems_csv,
)
from samskab_analysis.output.files import TEMP_SUFFIX
from samskab_analysis.output.places import LOCK_NAME
from samskab_analysis.paths import REPO_ROOT, REPORTS_DIR

PACKAGE = REPO_ROOT / "samskab_analysis"
VENV_SITE = Path(sysconfig.get_path("purelib"))

# --- 1. the same refusal for every command --------------------------------------------------------------------------

#: Every command that writes, as argv without --out.
COMMANDS = {
    "reproduce": ["reproduce", "--no-pdf"],
    "data": ["data"],
    "site": ["site", "--no-pdf"],
    "archive": ["archive"],
    "instrument export": ["instrument", "export", "--format", "limesurvey"],
}
#: Places no command may write into (relative to the repository, or absolute).
FORBIDDEN = [".", "..", "notebooks", "notebooks/new", "site", "site/_static", "tests", "docs", ".git", ".git/x",
             ".venv", "scripts", "data/raw", "data/raw/published", "samskab_analysis", "samskab_analysis/run",
             "benchmarks", "requirements", ".ci", str(VENV_SITE), str(VENV_SITE / "new")]  # fmt: skip


def tracked_state() -> str:
    """What git says about the sources (tracked files changed, untracked files), reports excluded."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", ".", ":!reports", ":!data/processed"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


@pytest.fixture(scope="module")
def sources_before() -> str:
    return tracked_state()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_every_source_folder(command: str, sources_before: str, capsys) -> None:
    site_static = sorted(p.name for p in (REPO_ROOT / "site" / "_static").iterdir())
    for target in FORBIDDEN:
        out = target if Path(target).is_absolute() else str(REPO_ROOT / target)
        code = main([*COMMANDS[command], "--out", out])
        err = capsys.readouterr().err
        assert code == 2, (command, target, err)
        assert err.count("\n") == 1 and err.startswith("samskab: --out "), (command, target, err)
        assert "choose" in err or "give a folder" in err, (command, target, err)
    assert not (REPO_ROOT / "notebooks" / "new").exists() and not (VENV_SITE / "new").exists()
    assert sorted(p.name for p in (REPO_ROOT / "site" / "_static").iterdir()) == site_static
    assert tracked_state() == sources_before  # nothing written, nothing deleted


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_file_a_foreign_folder_and_a_dangling_link(command: str, tmp_path: Path, capsys):
    existing = tmp_path / "results.txt"
    existing.write_text("mine")
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.docx").write_text("mine")
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "nowhere")
    for out, message in ((existing, "is an existing file"), (foreign, "already holds files samskab did not write"),
                         (dangling, "symbolic link to a folder that does not exist")):  # fmt: skip
        assert main([*COMMANDS[command], "--out", str(out)]) == 2
        assert message in capsys.readouterr().err
    assert existing.read_text() == "mine" and sorted(os.listdir(foreign)) == ["chapter1.docx"]
    assert not (tmp_path / "nowhere").exists()


def test_another_repository_and_the_python_environment_are_refused(tmp_path: Path) -> None:
    (tmp_path / "other" / ".git").mkdir(parents=True)
    with pytest.raises(UnsafeOutputError, match="inside another repository"):
        check_out_dir(tmp_path / "other" / "out")
    with pytest.raises(UnsafeOutputError, match="Python environment|holds sources"):
        check_out_dir(Path(sys.prefix) / "share" / "samskab")  # the venv (inside the project here)
    with pytest.raises(UnsafeOutputError, match="Python environment"):
        check_out_dir(Path(sysconfig.get_path("stdlib")) / "samskab")  # the interpreter's own library
    with pytest.raises(UnsafeOutputError, match="is \\(or contains\\) the project folder"):
        check_out_dir(REPO_ROOT.parent)
    assert check_out_dir(tmp_path / "new") == (tmp_path / "new").resolve()
    assert check_out_dir(REPORTS_DIR / "cohorts" / "x") == REPORTS_DIR.resolve() / "cohorts" / "x"


def test_inputs_and_input_folders_are_refused(tmp_path: Path) -> None:
    answers = tmp_path / "survey" / "answers.csv"
    answers.parent.mkdir()
    answers.write_text("fig01\n")
    with pytest.raises(UnsafeOutputError, match="contains the input"):
        check_out_dir(tmp_path / "survey", (answers,))
    with pytest.raises(UnsafeOutputError, match="inside \\(or contains\\) the input folder"):
        check_out_dir(tmp_path / "raw" / "out", input_dirs=(tmp_path / "raw",))
    link = tmp_path / "to-survey"
    link.symlink_to(tmp_path / "survey")
    with pytest.raises(UnsafeOutputError, match="contains the input"):  # through a link too
        check_out_dir(link, (answers,))


def test_a_rejected_command_leaves_no_folder_behind(tmp_path: Path, capsys) -> None:
    assert main(["reproduce", "--only", "nothing", "--out", str(tmp_path / "a" / "b")]) == 2
    assert not (tmp_path / "a").exists()
    capsys.readouterr()


# --- safe names ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["..", ".", "...", "", "/", "a/b", "a\\b", "../../etc", "x<img src=x onerror=alert(1)>", "con", "NUL.csv",
     "\u202eevil\u202d", "a\nb", "a\x00b", " ", "-rf", ".hidden", "a" * 300, "ø" * 200, "🙂" * 100],
)  # fmt: skip
def test_safe_names_are_single_bounded_components(text: str) -> None:
    name = safe_name(text)
    assert name and name not in (".", "..") and not name.startswith((".", "-"))
    assert "/" not in name and "\\" not in name and "\x00" not in name and "\n" not in name
    assert all(unicodedata.category(ch)[0] != "C" for ch in name)  # no control or format characters
    assert len(name.encode("utf-8")) <= output.names.MAX_NAME_BYTES
    assert name.split(".")[0].lower() not in output.names.RESERVED_NAMES
    assert safe_name(text) == name  # stable


def test_safe_names_keep_ordinary_names_and_tell_long_ones_apart() -> None:
    assert safe_name("samskab_synthetic_cohort_no") == "samskab_synthetic_cohort_no"
    assert safe_name("spørreskjema 2025") == "spørreskjema-2025"
    assert safe_name(unicodedata.normalize("NFD", "spørreskjema")) == "spørreskjema"
    assert safe_name("a" * 300) != safe_name("a" * 301)
    assert safe_name("..") != safe_name("...")


def test_a_file_named_dots_gets_a_cohort_folder_inside_reports(tmp_path: Path) -> None:
    from samskab_analysis.cli import build_parser
    from samskab_analysis.run.runner import config_from_args

    for name in ("...csv", "..csv", ".csv", "a" * 250 + ".csv", "x<img src=x onerror=alert(1)>.csv"):
        config = config_from_args(build_parser().parse_args(["reproduce", "--data", str(tmp_path / name)]))
        out = config.out_dir
        assert out.parent == (REPORTS_DIR / "cohorts").resolve(), name
        assert len(out.name.encode()) <= 80 and out.name not in (".", "..")


# --- atomic writes, links, temporary files ---------------------------------------------------------------------------


def test_write_replaces_a_planted_link_and_never_writes_through_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    with claim_output(out) as folder:
        (folder / "figures").mkdir()
        (folder / "figures" / "fig01_da.svg").symlink_to(victim)
        write_bytes(folder / "figures" / "fig01_da.svg", b"<svg/>")
        assert not (folder / "figures" / "fig01_da.svg").is_symlink()
        assert (folder / "figures" / "fig01_da.svg").read_bytes() == b"<svg/>"
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("depth", [1, 2])
def test_a_linked_folder_inside_the_output_is_never_followed(tmp_path: Path, depth: int) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "fig01_da.svg").write_text("precious")
    with claim_output(tmp_path / "out") as folder:
        parent = folder / "a" if depth == 2 else folder
        parent.mkdir(exist_ok=True)
        (parent / "figures").symlink_to(elsewhere)
        target = parent / "figures" / "fig01_da.svg"
        with pytest.raises(OutputError, match="symbolic link"):
            write_bytes(target, b"<svg/>")
        with pytest.raises(OutputError, match="symbolic link"):
            remove_file(target)
        assert output.read_existing(target) is None
    assert (elsewhere / "fig01_da.svg").read_text() == "precious" and os.listdir(elsewhere) == ["fig01_da.svg"]


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO])
def test_a_failing_write_leaves_no_temporary_file_and_one_message(tmp_path: Path, monkeypatch, error: int) -> None:
    real = os.replace

    def failing(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OutputError) as info:
        write_bytes(tmp_path / "manifest.json", b"{}")
    monkeypatch.setattr(os, "replace", real)
    assert str(info.value).startswith("cannot write ") and "manifest.json" in str(info.value)
    assert temp_files(tmp_path) == [] and not (tmp_path / "manifest.json").exists()
    assert output.is_fatal(info.value) == (error in (errno.ENOSPC, errno.EROFS, errno.EDQUOT))


@pytest.mark.parametrize("exception", [KeyboardInterrupt, ValueError, MemoryError])
def test_an_interrupted_write_leaves_no_temporary_file(tmp_path: Path, exception: type[BaseException]) -> None:
    (tmp_path / "x.csv").write_text("old")
    with pytest.raises(exception):
        with atomic_open(tmp_path / "x.csv") as handle:
            handle.write(b"half")
            raise exception()
    assert (tmp_path / "x.csv").read_text() == "old" and temp_files(tmp_path) == []


def test_names_too_long_and_folders_as_files_get_one_message(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="the name is too long"):
        write_bytes(tmp_path / ("w" * 300 + ".csv"), b"x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="a part of the path is a file|it is .*symbolic link"):
        write_bytes(tmp_path / "file" / "inside.csv", b"x")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(OutputError, match="is a folder|it is a folder"):
        write_bytes(tmp_path / "folder.csv", b"x")
    assert temp_files(tmp_path) == []


def test_write_if_changed_keeps_an_unchanged_file(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    assert write_if_changed(path, "<p>a</p>")
    before = path.stat().st_mtime_ns
    time.sleep(0.01)
    assert not write_if_changed(path, "<p>a</p>") and path.stat().st_mtime_ns == before
    assert write_if_changed(path, b"<p>b</p>") and path.read_text() == "<p>b</p>"


def test_library_writes_refuse_source_folders() -> None:
    from samskab_analysis.figures.plotting import save_figure

    with pytest.raises(UnsafeOutputError, match="holds sources"):
        save_figure(None, "x", REPO_ROOT / "notebooks")  # type: ignore[arg-type]
    with pytest.raises(UnsafeOutputError, match="holds sources"):
        write_bytes(REPO_ROOT / "data" / "raw" / "x.csv", b"x")
    assert not (REPO_ROOT / "data" / "raw" / "x.csv").exists()


@pytest.mark.parametrize(
    ("number", "text"),
    [(errno.EROFS, "read-only"), (errno.ENOSPC, "no space left"), (errno.EEXIST, "already exists"),
     (errno.ENAMETOOLONG, "name is too long"), (errno.EACCES, "permission denied"), (errno.EPERM, "not permitted"),
     (errno.ELOOP, "symbolic link"), (errno.ENOTDIR, "is a file, not a folder"), (errno.EDQUOT, "quota")],
)  # fmt: skip
def test_one_sentence_per_os_error(number: int, text: str) -> None:
    message = describe_os_error(OSError(number, os.strerror(number), str(REPO_ROOT / "reports" / "x.svg")))
    assert message.startswith("cannot write reports/x.svg: ") and text in message and "\n" not in message


# --- 2. lock per output folder ---------------------------------------------------------------------------------------

HOLD = """
import sys, time
from samskab_analysis.output import claim_output
with claim_output(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_run_into_the_same_folder_is_refused_naming_the_first(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(output.OutputBusyError, match=f"another samskab run \\(pid {holder.pid}: "):
            with claim_output(out):
                pass
        assert main(["data", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"pid {holder.pid}" in err and "wait for it to finish or choose another folder" in err
        assert not (out / "counts.csv").exists()
    finally:
        holder.kill()
        holder.wait()
    with claim_output(out) as folder:  # released when the holder died (even by SIGKILL)
        with claim_output(out) as again:  # the same process may nest its claims
            assert again == folder
    assert (out / LOCK_NAME).read_text() == "free\n"


def test_stale_temporary_files_of_a_killed_run_are_swept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = HOLD.replace('print("held", flush=True)', 'open(sys.argv[1] + "/figures/.x.svg.1.2' + TEMP_SUFFIX
                        + '", "w").close(); print("held", flush=True)')  # fmt: skip
    (out / "figures").mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", code, str(out), "60"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert temp_files(out)
    with claim_output(out):
        assert temp_files(out) == []


# --- private temporary folders ---------------------------------------------------------------------------------------

KILLED = """
import os, signal, sys
from samskab_analysis.output import private_temp
with private_temp("run") as folder:
    (folder / "answers.npz").write_bytes(b"respondent data")
    print(folder, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_private_temp_is_private_and_removed_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with private_temp("run") as folder:
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            raise RuntimeError("boom")
    assert not folder.exists()


def test_private_temp_of_a_killed_run_is_swept_by_the_next(tmp_path: Path, monkeypatch) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", KILLED], capture_output=True, text=True, env=env)
    assert result.returncode == -signal.SIGKILL
    left = Path(result.stdout.strip())
    assert (left / "answers.npz").is_file()
    decoy = tmp_path / "samskab-run-keepme00"  # a link named like a run folder: never followed
    decoy.symlink_to(REPO_ROOT / "notebooks")
    other = tmp_path / "samskab-answers-abc123"  # another program's (or an old version's) folder: left alone
    other.mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with private_temp("run") as mine:  # the next run sweeps the killed one's folder, not its own
        assert mine.parent == tmp_path and mine.exists() and not left.exists()
        assert sweep_private_temps(tmp_path) == 0
        assert mine.exists()
    assert not mine.exists() and other.exists() and decoy.is_symlink()
    assert (REPO_ROOT / "notebooks" / "figure.ipynb").is_file()


# --- problem lists ---------------------------------------------------------------------------------------------------


def test_problem_lists_go_into_the_claimed_folder_privately_capped_and_neutralised(tmp_path: Path) -> None:
    rows = [["x.csv", n, "fig01", "=HYPERLINK(\"http://evil\",\"click\")"] for n in range(20_000)]
    rows[1] = ["x.csv", 1, "fig01", "+SUM(1)"]
    rows[2] = ["x.csv", 2, "fig01", "@cmd"]
    rows[3] = ["x.csv", 3, "fig01", "-2+3"]
    rows[4] = ["x.csv", 4, "fig01", "\tTAB"]
    with claim_output(tmp_path / "out") as folder:
        path = write_problems_csv("x.csv", ["file", "row", "column", "value"], rows, total=len(rows))
    assert path == folder / "problems" / "x.csv.problems.csv"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + output.problems.MAX_PROBLEMS_WRITTEN + 1 and "10000 more problems" in lines[-1]
    assert lines[1] == "x.csv,0,fig01,\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\""
    expected = ["x.csv,1,fig01,'+SUM(1)", "x.csv,2,fig01,'@cmd", "x.csv,3,fig01,'-2+3", "x.csv,4,fig01,'\tTAB"]
    assert lines[2:6] == expected
    assert neutralise_cell(-3) == -3 and neutralise_cell("ok") == "ok" and neutralise_cell("＝1") == "'＝1"


def test_problem_lists_never_go_to_the_shared_temp_folder_nor_through_a_link(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    from samskab_analysis.data.errors import DataValidationError, Problem

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    problems = [Problem(file="/somewhere/answers.csv", message="bad", row=n, value="=1+1") for n in range(30)]
    error = DataValidationError(problems)
    path = tmp_path / "cache" / "samskab" / "problems" / "answers.csv.problems.csv"
    assert "answers.csv.problems.csv" in str(error) and path.is_file()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(Path(tempfile.gettempdir()).glob("samskab-problems*"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path.unlink()
    path.symlink_to(victim)
    DataValidationError(problems)
    assert victim.read_text() == "precious" and not path.is_symlink()


# --- 5. errors and environment values: one message, no traceback -----------------------------------------------------


@pytest.mark.parametrize("value", ["", "abc", "-5", "1e9", "1.5", "99999999999999999999", " 1700000000", "١٢٣"])
def test_bad_source_date_epoch_is_one_message(value: str, monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert main(["data", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("samskab: SOURCE_DATE_EPOCH=") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_bad_matplotlib_backend_is_one_message(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setenv("MPLBACKEND", "no-such-backend")
    assert main(["data", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("samskab: MPLBACKEND='no-such-backend' is not a matplotlib backend")


def test_os_errors_reaching_the_command_line_are_one_message(monkeypatch, capsys, tmp_path: Path) -> None:
    import samskab_analysis.run.processed as processed

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "counts.csv"))

    monkeypatch.setattr(processed, "write_text", full)
    assert main(["data", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    target = str(tmp_path / "out" / "counts.csv")
    assert err.strip() == f"samskab: cannot write {target}: no space left on the device"


def can_mount() -> bool:
    if os.geteuid() != 0 or not Path("/proc/mounts").is_file():
        return False
    return subprocess.run(["which", "mount"], capture_output=True).returncode == 0


@pytest.fixture()
def tiny_disk(tmp_path: Path):
    """A real 400 KB tmpfs (needs root and mount): a full disk and a read-only one, really."""
    if not can_mount():
        pytest.skip("needs root and mount for a real tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"mount failed: {result.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_really_full_and_read_only_disks(tiny_disk: Path, capsys) -> None:
    with pytest.raises(OutputError, match="no space left on the device") as info:
        write_bytes(tiny_disk / "big.bin", b"x" * 2_000_000)
    assert output.is_fatal(info.value) and temp_files(tiny_disk) == []
    assert main(["archive", "--out", str(tiny_disk / "archive")]) == 2
    err = capsys.readouterr().err
    assert "no space left on the device" in err and err.count("\n") == 1 and temp_files(tiny_disk) == []
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    assert main(["data", "--out", str(tiny_disk / "processed")]) == 2
    err = capsys.readouterr().err
    assert "the file system is read-only" in err and err.count("\n") == 1


# --- 7. strict command line ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["reproduce", "--forc"], ["reproduce", "--min", "3"], ["reproduce", "--no-s"], ["reproduce", "--lan", "no"],
     ["data", "--ou", "x"], ["site", "--no-p"], ["archive", "--fold"], ["instrument", "export", "--form", "html"],
     ["validate", "x.csv", "--shee", "a"], ["--vers"]],
)  # fmt: skip
def test_abbreviated_options_are_refused(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["reproduce", "--data", "data/raw/examples/samskab_synthetic_cohort_no.csv", "--sheet", "Svar"],
      "--sheet: applies only to Excel workbooks"),
     (["reproduce", "--sheet", "Svar"], "--sheet: applies only to Excel workbooks"),
     (["validate", "data/raw/examples/samskab_synthetic_cohort_no.csv", "--sheet", "Svar"], "--sheet: applies only"),
     (["reproduce", "--column-map", "map.csv"], "--column-map: applies only with --data"),
     (["reproduce", "--wave-labels", "a"], "--wave-labels: applies only with two or more --data files"),
     (["reproduce", "--no-site", "--no-pdf"], "--no-pdf: has no effect with --no-site")],
)  # fmt: skip
def test_options_that_do_not_apply_are_errors(argv: list[str], message: str, capsys) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


# --- 10. nothing bypasses the gate -----------------------------------------------------------------------------------

#: Calls that write, create or remove files or folders.
WRITING_CALLS = {
    "write_text", "write_bytes", "to_csv", "to_excel", "to_parquet", "to_json", "savefig", "mkdtemp", "mkstemp",
    "NamedTemporaryFile", "TemporaryDirectory", "TemporaryFile", "mkdir", "makedirs", "unlink", "rmdir", "rmtree",
    "remove", "rename", "replace", "move", "copy", "copy2", "copyfile", "copytree", "touch", "symlink_to",
    "savez", "savez_compressed", "save", "dump", "fdopen", "chmod", "truncate",
}  # fmt: skip


def gate_handles(tree: ast.AST) -> set[str]:
    """Names bound by ``with atomic_open(...) as name`` (files opened by the gate) or to a memory buffer."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = ast.unparse(node.value.func)
            if called.endswith(("BytesIO", "StringIO")):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                called = ast.unparse(call.func) if isinstance(call, ast.Call) else ""
                if called.endswith("atomic_open") and isinstance(item.optional_vars, ast.Name):
                    names.add(item.optional_vars.id)
    return names


def direct_writes(path: Path, root: Path = REPO_ROOT) -> list[str]:
    """``file:line: call`` for every call in *path* that may write a file without the gate (AST scan).

    Flagged: ``open``/``os.open``/``Path.open`` with a writing mode or flags; ``Path.write_text``/``write_bytes``
    (not the gate's functions of the same name); ``to_csv`` and friends, ``savefig``, ``np.save*``,
    ``pickle.dump``/``json.dump`` into anything but a file the gate opened (``with atomic_open(...) as f``);
    ``tempfile.*``; ``shutil``/``os``/``Path`` calls that create, move or remove files and folders.
    A line may say ``# output-gate: <why>`` (e.g. writing into a pipe or into memory).
    """
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    handles = gate_handles(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        attribute = isinstance(func, ast.Attribute)
        name = func.attr if attribute else func.id if isinstance(func, ast.Name) else ""
        receiver = ast.unparse(func.value) if attribute else ""

        def target(index: int, *keywords: str, call: ast.Call = node) -> ast.expr | None:
            if len(call.args) > index:
                return call.args[index]
            return next((k.value for k in call.keywords if k.arg in keywords), None)

        def into_gate(expr: ast.expr | None) -> bool:
            return isinstance(expr, ast.Name) and expr.id in handles

        writes = False
        if name == "open":
            mode = target(1, "mode", "flags")
            text = ast.unparse(mode) if mode is not None else ""
            if receiver == "os":
                writes = any(flag in text for flag in ("O_WRONLY", "O_RDWR", "O_CREAT"))
            else:
                writes = any(c in text.strip("'\"") for c in "wax+") if isinstance(mode, ast.Constant) else False
        elif name in ("write_text", "write_bytes"):
            writes = attribute and receiver != "output"
        elif name in ("to_csv", "to_excel", "to_json", "to_parquet", "to_html", "savefig"):
            where = target(0, "path_or_buf", "excel_writer", "path", "buf", "fname")
            writes = where is not None and not into_gate(where)
        elif name in ("save", "savez", "savez_compressed") and receiver in ("np", "numpy"):
            writes = not into_gate(target(0, "file"))
        elif name == "write" and receiver in ("nbformat", "nbf", "pickle"):
            writes = not into_gate(target(1, "fp"))
        elif name == "dump" and receiver in ("pickle", "json", "yaml"):
            writes = not into_gate(target(1, "fp", "file", "stream"))
        elif receiver == "tempfile" or name in ("mkdtemp", "mkstemp", "NamedTemporaryFile", "TemporaryDirectory"):
            writes = True
        elif receiver == "shutil":
            writes = name in ("rmtree", "move", "copy", "copy2", "copyfile", "copytree", "copymode", "copystat")
        elif receiver == "os":
            writes = name in ("replace", "rename", "renames", "remove", "unlink", "rmdir", "removedirs", "mkdir",
                              "makedirs", "symlink", "link", "chmod", "truncate", "mkfifo", "fdopen")  # fmt: skip
        elif attribute and name in ("mkdir", "unlink", "rmdir", "touch", "symlink_to", "hardlink_to", "chmod"):
            writes = True
        elif attribute and name in ("rename", "replace") and len(node.args) == 1 and not node.keywords:
            literal = isinstance(node.args[0], (ast.Dict, ast.Constant)) or isinstance(func.value, ast.Constant)
            writes = not literal  # Path.rename(target), not DataFrame.replace({...}) or "text".replace(...)
        if writes and "output-gate:" not in lines[node.lineno - 1]:
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_module_outside_the_gate_writes_files_directly() -> None:
    modules = [p for p in sorted(PACKAGE.rglob("*.py")) if "output" not in p.relative_to(PACKAGE).parts[:1]]
    found = [hit for path in modules for hit in direct_writes(path)]
    assert found == [], "write through samskab_analysis.output instead:\n" + "\n".join(found)


def test_the_scan_finds_direct_writes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent("""
        import os, shutil, tempfile
        from pathlib import Path
        Path("x").write_text("y")
        open("x", "w").close()
        frame.to_csv("x.csv")
        fig.savefig("x.svg")
        tempfile.mkdtemp()
        shutil.rmtree("x")
        os.replace("a", "b")
        Path("x").unlink()
        "text".replace("a", "b")
        open("x").read()
        open("x", "rb").read()
    """))
    found = [hit.split(": ", 1)[1] for hit in direct_writes(bad, tmp_path)]
    assert len(found) == 8, found


def test_while_a_folder_is_claimed_nothing_is_written_outside_it(tmp_path: Path, monkeypatch) -> None:
    with claim_output(tmp_path / "out") as folder:
        with pytest.raises(UnsafeOutputError, match="outside the output folder"):
            write_bytes(tmp_path / "elsewhere.txt", b"x")
        with pytest.raises(UnsafeOutputError, match="outside the output folder"):
            write_bytes(folder / ".." / "escaped.txt", b"x")  # '..' is resolved, not trusted
        write_bytes(folder / "figures" / "fine.svg", b"<svg/>")
    assert not (tmp_path / "elsewhere.txt").exists() and not (tmp_path / "escaped.txt").exists()
    monkeypatch.setenv(output.ROOT_ENV, str(tmp_path / "out"))  # a worker of a run: only the run's folders
    with pytest.raises(UnsafeOutputError, match="outside the output folder"):
        write_bytes(tmp_path / "elsewhere.txt", b"x")
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with pytest.raises(UnsafeOutputError, match="outside the output folder"):
        write_bytes(shared / "x.npz", b"x", root=shared)  # a folder others may read is no private folder


@pytest.mark.parametrize("source", ["notebooks", "data/raw", "site"])
def test_a_link_to_a_source_folder_is_refused_as_output(tmp_path: Path, source: str, capsys) -> None:
    link = tmp_path / "innocent"
    link.symlink_to(REPO_ROOT / source)
    assert main(["data", "--out", str(link)]) == 2
    assert "holds sources" in capsys.readouterr().err
