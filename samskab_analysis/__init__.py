"""samskab_analysis: reproducible analysis of the Norwegian follow-up survey on co-creation.

The path through the package is raw -> validated -> processed -> scored -> figure:

* :mod:`samskab_analysis.tables`      reads CSV files robustly (BOM, ``;``, cp1252) without touching them
* :mod:`samskab_analysis.instrument`  loads and validates the questionnaire (items, scales, levels)
* :mod:`samskab_analysis.published`   loads the report's published statements, assumptions, design numbers
* :mod:`samskab_analysis.reconstruct` builds the item x category count table with provenance per cell
* :mod:`samskab_analysis.scoring`     Likert scores, shares, top-2-box, means and medians
* :mod:`samskab_analysis.study`       one call that returns everything a notebook needs
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING  # noqa: E402

from samskab_analysis.errors import DataValidationError, Problem  # noqa: E402

if TYPE_CHECKING:
    from samskab_analysis.study import Study, load_study

__all__ = ["DataValidationError", "Problem", "Study", "load_study", "__version__"]


def __getattr__(name: str) -> object:
    """Import the study module (pandas) only when used: keeps ``samskab`` CLI start-up fast."""
    if name in ("Study", "load_study"):
        from samskab_analysis import study

        return getattr(study, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
