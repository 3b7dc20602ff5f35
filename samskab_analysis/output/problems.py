"""Problem lists: into the running command's output folder (or a private cache), capped, formulas neutralised."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from samskab_analysis.output.files import write_text
from samskab_analysis.output.messages import output_error
from samskab_analysis.output.names import safe_name
from samskab_analysis.output.places import _claims

#: At most this many problems are written to a problem list; the rest are counted in its last line.
MAX_PROBLEMS_WRITTEN = 10_000
#: Cells of a problem list are cut to this many characters.
MAX_PROBLEM_CELL = 1_000
#: Cells starting with these are formulas in spreadsheet programs (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def user_private_dir(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/samskab/...`` (else ``~/.cache/samskab/...``), created private (0700)."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    try:
        base = Path(cache) if os.path.isabs(cache) else Path.home() / ".cache"
    except RuntimeError:  # no home folder: the list goes to a private temporary folder of this user
        base = Path(tempfile.gettempdir()) / f"samskab-cache-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder = base.joinpath("samskab", *parts)
    private_dir(folder.parent)
    return private_dir(folder)


def private_dir(folder: Path) -> Path:
    """Create *folder* (mode 0700) or check an existing one is a real folder of this user; made private."""
    try:
        with contextlib.suppress(FileExistsError):
            os.makedirs(folder, mode=0o700)
        info = os.lstat(folder)
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise OSError(errno.ELOOP, "not a real folder", str(folder))
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise OSError(errno.EPERM, "a folder of another user", str(folder))
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(folder, 0o700)
    except OSError as err:
        raise output_error(err, err.filename or folder, "create") from None
    return folder


def problems_folder() -> Path:
    """Where problem lists go: ``problems/`` in the folder the running command claimed, else a private cache."""
    if _claims:
        return list(_claims)[-1] / "problems"
    return user_private_dir("problems")


def neutralise_cell(value: object) -> object:
    """A cell safe to open in a spreadsheet: text starting with ``= + - @`` (tab, CR) gets a leading ``'`` (OWASP).

    Numbers are left as they are; text is cut to :data:`MAX_PROBLEM_CELL` characters.
    """
    if not isinstance(value, str):
        return value
    text = value if len(value) <= MAX_PROBLEM_CELL else value[: MAX_PROBLEM_CELL - 1] + "…"
    return "'" + text if text.startswith(FORMULA_START) else text


def write_problems_csv(
    name: str, header: Sequence[str], rows: Iterable[Sequence[object]], total: int | None = None
) -> Path:
    """Write a problem list ``<problems folder>/<safe name>.problems.csv`` (private, capped, neutralised).

    At most :data:`MAX_PROBLEMS_WRITTEN` rows are written; a last row says how many more there were.
    """
    folder = problems_folder()
    path = folder / f"{safe_name(name)}.problems.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    written = 0
    for row in rows:
        if written >= MAX_PROBLEMS_WRITTEN:
            break
        writer.writerow([neutralise_cell(cell) for cell in row])
        written += 1
    if total is not None and total > written:
        writer.writerow([f"… {total - written} more problems not written (at most {MAX_PROBLEMS_WRITTEN})"])
    private_dir(folder)
    write_text(path, buffer.getvalue(), private=True, root=folder)
    return path
