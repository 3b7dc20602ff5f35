"""What a path looks like in a message or an output, and one sentence per OS error."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from samskab_analysis.paths import OUTSIDE, OutputError, current_project, digest_name, protected_places


class OutputBusyError(OutputError):
    """Another samskab run is writing into the same folder."""



def shown(path: str | Path | None) -> str:
    """A path for a message: relative to the working folder or the project when below them, else as it is."""
    if path is None:
        return "?"
    path = Path(os.path.abspath(path))
    try:
        cwd = Path.cwd()
    except OSError:
        cwd = Path(path.anchor)
    for base in (cwd, protected_places().project_root):
        if base == Path(base.anchor):
            continue
        try:
            relative = path.relative_to(base)
        except ValueError:
            continue
        return relative.as_posix() or "."
    return str(path)


def portable_path(path: str | Path | None) -> str | None:
    """A path as it may appear in outputs: relative to the project, else ``…/<file name>``.

    A relative name is used only when the project turns it back into the same file
    (:meth:`~samskab_analysis.paths.Project.locate`): ``data/raw/…``, ``notebooks/…`` and ``site/…`` name the
    folders in use (the installed package's study outside a project). Outputs (notebooks, pages, PDFs,
    manifests) never carry the machine's folders.
    """
    if path is None:
        return None
    absolute = Path(os.path.abspath(path))
    project = current_project()
    real = absolute.resolve()
    candidates: list[str] = []
    for candidate in (absolute, real):
        with contextlib.suppress(ValueError):
            candidates.append(candidate.relative_to(protected_places().project_root).as_posix() or ".")
    study = digest_name(real)
    if not os.path.isabs(study):
        candidates.append(study)
    for name in candidates:
        if name == "." or project.locate(name).resolve() == real:
            return printable(name)
    return printable(f"{OUTSIDE}/{absolute.name}")


def printable(text: str) -> str:
    """*text* with bytes of a file name that are not UTF-8 written as ``\\xe9`` (every output is UTF-8)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


#: ``errno`` -> the sentence after "cannot write <path>:".
_REASONS = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.ENAMETOOLONG: "the name is too long for the file system (at most 255 bytes per name)",
    errno.EEXIST: "it already exists",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ELOOP: "it is (or passes through) a symbolic link, and samskab never writes through links",
    errno.ENOENT: "a folder on the way does not exist",
    errno.EMFILE: "too many open files",
    errno.ENFILE: "too many open files on the system",
    errno.EIO: "an input/output error of the device",
    errno.EBUSY: "the file or folder is in use",
    errno.EXDEV: "it is on another file system",
    errno.ETXTBSY: "the file is in use by a running program",
    errno.EFBIG: "the file is too large for the file system",
}

#: Errors after which no other write can succeed either: a run stops at the first one.
FATAL_ERRNOS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT})


def describe_os_error(err: OSError, path: str | Path | None = None, verb: str = "write") -> str:
    """One sentence for an ``OSError``: ``cannot write reports/x.svg: no space left on the device``."""
    target = path if path is not None else (err.filename if err.filename is not None else None)
    reason = _REASONS.get(err.errno or -1) or (err.strerror or str(err)).strip() or type(err).__name__
    return f"cannot {verb} {shown(target) if target is not None else 'a file'}: {reason}"


def output_error(err: OSError, path: str | Path | None = None, verb: str = "write") -> OutputError:
    """:class:`OutputError` with :func:`describe_os_error`'s message; ``errno`` kept, ``fatal`` for a full disk."""
    result = OutputError(describe_os_error(err, path, verb))
    result.errno = err.errno  # type: ignore[attr-defined]
    result.fatal = err.errno in FATAL_ERRNOS  # type: ignore[attr-defined]
    return result


def is_fatal_message(text: str) -> bool:
    """True when a message (e.g. a notebook's error) says the disk is full or read-only."""
    return any(f": {_REASONS[number]}" in text for number in FATAL_ERRNOS)


def is_fatal(err: BaseException) -> bool:
    """True for errors after which nothing else can be written (read-only file system, no space)."""
    if isinstance(err, OSError):
        return err.errno in FATAL_ERRNOS
    return bool(getattr(err, "fatal", False))
