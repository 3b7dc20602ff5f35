"""``samskab explore``: ``notebooks/explore.ipynb`` served as a Voilà app on 127.0.0.1 (code hidden).

The notebook is copied, with its parameters set (papermill's parameter injection, nothing executed), into a
private temporary folder that also holds the Jupyter runtime files (kernel connection files); Voilà serves that
copy.  The URL is printed once the server answers.  Ctrl-C (or SIGTERM) stops Voilà, then every process it
started that is still alive (kernels run in sessions of their own, so they are found as its descendants before it
stops), and removes the folder: no orphan kernel, no leftover files.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import nbformat

from samskab_analysis.output import private_temp, write_text
from samskab_analysis.paths import NOTEBOOK_DIR

NOTEBOOK = NOTEBOOK_DIR / "explore.ipynb"
DEFAULT_PORT = 8866
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:*port*."""
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def parametrized_notebook(parameters: dict[str, object], folder: Path, notebook: Path = NOTEBOOK) -> Path:
    """A copy of *notebook* in *folder* with *parameters* injected after its parameters cell (not executed)."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters)
    nb.metadata.pop("papermill", None)
    return write_text(folder / notebook.name, nbformat.writes(nb) + "\n")


def voila_command(notebook: Path, port: int) -> list[str]:
    """The Voilà command serving *notebook* on 127.0.0.1:*port* (no browser, sources stripped)."""
    return [
        sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1",
        "--strip_sources=True", "--theme=light", "--VoilaConfiguration.show_tracebacks=True",
    ]  # fmt: skip


def wait_until_ready(process: subprocess.Popen, url: str, timeout: float = 120.0) -> bool:
    """True once *url* answers; False when *process* ends first or *timeout* seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:  # any HTTP answer means the server is up (a page would start a kernel: not asked for here)
            with urllib.request.urlopen(url + "voila/api/status", timeout=2):  # noqa: S310 - our own local server
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop Voilà and every process it started (kernels included): terminate, wait, then kill what is left."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    alive = [c for c in children if c.is_running()]
    for child in alive:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=grace)
    for child in alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


def serve(
    parameters: dict[str, object],
    port: int = DEFAULT_PORT,
    *,
    notebook: Path = NOTEBOOK,
    say: Callable[[str], None] = print,
) -> int:
    """Serve the explorer until Ctrl-C; returns the exit code (0 after Ctrl-C, 1 when Voilà fails to start).

    *port* 0 takes a free port.  A port already in use is refused with one message.
    """
    if port == 0:
        port = free_port()
    if port_in_use(port):
        say(f"samskab explore: port {port} on {HOST} is in use; choose another with --port N (0: any free port)")
        return 2
    with private_temp("explore") as folder:  # the output gate: private, removed at the end, swept if killed
        (folder / "runtime").mkdir(mode=0o700)  # output-gate: inside the private temporary folder
        served = parametrized_notebook(parameters, folder, notebook)
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(folder / "runtime"), "PYTHONUNBUFFERED": "1"}
        url = f"http://{HOST}:{port}/"
        process = subprocess.Popen(voila_command(served, port), cwd=folder, env=env, start_new_session=True)
        try:
            if not wait_until_ready(process, url):
                say(f"samskab explore: Voilà did not start (exit code {process.poll()}); see the messages above")
                return 1
            say(f"samskab explore: open {url} in a browser (Ctrl-C stops the server)")
            process.wait()
            return 0 if process.returncode in (0, None) else 1
        except KeyboardInterrupt:
            say("samskab explore: stopping")
            return 0
        finally:
            stop(process)
