"""``samskab instrument export``: the questionnaire out, to a survey tool, on paper and as a data package."""

from __future__ import annotations

from pathlib import Path

from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.fielding import FORMATS, default_instrument_dir
from samskab_analysis.fielding.datapackage import write_datapackage
from samskab_analysis.fielding.limesurvey import write_structure
from samskab_analysis.fielding.nettskjema import write_nettskjema
from samskab_analysis.fielding.questionnaire import write_html, write_pdf
from samskab_analysis.fielding.texts import load_fielding_labels
from samskab_analysis.output import claim_output
from samskab_analysis.paths import DATA_DIR, LANGS


def parse_formats(text: str) -> tuple[str, ...]:
    """``limesurvey,html`` -> the formats in canonical order; ``all`` -> every format."""
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    if wanted in ([], ["all"]):
        return FORMATS
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise DataValidationError(
            Problem(file="--format", message="unknown format", value=",".join(unknown), allowed=[*FORMATS, "all"])
        )
    return tuple(f for f in FORMATS if f in wanted)


def export_instrument(
    lang: str,
    out_dir: str | Path | None = None,
    formats: tuple[str, ...] = FORMATS,
    data_dir: str | Path = DATA_DIR,
) -> tuple[dict[str, Path], list[str]]:
    """Write the chosen formats of the questionnaire in *lang* into *out_dir*; returns files and messages."""
    if lang not in LANGS:
        raise DataValidationError(Problem(file="--lang", message="unknown language", value=lang, allowed=LANGS))
    instrument = load_instrument(data_dir)
    labels = load_fielding_labels(data_dir)
    target = out_dir if out_dir is not None else default_instrument_dir(lang)
    with claim_output(target, input_dirs=(data_dir,)) as out:
        return _export(instrument, labels, lang, out, formats)


def _export(instrument, labels, lang: str, out: Path, formats: tuple[str, ...]) -> tuple[dict[str, Path], list[str]]:
    written: dict[str, Path] = {}
    messages: list[str] = []
    if "limesurvey" in formats:
        written["limesurvey"] = write_structure(instrument, lang, labels, out)
    if "nettskjema" in formats:
        written.update(write_nettskjema(instrument, lang, labels, out))
    if "html" in formats or "pdf" in formats:
        written["html"] = write_html(instrument, lang, labels, out)
    if "pdf" in formats:
        pdf, message = write_pdf(written["html"], out)
        messages.append(message)
        if pdf is not None:
            written["pdf"] = pdf
    if "datapackage" in formats:
        written.update(write_datapackage(instrument, out, lang))
    return written, messages
