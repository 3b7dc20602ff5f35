"""One entry point for notebooks: the instrument plus the count table of a study.

* published study (default): counts reconstructed from the report's statements (N from design.csv)
* a new cohort: counts aggregated from respondent-level data (``responses=PATH``)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from samskab_analysis.data.count_table import with_scale_info
from samskab_analysis.data.instrument import Instrument, load_instrument
from samskab_analysis.data.published import (
    assumptions_from_frame,
    assumptions_from_mapping,
    design_int,
    load_assumptions,
    load_context,
    load_design,
    load_errata,
    load_statements,
    merge_assumptions,
    published_dir,
)
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.reconstruct.counts import reconstruct_counts


@dataclass
class Study:
    """Everything an analysis needs; ``counts`` is long (item x category) with provenance."""

    instrument: Instrument
    counts: pd.DataFrame
    label: str
    n: int
    design: pd.DataFrame | None = None
    statements: pd.DataFrame | None = None
    assumptions: pd.DataFrame | None = None
    errata: pd.DataFrame | None = None
    context: pd.DataFrame | None = None
    responses: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def is_published(self) -> bool:
        """True for the reconstruction of the published report, False for respondent-level data."""
        return self.responses is None

    def item_counts(self, item_id: str) -> pd.DataFrame:
        """Rows of one item in category order."""
        return self.counts[self.counts["item_id"] == item_id].reset_index(drop=True)


def load_study(
    data_dir: str | Path = DATA_DIR,
    responses: str | Path | None = None,
    *,
    assumptions: str | Path | pd.DataFrame | Mapping[tuple[str, str], int] | None = None,
    column_map: str | Path | dict[str, str] | None = None,
    sheet: str | None = None,
) -> Study:
    """Load the instrument and build the count table.

    *assumptions* overrides the shipped assumptions: a CSV path (replaces the file), a DataFrame,
    or a mapping ``{(item_id, category_id): count}`` that replaces all assumptions of the items it names.
    """
    data_dir = Path(data_dir)
    instrument = load_instrument(data_dir)
    if responses is not None:
        from samskab_analysis.ingest.responses import load_responses

        answers = load_responses(responses, instrument, column_map=column_map, sheet=sheet, data_dir=data_dir)
        counts = with_scale_info(counts_from_responses(answers, instrument), instrument)
        return Study(instrument, counts, label=Path(responses).name, n=len(answers), responses=answers)

    design = load_design(data_dir)
    n = design_int(design, "respondents")
    statements = load_statements(instrument, data_dir)
    base = load_assumptions(instrument, published_dir(data_dir) / "assumptions.csv")
    if isinstance(assumptions, Mapping):  # validated like --assumptions FILE
        chosen = merge_assumptions(base, assumptions_from_mapping(assumptions, instrument=instrument))
    elif isinstance(assumptions, pd.DataFrame):
        chosen = merge_assumptions(base, assumptions_from_frame(assumptions, instrument))
    elif assumptions is not None:
        chosen = load_assumptions(instrument, assumptions)
    else:
        chosen = base
    counts = with_scale_info(reconstruct_counts(instrument, statements, chosen, n), instrument)
    errata = load_errata(instrument, statements, data_dir)
    return Study(
        instrument,
        counts,
        label="Ulrich & Stabell (published, reconstructed)",
        n=n,
        design=design,
        statements=statements,
        assumptions=chosen,
        errata=errata,
        context=load_context(data_dir),
    )
