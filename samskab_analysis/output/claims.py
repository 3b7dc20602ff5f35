"""Claim an output folder for one command: check it, create it, lock it (a second run is refused, naming the first)."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from samskab_analysis.output.files import _ROOT_FLAGS, _make_parents, sweep_temp_files
from samskab_analysis.output.messages import OutputBusyError, output_error, shown
from samskab_analysis.output.places import LOCK_NAME, _claims, check_out_dir
from samskab_analysis.output.temp import sweep_private_temps
from samskab_analysis.paths import UnsafeOutputError

_depth: dict[Path, int] = {}


def _command_line() -> str:
    text = shlex.join(["samskab", *sys.argv[1:]]) if sys.argv and sys.argv[0] else "samskab (library)"
    return text[:300]


def _lock(folder: Path, what: str) -> tuple[int, bool]:
    """Lock *folder* for this process: ``(descriptor, whether the last holder died without releasing it)``."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        return -1, False
    dir_fd = os.open(folder, _ROOT_FLAGS)
    try:
        fd = os.open(LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC, 0o644,
                     dir_fd=dir_fd)  # fmt: skip
    finally:
        os.close(dir_fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 400, 0).decode("utf-8", "replace").strip() or "another process"
        os.close(fd)
        raise OutputBusyError(
            f"{what} {shown(folder)} is being written by another samskab run ({holder}); "
            "wait for it to finish or choose another folder"
        ) from None
    previous = os.pread(fd, 400, 0).decode("utf-8", "replace")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}: {_command_line()}\n".encode("utf-8", "backslashreplace"), 0)
    return fd, previous.startswith("pid ")


def _unlock(fd: int) -> None:
    if fd < 0:
        return
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"free\n", 0)
    os.close(fd)  # releases the flock


def _only_lock_left(folder: Path) -> bool:
    try:
        names = [e.name for e in os.scandir(folder)]
    except OSError:
        return False
    return set(names) <= {LOCK_NAME}


@contextlib.contextmanager
def claim_output(
    out: str | Path,
    *,
    inputs: Iterable[str | Path | None] = (),
    input_dirs: Iterable[str | Path | None] = (),
    what: str = "--out",
) -> Iterator[Path]:
    """Check, create and lock an output folder for one command; yields the resolved folder.

    Folders this claim created are removed again when the command ends having written nothing into them.
    Stale temporary files of a killed run into the same folder are removed. Claiming a folder this process
    already holds is a no-op (the site step of ``samskab reproduce``).
    """
    folder = check_out_dir(out, inputs, what, input_dirs)
    if folder in _claims:
        _depth[folder] += 1
        try:
            yield folder
        finally:
            _depth[folder] -= 1
        return
    sweep_private_temps()
    made = _make_parents(folder)
    fd = -1
    try:
        try:
            fd, _ = _lock(folder, what)
        except OSError as err:
            raise output_error(err, folder / LOCK_NAME) from None
        if folder.resolve() != folder:  # a folder on the way was swapped for a link after the check
            raise UnsafeOutputError(f"{what} {shown(folder)} changed while it was being claimed; try again")
        sweep_temp_files(folder)  # what a killed run (or a killed worker) left half-written
        _claims[folder], _depth[folder] = fd, 1
        try:
            yield folder
        finally:
            _claims.pop(folder, None)
            _depth.pop(folder, None)
    finally:
        if fd >= 0 and made and _only_lock_left(folder):
            with contextlib.suppress(OSError):
                os.unlink(folder / LOCK_NAME)
        _unlock(fd)
        for parent in made:  # deepest first; only empty ones
            with contextlib.suppress(OSError):
                parent.rmdir()


@contextlib.contextmanager
def lock_folder(folder: str | Path, what: str) -> Iterator[Path]:
    """Create (if missing) and lock *folder* for one command that checks the folder itself (``samskab init``);
    a second such command is refused, naming the first. The lock file is removed at the end, and so are the
    folders this created when nothing was written into them."""
    folder = Path(os.path.abspath(Path(folder).expanduser()))
    made = _make_parents(folder)
    try:
        fd, _ = _lock(folder, what)
    except OSError as err:
        for parent in made:
            with contextlib.suppress(OSError):
                parent.rmdir()
        raise output_error(err, folder / LOCK_NAME) from None
    try:
        yield folder
    finally:
        with contextlib.suppress(OSError):
            os.unlink(folder / LOCK_NAME)  # still held: a waiting command is refused until we release it
        _unlock(fd)
        for parent in made:
            with contextlib.suppress(OSError):
                parent.rmdir()
