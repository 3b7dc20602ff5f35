"""Run ``sphinx-build`` in a subprocess with a fixed time and hash seed (deterministic output)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

_running: set[subprocess.Popen] = set()
_lock = threading.Lock()


def sphinx_build(builder: str, src: Path, out: Path, doctrees: Path, epoch: str) -> subprocess.CompletedProcess:
    """Run ``sphinx-build -b <builder>`` quietly (warnings are returned in stderr, not fatal)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch, "PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"}
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-q", "-d", str(doctrees), str(src), str(out)]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        with _lock:
            _running.add(process)
        try:
            stdout, stderr = process.communicate()
        except BaseException:  # Ctrl-C in this thread: do not wait for the build to finish
            process.kill()
            raise
        finally:
            with _lock:
                _running.discard(process)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def stop_all() -> None:
    """Kill every ``sphinx-build`` still running (Ctrl-C or SIGTERM during the site build stops it at once)."""
    with _lock:
        processes = list(_running)
    for process in processes:
        try:
            process.kill()
        except OSError:
            pass
