"""Where the project's shared test tools are: ``$SAMSKAB_SHARED_TOOLS``, else ``shared/tools`` next to the repository
or one of its parents (``../shared/tools`` from the repository root of a clone; ``/work/shared/tools`` for a git
worktree under ``/work/wt/``). Tests that need them skip with a message when they are absent."""

from __future__ import annotations

import os
from pathlib import Path

from samskab_analysis.paths import REPO_ROOT

ENV = "SAMSKAB_SHARED_TOOLS"


def shared_tools(*parts: str) -> Path | None:
    """The first existing ``<shared tools>/<parts>``, or None."""
    env = os.environ.get(ENV, "")
    roots = [Path(env)] if env else []
    roots += [parent / "shared" / "tools" for parent in REPO_ROOT.resolve().parents]
    for root in roots:
        path = root.joinpath(*parts)
        if path.exists():
            return path
    return None
