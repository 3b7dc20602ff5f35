"""Shared fixtures: the published study and a scratch copy of the raw data."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from samskab_analysis.paths import DATA_DIR  # noqa: E402
from samskab_analysis.study import Study, load_study  # noqa: E402


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
