"""Run ``sphinx-build`` in a subprocess with a fixed time and hash seed (deterministic output)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def sphinx_build(builder: str, src: Path, out: Path, doctrees: Path, epoch: str) -> subprocess.CompletedProcess:
    """Run ``sphinx-build -b <builder>`` quietly (warnings are returned in stderr, not fatal)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch, "PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"}
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-q", "-d", str(doctrees), str(src), str(out)]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)
