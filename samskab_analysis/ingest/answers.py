"""Parse one answer cell into a category id of an item's scale.

Accepted: labels in Danish, Norwegian or English (``scales.csv``; any letter case, stray or
non-breaking spaces, a leading Excel apostrophe, trailing ``.``), with or without a leading ``i``
(``meget høj grad``), the scale's numeric codes (``5``, ``5.0``, ``5,0``), category ids, code and label
together (``5 - I meget høj grad``, ``5: ...``, ``(5) ...``, ``... (5)``; the label decides), and the
aliases of ``instrument/answer_aliases.csv`` (e.g. ``Ved ikke / ikke relevant`` = don't know;
``N/A``, ``-``, ``.``, ``99`` = no answer). SPSS: the value label of a code decides when present,
otherwise the code (user-missing codes are values: ``9`` = don't know, ``99`` = no answer). Anything
else is not on the scale (``None``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from samskab_analysis.data.count_table import NO_ANSWER
from samskab_analysis.data.csv_reader import LINE, check_allowed, check_required_values, read_table
from samskab_analysis.data.errors import Problem, raise_if
from samskab_analysis.data.instrument import Instrument
from samskab_analysis.ingest.text import normal_text
from samskab_analysis.paths import DATA_DIR, LANGS

ALIAS_FILE = "answer_aliases.csv"
CODE_THEN_LABEL = re.compile(r"^\(?\s*(-?\d{1,3})\s*(?:[).:=\-–—]\s*|\s+)(\D.*)$")
LABEL_THEN_CODE = re.compile(r"^(\D.*?)\s*[(\[]\s*(-?\d{1,3})\s*[)\]]$")
LABEL_PREFIXES = ("i ", "to a ", "to ")
CODE = re.compile(r"^(-?[0-9]{1,15})(?:[.,]0+)?$", re.ASCII)


def answer_key(value: object) -> str:
    """An answer reduced for matching: case, spacing, a leading ``'``, spaces around ``/``, end punctuation."""
    text = normal_text(value).lstrip("'").strip()
    text = re.sub(r"\s*/\s*", " / ", text)
    stripped = text.strip(" .:;!?")
    return stripped or text


def code_text(text: str) -> str | None:
    """``'5'``, ``'5.0'``, ``'5,0'`` -> ``'5'``; None when *text* is not a plain whole number.

    Only digits (with an optional minus and a zero decimal part) are codes: ``1e0``, ``+5``, ``5_0``, ``0x5``,
    ``inf`` or ``5.5`` are not.
    """
    match = CODE.match(text.strip().lstrip("'"))
    return str(int(match.group(1))) if match else None


def load_answer_aliases(instrument: Instrument, data_dir: str | Path = DATA_DIR) -> dict[str, dict[str, str]]:
    """``{scale_id: {answer key: category id or ''}}`` from ``instrument/answer_aliases.csv`` (validated)."""
    path = Path(data_dir) / "instrument" / ALIAS_FILE
    scale_ids = sorted(set(instrument.scales["scale_id"]))
    out: dict[str, dict[str, str]] = {s: {} for s in scale_ids}
    if not path.is_file():
        return out
    frame = read_table(path, ["alias", "scale_id", "category_id", "note"], what="answer aliases")
    problems = check_required_values(frame, ["alias", "category_id"])
    problems += check_allowed(frame, "scale_id", scale_ids, optional=True)
    raise_if(problems)
    first: dict[tuple[str, str], int] = {}
    categories = {s: [*instrument.categories(s), NO_ANSWER] for s in scale_ids}
    for alias, scale, category, line in zip(
        frame["alias"], frame["scale_id"], frame["category_id"], frame[LINE], strict=True
    ):
        targets = [scale] if scale else scale_ids
        key = answer_key(alias)
        for scale_id in targets:
            allowed = categories[scale_id]
            if category not in allowed:
                problems.append(
                    Problem(
                        file=str(path),
                        row=int(line),
                        column="category_id",
                        message=f"not a category of scale {scale_id}",
                        value=category,
                        allowed=allowed,
                    )
                )
                continue
            if (scale_id, key) in first:
                problems.append(
                    Problem(
                        file=str(path),
                        row=int(line),
                        column="alias",
                        message=f"alias repeats row {first[scale_id, key]} for scale {scale_id}",
                        value=alias,
                    )
                )
                continue
            first[scale_id, key] = int(line)
            out[scale_id][key] = "" if category == NO_ANSWER else category
    raise_if(problems)
    return out


