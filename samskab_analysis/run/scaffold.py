"""``samskab init DIR``: a new replication project a research group can put in git.

The project gets its own editable copy of the study's tables (``data/raw/``: instrument, published statements,
corpus, labels, the SYNTHETIC example), ``data/raw/`` for answer files (git-ignored, with a note on personal
data), ``notebooks/`` (editable copies, or with ``--from-package`` the installed package's, named in
``samskab.toml``), ``environment.yml`` and a pinned ``requirements.txt``, a Makefile (``reproduce``, ``test``,
``questionnaire``, ``archive``), a README with the next steps in the project's language, a ``CITATION.cff``
template and a ``.gitignore``. Everything is copied from the installed package (:func:`~samskab_analysis.paths.
study_root`); the texts are the templates in ``run/project_template/`` (``strings.csv``: short texts da/no/en).
``samskab reproduce`` works in the new project at once.
"""

from __future__ import annotations

import csv
import re
import sys
import tomllib
from pathlib import Path
from string import Template

from samskab_analysis import __version__
from samskab_analysis.output import lock_folder, write_bytes
from samskab_analysis.output.places import LOCK_NAME, other_project_source, refusal
from samskab_analysis.paths import (
    LANGS,
    PACKAGE,
    PACKAGE_DIR,
    PROJECT_FILE,
    UnsafeOutputError,
    check_lang,
    study_root,
)

TEMPLATES = Path(__file__).resolve().parent / "project_template"
DISTRIBUTION = "samskab-analysis"
#: Files of the project written from templates: project path -> template (``{lang}``: the project's language).
FILES = {
    PROJECT_FILE: "samskab.toml",
    "README.md": "README.{lang}.md",
    "CITATION.cff": "CITATION.cff",
    "Makefile": "Makefile",
    "environment.yml": "environment.yml",
    ".gitignore": "gitignore",
    "data/raw/PERSONAL-DATA.md": "PERSONAL-DATA.{lang}.md",
}
#: Not copied into a project: caches and editor files.
SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".DS_Store")


def strings(lang: str) -> dict[str, str]:
    """The short texts of the templates (``strings.csv``) in *lang*."""
    with open(TEMPLATES / "strings.csv", encoding="utf-8", newline="") as handle:
        return {row["key"]: row[lang] for row in csv.DictReader(handle)}


