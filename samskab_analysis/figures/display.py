"""Tables shown in notebooks in two forms: text (compared by nbval) and HTML (read on the site).

``show_table(df, lang)`` displays one output with both ``text/plain`` (exactly the shown table's
``to_string(index=False)``, so nbval keeps comparing the numbers) and ``text/html``: numbers right-aligned and
never wrapped, and when the table has a ``provenance`` column each row carries its provenance as a class, a
colour and a marker (``*`` assumed, ``†`` derived) so the provenance of every cell is visible.

With *lang*, the table is shown in that language (:func:`localize`): column names from
``data/raw/site/columns.csv``, coded values (provenance kinds, statuses, verdicts, rules, methods …) from
``values.csv``, item, level, partner and category ids from the instrument.  Deterministic.

Under ``--min-count`` a table (or text) carries the record of what its numbers publish
(:mod:`samskab_analysis.stats.registry`); ``show_table``, ``print_table`` and ``print_text`` write it into
the output's metadata, where the run's disclosure audit reads it back (the record of the table before it is
translated: translating changes words, never numbers). Without a record and a language ``print_table`` and
``print_text`` print exactly as ``print`` does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from samskab_analysis.data.count_table import MISSING
from samskab_analysis.data.labels import COLUMNS_FILE, VALUES_FILE, label_table
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.stats.registry import KEY, record_of

MARKERS = {"assumed": "*", "derived": "†", "derived_under_assumption": "(*)"}
ROW_STYLE = {"assumed": "background:#fff4e0", "derived": "background:#eef5fb",
             "derived_under_assumption": "background:#fff4e0"}  # fmt: skip
#: Separators of a list of codes in one cell (``very_high+high``, ``assumed,stated``) and how a list is shown.
LISTS = (("+", " + "), (",", ", "), (";", "; "), (" | ", " | "), ("|", ", "))
#: ``head: code`` (``assumption: adjacent_below``) where both parts are known codes.
PREFIXED = re.compile(r"^([^:]+): (.+)$")
NUMBERS = re.compile(r"^[\d\s.,%–-]+$")
NUM_STYLE = "text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums"
HEAD_NUM_STYLE = "text-align:right"  # a long column name wraps; its numbers never do
TEXT_STYLE = "text-align:left"


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    text = str(value).strip().replace("−", "-")
    if not text:
        return False
    for sep in ("-", "–"):  # interval strings such as "56-97" stay right-aligned too
        parts = text.lstrip("-").split(sep)
        if 1 <= len(parts) <= 2 and all(p.replace(".", "", 1).replace(",", "", 1).isdigit() for p in parts if p):
            return True
    return text.startswith("<") and text[1:].isdigit()


def _numeric_columns(df: pd.DataFrame) -> list[int]:
    """Positions of the columns whose non-empty values all look like numbers (or intervals of numbers).

    By position: a translated table may show two columns under one name ("from … to" twice).
    """
    numeric = []
    for position in range(df.shape[1]):
        values = [v for v in df.iloc[:, position].tolist() if not (v is None or (isinstance(v, float) and pd.isna(v)))]
        if values and all(_is_number(v) for v in values):
            numeric.append(position)
    return numeric


#: The decimal mark of each language's tables (Danish and Norwegian write 0,25).
DECIMAL = {"da": ",", "no": ","}


def _cell(value: object, decimal: str = ".") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", decimal)
    return str(value)


def instrument_names(instrument, lang: str) -> dict[str, str]:
    """Item, level, partner and category ids of *instrument* with their names in *lang*."""
    names: dict[str, str] = {}
    if instrument is None:
        return names
    for _, row in instrument.scales.iterrows():
        names.setdefault(str(row["category_id"]), str(row[f"label_{lang}"]))
    for level_id in instrument.levels.index:
        names[str(level_id)] = str(instrument.levels.at[level_id, f"label_{lang}"])
    for partner_id in instrument.partners.index:
        names.setdefault(str(partner_id), str(instrument.partners.at[partner_id, f"label_{lang}"]))
    for item_id in instrument.item_ids:
        names[str(item_id)] = instrument.exhibit_name(item_id, lang)
    for missing in MISSING:  # "no answer", "not reached": categories of a respondent file, not of a scale
        names.setdefault(missing, instrument.label(missing, lang))
    return names


def _patterns(words: Mapping[str, str]) -> list[tuple[re.Pattern[str], str]]:
    """Keys with ``{name}`` placeholders (``exact enumeration of {count} outcomes``) as regular expressions."""
    out = []
    for key, value in words.items():
        if "{" not in key:
            continue
        parts = re.split(r"\{([a-z_]+)\}", key)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((re.compile(f"^{regex}$"), value))
    return out


def translate_value(text: str, words: Mapping[str, str], patterns: list | None = None) -> str:
    """*text* in the reader's language when it is a known code, a pattern of ``values.csv`` (numbers kept), a list
    of codes or ``head: code``; else as is."""
    if text in words:
        return words[text]
    for pattern, value in patterns if patterns is not None else _patterns(words):
        match = pattern.match(text)
        if match:
            return value.format(**match.groupdict())
    for separator, joiner in LISTS:
        if separator in text:
            parts = [p.strip() for p in text.split(separator)]
            shown = [translate_value(p, words, patterns) for p in parts if p]
            known = [p in words or t != p for p, t in zip([p for p in parts if p], shown, strict=True)]
            if all(known) or (separator == ";" and any(known)):  # a note: its known parts translated
                return joiner.join(shown)
    match = PREFIXED.match(text)
    if match and match.group(1) in words:
        tail = match.group(2)
        if tail in words:
            return f"{words[match.group(1)]}: {words[tail]}"
        if NUMBERS.match(tail):  # "varying_degrees_with_low: 0-7"
            return f"{words[match.group(1)]}: {tail}"
    return text


def localize(
    df: pd.DataFrame,
    lang: str,
    instrument=None,
    data_dir: str | Path = DATA_DIR,
    keep: tuple[str, ...] = (),
    names: Mapping[str, str] | None = None,
    **fields: object,
) -> pd.DataFrame:
    """*df* for a reader of *lang*: column names and coded text values translated (numbers untouched).

    Column names come from ``columns.csv`` (``{name}`` placeholders filled from *fields*, e.g. ``n``), coded
    values from ``values.csv`` and *instrument* (item ids become ``Figur 7``, category ids their label);
    columns in *keep* are left as they are (ids a reader needs verbatim, e.g. statement ids); *names* adds
    ids of the caller's own (e.g. a corpus's framework elements) with their names in *lang*.
    """
    columns = label_table(COLUMNS_FILE, data_dir)
    values = label_table(VALUES_FILE, data_dir)
    words = {**instrument_names(instrument, lang), **{k: v[lang] for k, v in values.items()}, **(names or {})}
    patterns = _patterns(words)
    out = df.copy()
    for column in out.columns:
        if column in keep:
            continue
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = [v if not isinstance(v, str) else translate_value(v, words, patterns)
                           for v in series.tolist()]  # fmt: skip
        elif pd.api.types.is_bool_dtype(series):
            out[column] = [words.get(str(v).lower(), v) for v in series.tolist()]
    out.columns = [
        columns[str(c)][lang].format(**fields) if str(c) in columns else words.get(str(c), str(c)) for c in out.columns
    ]
    return out


def table_html(
    df: pd.DataFrame,
    provenance: str = "provenance",
    kinds: list[str] | None = None,
    legend_words: Mapping[str, str] | None = None,
    decimal: str = ".",
) -> str:
    """The table as HTML: a scrollable wrapper, aligned numbers (with *decimal* as the decimal mark), provenance
    per row (class, colour, marker).

    *kinds* gives each row's provenance code when the table's own column is already translated;
    *legend_words* names the markers' kinds under the table (only the kinds the table has).
    """
    numeric = set(_numeric_columns(df))
    head = "".join(
        f'<th style="{HEAD_NUM_STYLE if k in numeric else TEXT_STYLE}">{html.escape(str(c))}</th>'
        for k, c in enumerate(df.columns)
    )
    rows = []
    marked = min(numeric) if numeric else None  # the marker goes on the first number
    own = list(df.columns).index(provenance) if kinds is None and provenance in df.columns else None
    for number, record in enumerate(df.itertuples(index=False, name=None)):
        if kinds is not None:
            kind = kinds[number]
        else:
            kind = str(record[own]) if own is not None else ""
        attrs = f' class="prov-{html.escape(kind)}"' if kind else ""
        if kind in ROW_STYLE:
            tooltip = (legend_words or {}).get(kind, kind)  # the reader's word for the kind, not the code
            attrs += f' style="{ROW_STYLE[kind]}" title="{html.escape(tooltip)}"'
        cells = []
        for position, value in enumerate(record):
            text = html.escape(_cell(value, decimal))
            if position == marked and kind in MARKERS:
                text += MARKERS[kind]
            style = NUM_STYLE if position in numeric else TEXT_STYLE
            cells.append(f'<td style="{style}">{text}</td>')
        rows.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    legend = ""
    shown = set(kinds if kinds is not None else (df.iloc[:, own].astype(str) if own is not None else []))
    if legend_words and shown & set(MARKERS):
        legend = '<p class="samskab-legend" style="font-size:85%">' + " · ".join(
            f"{MARKERS[k]} {html.escape(legend_words[k])}" for k in MARKERS if k in shown and k in legend_words
        ) + "</p>"
    return (
        '<div class="samskab-table" data-source="notebook" style="overflow-x:auto;max-width:100%">'
        f'<table class="samskab"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f"{legend}</div>"
    )


class Table:
    """A DataFrame shown as text (``__repr__``) and HTML (``_repr_html_``), in *lang* when given."""

    def __init__(
        self,
        df: pd.DataFrame,
        provenance: str = "provenance",
        lang: str | None = None,
        instrument=None,
        keep: tuple[str, ...] = (),
        data_dir: str | Path = DATA_DIR,
        names: Mapping[str, str] | None = None,
        index: bool = False,
        **fields: object,
    ) -> None:
        self.df = df
        self.provenance = provenance
        self.index = index
        self.kinds = [str(k) for k in df[provenance]] if provenance in df.columns else None
        self.legend_words = None
        self.decimal = DECIMAL.get(lang or "", ".")
        if lang is not None:
            self.shown = localize(df, lang, instrument, data_dir, keep, names, **fields)
            values = label_table(VALUES_FILE, data_dir)
            self.legend_words = {k: values[k][lang] for k in MARKERS if k in values}
        else:
            self.shown = df

    def __repr__(self) -> str:
        return self.shown.to_string(index=self.index, decimal=self.decimal)

    def _repr_html_(self) -> str:
        shown = self.shown.reset_index() if self.index else self.shown
        return table_html(shown, self.provenance, self.kinds, self.legend_words, self.decimal)


class Text:
    """Plain text as one display output (under disclosure control: with its record)."""

    def __init__(self, text: str) -> None:
        self.text = str(text)

    def __repr__(self) -> str:
        return self.text


def _metadata(obj: object) -> dict:
    record = record_of(obj)
    return {KEY: record} if record else {}


def show_table(
    df: pd.DataFrame,
    lang: str | None = None,
    instrument=None,
    provenance: str = "provenance",
    keep: tuple[str, ...] = (),
    names: Mapping[str, str] | None = None,
    **fields: object,
) -> None:
    """Display *df* in a notebook as text and HTML (one output, two mimetypes), in *lang* when given; its record
    (under ``--min-count``) in the output's metadata."""
    from IPython.display import display

    display(Table(df, provenance, lang, instrument, keep, names=names, **fields), metadata=_metadata(df))


def print_table(
    df: pd.DataFrame,
    index: bool = False,
    lang: str | None = None,
    instrument=None,
    keep: tuple[str, ...] = (),
    names: Mapping[str, str] | None = None,
    **fields: object,
) -> None:
    """``print(df.to_string(index=index))`` (in *lang* when given); a table with a record is displayed with it
    (text + HTML)."""
    table = Table(df, "provenance", lang, instrument, keep, names=names, index=index, **fields)
    if record_of(df) is None:
        print(repr(table))
        return
    from IPython.display import display

    display(table, metadata=_metadata(df))


def print_text(text: str) -> None:
    """``print(text)``; text with a record (:class:`~samskab_analysis.stats.registry.PublishedText`) is displayed
    as one plain-text output with it."""
    if record_of(text) is None:
        print(text)
        return
    from IPython.display import display

    display(Text(text), metadata=_metadata(text))
