"""The explorer's widgets (ipywidgets): thin wiring of :mod:`.published`, :mod:`.cohort` and :mod:`.views`.

:func:`explorer_app` returns the whole app as one widget; ``notebooks/explore.ipynb`` displays it (JupyterLab)
and ``samskab explore`` serves that notebook with Voilà.  Every widget a test or a stylesheet needs has a CSS
class ``samskab-…`` (``samskab-item``, ``samskab-lang``, ``samskab-cell-<category>``, ``samskab-figure``,
``samskab-comparisons``, ``samskab-sentence``, ``samskab-save``, ``samskab-reset``, ``samskab-status``,
``samskab-filter``, ``samskab-filter-value``).
"""

from __future__ import annotations

import gc
import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from samskab_analysis.data.strings import Strings
from samskab_analysis.explore.cohort import Cohort
from samskab_analysis.explore.figure import FigureDrawer
from samskab_analysis.explore.published import WhatIf
from samskab_analysis.explore.texts import explore_strings
from samskab_analysis.explore.views import ViewCache, cell_rows, comparison_lines, html_table, item_figure, item_texts
from samskab_analysis.output import check_out_dir
from samskab_analysis.paths import DATA_DIR, LANGS, SCRATCH_DIR, check_lang

#: where "Save" writes by default (git-ignored, like every notebook run by hand)
DEFAULT_OUT = SCRATCH_DIR / "explore"
SAVED_NAME = "assumptions.csv"


def settle() -> None:
    """Collect, then freeze what is alive (``gc.freeze``), after start-up and after each refresh.

    What is alive then is long-lived (the model's tables and caches); a full collection during a control change
    would otherwise scan all of it (~0.2 s for the published study after :meth:`ExplorerApp.prepare`, growing
    with every cached table).  Afterwards a collection scans only what was made since, so this costs ~2 ms.
    Frozen objects are still freed by reference counting; only reference cycles among them stay (the app's
    caches, kept for the session anyway).
    """
    gc.collect()
    gc.freeze()


def _html(css: str, value: str = "") -> widgets.HTML:
    w = widgets.HTML(value)
    w.add_class(css)
    return w


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _lines(lines: tuple[str, ...] | list[str], empty: str) -> str:
    if not lines:
        return f"<p>{html.escape(empty)}</p>"
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


