"""The questionnaire as data: items, answer scales, levels, partners and UI labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from samskab_analysis.data.csv_reader import (
    LINE,
    check_allowed,
    check_parse,
    check_required_values,
    check_unique,
    parse_bool,
    parse_int,
    read_table,
)
from samskab_analysis.data.errors import DataValidationError, Problem, raise_if
from samskab_analysis.paths import DATA_DIR, LANGS, check_lang

SIDES = ("positive", "neutral", "negative", "none")
SCALE_COLUMNS = (
    "scale_id",
    "category_id",
    "order",
    "code",
    "score",
    "top_box",
    "substantive",
    "side",
    "color",
) + tuple(f"label_{lang}" for lang in LANGS)
ITEM_COLUMNS = (
    "item_id",
    "figure",
    "order",
    "level_id",
    "partner_id",
    "scale_id",
    "scale_basis",
    "section_da",
    "title_source",
) + tuple(f"title_{lang}" for lang in LANGS) + ("survey_code",)
LEVEL_COLUMNS = ("level_id", "order", "section_da", "unit") + tuple(f"label_{lang}" for lang in LANGS)
PARTNER_COLUMNS = ("partner_id",) + tuple(f"label_{lang}" for lang in LANGS)
LABEL_COLUMNS = ("key",) + LANGS
BASES = ("stated", "assumed")
#: what a level's items ask the respondent to rate: their own practice (person) or their library's (library)
UNITS = ("person", "library")
#: Question codes survey tools accept (LimeSurvey: a letter, then letters or digits, at most 20 characters).
SURVEY_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")


@dataclass(frozen=True)
class Instrument:
    """Validated questionnaire tables, indexed by their ids."""

    items: pd.DataFrame
    scales: pd.DataFrame
    levels: pd.DataFrame
    partners: pd.DataFrame
    labels: pd.DataFrame

    @property
    def item_ids(self) -> list[str]:
        """Item ids in report order."""
        return list(self.items.sort_values("order").index)

    @cached_property
    def _scale_frames(self) -> dict[str, pd.DataFrame]:
        """Rows of every scale indexed by category id, in display order (looked up once; lookups are hot)."""
        return {
            str(scale_id): rows.sort_values("order").set_index("category_id")
            for scale_id, rows in self.scales.groupby("scale_id", sort=False)
        }

    @cached_property
    def _category_labels(self) -> dict[tuple[str, str], dict[str, str]]:
        """``{(scale_id, lang): {category_id: label}}``."""
        return {
            (scale_id, lang): {str(c): str(v) for c, v in rows[f"label_{lang}"].items()}
            for scale_id, rows in self._scale_frames.items()
            for lang in LANGS
        }

    def categories(self, scale_id: str) -> list[str]:
        """Category ids of *scale_id* in display order."""
        rows = self._scale_frames.get(scale_id)
        return [] if rows is None else [str(c) for c in rows.index]

    def item_categories(self, item_id: str) -> list[str]:
        """Category ids of the scale of *item_id*."""
        return self.categories(self.items.at[item_id, "scale_id"])

    def scale_rows(self, scale_id: str) -> pd.DataFrame:
        """Rows of one scale indexed by category id (a copy: the caller may change it)."""
        rows = self._scale_frames.get(scale_id)
        if rows is None:
            return self.scales[self.scales["scale_id"] == scale_id].set_index("category_id")
        return rows.copy()

    def category_label(self, scale_id: str, category_id: str, lang: str = "da") -> str:
        """Label of a category in *lang*."""
        check_lang(lang)
        labels = self._category_labels.get((scale_id, lang), {})
        if category_id not in labels:
            return self.label(category_id, lang)
        return labels[category_id]

    def title(self, item_id: str, lang: str = "da") -> str:
        """Item title in *lang* (Danish as published)."""
        check_lang(lang)
        return str(self.items.at[item_id, f"title_{lang}"])

    def survey_code(self, item_id: str) -> str:
        """The item's question code in survey tools (``survey_code`` of items.csv, e.g. ``meetingplace``)."""
        return str(self.items.at[item_id, "survey_code"])

    def label(self, key: str, lang: str = "da") -> str:
        """A user-interface label in *lang* (falls back to the key)."""
        check_lang(lang)
        if key in self.labels.index:
            return str(self.labels.at[key, lang])
        return key

    def exhibit_name(self, item_id: str, lang: str = "da") -> str:
        """'Figur 7' or the meeting-place label."""
        check_lang(lang)
        figure = self.items.at[item_id, "figure"]
        if pd.isna(figure):
            return self.label(item_id, lang)
        return f"{self.label('figure', lang)} {int(figure)}"

    def resolve_item(self, key: str | int) -> str:
        """Turn a figure number (``7``, ``"7"``) or an item id into an item id."""
        text = str(key).strip()
        if text in self.items.index:
            return text
        if text.isdigit():
            match = self.items.index[self.items["figure"] == int(text)]
            if len(match) == 1:
                return str(match[0])
        raise DataValidationError(
            Problem(
                file="item parameter",
                message="unknown item",
                value=key,
                allowed=[*self.item_ids, *(str(int(f)) for f in self.items["figure"].dropna())],
            )
        )


