"""Where the project's data and outputs live (all relative to the repository), and what may be written."""

from __future__ import annotations

from pathlib import Path

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
    ".venv",
    "benchmarks",
    "data/raw",
    "docs",
    "notebooks",
    "requirements",
    "samskab_analysis",
    "scripts",
    "tests",
)

#: What ``samskab reproduce`` writes into its output folder; an existing folder holding anything else is refused.
OUTPUT_ENTRIES = frozenset(
    {"notebooks", "html", "figures", "data", "processed", "failed", "index.html", "manifest.json", "scratch",
     "cohorts", "screenshot.png", "_build", ".gitignore", "counts.csv", "item_summary.csv", "claims_ledger.csv",
     "design.csv"}
)  # fmt: skip


class UnsafeOutputError(ValueError):
    """An output folder that would overwrite sources (the repository, notebooks, raw data, an input file)."""


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


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_out_dir(out: str | Path, inputs: tuple[Path | None, ...] = (), what: str = "--out") -> Path:
    """The resolved output folder, or :class:`UnsafeOutputError` when writing there could change a source.

    Refused: the repository itself (or a folder containing it), any folder in or below :data:`SOURCE_DIRS`,
    a folder containing one of *inputs* (raw data folder, respondent file, assumptions, column map), and an
    existing folder holding files ``samskab`` does not write (unless it is ``reports/`` or below it).
    """
    out = Path(out).expanduser().resolve()
    root = REPO_ROOT.resolve()
    if _inside(root, out):
        raise UnsafeOutputError(f"{what} {out} is (or contains) the repository; choose a folder such as reports/")
    for name in SOURCE_DIRS:
        if _inside(out, root / name):
            raise UnsafeOutputError(f"{what} {out} is inside {name}/, which holds sources; choose another folder")
    for source in inputs:
        if source is not None and _inside(Path(source).resolve(), out):
            raise UnsafeOutputError(f"{what} {out} contains the input {Path(source).resolve()}; choose another folder")
    if not _inside(out, REPORTS_DIR.resolve()) and out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_ENTRIES)
        if foreign and not (out / "manifest.json").is_file():
            shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
            raise UnsafeOutputError(
                f"{what} {out} already holds files samskab did not write ({shown}); choose a new or empty folder"
            )
    return out

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
