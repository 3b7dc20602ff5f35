"""Where the project's data and outputs live (all relative to the repository)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data" / "raw"
PROCESSED_DIR = REPO_ROOT / "data" / "processed"
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
REPORTS_DIR = REPO_ROOT / "reports"
LANGS = ("da", "no", "en")


def resolve(path: str | Path | None) -> Path | None:
    """Resolve a notebook parameter path: relative paths are relative to the repository root."""
    if path is None or str(path) == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path
