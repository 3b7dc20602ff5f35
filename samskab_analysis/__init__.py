"""samskab_analysis: reproducible analysis of the Norwegian follow-up survey on co-creation.

The path through the package, one subpackage per step (``docs/architecture.md``)::

    data/  ──►  ingest/ (a cohort's file)  |  reconstruct/ (the published statements)  ──►  study
          ──►  stats/  ──►  corpus/  ──►  figures/  ──►  run/ (papermill runner, site)  ──►  cli

A researcher needs only the names below: ``from samskab_analysis import load_study, figure_table``.
They are imported on first use, so ``samskab`` starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.paths import resolve

__version__ = "0.1.0"

if TYPE_CHECKING:
    from samskab_analysis.study import Study, load_study  # noqa: F401 - resolved lazily by __getattr__

#: Public names by the module that owns them (the order of the data's path).
PUBLIC: dict[str, tuple[str, ...]] = {
    "samskab_analysis.study": ("Study", "load_study"),
    "samskab_analysis.ingest.responses": (
        "answer_summary",
        "load_responses",
    ),
    "samskab_analysis.data.published": ("load_design",),
    "samskab_analysis.reconstruct.tables": (
        "assumptions_table",
        "completions_table",
        "count_matrix",
        "interpretations_table",
        "statements_table",
    ),
    "samskab_analysis.stats.scoring": (
        "item_summary",
        "study_summary",
    ),
    "samskab_analysis.stats.coverage": (
        "coverage_for_study",
        "coverage_table",
        "exact_coverage",
    ),
    "samskab_analysis.stats.coverage_minimum": (
        "coverage_minimum",
        "single_share_minimum",
    ),
    "samskab_analysis.stats.readings": (
        "load_readings",
        "reading_verdicts",
    ),
    "samskab_analysis.stats.wording": ("say",),
    "samskab_analysis.stats.population": (
        "frame_table",
        "manski_bounds",
    ),
    "samskab_analysis.stats.intervals": (
        "distribution_intervals",
        "share_intervals",
        "suppress_small",
    ),
    "samskab_analysis.stats.sensitivity": (
        "STATISTICS",
        "sensitivity_table",
    ),
    "samskab_analysis.stats.indices": (
        "index_table",
        "load_indices",
    ),
    "samskab_analysis.stats.comparisons": (
        "comparison_table",
        "comparison_views",
        "conclusions",
        "load_comparisons",
        "verdict",
    ),
    "samskab_analysis.stats.ledger": ("claims_ledger",),
    "samskab_analysis.stats.registry": (
        "dataset_id",
        "public_table",
        "public_text",
        "study_text",
    ),
    "samskab_analysis.stats.microdata": (
        "answer_table",
        "correlation_note",
        "correlation_table",
        "index_labels",
        "index_summary",
        "load_index_definitions",
        "paired_comparisons",
        "reliability",
        "respondent_indices",
        "suppress_cells",
    ),
    "samskab_analysis.stats.cohorts": (
        "SYNTHETIC_EXAMPLE",
        "cohort_label",
        "cohort_pair",
        "is_synthetic",
        "item_tests",
        "side_by_side",
        "status_counts",
        "tests_table",
    ),
    "samskab_analysis.stats.waves": (
        "changes",
        "consecutive_tests",
        "default_wave_files",
        "load_wave_labels",
        "load_waves",
        "shares_table",
        "split_paths",
        "wave_name",
        "wave_shares",
    ),
    "samskab_analysis.stats.results": (
        "glue_results",
        "item_results",
    ),
    "samskab_analysis.stats.planning": (
        "N_SIMULATIONS",
        "SEED",
        "baseline_distribution",
        "detectable_table",
        "n_for_halfwidth",
        "width_table",
    ),
    "samskab_analysis.corpus": (
        "PUBLISHED_STUDY",
        "TYPOLOGY",
        "activities_table",
        "check_design_agreement",
        "check_index_rows",
        "corpus_names",
        "crosswalk_table",
        "design_side_by_side",
        "framework_items_table",
        "framework_table",
        "in_lang",
        "load_corpus",
        "quadrants",
        "studies_table",
        "timeline_frame",
    ),
    "samskab_analysis.data.labels": ("phrase", "value_label"),
    "samskab_analysis.figures.exhibits": (
        "context_table",
        "design_table",
        "figure_table",
        "item_assumptions",
        "item_claims",
        "item_intervals",
        "ledger_table",
        "save_item_figures",
        "save_overview_figures",
        "shown_paths",
        "study_label",
        "summary_table",
    ),
    "samskab_analysis.figures.display": ("localize", "print_table", "print_text", "show_table"),
    "samskab_analysis.figures.plotting": (
        "plot_item",
        "plot_overview",
    ),
    "samskab_analysis.figures.uncertainty": (
        "plot_coverage",
        "plot_indices",
        "plot_intervals",
        "plot_sensitivity",
        "save_uncertainty_figures",
    ),
    "samskab_analysis.figures.microdata": (
        "plot_correlations",
        "plot_respondent_indices",
        "save_microdata_figures",
    ),
    "samskab_analysis.figures.cohorts": (
        "plot_cohorts",
        "save_cohort_figures",
    ),
    "samskab_analysis.figures.corpus": (
        "plot_by_framework",
        "plot_timeline",
        "plot_typology",
        "save_in_langs",
    ),
    "samskab_analysis.figures.waves": (
        "plot_trends",
        "save_wave_figures",
    ),
    "samskab_analysis.figures.planning": (
        "plot_planning",
        "save_planning_figures",
    ),
    "samskab_analysis.explore.app": ("explorer_app",),
    "samskab_analysis.run.processed": ("build_processed",),
}
_OWNER = {name: module for module, names in PUBLIC.items() for name in names}

__all__ = ["DataValidationError", "Problem", "__version__", "resolve", *sorted(_OWNER)]


def __getattr__(name: str) -> object:
    """Import a public name's module only when the name is used."""
    module = _OWNER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_OWNER))
