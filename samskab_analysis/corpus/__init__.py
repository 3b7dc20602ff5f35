"""The corpus of related studies: its files (:mod:`.files`), the checked :class:`Corpus` (:mod:`.model`), tables."""

from samskab_analysis.corpus.files import KIRKPATRICK, TYPOLOGY
from samskab_analysis.corpus.model import (
    PUBLISHED_STUDY,
    Corpus,
    check_design_agreement,
    check_index_rows,
    load_corpus,
)
from samskab_analysis.corpus.tables import (
    activities_table,
    corpus_names,
    crosswalk_table,
    design_side_by_side,
    framework_items_table,
    framework_table,
    in_lang,
    quadrants,
    studies_table,
    timeline_frame,
)

__all__ = [
    "KIRKPATRICK",
    "PUBLISHED_STUDY",
    "TYPOLOGY",
    "Corpus",
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
]