def software() -> dict[str, str]:
    """Title (from ``CITATION.cff``), repository URL and authors (from ``pyproject.toml``) of samskab."""
    meta = tomllib.loads((study_root() / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    authors = "\n".join(f'      - name: "{a["name"]}"' for a in meta.get("authors", [])) or '      - name: "samskab"'
    citation = (study_root() / "CITATION.cff").read_text(encoding="utf-8")
    title = re.search(r'^title: "(.*)"$', citation, re.MULTILINE)
    return {
        "software_title": title.group(1) if title else "samskab",
        "repository": str(meta.get("urls", {}).get("Repository", "")),
        "software_authors": authors,
    }


def pinned_requirements(root: str = DISTRIBUTION) -> list[str]:
    """``name==version`` of *root* and everything it needs at run time, as installed here (extras excluded).

    Falls back to the study's ``requirements/constraints.txt`` when *root* is not installed (a bare checkout).
    """
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    visited: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in visited:
            continue
        visited.add(key)
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        found[canonicalize_name(name)] = f"{dist.metadata['Name']}=={dist.version}"
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
                todo.append((req.name, frozenset(req.extras)))
    if canonicalize_name(root) not in found:
        lines = (study_root() / "requirements" / "constraints.txt").read_text(encoding="utf-8").splitlines()
        return [f"{DISTRIBUTION}=={__version__}", *[x for x in lines if "==" in x]]
    own = found.pop(canonicalize_name(root))
    return [own, *sorted(found.values(), key=str.lower)]


def requirements_text() -> str:
    """The project's ``requirements.txt``: samskab and every runtime dependency pinned (as installed here)."""
    head = [
        f"# The pinned environment of this project (made by samskab init with samskab {__version__}):",
        "#   python -m venv .venv && .venv/bin/pip install -r requirements.txt",
        "# samskab-analysis itself comes from PyPI; installed from a wheel, put the wheel's path or URL in its line.",
        "# PDFs of the report and the questionnaire also need: samskab-analysis[pdf] and Chromium.",
    ]
    return "\n".join([*head, *pinned_requirements()]) + "\n"


def check_target(target: Path, force: bool) -> None:
    """Refuse the study's own folders and the package always, and what the output gate refuses for every command
    (source folders, the Python environment; another repository is fine); an existing non-empty folder unless
    *force*."""
    reason = refusal(target, "samskab init", repositories=False)
    other = other_project_source(target.parent)  # the target itself may be a project re-written with --force
    if other:
        reason = reason or f"samskab init {target} is inside {other}, which holds sources; choose another folder"
    if reason:
        raise UnsafeOutputError(reason)
    study = study_root().resolve()
    if target == study or study in target.parents or target in study.parents:
        raise UnsafeOutputError(f"samskab init {target}: that is (or holds) the study itself; choose a new folder")
    if target == PACKAGE_DIR or PACKAGE_DIR in target.parents:
        raise UnsafeOutputError(f"samskab init {target}: that is inside the installed package; choose a new folder")
    if target.exists() and not target.is_dir():
        raise UnsafeOutputError(f"samskab init {target}: a file of that name exists; choose a new folder")
    if target.is_dir() and not force:
        held = sorted(p.name for p in target.iterdir() if p.name != LOCK_NAME)
        if held:
            shown = ", ".join(held[:5]) + (", …" if len(held) > 5 else "")
            raise UnsafeOutputError(
                f"samskab init {target}: the folder already holds files ({shown}); choose a new or empty folder, "
                "or add --force to write the project's files into it (files of the same names are replaced)"
            )


def _write(path: Path, data: bytes, root: Path, written: list[Path]) -> None:
    """Write one file of the project through the output gate (atomic, no link followed below *root*)."""
    write_bytes(path, data, root=root, repositories=False)
    written.append(path)


def copy_tree(source: Path, target: Path, written: list[Path], root: Path | None = None) -> None:
    """Copy *source* into *target* (existing files of the same names replaced), recording what was written."""
    for path in sorted(source.rglob("*")):
        inside = path.relative_to(source)
        if path.is_file() and not set(inside.parts) & set(SKIPPED) and path.suffix != ".pyc":
            _write(target / inside, path.read_bytes(), root or target, written)


def init_project(target: str | Path, lang: str = "da", from_package: bool = False, force: bool = False) -> list[Path]:
    """Write a new project into *target*; returns the files written (a simple writer: refuses to overwrite an
    existing non-empty folder unless *force*)."""
    check_lang(lang)
    target = Path(target).expanduser().resolve()
    check_target(target, force)
    with lock_folder(target, "samskab init"):  # a second init into the same folder is refused while this writes
        check_target(target, force)  # and one that waited for this one finds the folder taken
        return _write_project(target, lang, from_package)


def _write_project(target: Path, lang: str, from_package: bool) -> list[Path]:
    """Write the project's files into the locked, checked *target*."""
    study = study_root()
    say = strings(lang)
    values = {
        "version": __version__,
        "lang": lang,
        "name": target.name,
        "title": f"{say['title']} ({target.name})",
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "notebooks": PACKAGE if from_package else "notebooks",
        "notebooks_row": say["notebooks_package" if from_package else "notebooks_copies"],
        "study_folders": "\n".join(
            f"!/data/raw/{p.name}/"
            for p in sorted((study / "data" / "raw").iterdir())
            if p.is_dir() and p.name not in SKIPPED
        ),
        **software(),
    }
    written: list[Path] = []
    copy_tree(study / "data" / "raw", target / "data" / "raw", written, target)
    notebooks = target / "notebooks"
    if from_package:
        readme = f"# {say['notebooks_readme_title']}\n\n{say['notebooks_readme']}\n"
        _write(notebooks / "README.md", readme.encode("utf-8"), target, written)
    else:
        copy_tree(study / "notebooks", notebooks, written, target)
    for name, template in FILES.items():
        text = Template((TEMPLATES / template.format(lang=lang)).read_text(encoding="utf-8")).substitute(values)
        _write(target / name, text.encode("utf-8"), target, written)
    _write(target / "requirements.txt", requirements_text().encode("utf-8"), target, written)
    return sorted(set(written))


def summary(target: str | Path, written: list[Path], lang: str, from_package: bool) -> str:
    """What ``samskab init`` prints: where the project is and the next commands."""
    target = Path(target).expanduser().resolve()
    kind = "the installed package's notebooks" if from_package else "notebook copies"
    here = Path.cwd().resolve()
    shown = target.relative_to(here).as_posix() if here in target.parents else str(target)
    return "\n".join(
        [
            f"samskab init: project {target} ({len(written)} files; language {lang}; {kind})",
            "  next steps (README.md):",
            f"    cd {shown} && git init && git add . && git commit -m 'samskab project'",
            "    samskab reproduce                          # the published study, into reports/",
            f"    samskab instrument export --lang {lang}      # the questionnaire for your round",
            "    samskab reproduce --data data/raw/<answers>  # your answers (git-ignored), into reports/cohorts/",
        ]
    )


__all__ = ["FILES", "LANGS", "init_project", "pinned_requirements", "summary"]
