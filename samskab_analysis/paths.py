"""Where the project's data and outputs live (all relative to the repository), and what may be written."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data" / "raw"
PROCESSED_DIR = REPO_ROOT / "data" / "processed"
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
REPORTS_DIR = REPO_ROOT / "reports"
#: Default output folder of notebooks run by hand (JupyterLab, papermill, nbconvert): git-ignored, so only
#: ``samskab reproduce`` writes the committed exhibits under ``reports/``.
SCRATCH_DIR = REPORTS_DIR / "scratch"
LANGS = ("da", "no", "en")

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
     "design.csv", "site", "pdf", ".site-src", "problems", "screenshots", "instrument", "archive", ".samskab.lock"}
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

    project_root: Path  #: refused as an output folder, and so is any folder containing it
    source_dirs: tuple[Path, ...]  #: refused, and everything below them
    package_dir: Path  #: the installed package itself
    outputs_dir: Path  #: the project's output folder: existing files there are samskab's own


def protected_places() -> ProtectedPlaces:
    """The project root, its source folders and the installed package folder, resolved.

    The one place the output gate (:mod:`samskab_analysis.output`) asks where the project and the package are,
    so a change in how they are located (an installed wheel, a project marker) changes the policy with it.
    """
    root = REPO_ROOT.resolve()
    return ProtectedPlaces(
        root,
        tuple(root / name for name in SOURCE_DIRS),
        Path(__file__).resolve().parent,
        REPORTS_DIR.resolve(),
    )


def resolve(path: str | Path | None) -> Path | None:
    """Resolve a notebook parameter path: relative paths are relative to the repository root."""
    if path is None or str(path) == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path


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
