"""Whole runs through the output gate (issue 18): pages escape what users control (script payloads in file
names, wave labels and respondent ids, opened in Chromium: no dialog fires), outputs carry no path of the
machine (notebooks, pages, PDF text), the manifest covers the processed tables, the site and the PDFs (hand
edits are regenerated with a message; nothing changed, nothing done), a full disk stops a run with one message,
and a killed run's respondent data do not outlive the next run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samskab_analysis.cli import main
from samskab_analysis.paths import DATA_DIR, REPO_ROOT, chromium_path

SYNTHETIC = DATA_DIR / "examples" / "samskab_synthetic_cohort_no.csv"
FIRST = "w1<img src=x onerror=alert(1)>.csv"
LAST = "x<img src=x onerror=alert(2)>'\"<svg onload=alert(3)>.csv"
LABELS = "<img src=y onerror=alert(4)>,<b onmouseover=alert(5)>x</b><script>alert(6)</script>"
TEXT_SUFFIXES = {".ipynb", ".html", ".json", ".csv", ".md", ".txt", ".js", ".svg", ".css"}


def payload_cohort(folder: Path, name: str) -> Path:
    """The SYNTHETIC cohort under a hostile file name, one respondent id carrying a script."""
    lines = SYNTHETIC.read_text(encoding="utf-8").splitlines()
    lines[1] = "<img src=z onerror=alert(7)>" + lines[1][lines[1].index(",") :]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two waves with script payloads in their file names, wave labels and ids, out of the repository."""
    inputs = tmp_path_factory.mktemp("inputs")
    out = tmp_path_factory.mktemp("outputs") / "run"
    first, last = payload_cohort(inputs, FIRST), payload_cohort(inputs, LAST)
    args = ["reproduce", "--data", str(first), "--data", str(last), "--wave-labels", LABELS, "--out", str(out),
            "--only", "waves,results,fig01,overview", "--langs", "en", "--jobs", "2"]  # fmt: skip
    assert main(args) == 0
    return {"inputs": inputs, "out": out, "args": args}  # type: ignore[dict-item]


def output_files(out: Path) -> list[Path]:
    """What a reader gets: every file but the build folder (.site-src) and the lock."""
    return [p for p in out.rglob("*") if p.is_file() and ".site-src" not in p.parts and p.name != ".samskab.lock"]


