"""Atomic writes and removals below an output folder that never follow a symbolic link."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from samskab_analysis.output.messages import output_error, shown
from samskab_analysis.output.places import TEMP_SUFFIX, _claims, _inside, check_writable_place, samskab_private_dir
from samskab_analysis.paths import OutputError, UnsafeOutputError

#: Environment variable naming the folders a worker process of a run may write into (``os.pathsep``-separated:
#: the output folder, the processed tables' folder, the run's private folder); no link is followed below them.
ROOT_ENV = "SAMSKAB_OUTPUT_ROOT"

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


def allowed_roots() -> list[Path]:
    """The folders this process may write into: those it claimed and those its run named (:data:`ROOT_ENV`).

    Empty when neither: a library call (a notebook run by hand) writes where it is asked, sources excepted.
    """
    roots = sorted(_claims, key=lambda p: -len(p.parts))
    roots += [Path(p) for p in (os.environ.get(ROOT_ENV) or "").split(os.pathsep) if p]
    return roots


def _root_for(path: Path, root: str | Path | None) -> Path:
    """The folder below which no link is followed when writing *path* (absolute, not resolved).

    While this process holds an output folder (or works for a run), *path* must be inside one of them.
    """
    roots = allowed_roots()
    if root is not None and roots and not any(_inside(Path(root).resolve(), r.resolve()) for r in roots):
        if not samskab_private_dir(Path(root).resolve()):  # the run's private folder, the user's cache: allowed
            raise UnsafeOutputError(f"cannot write {shown(path)}: it is outside the output folder")
    candidates = ([Path(root)] if root is not None else []) + roots
    for candidate in candidates:
        base = Path(os.path.abspath(candidate))
        for form in (base, base.resolve()):
            if _inside(path, form) and path != form:
                return form
    parent = Path(os.path.abspath(path.parent)).resolve()
    if roots and not samskab_private_dir(parent):
        raise UnsafeOutputError(
            f"cannot write {shown(path)}: it is outside the output folder ({', '.join(shown(r) for r in roots)})"
        )
    return parent


def _split(path: str | Path, root: str | Path | None) -> tuple[Path, tuple[str, ...]]:
    path = Path(path)
    if ".." in path.parts:  # resolved as the file system does (links before '..'), not lexically
        path = Path(os.path.realpath(path.parent)) / path.name
    absolute = Path(os.path.abspath(path))
    base = _root_for(absolute, root)
    if not _inside(absolute, base):
        base = base.resolve()
    parts = absolute.relative_to(base).parts if _inside(absolute, base) else (absolute.name,)
    if not parts:
        raise UnsafeOutputError(f"cannot write {shown(path)}: it is the output folder itself")
    return base, parts


def _check_name(name: str, path: Path) -> None:
    if len(name.encode("utf-8", "surrogateescape")) > 255:
        raise output_error(OSError(errno.ENAMETOOLONG, "name too long"), path)


def _open_dirs(base: Path, parts: Sequence[str], create: bool, path: Path) -> int | None:
    """A descriptor of ``base/parts...`` opened without following links (created when *create*); None if absent."""
    try:
        fd = os.open(base, _ROOT_FLAGS)
    except FileNotFoundError:
        if not create:
            return None
        _make_parents(base)
        fd = os.open(base, _ROOT_FLAGS)
    for index, part in enumerate(parts):
        here = base.joinpath(*parts[: index + 1])
        try:
            _check_name(part, here)
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if create:
                    raise
                os.close(fd)
                return None
            except OSError as err:
                if err.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(here):
                    raise OSError(errno.ELOOP, "symbolic link", str(here)) from None
                raise
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        fd = child
    return fd


@contextlib.contextmanager
def atomic_open(
    path: str | Path,
    mode: str = "wb",
    *,
    root: str | Path | None = None,
    private: bool = False,
    durable: bool = True,
    encoding: str = "utf-8",
    newline: str | None = "",
    repositories: bool = True,
) -> Iterator[IO[Any]]:
    """Open *path* for writing through a temporary file next to it; on success ``fsync`` + ``os.replace``.

    No symbolic link is followed below the output folder (*root*, else the claimed folder or the run's
    output folder, else the target's folder): a planted link is replaced, never written through. The
    temporary file is removed on every error (also Ctrl-C). *private* files are readable by the owner only.
    OS errors become :class:`OutputError` with one message. *repositories* false allows a folder inside
    another git repository (a project ``samskab init`` writes).
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode {mode!r}: use 'wb' or 'w'")
    base, parts = _split(path, root)
    check_writable_place(base.joinpath(*parts[:-1]), repositories=repositories)
    name = parts[-1]
    target = base.joinpath(*parts)
    temp = f".{name[:40]}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}"
    dir_fd: int | None = None
    created = False
    try:
        _check_name(name, target)
        dir_fd = _open_dirs(base, parts[:-1], True, target)
        assert dir_fd is not None
        fd = os.open(temp, _NEW_FILE_FLAGS, 0o600 if private else 0o666, dir_fd=dir_fd)
        created = True
        kwargs = {"encoding": encoding, "newline": newline} if mode == "w" else {}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        created = False
    except OSError as err:
        linked = err.errno == errno.ELOOP and err.filename is not None
        raise output_error(err, err.filename if linked else target) from None
    finally:
        if created and dir_fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=dir_fd)
        if dir_fd is not None:
            os.close(dir_fd)


