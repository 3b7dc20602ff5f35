"""The explorer's item figure, redrawn fast: the figure the site draws, kept alive and updated where counts move.

:func:`~samskab_analysis.figures.plotting.plot_item` draws an item's figure (bars hatched by provenance, a value
column of shares and counts right of the bars, exact-interval whiskers, stated totals, legend, N).  When a
control changes only the counts -- the same drawn categories, provenance, suppressed cells, N, stated totals,
value-column width and legend colours: the figure's *layout key* -- the explorer keeps the figure ``plot_item``
drew for the first such table and moves what counts move: bar widths, the value texts and whiskers.  What does
not move (axes background, grid, ticks, tick labels, title, source note, legend) is drawn once into a background
raster (matplotlib's blitting: the moving artists and those drawn over them -- spines, brackets, texts -- are
marked *animated*); a change restores the background and draws the animated artists on top, in the order
``Axes.draw`` gives them.

The pixels are those of a fresh ``plot_item`` saved as PNG at the same dpi (tested for every item, language and
many tables).  Two guards keep it so at run time: a figure whose bars, labels or whiskers are not where this
module would put them for the table it was drawn with is never updated (always drawn afresh), and a change that
puts a value text outside its column is drawn afresh too.
"""

from __future__ import annotations

import io
from collections import Counter, OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from operator import attrgetter

import matplotlib.image as mimage
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from samskab_analysis.figures.exhibits import item_intervals
from samskab_analysis.figures.plotting import (
    WHISKER_OFFSET,
    apply_style,
    bracket_width,
    legend_colors,
    plot_item,
    plot_rows,
    stated_totals,
    suppressed_categories,
    value_labels,
    value_width,
    value_x,
)
from samskab_analysis.study import Study

#: resolution of the explorer's figures (dots per inch)
DPI = 110
#: zlib level of the explorer's PNGs: the fastest (the pixels are the same at every level; the file ~1.3x larger)
PNG_COMPRESS_LEVEL = 1
#: a share label closer than this to the axes' edge (pixels) counts as outside (``tight_layout`` would move things)
EDGE = 3.0


@dataclass(frozen=True)
class Whisker:
    """One row's exact-interval whisker: from *low* to *high* at height *y* (data coordinates)."""

    low: float
    high: float
    y: float


@dataclass(frozen=True)
class Moving:
    """What counts move in an item figure, per drawn row (None for a suppressed row or a row without whisker)."""

    widths: tuple[float | None, ...]
    labels: tuple[tuple[str, float] | None, ...]  # (text, x)
    whiskers: tuple[Whisker | None, ...]


def layout_key(study: Study, item_id: str, lang: str, min_count: int = 0) -> Hashable:
    """Everything :func:`plot_item` draws from, except what :class:`Moving` holds: same key, same figure but for
    bar widths, share labels and whiskers.

    The value column right of the bars is as wide as its widest text and the legend's swatches take the colour
    of each kind's largest cell: both are part of the key (a change that widens the column or recolours a swatch
    lays the figure out anew)."""
    rows = plot_rows(study, item_id, min_count)
    small = suppressed_categories(study, item_id, min_count)
    totals = tuple(stated_totals(study, item_id))
    value_w = value_width(value_labels(study, rows, small, lang))
    return (
        item_id,
        lang,
        min_count,
        tuple(rows["category_id"]),
        tuple(rows["provenance"]),
        tuple(c in small for c in rows["category_id"]),
        int(rows["count"].sum()),
        study.is_published,
        id(study.statements),  # the same statements (and readings of them): the same brackets
        totals,
        value_w,
        tuple(sorted(legend_colors(study, item_id, rows).items())),
    )


def moving(study: Study, item_id: str, lang: str, min_count: int = 0) -> Moving:
    """Bar widths, share labels and whiskers of *item_id*, computed as :func:`plot_item` computes them."""
    rows = plot_rows(study, item_id, min_count)
    small = suppressed_categories(study, item_id, min_count)
    texts = value_labels(study, rows, small, lang)
    x = value_x(value_width(texts), bracket_width(len(stated_totals(study, item_id))))
    lookup = item_intervals(study, item_id).set_index("category_id")
    widths, labels, whiskers = [], [], []
    for yi, ((_, row), text) in enumerate(zip(rows.iterrows(), texts, strict=True)):
        category = row["category_id"]
        if category in small:
            widths.append(None)
            labels.append(None)
            whiskers.append(None)
            continue
        share = row["share"]
        widths.append(100 * share)
        labels.append((text, x))
        if category in lookup.index:
            lo, hi = 100 * lookup.at[category, "lower"], 100 * lookup.at[category, "upper"]
            mid, err = (lo + hi) / 2, (hi - lo) / 2
            whiskers.append(Whisker(float(mid - err), float(mid + err), yi + WHISKER_OFFSET))
        else:
            whiskers.append(None)
    return Moving(tuple(widths), tuple(labels), tuple(whiskers))


