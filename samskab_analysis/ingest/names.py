"""Recognise what a column of a survey export holds: an item, the respondent id, or export metadata.

A column is matched, in this order, by the column map, a respondent-id name, an item id or figure
number (``fig01``, ``FIG 1``, ``Figur 1:``, ``F1``), the export-metadata lists
(``instrument/export_metadata_columns.csv`` exact names, ``instrument/export_metadata_patterns.csv``
regular expressions), and finally by **question text**: the header (or the question text a survey tool
stores under it - Qualtrics' second header row, SPSS variable labels) compared with the item titles of
``items.csv`` in Danish, Norwegian and English. Text is compared without case, accents of spacing,
punctuation or a trailing ``?``; leading numbering (``1.``, ``Q3:``) is dropped and the parts of
``Stem - Statement`` (Qualtrics matrix), ``Stem [Statement]`` (Google Forms grid) and
``Figur 7: title`` are tried on their own. A text that points at two items is an error (never a guess);
a text that is within a small edit distance of exactly one title is accepted as an *approximate* match
and reported as such.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import LINE, check_required_values, read_table
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.text import column_key, text_key
from samskab_analysis.paths import DATA_DIR, LANGS

RESPONDENT_ID = "respondent_id"
IGNORE = "ignore"
METADATA_FILE = "export_metadata_columns.csv"
METADATA_PATTERN_FILE = "export_metadata_patterns.csv"
ID_COLUMN_KEYS = (
    "respondent_id",
    "respondentid",
    "respondent",
    "respondent_nr",
    "respondentnummer",
    "id",
    "responseid",
    "response_id",
    "respid",
    "resp_id",
    "case_id",
    "caseid",
    "submission_id",
    "submissionid",
    "svar_id",
    "svarid",
)
FIGURE_PATTERN = re.compile(r"^(?:fig|figur|figure|f)_*0*(\d{1,3})$")
QUESTION_PATTERN = re.compile(r"^(?:q|question|spm|spørgsmål|spørsmål)_*\d+(?:_\d+)*$")
QUESTION_HINT = " (question numbers are not guessed: they follow the questionnaire, not the figure numbers)"
NUMBERING = re.compile(
    r"^(?:(?:q|question|spm|spørgsmål|spørsmål|fig|figur|figure)\.?\s*)?\d{1,3}[a-z]?\s*[.):\-–—]\s*", re.IGNORECASE
)
SEGMENT_SPLIT = re.compile(r"\s+[-–—|]\s+|:\s+|\n")
BRACKETED = re.compile(r"^(.*?)\s*\[([^\]]+)\]\s*$", re.DOTALL)
APPROXIMATE_RATIO = 0.9
RIVAL_RATIO = 0.85
MIN_TEXT_LENGTH = 12


def figure_item(key: str, instrument: Instrument) -> str | None:
    """The item of a figure-number column key (``fig7``, ``figur_07``, ``f7``), else None."""
    match = FIGURE_PATTERN.match(key)
    if not match:
        return None
    hits = instrument.items.index[instrument.items["figure"] == int(match.group(1))]
    return str(hits[0]) if len(hits) == 1 else None


def accepted_names(item_id: str, instrument: Instrument) -> list[str]:
    """Column names that are recognised for *item_id* without a map (for error messages)."""
    figure = instrument.items.at[item_id, "figure"]
    if pd.isna(figure):
        names = [item_id, item_id.replace("_", " ").capitalize()]
    else:
        names = [item_id, f"fig{int(figure)}", f"Figur {int(figure)}", f"F{int(figure)}"]
    if "survey_code" in instrument.items.columns:
        names.append(instrument.survey_code(item_id))
    return [*dict.fromkeys(names), "or its question text (title_da / title_no / title_en of items.csv)"]


def text_variants(text: str) -> list[str]:
    """The header itself, its bracketed and ``-``/``:`` separated parts, each also without leading numbering."""
    out = [text]
    bracket = BRACKETED.match(text)
    if bracket:
        out += [bracket.group(2), bracket.group(1)]
    for part in list(out):
        out += [p for p in SEGMENT_SPLIT.split(part) if p.strip()]
    out += [NUMBERING.sub("", p) for p in out]
    return [p.strip() for p in dict.fromkeys(out) if p.strip()]


@dataclass(frozen=True)
class ColumnMatch:
    """What a column is (*target*: item id, ``respondent_id``, ``ignore`` or None) and how it was recognised."""

    target: str | None
    how: str
    candidates: tuple[str, ...] = ()


def load_metadata(data_dir: str | Path = DATA_DIR) -> tuple[set[str], list[re.Pattern[str]]]:
    """Column keys and key patterns of survey-export metadata that are ignored."""
    base = Path(data_dir) / "instrument"
    frame = read_table(base / METADATA_FILE, ["column", "source", "note"], what="metadata")
    raise_if(check_required_values(frame, ["column"]))
    keys = {column_key(c) for c in frame["column"]}
    patterns: list[re.Pattern[str]] = []
    path = base / METADATA_PATTERN_FILE
    if path.is_file():
        table = read_table(path, ["pattern", "source", "note"], what="metadata patterns")
        problems = check_required_values(table, ["pattern"])
        for pattern, line in zip(table["pattern"], table[LINE], strict=True):
            try:
                patterns.append(re.compile(pattern))
            except re.error as err:
                problems.append(
                    Problem(
                        file=str(path), row=int(line), column="pattern", message=f"not a regular expression ({err})"
                    )
                )
        raise_if(problems)
    return keys, patterns


def load_metadata_columns(data_dir: str | Path = DATA_DIR) -> set[str]:
    """Column keys of survey-export metadata that are ignored (``instrument/export_metadata_columns.csv``)."""
    return load_metadata(data_dir)[0]


class ColumnMatcher:
    """Classifies column names (and question texts) of one export against the instrument."""

    def __init__(
        self,
        instrument: Instrument,
        mapping: Mapping[str, str] | None = None,
        metadata: tuple[set[str], list[re.Pattern[str]]] | None = None,
    ) -> None:
        self.instrument = instrument
        self.mapping = dict(mapping or {})
        self.map_keys = {column_key(k): v for k, v in self.mapping.items()}
        self.metadata_keys, self.metadata_patterns = metadata or (set(), [])
        self.aliases = {column_key(i): i for i in instrument.item_ids}
        if "survey_code" in instrument.items.columns:  # question codes of survey tools (LimeSurvey: meetingplace)
            self.aliases.update({column_key(instrument.survey_code(i)): i for i in instrument.item_ids})
        self.titles: dict[str, set[str]] = {}
        for item_id in instrument.item_ids:
            for lang in LANGS:
                key = text_key(instrument.items.at[item_id, f"title_{lang}"])
                if key:
                    self.titles.setdefault(key, set()).add(item_id)
        self._cache: dict[tuple[str, str, bool], ColumnMatch] = {}

    def by_name(self, name: str) -> str | None:
        """Item id of an id-like or figure-number name, else None."""
        key = column_key(name)
        return self.aliases.get(key) or figure_item(key, self.instrument)

    def is_metadata(self, name: str) -> bool:
        """True for a known survey-export metadata column."""
        key = column_key(name)
        return key in self.metadata_keys or any(p.fullmatch(key) for p in self.metadata_patterns)

    def by_text(self, text: str, *, approximate: bool = True) -> ColumnMatch:
        """Items whose title (or id / figure number) appears as the whole text or one of its parts."""
        whole = self.titles.get(text_key(text), set())
        if len(whole) == 1:
            return ColumnMatch(next(iter(whole)), "question text")
        found: set[str] = set(whole)
        for part in text_variants(text):
            found |= self.titles.get(text_key(part), set())
            item = self.by_name(part)
            if item:
                found.add(item)
        if len(found) == 1:
            return ColumnMatch(next(iter(found)), "question text")
        if len(found) > 1:
            return ColumnMatch(None, "ambiguous", tuple(i for i in self.instrument.item_ids if i in found))
        if not approximate:
            return ColumnMatch(None, "unknown")
        return self.approximately(text)

    def approximately(self, text: str) -> ColumnMatch:
        """A unique title within a small edit distance of the text (or one of its parts)."""
        scores: dict[str, float] = {}
        for part in text_variants(text):
            key = text_key(part)
            if len(key) < MIN_TEXT_LENGTH:
                continue
            for title, items in self.titles.items():
                matcher = difflib.SequenceMatcher(None, key, title, autojunk=False)
                if matcher.real_quick_ratio() < RIVAL_RATIO or matcher.quick_ratio() < RIVAL_RATIO:
                    continue
                ratio = matcher.ratio()
                for item in items:
                    scores[item] = max(scores.get(item, 0.0), ratio)
        close = {i for i, r in scores.items() if r >= RIVAL_RATIO}
        best = [i for i, r in scores.items() if r >= APPROXIMATE_RATIO]
        if len(best) == 1 and close == set(best):
            return ColumnMatch(best[0], "question text (approximate)")
        if len(close) > 1 and best:
            return ColumnMatch(None, "ambiguous", tuple(i for i in self.instrument.item_ids if i in close))
        return ColumnMatch(None, "unknown")

    def classify(self, name: str, description: str = "", *, approximate: bool = True) -> ColumnMatch:
        """What the column *name* (with the tool's question text *description*) holds."""
        cache_key = (name, description, approximate)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._classify(name, description, approximate)
        return self._cache[cache_key]

    def _classify(self, name: str, description: str, approximate: bool) -> ColumnMatch:
        key = column_key(name)
        if name in self.mapping or key in self.map_keys:
            return ColumnMatch(self.mapping.get(name, self.map_keys.get(key)), "column map")
        if key in ID_COLUMN_KEYS:
            return ColumnMatch(RESPONDENT_ID, "respondent id")
        item = self.by_name(name)
        if item:
            return ColumnMatch(item, "item id or figure number")
        if self.is_metadata(name):
            return ColumnMatch(IGNORE, "export metadata")
        first = self.by_text(name, approximate=approximate) if key else ColumnMatch(None, "unknown")
        if first.target is not None or first.how == "ambiguous" or not description:
            return first
        second = self.by_text(description, approximate=approximate)
        if second.target is not None:
            return ColumnMatch(
                second.target, second.how.replace("question text", "question text stored with the column")
            )
        return second
