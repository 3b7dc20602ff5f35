"""Where things live: the study's resources (read-only) and the project (a user's data and outputs).

* **The study** — the instrument, the published statements, assumptions and design, the corpus, the notebooks
  with ``notebooks/exhibits.csv``, the site template and strings, the pins: read-only resources with the
  repository's layout (``data/raw/``, ``data/processed/``, ``notebooks/``, ``site/``, …). In a checkout (an
  editable install) they are the repository itself; in an installed wheel they are package data in
  ``samskab_analysis/_study/``, found with :mod:`importlib.resources` (:func:`study_root`).
* **The project** — the folder where a research group's data and outputs live (:class:`Project`), found the
  way git finds its root: ``--project DIR`` (:func:`project_scope`), else ``$SAMSKAB_PROJECT``, else the
  nearest folder holding ``samskab.toml`` from the current folder upwards. The repository is a project of its
  own; ``samskab init DIR`` makes new ones. A project reads its own ``data/raw/``, ``notebooks/`` and ``site/``
  when it has them (or as ``samskab.toml`` says) and the packaged study's otherwise, and writes into its
  ``reports/`` and ``data/processed/``. **Outside any project** commands read the packaged study and write
  only into ``./reports/`` of the current folder.

Relative paths in notebook parameters are relative to the project (:func:`resolve`, :func:`relative`).
The module-level folders below are those of the project found when this module was imported; code that runs
after ``--project`` is applied asks :func:`current_project`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple

#: The marker file of a project (like ``.git`` for git).
PROJECT_FILE = "samskab.toml"
#: Environment variable naming the project folder (``--project`` sets it for the run's child processes).
PROJECT_ENV = "SAMSKAB_PROJECT"
#: The package's own folder (its code; library hashes are relative to its parent).
PACKAGE_DIR = Path(__file__).resolve().parent
#: Where the installed wheel keeps the study, inside the package.
STUDY_PACKAGE_DIR = "_study"
LANGS = ("da", "no", "en")

#: Study folders a project may have its own copy of: setting in ``samskab.toml`` -> (folder, file that marks it).
PROJECT_FOLDERS = {
    "data": ("data/raw", "instrument"),
    "notebooks": ("notebooks", "exhibits.csv"),
    "site": ("site", "conf.py"),
}
#: Keys of the ``[samskab]`` table of ``samskab.toml``.
PROJECT_KEYS = ("lang", *PROJECT_FOLDERS)
#: The value of a folder setting that means "the installed package's copy of the study".
PACKAGE = "package"


class ProjectError(ValueError):
    """A project that cannot be used (named folder missing, bad ``samskab.toml``) or a missing package file."""


def _filesystem_path(resource: object) -> Path:
    if isinstance(resource, Path):
        return resource
    raise ProjectError(  # pragma: no cover - zip imports are not supported
        f"package data of samskab_analysis is not on the file system ({resource}); install the wheel unzipped"
    )


@functools.cache
def study_root() -> Path:
    """The study's resources (read-only): ``samskab_analysis/_study/`` in a wheel, the repository in a checkout.

    When neither holds the study (a broken installation) the packaged location is returned, so every error
    names the package file that is missing (:func:`missing_package_file`).
    """
    packaged = importlib.resources.files(__package__ or "samskab_analysis").joinpath(STUDY_PACKAGE_DIR)
    if packaged.is_dir():
        return _filesystem_path(packaged).resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "notebooks" / "exhibits.csv").is_file() and (checkout / "data" / "raw" / "instrument").is_dir():
        return checkout
    return PACKAGE_DIR / STUDY_PACKAGE_DIR


def is_packaged_study() -> bool:
    """True when the study comes from an installed wheel (not from a checkout)."""
    return study_root() != PACKAGE_DIR.parent


def missing_package_file(path: str | Path) -> str | None:
    """For a file of the installed study that is missing, the message saying so (else None).

    A missing package file is a broken installation, not a problem of the user's input data.
    """
    path = Path(str(path).split(" [sheet ")[0])
    root = study_root()
    if not is_packaged_study() and root.is_dir():
        return None
    try:
        inside = path.resolve().relative_to(root)
    except (ValueError, OSError):
        return None
    if path.exists():
        return None
    return (
        f"package file missing: {STUDY_PACKAGE_DIR}/{inside.as_posix()} in {PACKAGE_DIR} (the installed "
        "samskab-analysis is incomplete; reinstall it, e.g. pipx reinstall samskab-analysis)"
    )


@dataclass(frozen=True)
class Project:
    """A project folder (or, outside any project, the current folder writing only into ``reports/``).

    ``found_by`` says how it was found: ``--project``, ``$SAMSKAB_PROJECT``, ``samskab.toml`` (walking up from
    the current folder), or ``""`` outside any project.
    """

    root: Path
    found_by: str = ""
    lang: str = "da"
    data_dir: Path = Path()
    notebook_dir: Path = Path()
    site_dir: Path = Path()

    @property
    def is_project(self) -> bool:
        """False outside any project (then the packaged study is read and only ``./reports/`` written)."""
        return bool(self.found_by)

    @property
    def marker(self) -> Path:
        """The project's ``samskab.toml`` (it may not exist for ``--project DIR`` without one)."""
        return self.root / PROJECT_FILE

    @property
    def reports_dir(self) -> Path:
        """The default output folder of ``samskab reproduce``: ``<root>/reports``."""
        return self.root / "reports"

    @property
    def processed_dir(self) -> Path:
        """Processed tables of the published run: ``data/processed`` in a project, else ``reports/processed``."""
        return self.root / "data" / "processed" if self.is_project else self.reports_dir / "processed"

    @property
    def scratch_dir(self) -> Path:
        """Output of notebooks run by hand (JupyterLab, papermill): git-ignored ``reports/scratch``."""
        return self.reports_dir / "scratch"

    @property
    def exhibits_file(self) -> Path:
        """The list of notebooks ``samskab reproduce`` runs."""
        return self.notebook_dir / "exhibits.csv"

    def source_dirs(self) -> tuple[Path, ...]:
        """Folders that hold sources and never receive outputs: the project's own data/raw, notebooks, site,
        and the study's resources and code (the output gate of ``--out`` asks this)."""
        own = [self.root / folder for folder, _ in PROJECT_FOLDERS.values()] if self.is_project else []
        study = [study_root() / folder for folder, _ in PROJECT_FOLDERS.values()]
        return tuple(dict.fromkeys([*own, self.data_dir, self.notebook_dir, self.site_dir, *study, PACKAGE_DIR]))

    def locate(self, relative: str | Path) -> Path:
        """A project-relative path: ``data/raw/…``, ``notebooks/…``, ``site/…`` go to the folders in use."""
        parts = PurePosixPath(Path(relative).as_posix()).parts
        targets = (self.data_dir, self.notebook_dir, self.site_dir)
        for (folder, _), target in zip(PROJECT_FOLDERS.values(), targets, strict=True):
            prefix = PurePosixPath(folder).parts
            if parts[: len(prefix)] == prefix:
                return target.joinpath(*parts[len(prefix) :])
        return self.root.joinpath(*parts)

    def describe(self) -> str:
        """One line naming the project and where its study comes from (for messages)."""
        if not self.is_project:
            return (
                f"no samskab project ({PROJECT_FILE}) in {self.root} or above: using the packaged study, "
                f"writing into {self.reports_dir}"
            )
        how = {"samskab.toml": str(self.marker)}.get(self.found_by, self.found_by)
        return f"project {self.root} ({how})"


