"""Where samskab may write: one refusal policy for every command, and the folders this process has claimed."""

from __future__ import annotations

import contextlib
import os
import re
import site
import stat
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from samskab_analysis.output.messages import shown
from samskab_analysis.paths import (
    OUTPUT_ENTRIES,
    PROJECT_FILE,
    ProjectError,
    UnsafeOutputError,
    find_project,
    protected_places,
)

#: The lock (and marker) file of a folder samskab writes into.
LOCK_NAME = ".samskab.lock"
#: Suffix of the temporary files of atomic writes (removed on error; stale ones swept when a folder is claimed).
TEMP_SUFFIX = ".samskab-tmp"

#: Private temporary folders are named ``samskab-<kind>-<random>`` (short: kernels put sockets in them, and a
#: socket path has at most 107 bytes) and hold :data:`OWNER_FILE` with the pid and start time of their run.
TEMP_PREFIX = "samskab-"
TEMP_PATTERN = re.compile(r"^samskab-([a-z]+)-[A-Za-z0-9_]{8}$")
OWNER_FILE = ".owner"

#: Output folders this process has claimed (:func:`samskab_analysis.output.claims.claim_output`) -> lock descriptor.
_claims: dict[Path, int] = {}


def claimed_folders() -> tuple[Path, ...]:
    """The output folders this process holds (innermost last)."""
    return tuple(_claims)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def environment_dirs() -> tuple[Path, ...]:
    """The Python environment's folders: the venv (``sys.prefix``), site-packages, scripts."""
    found: list[str] = [sys.prefix, sys.exec_prefix]
    with contextlib.suppress(AttributeError):
        found += site.getsitepackages()
    with contextlib.suppress(AttributeError, TypeError):
        user = site.getusersitepackages()
        found += [user] if isinstance(user, str) else []
    for key in ("purelib", "platlib", "scripts", "stdlib", "platstdlib", "include"):
        with contextlib.suppress(KeyError):
            found.append(sysconfig.get_path(key))
    return tuple(dict.fromkeys(Path(p).resolve() for p in found if p))


def refusal(folder: Path, what: str = "--out", repositories: bool = True) -> str | None:
    """Why *folder* (resolved) may never hold outputs, or None: the sources, the environment, a repository.

    With *repositories* false a folder inside another git repository is allowed (``samskab init`` makes a
    project folder, which may live in a group's repository).
    """
    places = protected_places()
    for root in places.roots:
        if _inside(root, folder):
            return f"{what} {shown(folder)} is (or contains) the project folder; choose a folder such as reports/"
    for source in places.source_dirs:
        if _inside(folder, source):
            base = next((r for r in places.roots if _inside(source, r)), None)
            name = source.relative_to(base).as_posix() if base is not None else shown(source)
            return f"{what} {shown(folder)} is inside {name}/, which holds sources; choose another folder"
    if _inside(folder, places.package_dir):
        return f"{what} {shown(folder)} is inside the installed samskab package; choose another folder"
    if any(_inside(folder, outputs) for outputs in places.outputs_dirs):
        return None
    for env in environment_dirs():
        if _inside(folder, env) or (_inside(env, folder) and folder != Path(folder.anchor)):
            return f"{what} {shown(folder)} is (or contains) the Python environment {env}; choose another folder"
    other = other_project_source(folder, places.roots) if repositories else None  # init checks its own target
    if other:
        return f"{what} {shown(folder)} is inside {other}, which holds sources; choose another folder"
    for parent in (folder, *folder.parents) if repositories else ():
        if (parent / ".git").exists() and parent not in places.roots:
            return f"{what} {shown(folder)} is inside another repository ({shown(parent)}); choose another folder"
    return None


