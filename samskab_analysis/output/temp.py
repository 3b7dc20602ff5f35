"""Private temporary folders of a run: 0700, removed at its end, swept after a killed run."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from samskab_analysis.output.messages import output_error
from samskab_analysis.output.places import (
    OWNER_FILE,
    TEMP_PATTERN,
    TEMP_PREFIX,
    is_private_dir,  # noqa: F401 - part of this module's API
)
from samskab_analysis.paths import OutputError


def _start_time(pid: int) -> int:
    """A process's start time (clock ticks since boot, from /proc), 0 where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return 0


def _alive(pid: int, start: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return start == 0 or _start_time(pid) in (0, start)


def sweep_private_temps(folder: str | Path | None = None) -> int:
    """Remove this user's private temporary folders of samskab runs that are no longer running; how many."""
    base = Path(folder or tempfile.gettempdir())
    removed = 0
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(base))
    except OSError:
        return 0
    for entry in entries:
        if not TEMP_PATTERN.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
            continue
        owner = _owner(Path(entry.path))
        if owner is None or _alive(*owner):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += 1
    return removed


def _owner(folder: Path) -> tuple[int, int] | None:
    """``(pid, start time)`` of the run a private folder belongs to (None when unknown: left alone)."""
    try:
        fd = os.open(folder / OWNER_FILE, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            pid, start = handle.read(100).decode("ascii").split()
        return int(pid), int(start)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


@contextlib.contextmanager
def private_temp(kind: str = "run") -> Iterator[Path]:
    """A private (0700) temporary folder for this run, removed on exit, error and signal.

    It holds :data:`OWNER_FILE` (pid and process start time): the next run removes the folders of runs killed
    with ``kill -9`` (:func:`sweep_private_temps`), so no respondent data outlive a killed run past the next one.
    """
    if not re.fullmatch(r"[a-z]+", kind):
        raise ValueError(f"kind {kind!r}: lower-case letters only")
    sweep_private_temps()
    pid = os.getpid()
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{kind}-"))
        with private_file(folder / OWNER_FILE) as handle:
            handle.write(f"{pid} {_start_time(pid)}\n".encode())
    except OSError as err:
        raise output_error(err, tempfile.gettempdir(), "create a temporary folder in") from None
    except OutputError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def private_file(path: str | Path) -> IO[bytes]:
    """A new file readable by its owner only (0600, never through a link), open for appending bytes.

    For a run's own files in its private temporary folder (a kernel's log); the caller closes it.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as err:
        raise output_error(err, path, "create") from None
    return os.fdopen(fd, "ab")


def remove_private_file(path: str | Path) -> None:
    """Remove a file of the run's private temporary folder (missing is fine)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