def _study_folder(key: str) -> Path:
    return study_root() / PROJECT_FOLDERS[key][0]


def _read_settings(marker: Path) -> dict[str, object]:
    try:
        settings = tomllib.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ProjectError(f"{marker}: not a readable TOML file ({err})") from None
    table = settings.get("samskab", {})
    if not isinstance(table, dict):
        raise ProjectError(f"{marker}: [samskab] must be a table; keys: {', '.join(PROJECT_KEYS)}")
    unknown = sorted(set(table) - set(PROJECT_KEYS))
    if unknown:
        raise ProjectError(
            f"{marker}: unknown key(s) {', '.join(unknown)} in [samskab]; allowed: {', '.join(PROJECT_KEYS)}"
        )
    return table


def _load_project(root: Path, found_by: str, has_marker: bool) -> Project:
    marker = root / PROJECT_FILE
    settings = _read_settings(marker) if has_marker else {}
    lang = settings.get("lang", "da")
    if lang not in LANGS:
        raise ProjectError(f"{marker}: lang = {lang!r} is not a language of this study; allowed: {', '.join(LANGS)}")
    folders = {}
    for key, (folder, sign) in PROJECT_FOLDERS.items():
        value = settings.get(key)
        if value is None:  # the project's copy when it has one, else the packaged study's
            own = root / folder
            folders[key] = own if (own / sign).exists() else _study_folder(key)
        elif value == PACKAGE:
            folders[key] = _study_folder(key)
        else:
            chosen = (root / str(value)).resolve()
            if not (chosen / sign).exists():
                raise ProjectError(
                    f"{marker}: {key} = {value!r}, but {chosen / sign} does not exist; "
                    f"allowed: a folder of the project holding {sign}, or {PACKAGE!r} (the installed package's)"
                )
            folders[key] = chosen
    return Project(root, found_by, str(lang), folders["data"], folders["notebooks"], folders["site"])


