"""Field the questionnaire again: export the instrument to a survey tool, a printable form and a data package.

Every file is generated only from ``data/raw/instrument/`` and is byte-identical for the same inputs.
"""

from __future__ import annotations

from pathlib import Path

from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.paths import DATA_DIR, NOTEBOOK_DIR, REPO_ROOT, REPORTS_DIR

FORMATS = ("limesurvey", "nettskjema", "html", "pdf", "datapackage")
PROTECTED = (DATA_DIR, NOTEBOOK_DIR, REPO_ROOT / "samskab_analysis")


def safe_out_dir(path: str | Path) -> Path:
    """*path* resolved; refuses the repository root and anything inside data/raw, notebooks/ or the code."""
    out = Path(path).resolve()
    root = REPO_ROOT.resolve()
    bad = out == root or any(out == p.resolve() or p.resolve() in out.parents for p in PROTECTED)
    if bad:
        raise DataValidationError(
            Problem(
                file=str(out),
                message="refusing to write here: outputs never go to the repository root, data/raw, notebooks/ "
                "or the code",
                allowed=[f"a folder under {REPORTS_DIR.relative_to(root)}/ or outside the repository"],
            )
        )
    return out


def default_instrument_dir(lang: str) -> Path:
    """``reports/instrument/<lang>/``."""
    return REPORTS_DIR / "instrument" / lang