def write_bytes(path: str | Path, data: bytes, **options: Any) -> Path:
    """Write *data* to *path* atomically (see :func:`atomic_open`); returns *path*."""
    with atomic_open(path, "wb", **options) as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | Path, text: str, **options: Any) -> Path:
    """Write *text* as UTF-8 (line ends as given) atomically; returns *path*."""
    return write_bytes(path, text.encode("utf-8"), **options)


def append_line(path: str | Path, line: str) -> Path:
    """Append one line to a log file the user named (e.g. ``--release-log``), wherever it is.

    The folder must not be a source, environment or package folder (:func:`check_writable_place`); the file is
    never written through a symbolic link (``O_NOFOLLOW``); the line is written with one ``write`` call.
    """
    path = Path(os.path.abspath(path))
    check_writable_place(path.parent, what="log file's folder")
    _make_parents(path.parent)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o666)
        try:
            os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as err:
        raise output_error(err, path) from None
    return path


def read_existing(path: str | Path, root: str | Path | None = None) -> bytes | None:
    """The bytes of an existing file below the output folder, never through a link; None when absent/unreadable."""
    try:
        base, parts = _split(path, root)
        dir_fd = _open_dirs(base, parts[:-1], False, Path(path))
    except (OSError, OutputError):
        return None
    if dir_fd is None:
        return None
    try:
        fd = os.open(parts[-1], os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def write_if_changed(path: str | Path, data: str | bytes, **options: Any) -> bool:
    """Write unless the file already holds exactly *data* (keeps mtimes, so incremental builds stay quiet)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if read_existing(path, options.get("root")) == raw:
        return False
    write_bytes(path, raw, **options)
    return True


def remove_file(path: str | Path, *, root: str | Path | None = None) -> bool:
    """Remove a file (or a link, never its target) below the output folder; False when it was not there."""
    try:
        base, parts = _split(path, root)
        dir_fd = _open_dirs(base, parts[:-1], False, Path(path))
    except FileNotFoundError:
        return False
    except OSError as err:
        raise output_error(err, path, "remove") from None
    if dir_fd is None:
        return False
    try:
        os.unlink(parts[-1], dir_fd=dir_fd)
        return True
    except FileNotFoundError:
        return False
    except OSError as err:
        raise output_error(err, path, "remove") from None
    finally:
        os.close(dir_fd)


def remove_tree(path: str | Path, *, root: str | Path | None = None) -> bool:
    """Remove a folder and everything in it below the output folder (a link is removed, not followed)."""
    try:
        base, parts = _split(path, root)
        dir_fd = _open_dirs(base, parts[:-1], False, Path(path))
    except FileNotFoundError:
        return False
    except OSError as err:
        raise output_error(err, path, "remove") from None
    if dir_fd is None:
        return False
    try:
        info = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(parts[-1], dir_fd=dir_fd)
        else:
            os.unlink(parts[-1], dir_fd=dir_fd)
        return True
    except FileNotFoundError:
        return False
    except OSError as err:
        raise output_error(err, path, "remove") from None
    finally:
        os.close(dir_fd)


def remove_empty_dirs(folder: str | Path, *, root: str | Path | None = None) -> None:
    """Remove empty folders below (and including) *folder*, deepest first; links are left alone."""
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return
    for parent, _dirs, _files in sorted(os.walk(folder, followlinks=False), key=lambda t: -len(t[0])):
        if not os.listdir(parent):
            with contextlib.suppress(OSError):
                os.rmdir(parent)


def move_file(source: str | Path, target: str | Path, **options: Any) -> Path:
    """Move a file (e.g. a partly executed notebook from a private folder) atomically to *target*."""
    with open(source, "rb") as handle:  # noqa: SIM115 - the source is ours (a private temporary folder)
        data = handle.read()
    write_bytes(target, data, **options)
    with contextlib.suppress(OSError):
        os.unlink(source)
    return Path(target)


def _make_parents(folder: Path) -> list[Path]:
    """Create *folder* and its missing parents (as the user named them); the folders created, deepest first."""
    made = []
    for parent in [folder, *folder.parents]:
        if parent.exists() or parent.is_symlink():
            break
        made.append(parent)
    for parent in reversed(made):
        try:
            parent.mkdir()
        except FileExistsError:
            pass
        except OSError as err:
            raise output_error(err, parent, "create") from None
    return made


def sweep_temp_files(folder: Path) -> int:
    """Remove temporary files of atomic writes a killed run left below *folder*; returns how many."""
    removed = 0
    for parent, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(parent, d))]
        for name in files:
            if name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(parent, name))
                    removed += 1
    return removed


def check_no_links(folder: str | Path, root: str | Path) -> None:
    """Refuse (:class:`OutputError`) when a folder below *root* on the way to *folder* is a symbolic link.

    For folders handed to another program that writes there itself (``sphinx-build``).
    """
    base = Path(os.path.abspath(root)).resolve()
    path = Path(os.path.abspath(folder))
    try:
        parts = path.relative_to(base).parts
    except ValueError:
        return
    here = base
    for part in parts:
        here = here / part
        if here.is_symlink():
            raise output_error(OSError(errno.ELOOP, "symbolic link", str(here)), here)
        if not here.exists():
            return
