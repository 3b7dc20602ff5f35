"""Keep several benchmarks' tables in one markdown file: each owns the text between its markers."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, name: str, lines: list[str]) -> None:
    """Put *lines* between ``<!-- name:start -->`` and ``<!-- name:end -->`` in *path* (appended if absent)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = "\n".join([start, *lines, end])
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    path.write_text(text, encoding="utf-8")