def _parse_color(value: str) -> str:
    if len(value) != 7 or not value.startswith("#"):
        raise ValueError(value)
    int(value[1:], 16)
    return value


def _parse_survey_code(value: str) -> str:
    if not SURVEY_CODE.match(value):
        raise ValueError(value)
    return value


def load_scales(path: Path) -> pd.DataFrame:
    """Load and validate the answer scales file."""
    frame = read_table(path, SCALE_COLUMNS, what="scales")
    problems = check_required_values(frame, ["scale_id", "category_id", "order", "code"])
    problems += check_parse(frame, "order", parse_int, "a whole number")
    problems += check_parse(frame, "code", parse_int, "a whole number")
    problems += check_parse(frame, "score", float, "a number or blank", optional=True)
    problems += check_parse(frame, "top_box", parse_bool, "true or false")
    problems += check_parse(frame, "substantive", parse_bool, "true or false")
    problems += check_allowed(frame, "side", SIDES)
    problems += check_parse(frame, "color", _parse_color, "a colour like #1f5f99")
    problems += check_unique(frame, ["scale_id", "category_id"])
    problems += check_unique(frame, ["scale_id", "code"])
    raise_if(problems)
    frame["order"] = frame["order"].map(parse_int)
    frame["code"] = frame["code"].map(parse_int)
    frame["score"] = frame["score"].map(lambda v: float(v) if v != "" else float("nan"))
    frame["top_box"] = frame["top_box"].map(parse_bool)
    frame["substantive"] = frame["substantive"].map(parse_bool)
    for _, row in frame.iterrows():
        if row["substantive"] and pd.isna(row["score"]):
            problems.append(
                Problem(
                    file=str(path),
                    row=int(row[LINE]),
                    column="score",
                    message="a substantive category needs a numeric score",
                )
            )
    raise_if(problems)
    return frame


def load_items(path: Path, scales: pd.DataFrame, levels: pd.DataFrame, partners: pd.DataFrame) -> pd.DataFrame:
    """Load and validate the items file against scales, levels and partners."""
    frame = read_table(path, ITEM_COLUMNS, what="items")
    problems = check_required_values(frame, ["item_id", "order", "level_id", "partner_id", "scale_id", "title_da"])
    problems += check_unique(frame, ["item_id"])
    problems += check_required_values(frame, ["survey_code"])
    problems += check_parse(frame, "survey_code", _parse_survey_code, "a letter followed by letters or digits (max 20)")
    problems += check_unique(frame, ["survey_code"])
    problems += check_parse(frame, "figure", parse_int, "a whole number or blank", optional=True)
    problems += check_parse(frame, "order", parse_int, "a whole number")
    problems += check_allowed(frame, "scale_id", sorted(set(scales["scale_id"])))
    problems += check_allowed(frame, "level_id", list(levels.index))
    problems += check_allowed(frame, "partner_id", list(partners.index))
    problems += check_allowed(frame, "scale_basis", BASES)
    problems += check_allowed(frame, "title_source", ("published", "paraphrase", "translation"))
    raise_if(problems)
    frame["figure"] = pd.array([parse_int(v) if v != "" else pd.NA for v in frame["figure"]], dtype="Int64")
    frame["order"] = frame["order"].map(parse_int)
    numbered = frame[frame["figure"].notna()].assign(figure=lambda f: f["figure"].astype(str))
    raise_if(check_unique(numbered, ["figure"]))
    return frame.set_index("item_id", drop=False)


def _load_labelled(path: Path, columns: tuple[str, ...], key: str, what: str) -> pd.DataFrame:
    frame = read_table(path, columns, what=what)
    problems = check_required_values(frame, [key])
    problems += check_unique(frame, [key])
    if "order" in frame.columns:
        problems += check_parse(frame, "order", parse_int, "a whole number")
    raise_if(problems)
    if "order" in frame.columns:
        frame["order"] = frame["order"].map(parse_int)
    return frame.set_index(key, drop=False)


def load_instrument(data_dir: str | Path = DATA_DIR) -> Instrument:
    """Load and validate the whole questionnaire from ``<data_dir>/instrument``."""
    base = Path(data_dir) / "instrument"
    scales = load_scales(base / "scales.csv")
    levels = _load_labelled(base / "levels.csv", LEVEL_COLUMNS, "level_id", "levels")
    raise_if(check_allowed(levels, "unit", UNITS))
    partners = _load_labelled(base / "partners.csv", PARTNER_COLUMNS, "partner_id", "partners")
    labels = _load_labelled(base / "labels.csv", LABEL_COLUMNS, "key", "labels")
    items = load_items(base / "items.csv", scales, levels, partners)
    return Instrument(items=items, scales=scales, levels=levels, partners=partners, labels=labels)
