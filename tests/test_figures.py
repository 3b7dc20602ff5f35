"""Figures a reader can read on a phone: size and text, titles that wrap, legends that match, labels clear of marks.

Each figure is drawn into a temporary folder and its SVG read back (``reader_view.svg_text``): at most
:data:`layout.WIDTH` inches wide and no text smaller than :data:`layout.SMALL` pt, so that on a 390 px phone
(article 342 CSS px) every text is at least 9 CSS px; titles are whole (wrapped, never "…"); a legend names only
the kinds of cell the figure draws, each swatch in the colour of a bar it explains; Figure 7's brackets and their
labels touch neither each other nor a bar.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from reader_view import svg_text

from samskab_analysis.figures import layout
from samskab_analysis.figures.corpus import plot_by_framework, plot_timeline, plot_typology
from samskab_analysis.figures.exhibits import item_intervals
from samskab_analysis.figures.planning import plot_planning
from samskab_analysis.figures.plotting import plot_item, plot_overview, save_figure
from samskab_analysis.paths import DATA_DIR
from samskab_analysis.study import load_study

MAX_WIDTH = 4.8 * 72  # laid out 4.6 in wide; a label sticking out may add a few points


@pytest.fixture(scope="module")
def corpus(study):
    from samskab_analysis.corpus import load_corpus

    return load_corpus(instrument=study.instrument)


def drawn(fig, tmp_path: Path, stem: str) -> Path:
    path = save_figure(fig, stem, tmp_path, ["svg"])[0]
    plt.close(fig)
    return path


def figures(study, corpus, lang: str):
    from samskab_analysis.stats.planning import baseline_distribution, detectable_table, width_table

    yield "fig07", plot_item(study, "fig07", lang, intervals=item_intervals(study, "fig07"))
    yield "meeting_place", plot_item(study, "meeting_place", lang, intervals=item_intervals(study, "meeting_place"))
    yield "fig17", plot_item(study, "fig17", lang, intervals=item_intervals(study, "fig17"))
    yield "overview", plot_overview(study, lang)
    yield "timeline", plot_timeline(corpus, lang)
    yield "typology", plot_typology(corpus, study, lang)
    yield "frameworks", plot_by_framework(study, corpus, lang)
    widths = width_table(range(10, 101, 10))
    detectable = detectable_table(baseline_distribution(study), sizes=(10, 40), n_sim=200)
    yield "planning", plot_planning(widths, detectable, lang)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_figures_fit_a_phone_and_keep_their_text_whole(study, corpus, tmp_path: Path, lang: str) -> None:
    problems = []
    for name, fig in figures(study, corpus, lang):
        width, smallest, texts = svg_text(drawn(fig, tmp_path, f"{name}_{lang}"))
        if width > MAX_WIDTH:
            problems.append(f"{name}: {width:.0f} pt wide (at most {MAX_WIDTH:.0f})")
        if smallest < layout.SMALL - 1e-6:
            small = sorted({t for t, size in texts if size < layout.SMALL})[:3]
            problems.append(f"{name}: text of {smallest:g} pt {small}")
        if any(text.endswith(("…", "[…]", "...")) for text, _ in texts):
            problems.append(f"{name}: a shortened text")
        rendered = smallest * layout.PHONE_ARTICLE_PX / max(width, 1)
        if rendered < layout.MIN_RENDERED_PX:
            problems.append(f"{name}: {rendered:.1f} px on a phone")
    assert not problems, problems


def test_item_title_wraps_instead_of_being_cut(study, tmp_path: Path) -> None:
    title = f"{study.instrument.exhibit_name('fig16', 'da')}: {study.instrument.title('fig16', 'da')}"
    _, _, texts = svg_text(drawn(plot_item(study, "fig16", "da"), tmp_path, "fig16"))
    lines = [t for t, _ in texts]
    assert " ".join(t for t in lines if t and t in title) == title  # every word, in order
    _, _, overview = svg_text(drawn(plot_overview(study, "da"), tmp_path, "overview"))
    joined = " ".join(t for t, _ in overview)
    for item_id in study.instrument.item_ids:
        assert study.instrument.title(item_id, "da").split()[-1] in joined, item_id


FILL = re.compile(r'<path d="([^"]+)"[^>]*style="fill: (#[0-9a-f]{6})(?:; fill-opacity: ([0-9.]+))?')


def test_legend_shows_only_drawn_kinds_in_the_bars_colours(study, tmp_path: Path) -> None:
    """Figure 4 has only stated and derived cells: no "assumed" entry; Figure 7's swatches are bar colours."""
    inst = study.instrument
    fig = plot_item(study, "fig04", "en", intervals=item_intervals(study, "fig04"))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)
    assert not any(inst.label("assumed", "en") in t for t in legend)
    assert not any(inst.label("derived_under_assumption", "en") in t for t in legend)
    fig = plot_item(study, "fig07", "en", intervals=item_intervals(study, "fig07"))
    bars = {(p.get_facecolor()[:3], round(p.get_alpha() or 1, 2)) for p in fig.axes[0].patches if p.get_width() > 0}
    swatches = [(h.get_facecolor()[:3], round(h.get_alpha() or 1, 2)) for h in fig.legends[0].legend_handles
                if hasattr(h, "get_facecolor") and h.get_fill()]  # fmt: skip
    plt.close(fig)
    assert swatches and all(s in bars for s in swatches), (swatches, bars)
    grey = (0x7A / 255, 0x7A / 255, 0x7A / 255)
    assert all(s[0] != grey for s in swatches)


