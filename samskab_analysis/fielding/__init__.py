"""Field the questionnaire again: export the instrument to a survey tool, a printable form and a data package.

Every file is generated only from ``data/raw/instrument/`` and is byte-identical for the same inputs.
"""

from __future__ import annotations

from pathlib import Path

from samskab_analysis.paths import current_project

FORMATS = ("limesurvey", "nettskjema", "html", "pdf", "datapackage")


def default_instrument_dir(lang: str) -> Path:
    """``reports/instrument/<lang>/`` of the project (of the current folder outside any project)."""
    return current_project().reports_dir / "instrument" / lang
