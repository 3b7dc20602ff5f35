"""Recognise what a column of a survey export holds: an item, the respondent id, or export metadata.

A column is matched, in this order, by the column map, a respondent-id name, an item id or figure
number (``fig01``, ``FIG 1``, ``Figur 1:``, ``F1``), the export-metadata lists
(``instrument/export_metadata_columns.csv`` exact names, ``instrument/export_metadata_patterns.csv``
regular expressions; a row's ``role`` marks the respondent id and the columns that say whether a response is
complete), **LimeSurvey's headings** (``instrument/limesurvey_headings.csv``: its metadata, participant and
timing headings in every language LimeSurvey translates them into; timing columns - ``interviewtime``,
``groupTime<N>``, ``<code>Time``, "Question time: ..." - are ignored), **code and text** headings
(LimeSurvey's "Question code & question text": ``fig01. Text`` with any separator decides by the code,
``fig01Text`` without one only when the text is that item's question text exactly), and finally by
**question text**: the header (or the question text a survey tool
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
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import LINE, check_allowed, check_required_values, read_table
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.text import column_key, normal_text, text_key
from samskab_analysis.paths import DATA_DIR, LANGS

RESPONDENT_ID = "respondent_id"
IGNORE = "ignore"
METADATA_FILE = "export_metadata_columns.csv"
METADATA_PATTERN_FILE = "export_metadata_patterns.csv"
HEADINGS_FILE = "limesurvey_headings.csv"
#: What a metadata column says about a response: its id, whether it is complete, the last page it reached.
ROLES = ("respondent_id", "submitted", "finished", "last_page")
SUBMITTED, FINISHED, LAST_PAGE = "submitted", "finished", "last_page"
#: LimeSurvey's timing columns in "Question code" headings (``createTimingsFieldMap``).
TIMING_CODE = re.compile(r"^(?:interviewtime|grouptime\d+)", re.IGNORECASE)
#: LimeSurvey's abbreviated headings end with its ellipsis ``..`` (JSON adds `` (SGQA)`` to repeated ones).
ABBREVIATED = re.compile(r"\.\.\s*(?:\(\d+X\d+X\d+[^)]*\))?$")
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
    role: str = ""  # respondent_id, submitted, finished or last_page (see ROLES)


@dataclass(frozen=True)
class Metadata:
    """Survey-export metadata: exact column keys and patterns (with their role), LimeSurvey's headings."""

    keys: dict[str, str]  # column key -> role ('' = none)
    patterns: list[tuple[re.Pattern[str], str]]
    headings: dict[str, frozenset[str]]  # heading_key of a LimeSurvey heading (any language) -> fields
    timing_prefixes: tuple[str, ...]  # normal_text of "Group time" / "Question time" in every language
    fields: dict[str, str]  # column key of a LimeSurvey field -> the field (id, submitdate, firstname, ...)

    def role(self, key: str) -> str:
        """The role of a column key (exact names first, then patterns); '' when it has none."""
        if key in self.keys:
            return self.keys[key]
        return next((role for pattern, role in self.patterns if pattern.fullmatch(key)), "")


def heading_key(text: object) -> str:
    """A LimeSurvey heading reduced for matching: HTML entities decoded (``gT()`` escapes), then :func:`text_key`."""
    return text_key(html.unescape(str(text)))


def _read_metadata_table(path: Path, key: str, what: str) -> pd.DataFrame:
    table = read_table(path, [key, "source", "role", "reference", "note"], what=what)
    problems = check_required_values(table, [key, "source", "reference"])
    problems += check_allowed(table, "role", ROLES, optional=True)
    raise_if(problems)
    return table