def other_project_source(folder: Path, roots: Iterable[Path] = ()) -> str | None:
    """``data/raw/ of the samskab project <root>`` when *folder* lies in a source folder (or ``.git``, ``.venv``)
    of another samskab project (a ``samskab.toml`` above it) than the command's own; else None. That project
    need not be a repository yet (``samskab init`` does not make one)."""
    for parent in (folder, *folder.parents):
        if parent in roots or not (parent / PROJECT_FILE).is_file():
            continue
        try:
            project = find_project(explicit=parent)
            sources = [*project.source_dirs(), parent / ".git", parent / ".venv"]
        except (ProjectError, OSError, ValueError):  # an unreadable samskab.toml: the whole project is off limits
            return f"the samskab project {shown(parent)}"
        for source in sources:
            source = Path(source).resolve()
            if _inside(folder, source) and _inside(source, parent):
                return f"{source.relative_to(parent).as_posix()}/ of the samskab project {shown(parent)}"
        return None
    return None


def _is_ours(folder: Path) -> bool:
    """True when an existing folder holds only what samskab writes (or samskab has claimed it before)."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return False
    if LOCK_NAME in names:
        return True
    return all(name in OUTPUT_ENTRIES or name.endswith(TEMP_SUFFIX) for name in names)


def check_out_dir(
    out: str | Path,
    inputs: Iterable[str | Path | None] = (),
    what: str = "--out",
    input_dirs: Iterable[str | Path | None] = (),
) -> Path:
    """The resolved output folder, or :class:`UnsafeOutputError` saying why samskab may not write there.

    Refused: the project (or a folder containing it), its source folders and ``.git``, the Python environment,
    the installed package, another repository, a folder containing one of *inputs* (files) or inside one of
    *input_dirs*, an existing file, a link to nowhere, and an existing folder (outside ``reports/``) holding
    files samskab did not write.
    """
    given = Path(os.path.abspath(Path(out).expanduser()))
    if given.is_symlink() and not given.exists():
        raise UnsafeOutputError(f"{what} {shown(given)} is a symbolic link to a folder that does not exist")
    folder = given.resolve()
    if folder.exists() and not folder.is_dir():
        raise UnsafeOutputError(f"{what} {shown(given)} is an existing file, not a folder; give a folder")
    reason = refusal(folder, what)
    if reason:
        raise UnsafeOutputError(reason)
    for source in inputs:
        if source is not None and str(source) != "":
            real = Path(source).resolve()
            if _inside(real, folder):
                raise UnsafeOutputError(
                    f"{what} {shown(folder)} contains the input {shown(real)}; choose another folder"
                )
    for source in input_dirs:
        if source is not None and str(source) != "":
            real = Path(source).resolve()
            if _inside(folder, real) or _inside(real, folder):
                raise UnsafeOutputError(
                    f"{what} {shown(folder)} is inside (or contains) the input folder {shown(real)}; "
                    "choose another folder"
                )
    own = protected_places().outputs_dirs
    if folder.is_dir() and not any(_inside(folder, o) for o in own) and not _is_ours(folder):
        foreign = sorted(
            p.name for p in folder.iterdir() if p.name not in OUTPUT_ENTRIES and not p.name.endswith(TEMP_SUFFIX)
        )
        listed = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise UnsafeOutputError(
            f"{what} {shown(folder)} already holds files samskab did not write ({listed}); choose a new or empty folder"
        )
    return folder


def check_writable_place(folder: Path, what: str = "output folder", repositories: bool = True) -> None:
    """Refuse writing into *folder* when it is a source, environment or package folder (any write, any caller)."""
    reason = refusal(Path(os.path.abspath(folder)).resolve(), what, repositories)
    if reason:
        raise UnsafeOutputError(reason)


def is_private_dir(folder: str | Path) -> bool:
    """True for a real folder (not a link) of this user that nobody else may read (mode 0700)."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return stat.S_ISDIR(info.st_mode) and owner_ok and stat.S_IMODE(info.st_mode) & 0o077 == 0


def samskab_private_dir(path: Path) -> bool:
    """True when *path* is inside a private folder of samskab: a run's temporary folder (``samskab-<kind>-…``,
    0700, this user's) or the user's private cache (``$XDG_CACHE_HOME/samskab``, ``~/.cache/samskab``)."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    try:
        caches = {(Path(cache) if os.path.isabs(cache) else Path.home() / ".cache") / "samskab"}
    except RuntimeError:  # no home folder
        caches = set()
    for folder in (path, *path.parents):
        if (TEMP_PATTERN.match(folder.name) or folder in caches) and is_private_dir(folder):
            return True
    return False