def test_figure_7_brackets_and_labels_touch_nothing(study) -> None:
    fig = plot_item(study, "fig07", "da", intervals=item_intervals(study, "fig07"))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text().startswith("Σ")]
    brackets = [line for line in ax.lines if len(line.get_xdata()) == 4]
    values = [t for t in ax.texts if "%" in t.get_text() and not t.get_text().startswith("Σ")]
    assert len(labels) == len(brackets) == 2
    boxes = [t.get_window_extent(renderer) for t in labels]
    others = [line.get_window_extent(renderer) for line in brackets] + [t.get_window_extent(renderer) for t in values]
    others += [p.get_window_extent(renderer) for p in ax.patches if p.get_width() > 0]
    for k, box in enumerate(boxes):
        own = brackets[k].get_window_extent(renderer)
        for other in others:
            if other is own or other.width == 0:
                continue
            assert not box.overlaps(other), (labels[k].get_text(), other)
        assert not boxes[0].overlaps(boxes[1])
    plt.close(fig)


def test_saved_site_figures_are_legible(tmp_path: Path) -> None:
    """The committed figures (when built) keep the same sizes (the browser test measures them rendered)."""
    folder = Path(__file__).resolve().parent.parent / "reports" / "figures"
    svgs = sorted(folder.glob("*.svg")) if folder.is_dir() else []
    if not svgs:
        pytest.skip("reports/figures not built")
    too_small = []
    for svg in svgs:
        width, smallest, _ = svg_text(svg)
        if smallest * min(layout.PHONE_ARTICLE_PX, width * 4 / 3) / width < layout.MIN_RENDERED_PX:
            too_small.append(f"{svg.name}: {width:.0f} pt wide, smallest text {smallest:g} pt")
    assert not too_small, too_small


def test_published_study_loads_for_the_figures() -> None:
    assert load_study(DATA_DIR).n == 10


def test_every_assumed_or_scale_derived_cell_has_its_rule_and_reason_in_every_language(study) -> None:
    """The exhibit page's reasons table lists each cell the badge counts as resting on an assumption: assumed cells
    with their rule and rationale, cells derived under an assumed answer scale with that scale's reason."""
    from samskab_analysis.figures.exhibits import item_assumptions

    for item_id in study.instrument.item_ids:
        counts = study.item_counts(item_id)
        resting = counts[counts["provenance"].isin(["assumed", "derived_under_assumption"])]
        for lang in ("da", "no", "en"):
            table = item_assumptions(study, item_id, lang)
            assert len(table) == len(resting), (item_id, lang)
            assert table["rationale"].str.len().min() > 20 if len(table) else True, (item_id, lang)
    fig10 = item_assumptions(study, "fig10", "en").set_index("category")
    assert fig10.at["don't know", "rule"] == "assumed answer scale" and fig10.at["don't know", "count"] == 2
    assert "does not give the answer scale" in fig10.at["don't know", "rationale"]
    assert "»mener« / »ikke mener«" in item_assumptions(study, "fig10", "da").at[0, "rationale"]
