"""``samskab explore`` in a real browser: Voilà serves the explorer, Chromium changes assumed cells, Save writes.

Starts ``samskab explore --port 0`` (a free port, its temporary folder and Jupyter runtime files under tmp_path),
opens it in Debian's Chromium through playwright (no browser download; skipped with a message when Chromium,
playwright or Voilà is missing), changes an assumed cell of Figure 9 (the figure and the cells it constrains
change; the report compares Figure 9 with nothing), then one of Figure 8 (the 8-vs-7 comparison's verdict text
changes), saves, and checks the file reproduces the shown tables.  Ctrl-C then stops the server: the command
exits 0, and Voilà, its kernel and the temporary folder are gone.  The screenshot goes to tmp_path
(``make screenshots``: ``reports/screenshots/explore_da.png``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samskab_analysis.paths import CHROMIUM_ARGS, REPO_ROOT, REPORTS_DIR, chromium_path
from samskab_analysis.study import load_study

CHROMIUM = chromium_path()
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
pytest.importorskip("voila", reason="voila is not installed (pip install -e .)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (run .ci/install-system-deps)")
WAIT = 240_000  # ms: the first page executes the notebook on a shared 2-core machine


def start(tmp_path: Path) -> tuple[subprocess.Popen, str, Path]:
    env = {
        **os.environ,
        "TMPDIR": str(tmp_path / "tmp"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "MPLCONFIGDIR": str(tmp_path / "mpl"),
    }
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "saved"
    command = [sys.executable, "-m", "samskab_analysis.cli", "explore", "--port", "0", "--out", str(out)]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    for line in process.stdout:
        if "open http://127.0.0.1:" in line:
            return process, line.split("open ", 1)[1].split()[0], out
        if time.monotonic() > deadline:
            break
    process.kill()
    pytest.fail("samskab explore printed no URL")


def item_label(item_id: str) -> str:
    """The item dropdown's label of *item_id* in Danish (ipywidgets' options carry labels, not values)."""
    inst = load_study().instrument
    return f"{inst.exhibit_name(item_id, 'da')}: {inst.title(item_id, 'da')}"


def descendants(pid: int) -> list:
    import psutil

    return psutil.Process(pid).children(recursive=True)


def text_changes(page, selector: str, before: str) -> str:
    page.wait_for_function(
        "([s, b]) => document.querySelector(s) && document.querySelector(s).innerHTML !== b",
        arg=[selector, before],
        timeout=WAIT,
    )
    return page.inner_html(selector)


def test_explorer_in_chromium_changes_figure_verdict_and_saves_screenshots(tmp_path: Path) -> None:
    import psutil

    process, url, out = start(tmp_path)
    children = []
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1300, "height": 1700})
            page.goto(url, wait_until="commit")
            page.wait_for_selector(".samskab-cell-high select", timeout=WAIT)
            children = descendants(process.pid)
            # Figure 9: every cell assumed under one statement (70 % in varying degrees); high 3 -> 5 moves some 4 -> 2
            figure = page.inner_html(".samskab-figure")
            assert "høj grad 3" in page.get_attribute(".samskab-figure img", "alt")
            page.select_option(".samskab-cell-high select", "5")
            figure = text_changes(page, ".samskab-figure", figure)
            alt = page.get_attribute(".samskab-figure img", "alt")
            assert "i høj grad 5" in alt and "i nogen grad 2" in alt, alt
            assert page.input_value(".samskab-cell-some select") == "2"
            assert "Rapporten sammenligner ikke" in page.inner_text(".samskab-comparisons")
            # Figure 8: very high / high split of the stated 60 %; 0/6 -> 6/0 changes the 8-vs-7 verdict text
            page.select_option(".samskab-item select", label=item_label("fig08"))
            page.wait_for_selector(".samskab-cell-very_high select", timeout=WAIT)
            page.wait_for_function(
                "() => document.querySelector('.samskab-comparisons').innerText.includes('Over alle tabeller')"
                " && !document.querySelector('.samskab-comparisons').innerText.includes('Forbereder')",
                timeout=WAIT,
            )
            verdict = page.inner_html(".samskab-comparisons")
            assert "Figur 8 mod Figur 7" in verdict and "mellem 0.031 og 0.289" in verdict, verdict
            page.select_option(".samskab-cell-very_high select", "6")
            changed = text_changes(page, ".samskab-comparisons", verdict)
            assert "mellem 0.008 og 0.289" in changed, changed
            assert page.input_value(".samskab-cell-high select") == "0"
            status = page.inner_html(".samskab-status")
            page.click(".samskab-save button, button.samskab-save")
            text_changes(page, ".samskab-status", status)
            assert "assumptions.csv" in page.inner_text(".samskab-status")
            shots = REPORTS_DIR / "screenshots" if os.environ.get("SAMSKAB_SCREENSHOTS") == "1" else tmp_path
            shots.mkdir(parents=True, exist_ok=True)
            page.select_option(".samskab-item select", label=item_label("fig09"))
            page.wait_for_function(
                "() => document.querySelector('.samskab-figure img').alt.startsWith('Figur 9')", timeout=WAIT
            )
            page.screenshot(path=str(shots / "explore_da.png"))
            browser.close()
        saved = out / "assumptions.csv"
        study = load_study(assumptions=saved)
        counts = study.counts.set_index(["item_id", "category_id"])["count"]
        assert counts["fig09"].to_dict() == {"very_high": 0, "high": 5, "some": 2, "low": 3, "not_at_all": 0,
                                             "dont_know": 0}  # fmt: skip
        assert counts["fig08"].to_dict() == {"very_high": 6, "high": 0, "some": 4, "low": 0, "not_at_all": 0,
                                             "dont_know": 0}  # fmt: skip
        base = load_study().counts.set_index(["item_id", "category_id"])["count"]
        others = [i for i in base.index.get_level_values(0).unique() if i not in ("fig08", "fig09")]
        assert counts[others].equals(base[others])
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert code == 0
    assert children, "Voilà and its kernel were not found while running"
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"still running after Ctrl-C: {[p.pid for p in alive]}"
    assert not list((tmp_path / "tmp").glob("samskab-explore-*")), "the server's temporary folder was left behind"
