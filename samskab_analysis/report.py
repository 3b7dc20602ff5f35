"""The reviewer's index page (``reports/index.html``)."""

from __future__ import annotations

import html
from pathlib import Path


def write_index(config, jobs, out_dir: Path) -> Path:
    """Write a minimal index listing every exhibit with links to its notebook and figures."""
    rows = []
    for job in jobs:
        links = [f'<a href="html/{job.name}.html">notebook</a>', f'<a href="notebooks/{job.name}.ipynb">ipynb</a>']
        rows.append(f"<tr><td>{html.escape(job.title)}</td><td>{' · '.join(links)}</td></tr>")
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>samskab report</title></head><body>"
        "<h1>samskab: reproduced exhibits</h1><table>" + "\n".join(rows) + "</table></body></html>\n"
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
