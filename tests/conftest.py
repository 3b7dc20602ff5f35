"""Shared fixtures: the published study, a scratch copy of the raw data, and a private temp folder per session.

The suite is hermetic: every test process gets its own temporary folder (``TMPDIR`` and :mod:`tempfile`) and its
own user cache (``XDG_CACHE_HOME``), so nothing it checks can be disturbed by another samskab run on the machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from samskab_analysis.paths import DATA_DIR  # noqa: E402
from samskab_analysis.study import Study, load_study  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def private_temp_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This test process's own temporary folder and user cache (restored at the end)."""
    folder = tmp_path_factory.mktemp("tmp")
    cache = tmp_path_factory.mktemp("cache")
    saved = {key: os.environ.get(key) for key in ("TMPDIR", "XDG_CACHE_HOME")}
    saved_tempdir = tempfile.tempdir
    os.environ["TMPDIR"], os.environ["XDG_CACHE_HOME"] = str(folder), str(cache)
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved_tempdir
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def study() -> Study:
    """The reconstructed published study (default assumptions)."""
    return load_study()


@pytest.fixture()
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of data/raw for tests that break files on purpose."""
    target = tmp_path / "raw"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("examples"))
    return target


def counts_of(study: Study, item_id: str) -> dict[str, int]:
    """``{category_id: count}`` for one item."""
    rows = study.item_counts(item_id)
    return dict(zip(rows["category_id"], rows["count"], strict=True))
