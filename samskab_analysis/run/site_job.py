"""The site and the PDFs as jobs of the manifest: built only when their inputs or outputs changed.

The site's inputs are everything its pages are made of: the run's shared inputs hash (raw data, strings,
library code, exhibits list, pinned packages), every planned job's status and recorded outputs (the executed
notebooks and figures, by sha256), the processed tables, the site's own code and Sphinx template folder, the
languages, the cohort's label and ``SOURCE_DATE_EPOCH``. Its outputs are every file under ``site/``, the
redirect ``index.html`` and the item tables ``data/*.csv``; a missing, edited or extra file makes it stale.
The PDFs' inputs are the site's inputs, their own code and whether Chromium can print; their outputs are the
PDFs. Standard library only: a run with nothing to do decides this in milliseconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from samskab_analysis.paths import LANGS, chromium_path, current_project
from samskab_analysis.run.manifest import sha256_file

RUN_DIR = Path(__file__).resolve().parent
SITE_CODE = ("site.py", "site_html.py", "site_job.py", "sphinx_build.py")
PDF_CODE = ("site_pdf.py",)
#: ``SOURCE_DATE_EPOCH`` when unset (a fixed time: builds never depend on the day).
DEFAULT_EPOCH = "1700000000"
PDF_NAME = "samskab_{lang}.pdf"


def source_epoch() -> str:
    """``SOURCE_DATE_EPOCH`` if set, else a fixed value: the site never depends on the day or the commit."""
    return os.environ.get("SOURCE_DATE_EPOCH") or DEFAULT_EPOCH


def _files_digest(digest, paths: Iterable[Path], root: Path) -> None:
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + sha256_file(path).encode() + b"\n")


def site_hash(manifest: dict, jobs: Iterable, settings: dict[str, object], template_dir: Path | None = None) -> str:
    """Content hash of everything the site is built from (see the module docstring)."""
    digest = hashlib.sha256(b"samskab site 1\n")
    digest.update(str(manifest.get("inputs")).encode() + b"\n")
    digest.update(json.dumps(manifest.get("processed"), sort_keys=True).encode() + b"\n")
    entries = manifest.get("jobs") or {}
    for job in jobs:
        entry = entries.get(job.name) or {}
        record = {k: entry.get(k) for k in ("status", "outputs", "figures", "error")}
        digest.update(job.name.encode() + b"\0" + json.dumps(record, sort_keys=True).encode() + b"\n")
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode() + b"\n")
    _files_digest(digest, [RUN_DIR / name for name in SITE_CODE], RUN_DIR)
    template_dir = Path(template_dir or current_project().site_dir)  # the project's site/ or the packaged study's
    template = [p for p in template_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    _files_digest(digest, template, template_dir)
    return digest.hexdigest()


def pdf_available() -> str | None:
    """None when the PDFs can be printed, else why not (cheap: nothing is imported)."""
    if chromium_path() is None:
        return "Chromium is not installed (.ci/install-system-deps installs Debian's chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright Python package is not installed (pip install 'samskab-analysis[pdf]')"
    return None


def pdf_hash(site_digest: str) -> str:
    """Content hash of the PDFs' inputs: the site's, the printer's code and whether Chromium can print."""
    digest = hashlib.sha256(b"samskab pdf 1\n" + site_digest.encode() + b"\n")
    digest.update(str(pdf_available()).encode() + b"\n")
    _files_digest(digest, [RUN_DIR / name for name in PDF_CODE], RUN_DIR)
    return digest.hexdigest()


def _walk(folder: Path) -> list[Path]:
    found = []
    for parent, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        found += [Path(parent) / name for name in files]
    return found


def site_outputs(out_dir: Path) -> dict[str, str]:
    """``{path relative to the output folder: sha256}`` of the site's files, the redirect and the item tables."""
    out_dir = Path(out_dir)
    paths = _walk(out_dir / "site")
    paths += [out_dir / "index.html"] if (out_dir / "index.html").is_file() else []
    paths += sorted((out_dir / "data").glob("*.csv")) if (out_dir / "data").is_dir() else []
    return {p.relative_to(out_dir).as_posix(): sha256_file(p) for p in sorted(paths) if p.is_file()}


def pdf_outputs(out_dir: Path, langs: Iterable[str] = LANGS) -> dict[str, str]:
    """``{pdf/samskab_<lang>.pdf: sha256}`` of the PDFs that exist."""
    paths = [Path(out_dir) / "pdf" / PDF_NAME.format(lang=lang) for lang in langs]
    return {p.relative_to(out_dir).as_posix(): sha256_file(p) for p in paths if p.is_file()}


def stale_reason(entry: object, digest: str, outputs: dict[str, str]) -> str | None:
    """Why a site or PDF job must run again (``None``: current); ``output …`` reasons are changes by hand."""
    if not isinstance(entry, dict) or "hash" not in entry:
        return "not built"
    if entry.get("hash") != digest:
        return "inputs changed"
    recorded = entry.get("outputs")
    if not isinstance(recorded, dict):
        return "no output hashes recorded"
    for name in sorted(set(recorded) | set(outputs)):
        if name not in outputs:
            return f"output {name} is missing"
        if name not in recorded:
            return f"output {name} was not written by samskab"
        if recorded[name] != outputs[name]:
            return f"output {name} differs from what it wrote"
    return None


def is_synthetic(responses: Path | str | None) -> bool:
    """True for the invented example cohorts (file name says so, as in data/raw/examples/)."""
    return responses is not None and "synthetic" in Path(responses).name.lower()


def site_settings(run_config) -> dict[str, object]:
    """What of a run's configuration the pages show: cohort label, languages (first: the index), the time."""
    responses = run_config.responses
    return {
        "label": Path(responses).name if responses is not None else "",
        "synthetic": is_synthetic(responses),
        "published": responses is None,
        "langs": list(dict.fromkeys([run_config.lang, *LANGS])),
        "epoch": source_epoch(),
        "processed": os.path.relpath(Path(run_config.processed_dir).resolve(), Path(run_config.out_dir).resolve()),
    }


@dataclass(frozen=True)
class SiteWork:
    """Whether the site and the PDFs of a run are current, and their input hashes."""

    site_digest: str
    site_reason: str | None
    pdf_digest: str | None
    pdf_reason: str | None

    @property
    def current(self) -> bool:
        return self.site_reason is None and self.pdf_reason is None


def plan_site(run_config, jobs: Iterable, manifest: dict, pdf: bool = True) -> SiteWork:
    """Is the site (and, with *pdf*, are the PDFs) of this run current? Standard library only."""
    out_dir = Path(run_config.out_dir)
    settings = site_settings(run_config)
    digest = site_hash(manifest, list(jobs), settings)
    reason = stale_reason(manifest.get("site"), digest, site_outputs(out_dir))
    if not pdf:
        return SiteWork(digest, reason, None, None)
    pdf_digest = pdf_hash(digest)
    pdf_reason = stale_reason(manifest.get("pdf"), pdf_digest, pdf_outputs(out_dir, settings["langs"]))
    return SiteWork(digest, reason, pdf_digest, pdf_reason)
