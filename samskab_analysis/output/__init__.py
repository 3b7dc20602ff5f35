"""The one gate for everything samskab writes: where, under which name, how, and what an OS error means.

Layer: just above :mod:`samskab_analysis.paths`, below everything else, so every layer may use it.

Every command and every library function that writes a file goes through this module (a test scans the
package for direct writes). What it owns:

* **Where** (:func:`claim_output`, :func:`check_out_dir`): one refusal policy for every command. Refused are
  the project root (and any folder containing it or another repository), its source folders, ``.git``, the
  virtual environment and site-packages, the installed package, a folder holding (or inside) an input, an
  existing file, and an existing folder holding files samskab did not write. A claimed folder is locked
  (``.samskab.lock``, ``flock``): a second run into it is refused with a message naming the first.
* **Names** (:func:`safe_name`): names derived from user input (file names, wave labels) as stable slugs
  without ``.``/``..``, separators or control characters, of bounded length.
* **How** (:func:`atomic_open`, :func:`write_bytes`, :func:`write_text`, :func:`write_if_changed`,
  :func:`remove_file`, :func:`remove_tree`): a temporary file in the target's folder, ``fsync``,
  ``os.replace``; the temporary file is removed on every error (also Ctrl-C); below the output folder no
  symbolic link is ever followed (every folder is opened with ``O_NOFOLLOW`` relative to its parent).
* **Temporary folders** (:func:`private_temp`): private (0700), removed on exit, error and signal; those of
  runs that were killed are swept by the next run (named by pid and process start time).
* **Problem lists** (:func:`write_problems_csv`): into the output folder of the running command (a private
  ``problems/`` folder) or the user's private cache, capped, with spreadsheet formulas neutralised (OWASP).
* **Messages** (:func:`describe_os_error`): one sentence per ``OSError`` (read-only, exists, no space, name too
  long, permission, link, ...), raised as :class:`OutputError`.
"""

from __future__ import annotations

from samskab_analysis.output.claims import claim_output, lock_folder
from samskab_analysis.output.files import (
    ROOT_ENV,
    append_line,
    atomic_open,
    check_no_links,
    move_file,
    read_existing,
    remove_empty_dirs,
    remove_file,
    remove_tree,
    write_bytes,
    write_if_changed,
    write_text,
)
from samskab_analysis.output.messages import (
    OutputBusyError,
    describe_os_error,
    is_fatal,
    output_error,
    portable_path,
    shown,
)
from samskab_analysis.output.names import safe_name
from samskab_analysis.output.places import check_out_dir, check_writable_place, claimed_folders
from samskab_analysis.output.problems import neutralise_cell, problems_folder, write_problems_csv
from samskab_analysis.output.temp import private_temp, sweep_private_temps
from samskab_analysis.paths import OutputError, UnsafeOutputError

__all__ = [
    "ROOT_ENV",
    "append_line",
    "OutputBusyError",
    "OutputError",
    "UnsafeOutputError",
    "atomic_open",
    "check_no_links",
    "check_out_dir",
    "check_writable_place",
    "claim_output",
    "lock_folder",
    "claimed_folders",
    "describe_os_error",
    "is_fatal",
    "move_file",
    "neutralise_cell",
    "output_error",
    "portable_path",
    "private_temp",
    "problems_folder",
    "read_existing",
    "remove_empty_dirs",
    "remove_file",
    "remove_tree",
    "safe_name",
    "shown",
    "sweep_private_temps",
    "write_bytes",
    "write_if_changed",
    "write_problems_csv",
    "write_text",
]