def _builtin_lookup(instrument: Instrument, scale_id: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    problems = []
    for category, row in instrument.scale_rows(scale_id).iterrows():
        keys = {answer_key(category), answer_key(str(category).replace("_", " ")), str(int(row["code"]))}
        for lang in LANGS:
            label = answer_key(row[f"label_{lang}"])
            keys.add(label)
            keys |= {label[len(p) :] for p in LABEL_PREFIXES if label.startswith(p) and len(label) > len(p) + 3}
        for key in keys:
            if lookup.get(key, category) != category:
                problems.append(
                    Problem(
                        file="scales.csv",
                        row=int(row[LINE]),
                        message=f"answer '{key}' would mean both {lookup[key]} and {category} on scale {scale_id}",
                    )
                )
            lookup[key] = category
    raise_if(problems)
    return lookup


def answer_lookup(
    instrument: Instrument,
    scale_id: str,
    data_dir: str | Path = DATA_DIR,
    aliases: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, str]:
    """Every accepted spelling of an answer on *scale_id* (see :func:`answer_key`) -> category id (``''`` = blank)."""
    lookup = _builtin_lookup(instrument, scale_id)
    if aliases is None:
        aliases = load_answer_aliases(instrument, data_dir)
    problems = []
    for key, category in aliases.get(scale_id, {}).items():
        if key in lookup and lookup[key] != category:
            problems.append(
                Problem(
                    file=ALIAS_FILE,
                    column="alias",
                    message=f"alias '{key}' contradicts scales.csv, where it means {lookup[key]} on scale {scale_id}",
                    value=category or NO_ANSWER,
                )
            )
        lookup.setdefault(key, category)
    raise_if(problems)
    return lookup


def allowed_answers(instrument: Instrument, scale_id: str) -> list[str]:
    """One line per category for error messages: code / id / labels."""
    out = []
    for category, row in instrument.scale_rows(scale_id).iterrows():
        labels = " / ".join(dict.fromkeys(str(row[f"label_{lang}"]) for lang in LANGS))
        out.append(f"{int(row['code'])} / {category} / {labels}")
    return [*out, "blank (no answer)", f"or an alias of instrument/{ALIAS_FILE}"]


@dataclass(frozen=True)
class AnswerText:
    """What one distinct answer text says, independent of the scale: read once per text, then looked up."""

    key: str  # the text reduced by :func:`answer_key`
    code: str | None  # the whole number it writes, if any
    label: str | None  # the label of ``5 - label`` / ``label (5)``, if any
    blank: bool


def read_answer_text(text: str) -> AnswerText:
    """The scale-independent reading of an answer text (the per-text parser: called once per distinct text)."""
    key = answer_key(text)
    label = None
    for pattern, label_group in ((CODE_THEN_LABEL, 2), (LABEL_THEN_CODE, 1)):
        match = pattern.match(key)
        if match:
            label = answer_key(match.group(label_group))
            break
    return AnswerText(key, code_text(text), label, text.strip() == "" or key == "")


def resolve_answer(answer: AnswerText, lookup: Mapping[str, str]) -> str | None:
    """Category id of an answer text read by :func:`read_answer_text` on one scale; None if not on it."""
    if answer.key in lookup:
        return lookup[answer.key]
    if answer.code is not None:
        return lookup.get(answer.code)
    if answer.label is not None:
        return lookup.get(answer.label)  # the label decides: the code may follow the survey tool's numbering
    return None


def parse_text_answer(text: str, lookup: Mapping[str, str]) -> str | None:
    """Category id of an answer written as text, code, or code and label together; None if unknown."""
    return resolve_answer(read_answer_text(text), lookup)


def parse_answer(text: str, lookup: Mapping[str, str], value_label: str | None = None) -> str | None:
    """Category id of one cell (``""`` for blank or a no-answer alias), or None when it is not on the scale.

    An SPSS value label, when the code has one, decides over the code.
    """
    if value_label is not None:
        return parse_text_answer(value_label, lookup)
    answer = read_answer_text(text)
    return "" if answer.blank else resolve_answer(answer, lookup)