def png_of(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as PNG, written as ``savefig(format="png")`` writes it (same metadata, dpi, compression)."""
    buffer = io.BytesIO()
    mimage.imsave(
        buffer, canvas.buffer_rgba(), format="png", origin="upper", dpi=canvas.figure.dpi,
        metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL},
    )  # fmt: skip
    return buffer.getvalue()


class LiveFigure:
    """One item figure drawn by :func:`plot_item`, with handles on what moves (see the module docstring)."""

    def __init__(self, fig: Figure, shown: Moving) -> None:
        plt.close(fig)  # out of pyplot's hands: this object owns it
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        fig.set_dpi(DPI)
        self.ax = fig.axes[0]
        self.shown = shown
        self.updatable = self._find_moving(shown)
        #: background rasters, by the still artists drawn over them (those touching a moving one)
        self.backgrounds: dict[frozenset[int], object] = {}
        self._boxes: dict[int, Bbox] = {}

    def _find_moving(self, shown: Moving) -> bool:
        """Pair each row with its bar, label and whisker; True when they hold exactly *shown* (else the figure is
        not the one this module knows how to update: it will not be)."""
        ax = self.ax
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        whiskers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        texts = list(ax.texts)
        if len(bars) != sum(w is not None for w in shown.widths) or len(texts) < len(shown.labels):
            return False
        if len(whiskers) != sum(w is not None for w in shown.whiskers):
            return False
        bars_iter, whiskers_iter = iter(bars), iter(whiskers)
        self.bars, self.labels, self.whiskers = [], [], []
        for width, label, text, whisker in zip(shown.widths, shown.labels, texts, shown.whiskers, strict=False):
            if width is None:
                self.bars.append(None)
                self.labels.append(None)
                self.whiskers.append(None)
                continue
            bar = next(bars_iter)
            if len(bar.patches) != 1 or bar.patches[0].get_width() != width:
                return False
            if text.get_text() != label[0] or text.get_position()[0] != label[1]:
                return False
            self.bars.append(bar.patches[0])
            self.labels.append(text)
            if whisker is None:
                self.whiskers.append(None)
                continue
            container = next(whiskers_iter)
            _, caps, (lines,) = container.lines
            low, high = caps
            segments = lines.get_segments()
            expected = np.array([[whisker.low, whisker.y], [whisker.high, whisker.y]])
            if len(segments) != 1 or not np.array_equal(np.asarray(segments[0]), expected):
                return False
            if list(low.get_xdata()) != [whisker.low] or list(high.get_xdata()) != [whisker.high]:
                return False
            self.whiskers.append((lines, low, high))
        return True

    def labels_inside(self) -> bool:
        """True when every share label stands in the value column: right of the bars' axes, inside the figure
        (the column is as wide as its widest text, which is part of the layout key)."""
        renderer = self.canvas.get_renderer()
        box = self.ax.get_window_extent(renderer)
        for text in self.labels:
            if text is None:
                continue
            extent = text.get_window_extent(renderer)
            if extent.x0 < box.x1 + EDGE or extent.x1 > self.fig.bbox.x1 - EDGE:
                return False
        return True

    def move(self, shown: Moving) -> None:
        """Set bar widths, labels and whiskers to *shown* (as :func:`plot_item` would have drawn them)."""
        for bar, width in zip(self.bars, shown.widths, strict=True):
            if bar is not None:
                bar.set_width(width)
        for text, label in zip(self.labels, shown.labels, strict=True):
            if text is not None:
                text.set_text(label[0])
                text.set_x(label[1])
        for handles, whisker in zip(self.whiskers, shown.whiskers, strict=True):
            if handles is not None:
                lines, low, high = handles
                lines.set_segments([np.array([[whisker.low, whisker.y], [whisker.high, whisker.y]])])
                low.set_xdata([whisker.low])
                high.set_xdata([whisker.high])
        self.shown = shown

    def _moving(self) -> list[Artist]:
        """The artists a change moves: bars, share labels, whiskers (lines and caps)."""
        found: list[Artist] = [a for a in (*self.bars, *self.labels) if a is not None]
        return found + [a for handles in self.whiskers if handles is not None for a in handles]

    def _extent(self, artist: Artist) -> Bbox:
        """Where *artist* is drawn (display pixels, padded by :data:`EDGE`); the whole figure if unknown."""
        if isinstance(artist, LineCollection):
            segments = [np.asarray(s) for s in artist.get_segments() if len(s)]
            if not segments:
                return Bbox.null()
            points = artist.get_transform().transform(np.concatenate(segments))
            box = Bbox([points.min(axis=0), points.max(axis=0)])
        else:
            box = artist.get_window_extent(self.canvas.get_renderer())
        if not np.isfinite(box.get_points()).all():
            return self.fig.bbox
        return box.padded(EDGE)

    def _still_extent(self, artist: Artist) -> Bbox:
        """:meth:`_extent` of an artist that does not move (measured once)."""
        if id(artist) not in self._boxes:
            self._boxes[id(artist)] = self._extent(artist)
        return self._boxes[id(artist)]

    def _layers(self) -> list[Artist]:
        """The artists drawn over the background, in the order ``Axes.draw`` draws them (a stable sort by zorder
        of the Axes' children): the moving ones, and every still one that touches them or another such artist
        (so it must be drawn in its turn among them).  The rest -- the Axes' patch, axes (grid, ticks, tick
        labels), titles, and still artists apart from all of those -- is the background, drawn once."""
        ax = self.ax
        moving = self._moving()
        drawn = {id(a) for a in moving}
        titles = [a for a in ax.get_children() if isinstance(a, Text) and a not in ax.texts]  # the three titles
        background = {id(a) for a in (ax.patch, ax.xaxis, ax.yaxis, *titles)}
        still = [a for a in ax.get_children() if id(a) not in drawn and id(a) not in background]
        boxes = [self._extent(a) for a in moving]
        added = True
        while added:
            added = False
            for artist in still:
                if id(artist) in drawn:
                    continue
                box = self._still_extent(artist)
                if any(box.overlaps(b) for b in boxes):
                    drawn.add(id(artist))
                    boxes.append(box)
                    added = True
        return sorted((a for a in ax.get_children() if id(a) in drawn), key=attrgetter("zorder"))

    def png(self) -> bytes:
        """The figure as PNG: the background (drawn once for each set of still artists over it), then the
        artists over it."""
        apply_style()  # the rc settings plot_item draws with (another figure may have changed them meanwhile)
        layers = self._layers()
        moving = {id(a) for a in self._moving()}
        key = frozenset(id(a) for a in layers if id(a) not in moving)
        if key not in self.backgrounds:
            over = {id(a) for a in layers}
            for artist in self.ax.get_children():
                artist.set_animated(id(artist) in over)
            self.canvas.draw()
            self.backgrounds[key] = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self.backgrounds[key])
        renderer = self.canvas.get_renderer()
        for artist in layers:
            artist.draw(renderer)
        return png_of(self.canvas)


def fresh_png(fig: Figure) -> bytes:
    """*fig* saved as PNG the plain way (what :class:`LiveFigure` must equal), then closed."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL}
    )
    plt.close(fig)
    return buffer.getvalue()