class ExplorerApp:
    """The widgets and their wiring; ``widget`` is what a notebook displays."""

    def __init__(
        self,
        responses: str | Path | None = None,
        *,
        lang: str = "da",
        item: str | int = "fig09",
        data_dir: str | Path = DATA_DIR,
        column_map: str | Path | None = None,
        sheet: str | None = None,
        min_count: int = 0,
        output_dir: str | Path = DEFAULT_OUT,
        model: WhatIf | Cohort | None = None,
    ) -> None:
        self.lang = check_lang(lang)
        self.strings = explore_strings(data_dir)
        if model is not None:
            self.model = model
        elif responses:
            self.model = Cohort(responses, data_dir, column_map=column_map, sheet=sheet, min_count=min_count)
        else:
            self.model = WhatIf(data_dir, prepare=False)
        self.cohort = isinstance(self.model, Cohort)
        self.min_count = self.model.min_count if self.cohort else 0
        self.out_dir = check_out_dir(output_dir, input_dirs=(Path(data_dir),), what="output_dir")
        study = self.model.study if self.cohort else self.model.base
        self.instrument = study.instrument
        self.item = self.instrument.resolve_item(item)
        self.filter = ("", "")
        #: the item's figure, and its intervals, claims and sentence, by what they depend on (:class:`ViewCache`)
        self.views = ViewCache()
        #: live item figures, updated in place when only counts move (:class:`FigureDrawer`)
        self.drawer = FigureDrawer()
        self._quiet = False
        self._build()
        settle()

    # --- layout ------------------------------------------------------------------------------------------

    @property
    def say(self) -> Strings:
        return Strings(self.strings, self.lang)

    def _build(self) -> None:
        say = self.say
        self.title = _html("samskab-title")
        self.item_select = widgets.Dropdown(description=say("explore_item"), layout=widgets.Layout(width="640px"))
        self.item_select.add_class("samskab-item")
        self.lang_select = widgets.ToggleButtons(options=list(LANGS), value=self.lang, description=say("explore_lang"))
        self.lang_select.add_class("samskab-lang")
        self.cells = widgets.VBox()
        self.cells.add_class("samskab-cells")
        self.figure = _html("samskab-figure")
        self.table = _html("samskab-table")
        self.claims = _html("samskab-claims")
        self.comparisons = _html("samskab-comparisons")
        self.sentence = _html("samskab-sentence")
        self.status = _html("samskab-status")
        self.reset_button = widgets.Button(layout=widgets.Layout(width="auto"))
        self.reset_button.add_class("samskab-reset")
        self.save_button = widgets.Button(button_style="primary", layout=widgets.Layout(width="auto"))
        self.save_button.add_class("samskab-save")
        self.filter_select = widgets.Dropdown(layout=widgets.Layout(width="420px"))
        self.filter_select.add_class("samskab-filter")
        self.value_select = widgets.Dropdown(layout=widgets.Layout(width="320px"))
        self.value_select.add_class("samskab-filter-value")
        self.item_select.observe(self._on_item, names="value")
        self.lang_select.observe(self._on_lang, names="value")
        self.reset_button.on_click(self._on_reset)
        self.save_button.on_click(self._on_save)
        self.filter_select.observe(self._on_filter, names="value")
        self.value_select.observe(self._on_value, names="value")
        controls = (
            [widgets.HBox([self.filter_select, self.value_select])]
            if self.cohort
            else [self.cells, widgets.HBox([self.reset_button, self.save_button]), self.status]
        )
        self.headings = {k: _html("samskab-heading") for k in ("table", "claims", "comparisons", "sentence")}
        self.widget = widgets.VBox(
            [
                self.title,
                widgets.HBox([self.item_select, self.lang_select]),
                *controls,
                self.figure,
                self.headings["table"],
                self.table,
                self.headings["claims"],
                self.claims,
                self.headings["comparisons"],
                self.comparisons,
                self.headings["sentence"],
                self.sentence,
            ]
        )
        self.widget.add_class("samskab-explorer")
        self._relabel()

    def _relabel(self) -> None:
        """Every text in the current language; then the item's controls and outputs."""
        say, inst = self.say, self.instrument
        self._quiet = True
        if self.cohort:
            study = self.model.study
            title = say("explore_title_cohort", label=study.label, n=study.n)
            intro = say("explore_intro_cohort")
            if self.min_count:
                intro += " " + say("explore_min_count", k=self.min_count)
        else:
            title, intro = say("explore_title"), say("explore_intro")
        self.title.value = f"<h2>{html.escape(title)}</h2><p>{html.escape(intro)}</p>"
        self.item_select.description = say("explore_item")
        self.item_select.options = [
            (f"{inst.exhibit_name(i, self.lang)}: {inst.title(i, self.lang)}", i) for i in inst.item_ids
        ]
        self.item_select.value = self.item
        self.lang_select.description = say("explore_lang")
        self.reset_button.description = say("explore_reset")
        self.save_button.description = say("explore_save")
        headings = {"table": "explore_intervals_heading", "claims": "explore_claims_heading",
                    "comparisons": "explore_comparisons_heading", "sentence": "explore_sentence_heading"}  # fmt: skip
        for key, heading in headings.items():
            self.headings[key].value = f"<h3>{html.escape(say(heading))}</h3>"
        if self.cohort:
            self._filter_options()
        self._quiet = False
        self._item_controls()
        self.refresh()

    def _filter_options(self) -> None:
        say, inst = self.say, self.instrument
        options = [(say("explore_filter_none"), "")]
        options += [(say("explore_filter_metadata", column=c), f"meta:{c}") for c in self.model.metadata_columns()]
        options += [
            (say("explore_filter_item", exhibit=inst.exhibit_name(i, self.lang)), f"item:{i}") for i in inst.item_ids
        ]
        self.filter_select.description = say("explore_filter_by")
        self.filter_select.options = options
        self.filter_select.value = self.filter[0]
        self._value_options()

    def _value_options(self) -> None:
        key = self.filter[0]
        self.value_select.description = self.say("explore_filter_value")
        if not key:
            self.value_select.options, self.value_select.disabled = [("–", "")], True
            self.value_select.value = ""
            return
        values = self.model.values(key)
        if key.startswith("item:"):
            scale = self.instrument.items.at[key[5:], "scale_id"]
            labels = [self.instrument.category_label(scale, v, self.lang) if v != "no_answer"
                      else self.instrument.label("no_answer", self.lang) for v in values]  # fmt: skip
        else:
            labels = values
        self.value_select.options = list(zip(labels, values, strict=True))
        self.value_select.disabled = False
        value = self.filter[1] if self.filter[1] in values else values[0]
        self.value_select.value = value
        self.filter = (key, value)

    def _item_controls(self) -> None:
        """One row per category: a choice of values for an assumed cell, the fixed value and its source else."""
        if self.cohort:
            return
        say = self.say
        heading = f"<h3>{html.escape(say('explore_assumed_heading'))}</h3>"
        rows: list[widgets.Widget] = [_html("samskab-heading", heading)]
        self.cell_selects: dict[str, widgets.Dropdown] = {}
        choices = self.model.choices(self.item)
        fixed = []
        for cell in cell_rows(self.model.study(), self.item, self.lang):
            category = cell["category_id"]
            if category in choices:
                select = widgets.Dropdown(
                    options=[str(v) for v in choices[category]],
                    value=str(cell["count"]),
                    description=str(cell["label"]),
                    style={"description_width": "220px"},
                    layout=widgets.Layout(width="340px"),
                )
                select.add_class(f"samskab-cell-{category}")
                select.observe(lambda change, c=category: self._on_cell(c, change), names="value")
                self.cell_selects[category] = select
                rows.append(select)
            else:
                fixed.append(cell)
        if not choices:
            rows.append(_html("samskab-none", f"<p>{html.escape(say('explore_none_assumed'))}</p>"))
        if fixed:
            table = [
                {say("explore_col_category"): c["label"], say("explore_col_count"): c["count"],
                 say("explore_col_provenance"): c["provenance_text"], say("explore_col_source"): c["source"]}
                for c in fixed
            ]  # fmt: skip
            rows.append(_html("samskab-heading", f"<h4>{html.escape(say('explore_fixed_heading'))}</h4>"))
            rows.append(_html("samskab-fixed", html_table(pd.DataFrame(table))))
        self.cells.children = rows

    # --- events ------------------------------------------------------------------------------------------

    def _on_item(self, change) -> None:
        if self._quiet or change["new"] is None:
            return
        self.item = change["new"]
        self._item_controls()
        self.refresh()

    def _on_lang(self, change) -> None:
        self.lang = change["new"]
        self._relabel()

    def _on_cell(self, category: str, change) -> None:
        if self._quiet:
            return
        self.set_cell(category, int(change["new"]))

    def set_cell(self, category: str, value: int) -> None:
        """Set one assumed cell of the current item; the item's other controls follow; outputs refresh."""
        counts = self.model.set_cell(self.item, category, value)
        self._quiet = True
        for other, select in self.cell_selects.items():
            select.value = str(counts[other])
        self._quiet = False
        self.refresh()

    def _on_reset(self, _button=None) -> None:
        self.model.reset()
        self._item_controls()
        self.refresh()

    def _on_save(self, _button=None) -> Path:
        path = self.model.save(self.out_dir / SAVED_NAME)
        self.status.value = f"<p>{html.escape(self.say('explore_saved', path=str(path)))}</p>"
        return path

    def _on_filter(self, change) -> None:
        if self._quiet:
            return
        self.filter = (change["new"] or "", "")
        self._quiet = True
        self._value_options()
        self._quiet = False
        self.refresh()

    def _on_value(self, change) -> None:
        if self._quiet:
            return
        self.filter = (self.filter[0], change["new"] or "")
        self.refresh()

    def prepare(self) -> None:
        """The slow, once-only part (published study: the comparisons over every consistent table), then refresh.

        Called after the app is on screen, so the controls show at once; changes made meanwhile wait their turn.
        """
        if not self.cohort:
            self.model.prepare()
            settle()
            self.refresh()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)

    # --- outputs -----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute and show the current item's figure, intervals, claims, comparisons and sentence."""
        say = self.say
        if self.cohort:
            group = self.model.subgroup(*self.filter)
            if group.study is None:
                message = say("explore_too_few", n=group.n, rest=group.rest, k=self.min_count)
                for w in (self.figure, self.table, self.claims, self.comparisons, self.sentence):
                    w.value = ""
                self.figure.value = f"<p class='samskab-too-few'>{html.escape(message)}</p>"
                return
            study, table, every = group.study, self.model.comparison_table(*self.filter), None
            note = say("explore_subgroup", n=group.n, total=self.model.study.n) if self.filter[0] else ""
        else:
            study, table, every = self.model.study(), self.model.comparison_table(), self.model.every_table
            changed = self.model.changed()
            names = ", ".join(self.instrument.exhibit_name(i, self.lang) for i in changed)
            self.status.value = _p(say("explore_changed", items=names) if changed else say("explore_unchanged"))
            note = ""
        key = self.model.item_key(self.item, *self.filter) if self.cohort else self.model.item_key(self.item)
        item, lang, k = self.item, self.lang, self.min_count
        texts = self.views.get(("texts", key, lang, k), lambda: item_texts(study, item, lang, self.strings, k))
        lines = comparison_lines(study, item, table, say, lang, every, k)
        self.table.value = html_table(texts.table)
        self.claims.value = html_table(texts.claims) if len(texts.claims) else _p(say("explore_no_claims"))
        self.comparisons.value = _lines(lines, say("explore_no_comparisons"))
        self.sentence.value = f"<p>{html.escape(texts.sentence)}</p>"
        # the figure last: the numbers above are on screen while it is drawn
        figure = self.views.get(("figure", key, lang, k), lambda: item_figure(study, item, lang, k, self.drawer))
        self.figure.value = (f"<p>{html.escape(note)}</p>" if note else "") + figure
        settle()


def explorer_app(responses: str | Path | None = None, **options) -> ExplorerApp:
    """The explorer (see :class:`ExplorerApp` for the options); a notebook shows it as its last expression's value,
    then calls ``app.prepare()``."""
    return ExplorerApp(responses, **options)
