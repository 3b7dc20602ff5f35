"""Tables shown in notebooks in two forms: text (compared by nbval) and HTML (read on the site).

Under ``--min-count`` a table (or text) carries the record of what its numbers publish
(:mod:`samskab_analysis.stats.registry`); ``show_table``, ``print_table`` and ``print_text`` write it into
the output's metadata, where the run's disclosure audit reads it back. Without a record ``print_table`` and
``print_text`` print exactly as ``print`` does.

``show_table(df)`` displays one output with both ``text/plain`` (exactly ``df.to_string(index=False)``,
so nbval keeps comparing the numbers) and ``text/html``: numbers right-aligned and never wrapped, and
when the table has a ``provenance`` column each row carries its provenance as a class, a colour and a
marker (``*`` assumed, ``†`` derived) so the provenance of every cell is visible.  Deterministic.
"""

from __future__ import annotations

import html

import pandas as pd

from samskab_analysis.stats.registry import KEY, record_of

MARKERS = {"assumed": "*", "derived": "†"}
ROW_STYLE = {"assumed": "background:#fff4e0", "derived": "background:#eef5fb"}
NUM_STYLE = "text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums"
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


def _numeric_columns(df: pd.DataFrame) -> list[str]:
    """Columns whose non-empty values all look like numbers (or intervals of numbers)."""
    numeric = []
    for column in df.columns:
        values = [v for v in df[column].tolist() if not (v is None or (isinstance(v, float) and pd.isna(v)))]
        if values and all(_is_number(v) for v in values):
            numeric.append(column)
    return numeric


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table_html(df: pd.DataFrame, provenance: str = "provenance") -> str:
    """The table as HTML: a scrollable wrapper, aligned numbers, provenance per row (class, colour, marker)."""
    numeric = set(_numeric_columns(df))
    head = "".join(
        f'<th style="{NUM_STYLE if c in numeric else TEXT_STYLE}">{html.escape(str(c))}</th>' for c in df.columns
    )
    rows = []
    has_prov = provenance in df.columns
    marked = next((c for c in df.columns if c in numeric), None)  # the marker goes on the first number
    for record in df.to_dict("records"):
        kind = str(record.get(provenance, "")) if has_prov else ""
        attrs = f' class="prov-{html.escape(kind)}"' if kind else ""
        if kind in ROW_STYLE:
            attrs += f' style="{ROW_STYLE[kind]}" title="{html.escape(kind)}"'
        cells = []
        for column in df.columns:
            text = html.escape(_cell(record[column]))
            if column == marked and kind in MARKERS:
                text += MARKERS[kind]
            style = NUM_STYLE if column in numeric else TEXT_STYLE
            cells.append(f'<td style="{style}">{text}</td>')
        rows.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    legend = ""
    if has_prov and set(df[provenance]) & set(MARKERS):
        legend = '<p class="samskab-legend" style="font-size:85%">* assumed · † derived</p>'
    return (
        '<div class="samskab-table" data-source="notebook" style="overflow-x:auto;max-width:100%">'
        f'<table class="samskab"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f"{legend}</div>"
    )


class Table:
    """A DataFrame shown as text (``__repr__``) and HTML (``_repr_html_``)."""

    def __init__(self, df: pd.DataFrame, provenance: str = "provenance", index: bool = False) -> None:
        self.df = df
        self.provenance = provenance
        self.index = index

    def __repr__(self) -> str:
        return self.df.to_string(index=self.index)

    def _repr_html_(self) -> str:
        return table_html(self.df.reset_index() if self.index else self.df, self.provenance)


class Text:
    """Plain text as one display output (under disclosure control: with its record)."""

    def __init__(self, text: str) -> None:
        self.text = str(text)

    def __repr__(self) -> str:
        return self.text


def _metadata(obj: object) -> dict:
    record = record_of(obj)
    return {KEY: record} if record else {}


def show_table(df: pd.DataFrame, provenance: str = "provenance") -> None:
    """Display *df* in a notebook as text and HTML (one output, two mimetypes; its record in the metadata)."""
    from IPython.display import display

    display(Table(df, provenance), metadata=_metadata(df))


def print_table(df: pd.DataFrame, index: bool = False) -> None:
    """``print(df.to_string(index=index))``; a table with a record is displayed with it (text + HTML)."""
    if record_of(df) is None:
        print(df.to_string(index=index))
        return
    from IPython.display import display

    display(Table(df, index=index), metadata=_metadata(df))


def print_text(text: str) -> None:
    """``print(text)``; text with a record (:class:`~samskab_analysis.stats.registry.PublishedText`) is displayed
    as one plain-text output with it."""
    if record_of(text) is None:
        print(text)
        return
    from IPython.display import display

    display(Text(text), metadata=_metadata(text))