def find_project(explicit: str | Path | None = None, start: str | Path | None = None) -> Project:
    """The project: *explicit* (``--project``), else ``$SAMSKAB_PROJECT``, else the nearest ``samskab.toml``
    from *start* (default: the current folder) upwards; outside any project the current folder, not a project."""
    env = os.environ.get(PROJECT_ENV, "").strip()
    named, how = (explicit, "--project") if explicit else (env, f"${PROJECT_ENV}") if env else (None, "")
    if named:
        root = Path(named).expanduser().resolve()
        if not root.is_dir():
            raise ProjectError(f"{how} {root}: no such folder (create a project with: samskab init {named})")
        return _load_project(root, how, (root / PROJECT_FILE).is_file())
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return _load_project(folder, PROJECT_FILE, True)
    return _load_project(here, "", False)


_SCOPE: list[Project] = []


def current_project() -> Project:
    """The project of the running command (:func:`project_scope`), else :func:`find_project`."""
    return _SCOPE[-1] if _SCOPE else find_project()


@contextlib.contextmanager
def project_scope(explicit: str | Path | None = None) -> Iterator[Project]:
    """Run a command in a project: found now, and named in ``$SAMSKAB_PROJECT`` for the command's child processes
    (notebook kernels, workers) when given explicitly; both restored afterwards."""
    project = find_project(explicit)
    previous = os.environ.get(PROJECT_ENV)
    if project.found_by == "--project":
        os.environ[PROJECT_ENV] = str(project.root)
    _SCOPE.append(project)
    try:
        yield project
    finally:
        _SCOPE.pop()
        if previous is None:
            os.environ.pop(PROJECT_ENV, None)
        else:
            os.environ[PROJECT_ENV] = previous


def adopt_project(project: Project) -> None:
    """Make *project* this process's project (a worker of a run): as :func:`project_scope` does, for good."""
    _SCOPE[:] = [project]
    if project.found_by in ("--project", f"${PROJECT_ENV}"):  # for its kernels (new processes)
        os.environ[PROJECT_ENV] = str(project.root)
    else:  # found from the working folder, as the kernels will find it
        os.environ.pop(PROJECT_ENV, None)


def _initial_project() -> Project:
    try:
        return find_project()
    except ProjectError:  # a bad project is reported by the command that uses it, not at import
        return _load_project(Path.cwd().resolve(), "", False)


_AT_IMPORT = _initial_project()

#: The study's root: the repository in a checkout, ``samskab_analysis/_study`` in an installed wheel.
REPO_ROOT = study_root()
STUDY_DIR = REPO_ROOT
#: The study's raw data as packaged (the published study; ``samskab --version`` hashes it).
STUDY_DATA_DIR = STUDY_DIR / "data" / "raw"
#: The raw data folder of the project found at import (its own data/raw, or the packaged study's).
DATA_DIR = _AT_IMPORT.data_dir
PROCESSED_DIR = _AT_IMPORT.processed_dir
NOTEBOOK_DIR = _AT_IMPORT.notebook_dir
REPORTS_DIR = _AT_IMPORT.reports_dir
#: Default output folder of notebooks run by hand (JupyterLab, papermill, nbconvert): git-ignored, so only
#: ``samskab reproduce`` writes the committed exhibits under ``reports/``.
SCRATCH_DIR = _AT_IMPORT.scratch_dir

#: Folders of the repository that hold sources: never an output folder (nor inside one).
SOURCE_DIRS = (
    ".git",
    ".ci",
    ".github",
    ".venv",
    "benchmarks",
    "data/raw",
    "docs",
    "notebooks",
    "requirements",
    "samskab_analysis",
    "scripts",
    "site",
    "tests",
)

#: What ``samskab reproduce`` writes into its output folder; an existing folder holding anything else (and no
#: lock file of an earlier samskab run) is refused by the output gate (:mod:`samskab_analysis.output`).
OUTPUT_ENTRIES = frozenset(
    {"notebooks", "html", "figures", "data", "processed", "failed", "index.html", "manifest.json", "scratch",
     "cohorts", "screenshot.png", "_build", ".gitignore", "counts.csv", "item_summary.csv", "claims_ledger.csv",
     "design.csv", "site", "pdf", ".site-src", "problems", "screenshots", "instrument", "archive", ".samskab.lock",
     "disclosure"}
)  # fmt: skip

#: Environment variable with the names the paths a run passes to its notebooks have in the outputs (relative to
#: the project, or ``…/<file name>`` outside it), as a JSON object ``{real path: name}``: the runner replaces the
#: real paths by these names in the executed notebooks.
PATHS_ENV = "SAMSKAB_PATHS"
#: How a path outside the project is shown in outputs: this marker, a slash and the file name.
OUTSIDE = "…"


