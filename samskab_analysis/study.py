"""One entry point for notebooks: the instrument plus the count table of a study.

* published study (default): counts reconstructed from the report's statements (N from design.csv)
* a new cohort: counts aggregated from respondent-level data (``responses=PATH``); within a
  ``samskab reproduce --data`` run the validated answers are read from the run's cache
  (:func:`cohort_answers`), so the file is parsed once per run, not once per notebook
"""

from __future__ import annotations

import os
import warnings
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
    include_incomplete: bool | None = None,
) -> Study:
    """Load the instrument and build the count table.

    *assumptions* overrides the shipped assumptions: a CSV path (replaces the file), a DataFrame,
    or a mapping ``{(item_id, category_id): count}`` that replaces all assumptions of the items it names.
    *include_incomplete* keeps a cohort's incomplete responses (an export that marks completion; by default
    only complete ones are analysed); None follows the run (``samskab reproduce --include-incomplete`` sets
    ``SAMSKAB_INCLUDE_INCOMPLETE=1`` for its notebooks).
    """
    data_dir = Path(data_dir)
    instrument = load_instrument(data_dir)
    if responses is not None:
        if include_incomplete is None:
            from samskab_analysis.paths import INCOMPLETE_ENV

            include_incomplete = os.environ.get(INCOMPLETE_ENV, "") == "1"
        answers = cohort_answers(
            responses,
            instrument,
            column_map=column_map,
            sheet=sheet,
            data_dir=data_dir,
            include_incomplete=include_incomplete,
        )
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


def cohort_answers(
    responses: str | Path,
    instrument: Instrument,
    *,
    column_map: str | Path | Mapping[str, str] | None = None,
    sheet: str | None = None,
    data_dir: str | Path = DATA_DIR,
    include_incomplete: bool = False,
) -> pd.DataFrame:
    """:func:`~samskab_analysis.ingest.responses.load_responses`, through the run's answers cache.

    When the environment variable ``SAMSKAB_ANSWERS_CACHE`` names a folder (``samskab reproduce --data``
    sets it to a private temporary folder for the run), the validated answers are stored there under the sha256 of the
    file, column map, sheet, instrument and ingest code (:mod:`samskab_analysis.ingest.cache`) the first time
    and loaded from there afterwards, with the same warnings (none in the notebooks of a ``--min-count`` run:
    :func:`~samskab_analysis.ingest.cache.quiet`).  Without it the file is simply read.
    """
    from samskab_analysis.ingest.cache import answers_key, cache_path, load_answers, quiet, save_answers
    from samskab_analysis.ingest.responses import IngestWarning, load_responses
    from samskab_analysis.output.temp import is_private_dir
    from samskab_analysis.paths import CACHE_ENV

    options = {"column_map": column_map, "sheet": sheet, "data_dir": data_dir, "include_incomplete": include_incomplete}
    folder = os.environ.get(CACHE_ENV, "")
    if not folder or not is_private_dir(folder) or not Path(responses).is_file():  # never a shared folder
        return load_responses(responses, instrument, **options)
    path = cache_path(folder, answers_key(responses, data_dir, column_map, sheet, include_incomplete))
    silent = quiet(folder)  # --min-count: the notebooks do not repeat the warnings (the run printed them)
    if path.is_file():
        with warnings.catch_warnings():
            if silent:
                warnings.simplefilter("ignore", IngestWarning)
            return load_answers(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answers = load_responses(responses, instrument, **options)
    for warning in caught:
        if not (silent and issubclass(warning.category, IngestWarning)):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    save_answers(answers, path, [str(w.message) for w in caught if issubclass(w.category, IngestWarning)])
    return answers
