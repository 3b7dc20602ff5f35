"""The fork engine (``samskab reproduce --engine fork``) writes the same notebooks as the kernel engine."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from samskab_analysis.cli import main

PARAMS = 'lang = "da"\nalso_langs = ""\noutput_dir = "reports/figures"'
SHOWCASE = (
    PARAMS,
    'import sys\nprint("to stdout")\nprint("to stderr", file=sys.stderr)\nprint("stdout again")',
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\nax.plot([1, 2, 3], [3, 1, 2])\n"
    'print("before the figure")',
    'import pandas as pd\nframe = pd.DataFrame({"item": ["fig01", "fig02"], "share": [0.25, 0.5]})\nframe',
    "from IPython.display import display\ndisplay(frame.share.sum())\n6 * 7",
    "import samskab_analysis\nprint(getattr(samskab_analysis, 'LEAKED', None))\nsamskab_analysis.LEAKED = 'showcase'",
)
BROKEN = (PARAMS, "x = 1", 'print("half way")\ny = 2\nratio = x / 0  # boom\n', "print('never')")


def write_notebook(path: Path, sources: tuple[str, ...]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(sources[0], metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_markdown_cell("Some *prose*.")]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in sources[1:]]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Path]]:
    """Each engine runs the showcase twice (one worker: the second run follows the first) and a broken one."""
    nbs = tmp_path_factory.mktemp("nbs")
    write_notebook(nbs / "showcase.ipynb", SHOWCASE)
    write_notebook(nbs / "again.ipynb", SHOWCASE)
    write_notebook(nbs / "broken.ipynb", BROKEN)
    exhibits = nbs / "exhibits.csv"
    exhibits.write_text(
        "notebook,per_item,applies_to,title\nshowcase.ipynb,false,both,Showcase\n"
        "again.ipynb,false,both,Again\nbroken.ipynb,false,both,Broken\n"
    )
    results = {}
    for engine in ("kernel", "fork"):
        out = tmp_path_factory.mktemp(engine) / "out"
        args = ["reproduce", "--exhibits", str(exhibits), "--out", str(out), "--jobs", "1", "--engine", engine]
        code = main([*args, "--no-site", "--langs", "da"])
        results[engine] = (code, out)
    return results


def executed(out: Path, name: str) -> str:
    """The executed notebook's text, with the output folder replaced by a placeholder."""
    return (out / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8").replace(str(out), "OUT")


@pytest.mark.parametrize("name", ["showcase", "again"])
def test_fork_engine_writes_the_kernel_engines_notebook(runs, name: str) -> None:
    kernel, fork = executed(runs["kernel"][1], name), executed(runs["fork"][1], name)
    assert fork == kernel
    cells = [c for c in nbformat.reads(fork, as_version=4).cells if c.cell_type == "code"]
    assert [c.execution_count for c in cells] == [1, 2, 3, 4, 5, 6, 7]  # 2: the injected parameters
    streams = [(o.name, o.text) for o in cells[2].outputs]
    assert streams == [("stdout", "to stdout\nstdout again\n"), ("stderr", "to stderr\n")]  # as the kernel flushes
    figure = cells[3].outputs
    assert [o.output_type for o in figure] == ["stream", "display_data"]
    assert figure[1].data["text/plain"] == "<Figure size 300x200 with 1 Axes>" and "image/png" in figure[1].data
    table = cells[4].outputs[0]
    assert table.output_type == "execute_result" and table.execution_count == 5
    assert "text/html" in table.data and "fig02" in table.data["text/plain"]
    assert [(o.output_type, o.data["text/plain"]) for o in cells[5].outputs] == [
        ("display_data", "np.float64(0.75)"),
        ("execute_result", "42"),
    ]
    assert cells[6].outputs[0].text == "None\n"  # module state set by the previous notebook does not leak


def test_failing_notebook_is_reported_like_the_kernel_engine(runs) -> None:
    (kernel_code, kernel_out), (fork_code, fork_out) = runs["kernel"], runs["fork"]
    assert kernel_code == fork_code == 1
    errors = [
        json.loads((out / "manifest.json").read_text())["jobs"]["broken"]["error"] for out in (kernel_out, fork_out)
    ]
    assert errors[0] == errors[1] == 'cell 4/5 (`print("half way")`): ZeroDivisionError: division by zero'
    kernel, fork = (nbformat.read(out / "failed" / "broken.ipynb", as_version=4) for out in (kernel_out, fork_out))
    assert [c.get("outputs") for c in fork.cells if c.cell_type == "code"][:3] == [
        c.get("outputs") for c in kernel.cells if c.cell_type == "code"
    ][:3]
    assert not (fork_out / "notebooks" / "broken.ipynb").exists()


def test_engine_is_registered_with_papermill(tmp_path: Path) -> None:
    """``papermill --engine samskab`` (the entry point) runs a notebook outside the runner, outputs recorded."""
    import subprocess
    import sys

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print('x is', x)\nx * 2"),
    ]
    source, target = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, source)
    papermill = Path(sys.executable).with_name("papermill")
    result = subprocess.run(
        [str(papermill), "--engine", "samskab", "--no-progress-bar", str(source), str(target), "-p", "x", "21"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    cell = nbformat.read(target, as_version=4).cells[-1]
    assert [o.output_type for o in cell.outputs] == ["stream", "execute_result"]
    assert cell.outputs[0].text == "x is 21\n" and cell.outputs[1].data["text/plain"] == "42"