class OutputError(Exception):
    """Something samskab cannot write: one message naming the path and the reason (no traceback)."""


class UnsafeOutputError(OutputError, ValueError):
    """An output folder that would overwrite sources (the repository, notebooks, raw data, an input file)."""


class ProtectedPlaces(NamedTuple):
    """What the output gate never writes into (see :func:`protected_places`)."""

    project_root: Path  #: the project's root (the checkout, or the current folder outside any project)
    roots: tuple[Path, ...]  #: refused as output folders, and so is any folder containing one
    source_dirs: tuple[Path, ...]  #: refused, and everything below them
    package_dir: Path  #: the installed package itself
    outputs_dirs: tuple[Path, ...]  #: output folders whose existing files are samskab's own (a project's reports/)


def protected_places() -> ProtectedPlaces:
    """The project root(s), their source folders and the installed package folder, resolved.

    The one place the output gate (:mod:`samskab_analysis.output`) asks where the project, the study and the
    package are (:func:`current_project`, :func:`study_root`), so how they are located (an installed wheel, a
    project marker, ``--project``) changes the policy with it. Outside any project the current folder is not
    protected (only ``./reports/`` is written there by default), and ``./reports/`` holding a user's own files
    is refused like any other folder.
    """
    project = current_project()
    study = study_root().resolve()
    roots = [] if is_packaged_study() else [study]
    if project.is_project:
        roots.append(project.root.resolve())
    sources = [study / name for name in SOURCE_DIRS] if not is_packaged_study() else []
    sources += [folder.resolve() for folder in project.source_dirs()]
    if project.is_project:
        sources += [project.root.resolve() / name for name in (".git", ".venv")]
    outputs = [project.reports_dir.resolve()] if project.is_project else []
    outputs += [] if is_packaged_study() else [(study / "reports").resolve()]
    return ProtectedPlaces(
        project.root.resolve(),
        tuple(dict.fromkeys(roots)),
        tuple(dict.fromkeys(sources)),
        PACKAGE_DIR,
        tuple(dict.fromkeys(outputs)),
    )


def resolve(path: str | Path | None) -> Path | None:
    """Resolve a notebook parameter path: relative paths are relative to the project (:meth:`Project.locate`:
    ``data/raw/…``, ``notebooks/…`` and ``site/…`` are the folders in use, the packaged study's outside a project)."""
    if path is None or str(path) == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else current_project().locate(path)


def relative(path: str | Path | None) -> str | None:
    """A path as notebook parameters and manifests give it: relative to the project when :func:`resolve`
    turns that back into the same file (keeps outputs portable), else absolute."""
    if path is None:
        return None
    path = Path(path).resolve()
    project = current_project()
    try:
        candidate = path.relative_to(project.root)
    except ValueError:
        return str(path)
    return candidate.as_posix() if project.locate(candidate).resolve() == path else str(path)


def digest_name(path: str | Path) -> str:
    """A file's name in content hashes: relative to the study layout (``data/raw/…``, ``notebooks/…``,
    ``samskab_analysis/…``), so the same files hash alike in a checkout, a wheel and a project's copy."""
    path = Path(path).resolve()
    project = current_project()
    bases = [
        (project.data_dir, "data/raw"),
        (project.notebook_dir, "notebooks"),
        (project.site_dir, "site"),
        (study_root(), ""),
        (PACKAGE_DIR.parent, ""),
        (project.root, ""),
    ]
    for base, prefix in bases:
        try:
            inside = path.relative_to(base.resolve())
        except ValueError:
            continue
        return (PurePosixPath(prefix) / inside.as_posix()).as_posix() if prefix else inside.as_posix()
    return str(path)


def check_lang(lang: object) -> str:
    """*lang* when it is one of :data:`LANGS`; otherwise a ``ValueError`` naming the allowed ones."""
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not a language of this study; use one of {', '.join(LANGS)}")
    return str(lang)


#: Environment variable naming the private folder where a cohort run keeps its validated answers
#: (:mod:`samskab_analysis.ingest.cache`); set by the runner for the run's notebooks, never in the outputs.
CACHE_ENV = "SAMSKAB_ANSWERS_CACHE"
#: Environment variable set to ``1`` by ``samskab reproduce --include-incomplete`` for the run's notebooks: cohort
#: answers keep incomplete responses (:func:`samskab_analysis.study.load_study`).
INCOMPLETE_ENV = "SAMSKAB_INCLUDE_INCOMPLETE"

#: Flags for headless Chromium printing local files to PDF (no network, no first-run or sync services).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium (or another on PATH), or None: the one browser both PDF printers use."""
    import shutil

    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None
