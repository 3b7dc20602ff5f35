"""Sizes every figure keeps so it stays legible on a phone, and text wrapped by its measured width.

The site shows a figure at its natural width, or narrower when the screen is: on a 390 px phone the article
is 342 CSS px wide.  A figure laid out :data:`WIDTH` inches wide (331 pt; labels sticking out of it may add a
few points, up to 345.6 pt = 4.8 in) whose smallest text is :data:`SMALL` pt is therefore drawn with text of at
least 9.5 × 342 / 345.6 ≈ 9.4 CSS px on a phone and 9.5 × 4/3 ≈ 12.7 CSS px on a desktop.  Long titles and
labels are wrapped to the width they may take (measured with the font the figure uses), never shortened with "…".
"""

from __future__ import annotations

from functools import lru_cache

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

#: Width every figure is laid out to (inches); saved with ``bbox_inches="tight"`` it is at most 4.8 in wide.
WIDTH = 4.6
#: The smallest text of any figure (pt).
SMALL = 9.5
#: Axis labels, tick labels and legends (pt).
TEXT = 10.0
#: Figure titles (pt).
TITLE = 11.0
#: Phone article width (CSS px) and the smallest rendered text the site allows there.
PHONE_ARTICLE_PX = 342
MIN_RENDERED_PX = 9.0

_TEXT_TO_PATH = TextToPath()


@lru_cache(maxsize=4096)
def text_width(text: str, size: float = TEXT, weight: str = "normal", family: str = "DejaVu Sans") -> float:
    """Width of one line of *text* in points at *size* (the font the figures use)."""
    prop = FontProperties(family=family, size=size, weight=weight)
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath=False)
    return 1.03 * float(width)  # the renderer's hinting makes lines up to 2 % wider than the outlines


def wrap(text: str, width_pt: float, size: float = TEXT, weight: str = "normal") -> str:
    """*text* wrapped at spaces so that no line is wider than *width_pt* (a single longer word keeps its line)."""
    lines: list[str] = []
    text = str(text).replace(" %", "\u00a0%").replace("N = ", "N\u00a0=\u00a0")  # "10 %" and "N = 10" stay whole
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, size, weight) > width_pt:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


def line_count(text: str) -> int:
    """Number of lines of an already wrapped text."""
    return str(text).count("\n") + 1


def inches(points: float) -> float:
    """Points to inches."""
    return points / 72.0