def load_headings(data_dir: str | Path = DATA_DIR) -> tuple[dict[str, frozenset[str]], tuple[str, ...], set[str]]:
    """LimeSurvey's translated headings: heading key -> fields, the timing prefixes, and every field name."""
    path = Path(data_dir) / "instrument" / HEADINGS_FILE
    if not path.is_file():
        return {}, (), set()
    table = read_table(path, ["field", "kind", "msgid", "lang", "heading", "source"], what="LimeSurvey headings")
    raise_if(check_required_values(table, ["field", "kind", "lang", "heading", "source"]))
    headings: dict[str, set[str]] = {}
    prefixes: set[str] = set()
    for field_name, kind, heading in zip(table["field"], table["kind"], table["heading"], strict=True):
        if kind == "timing_prefix":
            prefixes.add(normal_text(html.unescape(heading)).rstrip(" :"))
        else:
            headings.setdefault(heading_key(heading), set()).add(field_name)
    fields = set(table.loc[table["kind"] != "timing_prefix", "field"])
    return {k: frozenset(v) for k, v in headings.items()}, tuple(sorted(prefixes, key=len, reverse=True)), fields


def load_metadata(data_dir: str | Path = DATA_DIR) -> Metadata:
    """Survey-export metadata columns (exact names and patterns, with roles) and LimeSurvey's headings."""
    base = Path(data_dir) / "instrument"
    frame = _read_metadata_table(base / METADATA_FILE, "column", "metadata")
    keys = {column_key(c): r for c, r in zip(frame["column"], frame["role"], strict=True)}
    patterns: list[tuple[re.Pattern[str], str]] = []
    path = base / METADATA_PATTERN_FILE
    if path.is_file():
        table = _read_metadata_table(path, "pattern", "metadata patterns")
        problems = []
        for pattern, role, line in zip(table["pattern"], table["role"], table[LINE], strict=True):
            try:
                patterns.append((re.compile(pattern), role))
            except re.error as err:
                problems.append(
                    Problem(
                        file=str(path), row=int(line), column="pattern", message=f"not a regular expression ({err})"
                    )
                )
        raise_if(problems)
    headings, prefixes, fields = load_headings(data_dir)
    return Metadata(keys, patterns, headings, prefixes, {column_key(f): f for f in fields})


def load_metadata_columns(data_dir: str | Path = DATA_DIR) -> set[str]:
    """Column keys of survey-export metadata that are ignored (``instrument/export_metadata_columns.csv``)."""
    return set(load_metadata(data_dir).keys)


