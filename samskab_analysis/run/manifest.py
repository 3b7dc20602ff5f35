"""Content hashes of a run's inputs and the local ``manifest.json`` that says which outputs are current.

A job is current when the hash of its notebook, parameters, data and library code matches the manifest
and all its outputs exist. Standard library only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from samskab_analysis.output import remove_file, write_text
from samskab_analysis.paths import PACKAGE_DIR, STUDY_PACKAGE_DIR, digest_name, study_root
from samskab_analysis.run.plan import Job, RunConfig, display_names, other_language, rel

MANIFEST = "manifest.json"


LIBRARY_DIR = PACKAGE_DIR


#: Bump when the runner's outputs change in a way that needs every notebook re-executed.
RUN_FORMAT = 3


#: The runner itself (``run/`` and the CLI), never imported by notebooks: editing it does not rerun notebooks.
#: ``run/processed.py`` writes ``data/processed`` and is imported by a notebook, so it counts as library code.
RUNNER_MODULES = frozenset({"run", "cli.py"})


LIBRARY_MODULES = frozenset({"processed.py"})


def sha256_file(path: Path) -> str:
    """sha256 of a file, read in blocks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_digests(paths: Iterable[Path]) -> dict[str, str]:
    """``{name: sha256}`` of files, sorted by name: the path in the study's layout
    (:func:`~samskab_analysis.paths.digest_name`: the same in a checkout, an installed wheel and a project's copy
    of the study), else as shown in outputs (``…/<name>``: never the machine's folders)."""
    files = [Path(p) for p in paths if Path(p).is_file()]
    shown = display_names(files)
    found = {}
    for path in files:
        name = digest_name(path)
        found[shown[path.resolve()] if os.path.isabs(name) else name] = sha256_file(path)
    return dict(sorted(found.items()))


def processed_digests(paths: Iterable[Path], processed_dir: Path) -> dict[str, str]:
    """``{file name: sha256}`` of the processed tables a run wrote (names relative to *processed_dir*)."""
    folder = Path(processed_dir)
    return dict(sorted((Path(p).relative_to(folder).as_posix(), sha256_file(Path(p))) for p in paths))


def processed_reason(recorded: object, processed_dir: Path) -> str | None:
    """Why the processed tables must be written again (``None``: every one is as the run wrote it)."""
    if not isinstance(recorded, dict) or not recorded:
        return "no hashes recorded"
    folder = Path(processed_dir)
    for name, sha in sorted(recorded.items()):
        path = folder / str(name)
        if not path.is_file():
            return f"{rel(path)} is missing"
        if sha256_file(path) != sha:
            return f"{rel(path)} differs from what the run wrote"
    return None


def data_files(config: RunConfig) -> list[Path]:
    """Every input data file: the raw data folder plus the optional responses, assumptions and column map.

    Documentation (``*.md``) is not data: editing a codebook does not rerun the notebooks. Files directly in
    the raw data folder are not the study's tables either (a project keeps its answer files there, git-ignored):
    only those given with ``--data`` count.
    """
    data_dir = Path(config.data_dir)
    files = [
        p
        for p in data_dir.rglob("*")
        if p.is_file() and p.parent != data_dir and "__pycache__" not in p.parts and p.suffix.lower() != ".md"
    ]
    files += [Path(p) for p in (config.responses, config.assumptions, config.column_map) if p is not None]
    files += [Path(p) for p in config.waves if Path(p) != config.responses]
    return files


def is_library_code(path: Path) -> bool:
    """True for package code that notebooks import (everything but the runner and the CLI)."""
    top = path.relative_to(LIBRARY_DIR).parts[0]
    if top == STUDY_PACKAGE_DIR:  # the study as package data (site/conf.py) is not library code
        return False
    return top not in RUNNER_MODULES or path.name in LIBRARY_MODULES


def inputs_hash(config: RunConfig, data: dict[str, str] | None = None) -> str:
    """Hash of everything shared by all jobs: data files, library code, exhibits list, pinned packages."""
    digest = hashlib.sha256(f"format {RUN_FORMAT}\n".encode())
    library = sorted(p for p in LIBRARY_DIR.rglob("*.py") if is_library_code(p))
    code = [*library, Path(config.exhibits), study_root() / "requirements" / "constraints.txt"]
    for group in (data if data is not None else file_digests(data_files(config)), file_digests(code)):
        for path, sha in group.items():
            digest.update(f"{path}\0{sha}\n".encode())
    return digest.hexdigest()


def job_hash(job: Job, shared: str) -> str:
    """Content hash of one job: shared inputs, its notebook file and its parameters."""
    digest = hashlib.sha256(shared.encode())
    digest.update(job.name.encode() + b"\0")
    digest.update(job.notebook.read_bytes() if job.notebook.is_file() else b"<missing notebook>")
    digest.update(json.dumps(job.parameters, sort_keys=True).encode())
    return digest.hexdigest()


def output_paths(job: Job, out_dir: Path) -> dict[str, Path]:
    """Where a job's executed notebook goes (the site renders it: :mod:`samskab_analysis.run.site`)."""
    return {"notebook": out_dir / "notebooks" / f"{job.name}.ipynb"}