class FigureDrawer:
    """Item figures as PNG for the explorer: a :class:`LiveFigure` per layout key (the *size* most recently
    used kept), updated when only counts moved, drawn afresh otherwise."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._live: OrderedDict[Hashable, LiveFigure] = OrderedDict()
        #: how the last figure was made -- "fresh", "live" (a new live figure) or "moved" -- and how many each way
        self.last = ""
        self.made: Counter[str] = Counter()

    def png(self, study: Study, item_id: str, lang: str, min_count: int = 0) -> bytes:
        """The item figure of *study* as PNG, the same pixels as :func:`plot_item` saved at :data:`DPI`."""
        shown = moving(study, item_id, lang, min_count)
        key = (layout_key(study, item_id, lang, min_count), tuple(w is None for w in shown.whiskers))
        live = self._live.get(key)
        if live is not None:
            previous = live.shown
            live.move(shown)
            if live.labels_inside():
                self._keep(key, live)
                self.last = "moved"
                self.made[self.last] += 1
                return live.png()
            live.move(previous)  # a label would stand outside the axes: tight_layout must place the figure anew
        fig = plot_item(study, item_id, lang, intervals=item_intervals(study, item_id), min_count=min_count)
        live = LiveFigure(fig, shown)
        if not (live.updatable and live.labels_inside()):
            self.last = "fresh"
            self.made[self.last] += 1
            return fresh_png(fig)
        self._keep(key, live)
        self.last = "live"
        self.made[self.last] += 1
        return live.png()

    def _keep(self, key: Hashable, live: LiveFigure) -> None:
        self._live[key] = live
        self._live.move_to_end(key)
        while len(self._live) > self.size:
            self._live.popitem(last=False)