class ColumnMatcher:
    """Classifies column names (and question texts) of one export against the instrument."""

    def __init__(
        self,
        instrument: Instrument,
        mapping: Mapping[str, str] | None = None,
        metadata: Metadata | None = None,
    ) -> None:
        self.instrument = instrument
        self.mapping = dict(mapping or {})
        self.map_keys = {column_key(k): v for k, v in self.mapping.items()}
        self.metadata = metadata or Metadata({}, [], {}, (), {})
        self.aliases = {column_key(i): i for i in instrument.item_ids}
        if "survey_code" in instrument.items.columns:  # question codes of survey tools (LimeSurvey: meetingplace)
            self.aliases.update({column_key(instrument.survey_code(i)): i for i in instrument.item_ids})
        codes = {i: i for i in instrument.item_ids}
        if "survey_code" in instrument.items.columns:
            codes.update({instrument.survey_code(i): i for i in instrument.item_ids})
        #: (code casefolded, item) longest first: "fig10" is tried before "fig1"
        self.codes = sorted(((c.casefold(), i) for c, i in codes.items()), key=lambda ci: -len(ci[0]))
        self.field_codes = sorted(self.metadata.fields.items(), key=lambda kv: -len(kv[0]))
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
        """True for a known survey-export metadata column (exact name or pattern)."""
        key = column_key(name)
        return key in self.metadata.keys or any(p.fullmatch(key) for p, _ in self.metadata.patterns)

    def heading_field(self, text: str) -> ColumnMatch | None:
        """A LimeSurvey metadata / participant heading in any language (``Besvarelse-ID``, ``Svar-ID``)."""
        fields = self.metadata.headings.get(heading_key(text))
        if not fields:
            return None
        return self.field_match(fields, "LimeSurvey heading")

    def field_match(self, fields: frozenset[str] | set[str], how: str) -> ColumnMatch:
        """The match of LimeSurvey field(s): the respondent id for ``id``, else ignored with the fields' role."""
        roles = {self.metadata.role(column_key(f)) for f in fields}
        role = roles.pop() if len(roles) == 1 else ""
        if role == RESPONDENT_ID:
            return ColumnMatch(RESPONDENT_ID, f"respondent id ({how})", role=role)
        return ColumnMatch(IGNORE, f"export metadata ({how})", role=role)

    def is_timing_text(self, text: str) -> bool:
        """LimeSurvey's "Group time: <group>" / "Question time: <code>" heading in any language."""
        norm = normal_text(html.unescape(text))
        for prefix in self.metadata.timing_prefixes:
            if norm.startswith(prefix) and norm[len(prefix) :].lstrip().startswith(":"):
                return True
        return False

    def timing(self, name: str) -> bool:
        """True for LimeSurvey's timing columns (savetimings): codes, translated headings, or both."""
        if self.is_timing_text(name):
            return True
        text = name.strip()
        match = TIMING_CODE.match(text)
        if match is None:
            folded = text.casefold()
            code = next((c for c, _ in self.codes if folded.startswith(c + "time")), None)
            end = len(code) + 4 if code is not None else None
        else:
            end = match.end()
        if end is None:
            return False
        rest = text[end:].lstrip(" .:-_|")
        fields = self.metadata.headings.get(heading_key(rest), frozenset())
        return rest == "" or self.is_timing_text(rest) or "interviewtime" in fields

    def code_and_text(self, name: str) -> ColumnMatch | None:
        """A "Question code & question text" heading: a code, a separator (or none), the text.

        With a separator (``fig01. Text``, ``id. Svar-ID``) the code decides; without one (RemoteControl writes
        ``fig01Text``, ``idSvar-ID``) the text must be the item's question text (or the field's heading)
        exactly, so ``fig1`` + ``0Text`` is never read as ``fig10``.
        """
        text = name.strip()
        folded = text.casefold()
        for code, item in self.codes:
            if not folded.startswith(code) or len(text) == len(code):
                continue
            rest = text[len(code) :]
            separated = not rest[0].isalnum()
            words = text_key(rest)
            titled = self.titles.get(words, set()) if words else set()
            if item in titled:
                return ColumnMatch(item, "question code and text")
            if titled:  # the code names one item, the text another: never a guess
                others = tuple(i for i in self.instrument.item_ids if i in titled | {item})
                return ColumnMatch(None, "ambiguous", others)
            if separated and any(ch.isalpha() for ch in words):
                return ColumnMatch(item, "question code (with a question text that differs from the instrument's)")
            if not separated and words and not self.metadata.headings.get(heading_key(rest)):
                return ColumnMatch(None, "unknown")  # a code run into a text that is not its question
        for code, field_name in self.field_codes:
            if not folded.startswith(code) or len(text) == len(code):
                continue
            rest = text[len(code) :]
            if field_name in self.metadata.headings.get(heading_key(rest), frozenset()) or (
                not rest[0].isalnum() and self.cut_heading(field_name, rest)
            ):
                return self.field_match({field_name}, "LimeSurvey code and heading")
        return None

    def cut_heading(self, field_name: str, text: str) -> bool:
        """True when *text* is the start of one of the field's headings cut by LimeSurvey ("Text abbreviated")."""
        stripped = text.strip()
        if not ABBREVIATED.search(stripped):
            return False
        start = heading_key(ABBREVIATED.sub("", stripped))
        return bool(start) and any(
            key.startswith(start) for key, fields in self.metadata.headings.items() if field_name in fields
        )

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
            role = self.metadata.role(key)
            if role == RESPONDENT_ID:
                return ColumnMatch(RESPONDENT_ID, "respondent id (export metadata)", role=role)
            return ColumnMatch(IGNORE, "export metadata", role=role)
        if key and self.timing(name):
            return ColumnMatch(IGNORE, "export metadata (LimeSurvey timing)")
        heading = self.heading_field(name) if key else None
        if heading is not None:
            return heading
        combined = self.code_and_text(name) if key else None
        if combined is not None:
            return combined
        first = self.by_text(name, approximate=approximate) if key else ColumnMatch(None, "unknown")
        if first.target is not None or first.how == "ambiguous" or not description:
            return first
        second = self.by_text(description, approximate=approximate)
        if second.target is not None:
            return ColumnMatch(
                second.target, second.how.replace("question text", "question text stored with the column")
            )
        return second