def test_outputs_carry_no_path_of_the_machine(hostile_run) -> None:
    out, inputs = hostile_run["out"], hostile_run["inputs"]
    machine = [str(inputs), str(out), str(out.parent), str(REPO_ROOT), "/tmp/", "/root/", "/home/", "/work/"]
    problems = []
    texts = [p for p in output_files(out) if p.suffix in TEXT_SUFFIXES]
    assert any(p.suffix == ".ipynb" for p in texts) and any(p.suffix == ".html" for p in texts)
    for path in texts:
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [f"{path.relative_to(out)}: {m}" for m in machine if m in text]
    pdfs = sorted((out / "pdf").glob("*.pdf"))
    if shutil.which("pdftotext") and pdfs:
        for pdf in pdfs:
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            problems += [f"{pdf.name}: {m}" for m in machine if m in text]
            assert "w1<img src=x onerror=alert(1)>" in text or "alert(2)" in text  # the names, by file name
    assert problems == []
    waves = json.loads((out / "notebooks" / "waves.ipynb").read_text(encoding="utf-8"))
    injected = next(c for c in waves["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert f'"\u2026/{FIRST}|\u2026/x<img src=x onerror=alert(2)>' in "".join(injected["source"])  # by file name


sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


@pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed (run .ci/install-system-deps)")
def test_no_script_of_a_payload_runs_in_any_page(hostile_run) -> None:
    out = hostile_run["out"]
    pages = sorted(p for p in (out / "site").rglob("*.html") if "_static" not in p.parts)
    assert len(pages) >= 3 * 6
    fired: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (fired.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            for path in pages:
                page.goto(path.as_uri(), wait_until="load")
                page.mouse.move(10, 10)
                for element in page.query_selector_all("b, img, svg")[:50]:  # hover what a payload could be
                    try:
                        element.hover(timeout=200)
                    except sync_api.Error:
                        pass
                injected = page.evaluate(
                    "() => Array.from(document.querySelectorAll('img[src=x], img[src=y], img[src=z], script'))"
                    ".filter(e => !e.src || !e.src.startsWith('file:')).map(e => e.outerHTML)"
                )
                assert not [e for e in injected if "alert" in e], (path, injected)
        finally:
            browser.close()
    assert fired == []
    landing = (out / "site" / "en" / "index.html").read_text(encoding="utf-8")
    assert "x&lt;img src=x onerror=alert(2)&gt;" in landing  # shown as text, escaped


def rerun(hostile_run, *extra: str) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    code = subprocess.run(
        [sys.executable, "-m", "samskab_analysis.cli", *hostile_run["args"], *extra],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return code.returncode, code.stdout, code.stderr, time.perf_counter() - started


def test_nothing_changed_nothing_done_including_the_site_and_pdfs(hostile_run) -> None:
    code, stdout, stderr, _ = rerun(hostile_run)
    assert code == 0, stderr
    assert "0 executed" in stdout and "samskab site:" not in stdout + stderr
    manifest = json.loads((hostile_run["out"] / "manifest.json").read_text(encoding="utf-8"))
    assert {"site/en/index.html", "index.html"} <= set(manifest["site"]["outputs"])
    assert set(manifest["processed"]) == {"counts.csv", "item_summary.csv"}
    assert "pdf" in manifest


def test_hand_edits_are_regenerated_with_a_message(hostile_run) -> None:
    out = hostile_run["out"]
    counts, page = out / "processed" / "counts.csv", out / "site" / "en" / "index.html"
    original_counts, original_page = counts.read_bytes(), page.read_bytes()
    counts.write_text(counts.read_text(encoding="utf-8").replace(",5,", ",99,", 1), encoding="utf-8")
    page.write_text("<p>edited by hand</p>", encoding="utf-8")
    (out / "site" / "en" / "planted.html").write_text("<script>alert(9)</script>", encoding="utf-8")
    code, stdout, stderr, _ = rerun(hostile_run, "--no-pdf")
    assert code == 0, stderr
    assert "rebuilding the processed tables: " in stderr and "counts.csv differs from what the run wrote" in stderr
    assert "samskab site: rebuilding the site: output site/en/" in stderr
    assert counts.read_bytes() == original_counts and page.read_bytes() == original_page
    assert not (out / "site" / "en" / "planted.html").exists()


def test_a_second_run_into_the_same_folder_is_refused(hostile_run) -> None:
    out = hostile_run["out"]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom samskab_analysis.output import claim_output\n"
         "with claim_output(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(60)", str(out)],
        stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, stderr, _ = rerun(hostile_run, "--no-pdf")
    finally:
        holder.kill()
        holder.wait()
    assert code == 2
    assert f"is being written by another samskab run (pid {holder.pid}: " in stderr and "Traceback" not in stderr


# --- a killed run, a full disk ----------------------------------------------------------------------------------------


def test_kill_9_leaves_no_respondent_data_past_the_next_run(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "samskab_analysis.cli", "reproduce", "--data", str(SYNTHETIC), "--out",
               str(tmp_path / "out"), "--no-site", "--only", "figure", "--jobs", "1"]  # fmt: skip
    log = tmp_path / "run.log"  # what the run said, shown when the cache never appears
    with log.open("wb") as handle:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True,
                                stdout=handle, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not list(scratch.glob("samskab-run-*/answers/*.npz")) and time.monotonic() < deadline:
            if proc.poll() is not None and not list(scratch.glob("samskab-run-*/answers/*.npz")):
                break  # the run ended before its cache could be seen
            time.sleep(0.05)
        said = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        assert list(scratch.glob("samskab-run-*/answers/*.npz")), f"the answers cache never appeared:\n{said}"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(1)
    assert list(scratch.glob("samskab-run-*"))  # what kill -9 leaves ...
    result = subprocess.run([sys.executable, "-m", "samskab_analysis.cli", "data", "--out", str(tmp_path / "p")],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert list(scratch.iterdir()) == []  # ... the next run removes
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".samskab-tmp")]


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None and Path("/proc/mounts").is_file()


NOISY = """import sys
print("x" * 700_000)
"""


@pytest.mark.skipif(not can_mount(), reason="needs root and mount for a real tmpfs")
def test_a_full_disk_stops_the_run_with_one_message(tmp_path: Path) -> None:
    import nbformat

    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=False).returncode:
        pytest.skip("mount failed")
    try:
        nbs = tmp_path / "nbs"
        nbs.mkdir()
        for name in ("a", "b", "c"):
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
            nb.cells = [nbformat.v4.new_code_cell('lang = "da"', metadata={"tags": ["parameters"]}),
                        nbformat.v4.new_code_cell(NOISY)]  # fmt: skip
            nbformat.write(nb, nbs / f"{name}.ipynb")
        (nbs / "exhibits.csv").write_text(
            "notebook,per_item,applies_to,title\n" + "".join(f"{n}.ipynb,false,both,{n}\n" for n in "abc")
        )
        result = subprocess.run(
            [sys.executable, "-m", "samskab_analysis.cli", "reproduce", "--exhibits", str(nbs / "exhibits.csv"),
             "--out", str(disk / "out"), "--jobs", "1", "--no-site"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert re.fullmatch(r"samskab: cannot write out/notebooks/\w\.ipynb: no space left on the device; "
                            r"run stopped \(\d notebook\(s\) not finished\)", last.replace(str(disk) + "/", "")), last
        assert "Traceback" not in result.stderr
        assert not [p for p in disk.rglob("*") if p.name.endswith(".samskab-tmp")]
        assert json.loads((disk / "out" / "manifest.json").read_text(encoding="utf-8"))  # still valid
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def group_alive(pgid: int) -> list[int]:
    """Live processes of process group *pgid* (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_site_build_stops_it_at_once(tmp_path: Path, signum: int) -> None:
    reports = REPO_ROOT / "reports"
    if not (reports / "notebooks" / "results.ipynb").is_file():
        pytest.skip("reports/notebooks not rendered")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("notebooks", "figures"):
        (out / name).symlink_to(reports / name, target_is_directory=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "samskab_analysis.cli", "site", "--out", str(out), "--force", "--no-pdf"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in group_alive(proc.pid) if pid != proc.pid]
            if any(b"sphinx" in c for c in commands):
                break
            time.sleep(0.2)
        else:
            pytest.fail("sphinx-build never started")
        time.sleep(1)
        os.kill(proc.pid, signum)
        started = time.monotonic()
        _, err = proc.communicate(timeout=30)
        stopped = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and stopped < 5, (stopped, err)
    assert err.strip().splitlines()[-1].startswith("samskab site: interrupted")
    time.sleep(0.5)
    assert group_alive(proc.pid) == []
    assert not [p for p in out.rglob("*") if p.name.endswith(".samskab-tmp")]


def test_a_file_name_that_is_not_utf8_nor_plain(tmp_path: Path, capsys) -> None:
    name = os.fsdecode(b"r\xe9sum\xe9 \xe2\x80\xae\xf0\x9f\x99\x82 ..csv")  # Latin-1 bytes, RTL override, emoji
    path = tmp_path / name
    shutil.copyfile(SYNTHETIC, path)
    assert main(["validate", str(path)]) == 0
    assert "valid (14 respondents" in capsys.readouterr().out
    out = tmp_path / "out"
    args = ["reproduce", "--data", str(path), "--only", "fig01", "--no-site", "--out", str(out), "--jobs", "1"]
    assert main(args) == 0
    for produced in [*out.rglob("*.ipynb"), out / "manifest.json"]:
        text = produced.read_bytes().decode("utf-8")  # every output is UTF-8
        assert str(tmp_path) not in text
    assert "\u2026/r-sum-" in (out / "manifest.json").read_text(encoding="utf-8")
