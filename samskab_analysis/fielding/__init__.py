"""Field the questionnaire again: export the instrument to a survey tool, a printable form and a data package.

Every file is generated only from ``data/raw/instrument/`` and is byte-identical for the same inputs.
"""

from __future__ import annotations

from pathlib import Path

from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.paths import REPO_ROOT, current_project

FORMATS = ("limesurvey", "nettskjema", "html", "pdf", "datapackage")


def protected_dirs() -> tuple[Path, ...]:
    """Folders no export may write into: the study's and the project's raw data, notebooks, site and the code."""
    return current_project().source_dirs()


def safe_out_dir(path: str | Path) -> Path:
    """*path* resolved; refuses the repository or project root and anything inside data/raw, notebooks/ or the code."""
    out = Path(path).resolve()
    project = current_project()
    roots = {REPO_ROOT.resolve(), project.root.resolve()} if project.is_project else {REPO_ROOT.resolve()}
    bad = out in roots or any(out == p.resolve() or p.resolve() in out.parents for p in protected_dirs())
    if bad:
        raise DataValidationError(
            Problem(
                file=str(out),
                message="refusing to write here: outputs never go to the repository or project root, data/raw, "
                "notebooks/ or the code",
                allowed=[f"a folder under {project.reports_dir}/ or outside the project"],
            )
        )
    return out


def default_instrument_dir(lang: str) -> Path:
    """``reports/instrument/<lang>/`` of the project (of the current folder outside any project)."""
    return current_project().reports_dir / "instrument" / lang
