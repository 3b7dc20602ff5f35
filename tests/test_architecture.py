"""The package's layout: layers along the data's path, no import cycles, a small top level, one public API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import samskab_analysis
from samskab_analysis.paths import NOTEBOOK_DIR, REPO_ROOT

PACKAGE = REPO_ROOT / "samskab_analysis"
CONFIG = REPO_ROOT / ".importlinter"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter with the project's contracts on the package found under *root*."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[2], no_cache=True))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(root), str(CONFIG)], capture_output=True, text=True, cwd=root, timeout=300
    )


def test_import_contracts_are_kept() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("data/instrument.py", "import samskab_analysis.figures.plotting", "The data's path"),
        ("ingest/files.py", "import samskab_analysis.ingest.responses", "Ingest is one straight path"),
        ("corpus/files.py", "import samskab_analysis.corpus.model", "No import cycles"),
    ],
)
def test_contracts_fail_on_an_upward_import_or_a_cycle(tmp_path: Path, module: str, line: str, broken: str) -> None:
    """Adding one upward import (or a cycle) to a copy of the package breaks the named contract."""
    shutil.copytree(PACKAGE, tmp_path / "samskab_analysis", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "samskab_analysis" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout


def test_top_level_has_at_most_ten_modules() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 10, modules
    assert {"__init__.py", "study.py", "cli.py", "paths.py"} <= set(modules)


def test_every_public_name_resolves_to_its_owner() -> None:
    for module, names in samskab_analysis.PUBLIC.items():
        for name in names:
            value = getattr(samskab_analysis, name)
            assert getattr(value, "__module__", module) in (module, module.rsplit(".", 1)[0]) or module.endswith(
                "corpus"
            ), name


def test_notebooks_import_only_public_names() -> None:
    """Notebooks use ``from samskab_analysis import ...`` and nothing deeper."""
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            for line in source.splitlines():
                if line.startswith(("from samskab_analysis", "import samskab_analysis")):
                    assert line.startswith("from samskab_analysis import "), f"{path.name}: {line}"
                    names = line.split(" import ", 1)[1].replace("(", "").replace(")", "").split(",")
                    for name in filter(None, (n.strip() for n in names)):
                        assert name in samskab_analysis.__all__, f"{path.name}: {name}"
