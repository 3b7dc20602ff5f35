"""Build hook: the wheel carries the study (``[tool.samskab] study`` in pyproject.toml) as package data.

The listed files and folders are copied, with the repository's layout, into ``samskab_analysis/_study/`` of
the wheel, where ``samskab_analysis.paths.study_root`` finds them with importlib.resources. An editable install
reads them from the checkout instead. A listed path missing from the source tree (e.g. from an sdist built
without it) fails the build.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".DS_Store")
#: The output gate's lock file (left in a folder samskab wrote into): not part of the study.
OUTPUT_GATE_FILES = (".samskab.lock",)


def study_paths() -> list[str]:
    return tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["samskab"]["study"]


class BuildPyWithStudy(build_py):
    """``build_py`` that also copies the study into ``<build>/samskab_analysis/_study/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "samskab_analysis" / "_study"
        if target.exists():
            shutil.rmtree(target)
        for name in study_paths():
            source = HERE / name
            if not source.exists():
                raise FileNotFoundError(f"study file {name} (pyproject.toml [tool.samskab] study) is missing")
            files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
            for path in files:
                inside = path.relative_to(HERE)
                if set(inside.parts) & set(SKIPPED) or path.suffix == ".pyc" or path.name in OUTPUT_GATE_FILES:
                    continue
                (target / inside).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / inside)


setup(cmdclass={"build_py": BuildPyWithStudy})
