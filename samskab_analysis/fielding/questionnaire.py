"""A printable questionnaire (HTML, and PDF through Chromium) in one language.

The HTML is self-contained (inline CSS, no scripts, no external resources) and deterministic. The PDF is
printed by Debian's Chromium (``/usr/bin/chromium``) through the playwright Python package, launched the
way ``tests/test_browser.py`` does; ``playwright install`` is never used. Without Chromium or playwright,
:func:`write_pdf` returns None and says why.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from samskab_analysis.data.instrument import Instrument
from samskab_analysis.output import write_bytes, write_text
from samskab_analysis.paths import CHROMIUM_ARGS, chromium_path

FIXED_DATE = b"D:20000101000000+00'00'"
STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 2em; color: #111; }
h1 { font-size: 16pt; margin-bottom: 0.2em; }
h2 { font-size: 12.5pt; margin-top: 1.4em; border-bottom: 1px solid #999; }
.intro { margin-bottom: 1em; }
.id { border: 1px solid #333; padding: 0.6em; margin: 1em 0; }
.id .box { display: inline-block; width: 14em; border-bottom: 1px solid #333; height: 1.1em; }
.id .help { font-size: 9pt; color: #444; }
.q { page-break-inside: avoid; margin: 0.9em 0; }
.q .text { font-weight: bold; }
.q .code { font-family: monospace; font-size: 9pt; color: #555; }
.q ul { list-style: none; padding-left: 1.2em; margin: 0.3em 0; }
.q li::before { content: "\\2610"; margin-right: 0.5em; }
.q li .c { font-size: 9pt; color: #555; }
.foot { margin-top: 2em; font-size: 8.5pt; color: #555; }
"""


def questionnaire_html(instrument: Instrument, lang: str, labels: pd.DataFrame) -> str:
    """The whole questionnaire as one HTML page in *lang*."""
    esc = html.escape

    def label(key: str) -> str:
        return esc(str(labels.at[key, lang]))

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"nb" if lang == "no" else lang}">',
        f'<head><meta charset="utf-8"><title>{label("survey_title")}</title><style>{STYLE}</style></head>',
        "<body>",
        f"<h1>{label('survey_title')}</h1>",
        f'<p class="intro">{label("survey_description")}</p>',
        f'<div class="id"><label>{label("respondent_id")}: <span class="box"></span></label>'
        f'<div class="help">{label("respondent_id_help")}</div></div>',
    ]
    items = instrument.items
    number = 0
    for level in instrument.levels.sort_values("order").itertuples():
        level_items = items[items["level_id"] == level.level_id].sort_values("order")
        if level_items.empty:
            continue
        parts.append(f"<h2>{esc(getattr(level, f'label_{lang}'))}</h2>")
        for item_id in level_items.index:
            number += 1
            scale = instrument.scale_rows(items.at[item_id, "scale_id"])
            code = label("answer_code")
            options = "".join(
                f'<li>{esc(str(getattr(c, f"label_{lang}")))} <span class="c">({code} {c.code})</span></li>'
                for c in scale.itertuples()
            )
            parts.append(
                f'<div class="q" id="{esc(item_id)}">'
                f'<div class="text">{number}. {esc(instrument.title(item_id, lang))} '
                f'<span class="code">[{esc(instrument.survey_code(item_id))}]</span></div>'
                f'<div class="help">{label("question_help")}</div><ul>{options}</ul></div>'
            )
    parts += [f'<p class="foot">{label("printed_from")}</p>', "</body>", "</html>", ""]
    return "\n".join(parts)


def write_html(instrument: Instrument, lang: str, labels: pd.DataFrame, out_dir: Path) -> Path:
    """Write ``questionnaire_<lang>.html``."""
    path = Path(out_dir) / f"questionnaire_{lang}.html"
    write_text(path, questionnaire_html(instrument, lang, labels))
    return path


def write_pdf(html_path: Path, out_dir: Path) -> tuple[Path | None, str]:
    """Print *html_path* to ``<stem>.pdf`` with Chromium; returns (path or None, a message)."""
    chromium = chromium_path()
    if chromium is None:
        return None, "PDF skipped: Chromium is not installed (apt-get install chromium); the HTML prints as well"
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return None, "PDF skipped: the playwright Python package is not installed (pip install 'samskab-analysis[pdf]')"
    path = Path(out_dir) / f"{Path(html_path).stem}.pdf"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
                page.goto(Path(html_path).resolve().as_uri())
                data = page.pdf(format="A4", print_background=True, tagged=False)
            finally:
                browser.close()
    except Error as err:  # pragma: no cover - broken browser installation
        return None, f"PDF skipped: Chromium at {chromium} did not print ({err})"
    write_bytes(path, fixed_dates(data))
    return path, f"PDF printed with {chromium}"


def fixed_dates(pdf: bytes) -> bytes:
    """The PDF with its creation/modification dates set to a fixed value of the same length (offsets unchanged)."""

    def fix(match: re.Match[bytes]) -> bytes:
        value = match.group(2)
        fixed = FIXED_DATE[: len(value)].ljust(len(value), b"0")
        return match.group(1) + fixed + b")"

    return re.sub(rb"(/(?:CreationDate|ModDate) \()([^)]*)\)", fix, pdf)