def output_digests(job: Job, out_dir: Path, figures: Iterable[str]) -> dict[str, str]:
    """``{path relative to the output folder: sha256}`` of a job's notebook, HTML page and figures."""
    out_dir = Path(out_dir)
    paths = [*output_paths(job, out_dir).values(), *(out_dir / f for f in figures)]
    found = {p.relative_to(out_dir).as_posix(): sha256_file(p) for p in paths if p.is_file()}
    return dict(sorted(found.items()))


def stale_reason(job: Job, digest: str, entry: dict[str, object] | None, out_dir: Path) -> str | None:
    """Why *job* must run again (``None``: it is current).

    Current means: the manifest *entry* has the job's input hash, succeeded, and every output it recorded
    exists with the content it wrote (``outputs``: sha256 per file). Reasons starting with ``output`` are
    outputs changed or removed behind the runner's back.
    """
    if not entry or entry.get("status", "ok") != "ok":
        return "not run" if not entry else "failed last time"
    if entry.get("hash") != digest:
        return "inputs changed"
    figures = [str(f) for f in entry.get("figures", [])]  # type: ignore[union-attr]
    expected = [*output_paths(job, out_dir).values(), *(Path(out_dir) / f for f in figures)]
    missing = [p for p in expected if not p.is_file()]
    if missing:
        return f"output {Path(missing[0]).relative_to(out_dir).as_posix()} is missing"
    recorded = entry.get("outputs")
    if not isinstance(recorded, dict):
        return "no output hashes recorded"
    now = output_digests(job, out_dir, figures)
    for name, sha in now.items():
        if recorded.get(name) != sha:
            return f"output {name} differs from what it wrote"
    return None


def is_up_to_date(job: Job, digest: str, entry: dict[str, object] | None, out_dir: Path) -> bool:
    """True when *entry* (from the manifest) matches *digest* and every recorded output is unchanged."""
    return stale_reason(job, digest, entry, out_dir) is None


def discard_outputs(job: Job, out_dir: Path, entry: dict[str, object] | None) -> list[Path]:
    """Remove a failed job's outputs, so none of them claims to be current; returns what was removed.

    That is its executed notebook and HTML page, the figures its last successful run recorded, and the
    figure files named after the job or its item (those the failed run may have written before failing).
    """
    out_dir = Path(out_dir)
    paths = list(output_paths(job, out_dir).values())
    paths += [out_dir / str(f) for f in (entry or {}).get("figures", [])]  # type: ignore[union-attr]
    figures_dir = out_dir / "figures"
    if figures_dir.is_dir():
        paths += [p for p in figures_dir.iterdir()
                  if p.name.startswith(job.figure_prefixes) and not other_language(job, p.name)]  # fmt: skip
    return [path for path in dict.fromkeys(paths) if remove_file(path, root=out_dir)]


def discard_recorded(
    out_dir: Path, name: str, entry: dict[str, object] | None, keep: set[str] | frozenset[str] = frozenset()
) -> None:
    """Remove the outputs the manifest recorded for job *name* (a job no longer planned, or withheld).

    Figures in *keep* (``figures/fig07_en.svg``: now recorded by a planned job, e.g. after the run's layout changed
    and another job writes that file) stay.
    """
    out_dir = Path(out_dir)
    paths = [out_dir / "notebooks" / f"{name}.ipynb", out_dir / "html" / f"{name}.html"]
    figures = [str(f) for f in (entry or {}).get("figures", [])]  # type: ignore[union-attr]
    paths += [out_dir / f for f in figures if f not in keep]
    for path in paths:
        remove_file(path, root=out_dir)


def load_manifest(out_dir: Path) -> dict[str, object]:
    """The manifest of the last run (empty when absent or unreadable)."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def write_manifest(out_dir: Path, manifest: dict[str, object]) -> None:
    """Write the manifest deterministically and atomically."""
    text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_text(Path(out_dir) / MANIFEST, text, root=out_dir)


@contextlib.contextmanager
def manifest_lock(out_dir: Path) -> Iterator[None]:
    """Serialise read-merge-write of the manifest between concurrent ``samskab reproduce`` runs.

    Locks the output folder itself (``flock`` on its descriptor), so no lock file is left behind.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    handle = os.open(out_dir, os.O_RDONLY)  # output-gate: a lock on the folder, nothing is written
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def update_manifest(out_dir: Path, changes: dict[str, dict | None], top: dict[str, object]) -> dict[str, object]:
    """Merge job entries (``None`` removes one) and top-level keys into the manifest on disk."""
    with manifest_lock(out_dir):
        manifest = load_manifest(out_dir)
        jobs = dict(manifest.get("jobs", {}))  # type: ignore[arg-type]
        for name, entry in changes.items():
            if entry is None:
                jobs.pop(name, None)
            else:
                jobs[name] = entry
        manifest.update(top)
        manifest["jobs"] = dict(sorted(jobs.items()))
        write_manifest(out_dir, manifest)
    return manifest
