"""A run's validated answers, stored once and read back by every notebook of the run.

``samskab reproduce --data FILE`` reads and validates the respondent file once (while writing the processed
tables) and stores the result in a private temporary folder of the run (removed when it ends, never in the
output folder: no respondent-level data in the reports); each notebook then loads the stored answers
instead of parsing the file again (:func:`samskab_analysis.study.load_study` does this when the environment
variable ``SAMSKAB_ANSWERS_CACHE`` names the folder, which the runner sets).  The file name is a sha256 of
everything the answers depend on (:func:`answers_key`): the respondent file's bytes, the column map, the
sheet, the instrument folder and the ingest code, so a stale entry is never used.

Format: a NumPy ``.npz`` without pickled objects (``allow_pickle=False``): the respondent ids, one array of
category codes per item with its categories, each respondent's file row, the frame's ``attrs`` as JSON and
the :class:`~samskab_analysis.ingest.responses.IngestWarning` messages, which are warned again on loading.
The cells as written in the file (``attrs["provenance"].raw``) are not stored: loaded answers carry the
file rows only (no notebook prints respondent-level cells).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from samskab_analysis.ingest.responses import CellProvenance, IngestWarning
from samskab_analysis.output import atomic_open

FORMAT = "1"
CODE_DIRS = ("ingest", "data")
#: A file in the cache folder telling the run's notebooks not to repeat the ingest warnings (``--min-count``:
#: their numbers, such as how many questions were not reached or on which rows, are not disclosure-controlled;
#: the run printed them on the terminal when it read the file).
QUIET_FILE = "quiet"


def quiet(folder: str | Path) -> bool:
    """True when the run's notebooks keep the ingest warnings to themselves (:data:`QUIET_FILE`)."""
    return bool(str(folder)) and (Path(folder) / QUIET_FILE).is_file()


def _digest_files(paths: list[Path], digest: hashlib._Hash, root: Path) -> None:
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def answers_key(
    path: str | Path,
    data_dir: str | Path,
    column_map: str | Path | Mapping[str, str] | None = None,
    sheet: str | None = None,
    include_incomplete: bool = False,
) -> str:
    """sha256 of the respondent file, column map, sheet, incomplete-responses choice, instrument folder and
    ingest code."""
    digest = hashlib.sha256(f"samskab answers cache {FORMAT}\0".encode())
    with open(path, "rb") as handle:
        digest.update(hashlib.file_digest(handle, "sha256").digest())
    if isinstance(column_map, Mapping):
        digest.update(json.dumps(sorted(column_map.items())).encode("utf-8"))
    elif column_map is not None and str(column_map) != "":
        digest.update(b"map\0" + Path(column_map).read_bytes())
    digest.update(f"\0sheet={sheet!r}\0incomplete={bool(include_incomplete)}\0".encode())
    instrument = Path(data_dir) / "instrument"
    _digest_files([p for p in instrument.rglob("*") if p.is_file()], digest, instrument)
    package = Path(__file__).resolve().parent.parent
    _digest_files([p for d in CODE_DIRS for p in (package / d).glob("*.py")], digest, package)
    return digest.hexdigest()


def cache_path(cache_dir: str | Path, key: str) -> Path:
    """Where the answers with *key* are stored."""
    return Path(cache_dir) / f"answers-{key[:32]}.npz"


def save_answers(frame: pd.DataFrame, path: str | Path, messages: list[str]) -> Path:
    """Store validated answers (as returned by ``load_responses``) and the warnings given while reading them."""
    path = Path(path)
    provenance = frame.attrs.get("provenance")
    rows = provenance.rows if isinstance(provenance, CellProvenance) else {}
    attrs = {k: v for k, v in frame.attrs.items() if k != "provenance"}
    arrays: dict[str, np.ndarray] = {
        "ids": np.asarray([str(i) for i in frame.index], dtype=str),
        "rows": np.asarray([rows.get(i, -1) for i in frame.index], dtype=np.int64),
        "columns": np.asarray(list(frame.columns), dtype=str),
        "meta": np.asarray(json.dumps({"attrs": attrs, "index_name": frame.index.name, "warnings": messages})),
    }
    for j, column in enumerate(frame.columns):
        codes, categories = pd.factorize(frame[column].astype(object), use_na_sentinel=False)
        arrays[f"codes_{j}"] = codes.astype(np.int32)
        arrays[f"categories_{j}"] = np.asarray([str(c) for c in categories], dtype=str)
    with atomic_open(path, "wb", private=True, root=path.parent) as handle:  # a notebook never reads half a file
        np.savez(handle, **arrays)
    return path


def load_answers(path: str | Path) -> pd.DataFrame:
    """The answers stored by :func:`save_answers` (same frame, attrs and dtypes; warnings given again)."""
    with np.load(path, allow_pickle=False) as stored:
        meta = json.loads(str(stored["meta"]))
        ids = stored["ids"].astype(object)
        columns = [str(c) for c in stored["columns"]]
        data = {
            column: stored[f"categories_{j}"].astype(object)[stored[f"codes_{j}"]] for j, column in enumerate(columns)
        }
        rows = dict(zip(ids.tolist(), stored["rows"].tolist(), strict=True))
    frame = pd.DataFrame(data, index=pd.Index(ids, name=meta["index_name"], dtype=object), dtype=object)
    frame.attrs.update(meta["attrs"])
    frame.attrs["provenance"] = CellProvenance({}, rows)
    for message in meta["warnings"]:
        warnings.warn(IngestWarning(message), stacklevel=3)
    return frame
